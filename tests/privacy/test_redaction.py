"""Free-text redaction: rule families (each a table of cases with negatives) and measured quality.

The quality tests evaluate on the hand-written development set and on the independent held-out
set in tests/fixtures/pii_eval/ (written by other people; never tuned on). Thresholds sit just below
the figures measured when the rules were written; the comments give the measured values.
"""
from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from xmo_analysis.privacy import redact as privacy_redact
from xmo_analysis.privacy import redact_series
from xmo_analysis.privacy.redaction import find_pii, redact
from xmo_analysis.privacy.redaction_eval import evaluate, format_table, load

from conftest import TESTS

FIXTURES = TESTS / "fixtures"
DEV = FIXTURES / "redaction_dev" / "dev.jsonl"
DEV2 = FIXTURES / "redaction_dev2" / "dev2.jsonl"
DEV3 = FIXTURES / "redaction_dev3" / "dev3.jsonl"
HELDOUT = sorted((FIXTURES / "pii_eval").glob("*.jsonl")) if (FIXTURES / "pii_eval").is_dir() else []
HELDOUT = [p for p in HELDOUT if not p.name.endswith("_draft.jsonl")]


def types_in(text: str, **kw) -> set[str]:
    return {t for _, _, t in find_pii(text, **kw)}


def gone(text: str, secret: str, **kw) -> bool:
    return secret not in redact(text, **kw)


# (comment, the personal data that must disappear)
NAMES = [
    ("Priya on the service desk was great", "Priya"),
    ("I was bullied by J. Thornton for months", "Thornton"),
    ("My manager (Gavin) never replies", "Gavin"),
    ("José Álvarez reset my password", "Álvarez"),
    ("Thanks to Fiona McAllister for the printer", "McAllister"),
    ("Spoke to Tom B. about the refund", "Tom"),
    ("sarah on reception was lovely", "sarah"),
    ("Kind regards, Peter Olsen", "Olsen"),
    ("Liesbeth van der Berg from Amsterdam", "Berg"),
    ("Marie-Claire d'Estaing a organisé la formation", "Estaing"),
    ("Herr Schneider vom Service Desk", "Schneider"),
    ("Ik heb met mevr. De Jong gesproken", "Jong"),
    ("Me atendió la Sra. Fernández", "Fernández"),
    ("Mark Davies in payroll sorted my overtime", "Mark"),
    ("Grace, Will and Mark were the best agents", "Will"),
    ("Zhang Wei set up the mailbox", "Wei"),
    ("Kwabena from the service desk was kind", "Kwabena"),
    ("Gavin's team fixed it", "Gavin"),
]
NOT_NAMES = [
    "Regards, Finance Team", "Cheers, The Night Shift", "Thanks, Great job by the desk!",
    "Will someone please look at the Wi-Fi?", "Mark the ticket as resolved.", "May was a tough month.",
    "June payroll was late.", "The London office is cold and the Paris office is hot.",
    "Grace period for parking was 7 days.", "Teams calls drop; Apple and Amazon are slow; Windows 11 broke.",
    "Jordan is the country I travelled to.", "Florence was beautiful.", "Victoria station branch is good.",
    "Koch, Bauer und Fischer sind Berufe.", "Meeting room Apollo 3 has no HDMI.", "Viele Grüße, Ihr IT-Team",
    "Met vriendelijke groet, het IT-team", "Saludos, el equipo de soporte", "Cordialement, l'équipe informatique",
    "From 5 Jan to 3 June the printer was off.", "San Miguel and Santa María are towns.",
]


@pytest.mark.parametrize("text,secret", NAMES)
def test_names_found(text, secret):
    assert gone(text, secret), redact(text)


@pytest.mark.parametrize("text", NOT_NAMES)
def test_look_alike_names_kept(text):
    assert find_pii(text) == [], redact(text)


def test_names_are_whole_and_titles_stay():
    assert redact("José Álvarez and Fiona McAllister") == "[name] and [name]"
    assert redact("Mr O'Brien fixed it") == "Mr [name] fixed it"
    assert redact("Regards, Aoife Byrne") == "Regards, [name]"


def test_extra_names_from_the_organisation():
    text = "Zorblax in the warehouse was great"  # in no name list
    assert redact(text) == text
    assert redact(text, extra_names=["Zorblax Quinterro"]) == "[name] in the warehouse was great"
    assert redact("ask zorblax quinterro", extra_names=("Zorblax Quinterro",)) == "ask [name]"


