"""Demo data: a realistic organisation over four quarterly cycles, with planted effects.

Northwind Group's IT organisation serves about 9,000 employees in 8 departments and 4 locations.
For each cycle 2026-Q1..2026-Q4 the generator writes (under ``data/demo/``, in the layouts that
``params/xmo.yaml`` maps):

- ``responses.csv`` — about 3,000 survey responses per cycle: happiness (0-10), CSAT (1-5),
  CES (1-7), 12 Likert items (1-5) for four constructs, each with one reverse-keyed item, and
  free-text comments (about 45 %), a few of which carry e-mail addresses and phone numbers;
- ``tickets.parquet`` — about 20,000 service-desk tickets per cycle (opened/resolved times,
  priority, SLA met, reopened, reassignments, hours waiting, channel, requester);
- ``telemetry/cycle=<id>/part-0.parquet`` — device-day telemetry for about 5,000 devices on
  working days (boot time, crashes, business-app latency), hive-partitioned by cycle;
- ``population.csv`` — headcount per department x location;
- ``backlog.csv`` — 25 improvement items with RICE, WSJF and Kano fields and linked XLAs; a few
  give the value one person reached gains (``value_per_reach`` in ``hours`` or ``money``);
- ``outcomes.csv`` — per department and cycle (and for the whole organisation, department blank):
  staff attrition (share leaving in the cycle) and the loaded hourly cost of staff time (EUR);
  per contact channel and cycle (department blank): the cost of one contact (EUR).

Planted effects, for tests and analyses to find:

1. **Operations is slow and unhappy.** Its tickets take 2.6x longer to resolve and its devices
   boot 1.6x slower with twice the crash rate. A respondent's own last ticket resolution time
   and own device boot time lower their support and digital scores, so the department's low
   happiness, support and digital scores are driven by those O and T indicators.
2. **Self-service relaunch (backlog item BL-07).** Released on 2026-07-01 (start of cycle 3) in
   London and Lisbon only. From 2026-Q3 on it raises the self-service construct and CES there
   (+0.7 SD on the latent scale, about +0.5 on a 1-5 item); Manchester and Singapore are
   untouched, so a difference-in-differences can isolate it.
3. **Singapore is under-represented.** It holds 20 % of the headcount but responds at a third of
   the rate of other locations (about 8 % of respondents); its app latency is twice as high and
   its digital scores lower, so weighting to the population (raking) lowers the digital score.
4. **A slow upward trend** in happiness (+0.08 SD per cycle) and a 4 % per cycle improvement
   in resolution times.
5. **Waste in Operations.** Its tickets are reassigned 1.1 times on average (0.35 elsewhere) and
   35 % of them wait, 13.5 hours on average when they do (18 % and 6 hours elsewhere): about
   4.7 hours waiting per ticket against 1.1 (``reassignments``, ``waiting_hours`` in tickets).
6. **Onboarding is the weakest journey stage.** Respondents at the onboarding stage score the
   support construct 0.65 latent SD lower (everyone else 0.07 higher, so the organisation's level
   is unchanged): lower support items, CSAT and happiness, so XLA-SD is clearly lowest there.
   Tickets carry their ``journey_stage`` too; onboarding tickets are resolved at first contact
   0.6 times as often.
7. **Digital channels take more effort.** Respondents whose last contact was digital (portal,
   chat) answer CES 0.3 lower, assisted ones (phone, walk-in) 0.2 higher: about 0.5 apart on 1-7.
   First-contact resolution (``first_contact_resolved`` in tickets; never when reopened) is
   likelier in assisted channels: 50 % portal, 62 % chat, 72 % phone, 80 % walk-in.
8. **Contacts shift to digital.** Each cycle the portal gains 2 points and chat 3 points of the
   channel mix while phone loses 2 and walk-in 3 (walk-in 15 % of contacts in Q1, 6 % in Q4),
   in tickets and responses alike.

Planted in the comments (drawn from a generator spawned from the main one, so that no other
value changed):

- **A new topic: office Wi-Fi.** A complaint or mixed comment becomes its opening sentence plus
  one of five sentences about the Wi-Fi in the meeting rooms (``_WIFI``), with probability 3 %,
  10 %, 17 % and 24 % in cycles 1 to 4: a topic that grows each cycle (about 2 % of the English
  comments in Q1, 17 % in Q4 at full size), mostly negative (its openings are complaints; "drops"
  is in the lexicon), and matched by no theme rule of ``params/text.yaml`` (none of its words is a
  keyword), so theme discovery should find it as new.
- **Comments in other languages.** 10 % of comments (after the above) are replaced by one in
  Dutch, Spanish or French (equally likely) of the same tone (``_FOREIGN``): the English lexicon
  must leave them unscored, and the reports count them per language.

Everything is drawn from one seeded ``numpy.random.Generator``: the same seed and scale give
byte-identical files.

Outcomes and money, planted too (drawn from a second generator seeded ``[seed, 16]``, so that
adding them changed none of the other draws):

- **Time lost per ticket** (item ``time_lost``, answer codes 1-6 mapped to 0-6 hours in params):
  lost hours ``0.25 r^0.6 e^N(0, 0.6)`` for a respondent whose own last ticket of the cycle took
  ``r`` hours (missing without a ticket), cut into the six buckets; Operations, whose tickets take
  2.6x longer, loses the most time per ticket.
- **Attrition follows happiness one cycle later.** Per department, attrition in cycle t is
  ``0.03 + 0.0015 (60 - H[t-1]) + N(0, 0.002)`` (floored at 0.002), where ``H[t-1]`` is the
  department's mean happiness on 0-100 (NPS-style 0/50/100) in the cycle before (cycle 1 uses
  its own): a leading X indicator moves one cycle before a lagging outcome, and across
  department-cycles attrition rises as the XLA score falls (Operations highest).
- **Hourly cost** differs by department (EUR 42-85, +1 % per cycle); the organisation's row is
  the headcount-weighted mean.
- **Cost per contact** by channel (rows with ``channel`` filled): EUR 4.50 portal, 7.00 chat,
  16.00 phone, 28.00 walk-in, +1 % per cycle; the organisation's row is the mean at the planted
  channel mix. Digital contacts cost about a third of assisted ones, so the shift to digital
  (effect 8) lowers what the cycle's contacts cost. Five open backlog items give their value per person reached in
  hours or money.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

CYCLES = {"2026-Q1": ("2026-01-01", "2026-03-31"), "2026-Q2": ("2026-04-01", "2026-06-30"),
          "2026-Q3": ("2026-07-01", "2026-09-30"), "2026-Q4": ("2026-10-01", "2026-12-31")}
DEPARTMENTS = {"Finance": 0.10, "HR": 0.07, "Sales": 0.17, "Marketing": 0.09, "Engineering": 0.22,
               "Operations": 0.18, "Legal": 0.05, "Customer Support": 0.12}
LOCATIONS = {"London": 0.35, "Manchester": 0.25, "Lisbon": 0.20, "Singapore": 0.20}
CHANNELS = {"portal": 0.35, "phone": 0.25, "chat": 0.25, "walk-in": 0.15}
# planted effects 6-8: the shift of the mix per cycle, the digital channels, first-contact resolution
CHANNEL_SHIFT = {"portal": 0.02, "phone": -0.02, "chat": 0.03, "walk-in": -0.03}
DIGITAL_CHANNELS = ("portal", "chat")
FCR_BY_CHANNEL = {"portal": 0.50, "chat": 0.62, "phone": 0.72, "walk-in": 0.80}
WEAKEST_STAGE = "onboarding"
STAGES = {"onboarding": 0.10, "request": 0.40, "incident": 0.40, "change": 0.10}
EXPERIENCE_TYPES = {"CX": 0.40, "EX": 0.25, "UX": 0.30, "PX": 0.05}
SELF_SERVICE_LOCATIONS = ("London", "Lisbon")
SELF_SERVICE_FROM = 2  # index of 2026-Q3
N_EMPLOYEES, N_DEVICES, TICKETS_PER_CYCLE = 9000, 5000, 20000
MAX_SCALE = 1000  # scale 340 gives about a million responses per cycle
TELEMETRY_BLOCK_ROWS = 4_000_000  # device-days generated and written at a time
LIKERT = {"support": ("sup_1", "sup_2", "sup_3"), "digital": ("dig_1", "dig_2", "dig_3"),
          "selfservice": ("ss_1", "ss_2", "ss_3"), "communication": ("com_1", "com_2", "com_3")}
REVERSED = {"sup_3", "dig_3", "ss_3", "com_3"}


def _pick(rng: np.random.Generator, table: dict[str, float], size: int) -> np.ndarray:
    keys = np.array(list(table))
    p = np.array(list(table.values()))
    return keys[rng.choice(len(keys), size=size, p=p / p.sum())]


def _workdays(start: str, end: str) -> pd.DatetimeIndex:
    return pd.bdate_range(start, end)


def generate(out: str | Path = "data/demo", *, seed: int = 20261122, scale: float = 1.0,
             qualtrics: bool = False) -> dict[str, Path]:
    """Write the demo data set to ``out`` and return the path of each contract's file.

    Parameters
    ----------
    out : folder to write into (created if missing); existing demo files are replaced atomically.
    seed : seed of the single random generator; the same seed and scale give identical files.
    scale : multiplies employees, devices and tickets (0.1 makes a quick test data set; 340 about a
        million responses per cycle, streamed to disk so memory stays a few GB).
    qualtrics : also write the survey as a Qualtrics export (``qualtrics_export.csv``), which
        ``QUALTRICS_MAPPING`` maps back to the responses contract.
    """
    if not 0 < scale <= MAX_SCALE:
        raise ValueError(f"`scale` must be in (0, {MAX_SCALE}]; not {scale!r}.")
    rng = np.random.default_rng(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    staff = _employees(rng, max(60, int(N_EMPLOYEES * scale)))
    devices = _devices(rng, staff, max(40, int(N_DEVICES * scale)))
    extra = np.random.default_rng([seed, 16])  # its own stream: the draws of `rng` are unchanged
    responses, time_lost = [], []
    # Tickets and telemetry stream to Parquet a cycle (telemetry: a block of devices) at a time, so
    # that a million-response demo (scale ~340: 440 M device-days) never holds them in memory.
    with _parquet_stream(out / "tickets.parquet") as tickets_out:
        for k, (cycle, (start, end)) in enumerate(CYCLES.items()):
            t = _tickets(rng, staff, cycle, k, start, end, max(200, int(TICKETS_PER_CYCLE * scale)))
            t = _waste(np.random.default_rng([seed, 5, k]), t)
            t = _journey_channels(np.random.default_rng([seed, 16, k]), t)
            tickets_out(t)
            boot = _telemetry(rng, devices, k, start, end, out / "telemetry" / f"cycle={cycle}" / "part-0.parquet")
            frame = _responses(rng, staff, devices, t, boot, cycle, k, start, end)
            responses.append(frame)
            time_lost.append(_time_lost(extra, frame, t))
            del t
    responses_df = pd.concat(responses, ignore_index=True)
    del responses
    responses_df.insert(0, "response_id", [f"R{i:06d}" for i in range(1, len(responses_df) + 1)])
    responses_df["time_lost"] = pd.array(np.concatenate(time_lost), dtype="Int64")
    population = (staff.groupby(["department", "location"]).size().rename("headcount").reset_index())
    paths = {
        "responses": _write_csv(responses_df, out / "responses.csv"),
        "tickets": out / "tickets.parquet",
        "population": _write_csv(population, out / "population.csv"),
        "backlog": _write_csv(_backlog_values(_backlog()), out / "backlog.csv"),
        "outcomes": _write_csv(_outcomes(extra, responses_df, population), out / "outcomes.csv"),
        "telemetry": out / "telemetry",
    }
    if qualtrics:
        paths["qualtrics"] = write_qualtrics(responses_df, out / "qualtrics_export.csv")
    return paths


# ---------------------------------------------------------------- outcomes and money (planted, see above)
TIME_LOST_CUTS = [0.05, 0.4, 1.1, 2.2, 4.5]  # hours: bucket edges of answer codes 1..6
# planted 9: what one contact costs, by channel (EUR, +1 % per cycle; the organisation's row: at the planted mix)
COST_PER_CONTACT = {"portal": 4.5, "chat": 7.0, "phone": 16.0, "walk-in": 28.0}
HOURLY_COST = {"Finance": 58, "HR": 52, "Sales": 55, "Marketing": 54, "Engineering": 68, "Operations": 46,
               "Legal": 85, "Customer Support": 42}
BACKLOG_VALUE = {"BL-02": (3.0, "hours"), "BL-05": (0.5, "hours"), "BL-08": (0.25, "hours"),
                 "BL-22": (1.0, "hours"), "BL-24": (12.0, "money")}


def _time_lost(rng, responses: pd.DataFrame, tickets: pd.DataFrame) -> np.ndarray:
    """Answer code 1-6 of the time-lost item from the respondent's own last ticket of the cycle
    (``responses`` and ``tickets`` of one cycle; NaN without a ticket)."""
    last = tickets.sort_values("opened_at", kind="stable").groupby("requester_id").tail(1).set_index("requester_id")
    hours = (last["resolved_at"] - last["opened_at"]).dt.total_seconds() / 3600
    r = responses["respondent_id"].map(hours).to_numpy(dtype=float)
    lost = 0.25 * np.power(r, 0.6) * np.exp(rng.normal(0, 0.6, len(r)))
    return np.where(np.isnan(r), np.nan, np.digitize(lost, TIME_LOST_CUTS) + 1)


def _outcomes(rng, responses: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Attrition per department and cycle from the department's happiness a cycle before; hourly cost."""
    h = responses["happiness"].astype(float)
    points = np.where(h.isna(), np.nan, np.where(h >= 9, 100.0, np.where(h >= 7, 50.0, 0.0)))
    mean_h = pd.Series(points).groupby([responses["department"], responses["cycle"]]).mean()
    heads = population.groupby("department")["headcount"].sum()
    rows = []
    for k, cycle in enumerate(CYCLES):
        before = list(CYCLES)[max(k - 1, 0)]
        dept = {}
        for d in sorted(heads.index):
            attrition = max(0.002, 0.03 + 0.0015 * (60 - mean_h[(d, before)]) + rng.normal(0, 0.002))
            dept[d] = (round(attrition, 4), round(HOURLY_COST[d] * 1.01 ** k, 2))
            rows.append({"cycle": cycle, "department": d, "attrition_rate": dept[d][0], "hourly_cost": dept[d][1]})
        cost = {ch: round(v * 1.01 ** k, 2) for ch, v in COST_PER_CONTACT.items()}
        rows += [{"cycle": cycle, "channel": ch, "cost_per_contact": v} for ch, v in cost.items()]
        w = heads / heads.sum()
        mix = _channel_mix(k)
        rows.append({"cycle": cycle, "department": None,
                     "attrition_rate": round(float(sum(w[d] * v[0] for d, v in dept.items())), 4),
                     "hourly_cost": round(float(sum(w[d] * v[1] for d, v in dept.items())), 2),
                     "cost_per_contact": round(float(sum(mix[ch] * v for ch, v in cost.items())), 2)})
    return pd.DataFrame(rows, columns=["cycle", "department", "channel", "attrition_rate", "hourly_cost",
                                       "cost_per_contact"])


