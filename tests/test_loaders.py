"""Loaders and validation: every contract read, mapped through params, every problem reported."""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
import yaml

from xmo_analysis.exceptions import ConfigError, InputError
from xmo_analysis.loaders import load_cycle, read_table
from xmo_analysis.params import load_params


def _edit_csv(path: Path, edits: dict[tuple[int, str], str]) -> None:
    """Set cells by (data row index, column) in a CSV, keeping everything else byte for byte."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    for (i, col), value in edits.items():
        rows[i + 1][header.index(col)] = value
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def test_demo_loads_and_is_valid(demo_project):
    data = load_cycle(demo_project, "2026-Q4")
    assert set(data.responses["cycle"]) == {"2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"}
    assert len(data.current("responses")) > 200
    assert data.tickets["resolution_hours"].gt(0).all()
    assert set(data.telemetry["cycle"]) <= set(data.params.cycles)
    assert len(data.files) == 5 and all(len(h) == 64 for h in data.files.values())


def test_earlier_cycle_excludes_later_data(demo_project):
    data = load_cycle(demo_project, "2026-Q2")
    assert set(data.responses["cycle"]) == {"2026-Q1", "2026-Q2"}
    assert set(data.tickets["cycle"]) == {"2026-Q1", "2026-Q2"}


def test_every_problem_is_reported_with_file_row_column_value_and_rule(project):
    path = project / "data/demo/responses.csv"
    _edit_csv(path, {(0, "happiness"): "11", (1, "csat"): "0", (2, "ces"): "eight",
                     (3, "response_id"): "R000005", (5, "department"): "Narnia"})
    with pytest.raises(InputError) as err:
        load_cycle(project, "2026-Q4")
    problems = err.value.problems
    text = str(err.value)
    by_rule = {(p.row, p.column): p for p in problems}
    assert by_rule[(2, "happiness")].value == 11 and "0 to 10" in by_rule[(2, "happiness")].rule
    assert by_rule[(3, "csat")].value == 0
    assert by_rule[(4, "ces")].value == "eight"
    assert "unique" in by_rule[(5, "response_id")].rule
    assert by_rule[(7, "department")].value == "Narnia" and "population" in by_rule[(7, "department")].rule
    assert all(p.file == str(path) for p in problems)
    assert "responses.csv, row 2, column 'happiness'" in text


def test_missing_column_and_other_files_reported_together(project):
    frame = pd.read_csv(project / "data/demo/backlog.csv")
    frame.loc[0, "effort"] = 0
    frame.loc[1, "xla"] = "XLA-NOPE"
    frame.to_csv(project / "data/demo/backlog.csv", index=False)
    pop = pd.read_csv(project / "data/demo/population.csv").drop(columns=["headcount"])
    pop.to_csv(project / "data/demo/population.csv", index=False)
    with pytest.raises(InputError) as err:
        load_cycle(project, "2026-Q4")
    rules = [(Path(p.file).name, p.row, p.column) for p in err.value.problems]
    assert ("backlog.csv", 2, "effort") in rules
    assert ("backlog.csv", 3, "xla") in rules
    assert ("population.csv", None, "headcount") in rules


def test_header_only_and_missing_file(project):
    (project / "data/demo/backlog.csv").write_text("item_id,title\n", encoding="utf-8")
    (project / "data/demo/population.csv").unlink()
    with pytest.raises(InputError) as err:
        load_cycle(project, "2026-Q4")
    rules = {Path(p.file).name: p.rule for p in err.value.problems}
    assert "no data rows" in rules["backlog.csv"]
    assert "missing" in rules["population.csv"]


def test_response_outside_its_cycle(project):
    _edit_csv(project / "data/demo/responses.csv", {(0, "submitted_at"): "2025-06-01 10:00:00"})
    with pytest.raises(InputError, match="outside cycle 2026-Q1"):
        load_cycle(project, "2026-Q4")


def test_columns_mapped_through_params_and_excel(project):
    """A renamed export in an Excel workbook with a title row loads with params only."""
    frame = pd.read_csv(project / "data/demo/population.csv").rename(columns={"headcount": "Employees", "location": "Site"})
    with pd.ExcelWriter(project / "data/demo/population.xlsx") as xl:
        pd.DataFrame([["Headcount export, HR system"]]).to_excel(xl, sheet_name="HC", header=False, index=False)
        frame.to_excel(xl, sheet_name="HC", startrow=2, index=False)
    settings = yaml.safe_load((project / "params/xmo.yaml").read_text())
    settings["sources"]["population"] = {"path": "data/demo/population.xlsx", "format": "excel", "sheet": "HC",
                                         "header_row": 2, "columns": {"headcount": "Employees", "location": "Site"}}
    (project / "params/xmo.yaml").write_text(yaml.safe_dump(settings))
    data = load_cycle(project, "2026-Q4")
    assert data.population["headcount"].sum() == frame["Employees"].sum()
    assert set(data.population.columns) >= {"department", "location", "headcount"}


def test_read_table_row_numbers_and_parquet_folder(demo_project, tmp_path):
    t = read_table(demo_project / "data/demo/telemetry")
    assert t["_row"].iloc[0] == 1 and "cycle" in t
    csv_path = tmp_path / "x.csv"
    csv_path.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    assert read_table(csv_path)["_row"].tolist() == [2, 3]
    with pytest.raises(InputError, match="format must be one of"):
        read_table(csv_path, "json")


def test_params_errors_all_reported(project):
    amb = yaml.safe_load((project / "params/ambitions.yaml").read_text())
    amb["xlas"][0]["indicators"][0]["ref"] = "no_such_item"
    amb["xlas"][1]["indicators"][0]["weight"] = 0.9
    amb["xlas"][2]["target"] = 140
    (project / "params/ambitions.yaml").write_text(yaml.safe_dump(amb))
    with pytest.raises(ConfigError) as err:
        load_params(project / "params")
    text = str(err.value)
    assert "no_such_item" in text and "must sum to 1" in text and "between 0 and 100" in text
    assert len(err.value.problems) == 3


def test_params_yaml_python_tag_refused(project):
    (project / "params/metrics.yaml").write_text("metrics: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_params(project / "params")


@pytest.mark.parametrize("cycle", ["../../etc", "2026/Q4", "", "a" * 65])
def test_cycle_ids_are_validated(demo_project, cycle):
    with pytest.raises(ConfigError, match="cycle id"):
        load_cycle(demo_project, cycle)


def test_unknown_cycle(demo_project):
    with pytest.raises(ConfigError, match="no params for cycle '2027-Q1'"):
        load_cycle(demo_project, "2027-Q1")
