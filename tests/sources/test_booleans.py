"""Yes/no columns read from text and workbooks: every common spelling, never Python truthiness.

The defect this guards against: ``bool("FALSE")`` is True, so the demo's tickets saved as CSV
gave an SLA rate of 1.0 and a reopen rate of 1.0. The same tickets written as CSV (several
spellings) and as Excel must give exactly the rates of the Parquet file.
"""
from __future__ import annotations

import pandas as pd
import pytest

from xmo_analysis.sources.loaders import load_cycle, load_source
from xmo_analysis.sources.validation import DataError, parse_flags
from xmo_analysis.domain.xla import metric_value

FLAGS = ["sla_met", "reopened"]


@pytest.fixture(scope="module")
def parquet_tickets(demo_project):
    frame, _ = load_source(demo_project, "tickets")
    return frame


def _rates(frame: pd.DataFrame) -> dict[str, float]:
    return {c: float(frame[c].astype(float).mean()) for c in FLAGS}


def _spell(frame: pd.DataFrame, yes: str, no: str) -> pd.DataFrame:
    out = frame.copy()
    for c in FLAGS:
        out[c] = out[c].map({True: yes, False: no})
    return out


def _load(project, path, fmt="csv"):
    frame, report = load_source(project, "tickets", source={"path": str(path), "format": fmt})
    return frame


def test_parquet_rates_are_the_demo_rates(parquet_tickets, demo_project):
    raw = pd.read_parquet(demo_project / "data/demo/tickets.parquet")
    assert _rates(parquet_tickets) == pytest.approx({c: raw[c].mean() for c in FLAGS}, abs=1e-12)
    assert 0.8 < _rates(parquet_tickets)["sla_met"] < 0.95 and _rates(parquet_tickets)["reopened"] < 0.1


@pytest.mark.parametrize("yes,no", [("True", "False"), ("TRUE", "FALSE"), ("1", "0"), ("yes", "no"), ("Y", "N")])
def test_demo_tickets_as_csv_give_the_parquet_rates(parquet_tickets, demo_project, tmp_path, yes, no):
    raw = pd.read_parquet(demo_project / "data/demo/tickets.parquet")
    _spell(raw, yes, no).to_csv(tmp_path / "tickets.csv", index=False)
    via_csv = _load(demo_project, tmp_path / "tickets.csv")
    for c in FLAGS:
        assert via_csv[c].astype(float).mean() == pytest.approx(parquet_tickets[c].astype(float).mean(), abs=1e-12)
        assert (via_csv[c] == parquet_tickets[c]).all()


def test_demo_tickets_as_excel_give_the_parquet_rates(parquet_tickets, demo_project, tmp_path):
    raw = pd.read_parquet(demo_project / "data/demo/tickets.parquet")
    raw.to_excel(tmp_path / "native.xlsx", index=False)                  # Excel's own TRUE/FALSE cells
    _spell(raw, "TRUE", "FALSE").to_excel(tmp_path / "text.xlsx", index=False)  # typed in as text
    raw.astype({c: int for c in FLAGS}).to_excel(tmp_path / "numbers.xlsx", index=False)  # 1/0 numbers
    for name in ("native.xlsx", "text.xlsx", "numbers.xlsx"):
        via_excel = _load(demo_project, tmp_path / name, "excel")
        assert _rates(via_excel) == pytest.approx(_rates(parquet_tickets), abs=1e-12), name


