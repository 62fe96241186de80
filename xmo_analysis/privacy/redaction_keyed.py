"""Values near a keyword: ids, birth dates and logins that are not written right after their keyword.

People rarely write "employee number: 448213". They write "my emp no every time, its 448213",
"Geboren bin ich am 1.4.1976", "Mi usuario en la web: pepe_1984". So a keyword opens a short
*window* (the rest of its clause, a few dozen characters) and the first value of the right shape
in it is taken. Values listed with it ("77102 or maybe 77120", "12/07/1979 instead of 07/12/1979")
are taken too. Look-alikes inside the window are rejected by their shape: dates and times are no
ids, amounts and durations ("45 Minuten", "€ 180") no ids, a case or ticket number after its own
keyword is the case's.

National numbers that carry a check digit are validated with python-stdnum (German Steuer-ID,
Dutch BSN, UK NHS number; IBANs in :mod:`~xmo_analysis.privacy.redaction_patterns`), so that a bare number is an id only when its checksum holds, or
a keyword names it.
"""
from __future__ import annotations

import re
from typing import Iterator

from stdnum.de import idnr as _idnr
from stdnum.gb import nhs as _nhs
from stdnum.nl import bsn as _bsn

from xmo_analysis.privacy.redaction_lexicon import common_words, fold, plain_words

Span = tuple[int, int, str]

# The end of a clause: a full stop before a capital or the end, ! ? ; a line break.
_CLAUSE_END = re.compile(r"[!?;\n]|\.(?!(?:(?<=(?<![\d.])\d\.)|(?<=(?<![\d.])\d\d\.))\s+(?i:jan|feb|m[aä]r|apr|mai|jun|jul|"
                         r"aug|sep|o[kc]t|nov|de[zc]))(?=\s+[A-ZÄÖÜÉÁÍÓÚ]|\s*$)")  # "am 3. Oktober" goes on

# ---------------------------------------------------------------------------------------------
# ids
_QUAL = r"""(?:emp(?:loyee)?|staff|badge|payroll|personnel|works|clock|member(?:ship)?|customer|client|account|
student|patient|hospital|nhs|pension|insurance|national\s+insurance|ni|social\s+security|tax|vat|contract(?:or)?|
agency|tenancy|tenant|claimant|benefits?|passport|(?:driving|driver['’]?s)\s+licen[cs]e|licen[cs]e|
identity\s+card|id\s+card|national\s+id|personal|bank|student|library|worker|agent|unique\s+taxpayer)"""
_NOUN = r"(?:id|number|no\.?|nr\.?|num\.?|\#|ref(?:erence)?|code)"
_ID_CUE = re.compile(r"""(?<![\w-])(?:""" + _QUAL + r"""\s*[-\s]?""" + _NOUN + r"""|
passport|passeport|pasaporte|paspoort|reisepass|pass-?nr\.?|passnummer|(?:driving|driver['’]?s)\s+licen[cs]e|
ssn|nino|utr|bsn|burgerservicenummer|sofinummer|dni|nie|nif|nuss|naf|nir|insee|
steuer-?id|steuer-?identifikationsnummer|steuernummer|sozialversicherungsnummer|sv-?nummer|sv-?nr\.?|
rentenversicherungsnummer|versicherten-?nummer|krankenversichertennummer|kindergeldnummer|personalnummer|
personal-?nr\.?|mitarbeiter-?(?:nummer|nr\.?|id)|kunden-?(?:nummer|nr\.?)|konto-?(?:nummer|nr\.?)|
vertragsnummer|ausweis-?(?:nummer|nr\.?)|personalausweis(?:nummer)?|führerschein(?:nummer)?|matrikelnummer|
matricule|allocataire|permis(?:\s+de\s+conduire)?|carte\s+vitale|s[ée]curit[ée]\s+sociale|num[ée]ro\s+fiscal|
(?:num[ée]ro|n[°ºo]\.?)\s*(?:de\s+|d['’])?(?:client|employ[ée]|salari[ée]|adh[ée]rent|allocataire|matricule|
badge|passeport|permis|fiscal|identifiant|contrat|assur[ée]|s[ée]curit[ée]\s+sociale)|
n[úu]mero\s+de\s+(?:empleado|cliente|socio|afiliaci[óo]n|pasaporte|documento|identidad|trabajador|
la\s+seguridad\s+social|seguridad\s+social|n[óo]mina|cuenta)|seguridad\s+social|afiliaci[óo]n|carn[eé]\s+de\s+conducir|
permiso\s+de\s+conducir|personeelsnummer|medewerkersnummer|werknemersnummer|klantnummer|lidnummer|relatienummer|
polisnummer|rekeningnummer|rijbewijs(?:nummer)?|paspoortnummer|identiteitskaart|id-?kaart|
pnr\.?|persnr\.?|personeelsnr\.?|medewerkersnr\.?|werknemersnr\.?|klantnr\.?|lidnr\.?|relatienr\.?|polisnr\.?|klant-?id|medewerker-?id|
(?:council\s+tax\s+)?account(?=\s+(?:no\.?\s*|number\s*|is\s+)?\d{6}))(?![\w])""", re.I | re.X)
# A value: groups of capitals and digits joined by a space, a hyphen or a slash ("4471 2290",
# "12 150385 M 123", "T/004471/ED", "RXH 4418207"); the first group holds a digit or is short.
_ID_VAL = re.compile(r"(?<![\w.,:/€$£-])(?:[A-Z]{1,4}[ -/]?)?\d[\dA-Z]*(?:(?:[-/][\dA-Z]+)|(?: \d[\dA-Z]*)|"
                     r"(?: [A-Z]{1,3}(?= \d))|(?:[ -][A-Z](?![\w-])))*(?![\w-]|[.,]\d)|"
                     r"(?<![\w.-])[A-Z]{1,6}\d[\dA-Z]{3,}(?![\w-])")