def _backlog_values(backlog: pd.DataFrame) -> pd.DataFrame:
    """The value one person reached gains, where an item's impact is known in hours or money."""
    value = backlog["item_id"].map(lambda i: BACKLOG_VALUE.get(i, (None, None)))
    return backlog.assign(value_per_reach=[v[0] for v in value], value_unit=[v[1] for v in value])


def _employees(rng: np.random.Generator, n: int) -> pd.DataFrame:
    staff = pd.DataFrame({"employee_id": [f"E{i:05d}" for i in range(1, n + 1)],
                          "department": _pick(rng, DEPARTMENTS, n), "location": _pick(rng, LOCATIONS, n)})
    # Each employee's personal disposition: the same person answers alike across cycles.
    staff["disposition"] = rng.normal(0, 0.6, n)
    return staff


def _devices(rng: np.random.Generator, staff: pd.DataFrame, n: int) -> pd.DataFrame:
    owners = staff.sample(n=min(n, len(staff)), random_state=rng.integers(2**31)).sort_values("employee_id")
    dev = owners[["employee_id", "department", "location"]].reset_index(drop=True)
    dev.insert(0, "device_id", [f"D{i:05d}" for i in range(1, len(dev) + 1)])
    old = rng.random(len(dev)) < 0.15  # older hardware boots slowly everywhere
    dev["boot_base"] = 32 * np.where(old, 1.8, 1.0) * np.where(dev["department"] == "Operations", 1.6, 1.0)
    dev["crash_rate"] = 0.03 * np.where(dev["department"] == "Operations", 2.0, 1.0) * np.where(old, 1.5, 1.0)
    latency = {"London": 420, "Manchester": 450, "Lisbon": 480, "Singapore": 900}
    dev["latency_base"] = dev["location"].map(latency).astype(float)
    return dev


