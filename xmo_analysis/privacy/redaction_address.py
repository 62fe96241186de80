"""Postal addresses: street + number in the five languages, postcodes of UK, US, DE, FR, ES, NL.

A street match is extended to the right over the city and postcode segments that follow it
("14 Elm Grove, Didsbury, Manchester M20 6RT"). A postcode alone is an address when its shape is
unmistakable (a full UK postcode) or a keyword introduces it ("zip code 90210", "PLZ 10115").
"""
from __future__ import annotations

import re
from typing import Iterator

from xmo_analysis.privacy.redaction_lexicon import fold, plain_words

_CAP = r"[A-ZÄÖÜÉÈÁÍÓÚÑÇ][\w'’.-]*"
_EN_TYPES = (r"Street|St|Road|Rd|Avenue|Ave|Av|Lane|Ln|Grove|Close|Drive|Dr|Way|Place|Pl|Crescent|Cres|Court|Ct|"
             r"Terrace|Gardens|Gdns|Square|Sq|Boulevard|Blvd|Park|Hill|Row|Mews|Walk|Rise|View|Parade|Highway|Hwy|"
             r"Green|Vale|Croft|Gate|Wharf|Quay|Circle|Parkway|Pkwy|Broadway|Embankment|Heights|Meadow|Meadows|Yard")
EN_STREET = re.compile(r"(?:\b(?:Flat|Apt|Apartment|Unit|Suite)\s+\w+,?\s+)?\b\d{1,5}[A-Za-z]?(?:[-/]\d{1,4})?,?\s+"
                       r"(?:" + _CAP + r"\s+){0,3}(?:" + _EN_TYPES + r")\b\.?(?:\s+(?:NW|NE|SW|SE|N|S|E|W)\b)?")
DE_STREET = re.compile(r"\b(?:(?:Am|An\s+der|Auf\s+dem|Im|In\s+der|Zum|Zur)\s+)?[A-ZÄÖÜ][\wäöüß.-]*"
                       r"(?:straße|strasse|str\.|weg|gasse|allee|platz|ring|damm|ufer|chaussee|steig|pfad|markt|"
                       r"graben|wall)(?:\s+|\.\s*)\d{1,4}\s?[a-zA-Z]?\b|\b(?:[A-ZÄÖÜ][\wäöüß-]*\s+){1,2}"
                       r"(?:Straße|Strasse|Str\.|Weg|Gasse|Allee|Platz|Ring|Damm|Ufer|Chaussee)\s+\d{1,4}\s?[a-z]?\b")
NL_STREET = re.compile(r"\b(?:[A-Z][\w'-]*\s)?[A-Z][\w'-]*(?:straat|laan|weg|gracht|plein|kade|singel|dijk|steeg|hof|pad|"
                       r"dreef|markt|baan|wal|burgwal|veld|dam|plantsoen|erf)\s+\d{1,4}(?:\s?[a-zA-Z]\b|-\d+|\s?(?:hs|bis)\b)?")
FR_STREET = re.compile(r"\b\d{1,4}(?:\s?(?:bis|ter|[A-Ba-b]))?,?\s+(?:rue|avenue|av\.|bd|boulevard|place|pl\.|chemin|"
                       r"allée|impasse|quai|route|cours|square|passage|voie|faubourg|rond-point|résidence|cité|"
                       r"lotissement|hameau)\s+(?:(?:de\s+la|de\s+l['’]|des|du|de|d['’]|la|le|les)\s*)?[\w'’-]+"
                       r"(?:\s+" + _CAP + r"){0,3}", re.I)
ES_STREET = re.compile(r"\b(?:C/|Calle|Avenida|Avda\.?|Av\.|Plaza|Pza\.?|Paseo|Pº|Camino|Carretera|Ctra\.|Ronda|"
                       r"Travesía|Vía|Rambla|Glorieta|Callejón|Urbanización)\s*(?:(?:de\s+la|de\s+los|de\s+las|del|de|"
                       r"la|el|los|las)\s+)?[A-ZÁÉÍÓÚÑ0-9][\wáéíóúñü'-]*(?:\s+(?:(?:de|del|la|y)\s+)?"
                       r"[A-ZÁÉÍÓÚÑ][\wáéíóúñü'-]*){0,3},?\s*(?:n[º°o]\.?\s*)?\d{1,4}(?:\s?[A-Za-z]\b)?"
                       r"(?:,?\s*\d{1,2}º\s*[A-Za-z]?)?")
UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}"
_US_STATES = ("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
              "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY").split()
_POSTCODE = (r"(?:" + UK_POSTCODE + r"|[1-9]\d{3}\s?[A-Z]{2}(?![A-Za-z])|(?:" + "|".join(_US_STATES)
             + r")\s+\d{5}(?:-\d{4})?|\d{5}(?:-\d{4})?)")