def test_cycle_metric_from_csv_tickets_equals_parquet(demo_project, tmp_path):
    """The SLA and reopen metrics of a whole cycle, tickets read from CSV vs Parquet."""
    import shutil

    import yaml
    project = tmp_path / "project"
    shutil.copytree(demo_project, project, ignore=shutil.ignore_patterns("reports"))
    pd.read_parquet(project / "data/demo/tickets.parquet").to_csv(project / "data/demo/tickets.csv", index=False)
    before = load_cycle(project, "2026-Q4")
    settings = yaml.safe_load((project / "params/xmo.yaml").read_text())
    settings["sources"]["tickets"] = {"path": "data/demo/tickets.csv", "format": "csv"}
    (project / "params/xmo.yaml").write_text(yaml.safe_dump(settings))
    after = load_cycle(project, "2026-Q4")
    for metric in ("sla_met_rate", "reopened_rate"):
        m = before.params.metrics[metric]
        assert metric_value(after.current("tickets"), m) == pytest.approx(
            metric_value(before.current("tickets"), m), abs=1e-12)


SPELLINGS = [  # (cell, flag): every spelling, any case, padded or not
    ("TRUE", True), ("FALSE", False), ("True", True), ("False", False), ("true", True), ("false", False),
    ("yes", True), ("no", False), ("Yes", True), ("NO", False), ("Y", True), ("N", False), ("y", True),
    ("n", False), ("1", True), ("0", False), ("1.0", True), ("0.0", False), ("t", True), ("f", False),
    ("T", True), ("F", False), (" TRUE ", True), ("no ", False), (True, True), (False, False), (1, True),
    (0, False), (1.0, True), (0.0, False),
]


@pytest.mark.parametrize("cell,flag", SPELLINGS)
def test_every_spelling(cell, flag):
    flags, bad = parse_flags(pd.Series([cell], dtype=object))
    assert not bad.iloc[0] and flags.iloc[0] is not pd.NA and bool(flags.iloc[0]) is flag


@pytest.mark.parametrize("cell", ["2", 2, "-1", "maybe", "yess", "TRUE1", 0.5, "10"])
def test_anything_else_is_bad(cell):
    flags, bad = parse_flags(pd.Series([cell], dtype=object))
    assert bad.iloc[0] and flags.iloc[0] is pd.NA


def test_numeric_column_counts_are_not_flags():
    flags, bad = parse_flags(pd.Series([0, 1, 2, None], dtype="float"))
    assert bad.tolist() == [False, False, True, False]
    assert flags.iloc[0] == False and flags.iloc[1] == True and flags.iloc[2] is pd.NA  # noqa: E712


def _small(demo_project, tmp_path, cells: list) -> pd.DataFrame:
    raw = pd.read_parquet(demo_project / "data/demo/tickets.parquet").head(len(cells)).astype(object)
    raw["reopened"] = cells
    path = tmp_path / "small.csv"
    raw.to_csv(path, index=False)
    return raw


def test_a_count_is_an_error_naming_file_row_column_value_rule(demo_project, tmp_path):
    _small(demo_project, tmp_path, ["0", "1", "2", "no", "0"])
    with pytest.raises(DataError) as err:
        _load(demo_project, tmp_path / "small.csv")
    [p] = err.value.problems
    assert (p.file, p.row, p.column, p.value) == (str(tmp_path / "small.csv"), 4, "reopened", "2")
    assert "yes/no" in p.rule and "count" in p.rule
    assert "small.csv, row 4, column 'reopened'" in str(err.value)


def test_blanks_stay_missing(demo_project, tmp_path):
    _small(demo_project, tmp_path, ["TRUE", "", "FALSE", None])
    frame = _load(demo_project, tmp_path / "small.csv")
    assert frame["reopened"].isna().tolist() == [False, True, False, True]
    assert frame["reopened"].astype(float).mean() == 0.5  # over the known flags only


def test_excel_count_is_an_error(demo_project, tmp_path):
    raw = pd.read_parquet(demo_project / "data/demo/tickets.parquet").head(4)
    raw["sla_met"] = [1, 0, 2, 1]
    raw.to_excel(tmp_path / "t.xlsx", index=False)
    with pytest.raises(DataError) as err:
        _load(demo_project, tmp_path / "t.xlsx", "excel")
    assert [(p.row, p.column, p.value) for p in err.value.problems] == [(4, "sla_met", 2)]
