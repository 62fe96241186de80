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
NL_STREET = re.compile(r"(?:\b(?:Burg|Burgem|Dr|Prof|Mr|Ir|Pr|Kon|Gen|Jhr|Mgr|Past|Pres|St)\.\s?"
                       r"(?:(?:van|de|der|den|ter|ten|van\s+de|van\s+der|van\s+den)\s)?|\b(?:[A-Z][\w'-]*\s)?)[A-Z][\w'-]*(?:straat|laan|weg|gracht|plein|kade|singel|dijk|steeg|hof|pad|"
                       r"dreef|markt|baan|wal|burgwal|veld|dam|plantsoen|erf)\s+\d{1,4}(?:\s?[a-zA-Z]\b|-\d+|\s?(?:hs|bis)\b)?"
                       r"(?:[-\s](?:I{1,3}|IV|hs|huis|boven|[A-Z])\b)?")
FR_STREET = re.compile(r"\b\d{1,4}(?:\s?(?:bis|ter|[A-Ba-b]))?,?\s+(?:rue|avenue|av\.|bd|boulevard|place|pl\.|chemin|"
                       r"allée|impasse|quai|route|cours|square|passage|voie|faubourg|rond-point|résidence|cité|"
                       r"lotissement|hameau)\s+(?:(?:de\s+la|de\s+l['’]|des|du|de|d['’]|la|le|les)\s*)?[\w'’-]+"
                       r"(?:\s+" + _CAP + r"){0,3}", re.I)
ES_STREET = re.compile(r"\b(?:C/|Calle|Avenida|Avda\.?|Av\.|Plaza|Pza\.?|Paseo|Pº|Camino|Carretera|Ctra\.|Ronda|"
                       r"Travesía|Vía|Rambla|Glorieta|Callejón|Urbanización)\s*(?:(?:de\s+la|de\s+los|de\s+las|del|de|"
                       r"la|el|los|las)\s+)?[A-ZÁÉÍÓÚÑ0-9][\wáéíóúñü'-]*(?:\s+(?:(?:de|del|la|y)\s+)?"
                       r"[A-ZÁÉÍÓÚÑ][\wáéíóúñü'-]*){0,3},?\s*(?:n[º°o]\.?\s*)?\d{1,4}(?:\s?[A-Za-z]\b)?(?!\s*[º°ª])")
UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}"
_US_STATES = ("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
              "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY").split()
_POSTCODE = (r"(?:" + UK_POSTCODE + r"|[1-9]\d{3}\s?[A-Z]{2}(?![A-Za-z])|(?:" + "|".join(_US_STATES)
             + r")\s+\d{5}(?:-\d{4})?|\d{5}(?:-\d{4})?)")
# A city: capitalised words of letters ("Lyon", "Saint-Étienne"), not "N5" nor "Lyon. Matricule"
_CITY = r"[A-ZÄÖÜÉÈÁÍÓÚÑÇ][a-zäöüßàâçéèêëîïôûùüÿñáíóú'’-]+"
# Floor, flat, staircase and building notes inside an address ("2. OG links", "3º izq", "bajo B",
# "escalier B", "Hinterhaus", "(Top floor flat)")
_UNIT = (r"(?i:(?:Flat|Apt\.?|Apartment|Unit|Suite|Floor|Piso|Puerta|Pta\.?|Escalera|Esc\.?|Étage|Escalier|Bât\.?|"
         r"Bâtiment|Appartement|Appt\.?|Porte|Wohnung|Whg\.|Haus|Aufgang|Etage|Verdieping)\s+[\w]{1,4}\b|"
         r"\d{1,2}\.?\s*(?:OG|UG|Stock|Etage|Obergeschoss|Stockwerk)(?:\s+(?:links|rechts|li\.?|re\.?|Mitte))?|"
         r"(?:EG|DG|Erdgeschoss|Dachgeschoss|Hinterhaus|Vorderhaus|Seitenflügel|Gartenhaus|Souterrain)"
         r"(?:\s+(?:links|rechts|li\.?|re\.?|Mitte))?|"
         r"\d{1,2}\s*[º°ª]\s*(?:(?:izq(?:uierda|da)?|izda|dra|dcha|der(?:echa)?|centro|ctro|[A-Z])\b\.?)?|"
         r"(?:bajo|entresuelo|ático|principal|planta\s+baja)(?:\s+[A-Z]\b)?|"
         r"\d{1,2}(?:e|er|ère|ème)\s+étage|rez-de-chaussée|"
         r"\((?=[^()]{0,30}\b(?:flat|floor|apt|apartment|rear|top|basement|ground|back|front|étage|piso|stock|og)\b)[^()\n]{1,30}\)|"
         r"(?:top|ground|first|second|third|basement|upper|lower|rear)\s+(?:floor\s+)?(?:flat|floor|maisonette))")
