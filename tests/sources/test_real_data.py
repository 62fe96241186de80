"""Real exports (tests/fixtures/real/, copied from ../shared/real-data with their attribution)
load with params alone (tests/fixtures/real/params/<case>/, written as a user would), and every
value checked equals the raw file's, read here independently with the csv module."""
from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from datetime import datetime

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from xmo_analysis.pipeline.cli import app
from xmo_analysis.core.exceptions import InputError
from xmo_analysis.sources.loaders import load_source, read_source
from xmo_analysis.core.params import load_params
from xmo_analysis.privacy import redact_series

from conftest import TESTS

REAL = TESTS / "fixtures" / "real"
PARAMS = REAL / "params"
FILES = sorted(p.relative_to(REAL).as_posix() for p in REAL.rglob("*.csv") if "params" not in p.parts)
NAN = float("nan")


def records(path: str, encoding: str, header: int, data: int, sub_row: int | None = None) -> list[dict]:
    """The raw file's data rows as dicts: keys are header row ``header`` (1-based); with a
    SurveyMonkey sub-label row, ``Question | Sub-label`` too; ``_row`` is the file's row number."""
    rows = list(csv.reader(io.StringIO((REAL / path).read_bytes().decode(encoding), newline="")))
    names = rows[header - 1]
    out = []
    for n, row in enumerate(rows[data - 1:], start=data):
        if not any(c.strip() for c in row):
            continue
        rec = {"_row": n}
        title = ""
        for i, cell in enumerate(row):
            title = names[i].strip() or title if sub_row else names[i].strip()
            rec.setdefault(title, cell)
            if sub_row and rows[sub_row - 1][i].strip() not in ("", "Response", "Open-Ended Response"):
                rec[f"{title} | {rows[sub_row - 1][i].strip()}"] = cell
        out.append(rec)
    return out


def num(col, choices=None, missing=()):
    def value(rec):
        cell = rec[col].strip()
        if cell == "" or cell in missing:
            return NAN
        return float(choices[cell]) if choices else float(cell)
    return value


def text(col, blank=None, choices=None):
    def value(rec):
        cell = rec[col].strip()
        if cell == "":
            return blank
        return choices.get(cell, cell) if choices else rec[col]
    return value


def comment(col):
    """Free text as the loader must give it: redacted (privacy.redact_series) before anything sees it."""
    return lambda rec: redact_series(pd.Series([rec[col]])).iloc[0] if rec[col].strip() else None


def stamp(col, fmt="%Y-%m-%d %H:%M:%S"):
    return lambda rec: pd.Timestamp(datetime.strptime(rec[col].strip(), fmt))


FAVOUR = {"Very unfavorably": 1, "Somewhat unfavorably": 2, "Neither favorably nor unfavorably (neutral)": 3,
          "Somewhat favorably": 4, "Very favorably": 5}
AGREE = {"Strongly disagree": 1, "Somewhat disagree": 2, "Neither agree nor disagree": 3, "Somewhat agree": 4,
         "Strongly agree": 5}
YES = {"Yes": 1, "No": 0}
GENDER = {"1": "Male", "2": "Female", "3": "Non-binary / third gender", "4": "I describe myself as",
          "5": "Prefer not to say"}
RANK = "Please rank the Star Wars films in order of preference with 1 being your favorite film in the franchise " \
       "and 6 being your least favorite film. | Star Wars: Episode "
VIEW = "Please state whether you view the following characters favorably, unfavorably, or are unfamiliar with " \
       "him/her. | "
STAY = 'To what extent do you agree with the following statement: "sleeping in separate beds helps us to stay ' \
       'together."'