_UNIT_AFTER = re.compile(r"\s?(?:%|€|\$|£|eur|euros?|dollars?|pounds?|gb|mb|kb|tb|ms|kg|km|mins?|minutes?|hours?|hrs?|"
                         r"days?|weeks?|months?|years?|times?|x\b|h\b|pm|am|uhr|minuten|stunden|tage[n]?|wochen|monate[n]?|"
                         r"jahre[n]?|mal|jours?|heures?|semaines?|mois|ans|fois|d[íi]as?|horas?|semanas?|meses|años|veces|"
                         r"dagen|uur|weken|maanden|jaar|keer|people|users|staff|employees|calls|emails|pages|items)\b", re.I)
_OTHER_KW = re.compile(r"\b(?:order|invoice|ticket|case|incident|inc|req|ritm|chg|tracking|serial|asset|build|version|"
                       r"isbn|kb|bestellung|bestellnummer|rechnung|auftrag|vorgang|aktenzeichen|commande|facture|dossier|"
                       r"pedido|factura|expediente|bestelling|factuur|zaak|kenmerk|claim|sr|request|po|room|floor|desk|"
                       r"ext|extension|durchwahl|poste|phone|tel|telefon|call|mobile|hotline|seat|gate|bus|line|"
                       r"application|referral)\b[\s.:#n°ºo-]*(?:number|no|nr|num|ref(?:erence)?|id|code)?[\s.:#-]*$", re.I)
_TIME_OR_DATE = re.compile(r"^(?:\d{1,2}[:.h]\d{2}|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|(?:19|20)\d{2}|\d{1,2}[./]\d{1,2})$")


# A value given again, corrected: "448102 ..., da steht 448120", "... but it shows 77120"
_ID_LINK = re.compile(r"\b(?:instead\s+of|not|or|but|shows?|says|statt|nicht|oder|aber|steht|zeigt|au\s+lieu\s+de|pas|ou|"
                      r"mais|affiche|indique|en\s+vez\s+de|no|o|pero|pone|dice|aparece|in\s+plaats\s+van|niet|of|maar|staat)"
                      r"\b[^.!?\n\d]{0,6}$", re.I)


def _clause_end(text: str, start: int, limit: int) -> int:
    m = _CLAUSE_END.search(text, start, min(len(text), start + limit))
    return m.start() if m else min(len(text), start + limit)


