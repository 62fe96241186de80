"""Params: the XMO's configuration (YAML under ``params/``), loaded safely and checked whole.

Files: ``xmo.yaml`` (settings, segments, privacy, sources), ``instrument.yaml`` (survey items),
``metrics.yaml`` (O/T metric catalogue), ``ambitions.yaml`` (XLAs) and ``cycles/<cycle>.yaml``.
Every problem in every file is gathered before one :class:`ConfigError` is raised.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from xmo_analysis.core.exceptions import ConfigError, Problem
from xmo_analysis.core.vocabulary import (ENGINE_CONTRACTS, ENGINE_NAMES, QUANTILE_MODES, EXPERIENCE_TYPE, EXPERIENCE_TYPES, INDICATOR_KINDS,
                                          ITEM_TYPES, SCORE_LABELS, SCORE_SCALES as ITEM_SCALES, Policy, policy_of)
from xmo_analysis.core.schema import CYCLE as CYCLE_SHAPE, FILES as FILE_SHAPES, unknown_keys

from xmo_analysis.core.registry import (CYCLE_ID, DEFAULT_MISSIONS, Analysis, Audience, Mission, _analysis,  # noqa: F401
                                        _check_analysis, _check_audiences, _check_missions, _check_policy,
                                        _check_segment_values, Channels, Journey, _channels, _journey,
                                        _check_journey_channels)
AGGREGATIONS = {"mean", "median", "p90", "rate"}
CONTRACTS = ("responses", "tickets", "telemetry", "population", "backlog", "outcomes")
# Only the survey is required: a customer survey may have no population frame, a young XMO no
# backlog, a cycle no ticket or telemetry export. An absent contract is an empty table, and the
# reports say what could not be computed without it.
OPTIONAL_CONTRACTS = ("tickets", "telemetry", "population", "backlog", "outcomes")
# Roles an outcome of metrics.yaml may play (``role:``): the price of an hour of people's time.
OUTCOME_ROLES = ("hourly_cost",)


@dataclass(frozen=True)
class Item:
    id: str
    type: str
    text: str
    scale: tuple[int, int] | None = None
    construct: str | None = None
    reverse: bool = False
    hours: tuple[tuple[int, float], ...] = ()  # type "hours": answer code -> hours (instrument.yaml)

    @property
    def hour_map(self) -> dict[int, float]:
        """Answer code -> hours of an ``hours`` item (empty for every other type)."""
        return dict(self.hours)


@dataclass(frozen=True)
class Metric:
    id: str
    source: str
    column: str
    aggregation: str
    direction: str
    target: float
    unit: str = ""
    label: str = ""
    kind: str = "operational"  # leading, lagging, operational or financial (metrics.yaml `kind`)

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher"


@dataclass(frozen=True)
class Outcome:
    """A business outcome of the optional ``outcomes`` contract (``outcomes:`` in metrics.yaml):
    one column of the outcomes file, given per segment and cycle (attrition, revenue, hourly cost...)."""

    id: str
    column: str
    label: str
    unit: str
    direction: str
    kind: str = "lagging"
    role: str | None = None  # "hourly_cost": prices an hour of lost time

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher"


@dataclass(frozen=True)
class Indicator:
    kind: str  # x, o or t
    ref: str
    weight: float
    # leading, lagging, operational or financial: an X indicator's `indicator_kind` in
    # ambitions.yaml (default leading), an O/T indicator's its metric's `kind`
    indicator_kind: str = "leading"


@dataclass(frozen=True)
class XLA:
    id: str
    name: str
    kind: str            # CX, EX, UX or PX (the ambition's experience type)
    target: float
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Cycle:
    id: str
    start: dt.date
    end: dt.date
    previous: str | None
    title: str


@dataclass
class Params:
    """Everything under ``params/``, checked. ``files`` maps each YAML file read to its sha256."""

    root: Path
    settings: dict[str, Any]
    items: dict[str, Item]
    metrics: dict[str, Metric]
    xlas: dict[str, XLA]
    cycles: dict[str, Cycle]
    files: dict[str, str] = field(default_factory=dict)
    text: dict[str, Any] = field(default_factory=dict)  # text.yaml: lexicon, themes, thresholds
    instrument_labels: dict[str, str] = field(default_factory=dict)  # construct -> label
    outcomes: dict[str, Outcome] = field(default_factory=dict)  # metrics.yaml `outcomes:`

    @property
    def hours_items(self) -> list[Item]:
        """Bucketed time questions (type ``hours``): answer codes mapped to hours in params."""
        return [i for i in self.items.values() if i.type == "hours"]

    @property
    def hourly_cost(self) -> Outcome | None:
        """The outcome whose ``role`` is ``hourly_cost`` (the price of an hour), or None."""
        return next((o for o in self.outcomes.values() if o.role == "hourly_cost"), None)

    @property
    def segments(self) -> list[str]:
        return list(self.settings.get("segments", []))

    @property
    def segment_values(self) -> dict[str, list]:
        """Segment -> the only values it may take (``segment_values:`` in ``xmo.yaml``), checked at load."""
        return {str(k): list(v) for k, v in (self.settings.get("segment_values") or {}).items()}

    @property
    def population_segments(self) -> list[str]:
        return list(self.settings.get("population_segments", []))

    @property
    def missions(self) -> tuple[Mission, ...]:
        """The notebooks a cycle runs, in order (``missions:`` in ``xmo.yaml``; checked at load)."""
        raw = self.settings.get("missions")
        if not raw:
            return DEFAULT_MISSIONS
        return tuple(Mission(str(m["id"]), str(m.get("notebook") or f"{m['id']}.ipynb"), str(m.get("title") or m["id"]))
                     for m in raw)

    @property
    def audiences(self) -> tuple[Audience, ...]:
        """The audience reports of a cycle (``audiences:`` in ``xmo.yaml``; none by default)."""
        raw = self.settings.get("audiences") or {}
        return tuple(Audience(str(aid), str(a.get("column", aid)),
                              int(a.get("min_respondents", max(10, self.min_group_size))),
                              str(a.get("title") or f"Report by {str(a.get('column', aid)).replace('_', ' ')}"),
                              str(a.get("notebook") or "audience.ipynb"))
                     for aid, a in raw.items())

    def audience(self, audience_id: str) -> Audience:
        for a in self.audiences:
            if a.id == audience_id:
                return a
        raise ConfigError(Problem(file=str(self.root / "xmo.yaml"), column="audiences", value=audience_id,
                                  rule=f"no such audience (known: {', '.join(a.id for a in self.audiences) or 'none'})"))

    def mission(self, mission_id: str) -> Mission:
        """One mission of the registry by id (a notebook's file stem)."""
        for m in self.missions:
            if m.id == mission_id:
                return m
        known = ", ".join(m.id for m in self.missions)
        raise ConfigError(Problem(file=str(self.root / "xmo.yaml"), column="missions", value=mission_id,
                                  rule=f"no such mission (known: {known})"))

    @property
    def analysis(self) -> Analysis:
        """Mission 2's outcome, driver candidates and breakdowns (checked at load)."""
        return _analysis(self.settings.get("analysis") or {}, self.items, self.metrics, self.segments,
                         self.population_segments, self.constructs())

    @property
    def journey(self) -> Journey | None:
        """The journey map's column, ordered stages, score and O indicators (``analysis.journey``), or None."""
        return _journey((self.settings.get("analysis") or {}).get("journey"), self.items, self.metrics, self.xlas)

    @property
    def channels(self) -> Channels | None:
        """The channel assessment's column, digital and assisted channels (``analysis.channels``), or None."""
        return _channels((self.settings.get("analysis") or {}).get("channels"), self.items)

    @property
    def policy(self) -> Policy:
        """Confidence and significance levels, alpha floor, backlog lift, sentiment cut-offs."""
        return policy_of(self.settings, self.text)

    @property
    def staff_names(self) -> tuple[str, ...]:
        """The organisation's own names (``privacy.names_file``: one per line, or a CSV with a
        ``name`` column), redacted in comments wherever they appear; read once."""
        if "_staff_names" not in self.__dict__:
            self.__dict__["_staff_names"] = read_names(self.names_path) if self.names_path else ()
        return self.__dict__["_staff_names"]

    @property
    def names_path(self) -> Path | None:
        raw = (self.settings.get("privacy") or {}).get("names_file")
        return (self.root.parent / raw) if raw else None

    @property
    def min_group_size(self) -> int:
        return int(self.settings.get("privacy", {}).get("min_group_size", 5))

    @property
    def min_comment_group(self) -> int:
        return int(self.settings.get("privacy", {}).get("min_comment_group", 10))

    @property
    def scored_items(self) -> list[Item]:
        return [i for i in self.items.values() if i.type not in ("text", "hours")]

    @property
    def text_items(self) -> list[Item]:
        return [i for i in self.items.values() if i.type == "text"]

    def indicator_label(self, ref: str) -> str:
        """What readers call an XLA indicator: a metric's label, a construct's label, or an item's
        score type and id ("Happiness (happiness)"), never a bare id."""
        if ref in self.metrics:
            return str(self.metrics[ref].label)
        if ref in self.constructs():
            return self.construct_label(ref)
        item = self.items.get(ref)
        if item is not None and item.type in SCORE_LABELS and item.type != "likert":
            return f"{SCORE_LABELS[item.type]} ({ref})"
        return str(item.text) if item is not None and item.text else ref

    def construct_label(self, construct: str) -> str:
        """What readers call a construct (``constructs:`` in ``instrument.yaml``, else its name)."""
        return str(self.instrument_labels.get(construct) or construct.replace("_", " ").capitalize())

    def constructs(self) -> dict[str, list[Item]]:
        out: dict[str, list[Item]] = {}
        for item in self.items.values():
            if item.construct:
                out.setdefault(item.construct, []).append(item)
        return out

    def cycle(self, cycle_id: str) -> Cycle:
        check_cycle_id(cycle_id)
        if cycle_id not in self.cycles:
            import difflib
            known = ", ".join(sorted(self.cycles)) or "none"
            near = difflib.get_close_matches(cycle_id, list(self.cycles), n=1, cutoff=0.6)
            hint = f"did you mean '{near[0]}'? " if near else ""
            raise ConfigError(Problem(file=str(self.root / "cycles"),
                                      rule=f"no params for cycle '{cycle_id}' (known: {known}); {hint}to add it, "
                                           f"create {self.root / 'cycles' / (cycle_id + '.yaml')} with `cycle: "
                                           f"{cycle_id}`, `start:` and `end:` (ISO dates)"))
        return self.cycles[cycle_id]

    def previous_cycle(self, cycle_id: str) -> str | None:
        """The cycle a cycle is compared with: params' ``previous`` when it names a known cycle,
        otherwise the cycle that starts last before it; None for the first cycle.
        (One rule for the scorecard and the trends.)"""
        own = self.cycle(cycle_id)
        if own.previous and own.previous in self.cycles:
            return own.previous
        earlier = [c for c in self.cycles_up_to(cycle_id) if c != cycle_id]
        return earlier[-1] if earlier else None

    @property
    def grace_days(self) -> int:
        """Days after a cycle's end before it is due (late exports arrive): ``schedule.grace_days``."""
        return int((self.settings.get("schedule") or {}).get("grace_days", 7))

    def cycles_up_to(self, cycle_id: str) -> list[str]:
        """The cycle and every earlier one, oldest first (ordered by start date)."""
        end = self.cycle(cycle_id).start
        return [c.id for c in sorted(self.cycles.values(), key=lambda c: c.start) if c.start <= end]


def check_cycle_id(cycle_id: str) -> str:
    """Cycle ids become folder names: letters, digits, ``-`` and ``_`` only."""
    if not isinstance(cycle_id, str) or not CYCLE_ID.match(cycle_id):
        raise ConfigError(Problem(file="--cycle", value=cycle_id,
                                  rule="a cycle id is 1-64 letters, digits, '-' or '_'"))
    return cycle_id


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    try:
        # safe_load: params never instantiate Python objects (a !!python tag is an error).
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(file=str(path), rule="file is missing"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        started = (f" (started at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1})"
                   if exc.context and exc.context_mark and exc.problem_mark else "")
        what = "; ".join(x for x in (f"{exc.context}{started}" if exc.context else None, exc.problem) if x)
        problems.append(Problem(file=str(path), rule=f"{YAML_SYNTAX}{where}: {what}"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(Problem(file=str(path), rule=f"{YAML_SYNTAX}: {exc}".splitlines()[0]))
    return None


YAML_SYNTAX = "not valid YAML"


def _check_keys(path: Path, doc: Any, shape: Any, problems: list[Problem]) -> None:
    for where, key, near in unknown_keys(doc, shape):
        hint = f"; did you mean '{near}'?" if near else ""
        problems.append(Problem(file=str(path), column=where, rule=f"unknown key '{key}'{hint}"))


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def load_params(root: str | Path) -> Params:
    """Load and check every params file under ``root``; raise :class:`ConfigError` listing all problems."""
    root = Path(root)
    problems: list[Problem] = []
    files: dict[str, str] = {}
    paths = [root / f for f in ("xmo.yaml", "instrument.yaml", "metrics.yaml", "ambitions.yaml")]
    paths += sorted((root / "cycles").glob("*.yaml"))
    docs: dict[Path, Any] = {}
    for path in paths:
        docs[path] = _read_yaml(path, problems)
        if path.exists():
            files[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    broken = [p for p in problems if p.rule.startswith(YAML_SYNTAX)]
    if broken:  # what follows would only repeat the syntax error as missing keys and sources
        raise ConfigError(broken, title=f"{len(broken)} params file(s) that are not valid YAML ({root})")
    for path, doc in docs.items():
        shape = FILE_SHAPES.get(path.name) if path.parent == root else CYCLE_SHAPE
        _check_keys(path, doc, shape, problems)
    settings = docs.get(root / "xmo.yaml") or {}
    items = _items(root / "instrument.yaml", docs.get(root / "instrument.yaml"), problems)
    metrics = _metrics(root / "metrics.yaml", docs.get(root / "metrics.yaml"), problems)
    constructs = {i.construct for i in items.values() if i.construct}
    xlas = _xlas(root / "ambitions.yaml", docs.get(root / "ambitions.yaml"), items, constructs,
                 metrics, problems)
    cycles: dict[str, Cycle] = {}
    for path in paths[4:]:
        doc = docs[path] or {}
        cid, start, end = doc.get("cycle", path.stem), _date(doc.get("start")), _date(doc.get("end"))
        if not (isinstance(cid, str) and CYCLE_ID.match(cid)):
            problems.append(Problem(file=str(path), column="cycle", value=cid,
                                    rule="a cycle id is 1-64 letters, digits, '-' or '_'"))
            continue
        if start is None or end is None or end < start:
            problems.append(Problem(file=str(path), column="start/end", value=(doc.get("start"), doc.get("end")),
                                    rule="start and end must be ISO dates with start <= end"))
            continue
        cycles[cid] = Cycle(cid, start, end, doc.get("previous"), str(doc.get("title", f"Experience report {cid}")))
    if not isinstance(settings, dict):
        problems.append(Problem(file=str(root / "xmo.yaml"), rule="must be a mapping"))
        settings = {}
    _check_sources(root / "xmo.yaml", settings, metrics, problems)
    names_file = ((settings.get("privacy") or {}) if isinstance(settings, dict) else {}).get("names_file")
    if names_file:  # part of the params: a changed staff list changes the reports
        names_path = root.parent / str(names_file)
        if names_path.is_file():
            files[str(names_path)] = hashlib.sha256(names_path.read_bytes()).hexdigest()
        else:
            problems.append(Problem(file=str(root / "xmo.yaml"), column="privacy.names_file", value=names_file,
                                    rule="file is missing (a staff list: one name per line, or a CSV with a "
                                         "'name' column; the path is relative to the project folder)"))
    grace = ((settings.get("schedule") or {}) if isinstance(settings, dict) else {}).get("grace_days", 7)
    if isinstance(grace, bool) or not isinstance(grace, int) or grace < 0:
        problems.append(Problem(file=str(root / "xmo.yaml"), column="schedule.grace_days", value=grace,
                                rule="a whole number of days, 0 or more"))
    _check_policy(root / "xmo.yaml", settings.get("policy") if isinstance(settings, dict) else None, problems)
    if isinstance(settings, dict):
        _check_missions(root / "xmo.yaml", settings.get("missions"), problems)
        _check_segment_values(root / "xmo.yaml", settings.get("segment_values"), list(settings.get("segments") or []),
                              problems)
        _check_audiences(root / "xmo.yaml", settings.get("audiences"), list(settings.get("segments") or []),
                         int((settings.get("privacy") or {}).get("min_group_size", 5)), problems)
        _check_analysis(root / "xmo.yaml", settings, items, metrics, constructs, problems)
        # every XLA id ambitions.yaml declares, valid or not: one of them with its own problem is
        # reported once (there), not again as an unknown journey score
        declared = (docs.get(root / "ambitions.yaml") or {}).get("xlas") if isinstance(docs.get(root / "ambitions.yaml"), dict) else None
        ids = {x.get("id"): None for x in declared or [] if isinstance(x, dict) and x.get("id")}
        _check_journey_channels(root / "xmo.yaml", settings, items, metrics, constructs, {**ids, **xlas}, problems)
    text: dict[str, Any] = {}
    if (root / "text.yaml").exists():
        text = _read_yaml(root / "text.yaml", problems) or {}
        _check_keys(root / "text.yaml", text, FILE_SHAPES["text.yaml"], problems)
        files[str(root / "text.yaml")] = hashlib.sha256((root / "text.yaml").read_bytes()).hexdigest()
        for word, score in (text.get("lexicon") or {}).items():
            if not isinstance(score, (int, float)) or not -4 <= score <= 4:
                problems.append(Problem(file=str(root / "text.yaml"), column=f"lexicon.{word}", value=score,
                                        rule="a lexicon score is a number from -4 to 4 (VADER's scale)"))
        for theme, words in (text.get("themes") or {}).items():
            if not isinstance(words, list) or not words:
                problems.append(Problem(file=str(root / "text.yaml"), column=f"themes.{theme}", value=words,
                                        rule="a theme lists one or more keywords"))
    doc = docs.get(root / "instrument.yaml")
    labels = dict((doc or {}).get("constructs") or {}) if isinstance(doc, dict) else {}
    for c in sorted(set(labels) - constructs):
        problems.append(Problem(file=str(root / "instrument.yaml"), column=f"constructs.{c}",
                                rule="labels a construct that no item feeds"))
    outcomes = _outcomes(root / "metrics.yaml", docs.get(root / "metrics.yaml"), problems)
    if problems:
        raise ConfigError(problems, title=f"{len(problems)} problem(s) in params ({root})")
    return Params(root, settings, items, metrics, xlas, cycles, files, text, labels, outcomes)


def _items(path: Path, doc: Any, problems: list[Problem]) -> dict[str, Item]:
    items: dict[str, Item] = {}
    for n, raw in enumerate((doc or {}).get("items", []) if isinstance(doc, dict) else [], start=1):
        iid, typ = raw.get("id"), raw.get("type")
        if not iid or iid in items:
            problems.append(Problem(file=str(path), row=n, column="id", value=iid, rule="item ids must be unique and non-empty"))
            continue
        if typ not in ITEM_TYPES:
            problems.append(Problem(file=str(path), row=n, column="type", value=typ,
                                    rule=f"type must be one of {sorted(ITEM_TYPES)}"))
            continue
        scale = raw.get("scale")
        if typ == "likert":
            if not (isinstance(scale, list) and len(scale) == 2 and all(isinstance(v, int) for v in scale) and scale[0] < scale[1]):
                problems.append(Problem(file=str(path), row=n, column="scale", value=scale,
                                        rule="a likert item needs scale [min, max] with integers min < max"))
                continue
            scale = tuple(scale)
        elif typ == "hours":
            hours = raw.get("hours")
            codes = sorted(hours) if isinstance(hours, dict) else []
            if not (codes and all(isinstance(k, int) and not isinstance(k, bool) for k in codes)
                    and all(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in hours.values())):
                problems.append(Problem(file=str(path), row=n, column="hours", value=hours,
                                        rule="an hours item maps each answer code (a whole number) to hours (0 or more), "
                                             "e.g. hours: {1: 0, 2: 0.25, 3: 1}"))
                continue
            if raw.get("construct") or raw.get("reverse"):
                problems.append(Problem(file=str(path), row=n, column="construct", value=raw.get("construct"),
                                        rule="an hours item is not a score: it feeds no construct and is not reverse-keyed"))
                continue
            items[iid] = Item(iid, typ, str(raw.get("text", iid)), (codes[0], codes[-1]),
                              hours=tuple((int(k), float(hours[k])) for k in codes))
            continue
        else:
            scale = ITEM_SCALES.get(typ)
        if raw.get("hours") is not None:
            problems.append(Problem(file=str(path), row=n, column="hours", value=raw.get("hours"),
                                    rule="only an item of type hours maps answers to hours"))
            continue
        items[iid] = Item(iid, typ, str(raw.get("text", iid)), scale, raw.get("construct"), bool(raw.get("reverse", False)))
    if not items:
        problems.append(Problem(file=str(path), rule="the instrument lists no items"))
    return items


def _metrics(path: Path, doc: Any, problems: list[Problem]) -> dict[str, Metric]:
    out: dict[str, Metric] = {}
    for mid, raw in ((doc or {}).get("metrics", {}) if isinstance(doc, dict) else {}).items():
        bad = []
        if raw.get("source") not in ("tickets", "telemetry"):
            bad.append(("source", raw.get("source"), "source must be 'tickets' or 'telemetry'"))
        if raw.get("aggregation") not in AGGREGATIONS:
            bad.append(("aggregation", raw.get("aggregation"), f"aggregation must be one of {sorted(AGGREGATIONS)}"))
        if raw.get("direction") not in ("higher", "lower"):
            bad.append(("direction", raw.get("direction"), "direction must be 'higher' or 'lower'"))
        target = raw.get("target")
        if not isinstance(target, (int, float)) or target <= 0:
            bad.append(("target", target, "target must be a positive number"))
        if raw.get("kind", "operational") not in INDICATOR_KINDS:
            bad.append(("kind", raw.get("kind"), f"kind must be one of {', '.join(INDICATOR_KINDS)}"))
        for column, value, rule in bad:
            problems.append(Problem(file=str(path), column=f"metrics.{mid}.{column}", value=value, rule=rule))
        if not bad:
            out[mid] = Metric(mid, raw["source"], str(raw.get("column", mid)), raw["aggregation"],
                              raw["direction"], float(target), str(raw.get("unit", "")), str(raw.get("label", mid)),
                              str(raw.get("kind", "operational")))
    return out


def _outcomes(path: Path, doc: Any, problems: list[Problem]) -> dict[str, Outcome]:
    """``outcomes:`` of metrics.yaml: the columns of the optional outcomes contract."""
    out: dict[str, Outcome] = {}
    raw_all = (doc or {}).get("outcomes") if isinstance(doc, dict) else None
    for oid, raw in (raw_all or {}).items():
        raw = raw if isinstance(raw, dict) else {}
        bad = []
        if raw.get("direction") not in ("higher", "lower"):
            bad.append(("direction", raw.get("direction"), "direction must be 'higher' or 'lower'"))
        if raw.get("kind", "lagging") not in INDICATOR_KINDS:
            bad.append(("kind", raw.get("kind"), f"kind must be one of {', '.join(INDICATOR_KINDS)}"))
        if raw.get("role") is not None and raw.get("role") not in OUTCOME_ROLES:
            bad.append(("role", raw.get("role"), f"role must be one of {', '.join(OUTCOME_ROLES)} (or left out)"))
        for column, value, rule in bad:
            problems.append(Problem(file=str(path), column=f"outcomes.{oid}.{column}", value=value, rule=rule))
        if not bad:
            out[str(oid)] = Outcome(str(oid), str(raw.get("column", oid)), str(raw.get("label", oid)),
                                    str(raw.get("unit", "")), raw["direction"], str(raw.get("kind", "lagging")),
                                    raw.get("role"))
    roles = [o.id for o in out.values() if o.role == "hourly_cost"]
    if len(roles) > 1:
        problems.append(Problem(file=str(path), column="outcomes", value=roles,
                                rule="at most one outcome has role hourly_cost"))
    return out


def _xlas(path: Path, doc: Any, items: dict[str, Item], constructs: set[str], metrics: dict[str, Metric],
          problems: list[Problem]) -> dict[str, XLA]:
    out: dict[str, XLA] = {}
    for n, raw in enumerate((doc or {}).get("xlas", []) if isinstance(doc, dict) else [], start=1):
        xid = raw.get("id")
        where = f"xlas[{n}]"
        ok = True
        target = raw.get("target")
        if not isinstance(target, (int, float)) or not 0 <= target <= 100:
            problems.append(Problem(file=str(path), column=f"{where}.target", value=target,
                                    rule="an XLA target is a score between 0 and 100"))
            ok = False
        if raw.get(EXPERIENCE_TYPE) not in EXPERIENCE_TYPES:
            problems.append(Problem(file=str(path), column=f"{where}.{EXPERIENCE_TYPE}", value=raw.get(EXPERIENCE_TYPE),
                                    rule=f"{EXPERIENCE_TYPE} must be one of {', '.join(EXPERIENCE_TYPES)}"))
            ok = False
        indicators = []
        for k, ind in enumerate(raw.get("indicators") or [], start=1):
            kind, ref, weight = ind.get("kind"), ind.get("ref"), ind.get("weight")
            if kind == "x":
                known = ref in constructs or (ref in items and items[ref].type not in ("text", "hours"))
            elif kind in ("o", "t"):
                known = ref in metrics and metrics[ref].source == ("tickets" if kind == "o" else "telemetry")
            else:
                known = False
            if not known:
                problems.append(Problem(file=str(path), column=f"{where}.indicators[{k}].ref", value=ref,
                                        rule=f"unknown {kind!s} indicator: an x indicator names a survey item (not text) or a construct, "
                                             "an o/t indicator a tickets/telemetry metric of metrics.yaml"))
                ok = False
            if not isinstance(weight, (int, float)) or weight <= 0:
                problems.append(Problem(file=str(path), column=f"{where}.indicators[{k}].weight", value=weight,
                                        rule="a weight is a positive number"))
                ok = False
            else:
                ikind = ind.get("indicator_kind", "leading") if kind == "x" else \
                    (metrics[ref].kind if ref in metrics else "operational")
                if kind != "x" and ind.get("indicator_kind") is not None:
                    problems.append(Problem(file=str(path), column=f"{where}.indicators[{k}].indicator_kind",
                                            value=ind.get("indicator_kind"),
                                            rule="an o/t indicator takes its kind from its metric (kind: in metrics.yaml)"))
                    ok = False
                elif ikind not in INDICATOR_KINDS:
                    problems.append(Problem(file=str(path), column=f"{where}.indicators[{k}].indicator_kind", value=ikind,
                                            rule=f"one of {', '.join(INDICATOR_KINDS)}"))
                    ok = False
                indicators.append(Indicator(kind, ref, float(weight), str(ikind)))
        total = sum(i.weight for i in indicators)
        if indicators and abs(total - 1) > 1e-9:
            problems.append(Problem(file=str(path), column=f"{where}.indicators", value=round(total, 6),
                                    rule=f"the weights of {xid} must sum to 1"))
            ok = False
        if not xid or xid in out:
            problems.append(Problem(file=str(path), column=f"{where}.id", value=xid, rule="XLA ids must be unique and non-empty"))
            ok = False
        if ok:
            out[xid] = XLA(xid, str(raw.get("name", xid)), raw[EXPERIENCE_TYPE], float(target), tuple(indicators))
    return out


def _check_sources(path: Path, settings: Any, metrics: dict, problems: list[Problem]) -> None:
    """The survey must have a source; what reads an absent contract must not be configured."""
    if not isinstance(settings, dict):
        return
    sources = settings.get("sources") or {}
    if "responses" not in sources:
        problems.append(Problem(file=str(path), column="sources.responses",
                                rule="the survey (responses) needs a source: path and format"))
    for mid, m in sorted(metrics.items()):
        if m.source not in sources:
            problems.append(Problem(file=str(path), column=f"sources.{m.source}", value=mid,
                                    rule=f"metric {mid!r} of metrics.yaml reads {m.source}, which has no source "
                                         "(add sources.{0} or remove the metric)".format(m.source)))
    for contract, src in sorted(sources.items()):
        mode = src.get("quantiles") if isinstance(src, dict) else None
        if mode is not None and mode not in QUANTILE_MODES:
            problems.append(Problem(file=str(path), column=f"sources.{contract}.quantiles", value=mode,
                                    rule=f"one of {', '.join(QUANTILE_MODES)}"))
        engine = src.get("engine") if isinstance(src, dict) else None
        if engine is None:
            continue
        if contract not in ENGINE_CONTRACTS:
            problems.append(Problem(file=str(path), column=f"sources.{contract}.engine", value=engine,
                                    rule=f"only {' and '.join(ENGINE_CONTRACTS)} are aggregated in an engine; "
                                         f"{contract} is read as a table (remove engine:)"))
        elif engine not in ENGINE_NAMES:
            problems.append(Problem(file=str(path), column=f"sources.{contract}.engine", value=engine,
                                    rule=f"one of {', '.join(ENGINE_NAMES)}"))
    if "population" not in sources:
        if settings.get("population_segments"):
            problems.append(Problem(file=str(path), column="population_segments",
                                    value=settings["population_segments"],
                                    rule="population segments need sources.population (or set population_segments: [])"))
        if (settings.get("weighting") or {}).get("method") == "rake":
            problems.append(Problem(file=str(path), column="weighting.method", value="rake",
                                    rule="raking needs a population frame: add sources.population or weighting: "
                                         "{method: none}"))


def read_names(path: Path) -> tuple[str, ...]:
    """Names from a text file (one per line, ``#`` comments) or a CSV with a ``name`` column."""
    import csv
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        rows = csv.DictReader(text.splitlines())
        column = next((c for c in (rows.fieldnames or []) if c.strip().lower() == "name"), None)
        if column is None:
            raise ConfigError(Problem(file=str(path), column="name", rule="a staff list CSV needs a 'name' column"))
        names = [r[column] for r in rows]
    else:
        names = [ln.split("#", 1)[0] for ln in text.splitlines()]
    return tuple(sorted({n.strip() for n in names if n and n.strip()}))
