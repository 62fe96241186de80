"""Loaders and validation: every contract read, mapped through params, every problem reported."""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
import yaml

from xmo_analysis.core.exceptions import ConfigError, InputError
from xmo_analysis.sources.loaders import load_cycle, read_table
from xmo_analysis.core.params import load_params


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
    assert len(data.files) == 6 and all(len(h) == 64 for h in data.files.values())


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
    assert len(problems) >= 5 and all(p.file == str(path) for p in problems)
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


# ---------------------------------------------------------------- params every format shares
from xmo_analysis.sources.loaders import load_source  # noqa: E402
from xmo_analysis.sources.validation import DataError  # noqa: E402


def _responses(project: Path) -> pd.DataFrame:
    return pd.read_csv(project / "data/demo/responses.csv", dtype=str, keep_default_na=False)


def _load_responses(project: Path, frame: pd.DataFrame, **source):
    frame.to_csv(project / "data/demo/r.csv", index=False)
    return load_source(project, "responses", source={"path": "data/demo/r.csv", "format": "csv", **source})


def test_generated_ids_are_a_stable_hash_of_the_row(project):
    f = _responses(project).drop(columns=["response_id"])
    f = pd.concat([f, f.iloc[[0]]], ignore_index=True)  # a row repeated exactly
    one, report = _load_responses(project, f, generate_id=True)
    two, _ = _load_responses(project, f, generate_id=True, missing_values=["N/A"])  # other params, same ids
    assert one["response_id"].tolist() == two["response_id"].tolist()
    assert one["response_id"].is_unique and one["response_id"].str.match(r"^H[0-9a-f]{16}(-\d+)?$").all()
    assert one["response_id"].iloc[-1] == one["response_id"].iloc[0] + "-2"
    assert "1 rows repeat an earlier row exactly" in str(report)
    with pytest.raises(DataError, match="already mapped"):
        _load_responses(project, f, generate_id=True, columns={"response_id": "respondent_id"})


def test_fixed_cycle_for_a_file_without_dates(project):
    f = _responses(project)
    f = f[f["cycle"] == "2026-Q4"].drop(columns=["submitted_at", "cycle"])
    frame, report = _load_responses(project, f, cycle="2026-Q4")
    assert set(frame["cycle"]) == {"2026-Q4"} and len(frame) == len(f)
    assert "cycle fixed to 2026-Q4 by params" in str(report)
    with pytest.raises(DataError, match=r"not defined in params/cycles \(defined: 2026-Q1 \(2026-01-01 to"):
        _load_responses(project, f, cycle="2027-Q1")
    with pytest.raises(DataError, match="need a date or a cycle"):
        _load_responses(project, f)


def test_outside_every_cycle_error_drop_or_flag(project):
    f = _responses(project).drop(columns=["cycle"])
    f.loc[[3, 8], "submitted_at"] = ["2025-06-01 10:00:00", "2025-07-15 10:00:00"]
    with pytest.raises(DataError) as err:
        _load_responses(project, f)
    [p, q] = err.value.problems
    assert (p.row, q.row) == (5, 10)
    assert "2025-06-01 to 2025-07-15" in p.rule and "2026-Q4 (2026-10-01 to 2026-12-31)" in p.rule
    dropped, report = _load_responses(project, f, outside_cycles="drop")
    assert len(dropped) == len(f) - 2
    assert report.removed == {"outside every cycle (dated 2025-06-01 to 2025-07-15)": 2}
    _, flagged = _load_responses(project, f, outside_cycles="flag")
    assert flagged.flagged == ["2 rows dated 2025-06-01 to 2025-07-15 fall outside every cycle: rows 5, 10"]


