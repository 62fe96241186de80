"""Survey-tool exports: each tool's real layout read into the same tidy responses frame."""
from __future__ import annotations


import pandas as pd
import pytest
import yaml

from conftest import REPO, TESTS
from xmo_analysis.pipeline.demo import QUALTRICS_MAPPING, generate
from xmo_analysis.core.exceptions import InputError
from xmo_analysis.sources.exports import parse_qualtrics, parse_surveymonkey
from xmo_analysis.sources.loaders import load_cycle, read_limesurvey, read_qualtrics, read_surveymonkey
from xmo_analysis.core.params import load_params

FIX = TESTS / "fixtures" / "exports"
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
    assert any(p.value == "Dissatisfied" and p.row == 5 and p.column == "csat" and p.file_column == "Q2"
               for p in err.value.problems)


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


# ---------------------------------------------------------------- the layouts met in the wild
GERMAN_CSAT = {"Sehr unzufrieden": 1, "Unzufrieden": 2, "Weder zufrieden noch unzufrieden": 3, "Zufrieden": 4,
               "Sehr zufrieden": 5}
LIME_GERMAN = {  # full question text headings; the id and date columns are LimeSurvey's (German) defaults
    "respondent_id": "Externe Referenz", "only_finished": True, "date_format": "%d.%m.%Y %H:%M:%S",
    "choices": {"csat": GERMAN_CSAT},
    "columns": {"happiness": "Alles in allem: Wie zufrieden sind Sie mit den IT-Services?",
                "csat": "Wie zufrieden waren Sie mit der Bearbeitung Ihrer letzten Anfrage?",
                "ces": "Die IT hat es mir leicht gemacht, mein Problem zu lösen.",
                "sup_1": "Bitte bewerten Sie: [Die Person, die mir geholfen hat, hat mein Problem verstanden.]",
                "sup_2": "Bitte bewerten Sie: [Ich wurde informiert, solange mein Anliegen offen war.]",
                "sup_3": "Bitte bewerten Sie: [Ich musste mein Problem mehrmals erklären.]",
                "department": "Abteilung", "location": "Standort", "channel": "Kanal Ihres letzten Kontakts",
                "journey_stage": "Journey", "experience_type": "Erfahrungstyp",
                "comment": "Möchten Sie uns noch etwas über Ihre Erfahrung sagen?"}}
LIME_R = {"respondent_id": "EXTREF", "only_finished": True, "choices": LIMESURVEY["choices"],
          "columns": {**LIMESURVEY["columns"], "sup_1": "Q4_SQ001", "sup_2": "Q4_SQ002", "sup_3": "Q4_SQ003"}}


def _base(params) -> pd.DataFrame:
    frame = read_qualtrics(FIX / "qualtrics.csv", params, QUALTRICS)
    return frame[[c for c in frame.columns if c != "response_id"]].reset_index(drop=True)


def _same(frame: pd.DataFrame, base: pd.DataFrame, name: str, skip: tuple = ()) -> None:
    cols = [c for c in base.columns if c not in skip]
    pd.testing.assert_frame_equal(frame[cols].reset_index(drop=True), base[cols], check_dtype=False, obj=name)


def test_limesurvey_german_full_text_resaved_by_excel(params):
    """cp1252, semicolons, dd.mm.yyyy dates and German headings: detected or declared, same frame."""
    from xmo_analysis.sources.exports import read_export
    frame = read_export(FIX / "limesurvey_text_de.csv", "limesurvey", params, LIME_GERMAN)
    report = frame.attrs["load_report"]
    assert (report.encoding, report.delimiter, report.layout) == ("cp1252", ";", "full question text headings")
    assert report.removed == {"incomplete responses (no submit date)": 1}
    assert frame["response_id"].tolist() == ["1", "2", "4"]
    _same(frame, _base(params), "limesurvey German")
    assert "81.2.69.160" not in frame.to_csv() and "tk8821" not in frame.to_csv()  # IP-Adresse, Zugangsschlüssel


def test_limesurvey_r_data_file_na_is_missing(params):
    from xmo_analysis.sources.exports import read_export
    frame = read_export(FIX / "survey_123456_R_data_file.csv", "limesurvey", params, LIME_R)
    report = frame.attrs["load_report"]
    assert report.layout == "R data file (NA is missing)"
    assert report.removed == {"incomplete responses (no submit date)": 1}
    _same(frame, _base(params), "limesurvey R")
    assert frame["comment"].isna().tolist() == [False, False, True]  # NA, not the text "NA"