def _digits(s: str) -> int:
    return sum(c.isdigit() for c in s)


def _id_value_ok(text: str, m: re.Match, near: bool, kw_end: int) -> bool:
    v = m.group(0).rstrip(" -/")
    if _digits(v) < (3 if near else 4) or _TIME_OR_DATE.match(v):
        return False
    if _UNIT_AFTER.match(text, m.end()) or text[max(0, m.start() - 2):m.start()].strip() in ("€", "$", "£", "#€"):
        return False
    return not _OTHER_KW.search(text[max(kw_end, m.start() - 25):m.start()])


def _keyed_ids(text: str) -> Iterator[Span]:
    for k in _ID_CUE.finditer(text):
        end = _clause_end(text, k.end(), 70)
        last = None
        for m in _ID_VAL.finditer(text, k.end(), end):
            if last is not None:  # a further value only when listed with the first one
                gap = text[last:m.start()]
                if re.search(r"\d", gap) or len(gap) > (60 if _ID_LINK.search(gap) else 35):
                    break
            if not _id_value_ok(text, m, m.start() - k.end() <= 15, k.end()):
                if last is None and m.start() - k.end() <= 15 and _digits(m.group(0)) >= 3:
                    break  # the keyword's own value is no id ("account 3 times"): stop here
                continue
            v_end = m.start() + len(m.group(0).rstrip(" -/"))
            yield m.start(), v_end, "id"
            last = v_end


# Shapes that are ids on their own
_SV_NUMMER = re.compile(r"(?<![\w-])\d{2} ?(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2} ?[A-Z] ?\d{3}(?![\w-])")
_UK_LICENCE = re.compile(r"(?<![\w-])[A-Z9]{5}\d[0156]\d(?:[0][1-9]|[12]\d|3[01])\d[A-Z9]{2}\d[A-Z]{2}(?![\w-])")
_BARE_11 = re.compile(r"(?<![\w.,/+-])[1-9](?: ?\d){10}(?![\w-]|[.,]\d)")
_BARE_10 = re.compile(r"(?<![\w.,/+-])\d{3}[ -]\d{3}[ -]\d{4}(?![\w-]|[.,]\d)")
_BSN_CUE = re.compile(r"\b(?:bsn|burgerservicenummer|sofi-?nummer)\b", re.I)
_NHS_CUE = re.compile(r"\bnhs\b", re.I)
_PHONE_BEFORE = re.compile(r"\b(?:call|phone|tel|mobile|ring|text|telefon|handy|téléphone|portable|"
                           r"teléfono|móvil|telefoon|mobiel|bel|fax|hotline|whatsapp)\b[^.\n]{0,20}$", re.I)


def bare_ids(text: str) -> Iterator[Span]:
    """National numbers recognisable without a keyword: their shape or their check digit."""
    for m in _SV_NUMMER.finditer(text):  # Sozialversicherungsnummer: area, birth date, initial, serial
        yield m.start(), m.end(), "id"
    for m in _UK_LICENCE.finditer(text):  # UK driving licence: surname, birth date, initials
        yield m.start(), m.end(), "id"
    for m in _BARE_11.finditer(text):  # German Steuer-ID, checked
        if _idnr.is_valid(m.group(0).replace(" ", "")) and not _PHONE_BEFORE.search(text[max(0, m.start() - 30):m.start()]):
            yield m.start(), m.end(), "id"
    if _NHS_CUE.search(text):
        for m in _BARE_10.finditer(text):
            if _nhs.is_valid(re.sub(r"\D", "", m.group(0))):
                yield m.start(), m.end(), "id"
    if _BSN_CUE.search(text):
        for m in re.finditer(r"(?<![\w.-])\d{4}[ .]?\d{2}[ .]?\d{3}(?![\w-])|(?<![\w.-])\d{9}(?![\w-])", text):
            if _bsn.is_valid(re.sub(r"\D", "", m.group(0))):
                yield m.start(), m.end(), "id"


def ids(text: str) -> Iterator[Span]:
    """Ids in a keyword's window and national numbers that stand on their own."""
    yield from _keyed_ids(text)
    yield from bare_ids(text)


