"""Dutch comments, logins in five languages and word-names: cases written for this file only.

None comes from an evaluation set; names, numbers and addresses are invented.
"""
from __future__ import annotations

import pytest

from xmo_analysis.privacy.redaction import find_pii


def found(text: str) -> list[tuple[str, str]]:
    return [(text[s:e], t) for s, e, t in find_pii(text)]


def covered(text: str, secret: str) -> bool:
    """Every character of ``secret`` lies inside a detected span."""
    i = text.index(secret)
    cov = bytearray(len(text))
    for s, e, _ in find_pii(text):
        cov[s:e] = b"\x01" * (e - s)
    return all(cov[i:i + len(secret)])


FOUND = [
    # names with tussenvoegsels, even when the given name is an ordinary word
    ("kan Gijs van der Wal morgen even bellen over de laptop", "Gijs van der Wal"),
    ("volgens Roel van 't Veld is het probleem opgelost", "Roel van 't Veld"),
    ("de brief is ondertekend door wethouder Van der Linden", "Van der Linden"),
    ("op het formulier staat het als Van den Berg, maar dat klopt niet", "Van den Berg"),
    ("t.a.v. B.C. Verhoeven graag", "B.C. Verhoeven"),
    ("Eerst hielp Femke, daarna Sven, allebei heel aardig", "Sven"),
    ("Gisteren heb ik met Lotte gesproken en zij regelt het", "Lotte"),
    ("mijn consulent bram heeft het dossier", "bram"),
    ("Rosa van de balie was erg behulpzaam", "Rosa"),
    ("I handed the form to grace at reception", "grace"),
    ("Spoke with Will and then Jordan about the refund", "Jordan"),
    ("Will from the payroll team fixed it", "Will"),
    # Dutch addresses
    ("stuur het naar Prof. van Leeuwenlaan 21-II, 3581 AB Utrecht", "Prof. van Leeuwenlaan 21-II, 3581 AB Utrecht"),
    ("mijn adres is Molenweg 5-III, 7411 KL Deventer", "Molenweg 5-III, 7411 KL Deventer"),
    ("envíenlo a Calle Ancha 9, 2º dcha, 41001 Sevilla", "Calle Ancha 9, 2º dcha, 41001 Sevilla"),
    # Dutch phones
    ("bel me op 06 - 55 12 98 40 na vijven", "06 - 55 12 98 40"),
    ("de servicelijn 0900-1234 is altijd bezet", "0900-1234"),
    ("Ik heb gebeld naar 14 030, niemand nam op", "14 030"),
    # ids, short keywords
    ("mijn pnr is 551290 en dat staat er niet bij", "551290"),
    ("Klantnr. 4410-2291-07 graag vermelden", "4410-2291-07"),
    ("Kundennummer 33018 stimmt nicht, im Brief steht aber 33081", "33081"),
    # birth dates in words, and corrected ones
    ("geboren op twaalf maart negentienzeventig, niet 21-03-1970", "twaalf maart negentienzeventig"),
    ("geboren op twaalf maart negentienzeventig, niet 21-03-1970", "21-03-1970"),
    ("Geburtsdatum bitte ändern: 7. Juni 1983, nicht 06.07.1983", "7. Juni 1983"),
    ("Nací el 8 de abril de 1990, no el 8 de agosto", "8 de agosto"),
    # logins
    ("inloggen lukt niet, gebruikersnaam 5521309b", "5521309b"),
    ("the new starter's username will be eabara, please set it up", "eabara"),
    ("mijn gebruikersnaam is nu ivanoosten", "ivanoosten"),
    ("el usuario ejimenez no puede entrar", "ejimenez"),
    ("mijn account avermeulen is geblokkeerd", "avermeulen"),
    ("al weken ingelogd als h.smit op de oude pc", "h.smit"),
    ("je n'arrive pas à me connecter avec claire.b depuis lundi", "claire.b"),
    ("no consigo entrar como plozano desde ayer", "plozano"),
    ("Anmeldung als WERK\\hbecker scheitert", "WERK\\hbecker"),
]


@pytest.mark.parametrize("text, secret", FOUND)
def test_found(text, secret):
    assert covered(text, secret), found(text)


KEPT = [
    "Wil je het formulier nog eens sturen? Ik wil het graag snel",
    "Het zwembad De Linde is in de zomer dicht",
    "Op Maple Avenue is het altijd druk, geen huisnummer nodig",
    "De lezing in de zaal Anne Frank was goed",
    "La réunion se tient dans la salle Jean Moulin au deuxième étage",
    "In Den Helder gaat de aanvraag veel sneller",
    "The survey in March was fine but April's was too long",
    "I paid in Jan and it still shows arrears",
    "the Grace period is too short",
    "my username is wrong again",
    "username should be changed on the portal",
    "Wachttijd was 20 minuten, dat is 14 minuten te lang",
    "Het Wilhelmus werd gespeeld bij de opening",
    "Dit is een regeling voor Jan Modaal, niet voor de top",
    "Bij de Albert Heijn om de hoek is het altijd druk",
    "my account has been locked again",
    "Er staan 14 050 regels in het bestand",
]


@pytest.mark.parametrize("text", KEPT)
def test_kept(text):
    assert [x for x in found(text) if x[1] in ("name", "username", "phone", "address")] == []


def test_particles_and_titles():
    text = "mevr. Van Houten en dhr. De Wit kwamen samen"
    names = [s for s, t in found(text) if t == "name"]
    assert names == ["Van Houten", "De Wit"]