def test_missing_values_choices_date_format_and_blank_segments_on_plain_csv(project):
    f = _responses(project)
    f.loc[0, "ces"] = "0"                       # 0 = not applicable, for this item only
    f.loc[1, "happiness"] = "Don't know"
    f.loc[2, "csat"] = "Very satisfied"         # choice text in a plain CSV
    f.loc[3, "department"] = ""                 # blank segment
    f.loc[4, "location"] = "N/A"                # means missing, then labelled
    f["submitted_at"] = pd.to_datetime(f["submitted_at"]).dt.strftime("%d/%m/%Y %H:%M:%S")
    frame, report = _load_responses(project, f, missing_values={"*": ["Don't know", "N/A"], "ces": [0]},
                                    choices={"csat": {"Very satisfied": 5}}, date_format="%d/%m/%Y %H:%M:%S",
                                    blank_segment="Unknown")
    assert pd.isna(frame.loc[0, "ces"]) and pd.isna(frame.loc[1, "happiness"]) and frame.loc[2, "csat"] == 5
    assert frame.loc[3, "department"] == "Unknown" and frame.loc[4, "location"] == "Unknown"
    assert frame["submitted_at"].iloc[0] == pd.Timestamp(_responses(project)["submitted_at"].iloc[0])
    assert report.missing["ces"] == 1 and report.missing["happiness"] == 1 and report.filled["department"] == 1
    other_zeros = (pd.to_numeric(f["happiness"], errors="coerce") == 0).sum()
    assert (frame["happiness"] == 0).sum() == other_zeros  # 0 stays an answer on the other items


def test_every_problem_of_a_source_at_once_grouped_by_rule(project):
    f = _responses(project)
    f.loc[:299, "happiness"] = "11"             # 300 of one kind
    f.loc[500, "csat"] = "five"                 # and one each of two other kinds
    f.loc[501, "submitted_at"] = "yesterday"
    with pytest.raises(DataError) as err:
        _load_responses(project, f)
    text = err.value.render(limit=200)
    assert len(err.value.problems) == 302
    assert "'happiness'" in text and "300 rows (first: row 2 11, row 3 11" in text
    assert "row 502, column 'csat'" in text and "row 503, column 'submitted_at'" in text and "'yesterday'" in text


def test_file_and_contract_column_names_both_shown(project):
    f = _responses(project).rename(columns={"csat": "Q2 satisfaction"})
    f.loc[0, "Q2 satisfaction"] = "9"
    with pytest.raises(DataError) as err:
        _load_responses(project, f, columns={"csat": "Q2 satisfaction", "ces": "Q3"})
    text = str(err.value)
    assert "column 'csat' (file column 'Q2 satisfaction')" in text and "1 to 5" in text
    assert "params map 'ces' to column 'Q3', which the file does not have" in text
    assert "required column 'ces'" not in text  # said once, not twice


def test_unknown_source_option_is_an_error_naming_the_nearest(project):
    settings = yaml.safe_load((project / "params/xmo.yaml").read_text())
    settings["sources"]["responses"]["missing_value"] = ["N/A"]
    (project / "params/xmo.yaml").write_text(yaml.safe_dump(settings))
    with pytest.raises(ConfigError, match="unknown key 'missing_value'; did you mean 'missing_values'"):
        load_params(project / "params")


def test_readers_are_one_registry_declared_in_schema():
    import inspect as pyinspect

    from xmo_analysis.sources import loaders, readers
    from xmo_analysis.sources.readers import mapping
    from xmo_analysis.core.schema import SOURCE_OPTIONS
    assert set(readers.READERS) == set(SOURCE_OPTIONS)
    for module in (loaders, mapping, readers):
        assert "format ==" not in pyinspect.getsource(module) and "fmt ==" not in pyinspect.getsource(module)


def test_encodings_detected_or_a_wrong_one_named(project):
    f = _responses(project)
    f.loc[0, "comment"] = "Très lent, café froid — merci"
    for encoding in ("utf-8", "utf-8-sig", "utf-16", "cp1252"):
        f.to_csv(project / "data/demo/r.csv", index=False, encoding=encoding)
        frame, report = load_source(project, "responses", source={"path": "data/demo/r.csv", "format": "csv"})
        assert frame.loc[0, "comment"] == "Très lent, café froid — merci", encoding
        assert report.encoding.replace("-sig", "") == encoding.replace("-sig", ""), encoding
    with pytest.raises(InputError, match=r"r.csv.*not utf-8 text.*looks like cp1252"):
        load_source(project, "responses", source={"path": "data/demo/r.csv", "format": "csv", "encoding": "utf-8"})
    with pytest.raises(InputError, match="not an encoding Python knows"):
        load_source(project, "responses", source={"path": "data/demo/r.csv", "format": "csv", "encoding": "utf9"})


def test_cycle_data_carries_a_load_report_per_source(demo_project):
    data = load_cycle(demo_project, "2026-Q4")
    assert set(data.reports) == {"responses", "tickets", "telemetry", "population", "backlog", "outcomes"}
    r = data.reports["tickets"]
    assert r.rows_read == r.rows_kept + sum(r.removed.values())
    assert "rows read" in str(data.reports["responses"])