def _tickets(rng, staff, cycle, k, start, end, n) -> pd.DataFrame:
    who = staff.iloc[rng.integers(0, len(staff), n)].reset_index(drop=True)
    t0 = pd.Timestamp(start)
    span = (pd.Timestamp(end) + pd.Timedelta(days=1) - t0).total_seconds()
    opened = t0 + pd.to_timedelta(np.sort(rng.random(n)) * span * 0.97, unit="s")
    priority = _pick(rng, {"P1": 0.05, "P2": 0.15, "P3": 0.50, "P4": 0.30}, n)
    channel = _pick(rng, _channel_mix(k), n)
    median_h = pd.Series(priority).map({"P1": 2.0, "P2": 4.0, "P3": 7.0, "P4": 16.0}).to_numpy()
    factor = (np.where(who["department"] == "Operations", 2.6, 1.0)
              * pd.Series(channel).map({"portal": 1.1, "phone": 0.85, "chat": 0.9, "walk-in": 0.7}).to_numpy()
              * 0.96 ** k)
    hours = np.round(median_h * factor * np.exp(rng.normal(0, 0.7, n)), 2)
    sla = pd.Series(priority).map({"P1": 4, "P2": 8, "P3": 24, "P4": 72}).to_numpy()
    reopen_p = np.where(who["department"] == "Operations", 0.10, 0.05)
    return pd.DataFrame({
        "ticket_id": [f"INC-{cycle.replace('-', '')}-{i:06d}" for i in range(1, n + 1)],
        "opened_at": opened.floor("s"),
        "resolved_at": (opened + pd.to_timedelta(hours, unit="h")).floor("s"),
        "priority": priority, "channel": channel,
        "category": _pick(rng, {"hardware": .2, "software": .3, "access": .2, "network": .1, "request": .2}, n),
        "requester_id": who["employee_id"].to_numpy(), "department": who["department"].to_numpy(),
        "location": who["location"].to_numpy(),
        "sla_met": hours <= sla, "reopened": rng.random(n) < reopen_p,
    })


