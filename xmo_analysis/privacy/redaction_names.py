"""Person names in free text (en, de, fr, es, nl): lexicon, titles, cues and sign-offs.

A token is a name when the evidence around it says so, not because it is capitalised:

- a first name from the lexicon that is not also an ordinary word, place or product ("Priya",
  "Siobhan") is a name anywhere, together with the surname-like tokens that follow it;
- a title (Mr, Frau, Mme, Sr., dhr., Officer...) names whatever capitalised tokens follow it;
- a cue ("thanks to", "spoke to", "my manager", "named", a sign-off) names the next token when it
  is capitalised and not an ordinary word, or a first name written in lower case ("sarah");
- a word that is also a first name (Will, Mark, Grace, May, Jordan, Victoria) is a name only with
  such a cue, a surname after it, a right-hand cue ("Will from IT") or another name beside it
  ("Chris and Jordan").

Spans cover the name tokens, particles and initials, never the title or a possessive "'s".
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from xmo_analysis.privacy.redaction_lexicon import (CALENDAR, FUNCTION_WORDS, LANGS, ambiguous_words, faker_names, fold, global_words,
                                lorem_words, nonperson_words, proper_nonperson_words)

_TOKEN = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_ELISION = re.compile(r"^(?:d|l|o)['’]", re.I)  # d'Estaing, O'Brien: look up the part after it
PARTICLES = frozenset("van von der den de del della la le du des da di dos das ten ter te 't y zu "
                      "bin ibn al el mac st".split())
TITLES = frozenset("""mr mrs ms miss mx dr prof sir dame lady lord herr herrn frau fräulein m mme mlle
monsieur madame mademoiselle sr sra srta señor señora señorita don doña dña d dhr mevr mw meneer
mevrouw juffrouw officer councillor cllr constable pc dc sergeant sgt inspector detective nurse
sister father rev reverend pastor coach captain capt judge professor doctor dott ing med dipl heer
wethouder burgemeester gedeputeerde raadslid bürgermeister bürgermeisterin maire alcalde alcaldesa concejal concejala""".split())
CASED_TITLES = frozenset({"Hr", "Fr", "Hrn"})  # "Hr. Meier", "Fr. Schulz": never the department HR
# Titles that are also ordinary words or letters: a title only when a capitalised token follows
# ("M. Girard", "Sister Mary"), which the main loop checks.
_ROLE = r"""(?:line\s+|team\s+|my\s+|our\s+|the\s+|your\s+|a\s+)?(?:manager|supervisor|boss|team\s?lead(?:er)?|
lead|colleague|co-?worker|agent|advis[oe]r|technician|tech|engineer|analyst|officer|nurse|doctor|
receptionist|consultant|rep|representative|contractor|driver|case\s?worker|warden|councillor|neighbou?r|
partner|husband|wife|son|daughter|mother|father|mum|mom|dad|brother|sister|friend|guy|lady|gentleman|
woman|chap|assessor|trainer|coach|mentor|buddy|director|head|clerk|cashier|courier|installer|
kollegen?|kollegin|chef|chefin|vorgesetzte[rn]?|mitarbeiter(?:in)?|sachbearbeiter(?:in)?|techniker(?:in)?|
ansprechpartner(?:in)?|teamleiter(?:in)?|betreuer(?:in)?|coll[eè]gue|responsable|conseill[eè]re?|agente?|
technicien(?:ne)?|gestionnaire|compa[nñ]er[oa]|jef[ea]|t[eé]cnic[oa]|funcionari[oa]|encargad[oa]|
asesor[a]?|collega|leidinggevende|baas|medewerk(?:er|ster)|monteur|behandelaar|adviseur|ambtenaar|wethouder|
burgemeester|huisarts|docent(?:e)?|juf|meester|consulent(?:e)?|klantmanager|casemanager|begeleider|begeleidster|
co[öo]rdinator|teamleider|directeur|receptioniste|verpleegkundige|buurman|buurvrouw|sachbearbeiterin|beamter|beamtin|
[a-zäöü]{3,12}(?:agent|berater(?:in)?|betreuer(?:in)?|leiter(?:in)?|coach|medewerker)|recruiter|
chica|chico|señora|señor|dame|monsieur|meneer|mevrouw|herr|frau)"""
_CUE = r"""(?:(?:(?:big|huge|special|many)\s+)?thanks(?:\s+(?:to|for))?|thank\s+you|thank|thx|cheers|kudos\s+to|
shout[\s-]?out\s+to|ask(?:ed)?(?:\s+for)?|asking(?:\s+for)?|(?:spoke|speak|speaking|
talked|talk|talking|chatted|chat|met|meeting)\s+(?:to|with)|(?:call|email|e-mail|message|reply|
response|visit)\s+from|emailed|messaged|rang|phoned|chased?|(?:escalated|passed|assigned|handed|
transferred|sent|forwarded|report(?:ed|s)?)\s+(?:it\s+)?to|(?:helped|served|supported|seen|assisted|handled|
attended|visited|contacted|interviewed|bullied|harassed|ignored|managed|trained|recommended|referred|replaced|
covered|told|advised|greeted|phoned|emailed|rung)\s+by|according\s+to|together\s+with|alongside|on\s+behalf\s+of|
known\s+as|someone\s+called|cc|named|called|its|(?:maiden|sur|last|family|birth|married)\s?name(?:\s+(?:is|was))?|
nach-?name|geburtsname|mädchenname|nom\s+de\s+(?:jeune\s+fille|famille)|apellido|achternaam|meisjesnaam|
(?:ich\s+heiße|je\s+m['’]appelle|me\s+llamo|ik\s+heet|i['’]m|my\s+name\s+is)\s+(?:now|jetzt|nun|maintenant|ahora|nu|actually|eigentlich)|namens|laut|zusammen\s+mit|nommée?|appelée?|un\s+certain|une\s+certaine|
selon|un\s+tal|una\s+tal|llamad[oa]|según|de\s+parte\s+de|ene|volgens|name\s+is|i['’]m|i\s+am|
this\s+is|it['’]s|signed|dear|hi|hello|hey|danke(?:\s+an)?|dank\s+an|vielen\s+dank(?:\s+an)?|
gesprochen\s+mit|ich\s+bin|ich\s+heiße|name\s+ist|merci(?:\s+à)?|grâce\s+à|parlé\s+(?:à|avec)|
de\s+la\s+part\s+de|je\s+suis|je\s+m['’]appelle|gracias(?:\s+a)?|habl[eé]\s+con|soy|me\s+llamo|
bedankt(?:\s+aan)?|dank\s+(?:aan|je|u)|gesproken\s+met|(?:chat|gesprek|gebeld|belde|contact|sprak|
telefoongesprek|afspraak)\s+met|(?:chat|gespräch|telefonat|telefoniert|termin)\s+mit|(?:chat|discut[ée]|rendez-vous)\s+avec|
(?:chat|hablado|cita)\s+con|ik\s+ben|ik\s+heet|genaamd|met\s+dank\s+aan)"""
# Cues are found once per comment; a token has a cue when a cue match ends where the token starts.
_LEFT_CUE = re.compile(r"(?:\b(?:" + _ROLE + r"|" + _CUE + r")(?!\w)\s*[,:(]?\s*|\(\s*i\s+think\s+)", re.I | re.X)
_NAMING_CUE = re.compile(r"\b(?:called|named|known\s+as|name\s+is|i['’]m|genaamd|heet|heiße|llamad[oa]|se\s+llama(?:ba)?|"
                         r"s['’]appel(?:le|ait)|nommée?|appelée?|namens)\s*[,:(]?\s*", re.I)
_WEAK_CUE = re.compile(r"\b(?:by|with|from|to|and|or|mit|von|bei|avec|par|con|por|met|door)\s+", re.I)
_RIGHT_CUE = re.compile(r"""^(?:['’]s\b|\s*\((?:[A-Z][\w&]*|it|hr|finance)\)|\s*,?\s+(?:from|on|at|in|of|
who|and\s+(?:her|his|she|he)|(?:fue|ha\s+sido|était|a\s+été|war|ist|was|is|est|es|
(?:was|is)\s+)\s*(?:muy\s+|très\s+|sehr\s+|heel\s+|erg\s+|super\s+|echt\s+)?(?:excelente|amable|maj[oa]|simpátic[oa]|
genial|estupend[oa]|excellente?|gentille?|sympa|adorable|toll|nett|freundlich|hilfsbereit|klasse|geweldig|aardig|
vriendelijk|behulpzaam|top)|was\s+(?:great|brilliant|amazing|helpful|rude|lovely|kind|patient|excellent|
fantastic|super|very|really|so|extremely)|is\s+(?:great|brilliant|amazing|helpful|rude|lovely|kind|
the\s+best|a\s+legend|a\s+star)|helped|fixed|sorted|said|told|explained|showed|called|rang|came|
answered|replied|picked|resolved|set|vom|von\s+der|aus\s+der|am\s+empfang|du|de\s+l['’]|de\s+la|
del|van\s+de|van\s+het)\b)""", re.I | re.X)
_LOWER_RIGHT_CUE = re.compile(r"""^\s*[?)]|^,?\s+(?:i\s+think|je\s+crois|je\s+pense|ich\s+glaube|glaub\s+ich|creo|
denk\s+ik|geloof\s+ik)\b|^\s+(?:on|at|from|in|van|bij|vom|von|am|an|de|du|del|à|en)\s+(?:the\s+|de\s+|het\s+|der\s+|
dem\s+|la\s+|le\s+|l['’]|el\s+)?(?:balie|receptie|loket|kassa|empfang|rezeption|kasse|accueil|guichet|caisse|
recepción|ventanilla|mostrador|caja|reception|front\s+desk|service\s?desk|help\s?desk|
desk|switchboard|phones?|counter|it|hr|payroll|finance|billing|accounts|support|night\s+shift|\w+\s+team)\b|
^\s+(?:was|is)\s+(?:great|brilliant|amazing|helpful|rude|lovely|kind|patient|excellent|super|so\s+helpful)""", re.I | re.X)
# A capitalised word followed by a number or a thing noun names a thing: "Apollo 3", "Atlas servers"
_THING_AFTER = re.compile(r"""^\s*(?:\d|(?:project|server|servers|room|system|systems|app|platform|portal|tool|device|
devices|laptop|laptops|release|programme|program|update|licen[cs]es?|account|building|site|office|line|station|road|
street|park|centre|center|hub|suite|module|service|services|cluster|database|db|environment|pipeline|board|wing|
floor|house|campus|drive|network|model|series|edition|plan)\b)""", re.I | re.X)
# After an unknown capitalised word, a team or an appositive role says it is a person:
# "Kwabena from the service desk", "Sophie, our scrum master"
_STRONG_RIGHT_CUE = re.compile(r"""^(?:\s+(?:from|on|at|in|of|vom|von|aus|du|de|del|van)\s+(?:the\s+|der\s+|dem\s+|la\s+|le\s+|
l['’]|el\s+|de\s+)?(?:service\s?desk|help\s?desk|servicedesk|reception|front\s+desk|it|hr|payroll|finance|billing|
accounts|support|facilities|security|legal|procurement|recruitment|night\s+shift|day\s+shift|\w+\s+team|team|
\w+\s+(?:support|desk|team)|
empfang|personalabteilung|buchhaltung|support|accueil|informatique|équipe|soporte|sistemas|recepción|nóminas|receptie|
servicedesk|helpdesk|afdeling|chat|phones?|telefoon|teléfono|téléphone|telefon|balie|loket|
receptie|kassa|caja|mostrador|ventanilla|guichet|klantenservice|kundenservice|service\s+client)\b|^\s*,\s+(?:our|my|the|your|a|unser[e]?|mein[e]?|notre|mon|ma|nuestr[oa]|mi|onze|mijn|la|el|le|de|het|die|der|
une?|una?)\s+
(?:\w+\s+)?""" + _ROLE.replace("(?:line\\s+|team\\s+|my\\s+|our\\s+|the\\s+|your\\s+|a\\s+)?", "") + r")", re.I | re.X)
_SMALL_NUMBER_AFTER = re.compile(r"\s\d{1,3}\b(?![\d\s().-]{4})")
_SIGN_OFF = re.compile(r"""(?:^|[\n.!?]\s*|\s)(?:(?:kind|best|warm|many|warmest)\s+(?:regards|wishes|thanks)|
regards|thanks|thank\s+you|cheers|best|all\s+the\s+best|ta|(?:mit\s+)?freundlichen\s+grüßen|
(?:viele|liebe|beste|herzliche)\s+grüße|grüße|gruß|lg|vg|mfg|cordialement|bien\s+(?:cordialement|à\s+vous)|
salutations|amicalement|bonne\s+journée|(?:un\s+)?saludos?|atentamente|un\s+abrazo|
(?:met\s+)?vriendelijke\s+groet(?:en)?|met\s+vriendelijke\s+groet(?:en)?|(?:hartelijke\s+)?groet(?:en|jes)?|mvg)
(?!\w)\s*[,!.:-]*\s*(?:[-—–]\s*)?""", re.I | re.X)
_MONTHS = frozenset(CALENDAR.split()) | {"jan"}  # "Jan" is also a name, so only a date beside digits
_SAINTS = frozenset("San Santa Santo São Saint St Sainte Sankt Sint Ste".split())
_CONTRACTION = re.compile(r"['’](?:m|ve|d|ll|re|t)$|^(?:j|c|n|qu|s|m|t)['’]", re.I)  # I'm, don't, j'ai, c'est
_DIGIT_LEFT = re.compile(r"\d(?:st|nd|rd|th|\.|er|e)?\s*$")
_DIGIT_RIGHT = re.compile(r"^\s*\d")
_STOP = {
    "de": set("und ist nicht der die das ich wir mit für auf sehr vom beim wurde hat haben kein keine eine einen "
              "dem den des war auch noch mein meine ihr sich bitte immer zum zur viele bei aus nach wie oder aber "
              "wenn dass sind wird werden kann muss nur schon seit über vor bis durch ohne um einer eines einem "
              "diese dieser dieses sie es er man im am ein".split()),
    "en": set("the and to is was of for with my i it in on at this that be have has not but they we you our me "
              "he she his her from by are were been an a so very".split()),
    "fr": set("le la les et est un une des du de pas pour avec mon ma mes je nous vous il elle sur dans très "
              "mais qui que été ont au aux ce cette son sa".split()),
    "es": set("el la los las y es un una de del que en por para con mi mis yo no muy pero fue está son al lo "
              "su se le nos".split()),
    "nl": set("de het een en is van ik niet mijn met op voor zijn was er maar ook heel wel nog al dat die te "
              "om bij naar uit ze hij zij geen heb heeft wordt toen weer nooit krijg".split()),
}


def _language(text: str) -> str:
    """"en", "de", "fr", "es", "nl", or "" when too short to tell: a word of that language is only
    ambiguous in a comment of that language ("Claire" is an adjective in French only)."""
    words = re.findall(r"[a-zäöüßéèêàáíóúñç']+", text.lower())
    counts = {lang: sum(w in stop for w in words) for lang, stop in _STOP.items()}
    best = max(counts, key=counts.get)
    ahead = sorted(counts.values())[-2]
    return best if counts[best] >= 2 and counts[best] > ahead else ""


@lru_cache(maxsize=64)
def _extra(names: tuple[str, ...]) -> tuple[frozenset, re.Pattern | None]:
    """Tokens and a whole-name pattern for the organisation's own names (staff, assignees)."""
    toks = frozenset(fold(t) for n in names for t in _TOKEN.findall(n) if len(t) > 1)
    full = sorted({n.strip() for n in names if len(n.strip()) > 2}, key=len, reverse=True)
    pat = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in full) + r")(?!\w)", re.I) if full else None
    return toks, pat


@lru_cache(maxsize=200_000)
def _facts(word: str) -> tuple:
    """What the lexicons say about one word; cached, since comments reuse few distinct words."""
    first, weak_first, last, weak_last = faker_names()
    glob = global_words()
    elided = _ELISION.match(word) if len(word) > 3 else None
    body = word[elided.end():] if elided else word
    key, whole = fold(body), fold(word)
    cap = body[:1].isupper() and (not body.isupper() or len(body) == 1)
    parts = key.split("-")
    is_first = key in first or (len(parts) > 1 and all(p in first for p in parts))
    # "Íker" as written, "Iker" in the list: weak evidence only ("Signé" is no Signe)
    bare = "".join(c for c in unicodedata.normalize("NFD", key) if not unicodedata.combining(c)) if not key.isascii() else key
    accent_only = bare != key and not is_first and bare in first and bare not in glob
    is_last = key in last or (len(parts) > 1 and all(p in last or p in ("al", "el", "ben", "bin", "abu", "ibn")
                                                      for p in parts))
    if not is_last and len(parts) == 2 and cap and all(p[:1].isalpha() and len(p) > 2 for p in parts) \
            and any(p in last for p in parts) and not any(p in glob for p in parts):
        is_last = True  # "Hendriks-Oudeman": a double surname with one known half
    common = sum(1 << b for b, lang in enumerate(LANGS) if key in ambiguous_words(lang) or whole in ambiguous_words(lang))
    plain = sum(1 << b for b, lang in enumerate(LANGS) if key in lorem_words(lang))
    everywhere = key in glob or whole in glob or bool(_CONTRACTION.search(word))
    return (key, cap, (everywhere, common), (key in _FUNCTION, plain),
            key in proper_nonperson_words(), whole in nonperson_words(), is_first, is_last,
            key in weak_first or key in weak_last or accent_only, whole in TITLES,
            word in PARTICLES or word.lower() in ("van", "de", "von", "der", "den", "la", "le", "del"),
            len(word) == 1 and word.isupper() and word != "I")


@lru_cache(maxsize=1)
def particle_surnames() -> frozenset:
    """The core of surnames written with particles ("van der Meer" -> "meer", "de Groot" -> "groot"):
    the lexicon drops multi-word entries, so a Dutch "Meer" or "Dijk" is not a surname there."""
    import importlib
    out = set()
    for loc in ("nl_NL", "nl_BE", "de_DE", "de_AT", "fr_FR", "fr_BE"):
        try:
            prov = importlib.import_module(f"faker.providers.person.{loc}").Provider
        except ImportError:
            continue
        for v in getattr(prov, "last_names", ()):
            parts = v.split() if isinstance(v, str) else []
            if len(parts) > 1 and parts[0] in PARTICLES and parts[-1][:1].isupper():
                out.add(fold(parts[-1]))
    return frozenset(out)


# Nouns of venues and places named after a person: "salle Victor Hugo", "zwembad De Roos", "room Jordan"
_VENUE = frozenset("""salle rue avenue boulevard quai lycée collège école stade gymnase hôpital musée théâtre zaal
ziekenhuis zwembad sporthal schouwburg vergaderzaal vergaderruimte calle plaza sala colegio instituto hospital estadio
avenida paseo museo teatro room saal raum gymnasium klinikum stadion hallenbad freibad besprechungsraum
quartier wijk buurt barrio viertel stadtteil résidence cité""".split())
# Shops and brands named after their founders
_BRAND = re.compile(r"\b(?:Albert\s+Heijn|Jan\s+Linders|Dirk\s+van\s+den\s+Broek|Marks\s+(?:&|and)\s+Spencer|Hugo\s+Boss|"
                    r"Calvin\s+Klein|Ralph\s+Lauren|Tommy\s+Hilfiger|Ronald\s+McDonald|Ben\s+(?:&|and)\s+Jerry)\b")
# Stock figures of speech built on a first name: "Jan Modaal", "Joe Bloggs", "Otto Normalverbraucher"
_IDIOM = re.compile(r"\b(?:Jan\s+(?:Modaal|Publiek|Rap|Salie|Soldaat|met\s+de\s+pet|en\s+alleman)|Joe\s+Bloggs|Joe\s+Public|"
                    r"John\s+Q\.?\s+Public|Tom,\s+Dick\s+(?:and|&)\s+Harry|Otto\s+Normal(?:verbraucher|bürger)|"
                    r"Hinz\s+und\s+Kunz|Monsieur\s+Tout-le-monde|Juan\s+Pueblo)\b", re.I)
# A street or place word after a word-name: "Rose Avenue", "Victoria Road"
_STREET_AFTER = re.compile(r"^\s+(?:avenue|street|road|lane|close|grove|square|crescent|terrace|gardens|boulevard|drive|"
                           r"way|place|park|hill|straat|laan|weg|plein|gracht|kade|singel|straße|strasse|allee|platz|gasse)\b", re.I)
_ROLE_BEFORE = re.compile(r"\b(?:" + _ROLE + r"|(?:chat|chatted|spoke|talked|gesprek|gesproken|gebeld|belde|sprak|gespräch|"
                          r"gesprochen|telefoniert|parlé|discuté|hablé|hablado)\s+(?:met|with|to|mit|avec|à|con)|sprak|belde|mailde|"
                          r"appte|spoke\s+to|talked\s+to)\s*[,:]?\s*$", re.I | re.X)
_PREP_BEFORE = re.compile(r"\b(?:to|with|from|for|by|met|aan|bij|voor|naar|mit|von|bei|für|avec|à|pour|con|a|para)\s+$", re.I)
_PLACE_PREP = frozenset("in naar uit te richting gemeente stad provincie regio from to".split())
_THEN = r"(?:then|toen|daarna|dann|danach|puis|ensuite|luego|después)"


def _is_title(tok: "_Tok", text: str) -> bool:
    return tok.title or (tok.text in CASED_TITLES and text[tok.end:tok.end + 1] == ".")


_FUNCTION = frozenset(FUNCTION_WORDS.split())


class _Tok:
    """One word of the comment with the facts the rules look at."""

    __slots__ = ("start", "end", "text", "key", "cap", "first", "weak", "last", "common", "nonperson",
                 "title", "particle", "initial", "plain", "proper")

    def __init__(self, m: re.Match, text: str, extra: frozenset, langs: int):
        self.start, self.text = m.start(), m.group(0)
        self.end = m.end()
        if self.text.endswith(("'s", "’s")) and len(self.text) > 3:
            self.end -= 2  # the possessive is not part of the name
        self.text = text[self.start:self.end]
        (self.key, self.cap, self.common, self.plain, self.proper, self.nonperson, self.first, self.last, self.weak,
         self.title, self.particle, self.initial) = _facts(self.text)
        self.common = self.common[0] or bool(self.common[1] & langs)  # ordinary in this comment's language
        self.plain = self.plain[0] or bool(self.plain[1] & langs)
        if extra and self.key in extra:
            self.first = self.last = True
        if self.text == "t" and self.start > 0 and text[self.start - 1] in "'’":
            self.start -= 1  # "van 't Hof": the apostrophe belongs to the particle
            self.text, self.particle, self.initial = text[self.start:self.end], True, False
        if self.key in _MONTHS and (_DIGIT_LEFT.search(text[max(0, self.start - 6):self.start])
                                    or _DIGIT_RIGHT.match(text[self.end:self.end + 3])):
            self.nonperson = True  # "5 Jan", "June 2024": a date, not a person
        elif self.key in _MONTHS and re.search(r"\b(?:in|since|until|till|through|sinds|tot|vanaf|seit|bis|im|depuis|"
                                               r"jusqu['’]en|desde|hasta)\s+$", text[max(0, self.start - 12):self.start], re.I):
            self.nonperson = True  # "paid in Jan", "since May": a month

    @property
    def strong_first(self) -> bool:
        return self.cap and self.first and not self.common and not self.nonperson and len(self.text) > 2


def find_names(text: str, extra_names: tuple[str, ...] = (), blocked: bytearray | None = None) -> list[tuple[int, int]]:
    """Spans of person names in ``text``.

    Parameters
    ----------
    text : str
        A comment.
    extra_names : tuple of str, optional
        The organisation's own names (a staff directory, ticket assignees): found as whole names
        and used as lexicon entries.
    blocked : bytearray, optional
        One byte per character, non-zero where another detector already found something (an
        e-mail, a URL): tokens there are ignored.

    Returns
    -------
    list of (int, int)
        Sorted, non-overlapping character spans.
    """
    extra, full = _extra(tuple(extra_names))
    lang = _language(text)
    # Which languages' ordinary words count: the comment's own, plus English for the IT loan words
    # ("Server", "Job"); German capitalises every noun, so there, and when unsure, all of them.
    langs = (1 << LANGS.index(lang)) | 1 if lang and lang != "de" else (1 << len(LANGS)) - 1
    toks = [t for t in (_Tok(m, text, extra, langs) for m in _TOKEN.finditer(text))
            if not (blocked and any(blocked[t.start:t.end]))]
    german = lang == "de"
    lazy: dict[str, set] = {}
    skip: set = set()
    for i in range(1, len(toks)):  # "salle Victor Hugo": the place's name, not a person
        if fold(toks[i - 1].text) in _VENUE and toks[i].cap and text[toks[i - 1].end:toks[i].start] == " ":
            j = i
            while j < len(toks) and (j == i or text[toks[j - 1].end:toks[j].start] == " ") and (toks[j].cap or toks[j].particle):
                skip.add(j)
                j += 1
    for i in range(1, len(toks)):  # "Het Wilhelmus", "Het Rijk": a capitalised article names a thing
        if toks[i - 1].text == "Het" and toks[i].cap and text[toks[i - 1].end:toks[i].start] == " ":
            skip.add(i)
    for b in list(_BRAND.finditer(text)) + list(_IDIOM.finditer(text)):
        skip.update(k for k, t in enumerate(toks) if b.start() <= t.start < b.end())
    tails = particle_surnames() if any(t.particle for t in toks) else frozenset()

    def ends(name: str, pattern: re.Pattern) -> set:  # cue scans are costly: run each at most once, if needed
        if name not in lazy:
            lazy[name] = {m.end() for m in pattern.finditer(text)}
        return lazy[name]
    hit = [False] * len(toks)

    def gap(i: int) -> str:  # the characters between token i-1 and token i
        return text[toks[i - 1].end:toks[i].start] if i > 0 else text[:toks[i].start]

    def joined(i: int) -> bool:  # token i follows token i-1 inside one name ("Anne Dubois", "J. Thornton")
        g = gap(i)
        return g == " " or (g in (". ", ".") and toks[i - 1].initial) or (g == ". " and _is_title(toks[i - 1], text))

    def surname_like(t: _Tok) -> bool:
        if t.nonperson or not t.cap or t.title:
            return False
        return t.last or t.first or t.initial or not (t.common or t.weak) or t.weak

    def extend(i: int) -> int:
        """Mark token i and the surname-like tokens joined after it; return the last index."""
        hit[i] = True
        j = i
        if toks[i].particle:  # a title before particles: "mevr. De Jong", "Dhr. van der Berg"
            k = j
            while k + 1 < len(toks) and joined(k + 1) and toks[k + 1].particle and not toks[k + 1].cap and k - j < 2:
                k += 1
            if not (k + 1 < len(toks) and joined(k + 1) and toks[k + 1].cap and not toks[k + 1].nonperson):
                hit[i] = False
                return i
            for m in range(j, k + 2):
                hit[m] = True
            j = k + 1
        while j + 1 < len(toks) and joined(j + 1):
            nxt = toks[j + 1]
            if nxt.particle:  # "van der Berg", "de la Fontaine": particles count only before a surname
                k = j + 1
                while k + 1 < len(toks) and joined(k + 1) and toks[k + 1].particle and k - j < 3:
                    k += 1
                if k + 1 < len(toks) and joined(k + 1) and toks[k + 1].cap and not toks[k + 1].nonperson:
                    for m in range(j + 1, k + 2):
                        hit[m] = True
                    j = k + 1
                    continue
                break
            short_word = nxt.plain and len(nxt.text) <= 3 and not nxt.initial  # "Tom He said", "Tom Das war"
            if not surname_like(nxt) or short_word or (nxt.common and not nxt.last and not nxt.initial):
                break
            hit[j + 1] = True
            j += 1
        return j

    def initial_not_title(i: int) -> bool:
        """"M." is Monsieur in French (and when the language is unclear), "D." Don in Spanish; elsewhere initials."""
        k = fold(toks[i].text)
        return k in ("m", "d") and toks[i].text.isupper() and lang not in (("fr", "") if k == "m" else ("es",)) \
            and gap(i + 1) == ". " if i + 1 < len(toks) else False

    def particle_surname(i: int, known: bool) -> bool:
        """Token i is followed by particles and a surname ("Wil van der Meer", "Roos van 't Hof")."""
        k = i + 1
        while k < len(toks) and joined(k) and toks[k].particle and not toks[k].cap and k - i <= 3:
            k += 1
        if k == i + 1 or k >= len(toks) or not joined(k) or not toks[k].cap or toks[k].nonperson or toks[k].particle:
            return False
        sur = toks[k]
        return sur.key in tails or (sur.last and not sur.first) or (not known and not sur.common and not sur.proper)

    for i, t in enumerate(toks):
        if hit[i] or i in skip:
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) and joined(i + 1) else None
        if t.cap and not t.title and nxt is not None and _STREET_AFTER.match(text[t.end:t.end + 20]) and not (
                t.strong_first and nxt.last):
            skip.add(i + 1)
            continue  # "Rose Avenue" without a number: a street
        if t.initial and i + 1 < len(toks) and toks[i + 1].initial and gap(i + 1) in (".", ". "):
            k = i + 1  # "A.J. Kuipers": initials run into a surname
            while k + 1 < len(toks) and toks[k + 1].initial and gap(k + 1) in (".", ". "):
                k += 1
            if k + 1 < len(toks) and gap(k + 1) in (". ", " ") and toks[k + 1].cap and toks[k + 1].last \
                    and not toks[k + 1].nonperson:
                extend(i)
                continue
        if t.cap and t.particle and fold(t.text) in ("van", "de", "den", "ter", "ten", "von", "vanden", "vander") \
                and not _sentence_start(text, t.start) and not (i > 0 and fold(toks[i - 1].text) in _VENUE | _PLACE_PREP) \
                and not (fold(t.text) == "den" and not (i + 1 < len(toks) and toks[i + 1].particle)):
            k = i + 1  # "het is Van den Heuvel": a capitalised particle starts a Dutch surname
            while k < len(toks) and joined(k) and toks[k].particle and not toks[k].cap and k - i <= 2:
                k += 1
            if k < len(toks) and joined(k) and toks[k].cap and not toks[k].nonperson and not toks[k].particle \
                    and (toks[k].key in tails or toks[k].last and not toks[k].common):
                for m in range(i, k + 1):
                    hit[m] = True
                extend(k)
                continue
        if t.text in _SAINTS or (i > 0 and toks[i - 1].text in _SAINTS and joined(i)):
            continue  # "San Miguel", "Santa María", "St Helens": a place or a church
        if _is_title(t, text) and nxt is not None and (nxt.cap or nxt.particle) and not nxt.nonperson:
            # "M." and "D." are titles only before a capitalised name; stacked titles ("Frau Dr.")
            if fold(t.text) in ("m", "d") and gap(i + 1) != ". ":
                continue
            if initial_not_title(i):  # "D. Kaur" in English, "M. Lehmann" in German: an initial
                extend(i)
                continue
            j = i + 1
            while j < len(toks) and toks[j].title and j + 1 < len(toks) and joined(j + 1) and not initial_not_title(j):
                j += 1
            if j < len(toks) and not toks[j].nonperson:
                extend(j)  # the title itself stays: it is not personal data, and labels leave it out
            continue
        if t.strong_first and not _SMALL_NUMBER_AFTER.match(text, t.end):
            extend(i)  # ... but "Apollo 3" is a meeting room
            continue
        cue = (t.cap and not t.nonperson and not t.title and (not t.common or t.first or t.last or t.initial or t.weak)
               or not t.cap and t.first and not t.common) and t.start in ends("cue", _LEFT_CUE)
        after = text[t.end:t.end + 40]
        if t.cap and not t.nonperson and not t.title:
            surname_next = nxt is not None and nxt.cap and (nxt.last or nxt.first) and not nxt.common and not nxt.nonperson
            if t.initial and nxt is not None and gap(i + 1) in (". ", " ") and nxt.cap and not nxt.nonperson \
                    and (nxt.last or (cue and not nxt.common)):
                extend(i)
            elif (t.first or t.weak) and surname_next:
                extend(i)  # "Mark Davies", "Grace O'Neill": the surname settles the ambiguity
            elif not t.particle and not t.proper and len(t.text) > 2 and (t.first or t.weak or not t.common) \
                    and particle_surname(i, not (t.first or t.weak)):
                extend(i)  # "Wil van der Meer", "Roos van 't Hof": particles between two capitals
            elif not t.common and not t.weak and surname_next and nxt.last and not nxt.first and not german:
                extend(i)  # "Olusegun Adeyemi": unknown given name before a known surname
            elif t.last and not t.common and nxt is not None and nxt.strong_first and not german:
                extend(i)  # "Zhang Wei", "Nguyen Thanh": family name first
            elif cue and len(t.text) > 1 and (not t.common or t.first or t.last or t.weak and len(t.text) > 2) and not (german and not (t.first or t.last)):
                extend(i)
            elif not t.common and not t.weak and not t.proper and not german and len(t.text) > 2 \
                    and _STRONG_RIGHT_CUE.match(after):
                extend(i)  # "Kwabena from the service desk", "Sophie, our scrum master"
            elif (t.first or t.weak) and len(t.text) > 2 and _STRONG_RIGHT_CUE.match(after):
                extend(i)  # "Mark from desktop support", "Jordan on the night shift": even a word-name
            elif t.weak and len(t.text) > 2 and t.start in ends("naming", _NAMING_CUE):
                extend(i)  # "someone called Will"
            elif (t.first or t.last) and not t.common and t.start in ends("weak", _WEAK_CUE) and not german:
                extend(i)  # "bullied by Thornton"
            elif t.first and _RIGHT_CUE.match(after) and not _sentence_start(text, t.start) \
                    and not (t.key in _MONTHS and re.match(r"['’]s\b", after)):
                extend(i)  # "Will from IT" mid-sentence
            elif t.first and not t.proper and not t.plain and lang in ("en", "nl") and len(t.text) > 2 \
                    and t.key not in _MONTHS and not _sentence_start(text, t.start) and not _THING_AFTER.match(after) \
                    and not (i > 0 and gap(i) == " " and (toks[i - 1].cap and toks[i - 1].particle or fold(toks[i - 1].text)
                                                           in ("het", "the", "a", "an", "een", "de"))):
                extend(i)  # a capital mid-sentence makes "Mark", "Grace" a proper noun
        elif not t.cap and t.first and not t.nonperson and not t.title and len(t.text) > 2 and (not t.common or not t.plain and (
                _ROLE_BEFORE.search(text, max(0, t.start - 40), t.start) or _LOWER_RIGHT_CUE.match(after)
                and _PREP_BEFORE.search(text, max(0, t.start - 12), t.start))):
            if cue or _LOWER_RIGHT_CUE.match(after) or t.common:
                hit[i] = True  # "sarah on reception", "thanks to emma"
                j = i + 1  # "mari carmen", "sam t.", "jana w."
                while j < len(toks) and gap(j) == " " and j - i <= 2 and (
                        not toks[j].cap and toks[j].first and not toks[j].common and len(toks[j].text) > 2
                        or len(toks[j].text) == 1 and text[toks[j].end:toks[j].end + 1] == "."):
                    hit[j] = True
                    if len(toks[j].text) == 1:
                        break
                    j += 1
    inverted: list[tuple[int, int]] = []
    for i in range(1, len(toks)):  # "Patel, Anjali": a surname before a comma and a found first name
        p = toks[i - 1]
        if hit[i] and not hit[i - 1] and toks[i].first and gap(i) == ", " and p.cap and p.last and not p.common \
                and not p.nonperson and not p.first and not (i > 1 and hit[i - 2]):
            hit[i - 1] = True
            inverted.append((p.start, toks[i].end))
    _sign_off(text, toks, hit, {m.end() for m in _SIGN_OFF.finditer(text)})
    _coordinated(text, toks, hit)
    spans = [(t.start, t.end) for t, h in zip(toks, hit) if h] + inverted
    if full is not None:
        spans += [(m.start(), m.end()) for m in full.finditer(text)]
    return _merge(spans, text)


def _sentence_start(text: str, pos: int) -> bool:
    before = text[:pos].rstrip(" \t\"“'«")
    return not before or before[-1] in ".!?\n:;"


def _sign_off(text: str, toks: list, hit: list, after_sign_off: set) -> None:
    """Names after a sign-off ("Regards, Aoife Byrne"), unless they are a team ("Finance Team")."""
    for i, t in enumerate(toks):
        if hit[i] or not t.cap or t.nonperson or t.title or (t.common and not t.first):
            continue
        if t.start not in after_sign_off:
            continue
        j, run = i, []
        while j < len(toks) and (j == i or text[toks[j - 1].end:toks[j].start] == " ") and toks[j].cap:
            run.append(j)
            j += 1
        if any(toks[k].nonperson for k in run) or len(run) > 3:
            continue  # "Regards, IT Support Team": a team, not a person
        rest = text[toks[run[-1]].end:].strip()
        if rest and not re.match(r"^(?:[(\[,.!\-—]|$)", rest) and len(rest) > 0 and not rest.startswith("\n"):
            continue  # the sign-off word began a sentence ("Thanks, Great job")
        for k in run:
            hit[k] = True


def _coordinated(text: str, toks: list, hit: list) -> None:
    """A first name listed with a found name ("Chris and Jordan", "Grace, Will and Mark")."""
    link = re.compile(r"^(?:\s*,\s*|\s+(?:and|&|or|und|et|y|e|en|oder|ou|o|of)\s+|\s*,\s*(?:and|und|et|y|en)\s+|\s*/\s*|"
                      r"\s*,?\s+(?:(?:and|en|und|et|y)\s+)?" + _THEN + r"\s+(?:(?:with|met|mit|avec|con)\s+)?)$")
    or_link = re.compile(r"^\s+(?:or|oder|ou|o|of)\s+$|^\s*/\s*$")
    changed = True
    while changed:
        changed = False
        for i, t in enumerate(toks):
            lower_name = not t.cap and t.first and not t.common and len(t.text) > 2  # "ravi and joanna"
            unknown = t.cap and not t.common and not t.proper and not t.nonperson and not t.title and len(t.text) > 2 \
                and not _sentence_start(text, t.start)  # "Kees of Cees": a spelling offered as an alternative
            if hit[i] or not (t.cap or lower_name) or not (t.first or t.weak or unknown) or t.nonperson or len(t.text) < 2:
                continue
            for j in (i - 3, i - 2, i - 1, i + 1, i + 2, i + 3):
                if 0 <= j < len(toks) and hit[j]:
                    a, b = (toks[j], t) if j < i else (t, toks[j])
                    g = text[a.end:b.start]
                    if link.match(g) and (t.first or t.weak or or_link.match(g)):
                        hit[i] = changed = True
                        break


def _merge(spans: list, text: str) -> list[tuple[int, int]]:
    """Join spans separated only by a space, a hyphen, a period after an initial or a particle."""
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and (s <= out[-1][1] or re.fullmatch(r"\.? ?|\s", text[out[-1][1]:s])):
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e + 1 if e < len(text) and text[e] == "." and e - s >= 1 and text[e - 1].isalpha()
             and (e - 1 == s or not text[e - 2].isalpha()) else e) for s, e in out]
