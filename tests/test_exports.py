"""Survey-tool exports: each tool's real layout read into the same tidy responses frame."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import REPO
from xmo_analysis.demo import QUALTRICS_MAPPING, generate
from xmo_analysis.exceptions import InputError
from xmo_analysis.exports import parse_qualtrics, parse_surveymonkey
from xmo_analysis.loaders import load_cycle, read_limesurvey, read_qualtrics, read_surveymonkey
from xmo_analysis.params import load_params

FIX = Path(__file__).parent / "fixtures" / "exports"
CSAT = {"Very dissatisfied": 1, "Dissatisfied": 2, "Neither satisfied nor dissatisfied": 3, "Satisfied": 4,
        "Very satisfied": 5}
SEGMENTS = ["department", "location", "channel", "journey_stage", "experience_type"]

QUALTRICS = {"response_id": "ResponseId", "submitted_at": "RecordedDate", "respondent_id": "ExternalReference",
             "only_finished": True, "choices": {"csat": CSAT},
             "columns": {"happiness": "Q1", "csat": "Q2", "ces": "Q3", "sup_1": "Q4_1", "sup_2": "Q4_2",
                         "sup_3": "Q4_3", "department": "Q10", "location": "Q11", "channel": "Q12",
                         "journey_stage": "Q13", "experience_type": "Q14", "comment": "Q20"}}
q = "All things considered, how happy are you with IT services?"
SURVEYMONKEY = {"response_id": "Respondent ID", "submitted_at": "End Date", "respondent_id": "Custom Data 1",
                "date_format": "%m/%d/%Y %I:%M:%S %p", "choices": {"csat": CSAT},
                "columns": {"happiness": q,
                            "csat": "How satisfied were you with the handling of your most recent request?",
                            "ces": "IT made it easy for me to get my issue resolved.",
                            "sup_1": "Please rate: | The person who helped me understood my problem.",
                            "sup_2": "Please rate: | I was kept informed while my issue was open.",
                            "sup_3": "Please rate: | I had to explain my issue several times.",
                            "department": "Department", "location": "Location",
                            "channel": "Channel of your last contact", "journey_stage": "Journey",
                            "experience_type": "Experience type",
                            "comment": "Is there anything you would like to tell us?"}}
LIMESURVEY = {"response_id": "id", "submitted_at": "submitdate", "respondent_id": "EXTREF",
              "choices": {"csat": {f"A{i}": i for i in range(1, 6)}},
              "columns": {"happiness": "Q1", "csat": "Q2", "ces": "Q3", "sup_1": "Q4[SQ001]", "sup_2": "Q4[SQ002]",
                          "sup_3": "Q4[SQ003]", "department": "DEPT", "location": "LOC", "channel": "CHAN",
                          "journey_stage": "JOUR", "experience_type": "XT", "comment": "COMM"}}


@pytest.fixture(scope="module")
def params():
    return load_params(REPO / "params")


def test_three_tools_load_to_identical_frames(params):
    frames = {"qualtrics": read_qualtrics(FIX / "qualtrics.csv", params, QUALTRICS),
              "surveymonkey": read_surveymonkey(FIX / "surveymonkey.csv", params, SURVEYMONKEY),
              "limesurvey": read_limesurvey(FIX / "limesurvey.csv", params, LIMESURVEY)}
    for name, f in frames.items():
        assert f["response_id"].is_unique and f["response_id"].notna().all(), name
        assert len(f) == 3, name  # Qualtrics: the unfinished response is dropped
    same = [c for c in frames["qualtrics"].columns if c != "response_id"]
    base = frames["qualtrics"][same].reset_index(drop=True)
    for name in ("surveymonkey", "limesurvey"):
        pd.testing.assert_frame_equal(frames[name][same].reset_index(drop=True), base, check_dtype=False, obj=name)
    assert base.loc[0, "comment"] == "Great help, thank you.\nThe agent called back within the hour."
    assert base["csat"].tolist() == [5, 2, 3]
    assert base.loc[1, "comment"].endswith("Call me on [phone]")  # redacted at load
    assert base["cycle"].tolist() == ["2026-Q4"] * 3


def test_identifying_columns_never_reach_the_frame():
    for parse, path in ((parse_qualtrics, "qualtrics.csv"), (parse_surveymonkey, "surveymonkey.csv")):
        frame = parse(FIX / path)
        text = frame.to_csv()
        assert "john.smith@northwind.example" not in text and "81.2.69.160" not in text
        assert not {"IPAddress", "RecipientEmail", "RecipientLastName", "Email Address", "Last Name",
                    "IP Address", "LocationLatitude"} & set(frame.columns)


def test_surveymonkey_header_rows_are_joined():
    cols = parse_surveymonkey(FIX / "surveymonkey.csv").columns
    assert "Channel of your last contact | Other (please specify)" in cols
    assert "Which channels have you used? (select all) | Walk-in" in cols


def test_mapping_mismatch_names_the_column(params):
    bad = {**QUALTRICS, "columns": {**QUALTRICS["columns"], "ces": "Q33"}}
    with pytest.raises(InputError, match="'Q33'.*'ces'"):
        read_qualtrics(FIX / "qualtrics.csv", params, bad)
    unknown_choice = {**QUALTRICS, "choices": {"csat": {"Very satisfied": 5}}}
    with pytest.raises(InputError) as err:
        read_qualtrics(FIX / "qualtrics.csv", params, unknown_choice)
    assert any(p.value == "Dissatisfied" and p.row == 5 and p.column == "Q2" for p in err.value.problems)


def test_demo_cycle_runs_from_its_qualtrics_export(tmp_path):
    from conftest import make_project
    project = make_project(tmp_path / "project", scale=0.05, seed=11)
    generate(project / "data" / "demo", seed=11, scale=0.05, qualtrics=True)
    plain = load_cycle(project, "2026-Q4").responses
    settings = yaml.safe_load((project / "params" / "xmo.yaml").read_text())
    settings["sources"]["responses"] = {"path": "data/demo/qualtrics_export.csv", "format": "qualtrics",
                                        "mapping": QUALTRICS_MAPPING}
    (project / "params" / "xmo.yaml").write_text(yaml.safe_dump(settings))
    via_export = load_cycle(project, "2026-Q4").responses
    assert len(via_export) == len(plain)
    cols = [c for c in plain.columns if c not in ("response_id", "comment")]
    pd.testing.assert_frame_equal(via_export[cols].reset_index(drop=True), plain[cols].reset_index(drop=True),
                                  check_dtype=False)
    assert (via_export["response_id"].str[2:] == plain["response_id"].str[1:]).all()


def test_qualtrics_tsv_in_utf16(params, tmp_path):
    """Qualtrics' "TSV" download is UTF-16 with tabs; it reads to the same frame as the CSV."""
    import csv
    import io
    rows = list(csv.reader(io.StringIO((FIX / "qualtrics.csv").read_text(encoding="utf-8-sig"), newline="")))
    out = io.StringIO()
    csv.writer(out, delimiter="\t", lineterminator="\r\n").writerows(rows)
    tsv = tmp_path / "export.tsv"
    tsv.write_bytes(out.getvalue().encode("utf-16"))
    pd.testing.assert_frame_equal(read_qualtrics(tsv, params, QUALTRICS), read_qualtrics(FIX / "qualtrics.csv", params, QUALTRICS))