_SEGMENT = re.compile(r"\s*,?\s*(?:" + _UNIT + r"|(" + _POSTCODE + r")(?:\s+(" + _CITY + r"(?:[\s-]" + _CITY
                      + r"){0,2}))?|(" + _CITY + r"(?:[\s-]" + _CITY + r"){0,2})(?:,?\s+(" + _POSTCODE + r"))?)", re.I * 0)
# After a lower-case street: a lower-case city and postcode ("27 mill lane leeds ls6 2qt", "12 10115 berlin")
_LOWER_SEGMENT = re.compile(r"\s*,?\s*(?:([a-zäöüéèáíóúñ]{3,20}),?\s+(" + UK_POSTCODE.replace("A-Z", "a-z") + r")(?![\w])|"
                            r"(" + UK_POSTCODE.replace("A-Z", "a-z") + r"|\d{5}|[1-9]\d{3}\s?[a-z]{2})(?:\s+([a-zäöüéèáíóúñ]{3,20}))?(?![\w]))")
# Before a street: "Bât. C, 3e étage, 8 allée des Tilleuls", "3/2, 118 Dumbarton Road", "Flat 4, "
_PREFIX = re.compile(r"(?:(?:\b(?:Flat|Apt\.?|Apartment|Unit|Suite|Bât\.?|Bâtiment|Escalier|Esc\.?|Appartement|Appt\.?|"
                     r"Wohnung|Whg\.)\s+\w{1,4}|\b\d{1,2}(?:e|er|ère|ème)\s+étage|(?<![\w/])\d{1,3}/\d{1,3})\s*,?\s*){1,3}$")
# "48 Kingsway, Cardiff CF10 3AN": a numbered name, a comma and a postcode soon after, even when the
# street type is not one of the words above
NUMBERED_TO_POSTCODE = re.compile(r"\b\d{1,5}[A-Za-z]?\s+(?:" + _CAP + r"\s?){1,3},\s*(?:" + _CAP + r"\s?){1,3},?\s*(?:"
                                  + UK_POSTCODE + r"|(?:" + "|".join(_US_STATES) + r")\s+\d{5}(?:-\d{4})?)\b")
PO_BOX = re.compile(r"\b(?:P\.?\s?O\.?\s+Box|Post\s+Office\s+Box|Postfach|Bo[iî]te\s+postale|BP|Apartado(?:\s+de\s+correos)?|"
                    r"Postbus)\s+\d{1,6}(?:\s\d{2,3}){0,3}\b", re.I)
# "Am Mühlbach 3a, ..., 80331 München": a street named by a preposition, taken only when a postcode follows
DE_PREP_STREET = re.compile(r"\b(?:Am|An\s+der|An\s+den|Auf\s+dem|Auf\s+der|Im|In\s+der|In\s+den|Zum|Zur|Hinter\s+der|"
                            r"Unter\s+den|Alte[rs]?|Neue[rs]?)\s+[A-ZÄÖÜ][a-zäöüß-]+(?:\s+[A-ZÄÖÜ][a-zäöüß-]+)?\s+\d{1,4}\s?[a-z]?\b")
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


def _extend(text: str, end: int, lower: bool = False) -> int:
    """Swallow up to four ", City" / "Postcode City" / floor segments after a street."""
    for _ in range(4):
        m = _SEGMENT.match(text, end)
        if lower:
            m = _LOWER_SEGMENT.match(text, end)
            if m and ((m.group(1) and fold(m.group(1)) in plain_words()) or (m.group(4) and fold(m.group(4)) in plain_words())):
                if m.group(3):
                    end = m.end(3)
                break
            if m and m.end() > end:
                end = m.end()
                continue
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


def _start(text: str, start: int) -> int:
    """Take in the flat or floor written before a street."""
    m = _PREFIX.search(text, max(0, start - 40), start)
    return m.start() if m and m.end() == start else start


def addresses(text: str) -> Iterator[tuple[int, int, str]]:
    """Postal addresses as ``(start, end, "address")``."""
    for m in STREET_NO_NUMBER.finditer(text):
        yield m.start(1), _extend(text, m.end(1)), "address"
    if not any(c.isdigit() for c in text):
        return  # every other shape has a house number or a postcode
    for pat in (EN_STREET, DE_STREET, NL_STREET, FR_STREET, ES_STREET, EN_STREET_LOWER, SUFFIX_STREET_LOWER, PO_BOX):
        lower = pat is EN_STREET_LOWER or pat is SUFFIX_STREET_LOWER
        for m in pat.finditer(text):
            end = m.end() - (m.group(0).endswith(".") and not m.group(0).endswith(("Str.", "St.")))
            yield _start(text, m.start()), _extend(text, end, lower), "address"
    for m in DE_PREP_STREET.finditer(text):
        end = _extend(text, m.end())
        if re.search(r"\b\d{5}\b", text[m.end():end]):
            yield m.start(), end, "address"
    for m in NUMBERED_TO_POSTCODE.finditer(text):
        yield m.start(), m.end(), "address"
    for m in UK_ALONE.finditer(text):
        yield m.start(), m.end(), "address"
    for m in POSTCODE_KW.finditer(text):
        yield m.start(1), m.end(1), "address"