STRUCTURED = [
    ("mail jane dot doe at acme dot com please", "email", "acme"),
    ("write to a.nowak [at] northwind [dot] com", "email", "nowak"),
    ("k punkt weber at firma punkt de", "email", "weber"),
    ("p.durand arobase societe point fr", "email", "durand"),
    ("call +44 20 7946 0958 now", "phone", "7946"),
    ("call (415) 555-0132 ext. 204", "phone", "204"),
    ("Bitte Durchwahl 12 anrufen", "phone", "12"),
    ("Llámeme al 612 345 678", "phone", "345"),
    ("Bel me op 06 12345678", "phone", "12345678"),
    ("see https://intranet.example/kb/1 now", "url", "intranet"),
    ("laptop IP 10.12.4.77", "ip", "10.12.4.77"),
    ("IPv6 2001:db8:85a3::8a2e:370:7334 here", "ip", "8a2e"),
    ("card 4539 1488 0343 6467 charged", "card", "6467"),
    ("employee number 448213 wrong", "id", "448213"),
    ("Staff ID E-20931 shown", "id", "20931"),
    ("Mi DNI es 12345678Z", "id", "12345678Z"),
    ("NI number QQ 12 34 56 C", "id", "34 56"),
    ("Meine Personalnummer ist 40218", "id", "40218"),
    ("BSN 123456782 zichtbaar", "id", "123456782"),
    ("I moved to 14 Elm Grove, Didsbury, Manchester M20 6RT", "address", "Didsbury"),
    ("Adresse: Hauptstraße 12, 10115 Berlin", "address", "10115"),
    ("12 rue de la Paix, 75002 Paris", "address", "Paix"),
    ("Calle Mayor 10, 28013 Madrid", "address", "Mayor"),
    ("Keizersgracht 123, 1015 CJ Amsterdam", "address", "1015"),
    ("born 12/03/1985 they say", "dob", "1985"),
    ("Geboren am 12.04.1983", "dob", "1983"),
    ("Né le 14/07/1982", "dob", "1982"),
    ("fecha de nacimiento: 5 de septiembre de 1987", "dob", "1987"),
    ("geboortedatum 21-06-1990", "dob", "1990"),
    ("my login is jsmith01", "username", "jsmith01"),
    ("ping @dave_k on Slack", "username", "dave_k"),
    ("AD account CORP\\jsmith locked", "username", "jsmith"),
]
KEPT = [
    "Firmware 3.5.0.22 and version 10.4.2.1 are installed.",
    "Chrome 122.0.6261.95 crashes; build 19045.3803.",
    "The outage started 2024-05-17 at 09:41.",
    "Order 7731-2290-11 and invoice INV-2024-00318 are wrong.",
    "INC0012345, KB5034441, CHG0034512, RITM0023456, REQ0045678, PO 4500123456.",
    "The Model X200 jams; error 0x80070005 and error code 503.",
    "Paid £49.99, charged €58.20, refund of $120.00.",
    "Meeting 10:30-11:00 on 12.03.2024, 1,250 users, 35% dropped.",
    "Case number 00123456 and planning ref 23/01234/FUL.",
    "Our network is 10.0.0.0/8.",
    "login screen is slow and my account is locked",
]


@pytest.mark.parametrize("text,kind,secret", STRUCTURED)
def test_structured_found(text, kind, secret):
    assert kind in types_in(text) and gone(text, secret), (find_pii(text), redact(text))


@pytest.mark.parametrize("text", KEPT)
def test_look_alike_numbers_kept(text):
    assert find_pii(text) == [], redact(text)


def test_dates_are_a_birth_only_in_context():
    assert types_in("I was born on 23 March 1975") == {"dob"}
    assert find_pii("We met on 23 March 1975 to plan it") == []


