"""The suppression boundary: small groups with complementary suppression, and differencing.

Differencing: two published groups whose respondent sets differ by 1 to min_n - 1 people would
reveal those people by subtraction. A property test over random segmentations finds no such
visible pair; a planted case (a department that is one location less two people) is caught.
"""
from __future__ import annotations

import numpy as np
import pytest
import pandas as pd
from hypothesis import given, settings, strategies as st

from xmo_analysis.privacy.suppression import EarlierVersionConflict, differencing_hidden, hidden_groups


def _visible_pairs_too_close(frame, columns, min_n, hidden):
    groups = [("", "all", np.ones(len(frame), bool))]
    for c in columns:
        for lvl in frame[c].unique():
            if (c, lvl) not in hidden:
                groups.append((c, lvl, (frame[c] == lvl).to_numpy()))
    bad = []
    for i in range(len(groups)):
        for j in range(i + 1, len(groups)):
            d = int((groups[i][2] ^ groups[j][2]).sum())  # symmetric difference, counted by hand
            if 0 < d < min_n and groups[i][2].any() and groups[j][2].any():
                bad.append((groups[i][:2], groups[j][:2], d))
    return bad


def test_planted_differencing_pair_is_hidden():
    # location L is department A plus two people of department B: L minus A reveals those two
    frame = pd.DataFrame({"dept": ["A"] * 20 + ["B"] * 30, "loc": ["L"] * 22 + ["M"] * 28})
    small = set()
    hidden = differencing_hidden(frame, ["dept", "loc"], 5, small)
    # By hand: A (20) and L (22) differ by 20 + 22 - 2*20 = 2 people: the smaller, A, is hidden.
    # A alone hidden would follow from the total less B, so B (the next smallest of the
    # breakdown) is hidden with it; that also settles B and M (30 + 28 - 2*28 = 2).
    assert hidden == {("dept", "A"), ("dept", "B")}
    assert not _visible_pairs_too_close(frame, ["dept", "loc"], 5, hidden)
    # a group that is the whole organisation is never hidden for differing from it by nobody
    everyone = differencing_hidden(frame.assign(site="S"), ["dept", "loc", "site"], 5, small)
    assert everyone == {("dept", "A"), ("dept", "B")}


def test_a_group_close_to_one_an_earlier_version_published_is_hidden():
    """v1 published location L (22 people); late responses join L and M: v2's L differs from
    v1's by 3 people and M by 2, so v2 must not publish them (nor N, which would follow)."""
    loc = ["L"] * 10 + ["M"] * 10 + ["L"] * 12 + ["M"] * 4 + ["N"] * 14  # rows 0-19 are dept A, 20-49 B
    v1 = pd.DataFrame({"dept": ["A"] * 20 + ["B"] * 30, "loc": loc})
    assert differencing_hidden(v1, ["dept", "loc"], 5) == set()  # v1 itself publishes every group

    def earlier(v2):
        members = np.arange(len(v2)) < len(v1)  # v1's respondents among v2's rows
        return [("all", members, len(v1))] + [(f"{c}={lvl}", members & (v2[c] == lvl).to_numpy(),
                                               int((v1[c] == lvl).sum()))
                                              for c in ("dept", "loc") for lvl in sorted(v1[c].unique())]

    # three late responses: the organisation itself differs by 3 people, nothing can protect them
    v2 = pd.concat([v1, pd.DataFrame({"dept": ["B"] * 3, "loc": ["L"] * 3})], ignore_index=True)
    with pytest.raises(EarlierVersionConflict, match="by 3 people"):
        differencing_hidden(v2, ["dept", "loc"], 5, set(), earlier(v2))
    # five: the organisation and B (5 new) may be published again; L (3 new) and M (2 new) not,
    # and N goes with them (L hidden alone would follow from the total)
    v2 = pd.concat([v1, pd.DataFrame({"dept": ["B"] * 5, "loc": ["L"] * 3 + ["M"] * 2})], ignore_index=True)
    hidden = differencing_hidden(v2, ["dept", "loc"], 5, set(), earlier(v2))
    assert hidden == {("loc", "L"), ("loc", "M"), ("loc", "N")}


def test_complementary_suppression_hides_the_next_smallest():
    counts = pd.Series({"a": 3, "b": 9, "c": 40})
    assert hidden_groups(counts, 5).to_dict() == {"a": True, "b": True, "c": False}
    assert not hidden_groups(pd.Series({"a": 6, "b": 9}), 5).any()


@settings(max_examples=60, deadline=None)
@given(st.integers(30, 120), st.lists(st.integers(2, 5), min_size=2, max_size=3), st.integers(3, 6),
       st.integers(0, 10_000))
