"""The one suppression boundary: no group result for fewer than ``min_group_size`` respondents.

Every table, figure or results record that carries a group size goes through this module, so
no section can forget the rule or apply a weaker copy of it:

- :func:`hidden_groups` decides which groups are hidden: those under the threshold, plus
  *complementary suppression* — when exactly one group of a breakdown is small, its value could
  be recovered from the total and the others, so the next smallest group is hidden too.
- :func:`suppress_rows` blanks the hidden rows of a table: their size reads ``< N`` (never the
  count) and every result column is emptied; label columns stay.
- :func:`differencing_hidden` hides, across every breakdown a cycle publishes, one group of each
  pair whose respondent sets differ by 1 to ``min_n - 1`` people (the differencing attack).
- :func:`visible_groups` is the threshold for showing example comments (``min_comment_group``),
  which shows texts rather than numbers, so it needs no complement.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd


def hidden_groups(counts: pd.Series, min_n: int) -> pd.Series:
    """Which groups must be hidden: those under ``min_n`` plus complementary suppression.

    Parameters
    ----------
    counts : respondents per group of one breakdown (index = group).
    min_n : the minimum group size (params ``privacy.min_group_size``).

    Returns a boolean Series on the same index. Groups of size 0 are not counted as small (they
    have nothing to show), but a single group of 1..min_n-1 hides the next smallest one.
    """
    counts = pd.Series(counts)
    hide = (counts < min_n) & (counts > 0)
    if int(hide.sum()) == 1 and len(counts) > 1:
        rest = counts[~hide & (counts > 0)].sort_values(kind="stable")
        if len(rest):
            hide[rest.index[0]] = True
    return hide | (counts == 0)


def suppress_rows(frame: pd.DataFrame, n_col: str, min_n: int, keep: Iterable[str] = (),
                  hide: Iterable[str] | None = None, mask=None) -> pd.DataFrame:
    """Blank the rows of hidden groups (see :func:`hidden_groups`) and say so.

    ``keep`` names label columns left visible; ``hide`` the columns to blank (default: every
    column but ``keep``). The size column of a hidden row reads ``"< min_n"``. ``mask`` gives
    the hidden rows directly (e.g. decided once for a breakdown); otherwise they are computed
    from ``frame[n_col]``. Adds (or updates) a boolean ``suppressed`` column.
    """
    out = frame.copy()
    keep = set(keep)
    if mask is None:
        mask = hidden_groups(out[n_col].astype(float).reset_index(drop=True), min_n).to_numpy()
    mask = np.asarray(mask, dtype=bool)
    cols = [c for c in (out.columns if hide is None else hide) if c not in keep and c != "suppressed"]
    for col in cols:
        if col not in out:
            continue
        out[col] = out[col].astype(object)
        out.loc[mask, col] = f"< {min_n}" if col == n_col else np.nan
    out["suppressed"] = mask | (out["suppressed"].astype(bool).to_numpy() if "suppressed" in out else False)
    return out


def visible_groups(sizes: pd.Series, min_comment: int) -> pd.Series:
    """Which rows may show an example comment: their group has at least ``min_comment`` comments."""
    return sizes >= min_comment


def record(rec: dict, labels: Iterable[str]) -> dict:
    """A results record of a hidden group keeps only its labels and ``suppressed`` (never its n)."""
    if not rec.get("suppressed"):
        return rec
    return {k: v for k, v in rec.items() if k in set(labels) or k == "suppressed"}


class EarlierVersionConflict(ValueError):
    """The whole organisation differs from an earlier version of the cycle by a few people."""


def differencing_hidden(frame: pd.DataFrame, columns: Iterable[str], min_n: int,
                        hidden: set[tuple[str, object]] = frozenset(),
                        earlier: Iterable[tuple[str, np.ndarray, int]] = ()) -> set[tuple[str, object]]:
    """Groups to hide so that no two published groups differ by 1 to ``min_n - 1`` people.

    Parameters
    ----------
    frame : the cycle's respondents (one row each).
    columns : every breakdown the cycle publishes (segment tables, audience reports).
    min_n : the minimum group size.
    hidden : groups already hidden (small groups and their complements).
    earlier : groups that earlier versions of the same cycle published, which can no longer be
        hidden: ``(name, mask over frame's rows of its members still here, its size then)``.

    Returns every ``(column, level)`` to hide, ``hidden`` included. Two groups of different
    breakdowns whose respondent sets differ by a few people (a department that is one location
    less two people; a segment that is the whole organisation less three) would reveal those
    people by subtraction (the differencing attack). For each such pair the smaller group is
    hidden (never the whole organisation); a group this version would publish that differs by
    a few people from a group an earlier version published (late responses, a corrected export)
    is hidden too. When a group is hidden so, and no other group of its breakdown is, the next
    smallest one is hidden with it (else it follows from the total by subtraction). The check is
    repeated until no pair is left, since hiding changes what is published. Symmetric
    differences are counted exactly from the memberships: ``|A| + |B| - 2|A and B|``.

    Raises :class:`EarlierVersionConflict` when the whole organisation itself differs from an
    earlier version's by 1 to ``min_n - 1`` people: no suppression can protect them.
    """
    cols = [c for c in columns if c in frame]
    groups: list[tuple[str, object]] = [("", "all")]
    masks = [np.ones(len(frame), dtype=bool)]
    for c in cols:
        for level in sorted(frame[c].dropna().unique(), key=str):
            groups.append((c, level))
            masks.append((frame[c] == level).to_numpy())
    m = np.column_stack(masks).astype(np.int64)
    sizes = m.sum(axis=0)
    inter = m.T @ m
    diff = sizes[:, None] + sizes[None, :] - 2 * inter
    earlier = list(earlier)
    if earlier:
        pm = np.column_stack([np.asarray(mask, dtype=np.int64) for _, mask, _ in earlier])
        psizes = np.array([size for _, _, size in earlier], dtype=np.int64)
        pdiff = sizes[:, None] + psizes[None, :] - 2 * (m.T @ pm)
        close = (pdiff[0] > 0) & (pdiff[0] < min_n)
        if close.any():
            names = ", ".join(earlier[i][0] for i in np.flatnonzero(close))
            raise EarlierVersionConflict(
                f"the organisation's respondents differ from those of an earlier version's group(s) {names} by "
                f"{int(pdiff[0][close].min())} people: publishing both would reveal their answers (wait until at "
                f"least {min_n} responses changed)")
    else:
        pdiff = np.zeros((len(groups), 0), dtype=np.int64)
    out = set(hidden)

    def hide(k: int) -> None:
        out.add(groups[k])
        column = groups[k][0]
        same = [i for i, g in enumerate(groups) if g[0] == column and sizes[i] > 0]
        hidden_here = [i for i in same if groups[i] in out]
        if len(hidden_here) == 1:  # complementary: the one hidden group would follow from the total
            rest = sorted((i for i in same if groups[i] not in out), key=lambda i: (sizes[i], str(groups[i][1])))
            if rest:
                out.add(groups[rest[0]])

    while True:
        visible = np.array([g not in out and sizes[k] > 0 for k, g in enumerate(groups)])
        near_earlier = ((pdiff > 0) & (pdiff < min_n)).any(axis=1) & visible
        near_earlier[0] = False  # the whole organisation was checked above
        if near_earlier.any():
            hide(int(np.flatnonzero(near_earlier)[0]))
            continue
        bad = (diff > 0) & (diff < min_n) & visible[:, None] & visible[None, :]
        pairs = np.argwhere(np.triu(bad, 1))
        if not len(pairs):
            return out
        i, j = pairs[0]
        # hide the smaller of the two (the whole organisation, index 0, is never hidden)
        hide(int(j if i == 0 or sizes[j] <= sizes[i] else i))