def _waste(rng, tickets: pd.DataFrame) -> pd.DataFrame:
    """Planted effect 5: reassignments and hours waiting per ticket (their own generator, so the
    other columns are drawn as before)."""
    ops = (tickets["department"] == "Operations").to_numpy()
    n = len(tickets)
    reassign = rng.poisson(np.where(ops, 1.1, 0.35), n).astype(float)
    waits = rng.random(n) < np.where(ops, 0.35, 0.18)
    hours = np.round(np.where(waits, rng.gamma(1.5, np.where(ops, 9.0, 4.0), n), 0.0), 2)
    return tickets.assign(reassignments=reassign, waiting_hours=hours)


def _channel_mix(k: int) -> dict[str, float]:
    """Planted effect 8: the channel mix of cycle ``k`` (0 = 2026-Q1)."""
    return {c: p + k * CHANNEL_SHIFT[c] for c, p in CHANNELS.items()}


def _journey_channels(rng, tickets: pd.DataFrame) -> pd.DataFrame:
    """Planted effects 6 and 7 on tickets (their own generator, so the other columns are drawn as
    before): each ticket's journey stage and whether it was resolved at first contact."""
    n = len(tickets)
    stage = _pick(rng, STAGES, n)
    p = tickets["channel"].map(FCR_BY_CHANNEL).to_numpy(float) * np.where(stage == WEAKEST_STAGE, 0.6, 1.0)
    fcr = (rng.random(n) < p) & ~tickets["reopened"].to_numpy(bool)
    return tickets.assign(journey_stage=stage, first_contact_resolved=fcr)


