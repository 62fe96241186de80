"""The experience improvement backlog: RICE, WSJF, Kano, and a lift for items that close gaps."""
from __future__ import annotations

import pandas as pd

from xmo_analysis.core.vocabulary import AT_RISK, MISSED

SCORES = ("rice", "wsjf")


def rice(frame: pd.DataFrame) -> pd.Series:
    """RICE = reach x impact x confidence / effort."""
    return frame["reach"] * frame["impact"] * frame["confidence"] / frame["effort"]


def wsjf(frame: pd.DataFrame) -> pd.Series:
    """WSJF = (business value + time criticality + risk reduction/opportunity enablement) / job size."""
    return (frame["business_value"] + frame["time_criticality"] + frame["risk_reduction"]) / frame["job_size"]


def prioritise(backlog: pd.DataFrame, by: str = "rice", xla_status: dict[str, str] | None = None,
               lift: float = 1.5, include_done: bool = False) -> pd.DataFrame:
    """Rank the open backlog by RICE or WSJF.

    Parameters
    ----------
    backlog : the validated backlog contract.
    by : ``"rice"`` or ``"wsjf"``: the score that orders the list.
    xla_status : XLA id -> status (``met`` / ``at risk`` / ``missed``). When given, items linked
        to an XLA that is missed or at risk have their score multiplied by ``lift`` (documented
        option: work that closes a live gap goes first). ``priority`` is the score after the lift.
    include_done : keep released, done and cancelled items (default: only open work is ranked).

    Returns the backlog with ``rice``, ``wsjf``, ``lifted``, ``priority`` and ``rank`` (1 = first),
    ordered by rank; ties keep the item id order, so the ranking is stable.
    """
    if by not in SCORES:
        raise ValueError(f"`by` must be one of {SCORES}; not {by!r}.")
    if lift < 1:
        raise ValueError(f"`lift` must be at least 1; not {lift!r}.")
    out = backlog.copy()
    if not include_done:
        out = out[~out["status"].isin(["released", "done", "cancelled"])]
    out["rice"] = rice(out)
    out["wsjf"] = wsjf(out)
    status = xla_status or {}
    out["lifted"] = out["xla"].map(lambda x: status.get(x) in (MISSED, AT_RISK))
    out["priority"] = out[by] * out["lifted"].map({True: lift, False: 1.0})
    out = out.sort_values(["priority", "item_id"], ascending=[False, True], kind="stable")
    out["rank"] = range(1, len(out) + 1)
    return out.reset_index(drop=True)
