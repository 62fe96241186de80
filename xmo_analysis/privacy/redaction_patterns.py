"""Structured personal data: e-mails, URLs, IPs, cards, phones, addresses, IDs, birth dates, logins.

Each detector yields ``(start, end, type)``. Digit runs are ambiguous (a phone number, an order
reference, a build number and a date can share a shape), so the weak shapes need a keyword or a
national format, and look-alikes are rejected by their context: a version number after
"Firmware", an order reference after "order", a date that is not tied to a birth.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Iterator

from xmo_analysis.privacy.redaction_lexicon import common_words, fold, plain_words

Span = tuple[int, int, str]

_DOT = r"(?:\s*(?:\.|\[\.\]|\(\.\)|\[\s*(?:dot|punkt|point|punto|punt)\s*\]|\(\s*(?:dot|punkt|point|punto|punt)\s*\)|\{dot\})\s*|\s+(?:dot|punkt|point|punto|punt)\s+)"
_AT = r"(?:\s*(?:@|\[\s*(?:at|@|arobase|arroba)\s*\]|\(\s*(?:at|@|arobase|arroba)\s*\)|\{at\})\s*|\s+(?:at|arobase|arroba|apenstaartje|klammeraffe)\s+)"
_TLD = r"(?:com|org|net|edu|gov|mil|int|info|biz|io|co|uk|de|fr|es|nl|be|ch|at|it|eu|pt|ie|us|ca|au|in|pl|se|dk|no|fi|lu|example|local|email|app|dev|me|tv|cat)"
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
EMAIL_OBFUSCATED = re.compile(r"(?<![\w.])[\w+-]+(?:" + _DOT + r"[\w+-]+)*" + _AT + r"[\w-]+(?:" + _DOT + r"[\w-]+)*"
                              + _DOT + _TLD + r"(?![\w@])", re.I)
URL = re.compile(r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"'\[\]{}]+|\b(?:[a-z0-9-]+\.)+(?:com|org|net|io|co\.uk|"
                 r"de|fr|es|nl|eu|gov|edu|ly|me|be|ch|uk)/[^\s<>\"'\[\]{}]*", re.I)
IPV4 = re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:/\d{1,2})?(?![\w]|\.\d)")
IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%\w+)?(?![\w:])")
_VERSION_CTX = re.compile(r"(?:\b(?:v|ver|version|versie|versión|firmware|build|release|patch|driver|bios|update|"
                          r"upgrade|client|app|agent|edition|sp|rev|revision|release|chrome|edge|firefox|java|python|"
                          r"office|windows|ios|android|macos|tool|package|v\.)\s*:?\s*$|(?-i:\b[A-Z][\w-]+\s+$)|[vV]$)", re.I)
_IP_CTX = re.compile(r"\b(?:ip|ipv4|ipv6|address|adres|adresse|addr|dirección|server|host|gateway|dns|ping|subnet|"
                     r"proxy|router|machine|laptop|pc|device|vpn|gave\s+me|assigned|static|dhcp|from|on)\b[^.\n]{0,20}$", re.I)
CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
_CARD_CTX = re.compile(r"\b(?:card|karte|kreditkarte|carte|tarjeta|kaart|visa|mastercard|amex|debit|credit)\b[^.\n]{0,25}$", re.I)
CARD_TAIL = re.compile(r"\b(?:card|karte|carte|tarjeta|kaart)\b[^.\n]{0,20}?\b(?:ending|ends|endet|finissant|terminada|eindigend)"
                       r"\s+(?:in|with|on|auf|par|en|op)?\s*(\d{4})\b", re.I)
_PHONE_SHAPES = r"""(?:
 (?:\+|00)[1-9]\d{0,2}(?:[\s.-]?\(0\))?(?:[\s.-]?\(?\d{1,5}\)?){1,6}
|\(0\d{1,5}\)[\s.-]?\d{2,8}(?:[\s.-]?\d{2,5}){0,3}
|0\d{1,5}(?:[\s./-]?\d{2,8}){1,5}
|0\d{1,3}\s[-–]\s\d{2,8}(?:[\s.-]?\d{2,8}){0,4}
|(?:1[\s.-])?\(\d{3}\)\s?\d{3}[\s.-]?\d{4}
|(?:1[\s.-])?\d{3}[.-]\d{3}[.-]\d{4}
|[6789]\d{2}(?:\s\d{2}){3}
|[6789]\d{2}\s\d{3}\s\d{3}
|[89]\d\s\d{3}\s\d{2}\s\d{2}
)"""
PHONE = re.compile(r"(?<![\w+/.:-])" + _PHONE_SHAPES + r"(?![\w/-]|[.,:]\d)", re.X)
EXTENSION = re.compile(r"(?:\b(?:ext|extn|extension|(?-i:x)(?=\d{3,5}\b(?!-))|durchwahl|dw|nebenstelle|poste|extensión|toestel|tst)\.?"
                       r"(?:\s*(?:is|ist|est|es|:|#|no\.?|number)\b\.?)*\s*[:.#]?\s*)(\d{2,6})\b(?![.:]\d)", re.I)
_PHONE_CTX = re.compile(r"\b(?:call|calls|phone|tel|telephone|mobile|mob|cell|ring|reach|text|whatsapp|sms|number|line|"
                        r"landline|contact|fax|telefon|tel\.|handy|rufnummer|anrufen|erreichbar|téléphone|portable|"
                        r"appelez|appeler|joindre|teléfono|móvil|llámeme|llamar|bel|telefoon|mobiel|nummer|bereikbaar)\b", re.I)
_NOT_PHONE_CTX = re.compile(r"\b(?:order|invoice|ticket|case|ref|reference|tracking|po|serial|asset|build|version|isbn|"
                            r"account|acct|iban|sort|bestellung|bestellnummer|rechnung|auftrag|commande|facture|"
                            r"référence|dossier|pedido|factura|referencia|expediente|bestelling|factuur|referentie|zaak|"
                            r"kenmerk|kb|incident|request|sr|contract|policy|claim|licen[cs]e|badge|employee|staff|payroll)"
                            r"\b[\s.:#n°ºo-]*(?:number|no|nr|num)?[\s.:#-]*$", re.I)
_NL_14 = re.compile(r"(?<![\w+/.:,-])14\s?0\d{2,3}(?![\w/-]|[.,:]\d|\s?(?:uur|minuten|min|dagen|euro|€|%))")
DATE = re.compile(r"\b(?:\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2}))\b")

_MONTH = (r"(?:jan(?:uary|uar|vier|uari)?|feb(?:ruary|ruar|ruari)?|févr(?:ier)?|mar(?:ch|s)?|märz|maart|apr(?:il)?|"
          r"avr(?:il)?|may|mai|mei|jun[ei]?|juin|jul[iy]?|juil(?:let)?|aug(?:ust|ustus)?|août|sep(?:t|tember|tembre)?|"
          r"oct(?:ober|obre)?|okt(?:ober)?|nov(?:ember|embre)?|dec(?:ember)?|dez(?:ember)?|déc(?:embre)?|enero|febrero|"
          r"marzo|abril|mayo|junio|julio|agosto|se?ptiembre|octubre|noviembre|diciembre)\.?")
_DATE_ANY = (r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|"
             r"\d{1,2}[-/ ]" + _MONTH + r"[-/ ]\d{2,4}|"
             r"(?:the\s+)?\d{1,2}(?:st|nd|rd|th|er|e|\.|º)?\s+(?:of\s+)?(?:de\s+)?" + _MONTH + r",?\s+(?:de(?:l)?\s+)?\d{4}|"
             + _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|"
             r"(?:the\s+)?\d{1,2}(?:st|nd|rd|th|er|e|\.|º)?\s+(?:of\s+)?(?:de\s+)?" + _MONTH + r"(?![\w])|"
             + _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?\b|" + _MONTH + r"\s+(?:de\s+)?(?:19|20)\d{2}|"
             r"\d{1,2}/(?:19|20)\d{2}|(?:19|20)\d{2}(?![\d/.-])|['’]\d{2}\b)")
DOB = re.compile(r"\b(?:born|b\.|dob|d\.o\.b\.?|date\s+of\s+birth|birth\s?date|birthday|bday|geboren|geb\.|"
                 r"geburtsdatum|geburtstag|née?|date\s+de\s+naissance|anniversaire|fecha\s+(?:de\s+)?nacimiento|"
                 r"nacid[oa]|nací|cumpleaños|geboortedatum|verjaardag)\b\.?"
                 r"(?-i:(?:\s+(?:in|at|à|en|te)\s+[A-Z][\w'’-]+(?:[\s-][A-Z][\w'’-]+)?,?)?)"  # "born in Glasgow in 1979"
                 r"(?:\s*(?:(?:is|ist|es|est|was|on|am|le|el|op|den|in|en|im|the|my|our|system|record|file|"
                 r"profile|shows|says|listed|recorded|as|still|should|be|actually|correct|correctly|wrong|"
                 r"lautet|steht|als|mais|pero|maar|real|really|van|de|mijn|mi|mon|ma|mein|meine|der|die|the|la|le)\b|[:=–-])\.?)*"
                 r"\s*[:(]?\s*(" + _DATE_ANY + r")", re.I)
DOB_AFTER = re.compile(r"(" + _DATE_ANY.replace("(?<=in\\s)", "").replace("(?<=en\\s)", "").replace("(?<=im\\s)", "")
                       + r")\s*(?:\(\s*(?:dob|d\.o\.b\.?|date\s+of\s+birth|birthday|geb\.?)\s*\)|,?\s+(?:is|was)\s+"
                       r"(?:my|the)\s+(?:date\s+of\s+birth|dob|birthday|birth\s?date))", re.I)

_ID_KW = r"""(?:(?:emp(?:loyee)?|staff|badge|payroll|personnel|works|clock|service|member(?:ship)?|customer|client|account|student|
patient|nhs|pension|policy|licen[cs]e|driving\s+licen[cs]e|driver['’]?s\s+licen[cs]e|passport|national\s+insurance|
ni|insurance|social\s+security|tax|vat|contract|user|personal|id)\s*(?:id|number|no\.?|nr\.?|num\.?|\#|ref(?:erence)?|code)
|ssn|nino|iban|sort\s+code|tin|utr|passport|pps(?:n|\s+number)?|sin|nss|cpr|id\s*:|(?:my|mein[e]?|mon|mi|mijn)\s+id(?:\s+is)?|
id[\s-]?(?:card|kaart)(?:\s+(?:number|no\.?|nummer))?|identity\s+card(?:\s+number)?|national\s+id(?:\s+number)?|
personalausweisnummer|ausweis(?:-?nr\.?)?|versicherungsnummer|krankenkassennummer|personalnr\.?|mitarbeiter-?nr\.?|
carte\s+d['’]identit[ée]|cni|num[ée]ro\s+d['’]employ[ée]|n[º°o]\s*(?:de\s+)?empleado|identiteitskaart|
medewerkernummer|registratienummer|werknemersnummer|id-nummer|krankenversicherungsnummer|matrikelnummer|
n[º°o]\s*(?:de\s+(?:la\s+)?)?(?:seguridad\s+social|pasaporte|afiliaci[óo]n)|(?-i:ID)(?=\s*[A-Z]*-?\d{3})|
(?:badge|staff|employee|payroll|personnel|student|patient)(?=\s+(?!(?:19|20)\d\d\b)[A-Z]{0,3}-?\d{3,}(?![\d/.:]))|pin(?:\s+(?:number|code))?|personalnummer|personal-?nr\.?|mitarbeiternummer|
mitarbeiter-?id|ausweisnummer|personalausweis(?:nummer)?|reisepass(?:nummer)?|passnummer|steuer-?id|
steuer-?identifikationsnummer|steuernummer|sozialversicherungsnummer|sv-nummer|rentenversicherungsnummer|
kundennummer|kunden-?nr\.?|versichertennummer|krankenversichertennummer|matricule|
num[ée]ro\s+(?:de\s+|d['’])?(?:s[ée]curit[ée]\s+sociale|s[ée]cu|employ[ée]|salari[ée]|client|passeport|fiscal|
matricule|badge|personnel|adh[ée]rent|allocataire|identifiant)|n°\s*(?:de\s+)?(?:s[ée]curit[ée]\s+sociale|client|employ[ée])|
nir|insee|carte\s+vitale|dni|nie|nif|nuss|n[úu]mero\s+de\s+(?:empleado|la\s+seguridad\s+social|seguridad\s+social|
afiliaci[óo]n|pasaporte|cliente|documento|identidad|trabajador|n[óo]mina)|pasaporte|seguridad\s+social|bsn|
burgerservicenummer|personeelsnummer|medewerkersnummer|klantnummer|paspoort(?:nummer)?|rijbewijs(?:nummer)?|
sofinummer|relatienummer|lidnummer|polisnummer)"""
_ID_VALUE = r"""(?:[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]|[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?|
\d{1,4}(?:\s\d{2,4}){2,6}|[A-Z]{1,3}[\s-]\d{3,}[A-Z]?|[A-Z]{1,6}\d[\dA-Z]{4,}|[A-Z0-9]{0,4}[-/]?\d[\dA-Z/-]*\d(?:[-\s]?[A-Z](?![a-z]))?|\d{3,}[A-Z]?)"""
ID_ANCHORED = re.compile(r"\b" + _ID_KW + r"(?:(?<=\W)|(?!\w))(?:\s*(?:(?:is|ist|es|est|is|was|war|number|nummer|n[úu]mero|no|nr|"
                         r"on|my|the|file|record|payslip|system|shows|listed|as|still|lautet|steht|auf|"
                         r"dem|sur|le|mon|ma|en|el|mi|op|mijn|de|van)\b|[=:\#–-])\.?)*"
                         r"\s*[:#=]?\s*(" + _ID_VALUE + r")(?![\w-])", re.I | re.X)
NI_NUMBER = re.compile(r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b")
SSN = re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])")
DNI = re.compile(r"\b(\d{8})[-\s]?([A-Z])\b|\b([XYZ])[-\s]?(\d{7})[-\s]?([A-Z])\b")
NIR_PLAIN = re.compile(r"(?<!\d)[12]\d{2}(?:0[1-9]|1[0-2])(?:\d{2}|2[AB])\d{6}(\d{2})(?!\d)")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,3})?\b")
NIR = re.compile(r"(?<!\d)[12]\s?\d{2}\s?(?:0[1-9]|1[0-2]|[2-9]\d)\s?(?:\d{2}|2[AB])\s?\d{3}\s?\d{3}(?:\s?\d{2})?(?!\d)")

USERNAME_ANCHORED = re.compile(r"\b(?:(?:log(?:ged)?|sign(?:ed)?)\s?(?:in|on)\s+as|(?:windows|network|ad|domain|staff|"
                               r"sso|vpn|citrix|sap|email|e-mail)\s+(?:log-?in|logon|user\s?name|user\s?id|account|id)|"
                               r"log-?in(?:\s+(?:name|id))?|logon(?:\s+(?:name|id))?|username|user\s?name|user\s?id|userid|uid|"
                               r"account\s+name|handle|alias|screen\s?name|gamertag|samaccountname|upn|sign-?in\s+name|"
                               r"benutzer(?:name|kennung|konto|-?id)?|nutzer(?:name|kennung)|kennung|anmeldename|"
                               r"identifiant|pseudo|nom\s+d['’]utilisateur|compte|usuario|nombre\s+de\s+usuario|"
                               r"id\s+de\s+usuario|cuenta|gebruikersnaam|inlognaam|inlog|gebruikers-?id|gebruiker|account|user)"
                               r"(?:\s*(?:is|ist|est|es|was|war|lautet|:|=)\b)*\s*[:=(]?\s*[\"'“‘]?([A-Za-z][\w.\\-]{1,30}\w)", re.I)
# CORP\jsmith; the domain in capitals, or the login with a digit or dot (a literal "\n" is no login)
DOMAIN_LOGIN = re.compile(r"(?<![\w\\])(?:[A-Z][A-Z0-9-]{1,15}\\{1,2}[A-Za-z][\w.-]{0,30}\w|"
                          r"[A-Za-z][\w-]{1,15}\\{1,2}[A-Za-z]*[\d.][\w.-]{0,30}\w)")
HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z_][\w.-]{1,29}\w")
_NOT_LOGIN = frozenset("""locked disabled blocked expired wrong not still the my your our a an and is was has had
been being keeps kept got gets does did will would can could cannot should broken reset deleted
suspended inactive invalid unknown never always fine ok okay working there here now again also
gesperrt abgelaufen falsch nicht noch immer ist war wurde bloqué bloquée expiré désactivé toujours
bloqueado bloqueada caducado desactivado sigue está fue geblokkeerd verlopen niet nog steeds
everyone here channel all name number details password email screen page issue issues problem problems
prompt button attempt attempts fail fails failed failure error errors loop time times works worked window
box field portal process credentials info information form request link code via with through from using
into for keeps page expired successful success help again today works account""".split())
# Logins made of initials and a surname start with consonants no word of the five languages starts
# with ("jsmith", "tkraus", "mgarcia", "jvdberg"): two consonants that are not a common onset.
_ONSETS = ("bl br ch cl cr dr fl fr gl gr kl kn kr ph pl pr sc sh sk sl sm sn sp st sw th tr tw wh wr sq gn pf "
           "sz schl schm schn schw spr str zw vl vr").split()
_LOGIN_SHAPE = re.compile(r"^(?!(?:" + "|".join(_ONSETS) + r"))[bcdfghjklmnpqrstvwxz]{2}[a-z]{2,14}\d{0,4}$")
LOGIN_LIKE = re.compile(r"(?<![\w@.\\/-])(?:[a-z]{5,16}\d{0,4}|[a-z]{1,2}\.[a-z]{3,15}\d{0,4}|[a-z]{3,15}\.[a-z]{1,2}\d{0,4}|"
                        r"[a-z]{2,12}\d{2,4})(?![\w@.\\/-])")
_LOGIN_CONTEXT = re.compile(r"\b(?:log[\s-]?(?:in|on)|logged|sign(?:ed)?[\s-]?in|username|user\s?name|user\s?id|account|"
                            r"locked\s+out|benutzer|anmeld|konto|identifiant|compte|connexion|usuario|cuenta|"
                            r"gebruiker|inlog|ingelogd|aanmeld|aangemeld|einlogg|eingeloggt|connect|entrar\s+como|"
                            r"wachtwoord|password|passwort|mot\s+de\s+passe|contraseña)", re.I)
_WORD_ENDINGS = ("ed", "ing", "iert", "ado", "ada", "ido", "ida", "ción", "ung", "heit", "keit", "ment", "ly")
_NOT_HANDLE = frozenset({"@here", "@channel", "@everyone", "@all", "@team"})


_OBFUSCATION_HINT = re.compile(r"@|\bat\b|arobase|arroba|apenstaartje|klammeraffe|\{at\}")


# Cheap substring tests run before the slow keyword patterns (every keyword contains one of these)
_DOB_STEMS = ("born", "b.", "dob", "d.o.b", "birth", "bday", "geb", "né", "nee", "naissance", "anniversaire",
              "nacid", "nací", "nacimiento", "cumple", "geboorte", "verjaardag")
_ID_STEMS = ("emp", "staff", "badge", "payroll", "personnel", "works", "clock", "service", "member", "customer",
             "client", "account", "student", "patient", "nhs", "pension", "policy", "licen", "passport", "insurance",
             "ni ", "ni.", "social", "tax", "vat", "contract", "user", "personal", "id", "ssn", "nino", "iban", "sort",
             "tin", "utr", "pps", "sin", "nss", "cpr", "nummer", "nr", "ausweis", "steuer", "matricul", "numéro",
             "numero", "n°", "nº", "no", "nir", "insee", "vitale", "dni", "nie", "nif", "nuss", "número", "pasaporte",
             "seguridad", "bsn", "burgerservice", "paspoort", "rijbewijs", "sofi", "pin", "cni", "carte", "identit",
             "kunden", "mitarbeiter", "versicher", "empleado", "afilia", "medewerker", "werknemer", "relatie", "lid",
             "polis", "klant", "registratie")


def _is_date(s: str) -> bool:
    """A plausible calendar date ("12/03/2024"), not a sort code ("20-00-00")."""
    if not DATE.fullmatch(s):
        return False
    parts = [int(p) for p in re.split(r"[./-]", s)]
    day, month = (parts[2], parts[1]) if parts[0] > 31 else (parts[0], parts[1])
    return 1 <= month <= 12 and 1 <= day <= 31 or 1 <= day <= 12 and 1 <= month <= 31


def _luhn(digits: str) -> bool:
    total, alt = 0, False
    for ch in reversed(digits):
        d = int(ch)
        if alt:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
        alt = not alt
    return total % 10 == 0


def _dni_ok(m: re.Match) -> bool:
    letters = "TRWAGMYFPDXBNJZSQVHLCKE"
    if m.group(1):
        return letters[int(m.group(1)) % 23] == m.group(2)
    num = "XYZ".index(m.group(3)) * 10_000_000 + int(m.group(4))
    return letters[num % 23] == m.group(5)


def _iban_ok(s: str) -> bool:
    """Format and the ISO 7064 check digits, by python-stdnum (not the national account check
    inside, which a typo in the account part breaks: the number is still personal)."""
    from stdnum import iban  # a light module; imported here to keep this module's import cheap
    return iban.is_valid(s, check_country=False)


def contact(text: str) -> Iterator[Span]:
    """E-mail addresses (also "jane dot doe at acme dot com") and URLs."""
    low = text.lower()
    if "@" in text:
        for m in EMAIL.finditer(text):
            yield m.start(), m.end() - (text[m.end() - 1] == "."), "email"
    if _OBFUSCATION_HINT.search(low):  # the full pattern is slow; most comments hold no "at"
        for m in EMAIL_OBFUSCATED.finditer(text):
            if not EMAIL.fullmatch(m.group(0)):
                yield m.start(), m.end(), "email"
    if "/" not in text and "www." not in low:
        return
    for m in URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:!?)'\"":
            end -= 1
        yield m.start(), end, "url"


def numbers(text: str) -> Iterator[Span]:
    """IPv4/IPv6 addresses and card numbers (only called on comments that hold a digit)."""
    for m in IPV4.finditer(text):
        if "/" in m.group(0) or m.group(0).endswith(".0"):
            continue  # a network ("10.0.0.0/8"), not one machine
        before = text[max(0, m.start() - 30):m.start()]
        first = int(m.group(0).split(".")[0])
        ctx_ip = bool(_IP_CTX.search(before))
        if _VERSION_CTX.search(before) and not re.search(r"\bip\w*\b[^.\n]{0,12}$", before, re.I):
            continue  # "Firmware 3.5.0.22", "version 10.4.2.1"
        if ctx_ip or first in (10, 127, 169, 172, 192) or any(int(p) > 99 for p in m.group(0).split("/")[0].split(".")):
            yield m.start(), m.end(), "ip"
    for m in IPV6.finditer(text):
        s = m.group(0).split("%")[0]
        if s.count(":") >= 2 and ("::" in s or s.count(":") == 7) and re.search(r"[0-9a-fA-F]{3}", s):
            try:
                ipaddress.IPv6Address(s)
            except ValueError:
                continue
            yield m.start(), m.end(), "ip"
    for m in CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        grouped = re.fullmatch(r"\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}", m.group(0)) is not None
        if _luhn(digits) or grouped or _CARD_CTX.search(text[max(0, m.start() - 40):m.start()]):
            yield m.start(), m.end(), "card"
    for m in CARD_TAIL.finditer(text):
        yield m.start(1), m.end(1), "card"


def phones(text: str) -> Iterator[Span]:
    """Phone numbers in international and national formats, and extensions ("ext 4432")."""
    for m in PHONE.finditer(text):
        s = m.group(0).rstrip(" .-")
        digits = re.sub(r"\D", "", s)
        before = text[max(0, m.start() - 30):m.start()]
        if _NOT_PHONE_CTX.search(before) or DATE.fullmatch(s):
            continue
        intl = s.startswith(("+", "00"))
        n = len(digits)
        ok = (11 <= n <= 15 if s.startswith("00") else 8 <= n <= 15) if intl else 9 <= n <= 12
        if not intl and re.match(r"0[89]0\d", s) and 7 <= n <= 11 and re.search(r"[\s-]", s):
            ok = True  # Dutch service numbers: "0800-0543", "0900 1234"
        if not intl and s[0] in "6789" and n != 9:
            ok = False
        if ok and not intl and " " not in s and "-" not in s and "." not in s and "(" not in s:
            ok = bool(_PHONE_CTX.search(before)) or n in (10, 11)  # a bare digit run needs a reason
        if ok:
            yield m.start(), m.start() + len(s), "phone"
    for m in _NL_14.finditer(text):  # Dutch municipal numbers: 14 and the area code ("14 020")
        if _PHONE_CTX.search(text[max(0, m.start() - 30):m.start()]) or re.search(
                r"\b(?:gebeld|belde|bellen|gebeld\s+naar|bel)\b[^.\n]{0,15}$", text[max(0, m.start() - 30):m.start()], re.I):
            yield m.start(), m.end(), "phone"
    for m in EXTENSION.finditer(text):
        if m.group(0).startswith("x") and m.start() > 0 and text[m.start() - 1].isalnum():
            continue
        # "ext. 4432" is one unit; in "my extension is 4432" only the number is the data
        start = m.start() if m.start(1) - m.start() <= 10 and not re.search(r"\b(?:is|ist|est|es)\b", m.group(0)) else m.start(1)
        yield start, m.end(), "phone"


def identifiers(text: str) -> Iterator[Span]:
    """ID numbers after a keyword, and the national formats that validate on their own."""
    low = text.lower()
    anchored = ID_ANCHORED.finditer(text) if any(k in low for k in _ID_STEMS) else ()
    for m in anchored:
        v = m.group(1)
        if sum(c.isdigit() for c in v) >= 3 and not re.fullmatch(r"\d{1,2}[:.]\d{2}", v) and not _is_date(v):
            yield m.start(1), m.end(1), "id"
    for m in NI_NUMBER.finditer(text):
        yield m.start(), m.end(), "id"
    for m in SSN.finditer(text):
        if not _NOT_PHONE_CTX.search(text[max(0, m.start() - 30):m.start()]):
            yield m.start(), m.end(), "id"
    for m in DNI.finditer(text):  # the shape is specific enough; the check letter may be mistyped
        yield m.start(), m.end(), "id"
    for m in NIR_PLAIN.finditer(text):
        digits = m.group(0).replace("2A", "19").replace("2B", "18")
        if 97 - int(digits[:13]) % 97 == int(m.group(1)):
            yield m.start(), m.end(), "id"
    for m in IBAN.finditer(text):
        if _iban_ok(m.group(0)):
            yield m.start(), m.end(), "id"
    for m in NIR.finditer(text):
        if " " in m.group(0) or re.search(r"\b(?:nir|insee|sécu|sociale)\b", text[max(0, m.start() - 40):m.start()], re.I):
            yield m.start(), m.end(), "id"


def birth_dates(text: str) -> Iterator[Span]:
    """Dates tied to a birth ("born 12/03/1985", "DOB:", "geboren am", "né le", "fecha de nacimiento")."""
    low = text.lower()
    if not any(k in low for k in _DOB_STEMS):  # the full patterns are slow; few comments talk of births
        return
    for m in DOB.finditer(text):
        yield m.start(1), m.end(1), "dob"
    for m in DOB_AFTER.finditer(text):
        yield m.start(1), m.end(1), "dob"


def logins(text: str) -> Iterator[Span]:
    """User names after a keyword ("my login is jsmith01") and @handles."""
    for m in USERNAME_ANCHORED.finditer(text):
        v = m.group(1)
        kw = m.group(0)[:m.start(1) - m.start()].lower()
        if v.lower() in _NOT_LOGIN or "@" in text[m.end():m.end() + 1] or not v.isascii() or \
                (v.isupper() and not re.search(r"\d", v)):
            continue  # "USERNAME" is a placeholder; logins are ASCII
        if not re.search(r"[\d._]", v) and (fold(v) in plain_words() or v.lower().endswith(_WORD_ENDINGS)):
            continue
        weak_kw = re.match(r"(?:account|user|gebruiker|compte|cuenta|alias|handle)\b", kw.strip())
        copula = re.search(r"(?:\bis|\bist|\best|\bes|\blautet|:|=)\s*[(\"'“‘]?$", kw)
        from xmo_analysis.privacy.redaction_keyed import initial_surname
        if not (re.search(r"[\d._]", v) or _LOGIN_SHAPE.match(v) or initial_surname(v) or (copula and not weak_kw and fold(v) not in common_words())):
            continue  # "login loop", "user account": a word is a login only if shaped like one or after "is"
        yield m.start(1), m.end(1), "username"
    for m in HANDLE.finditer(text):
        if m.group(0).lower() not in _NOT_HANDLE:
            yield m.start(), m.end(), "username"
    if "\\" in text:
        for m in DOMAIN_LOGIN.finditer(text):
            yield m.start(), m.end(), "username"
    if _LOGIN_CONTEXT.search(text):  # "jsmith01 cannot log in": a login-shaped word near login talk
        for m in LOGIN_LIKE.finditer(text):
            v = m.group(0)
            if (_LOGIN_SHAPE.match(v) or "." in v) and fold(v) not in common_words() and v.lower() not in _NOT_LOGIN:
                yield m.start(), m.end(), "username"