# ---------------------------------------------------------------------------------------------
# birth dates
_MONTH = (r"(?:jan(?:uary|uar|vier|uari)?|feb(?:ruary|ruar|ruari)?|févr(?:ier)?|fév|mar(?:ch|s)?|märz|maart|apr(?:il)?|"
          r"avr(?:il)?|may|mai|mei|jun[ei]?|juin|jul[iy]?|juil(?:let)?|aug(?:ust|ustus)?|août|sep(?:t|tember|tembre)?|"
          r"oct(?:ober|obre)?|okt(?:ober)?|nov(?:ember|embre)?|dec(?:ember)?|dez(?:ember)?|déc(?:embre)?|enero|febrero|"
          r"marzo|abril|mayo|junio|julio|agosto|se?ptiembre|octubre|noviembre|diciembre|ene|abr|ago|dic)\.?")
_YEAR = r"(?:(?:19|20)\d{2}|['’]\d{2})"
# Dates in words ("vijftien augustus negentienvierentachtig", "the fifth of May nineteen eighty-two")
_UNITS_NL = r"(?:een|twee|drie|vier|vijf|zes|zeven|acht|negen)"
_DAY_WORD = (r"(?:" + _UNITS_NL + r"[eë]n(?:twintig|dertig)(?:ste)?|één|eerste|tweede|derde|vierde|vijfde|zesde|zevende|"
             r"achtste|negende|tiende|elfde|twaalfde|" + _UNITS_NL + r"|tien|elf|twaalf|(?:der|veer|vijf|zes|zeven|acht|negen)tien(?:de)?|"
             r"twintig(?:ste)?|dertig(?:ste)?|(?:twenty|thirty)?[- ]?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|"
             r"ninth)|tenth|eleventh|twelfth|(?:thir|four|fif|six|seven|eigh|nine)teenth|twentieth|thirtieth)")
_EN_NUM = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
           r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|oh|and)")
_YEAR_WORD = (r"(?:(?:negentien|tweeduizend)[a-zë]{0,30}|(?:nineteen|two\s+thousand)(?:[\s-]" + _EN_NUM + r"){0,3}|"
              r"neunzehnhundert[a-zü]{0,30}|zweitausend[a-zü]{0,20})")
_WORD_DAY_MONTH = r"(?:the\s+)?" + _DAY_WORD + r"\s+(?:of\s+)?" + _MONTH
_FULL_DATE = (r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|"
              r"\d{1,2}[-/ ]" + _MONTH + r"[-/ ]\d{2,4}|"
              r"(?:the\s+)?\d{1,2}(?:st|nd|rd|th|er|e|\.|º|°)?\s+(?:of\s+)?(?:de\s+)?" + _MONTH + r",?\s+(?:de(?:l)?\s+)?" + _YEAR + r"|"
              + _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+" + _YEAR + r"|"
              + _WORD_DAY_MONTH + r",?\s+" + _YEAR_WORD + r")")
_PART_DATE = (r"(?:" + _WORD_DAY_MONTH + r"(?![\w])|(?:the\s+)?\d{1,2}(?:st|nd|rd|th|er|e|\.|º|°)?\s+(?:of\s+)?(?:de\s+)?" + _MONTH + r"(?![\w])|"
              + _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?\b|" + _MONTH + r"\s+(?:de\s+)?(?:19|20)\d{2}|"
              r"\d{1,2}/(?:19|20)\d{2}|\d{1,2}[/.]\d{1,2}(?![\d/.])|(?:19|20)\d{2})")
_DATE_VAL = re.compile(r"(?<![\w./-])(?:" + _FULL_DATE + r"|" + _PART_DATE + r")(?![\w/-]|\.\d)", re.I)
_FULL_VAL = re.compile(r"(?<![\w./-])" + _FULL_DATE + r"(?![\w/-]|\.\d)", re.I)
_DOB_CUE = re.compile(r"(?<![\w.])(?:born|dob|d\.o\.b\.?|date\s+of\s+birth|birth\s?date|birthday|bday|b'day|"
                      r"geboren|geb\.|geburtsdatum|geburtstag|n[ée]e?|date\s+de\s+naissance|naissance|anniversaire|"
                      r"fecha\s+(?:de\s+)?nacimiento|nacid[oa]|nac[ií]|naci[óo]|cumpleaños|cumple|geboortedatum|"
                      r"geboren|verjaardag|jarig)(?![\w])", re.I)