def _qualtrics_rows() -> list[list[str]]:
    import csv
    import io
    return list(csv.reader(io.StringIO((FIX / "qualtrics.csv").read_text(encoding="utf-8-sig"), newline="")))


def test_qualtrics_resaved_by_excel_one_header_row(params, tmp_path):
    """Rows 2-3 deleted, US dates without seconds, cp1252: the layout and encoding are detected."""
    import csv
    import io
    rows = _qualtrics_rows()
    header, body = rows[0], rows[3:]
    when = header.index("RecordedDate")
    for r in body:
        r[when] = pd.Timestamp(r[when]).strftime("%m/%d/%Y %H:%M")
    body[0][header.index("Q20")] = "Très bien. " + body[0][header.index("Q20")]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header] + body)
    (tmp_path / "resaved.csv").write_bytes(out.getvalue().encode("cp1252"))
    from xmo_analysis.sources.exports import read_export
    frame = read_export(tmp_path / "resaved.csv", "qualtrics", params, {**QUALTRICS, "date_format": "%m/%d/%Y %H:%M"})
    report = frame.attrs["load_report"]
    assert (report.layout, report.encoding) == ("one header row (re-saved export)", "cp1252")
    base = _base(params)
    _same(frame, base, "qualtrics re-saved", skip=("submitted_at", "comment"))
    assert (frame["submitted_at"] == base["submitted_at"].dt.floor("min")).all()
    assert frame.loc[0, "comment"].startswith("Très bien. Great help")


def test_exports_as_workbooks(params, tmp_path):
    """The .xlsx downloads: Qualtrics (two header rows, no ImportId row) and SurveyMonkey."""
    import csv
    import io
    rows = _qualtrics_rows()
    pd.DataFrame([rows[0], rows[1]] + rows[3:]).to_excel(tmp_path / "qualtrics.xlsx", header=False, index=False)
    sm = list(csv.reader(io.StringIO((FIX / "surveymonkey.csv").read_text(encoding="utf-8-sig"), newline="")))
    pd.DataFrame(sm).to_excel(tmp_path / "surveymonkey.xlsx", header=False, index=False)
    from xmo_analysis.sources.exports import read_export
    q = read_export(tmp_path / "qualtrics.xlsx", "qualtrics", params, QUALTRICS)
    assert q.attrs["load_report"].layout == "two header rows (no ImportId row)"
    s = read_export(tmp_path / "surveymonkey.xlsx", "surveymonkey", params, SURVEYMONKEY)
    base = _base(params)
    _same(q, base, "qualtrics.xlsx")
    _same(s, base, "surveymonkey.xlsx")


def test_layout_can_be_forced_and_an_unknown_one_is_an_error(params):
    from xmo_analysis.sources.exports import read_export
    forced = read_export(FIX / "qualtrics.csv", "qualtrics", params, QUALTRICS, layout="current")
    assert forced.attrs["load_report"].layout == "current (3 header rows)"
    with pytest.raises(InputError, match="`layout` for qualtrics must be one of"):
        read_export(FIX / "qualtrics.csv", "qualtrics", params, QUALTRICS, layout="2019")


def test_options_on_the_source_or_in_mapping_agree(params):
    from xmo_analysis.sources.exports import read_export
    legacy = read_export(FIX / "qualtrics.csv", "qualtrics", params, QUALTRICS)
    flat = {k: v for k, v in QUALTRICS.items() if k not in ("response_id", "submitted_at", "respondent_id")}
    flat["columns"] = {**QUALTRICS["columns"], "respondent_id": "ExternalReference"}  # ids: the tool's defaults
    top = read_export(FIX / "qualtrics.csv", "qualtrics", params, {}, **flat)
    pd.testing.assert_frame_equal(top[legacy.columns], legacy)
    assert legacy.attrs["load_report"].removed == {"unfinished responses (Finished is not 1/True)": 1}
    with pytest.raises(InputError, match="set twice"):
        read_export(FIX / "qualtrics.csv", "qualtrics", params, QUALTRICS, only_finished=False)