def test_no_visible_pair_differs_by_fewer_than_min_n(n, levels, min_n, seed):
    rng = np.random.default_rng(seed)
    cols = [f"c{k}" for k in range(len(levels))]
    frame = pd.DataFrame({c: rng.choice(list("pqrst")[:k], size=n, p=None) for c, k in zip(cols, levels)})
    # a correlated breakdown: a copy of c0 with a few people moved, the case the attack needs
    moved = frame["c0"].copy()
    idx = rng.choice(n, size=int(rng.integers(1, 4)), replace=False)
    moved.iloc[idx] = "z"
    frame["copy"] = moved
    cols = [*cols, "copy"]
    small = set()
    for c in cols:
        h = hidden_groups(frame[c].value_counts(), min_n)
        small |= {(c, lvl) for lvl in h[h].index}
    hidden = differencing_hidden(frame, cols, min_n, small)
    assert small <= hidden
    assert not _visible_pairs_too_close(frame, cols, min_n, hidden)


@pytest.mark.parametrize("counts, expected", [
    ({"a": 5, "b": 9}, {"a": False, "b": False}),      # exactly the minimum is shown ("fewer than" hides)
    ({"a": 4, "b": 9}, {"a": True, "b": True}),        # two groups: the other one follows by subtraction
    ({"a": 3, "b": 0, "c": 40}, {"a": True, "b": True, "c": True}),  # an empty group is no complement
    ({"a": 3, "b": 2, "c": 40}, {"a": True, "b": True, "c": False}),  # two small ones protect each other
    ({"a": 40}, {"a": False}),
])
def test_threshold_and_complement_by_hand(counts, expected):
    assert hidden_groups(pd.Series(counts), 5).to_dict() == expected


def test_differencing_boundaries_by_hand():
    """The boundaries mutation testing found untested, each worked out by hand (min_n = 5)."""
    # two groups differing by exactly min_n people may both be published: A (rows 0-19) and
    # X (rows 0-14) differ by 5; B (20-39) and Y (15-39) by 5; every other pair by more
    frame = pd.DataFrame({"dept": ["A"] * 20 + ["B"] * 20, "loc": ["X"] * 15 + ["Y"] * 25})
    assert differencing_hidden(frame, ["dept", "loc"], 5) == set()
    # one person more in X: A (20) and X (16) differ by 4, so the smaller, X, is hidden, and Y
    # with it (X alone would follow from the total); X comes after A in the pair, the smaller
    # is hidden whichever comes first
    frame = pd.DataFrame({"dept": ["A"] * 20 + ["B"] * 20, "loc": ["X"] * 16 + ["Y"] * 24})
    assert differencing_hidden(frame, ["dept", "loc"], 5) == {("loc", "X"), ("loc", "Y")}
    frame = pd.DataFrame({"loc": ["X"] * 16 + ["Y"] * 24, "dept": ["A"] * 20 + ["B"] * 20})
    assert differencing_hidden(frame, ["loc", "dept"], 5) == {("loc", "X"), ("loc", "Y")}
    # the whole organisation (12) and its first group (10) differ by 2: the group is hidden, never
    # the organisation, and B (2) with it
    frame = pd.DataFrame({"dept": ["A"] * 10 + ["B"] * 2})
    assert differencing_hidden(frame, ["dept"], 5) == {("dept", "A"), ("dept", "B")}


def test_one_person_against_an_earlier_version_is_caught():
    """An earlier version's organisation or group that differs from this one's by exactly one
    person (a single late response); an unchanged organisation is no conflict."""
    v1 = pd.DataFrame({"dept": ["A"] * 20 + ["B"] * 30})
    same = [("all", np.ones(len(v1), bool), len(v1))]
    assert differencing_hidden(v1, ["dept"], 5, set(), same) == set()
    v2 = pd.concat([v1, pd.DataFrame({"dept": ["A"]})], ignore_index=True)
    members = np.arange(len(v2)) < len(v1)
    with pytest.raises(EarlierVersionConflict, match="by 1 people"):
        differencing_hidden(v2, ["dept"], 5, set(), [("all", members, len(v1))])
    # the organisation changed by 6 (safe) but A, the first group, by exactly one: A is hidden,
    # and B with it
    v3 = pd.concat([v1, pd.DataFrame({"dept": ["A"] + ["B"] * 5})], ignore_index=True)
    members = np.arange(len(v3)) < len(v1)
    earlier = [("all", members, len(v1)), ("dept=A", members & (v3["dept"] == "A").to_numpy(), 20)]
    assert differencing_hidden(v3, ["dept"], 5, set(), earlier) == {("dept", "A"), ("dept", "B")}


def test_a_group_of_one_respondent_is_hidden():
    assert hidden_groups(pd.Series({"a": 1, "b": 30, "c": 40}), 5).to_dict() == {"a": True, "b": True, "c": False}


def test_complement_in_a_breakdown_of_three_groups():
    """X (rows 0-15) and A (rows 0-19) differ by 4: X is hidden; in a breakdown of three, X alone
    would follow from the total less Y and Z, so the next smallest (Y and Z both 12: Y first by
    name) is hidden with it, and Z stays (every remaining pair differs by 8 or more)."""
    frame = pd.DataFrame({"dept": ["A"] * 20 + ["B"] * 20, "loc": ["X"] * 16 + ["Y"] * 12 + ["Z"] * 12})
    hidden = differencing_hidden(frame, ["dept", "loc"], 5)
    assert hidden == {("loc", "X"), ("loc", "Y")}
    assert not _visible_pairs_too_close(frame, ["dept", "loc"], 5, hidden)