def test_span_api_contract():
    text = "Thanks to Priya, call 07700 900123 or mail p.shah@example.com"
    spans = find_pii(text)
    assert spans == sorted(spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    assert [t for _, _, t in spans] == ["name", "phone", "email"]
    assert find_pii(text) == spans  # deterministic
    assert find_pii("") == [] and redact("") == ""


def test_privacy_entry_points_are_the_redaction_ones():
    assert privacy_redact is redact
    s = pd.Series(["mail a.b@c.example", None, float("nan")])
    out = redact_series(s)
    assert out[0] == "mail [email]" and pd.isna(out[1]) and pd.isna(out[2])


def test_import_does_not_load_the_name_lists():
    code = "import sys, xmo_analysis.privacy.redaction; print('faker' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"  # Faker's ~60 locale modules load on the first comment only


def test_evaluation_definitions():
    rec = {"id": "x", "lang": "en", "domain": "it", "text": "Call Ann Lee on 123 now",
           "entities": [{"type": "name", "start": 5, "end": 12, "text": "Ann Lee"}]}
    r = evaluate([rec], finder=lambda t: [(5, 8, "name"), (16, 19, "phone")])
    assert r["recall"] == 0.0  # "Lee" is not covered: the entity is not caught
    assert r["nonpii_words"] == 4 and r["nonpii_words_destroyed"] == 0.25  # "123" destroyed
    r = evaluate([rec], finder=lambda t: [(5, 12, "id")])  # caught whatever the type
    assert r["recall"] == 1.0 and r["char_precision"] == 1.0 and r["pii_free"] == 0
    assert "ALL" in format_table(r)


def _check(result: dict, floors: dict) -> None:
    print(format_table(result))
    assert result["recall"] >= floors["recall"]
    for kind, floor in floors.get("by_type", {}).items():
        assert result["recall_by_type"][kind]["recall"] >= floor, kind
    assert result["pii_free_changed"] <= floors["changed"]
    assert result["nonpii_words_destroyed"] <= floors["destroyed"]
    assert result["char_precision"] >= floors["precision"]


def test_quality_on_the_development_set():
    # Measured (536 comments, 370 entities): recall 0.997 (names 1.000, every other type >= 0.97),
    # character precision 0.988, PII-free comments changed 0.005, non-PII words destroyed 0.0030.
    _check(evaluate(load([DEV])), {"recall": 0.98, "by_type": {"name": 0.98, "id": 0.95, "username": 0.95},
                                   "changed": 0.02, "destroyed": 0.004, "precision": 0.97})


@pytest.mark.skipif(not HELDOUT, reason="held-out set tests/fixtures/pii_eval/*.jsonl not present")
def test_quality_on_the_heldout_set():
    # Measured on 670 comments, 705 entities (aggregate figures only; the set was never read):
    # recall 0.955 overall; address 0.918, card 1.000, dob 0.929, email 1.000, id 0.926, ip 1.000,
    # name 0.944, phone 0.987, url 1.000, username 0.976; by language de 0.959, en 0.955, es 0.942,
    # fr 0.986, nl 0.929; character precision 0.978; PII-free comments changed 0.027; non-PII words
    # destroyed 0.0038. (Before the Dutch, login and word-name rules: recall 0.940, name 0.931,
    # username 0.881, nl 0.886; before the keyword windows of redaction_keyed: recall 0.898.)
    _check(evaluate(load(HELDOUT)), {
        "recall": 0.95, "changed": 0.03, "destroyed": 0.005, "precision": 0.97,
        "by_type": {"name": 0.94, "address": 0.91, "dob": 0.92, "id": 0.92, "username": 0.97, "phone": 0.98,
                    "email": 0.98, "ip": 0.98, "url": 0.98, "card": 0.98}})


def test_quality_on_the_second_development_set():
    # Measured (320 comments, 352 entities, written to stress ids, dates of birth, logins, partial
    # addresses and names in five languages): recall 0.980 (was 0.759), PII-free comments changed
    # 0.032 (was 0.053; left: ambiguous words such as "Santiago"), words destroyed 0.0040.
    _check(evaluate(load([DEV2])), {"recall": 0.96, "by_type": {"name": 0.93, "id": 0.96, "dob": 0.95, "username": 0.95,
                                                                 "address": 0.95},
                                    "changed": 0.07, "destroyed": 0.006, "precision": 0.96})


def test_quality_on_the_third_development_set():
    # Measured (180 comments, 188 entities, half Dutch, many word-names and logins in sentences):
    # recall 0.968 (was 0.809; names 0.925, was 0.701), nl 0.969 (was 0.763), PII-free comments
    # changed 0.000 (was 0.111), words destroyed 0.0025.
    _check(evaluate(load([DEV3])), {"recall": 0.95, "by_type": {"name": 0.90, "username": 0.95, "dob": 0.95,
                                                                 "address": 0.95, "phone": 0.95},
                                    "changed": 0.03, "destroyed": 0.004, "precision": 0.97})


def test_many_distinct_comments_are_redacted_in_workers_as_serially(monkeypatch):
    """Past PARALLEL_FROM distinct comments redaction runs in worker processes: the same output, in order."""
    from xmo_analysis.privacy import redaction
    texts = pd.Series([f"Call me on +44 20 7946 {i:04d}, or mail jo{i}@northwind.example" for i in range(60)]
                      + [None, "Thanks!", "Thanks!"], index=range(100, 163))
    serial = redaction.redact_series(texts)
    monkeypatch.setattr(redaction, "PARALLEL_FROM", 10)
    parallel = redaction.redact_series(texts)
    pd.testing.assert_series_equal(parallel, serial)
    assert "+44" not in " ".join(parallel.dropna()) and parallel.iloc[-1] == "Thanks!" and parallel.isna().sum() == 1


def test_worker_redaction_does_not_rerun_the_callers_script(tmp_path):
    """An analyst's script without a __main__ guard runs once: the workers never import it (the
    multiprocessing spawn workers did, and each one ran the script again)."""
    script = tmp_path / "analysis.py"
    script.write_text(
        "import pandas as pd\n"
        "from xmo_analysis.privacy import redaction\n"
        "redaction.PARALLEL_FROM = 5\n"
        "print('script ran', flush=True)\n"
        "texts = pd.Series([f'mail jo{i}@northwind.example' for i in range(20)])\n"
        "print('redacted', int(redaction.redact_series(texts).str.contains('@').sum()), flush=True)\n",
        encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("script ran") == 1 and "redacted 0" in out.stdout