_DOB_STEMS = ("born", "dob", "d.o.b", "birth", "bday", "b'day", "geb", "né", "nee", "naissance", "anniversaire",
              "nac", "cumple", "geboorte", "verjaardag", "jarig")
# A second date after a birth date is one too when it corrects or contrasts it
_DOB_LINK = re.compile(r"(?:\b(?:instead\s+of|not|or|and|vs|versus|but|statt|anstatt|nicht|oder|und|aber|dort|"
                       r"au\s+lieu\s+du?|pas|ou|et|mais|en\s+(?:vez|lugar)\s+de|no|o|y|pero|pone|dice|in\s+plaats\s+van|"
                       r"niet|of|en|maar|staat|says|shows|real\s+one\s+is|correct\s+one\s+is|actually|is|ist|est|es|"
                       r"as|als|comme|como|it['’]?s)\b[^.!?\n\d]{0,6}$)", re.I)


def birth_dates(text: str) -> Iterator[Span]:
    """Dates in the window of a birth keyword, and the dates listed with them."""
    low = text.lower()
    if not any(k in low for k in _DOB_STEMS):
        return
    for k in _DOB_CUE.finditer(text):
        if k.group(0).lower() in ("née", "né", "nee", "nací", "naci") and not re.match(r"\s+(?:le|el|en|op|in|on|am)?\s*\d", text[k.end():]):
            continue
        # the rest of the clause, or the next sentence when the keyword ends one ("date of birth. I typed ...")
        end = _clause_end(text, k.end(), 50)
        if end < len(text) and not text[k.end():end].strip(" .:,;"):
            end = _clause_end(text, end + 1, 50)
        m = _DATE_VAL.search(text, k.end(), end)
        if not m:
            continue
        if not _FULL_VAL.fullmatch(m.group(0)) and m.start() - k.end() > 25:
            continue  # a day or a year alone must be close to its keyword
        yield m.start(), m.end(), "dob"
        # dates listed with it, up to the end of the sentence
        last = m.end()
        stop = _clause_end(text, last, 90)
        for n in _DATE_VAL.finditer(text, last, stop):
            gap = text[last:n.start()]
            full = bool(_FULL_VAL.fullmatch(n.group(0)))
            day_month = not full and re.search(r"[^\W\d]{3}", n.group(0)) and len(gap) <= 15
            if (full or day_month) and (len(gap) <= 60 or _DOB_LINK.search(gap)) and (full or _DOB_LINK.search(gap)):
                yield n.start(), n.end(), "dob"
                last = n.end()


# ---------------------------------------------------------------------------------------------
# logins
_LOGIN_CUE = re.compile(r"(?<![\w-])(?:log(?:ged)?[\s-]?(?:in|on)|sign(?:ed)?[\s-]?(?:in|on)|username|user\s?name|user\s?id|userid|account|handle|alias|"
                        r"benutzer(?:name|kennung|konto|-?id)?|nutzername|kennung|anmeldename|login-?name|"
                        r"identifiant|pseudo|nom\s+d['’]utilisateur|compte|usuario|nombre\s+de\s+usuario|cuenta|"
                        r"gebruikersnaam|inlognaam|inlog|gebruiker|account-?naam|sso|ad|inloggen|ingelogd|aanmelden|aangemeld|"
                        r"einloggen|eingeloggt|anmelden|angemeldet|anmeldung|connexion|connecter|connecté|connecte|"
                        r"entrar|entro|conectar(?:me)?|conecto|acceder|accedo)(?![\w-])", re.I)
_LOGIN_VAL = re.compile(r"(?<![\w@.\\/-])[\"'“‘«]?([A-Za-z][A-Za-z0-9]*(?:[._-][A-Za-z0-9]+){0,3})[\"'”’»]?(?![\w@\\/-]|\.\w)")
_FILE_OR_TLD = re.compile(r"\.(?:com|org|net|io|co|uk|de|fr|es|nl|eu|be|pdf|docx?|xlsx?|pptx?|csv|txt|png|jpe?g|gif|"
                          r"exe|msi|zip|json|xml|html?|py|js|log|ini|cfg|yaml|yml|local|lan|intra|internal)$", re.I)