_SEGMENT = re.compile(r"\s*,?\s*(?:(?:Flat|Apt\.?|Apartment|Unit|Suite|Floor|Piso|Étage|Wohnung|Whg\.)\s+\w+|(" + _POSTCODE + r")(?:\s+(" + _CAP + r"(?:[\s-]" + _CAP + r"){0,2}))?|(" + _CAP
                      + r"(?:[\s-]" + _CAP + r"){0,2})(?:,?\s+(" + _POSTCODE + r"))?)")
# "48 Kingsway, Cardiff CF10 3AN": a numbered name, a comma and a postcode soon after, even when the
# street type is not one of the words above
NUMBERED_TO_POSTCODE = re.compile(r"\b\d{1,5}[A-Za-z]?\s+(?:" + _CAP + r"\s?){1,3},\s*(?:" + _CAP + r"\s?){1,3},?\s*(?:"
                                  + UK_POSTCODE + r"|(?:" + "|".join(_US_STATES) + r")\s+\d{5}(?:-\d{4})?)\b")
PO_BOX = re.compile(r"\b(?:P\.?\s?O\.?\s+Box|Post\s+Office\s+Box|Postfach|Bo[iî]te\s+postale|BP|Apartado(?:\s+de\s+correos)?|"
                    r"Postbus)\s+\d{1,6}\b", re.I)
# Lower-case street types only for words that are nothing else ("14 elm grove", "kerkstraat 12")
EN_STREET_LOWER = re.compile(r"\b\d{1,5}[a-z]?\s+(?:[a-z][\w'-]*\s+){1,3}(?:street|road|avenue|lane|crescent|terrace|grove|"
                             r"gardens|boulevard)\b")
SUFFIX_STREET_LOWER = re.compile(r"\b[a-zäöüß][\wäöüß-]*(?:straße|strasse|str\.|gasse|allee|straat|laan|gracht)\s*\d{1,4}\s?[a-z]?\b")
# A named street without a number after "live on", "moved to": "I live on Elm Grove"
STREET_NO_NUMBER = re.compile(r"(?:\b(?:live|living|lives|lived|moved|based|reside|resident|address\s+is)\s+(?:on|at|in|to)\s+)"
                              r"((?:the\s+)?(?:[A-Z][\w'’-]+\s+){1,3}(?:" + _EN_TYPES + r")\b)")
UK_ALONE = re.compile(r"\b" + UK_POSTCODE + r"\b")
POSTCODE_KW = re.compile(r"\b(?:post\s?code|postal\s+code|zip(?:\s?code)?|plz|postleitzahl|code\s+postal|cp|"
                         r"c[óo]digo\s+postal)\b\s*(?:is|ist|est|es|:)?\s*(" + _POSTCODE + r"(?:\s+" + _CAP + r")?)", re.I)


def _city_ok(words: str) -> bool:
    """A segment after a street is a city unless it is an ordinary word ("..., Thanks")."""
    first = words.split()[0]
    return fold(first) not in plain_words() or first in ("New", "Saint", "St", "San", "Santa", "Le", "La", "Den")


def _extend(text: str, end: int) -> int:
    """Swallow up to three ", City" / "Postcode City" segments after a street."""
    for _ in range(3):
        m = _SEGMENT.match(text, end)
        if not m or m.end() == end:
            break
        city = m.group(2) or m.group(3)
        if m.group(3) and not _city_ok(m.group(3)):
            break
        if city and not m.group(1) and not m.group(4) and "," not in text[end:m.start(3)]:
            break  # a capitalised word after the street without a comma: the sentence goes on
        end = m.end()
        if text[end - 1] == ".":
            end -= 1
    return end


def addresses(text: str) -> Iterator[tuple[int, int, str]]:
    """Postal addresses as ``(start, end, "address")``."""
    for m in STREET_NO_NUMBER.finditer(text):
        yield m.start(1), _extend(text, m.end(1)), "address"
    if not any(c.isdigit() for c in text):
        return  # every other shape has a house number or a postcode
    for pat in (EN_STREET, DE_STREET, NL_STREET, FR_STREET, ES_STREET, EN_STREET_LOWER, SUFFIX_STREET_LOWER, PO_BOX):
        for m in pat.finditer(text):
            end = m.end() - (m.group(0).endswith(".") and not m.group(0).endswith(("Str.", "St.")))
            yield m.start(), _extend(text, end), "address"
    for m in NUMBERED_TO_POSTCODE.finditer(text):
        yield m.start(), m.end(), "address"
    for m in UK_ALONE.finditer(text):
        yield m.start(), m.end(), "address"
    for m in POSTCODE_KW.finditer(text):
        yield m.start(1), m.end(1), "address"