# case -> (file, encoding, header row, first data row, sub-label row, id column or None, rows kept,
#          contract column -> expected value of a raw record)
CASES = {
    "schluppeck_choicetext": (
        "qualtrics/schluppeck_choicetext.csv", "utf-8", 1, 4, None, "ResponseId",
        lambda r: r["Status"] == "IP Address" and r["DistributionChannel"] == "anonymous"
        and not r["Q1"].startswith("I don't consent"),
        {"q4_1": num("Q4_1"), "q4_2": num("Q4_2"), "gender": text("Q3", "Unknown"), "comment": comment("Q3_4_TEXT"),
         "submitted_at": stamp("RecordedDate")}),
    "schluppeck_numeric": (
        "qualtrics/schluppeck_numeric.csv", "utf-8", 1, 4, None, "ResponseId",
        lambda r: r["Status"] == "0" and r["Q1"] != "2",
        {"q4_1": num("Q4_1"), "q4_2": num("Q4_2"), "gender": text("Q3", "Unknown", GENDER)}),
    "w241_fakenews": (
        "qualtrics/w241_fakenews_mturk.csv", "utf-8", 1, 4, None, "ResponseId", lambda r: r["Finished"] == "True",
        {"gender": text("Q1"), "age": text("Q3"), "party": text("Q4"), "registered": num("Q2", YES),
         "post_8a": num("8A", YES), "post_9b": num("9B", YES), "submitted_at": stamp("RecordedDate")}),
    "qualtrics_sample": (
        "qualtrics/qualtRics_sample.csv", "utf-8", 1, 4, None, "ResponseId", lambda r: r["Finished"] == "1",
        {"choice": num("Q1"), "comment": comment("Q2"), "language": text("UserLanguage")}),
    "qualtrics_legacy": (
        "qualtrics/qualtRics_sample_legacy.csv", "utf-8-sig", 2, 3, None, "ResponseID", lambda r: True,
        {"choice": num("This is a multiple choice question."), "comment": comment("This is a free text question."),
         "submitted_at": stamp("EndDate")}),
    "qualtrics_insights": (
        "qualtrics/qualtricstools_insights_2016.csv", "utf-8", 1, 4, None, "ResponseID", lambda r: True,
        {"fruit": num("fruits"), "matrix_1": num("Q3_1"), "matrix_3": num("Q3_3"), "slider_2": num("Q5_2"),
         "comment": comment("Q18"), "submitted_at": stamp("EndDate")}),
    "starwars": (
        "surveymonkey/fte_StarWars.csv", "cp1252", 1, 3, 2, "RespondentID", lambda r: True,
        {"seen_any": num("Have you seen any of the 6 films in the Star Wars franchise?", YES),
         "rank_ep1": num(RANK + "I  The Phantom Menace"), "rank_ep5": num(RANK + "V The Empire Strikes Back"),
         "fav_han": num(VIEW + "Han Solo", FAVOUR, ("Unfamiliar (N/A)",)),
         "fav_jarjar": num(VIEW + "Jar Jar Binks", FAVOUR, ("Unfamiliar (N/A)",)),
         "gender": text("Gender", "Unknown"), "region": text("Location (Census Region)", "Unknown")}),
    "sleeping_alone": (
        "surveymonkey/fte_sleeping-alone-data.csv", "cp1252", 1, 3, 2, None, lambda r: True,
        {"stay_together": num(STAY, AGREE), "age": text("Age", "Unknown"),
         "status": text("Which of the following best describes your current relationship status?"),
         "submitted_at": stamp("EndDate", "%m/%d/%y %H:%M")}),
    "steak": (
        "surveymonkey/fte_steak-risk-survey.csv", "utf-8", 1, 3, 2, "RespondentID",
        lambda r: all(r[q].strip() for q in ("Do you ever smoke cigarettes?", "Do you ever drink alcohol?",
                                             "Do you ever gamble?")),
        {"smoke": num("Do you ever smoke cigarettes?", YES), "speeding": num("Do you ever drive above the speed limit?",
                                                                              YES),
         "steak": text("How do you like your steak prepared?", "Does not eat steak"), "age": text("Age", "Unknown")}),
}


def _same(got, want) -> bool:
    if isinstance(want, float) and math.isnan(want):
        return pd.isna(got)
    if want is None:
        return pd.isna(got)
    return got == want


@pytest.mark.parametrize("case", sorted(CASES))
def test_real_export_loads_with_params_alone(case):
    path, encoding, header, first, sub, id_col, keep, expect = CASES[case]
    params = load_params(PARAMS / case)
    frame, report = load_source(REAL, "responses", params)
    raw = [r for r in records(path, encoding, header, first, sub) if keep(r)]
    assert len(frame) == len(raw) == report.rows_kept, str(report)
    assert frame["response_id"].is_unique
    if id_col:
        by_id = {r[id_col]: r for r in raw}
        assert set(frame["response_id"]) == set(by_id)
        pairs = [(row, by_id[row["response_id"]]) for row in frame.to_dict("records")]
    else:  # a generated id: rows keep the file's order
        pairs = list(zip(frame.to_dict("records"), raw))
    assert pairs and expect
    for got, rec in pairs:
        for column, value in expect.items():
            assert _same(got[column], value(rec)), (case, rec["_row"], column, got[column], value(rec))
    assert frame["cycle"].nunique() == 1 and frame["cycle"].iloc[0] in params.cycles


def test_what_the_reports_say():
    """The filter counts and notes a user sees (LoadReport) for the files that need them."""
    _, choice = load_source(REAL, "responses", load_params(PARAMS / "schluppeck_choicetext"))
    assert choice.removed["preview responses (Qualtrics)"] == 2 and choice.removed["test responses (Qualtrics)"] == 75
    assert "America/Denver" in str(choice)
    _, stars = load_source(REAL, "responses", load_params(PARAMS / "starwars"))
    assert (stars.encoding, stars.layout) == ("cp1252", "2014 (RespondentID, 2 header rows)")
    assert stars.missing["fav_jarjar"] == sum(
        r[VIEW + "Jar Jar Binks"] == "Unfamiliar (N/A)" for r in records("surveymonkey/fte_StarWars.csv", "cp1252",
                                                                          1, 3, 2))
    _, w241 = load_source(REAL, "responses", load_params(PARAMS / "w241_fakenews"))
    assert "IPAddress" in str(w241) and "LocationLatitude" in str(w241)  # dropped on reading, and said so
    params = load_params(PARAMS / "qualtrics_insights")
    tests_only = {**params.settings["sources"]["responses"], "drop_test": True}
    with pytest.raises(InputError, match=r"no rows are left .*5 test responses"):
        load_source(REAL, "responses", params, tests_only)