_CODE_WORDS = frozenset("error code user session expired timeout config admin test temp default guest root "
                        "service svc app web api id no null true false debug log prod dev staging backup".split())


def _login_shaped(v: str) -> bool:
    from xmo_analysis.privacy.redaction_patterns import _LOGIN_SHAPE, _NOT_LOGIN
    if len(v) < 3 or v.lower() in _NOT_LOGIN or _FILE_OR_TLD.search(v) or v.isupper():
        return False
    words = [w for w in re.split(r"[._\d-]+", v.lower()) if len(w) > 1]
    if words and all(w in plain_words() or w in _CODE_WORDS for w in words):
        return False  # "error_code_403", "user_session": words of code, not a person's login
    if re.search(r"[._]", v) or re.search(r"[a-z]\d|\d[a-z]", v, re.I) and not re.fullmatch(r"[A-Za-z]{1,3}\d{1,3}", v):
        return re.search(r"[A-Za-z]{2}", v) is not None
    return (bool(_LOGIN_SHAPE.match(v)) or initial_surname(v)) and fold(v) not in common_words()


def initial_surname(v: str) -> bool:
    """"agarcia", "evisser2", "rokafor": one or two initials and a known surname, written as one."""
    m = re.fullmatch(r"([a-z]{1,2})([a-z]{4,20})\d{0,4}", v)
    if not m or fold(v) in plain_words() or fold(v) in common_words():
        return False
    from xmo_analysis.privacy.redaction_lexicon import faker_names
    last = faker_names()[2]
    return m.group(2) in last and m.group(2) not in plain_words() or \
        len(m.group(1)) == 2 and m.group(0)[1:] in last and m.group(0)[1:] not in plain_words()


# Keywords that name nothing but a login, and the verbs that give it its value: after them a
# word that is no ordinary word is the login ("username should be rokafor", "gebruikersnaam is ovanleeuwen")
_STRONG_LOGIN_CUE = re.compile(r"(?<![\w-])(?:username|user\s?name|user\s?id|userid|login(?:\s+name|\s+id|-?naam)?|log-?in\s+name|"
                               r"benutzer(?:name|kennung|-?id)|nutzername|kennung|anmeldename|login-?name|identifiant|"
                               r"nom\s+d['’]utilisateur|pseudo|usuario|nombre\s+de\s+usuario|gebruikersnaam|inlognaam|"
                               r"gebruikers-?id)(?![\w-])", re.I)
_COPULA = re.compile(r"\s*(?:(?:is|was|ist|war|est|était|es|era|lautet|wordt|werd|moet|zou|should|must|will|would|"
                     r"sollte|muss|wird|doit|devrait|sera|debería|debe|será|be|zijn|sein|être|ser|now|nu|jetzt|"
                     r"maintenant|ahora|still|nog|noch|toujours|sigue|siendo|steeds|actually|eigenlijk|"
                     r"changed\s+to|veranderd\s+in|geändert\s+(?:in|zu)|changé\s+en|cambiado\s+a)\b\s*|[:=]\s*)+[\"'“‘«]?$", re.I)
# A login that starts with digits ("7734102a", "12jdevries"): digits and letters mixed
_DIGIT_LOGIN = re.compile(r"(?<![\w@.\\/-])(\d{2,}[A-Za-z][A-Za-z\d]*|\d*[A-Za-z]+\d+[A-Za-z]+\d*)(?![\w@\\/-]|\.\w)")


