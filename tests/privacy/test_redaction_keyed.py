"""Redaction of the families found by keyword windows, national check digits and address notes.

Every case here was written for this file; none comes from an evaluation set.
"""
from __future__ import annotations

import pytest

from xmo_analysis.privacy.redaction import find_pii, redact


def types_in(text: str) -> set[str]:
    return {t for _, _, t in find_pii(text)}


# (comment, type expected, the text that must disappear)
FOUND = [
    # ids: the value a few words after its keyword, spaced groups, national formats
    ("they keep asking for my payroll number, which is 550193, every single time", "id", "550193"),
    ("Mijn klantnummer (88120034) staat niet op de factuur", "id", "88120034"),
    ("Mi número de empleado, por si acaso: 40917", "id", "40917"),
    ("Kundennummer 5512 8830, bitte prüfen", "id", "5512 8830"),
    ("staff number is 30127 or possibly 30172, not sure", "id", "30172"),
    ("Personalausweis abgelaufen, die neue Nummer lautet L01X00T47", "id", "L01X00T47"),
    ("Steuer-ID stimmt nicht: 65929970489 ist richtig", "id", "65929970489"),
    ("die Nummer 65929970489 steht im Bescheid", "id", "65929970489"),  # a valid Steuer-ID alone
    ("SV-Nummer 53 270389 K 017 fehlt im Portal", "id", "270389"),
    ("licence JONES802154AB9CD was scanned twice", "id", "JONES802154AB9CD"),
    ("tenancy ref H/0091/KL is on the letter", "id", "H/0091/KL"),
    # birth dates: away from the keyword, in every format, and a corrected second date
    ("her date of birth is wrong, it says 3 June 1990 but it is 6 March 1990", "dob", "6 March 1990"),
    ("Geboren wurde ich am 21.7.1983 in Graz", "dob", "21.7.1983"),
    ("ma fille est née le 4 mai 2015 et la CAF a encore tout perdu", "dob", "4 mai 2015"),
    ("DOB on the form (9th Nov '72) was rejected", "dob", "'72"),
    ("Geboortedatum (geb. 02-08-1966) klopt niet", "dob", "02-08-1966"),
    # logins: after "log in ... as", in quotes, first.last and underscores, hyphenated handles
    ("I can log in on the website as tom_h_1983 but not the app", "username", "tom_h_1983"),
    ("Mein Benutzerkonto im Portal heißt kerstin.vogel und ist gesperrt", "username", "kerstin.vogel"),
    ("Mon identifiant sur le site : jdupont75", "username", "jdupont75"),
    ("please tag @maria-lopez in the thread", "username", "@maria-lopez"),
    ("the mailbox still shows peter.hansen as owner", "username", "peter.hansen"),
    # addresses: floor and flat notes, lower case, PO boxes in groups, prefixed streets
    ("Ship it to Flat 2, 17 Ashgrove Road, Bristol BS7 9LH please", "address", "Flat 2"),
    ("Lieferadresse: Bahnhofstraße 9, 2. OG, 04109 Leipzig", "address", "Leipzig"),
    ("envíenlo a Calle Serrano 41, 5º dcha, 28001 Madrid", "address", "dcha"),
    ("Adresse : 14 rue Victor Hugo, escalier A, 33000 Bordeaux", "address", "escalier A"),
    ("deliver to 9 oak avenue york yo10 5dd thanks", "address", "yo10 5dd"),
    ("Postfach 12 34 56, 50667 Köln", "address", "34 56"),
    ("Zustellung an Am Steinbruch 4, 79098 Freiburg", "address", "Steinbruch"),
    # phones: a short local number beside a phone word
    ("reach me on 555-0188 after six", "phone", "555-0188"),
]

NAMES = [
    ("Thanks to mevr. van den Heuvel for sorting it", "van den Heuvel"),
    ("the lady at the counter, anouk I think, was brilliant", "anouk"),
    ("gracias a ana belén de recepción", "ana belén"),
    ("The agent (S. Mahmood) hung up on me", "S. Mahmood"),
    ("The engineer (D. Marsh) left without testing", "D. Marsh"),
    ("a colleague called Hope said it would be fixed", "Hope"),
    ("Jordan from the payroll team was great", "Jordan"),
    ("el agente, creo que se llamaba Aarón, fue muy amable", "Aarón"),
    ("my case officer was Nowak, Katarzyna, who never replied", "Nowak, Katarzyna"),
    ("buurtcoach femke kwam meteen langs", "femke"),
    ("bedankt aan sanne v. voor de hulp", "sanne v."),
    ("mijn maiden name (Oakley) staat er nog", "Oakley"),
]

KEPT = [
    "My account has been locked 3 times this week and the login page takes 20 seconds.",
    "Customer service took 45 minutes to answer, then the call dropped at 12:30.",
    "Mein Konto wurde 2 mal gesperrt, die Hotline war 30 Minuten besetzt.",
    "Mi cuenta de usuario no funciona desde el 12 de marzo, incidencia 5521.",
    "It was my birthday last week and nobody from the team said anything, 3 years in a row.",
    "The birthday party budget for the team is €200 for 2024.",
    "Log in with your usual credentials, then open report.pdf and config.yaml on the share.",
    "The login screen shows error_code_403 and then user_session_expired.",
    "Account manager changes every 6 months, I have had 4 since 2020.",
    "Im Januar 2024 wurde alles umgestellt, am Montag 3 Tickets erstellt.",
    "The passport office lost my form, application ref 7731-2290-0041.",
    "Staff parking costs 5 pounds and the badge reader on floor 2 is broken.",
    "Signé : le comité des fêtes",
    "Tax year 2023/24 payslips came late; pension contributions rose to 5%.",
]


@pytest.mark.parametrize("text,kind,secret", FOUND)
def test_family_found(text, kind, secret):
    assert kind in types_in(text) and secret not in redact(text), (find_pii(text), redact(text))


@pytest.mark.parametrize("text,secret", NAMES)
def test_names_in_new_contexts(text, secret):
    spans = [(s, e) for s, e, t in find_pii(text) if t == "name"]
    start = text.index(secret)
    assert secret.strip()
    covered = set(i for s, e in spans for i in range(s, e))
    assert all(i in covered for i in range(start, start + len(secret)) if not text[i].isspace()), redact(text)


@pytest.mark.parametrize("text", KEPT)
def test_look_alikes_kept(text):
    assert find_pii(text) == [], redact(text)


def test_check_digits_decide_bare_numbers():
    assert types_in("die Nummer 65929970489 steht im Bescheid") == {"id"}  # valid Steuer-ID
    assert find_pii("die Nummer 65929970488 steht im Bescheid") == []  # one digit off
    assert "id" in types_in("mijn BSN is 111222333")  # passes the 11-test
    assert find_pii("ordernummer 111222334 is verzonden") == []


def test_initials_by_language():
    # "M." is Monsieur in French, an initial elsewhere; the title is never redacted
    assert redact("Merci à M. Girard pour son aide") == "Merci à M. [name] pour son aide"
    assert redact("Vielen Dank an M. Lehnert für die Hilfe") == "Vielen Dank an [name] für die Hilfe"
