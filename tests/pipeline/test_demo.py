"""The demo generator: deterministic, the size asked for, and its planted effects present."""
from __future__ import annotations

import pandas as pd

from xmo_analysis.pipeline.demo import generate
from xmo_analysis.sources.loaders import load_cycle, sha256_path
from xmo_analysis.privacy import redact


def test_same_seed_same_bytes(tmp_path):
    a = generate(tmp_path / "a", seed=3, scale=0.05)
    b = generate(tmp_path / "b", seed=3, scale=0.05)
    c = generate(tmp_path / "c", seed=4, scale=0.05)
    for name in a:
        assert sha256_path(a[name]) == sha256_path(b[name]), name
    assert sha256_path(a["responses"]) != sha256_path(c["responses"])


def test_planted_effects(demo_project):
    data = load_cycle(demo_project, "2026-Q4")
    r = data.current("responses")
    # 3: Singapore holds ~20% of the headcount but far fewer respondents
    pop_share = data.population.groupby("location")["headcount"].sum() / data.population["headcount"].sum()
    resp_share = r["location"].value_counts(normalize=True)
    assert resp_share["Singapore"] < 0.6 * pop_share["Singapore"]
    # 1: Operations resolves slowly and scores lower
    t = data.current("tickets")
    med = t.groupby("department")["resolution_hours"].median()
    assert med["Operations"] > 1.8 * med.drop("Operations").median()
    happy = r.groupby("department")["happiness"].mean()
    assert happy["Operations"] < happy.drop("Operations").min()
    # 2: self-service up from Q3 in London/Lisbon only
    all_r = data.responses
    on = all_r["location"].isin(["London", "Lisbon"])
    late = all_r["cycle"].isin(["2026-Q3", "2026-Q4"])
    did = (all_r[on & late]["ss_1"].mean() - all_r[on & ~late]["ss_1"].mean()) - \
          (all_r[~on & late]["ss_1"].mean() - all_r[~on & ~late]["ss_1"].mean())
    assert did > 0.25


def test_full_size_is_realistic(tmp_path):
    paths = generate(tmp_path, seed=20261122, scale=1.0)
    r = pd.read_csv(paths["responses"])
    per_cycle = r.groupby("cycle").size()
    assert per_cycle.between(2500, 3500).all() and len(per_cycle) == 4
    assert len(pd.read_parquet(paths["tickets"])) == 80000
    assert len(pd.read_csv(paths["backlog"])) == 25
    assert r["department"].nunique() >= 6 and r["location"].nunique() == 4
    comments = r["comment"].dropna()
    pii = comments[comments.str.contains("@|\\+44|07700", regex=True)]
    assert len(pii) > 20
    assert not any("@" in redact(c) for c in pii)


def test_telemetry_written_in_blocks_is_complete(tmp_path, monkeypatch):
    """A large demo writes telemetry a block of devices at a time (so 440 M device-days never sit in
    memory): in blocks, every device has every workday once, the schema is the one-block schema,
    and the same seed still gives the same bytes."""
    import pyarrow.parquet as pq
    from xmo_analysis.pipeline import demo
    whole = generate(tmp_path / "whole", seed=3, scale=0.05)
    monkeypatch.setattr(demo, "TELEMETRY_BLOCK_ROWS", 1000)
    a = generate(tmp_path / "a", seed=3, scale=0.05)
    b = generate(tmp_path / "b", seed=3, scale=0.05)
    part = "telemetry/cycle=2026-Q4/part-0.parquet"
    assert pq.ParquetFile(a["telemetry"].parent / part).metadata.num_row_groups > 1  # really in blocks
    assert pq.read_schema(a["telemetry"].parent / part).equals(pq.read_schema(whole["telemetry"].parent / part))
    t = pd.read_parquet(a["telemetry"] / "cycle=2026-Q4")
    days = pd.bdate_range("2026-10-01", "2026-12-31")
    devices = pd.read_parquet(whole["telemetry"] / "cycle=2026-Q4")["device_id"].nunique()
    assert len(t) == devices * len(days) and not t.duplicated(["device_id", "date"]).any()
    assert t.groupby("device_id")["user_id"].nunique().max() == 1
    for name in a:
        assert sha256_path(a[name]) == sha256_path(b[name]), name
    assert list(pd.read_csv(a["responses"], nrows=1)) == list(pd.read_csv(whole["responses"], nrows=1))