def test_numeric_and_choice_text_exports_of_one_survey_agree():
    a, _ = load_source(REAL, "responses", load_params(PARAMS / "schluppeck_choicetext"))
    b, _ = load_source(REAL, "responses", load_params(PARAMS / "schluppeck_numeric"))
    pd.testing.assert_frame_equal(a, b)


def test_event_log_to_tickets_matches_a_hand_count():
    frame, report = load_source(REAL, "tickets", load_params(PARAMS / "servicenow"))
    events = records("tickets/incident_event_log_subset.csv", "utf-8", 1, 2)
    tickets = defaultdict(list)
    for e in events:
        tickets[e["number"]].append(e)
    fmt = "%d-%m-%Y %H:%M"
    want = {}
    for number, evs in tickets.items():
        evs = sorted(evs, key=lambda e: int(e["sys_mod_count"]))  # stable: ties keep the file order
        known = lambda col: [e[col] for e in evs if e[col] != "?"]  # noqa: E731
        resolved = known("resolved_at")
        want[number] = {"opened_at": pd.Timestamp(datetime.strptime(known("opened_at")[0], fmt)),
                        "resolved_at": pd.Timestamp(datetime.strptime(resolved[-1], fmt)) if resolved else None,
                        "sla_met": known("made_sla")[-1] == "TRUE",
                        "reopened": max(int(e["reopen_count"]) for e in evs) > 0,
                        "department": (known("assignment_group") or ["Unknown"])[-1],
                        "location": (known("location") or ["Unknown"])[-1], "channel": known("contact_type")[-1],
                        "reassignments": float(max(int(e["reassignment_count"]) for e in evs)),
                        # waste: each event's state lasts until the next event; sum the waiting ones
                        "waiting_hours": sum((datetime.strptime(b["sys_updated_at"], fmt)
                                              - datetime.strptime(a["sys_updated_at"], fmt)).total_seconds() / 3600
                                             for a, b in zip(evs, evs[1:]) if a["incident_state"].startswith("Awaiting"))}
    assert len(frame) == len(want) == 890 and report.events_read == len(events) == 5998
    got = frame.set_index("ticket_id")
    for number, w in want.items():
        for column, value in w.items():
            if column == "waiting_hours":  # a sum of intervals: the order of addition differs (1e-12)
                assert got.at[number, column] == pytest.approx(value, rel=1e-12, abs=1e-12), number
                continue
            assert _same(got.at[number, column], value), (number, column, got.at[number, column], value)
    # the counts, by hand: SLA from each ticket's last event, reopened = a reopen count above 0
    assert int(frame["sla_met"].sum()) == sum(w["sla_met"] for w in want.values())
    assert int(frame["reopened"].sum()) == sum(w["reopened"] for w in want.values()) == 10
    assert int(frame["resolved_at"].isna().sum()) == sum(w["resolved_at"] is None for w in want.values())
    assert int(frame["sla_met"].sum()) == 495 and int(frame["resolved_at"].isna().sum()) == 29
    waited = sum(w["waiting_hours"] > 0 for w in want.values())
    assert waited > 50 and (frame["waiting_hours"] > 0).sum() == waited
    assert frame["reassignments"].sum() == sum(w["reassignments"] for w in want.values()) > 100


@pytest.mark.parametrize("path", FILES)
@pytest.mark.parametrize("fmt", ["csv", "qualtrics", "surveymonkey", "limesurvey"])
def test_no_real_file_crashes_whatever_the_format(path, fmt):
    """Wrong or incomplete params give problems naming the file, never an unexpected exception."""
    params = load_params(PARAMS / "steak")
    for contract in ("responses", "tickets"):
        if fmt != "csv" and contract == "tickets":
            continue
        frame, report, problems, _ = read_source(REAL, contract, {"path": path, "format": fmt}, params)
        assert frame is not None or problems
        assert all(str(REAL / path) in p.file for p in problems)


@pytest.mark.parametrize("path", FILES)
def test_inspect_prints_a_draft_that_parses(path):
    result = CliRunner().invoke(app, ["inspect", str(REAL / path)])
    assert result.exit_code == 0, result.output
    text = result.output
    draft = text.split("Draft params/xmo.yaml (edit, then run `xmo validate`):\n", 1)[1]
    source_yaml, instrument_yaml = draft.split("\nDraft params/instrument.yaml:\n")
    doc = yaml.safe_load(source_yaml)
    [(contract, source)] = doc["sources"].items()
    assert source["format"] in ("qualtrics", "surveymonkey", "limesurvey", "csv")
    assert isinstance(source["columns"], dict) and source["columns"]
    if "tickets/" in path:
        assert contract == "tickets" and source["events"]["ticket"] == "number"
        assert source["date_format"] == "%d-%m-%Y %H:%M" and source["missing_values"] == ["?"]
    else:
        assert contract == "responses"
        yaml.safe_load(instrument_yaml)
    if "fte_StarWars" in path or "sleeping" in path:
        assert source["encoding"] == "cp1252"