def logins(text: str) -> Iterator[Span]:
    """Logins in a login keyword's window ("Mi usuario en la web: pepe_1984")."""
    for k in _LOGIN_CUE.finditer(text):
        end = _clause_end(text, k.end(), 35)
        for m in _LOGIN_VAL.finditer(text, k.end(), end):
            v = m.group(1)
            if _login_shaped(v):
                yield m.start(1), m.end(1), "username"
                break
    for k in _STRONG_LOGIN_CUE.finditer(text):
        end = _clause_end(text, k.end(), 30)
        d = _DIGIT_LOGIN.search(text, k.end(), end)
        if d and d.start() - k.end() <= 20 and sum(c.isalpha() for c in d.group(1)) <= 12:
            yield d.start(1), d.end(1), "username"
        for m in _LOGIN_VAL.finditer(text, k.end(), end):
            v = m.group(1)
            if not _COPULA.fullmatch(text[k.end():m.start()]) or _COPULA.fullmatch(text[k.end():m.end()] + " "):
                continue
            if len(v) >= 4 and v.isascii() and not v.isupper() and fold(v) not in common_words() \
                    and fold(v) not in plain_words() and not _FILE_OR_TLD.search(v) and v.lower() not in _CODE_WORDS:
                from xmo_analysis.privacy.redaction_patterns import _NOT_LOGIN, _WORD_ENDINGS
                if v.lower() not in _NOT_LOGIN and not v.lower().endswith(_WORD_ENDINGS):
                    yield m.start(1), m.end(1), "username"
            break


_DOTTED = re.compile(r"(?<![\w@.\\/-])([a-z]{2,15})[._]([a-z]{1,20})(\d{0,4})(?![\w@\\/-]|\.\w)")


_INITIAL_DOT = re.compile(r"(?<![\w@.\\/-])([a-z]{1,2})\.([a-z]{3,20})(\d{0,4})(?![\w@\\/-]|\.\w)")
_DOTTED_SHORT = re.compile(r"(?<![\w@.\\/-])([a-z]{3,15})[._]([a-z]{1,2})(\d{0,4})(?![\w@\\/-]|\.\w)")


def dotted_logins(text: str, first_names: frozenset) -> Iterator[Span]:
    """"sarah.okafor", "anna.bergstrom2": a first name, a dot or underscore, a surname, written as one."""
    if "." not in text and "_" not in text:
        return
    context = None
    for m in _INITIAL_DOT.finditer(text):  # "j.bakker", "mg.lopez": initials, a dot and a known surname
        from xmo_analysis.privacy.redaction_lexicon import faker_names
        if m.group(2) in faker_names()[2] and fold(m.group(2)) not in plain_words() and not _FILE_OR_TLD.search(m.group(0)):
            yield m.start(), m.end(), "username"
    for m in _DOTTED_SHORT.finditer(text):  # "bernard.l", "tom.h": a first name and an initial, near login talk
        if context is None:
            from xmo_analysis.privacy.redaction_patterns import _LOGIN_CONTEXT
            context = bool(_LOGIN_CONTEXT.search(text))
        if context and m.group(1) in first_names and fold(m.group(1)) not in plain_words():
            yield m.start(), m.end(), "username"
    for m in _DOTTED.finditer(text):
        if m.group(1) in first_names and fold(m.group(1)) not in plain_words() and not _FILE_OR_TLD.search(m.group(0)) \
                and len(m.group(2)) >= 3 and fold(m.group(2)) not in plain_words():
            yield m.start(), m.end(), "username"


# ---------------------------------------------------------------------------------------------
# short phone numbers: "555-0147 (cell)", "call me on 946-0958"
_SHORT_PHONE = re.compile(r"(?<![\w./:+-])\d{3}[-.]\d{4}(?![\w-]|[.,]\d)")
_PHONE_WORD_AFTER = re.compile(r"\s*\(?\s*(?:cell|mobile|mob|home|work|office|phone|tel|landline|direct)\b", re.I)
_PHONE_WORD_BEFORE = re.compile(r"\b(?:call|phone|tel|telephone|mobile|cell|ring|text|reach|number|contact)\b[^.\n\d]{0,15}$", re.I)


def short_phones(text: str) -> Iterator[Span]:
    """Seven-digit local numbers, only with a phone word beside them."""
    for m in _SHORT_PHONE.finditer(text):
        if _PHONE_WORD_AFTER.match(text, m.end()) or _PHONE_WORD_BEFORE.search(text[max(0, m.start() - 30):m.start()]):
            yield m.start(), m.end(), "phone"