def _telemetry(rng, devices, k, start, end, path: Path) -> pd.Series:
    """Write one cycle's device-days to ``path`` a block of devices at a time; return each user's
    mean boot time (every user has at most one device, so no user spans two blocks)."""
    days = _workdays(start, end)
    nt = len(days)
    step = max(1, TELEMETRY_BLOCK_ROWS // nt)
    boots = []
    with _parquet_stream(path) as write:
        for lo in range(0, len(devices), step):
            block = devices.iloc[lo:lo + step]
            nd = len(block)
            rep = lambda col: np.repeat(block[col].to_numpy(), nt)  # noqa: E731 - local shorthand
            boot = rep("boot_base") * np.exp(rng.normal(0, 0.35, nd * nt))
            latency = rep("latency_base") * np.exp(rng.normal(0, 0.4, nd * nt))
            frame = pd.DataFrame({
                "date": np.tile(days.values.astype("datetime64[s]"), nd),
                "device_id": rep("device_id"), "user_id": rep("employee_id"),
                "department": rep("department"), "location": rep("location"),
                "boot_time_s": np.round(boot, 1), "crashes": rng.poisson(rep("crash_rate")),
                "app_latency_ms": np.round(latency).astype(int),
            })
            write(frame)
            boots.append(frame.groupby("user_id")["boot_time_s"].mean())
            del frame
    boot = pd.concat(boots)
    assert boot.index.is_unique, "a user's devices span two telemetry blocks"
    return boot


def _ordinal(values: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return np.clip(np.rint(values), lo, hi)


def _responses(rng, staff, devices, tickets, boot, cycle, k, start, end) -> pd.DataFrame:
    rate = np.where(staff["location"] == "Singapore", 0.125, 0.38)
    who = staff[rng.random(len(staff)) < rate].reset_index(drop=True)
    n = len(who)
    # The respondent's own experience: last ticket's resolution time and own device's boot time.
    last = tickets.sort_values("opened_at").groupby("requester_id").tail(1).set_index("requester_id")
    res_h = (last["resolved_at"] - last["opened_at"]).dt.total_seconds() / 3600
    own_res = who["employee_id"].map(np.log(res_h)).to_numpy()
    res_z = np.nan_to_num((own_res - np.nanmean(own_res)) / np.nanstd(own_res))
    own_boot = who["employee_id"].map(np.log(boot)).to_numpy()
    boot_z = np.nan_to_num((own_boot - np.nanmean(own_boot)) / np.nanstd(own_boot))
    ops = (who["department"] == "Operations").to_numpy()
    sgp = (who["location"] == "Singapore").to_numpy()
    selfservice_on = (k >= SELF_SERVICE_FROM) & who["location"].isin(SELF_SERVICE_LOCATIONS).to_numpy()
    g = who["disposition"].to_numpy() + rng.normal(0, 0.5, n)
    latent = {
        "support": 0.5 * g - 0.55 * res_z - 0.25 * ops + rng.normal(0, 0.6, n),
        "digital": 0.4 * g - 0.45 * boot_z - 0.25 * ops - 0.55 * sgp + rng.normal(0, 0.6, n),
        "selfservice": 0.4 * g + 0.7 * selfservice_on - 0.1 * res_z + rng.normal(0, 0.6, n),
        "communication": 0.5 * g + 0.15 * k / 3 + rng.normal(0, 0.6, n),
    }
    channel = _pick(rng, _channel_mix(k), n)
    frame = pd.DataFrame({
        "respondent_id": who["employee_id"], "cycle": cycle,
        "submitted_at": (pd.Timestamp(end) - pd.Timedelta(days=20)
                         + pd.to_timedelta(rng.integers(0, 14 * 86400, n), unit="s")).astype("datetime64[s]"),
        "department": who["department"], "location": who["location"], "channel": channel,
        "journey_stage": _pick(rng, STAGES, n), "experience_type": _pick(rng, EXPERIENCE_TYPES, n),
    })
    # planted effect 6: the weakest stage (mean-preserving); 7: effort in digital channels
    weak, share = (frame["journey_stage"] == WEAKEST_STAGE).to_numpy(), STAGES[WEAKEST_STAGE]
    latent["support"] = latent["support"] + np.where(weak, -0.65, 0.65 * share / (1 - share))
    effort = np.where(np.isin(channel, DIGITAL_CHANNELS), -0.3, 0.2)
    overall = 0.45 * latent["support"] + 0.35 * latent["digital"] + 0.2 * latent["selfservice"] + 0.08 * k
    frame["happiness"] = _ordinal(7.3 + 1.7 * overall + rng.normal(0, 0.8, n), 0, 10)
    frame["csat"] = _ordinal(3.9 + 0.9 * latent["support"] + rng.normal(0, 0.5, n), 1, 5)
    frame["ces"] = _ordinal(4.8 + effort + 1.1 * latent["selfservice"] + 0.4 * latent["support"]
                            + rng.normal(0, 0.6, n), 1, 7)
    for construct, items in LIKERT.items():
        for j, item in enumerate(items):
            value = _ordinal(3.55 + 0.05 * j + 0.85 * latent[construct] + rng.normal(0, 0.55, n), 1, 5)
            frame[item] = 6 - value if item in REVERSED else value
    for col in ["happiness", "csat", "ces", *[i for items in LIKERT.values() for i in items]]:
        frame.loc[rng.random(n) < 0.03, col] = np.nan
        frame[col] = frame[col].astype("Int64")
    frame["comment"] = _comments(rng, frame, latent)
    return frame.sort_values("submitted_at", kind="stable").reset_index(drop=True)


_OPEN = {"neg": ["Honestly frustrating.", "Not great this quarter.", "I am disappointed.", "This needs fixing.",
                 "Poor experience overall."],
         "mid": ["Mixed experience.", "Some good, some bad.", "It was okay.", "Mostly fine."],
         "pos": ["Great service!", "Really happy with IT.", "Excellent support.", "Thank you to the team.",
                 "Very good experience."]}
_TOPIC = {
    "support": {"neg": ["My ticket was open for days and nobody updated me.", "I had to explain the same issue three times.",
                        "The agent was unhelpful and the ticket got escalated twice.", "Waiting on hold for 40 minutes is not acceptable."],
                "pos": ["The agent understood the problem straight away and fixed it.", "I was kept informed at every step.",
                        "Quick and friendly help on the phone."]},
    "digital": {"neg": ["My laptop takes ages to boot every morning.", "The CRM is so slow that I lose an hour a day.",
                        "Teams keeps crashing during customer calls.", "The VPN drops constantly from the Singapore office."],
                "pos": ["The new laptop is fast and reliable.", "Apps have been quick and stable lately."]},
    "selfservice": {"neg": ["I could not find anything useful in the portal.", "Requesting software is far too complicated.",
                            "The knowledge base articles are out of date."],
                    "pos": ["The new self-service portal answered my question in two minutes.",
                            "Resetting my password myself was easy."]},
    "communication": {"neg": ["The outage last week came as a complete surprise.", "Nobody told us about the change to printing."],
                      "pos": ["Good heads-up about the maintenance window.", "Clear communication about the migration."]},
}
_PII = ["You can reach me at {name}@northwind.example if you need details.",
        "Please call me back on +44 20 7946 {num:04d}.",
        "My mobile is 07700 900{num3:03d}, happy to talk.",
        "Contact {name}@northwind.example or +351 21 123 {num:04d}."]
_NAMES = ["j.smith", "maria.costa", "wei.tan", "a.patel", "tom.baker", "ines.silva", "l.chen", "r.jones"]
# Planted effect: a topic no rule of params/text.yaml covers (office Wi-Fi), growing each cycle.
_WIFI = ["The Wi-Fi in the meeting rooms keeps disconnecting.",
         "The Wi-Fi on the third floor is too weak to join a video call.",
         "The wireless network drops every time I move between meeting rooms.",
         "Guest Wi-Fi for visitors never works in the meeting rooms.",
         "I lose the Wi-Fi signal whenever I walk to the meeting rooms."]
_WIFI_SHARE = (0.03, 0.10, 0.17, 0.24)  # of complaints and mixed comments, per cycle
_FOREIGN_SHARE = 0.10  # of comments, written in Dutch, Spanish or French
_FOREIGN = {
    "nl": {"neg": ["Mijn laptop start elke ochtend heel traag op. Dit moet echt beter.",
                   "Ik heb drie keer hetzelfde probleem moeten uitleggen aan de servicedesk.",
                   "Niemand heeft ons gewaarschuwd voor de storing van vorige week."],
           "pos": ["Heel tevreden over de snelle hulp van de servicedesk.",
                   "De nieuwe laptop werkt prima en is lekker snel."]},
    "es": {"neg": ["El portátil tarda muchísimo en arrancar todas las mañanas.",
                   "Tuve que explicar el mismo problema tres veces y nadie me ayudó.",
                   "Nadie nos avisó del corte de la semana pasada."],
           "pos": ["Muy contento con la ayuda rápida del equipo de soporte.",
                   "El nuevo portal de autoservicio me resolvió la duda en dos minutos."]},
    "fr": {"neg": ["Mon ordinateur portable met des heures à démarrer chaque matin.",
                   "J'ai dû expliquer trois fois le même problème au support.",
                   "Personne ne nous a prévenus de la panne de la semaine dernière."],
           "pos": ["Très satisfait de l'aide rapide de l'équipe informatique.",
                   "Le nouveau portail m'a permis de réinitialiser mon mot de passe tout seul."]},
}


def _comments(rng, frame: pd.DataFrame, latent: dict[str, np.ndarray]) -> list[str | None]:
    happy = frame["happiness"].astype("float").fillna(7).to_numpy()
    constructs = list(latent)
    worst = np.argmin(np.column_stack([latent[c] for c in constructs]), axis=1)
    best = np.argmax(np.column_stack([latent[c] for c in constructs]), axis=1)
    out: list[str | None] = []
    # the planted topic and languages draw from their own generator: every other value is as before
    extra, k = rng.spawn(1)[0], list(CYCLES).index(frame["cycle"].iloc[0]) if len(frame) else 0
    for i in range(len(frame)):
        if rng.random() >= 0.45:
            out.append(None)
            continue
        tone = "neg" if happy[i] <= 5 else ("pos" if happy[i] >= 9 else "mid")
        topic = constructs[worst[i]] if tone != "pos" else constructs[best[i]]
        parts = [_OPEN[tone][rng.integers(len(_OPEN[tone]))]]
        pool = _TOPIC[topic]["pos" if tone == "pos" else "neg"]
        parts.append(pool[rng.integers(len(pool))])
        if tone == "mid":
            good = _TOPIC[constructs[best[i]]]["pos"]
            parts.append("On the plus side: " + good[rng.integers(len(good))])
        if rng.random() < 0.06:
            parts.append(_PII[rng.integers(len(_PII))].format(name=_NAMES[rng.integers(len(_NAMES))],
                                                              num=int(rng.integers(10000)), num3=int(rng.integers(1000))))
        if tone != "pos" and extra.random() < _WIFI_SHARE[min(k, len(_WIFI_SHARE) - 1)]:
            parts = [parts[0], _WIFI[extra.integers(len(_WIFI))]]
        if extra.random() < _FOREIGN_SHARE:
            pool = _FOREIGN[sorted(_FOREIGN)[extra.integers(len(_FOREIGN))]]["pos" if tone == "pos" else "neg"]
            parts = [pool[extra.integers(len(pool))]]
        out.append(" ".join(parts))
    return out


def _backlog() -> pd.DataFrame:
    rows = [
        # id, title, type, stage, xla, owner, status, created, released, reach, impact, conf, effort, bv, tc, rr, size, kano, scope
        ("BL-01", "Proactive outage notifications by Teams and SMS", "EX", "incident", "XLA-TRUST", "Comms lead", "in progress", "2026-02-10", None, 6000, 2, 0.8, 3, 8, 8, 5, 5, "performance", ""),
        ("BL-02", "Replace ageing laptops in Operations", "UX", "incident", "XLA-DW", "End-user computing", "planned", "2026-03-02", None, 1600, 3, 0.8, 8, 13, 8, 8, 13, "must-be", "Operations"),
        ("BL-03", "Swarming model for P3 tickets", "CX", "incident", "XLA-SD", "Service desk manager", "released", "2026-01-15", "2026-05-04", 8000, 1, 0.8, 4, 8, 5, 3, 8, "performance", ""),
        ("BL-04", "Singapore regional app acceleration", "UX", "request", "XLA-DW", "Network team", "planned", "2026-04-20", None, 1800, 2, 0.5, 6, 8, 5, 8, 8, "performance", "Singapore"),
        ("BL-05", "Callback instead of phone queue", "CX", "incident", "XLA-SD", "Service desk manager", "idea", "2026-06-11", None, 3000, 1, 0.5, 2, 5, 3, 2, 3, "attractive", ""),
        ("BL-06", "Knowledge-base clean-up sprint", "EX", "request", "XLA-EASE", "Knowledge manager", "released", "2026-02-01", "2026-04-15", 5000, 0.5, 1.0, 1, 3, 2, 2, 2, "performance", ""),
        ("BL-07", "Self-service portal relaunch with guided answers", "EX", "request", "XLA-EASE", "Portal product owner", "released", "2026-01-20", "2026-07-01", 5000, 2, 0.8, 5, 13, 8, 5, 8, "attractive", "London;Lisbon"),
        ("BL-08", "Ticket status updates by e-mail and chat", "CX", "incident", "XLA-SD", "Service desk manager", "in progress", "2026-05-05", None, 8000, 1, 1.0, 2, 8, 5, 3, 3, "must-be", ""),
        ("BL-09", "Faster boot: remove legacy login scripts", "UX", "incident", "XLA-DW", "End-user computing", "released", "2026-03-15", "2026-06-01", 5000, 1, 0.8, 2, 5, 3, 3, 3, "indifferent", ""),
        ("BL-10", "New-starter laptop ready on day one", "EX", "onboarding", "XLA-EASE", "Onboarding lead", "planned", "2026-06-30", None, 900, 3, 0.8, 3, 8, 8, 2, 5, "must-be", ""),
        ("BL-11", "Change calendar published to all staff", "EX", "change", "XLA-TRUST", "Change manager", "idea", "2026-07-14", None, 9000, 0.5, 0.8, 1, 3, 2, 3, 2, "indifferent", ""),
        ("BL-12", "Walk-in tech bar in Manchester", "CX", "incident", "XLA-SD", "Site services", "idea", "2026-08-01", None, 2200, 1, 0.5, 5, 5, 2, 1, 8, "attractive", "Manchester"),
        ("BL-13", "Single sign-on for the remaining SaaS apps", "UX", "request", "XLA-DW", "Identity team", "in progress", "2026-04-02", None, 9000, 1, 0.8, 6, 8, 3, 8, 8, "performance", ""),
        ("BL-14", "Chatbot for password and access requests", "EX", "request", "XLA-EASE", "Portal product owner", "planned", "2026-05-19", None, 6000, 1, 0.5, 4, 8, 3, 2, 5, "attractive", ""),
        ("BL-15", "Root-cause reviews for reopened tickets", "CX", "incident", "XLA-SD", "Problem manager", "in progress", "2026-06-02", None, 1200, 2, 0.8, 2, 5, 5, 8, 3, "performance", ""),
        ("BL-16", "Crash analytics for the CRM client", "UX", "incident", "XLA-DW", "Application support", "idea", "2026-09-09", None, 1500, 2, 0.5, 3, 5, 3, 5, 5, "performance", "Sales"),
        ("BL-17", "Plain-language outage messages", "EX", "incident", "XLA-TRUST", "Comms lead", "released", "2026-03-03", "2026-05-20", 9000, 0.5, 0.8, 1, 3, 3, 2, 2, "performance", ""),
        ("BL-18", "Dedicated Operations service desk queue", "CX", "incident", "XLA-SD", "Service desk manager", "planned", "2026-07-21", None, 1600, 2, 0.8, 2, 8, 8, 5, 3, "performance", "Operations"),
        ("BL-19", "Software catalogue with one-click install", "EX", "request", "XLA-EASE", "End-user computing", "in progress", "2026-05-27", None, 7000, 1, 0.8, 5, 8, 3, 3, 8, "attractive", ""),
        ("BL-20", "Quarterly experience town hall", "EX", "change", "XLA-TRUST", "XMO lead", "idea", "2026-09-30", None, 9000, 0.25, 0.5, 1, 2, 1, 1, 1, "indifferent", ""),
        ("BL-21", "Partner portal access in one day", "PX", "onboarding", "XLA-EASE", "Identity team", "idea", "2026-08-18", None, 400, 2, 0.5, 3, 5, 3, 3, 5, "must-be", ""),
        ("BL-22", "VPN capacity upgrade", "UX", "incident", "XLA-DW", "Network team", "in progress", "2026-06-16", None, 4000, 1, 1.0, 4, 8, 5, 8, 5, "must-be", ""),
        ("BL-23", "Agent coaching on first-contact resolution", "CX", "incident", "XLA-SD", "Service desk manager", "released", "2026-02-24", "2026-08-10", 8000, 0.5, 0.8, 2, 5, 3, 3, 3, "performance", ""),
        ("BL-24", "Printer fleet replacement", "UX", "request", "XLA-DW", "Site services", "idea", "2026-10-05", None, 3000, 0.5, 0.5, 6, 2, 1, 2, 8, "indifferent", ""),
        ("BL-25", "Survey results shared back with every team", "EX", "change", "XLA-TRUST", "XMO lead", "planned", "2026-10-12", None, 9000, 1, 1.0, 1, 5, 3, 2, 1, "attractive", ""),
    ]
    cols = ["item_id", "title", "experience_type", "journey_stage", "xla", "owner", "status", "created", "released",
            "reach", "impact", "confidence", "effort", "business_value", "time_criticality", "risk_reduction",
            "job_size", "kano", "scope"]
    return pd.DataFrame(rows, columns=cols)


def _atomic(path: Path, write) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    return _atomic(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))


@contextlib.contextmanager
def _parquet_stream(path: Path):
    """Yield ``write(frame)``, appending row groups to one Parquet file that replaces ``path``
    atomically when the block ends (and is removed if it fails)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    writer = None

    def write(frame: pd.DataFrame) -> None:
        nonlocal writer
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if writer is None:
            # timestamps in microseconds, as data lakes keep them: Spark cannot read nanosecond ones
            writer = pq.ParquetWriter(tmp, table.schema, compression="zstd", coerce_timestamps="us")
        writer.write_table(table.cast(writer.schema) if table.schema != writer.schema else table)

    try:
        yield write
        if writer is None:
            raise ValueError(f"nothing was written to {path}")
        writer.close()
        os.replace(tmp, path)
    except BaseException:
        if writer is not None:
            writer.close()
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- the survey as a Qualtrics export
CSAT_LABELS = {1: "Very dissatisfied", 2: "Dissatisfied", 3: "Neither satisfied nor dissatisfied", 4: "Satisfied",
               5: "Very satisfied"}
QUALTRICS_ITEMS = {"happiness": "Q1", "csat": "Q2", "ces": "Q3",
                   **{f"{p}_{j}": f"Q{4 + k}_{j}" for k, p in enumerate(("sup", "dig", "ss", "com")) for j in (1, 2, 3)},
                   "department": "Q10", "location": "Q11", "channel": "Q12", "journey_stage": "Q13",
                   "experience_type": "Q14", "time_lost": "Q15", "comment": "Q20"}
QUALTRICS_MAPPING = {"response_id": "ResponseId", "submitted_at": "RecordedDate", "respondent_id": "ExternalReference",
                     "columns": QUALTRICS_ITEMS, "choices": {"csat": {v: k for k, v in CSAT_LABELS.items()}},
                     "only_finished": True}


def write_qualtrics(responses: pd.DataFrame, path: str | Path) -> Path:
    """Write demo responses in Qualtrics' CSV export layout (three header rows, metadata columns,
    CSAT as choice text, identifying columns filled as a real export would have them)."""
    n = len(responses)
    stamp = pd.to_datetime(responses["submitted_at"])
    meta = pd.DataFrame({
        "StartDate": (stamp - pd.Timedelta(minutes=6)).dt.strftime("%Y-%m-%d %H:%M:%S"),
        "EndDate": stamp.dt.strftime("%Y-%m-%d %H:%M:%S"), "Status": "IP Address",
        "IPAddress": [f"10.{i % 250}.{i // 250 % 250}.{i % 7 + 1}" for i in range(n)], "Progress": 100,
        "Duration (in seconds)": 360, "Finished": 1, "RecordedDate": stamp.dt.strftime("%Y-%m-%d %H:%M:%S"),
        "ResponseId": "R_" + responses["response_id"].str[1:], "RecipientLastName": "Doe",
        "RecipientFirstName": "Jo", "RecipientEmail": "jo.doe@northwind.example",
        "ExternalReference": responses["respondent_id"], "LocationLatitude": 51.5, "LocationLongitude": -0.12,
        "DistributionChannel": "email", "UserLanguage": "EN"})
    body = pd.DataFrame({q: responses[item] for item, q in QUALTRICS_ITEMS.items()})
    body["Q2"] = responses["csat"].map(lambda v: CSAT_LABELS.get(int(v)) if pd.notna(v) else None)
    body["Q1_NPS_GROUP"] = pd.cut(responses["happiness"], [-1, 6, 8, 10], labels=["1", "2", "3"]).astype(object)
    body["Q12_5_TEXT"] = None
    table = pd.concat([meta, body], axis=1)
    texts = {c: c for c in table.columns} | {q: f"{item} question" for item, q in QUALTRICS_ITEMS.items()}
    imports = {c: '{"ImportId":"%s"}' % c for c in table.columns}
    out = pd.concat([pd.DataFrame([texts, imports]), table.astype(object)], ignore_index=True)

    def fmt(v):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return ""
        return str(int(v)) if isinstance(v, (float, np.floating)) and float(v).is_integer() else str(v)

    out = out.apply(lambda col: col.map(fmt))
    return _atomic(Path(path), lambda tmp: out.to_csv(tmp, index=False, lineterminator="\r\n", encoding="utf-8-sig"))
