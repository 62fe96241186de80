"""The bad-input corpus: each case breaks a fresh copy of the small demo project in one way.

Every case must end with the documented exit code (2: input or configuration, 1: execution),
a message that names the file and, where there is one, the row, the column, the value and the
rule, and a ``reports/`` folder left exactly as it was. Cases marked ``loads`` are layouts that
params can describe: they must load once params say so.
"""
from __future__ import annotations

import json

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from xmo_analysis.pipeline.cli import app
from xmo_analysis.sources.loaders import load_cycle, sha256_path

runner = CliRunner()
D = "data/demo"


def _csv(project: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(project / D / name, dtype=str, keep_default_na=False)


def _write(project: Path, name: str, frame: pd.DataFrame, **kw) -> None:
    frame.to_csv(project / D / name, index=False, **kw)


def _params(project: Path, name: str, edit) -> None:
    path = project / "params" / name
    doc = yaml.safe_load(path.read_text())
    edit(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def _source(project: Path, contract: str, **settings) -> None:
    _params(project, "xmo.yaml", lambda d: d["sources"][contract].update(settings))


def _set(name: str, col: str, rows: list[int], value: str):
    def mutate(p):
        f = _csv(p, name)
        for r in rows:
            f.loc[r, col] = value
        _write(p, name, f)
    return mutate


def _drop_column(name: str, col: str):
    return lambda p: _write(p, name, _csv(p, name).drop(columns=[col]))


def _rename_column(name: str, old: str, new: str):
    return lambda p: _write(p, name, _csv(p, name).rename(columns={old: new}))


def _q4_rows(p: Path, n: int) -> list[int]:
    f = _csv(p, "responses.csv")
    return f.index[f["cycle"] == "2026-Q4"][:n].tolist()


def _latin1(p):
    f = _csv(p, "responses.csv")
    f.loc[0, "comment"] = "Très lent, café froid"
    f.to_csv(p / D / "responses.csv", index=False, encoding="latin-1")


def _wrong_encoding(p):
    _source(p, "responses", encoding="utf-16")


def _cp1252_read_as_utf8(p):
    _latin1(p)
    _source(p, "responses", encoding="utf-8")


def _tickets_csv(p, edit=None):
    t = pd.read_parquet(p / D / "tickets.parquet")
    t = t.astype({"sla_met": str, "reopened": str})
    if edit:
        edit(t)
    t.to_csv(p / D / "tickets.csv", index=False)
    _source(p, "tickets", path=f"{D}/tickets.csv", format="csv")


def _count_as_flag(p):
    def edit(t):
        t.loc[3, "reopened"] = "2"  # a reopen count where a yes/no belongs: an error, never True
    _tickets_csv(p, edit)


def _many_of_one_kind_and_one_other(p):
    f = _csv(p, "responses.csv")
    f.loc[:299, "happiness"] = "11"
    f.loc[400, "department"] = "Narnia"
    _write(p, "responses.csv", f)


def _unknown_cycle(p):
    _set("responses.csv", "cycle", [3], "2026-Q5")(p)


def _semicolons(p):
    _write(p, "population.csv", _csv(p, "population.csv"), sep=";")


def _decimal_commas(p):
    f = pd.read_csv(p / D / "backlog.csv", dtype=str, keep_default_na=False)
    f["confidence"] = f["confidence"].str.replace(".", ",", regex=False)
    f.to_csv(p / D / "backlog.csv", index=False, sep=";")


def _excel_with_title_rows(p):
    f = pd.read_csv(p / D / "population.csv")
    with pd.ExcelWriter(p / D / "population.xlsx") as xl:
        pd.DataFrame([["HR headcount export"], ["as of 30 Sept"]]).to_excel(xl, header=False, index=False)
        f.to_excel(xl, startrow=3, index=False)
    _source(p, "population", path=f"{D}/population.xlsx", format="excel")


def _excel_merged_cells(p):
    from openpyxl import Workbook
    f = pd.read_csv(p / D / "population.csv")
    wb = Workbook()
    ws = wb.active
    ws.append(list(f.columns))
    for row in f.itertuples(index=False):
        ws.append(list(row))
    ws.merge_cells("A2:A5")  # one department label spread over four rows, as people format sheets
    wb.save(p / D / "population.xlsx")
    _source(p, "population", path=f"{D}/population.xlsx", format="excel")


def _mixed_dates(p):
    f = _csv(p, "responses.csv")
    f.loc[1, "submitted_at"] = "11/03/2026 10:15"
    f.loc[2, "submitted_at"] = "March 11th 2026"
    _write(p, "responses.csv", f)


def _outside_cycle(p):
    rows = _q4_rows(p, 2)
    _set("responses.csv", "submitted_at", rows, "2026-06-15 09:00:00")(p)


def _population_level_without_respondents(p):
    f = _csv(p, "population.csv")
    extra = f.iloc[[0]].assign(department="Treasury", headcount="40")
    _write(p, "population.csv", pd.concat([f, extra], ignore_index=True))


def _negative_telemetry(p):
    path = p / D / "telemetry" / "cycle=2026-Q4" / "part-0.parquet"
    t = pd.read_parquet(path)
    t.loc[3, "boot_time_s"] = -12.5
    t.to_parquet(path, index=False)


def _resolved_before_opened(p):
    t = pd.read_parquet(p / D / "tickets.parquet")
    t.loc[5, "resolved_at"] = t.loc[5, "opened_at"] - pd.Timedelta(hours=3)
    t.to_parquet(p / D / "tickets.parquet", index=False)


def _empty_file(p):
    (p / D / "responses.csv").write_text("")


def _header_only(p):
    (p / D / "backlog.csv").write_text(",".join(_csv(p, "backlog.csv").columns) + "\n")


def _yaml_python_tag(p):
    (p / "params" / "metrics.yaml").write_text("metrics: !!python/object/apply:os.system ['touch /tmp/pwned']\n")


def _yaml_syntax(p):
    (p / "params" / "ambitions.yaml").write_text("xlas:\n  - id: XLA-SD\n   name: [unclosed\n")


def _unknown_indicator(p):
    _params(p, "ambitions.yaml", lambda d: d["xlas"][0]["indicators"][0].update(ref="happyness"))


def _weights_not_one(p):
    _params(p, "ambitions.yaml", lambda d: d["xlas"][1]["indicators"][0].update(weight=0.7))


def _target_out_of_scale(p):
    _params(p, "ambitions.yaml", lambda d: d["xlas"][2].update(target=120))


def _bad_item_type(p):
    _params(p, "instrument.yaml", lambda d: d["items"][1].update(type="stars"))


def _instrument_item_not_in_data(p):
    _params(p, "instrument.yaml", lambda d: d["items"].insert(3, {"id": "sup_0", "type": "likert", "scale": [1, 5],
                                                                   "construct": "support", "text": "New item"}))


def _metric_bad_aggregation(p):
    _params(p, "metrics.yaml", lambda d: d["metrics"]["boot_time_p90"].update(aggregation="p99"))


def _duplicate_population(p):
    f = _csv(p, "population.csv")
    _write(p, "population.csv", pd.concat([f, f.iloc[[2]]], ignore_index=True))


# name -> (mutation, expected exit code, fragments the message must contain)
CASES = {
    "missing column": (_drop_column("responses.csv", "csat"), 2, ["responses.csv", "'csat'", "missing"]),
    "misspelled column": (_rename_column("responses.csv", "happiness", "hapiness"), 2, ["'happiness'", "missing"]),
    "wrong type": (_set("responses.csv", "csat", [4], "five"), 2, ["row 6", "'csat'", "'five'"]),
    "11 on a 0-10 item": (_set("responses.csv", "happiness", [0], "11"), 2, ["row 2", "'happiness'", "11", "0 to 10"]),
    "0 on a 1-5 item": (_set("responses.csv", "csat", [1], "0"), 2, ["row 3", "'csat'", "1 to 5"]),
    "fraction on an item": (_set("responses.csv", "ces", [2], "4.5"), 2, ["row 4", "'ces'", "whole number"]),
    "duplicate response ids": (_set("responses.csv", "response_id", [7], "R000001"), 2, ["row 9", "unique"]),
    "empty file": (_empty_file, 2, ["responses.csv", "empty"]),
    "header-only file": (_header_only, 2, ["backlog.csv", "no data rows"]),
    # either "is not utf-16 text" (a byte that cannot be UTF-16) or "reads as unreadable text in
    # `encoding: utf-16`" (bytes that decode, to CJK ideographs), whichever the file's bytes give
    "wrong encoding in params": (_wrong_encoding, 2, ["responses.csv", "utf-16", "looks like utf-8"]),
    "cp1252 file read as utf-8": (_cp1252_read_as_utf8, 2, ["responses.csv", "not utf-8 text", "cp1252"]),
    "count in a yes/no column": (_count_as_flag, 2, ["tickets.csv", "row 5", "'reopened'", "'2'", "yes/no"]),
    "300 problems of one kind hide no other": (_many_of_one_kind_and_one_other, 2,
                                               ["300 rows", "'happiness'", "Narnia", "'department'"]),
    "unknown cycle": (_unknown_cycle, 2, ["row 5", "'2026-Q5'", "not defined", "2026-Q1 (2026-01-01 to"]),
    "semicolons without params": (_semicolons, 2, ["population.csv", "';'-separated", "delimiter"]),
    "decimal commas without params": (_decimal_commas, 2, ["backlog.csv", "delimiter"]),
    "excel title rows without header_row": (_excel_with_title_rows, 2, ["population.xlsx", "'headcount'", "missing"]),
    "excel merged cells": (_excel_merged_cells, 2, ["population.xlsx", "row 3", "'department'", "required"]),
    "mixed date formats": (_mixed_dates, 2, ["row 3", "'submitted_at'", "11/03/2026"]),
    "response outside its cycle": (_outside_cycle, 2, ["'submitted_at'", "outside cycle 2026-Q4"]),
    "segment absent from population": (_set("responses.csv", "department", [3], "Narnia"), 2,
                                       ["row 5", "'department'", "Narnia", "population"]),
    "population level without respondents": (_population_level_without_respondents, 2,
                                             ["population.csv", "Treasury", "no respondent"]),
    "zero headcount": (_set("population.csv", "headcount", [0], "0"), 2, ["population.csv", "row 2", "positive"]),
    "negative headcount": (_set("population.csv", "headcount", [1], "-4"), 2, ["row 3", "'headcount'", "-4"]),
    "duplicate population cell": (_duplicate_population, 2, ["population.csv", "duplicate"]),
    "negative telemetry duration": (_negative_telemetry, 2, ["telemetry", "'boot_time_s'", "negative"]),
    "ticket resolved before opened": (_resolved_before_opened, 2, ["tickets.parquet", "resolved_at"]),
    "backlog effort 0": (_set("backlog.csv", "effort", [2], "0"), 2, ["backlog.csv", "row 4", "'effort'", "greater than 0"]),
    "backlog unknown XLA": (_set("backlog.csv", "xla", [0], "XLA-NONE"), 2, ["row 2", "'xla'", "XLA-NONE"]),
    "backlog bad Kano": (_set("backlog.csv", "kano", [1], "delighter"), 2, ["row 3", "'kano'", "delighter"]),
    "backlog confidence over 1": (_set("backlog.csv", "confidence", [3], "1.5"), 2, ["row 5", "'confidence'"]),
    "bad experience type": (_set("responses.csv", "experience_type", [5], "BX"), 2, ["row 7", "BX", "CX, EX, UX, PX"]),
    "params: unknown indicator": (_unknown_indicator, 2, ["ambitions.yaml", "happyness", "unknown"]),
    "params: weights not summing to 1": (_weights_not_one, 2, ["ambitions.yaml", "sum to 1"]),
    "params: target out of scale": (_target_out_of_scale, 2, ["ambitions.yaml", "120", "between 0 and 100"]),
    "params: unknown item type": (_bad_item_type, 2, ["instrument.yaml", "stars"]),
    "params: instrument item not in the data": (_instrument_item_not_in_data, 2, ["responses.csv", "'sup_0'", "missing"]),
    "params: unknown aggregation": (_metric_bad_aggregation, 2, ["metrics.yaml", "p99"]),
    "params: YAML with a Python tag": (_yaml_python_tag, 2, ["metrics.yaml", "not valid YAML"]),
    "params: YAML syntax error": (_yaml_syntax, 2, ["ambitions.yaml", "not valid YAML"]),
    "missing data file": (lambda p: (p / D / "tickets.parquet").unlink(), 2, ["tickets.parquet", "missing"]),
}

# Layouts that are not errors once params describe them.
LOADS = {
    "utf-8 with BOM": (lambda p: _write(p, "responses.csv", _csv(p, "responses.csv"), encoding="utf-8-sig"), {}),
    "windows line endings": (lambda p: _write(p, "responses.csv", _csv(p, "responses.csv"), lineterminator="\r\n"), {}),
    "latin-1 with params": (_latin1, {"responses": {"encoding": "latin-1"}}),
    "latin-1 detected": (_latin1, {}),
    "tickets as CSV with TRUE/FALSE": (_tickets_csv, {}),
    "semicolons with params": (_semicolons, {"population": {"delimiter": ";"}}),
    "decimal commas with params": (_decimal_commas, {"backlog": {"delimiter": ";", "decimal": ","}}),
    "excel title rows with header_row": (_excel_with_title_rows, {"population": {"header_row": 3}}),
}


@pytest.fixture(scope="module")
def pristine(demo_project, tmp_path_factory) -> Path:
    """The demo project with one published-looking version to prove reports/ is left alone."""
    root = tmp_path_factory.mktemp("pristine") / "project"
    shutil.copytree(demo_project, root, ignore=shutil.ignore_patterns("reports"))
    v1 = root / "reports" / "2026-Q4" / "v1"
    v1.mkdir(parents=True)
    (v1 / "manifest.json").write_text('{"version": 1}')
    (root / "reports" / "index.html").write_text("<html>portal</html>")
    return root


def _fresh(pristine: Path, tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(pristine, target)
    return target


def _snapshot(folder: Path) -> dict:
    # the run log records every run, failed ones too: bookkeeping, not reports
    return {str(p.relative_to(folder)): sha256_path(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "runs.jsonl"}


def test_corpus_is_large_enough():
    assert len(CASES) + len(LOADS) >= 30


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_case(name, pristine, tmp_path):
    mutate, code, fragments = CASES[name]
    project = _fresh(pristine, tmp_path)
    mutate(project)
    before = _snapshot(project / "reports")
    result = runner.invoke(app, ["run", "--cycle", "2026-Q4", "--project", str(project)])
    message = result.output
    assert result.exit_code == code, message
    assert "Traceback" not in message
    assert fragments
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert _snapshot(project / "reports") == before
    log = project / "reports" / "runs.jsonl"
    if log.exists():  # a run that got as far as the runner logged its failure
        assert json.loads(log.read_text().splitlines()[-1])["status"] == "failed"


@pytest.mark.parametrize("name", sorted(LOADS))
def test_layout_loads_when_params_describe_it(name, pristine, tmp_path):
    mutate, settings = LOADS[name]
    project = _fresh(pristine, tmp_path)
    mutate(project)
    for contract, values in settings.items():
        _source(project, contract, **values)
    data = load_cycle(project, "2026-Q4")
    assert len(data.current("responses")) > 0 and data.population["headcount"].gt(0).all()
    assert data.backlog["confidence"].between(0, 1).all()


def test_all_problems_reported_at_once(pristine, tmp_path):
    project = _fresh(pristine, tmp_path)
    for name in ("11 on a 0-10 item", "0 on a 1-5 item", "backlog effort 0", "zero headcount"):
        CASES[name][0](project)
    result = runner.invoke(app, ["validate", "--cycle", "2026-Q4", "--project", str(project)])
    assert result.exit_code == 2
    for fragment in ("'happiness'", "'csat'", "'effort'", "'headcount'"):
        assert fragment in result.output
