"""Word lists for name detection: person names, titles, cues and the words that only look like names.

Person names come from Faker's per-locale person providers (MIT licence), loaded on first use and
cached: importing Faker's 60-odd locale modules costs about 0.3 s, which a package import must not
pay. Ordinary words come from Faker's lorem word lists (MIT; about 1,000 frequent words for each of
en, de, fr, es, nl) plus the hand-written lists below, which are what a name list alone gets wrong:
words and places that are also first names (Will, May, Grace, Jordan, Florence), products and
organisations (Teams, Apple, Dell), and team words used in sign-offs ("Regards, Finance Team").
"""
from __future__ import annotations

import importlib
import pkgutil
import unicodedata
from functools import lru_cache

# Locales whose lists are checked and broad; a name found only in Faker's generic "en" list (US
# baby names, which include "Unique", "Handy", "Author") or in one minor locale is kept as *weak*:
# it counts as a name only next to other name evidence, never alone.
CORE = {"en_US", "en_GB", "en_IE", "en_IN", "en_NZ", "en_KE", "en_NG", "en_PK", "de_DE", "de_AT",
        "de_CH", "fr_FR", "fr_BE", "fr_CH", "fr_CA", "es_ES", "es_MX", "es_AR", "es_CO", "es_CL",
        "nl_NL", "nl_BE", "it_IT", "pt_PT", "pt_BR", "pl_PL", "ro_RO", "tr_TR", "ga_IE", "yo_NG",
        "ig_NG", "ha_NG", "cs_CZ", "hu_HU", "sv_SE", "da_DK", "no_NO", "fi_FI", "hr_HR", "zh_CN",
        "ja_JP", "vi_VN"}


def fold(word: str) -> str:
    """Case-fold and strip a possessive, so that "Gavin's" and "GAVIN" look up as "gavin"."""
    w = word.casefold()
    return w[:-2] if w.endswith(("'s", "’s")) else w


def _latin(s: str) -> bool:
    # ASCII letters are all Latin: most names answer here, without a Unicode name lookup per character
    return s.isascii() or all(not c.isalpha() or "LATIN" in unicodedata.name(c, "") for c in s)


@lru_cache(maxsize=1)
def faker_names() -> tuple[frozenset, frozenset, frozenset, frozenset]:
    """Strong first names, weak first names, strong last names, weak last names (case-folded).

    Returns
    -------
    tuple of frozenset
        ``(first, weak_first, last, weak_last)``; Latin-script names only (romanised lists for
        Chinese and Japanese), since comments in the five languages spell names that way.
    """
    import faker.providers.person as person

    seen: dict[tuple[str, str], set] = {}
    for mod in pkgutil.iter_modules(person.__path__):
        prov = importlib.import_module(f"{person.__name__}.{mod.name}").Provider
        for kind, attrs in (("first", ("first_names", "first_names_male", "first_names_female",
                                        "first_romanized_names")),
                            ("last", ("last_names", "last_romanized_names"))):
            for attr in attrs:
                values = prov.__dict__.get(attr)
                if not isinstance(values, (list, tuple, dict, set)):
                    continue
                for v in values:
                    if isinstance(v, str) and " " not in v and _latin(v):
                        seen.setdefault((kind, fold(v)), set()).add(mod.name)
    out = {"first": set(), "weak_first": set(), "last": set(), "weak_last": set()}
    for (kind, name), locs in seen.items():
        strong = len(locs) >= 2 or bool(locs & CORE)
        out[kind if strong else "weak_" + kind].add(name)
    out["first"] |= set(EXTRA_FIRST.split())
    out["last"] |= set(EXTRA_LAST.split())
    return (frozenset(out["first"]), frozenset(out["weak_first"] - out["first"]),
            frozenset(out["last"]), frozenset(out["weak_last"] - out["last"]))


LANGS = ("en", "de", "fr", "es", "nl")
_LOREM = {"en": "en_US", "de": "de_DE", "fr": "fr_FR", "es": "es_ES", "nl": "nl_NL"}


@lru_cache(maxsize=8)
def lorem_words(lang: str) -> frozenset:
    """Faker's lorem list for one of :data:`LANGS` (about 1,000 frequent words), case-folded."""
    return frozenset(fold(w) for w in importlib.import_module(f"faker.providers.lorem.{_LOREM[lang]}").Provider.word_list)


@lru_cache(maxsize=8)
def ambiguous_words(lang: str) -> frozenset:
    """Words of one language that are also names: its lorem words and its hand-written list."""
    own = {"en": AMBIGUOUS_EN, "de": AMBIGUOUS_DE, "fr": AMBIGUOUS_FR, "es": AMBIGUOUS_ES, "nl": AMBIGUOUS_NL}[lang]
    return frozenset((lorem_words(lang) | set(own.split())) - NOT_COMMON)


@lru_cache(maxsize=1)
def plain_words() -> frozenset:
    """The lorem lists and :data:`FUNCTION_WORDS`: ordinary words, without places or names.

    Returns
    -------
    frozenset of str
        Case-folded.
    """
    words: set[str] = set(FUNCTION_WORDS.split())
    for lang in LANGS:
        words |= lorem_words(lang)
    return frozenset(words - NOT_COMMON)


@lru_cache(maxsize=1)
def common_words() -> frozenset:
    """Ordinary words of any of the five languages, places, products and team words.

    Returns
    -------
    frozenset of str
        Case-folded: :func:`global_words` and :func:`ambiguous_words` of every language.
    """
    out = set(global_words())
    for lang in LANGS:
        out |= ambiguous_words(lang)
    return frozenset(out)


@lru_cache(maxsize=1)
def global_words() -> frozenset:
    """Words that are no first name whatever the comment's language: places, products, calendar,
    team words and :data:`FUNCTION_WORDS`."""
    return frozenset(set(" ".join((PLACES, PRODUCTS, CALENDAR, FUNCTION_WORDS)).split()) - NOT_COMMON) | nonperson_words()


@lru_cache(maxsize=1)
def proper_nonperson_words() -> frozenset:
    """Places, products, calendar words and seasons: capitalised mid-sentence, yet no person.

    Returns
    -------
    frozenset of str
        Case-folded.
    """
    return frozenset(" ".join((PLACES, PRODUCTS, CALENDAR, "summer winter autumn spring fall")).split()) - NOT_COMMON


@lru_cache(maxsize=1)
def nonperson_words() -> frozenset:
    """Team words and calendar words (less the months that are names): never part of a name.

    Places and products are not here: Victoria, Jordan, Ford and Jenkins are people too, so they are
    only *ambiguous* (see :func:`common_words`).

    Returns
    -------
    frozenset of str
        Case-folded.
    """
    months_as_names = {"april", "may", "june", "july", "august", "mai", "avril", "juni", "augustus"}
    return frozenset(set(" ".join((TEAM_WORDS, CALENDAR)).split()) - months_as_names)


# Lorem lists hold a few words that are far more often names in comments than the word itself.
NOT_COMMON = frozenset("anna eva hans olga karl carlos juan pedro pablo josé maría martín miguel manuel "
                       "francisco antonio fernando rafael jorge luis felipe santiago marco pierre "
                       "françois sean marc louis paul peter john mary thomas garcía gonzález lópez rodríguez "
                       "fernández martínez sánchez pérez gómez díaz".split())

# Words that are also first names, by language. In a comment of that language such a token is a name
# only with context: a title, a cue ("thanks to", "my manager"), or a surname beside it. Elsewhere it is
# a name like any other: "Claire" is a word in French, a woman in an English comment.
AMBIGUOUS_EN = """
will may mark grace june april august autumn summer winter spring hope faith joy charity patience
mercy constance honor honour felicity verity trinity destiny harmony melody serenity liberty justice
chance chase hunter ray rich rob pat sue guy jack jay dawn amber crystal diamond ruby pearl jade ivy
holly heather iris lily rose daisy violet olive poppy fern hazel sage willow sky storm rain river
brook stone forest golden star sunny bill art ward grant miles lance dean drew frank gene max min
don van long young can case line page job major general constant valid unique unknown server said
made media press fleet branch orange handy tiny fancy early ever among reason author lot per sol odd
edit else dev trace link echo atlas corona blessing gift favour favor precious goodness comfort
wisdom prosper innocent lucky happy marvel treasure miracle promise peace love lovely sweet honey
candy cherry berry ginger pepper basil clay cliff dale glen wade penny bud buck cash colt dash duke
earl king prince princess queen royal baron marshal sterling taylor mason cooper carter parker
porter baker fisher tanner archer ranger rider walker banks brown gray grey green white black red
rusty sandy misty dusty west north south east wolf fox bear bird robin wren lark dove drake swan
hawk raven bunny kitty saint genesis eden heaven journey legend rebel maverick ace champ hero nova
sunday monday friday tuesday christmas easter noel holiday bank park hall church lane field wood
well wells hill cross street hart deal best still even less more most just note sun moon new old bay
son del bella beau belle ha ho le li lo ma mo mi su ty wu xu yu al bo ed jo lu vi ki sim harm sep
meta lex peer tilde lone mile sole mad kick greet lean tea toy tone sad mate till aura status
default latin cyrillic marsh rivers power gold silver steel bond mills ford woods price cook smith
miller shepherd butcher mayor sherrif date pages master stack hook post smart lord heron toner pop
bare char handler reader hardy hull dam gang ram lam ban maxi repo sys
"""

AMBIGUOUS_DE = """
allen berg dass dom einer ende engel ernst fee felder flora frisch fügen gute harte heide juli juni
kai klammer kraft lage langer liebe linke mai mangel mark modi nur rat rein reiter rose sommer sonne
stein stern tag tor villa weiss weiß
"""

AMBIGUOUS_FR = """
aimé aimée ange aurore avril barre blanche breton carrier clair claire courtois céleste désiré
désirée fidèle font félicité grâce honoré jeton laurier lombard luna lundi maj malte marchal mare
marin marine marron mars modeste olivier pierre prudence racine rivière roche rose stocker tardif
vallée victoire vide ville violette
"""

AMBIGUOUS_ES = """
abarca alba alemán alfa altera amparo anda angel ante asunción aurora barra barrera blanca borde
borra cadena cadenas campo campos canal capa cara carro casillas chapa checa cielo cinta clara
clemente colas comas concepción consuelo correr crean cruz dada dinamarca dolores domingo edita ella
ene esa esperanza estrella evita fausto feliz franco fuente fuertes gloria guardado hagan hasta isla
izquierdo justo lea leal lee leen luz malo mar marco mas mata maya mercedes mira modesto muro máxima
máximo nada nieves nula paloma parada pareja partida paz perla pilar pulgar rama rea remedios reyes
rocío rojo rosa rosario rueda ruta salud salvador salvo santa santos sean segundo segura sierra
socorro soledad tecla toma toman trinidad una uno valenciano vera verde victoria vida viola ángel
órdenes
"""

AMBIGUOUS_NL = """
anders bas bent beste bru dag elke engels fleur floor frans holder kader kale keer kent ketting kort
lies lijn malen man mee mist moet roos rose rust schakelaar som sprong ties toon troy vorm wachter
"""


# Places that are also first names or surnames: "the London office" is not a person.
PLACES = """
london paris florence victoria jordan georgia virginia carolina dakota sydney austin dallas houston
denver phoenix orlando madison chelsea brooklyn devon kent chester lincoln jackson hamilton
washington regina adelaide india china africa america asia europe kenya israel ireland france
holland roma rome milan siena vienna verona valencia sevilla seville savannah cheyenne eugene york
warwick preston bradford stafford hastings darwin perth nelson wellington charlotte berlin hamburg
munich münchen köln cologne frankfurt bremen dresden leipzig lyon marseille nice toulouse lille
nantes bordeaux madrid barcelona bilbao malaga málaga granada toledo murcia amsterdam rotterdam
utrecht eindhoven leiden delft haarlem brussels bruxelles brussel antwerp antwerpen gent ghent
geneva genève zurich zürich basel bern lausanne dublin cork galway belfast glasgow edinburgh cardiff
swansea leeds manchester liverpool birmingham bristol sheffield newcastle nottingham leicester
coventry derby reading oxford cambridge bath brighton salisbury winchester norwich ipswich luton
didsbury chelmsford sussex surrey essex yorkshire lancashire cornwall scotland wales england
britain germany spain italy portugal poland austria belgium switzerland canada mexico brazil
argentina chile peru colombia texas florida california arizona nevada montana indiana alabama
kansas tennessee carolina boston chicago seattle portland atlanta miami detroit cleveland denver
cairo lagos accra nairobi mumbai delhi bangalore chennai kolkata karachi lahore dubai doha riyadh
tokyo beijing shanghai singapore manila jakarta hanoi bangkok sofia lima santiago sahara everest
thames victoria waterloo paddington euston kings cross stratford wembley camden hackney brixton
greenwich chelsea fulham kensington westminster soho mayfair holborn clapham putney richmond
kingston windsor eton ascot hong kong sri lanka costa rica puerto rico el salvador san marino shannon ebro rhine rhein elbe seine loire sydney melbourne brisbane
"""

# Products, organisations and tools whose names are also person names.
PRODUCTS = """
teams apple amazon windows dell alexa siri cortana watson jenkins ford mercedes porsche ferrari
tesla chrysler dodge jaguar honda toyota sony philips siemens bosch braun miele dyson boots tesco
asda aldi lidl morrison morrisons sainsbury sainsburys waitrose harrods marks spencer disney mcdonald
mcdonalds wendy wendys oracle outlook office excel word zoom slack jira confluence workday sage xero
adobe acrobat safari chrome edge opera firefox android ubuntu debian linux cisco juniper aruba
meraki citrix vmware okta duo azure gemini claude copilot jarvis sophos norton mcafee avast dropbox
asana trello miro notion figma canva klarna paypal stripe revolut monzo barclays lloyds halifax
natwest santander nationwide hsbc virgin vodafone orange argos currys dixons gatwick heathrow
stansted lenovo thinkpad latitude surface pixel galaxy iphone ipad macbook airpods kindle echo
nest ring hive sonos logitech jabra poly plantronics yealink avaya genesys mitel ricoh kyocera
canon epson brother xerox konica sharp lexmark hp samsung huawei xiaomi nokia motorola ericsson
servicenow salesforce hubspot zendesk freshdesk sap peoplesoft kronos bamboo bamboohr greenhouse
lever rippling gusto deel remote hays reed adecco randstad capita serco atos accenture deloitte
kpmg pwc mckinsey cigna bupa axa aviva allianz lloyd costa starbucks nero pret greggs subway
uber lyft bolt deliveroo ocado hermes evri yodel royal mail dhl ups fedex tnt dpd parcelforce
"""

# Team and role words: "Regards, Finance Team" and "Cheers, The Night Shift" are not people.
TEAM_WORDS = """
team teams shift desk service services support helpdesk servicedesk finance hr it payroll
facilities operations ops security network networks infrastructure procurement legal compliance
marketing sales accounts account billing reception management admin administration estates
transport catering cleaning maintenance engineering development devops qa testing training
recruitment talent people wellbeing health safety occupational customer customers everyone
everybody all staff colleagues department dept office group crew unit division squad board
committee council night day evening morning weekend desk-side deskside onboarding offboarding
contact centre center hub store stores warehouse logistics dispatch helpline hotline
equipe équipe informatique groupe service abteilung personalabteilung kollegen kolleginnen
equipo soporte servicio departamento grupo afdeling ploeg dienst
"""

CALENDAR = """
january february march april may june july august september october november december feb mar
apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday mon
tue tues wed thu thur thurs fri sat sun januar februar märz april mai juni juli august september
oktober november dezember montag dienstag mittwoch donnerstag freitag samstag sonntag janvier
février mars avril mai juin juillet août septembre octobre novembre décembre lundi mardi mercredi
jeudi vendredi samedi dimanche enero febrero marzo abril mayo junio julio agosto septiembre
octubre noviembre diciembre lunes martes miércoles jueves viernes sábado domingo januari februari
maart april mei juni juli augustus september oktober november december maandag dinsdag woensdag
donderdag vrijdag zaterdag zondag christmas easter xmas weihnachten ostern noël pâques navidad
pascua kerst pasen
"""

# Frequent words missing from the lorem lists, kept out of the name path when capitalised.
FUNCTION_WORDS = """
thanks thank cheers regards best kind many please hi hello hey dear yes no not ok okay sorry
great good excellent honestly overall still also again really very just waiting waited nobody
somebody someone anyone everyone nothing something everything ticket tickets laptop printer
portal password vpn email mail phone call calls system systems app apps update version build
release patch issue issues problem problems fix fixed today yesterday tomorrow week month year
weeks months years hours minutes days morning afternoon evening night mr mrs ms miss dr sir
madam danke bitte hallo grüße gruß viele liebe herzliche freundlichen vielen leider sehr gut
schlecht immer nie noch schon heute gestern morgen woche monat jahr stunde stunden tage merci
bonjour cordialement salut bonne journée toujours jamais encore déjà aujourd'hui hier demain
gracias hola saludos atentamente muchas siempre nunca todavía hoy ayer mañana semana mes año
bedankt dank groeten groet hoi hallo altijd nooit nog al vandaag gisteren morgen week maand jaar
the your our het de die der das el la les le los las ihr euer eure dein deine ping mac german
french english irish welsh scottish dutch spanish italian polish indian chinese british american
european african asian mein meine meinen meiner unser unsere unseren
"""

# Given names common in UK and EU workplaces that Faker's lists lack (South Asian, West African,
# Polish, Irish, East Asian romanised, nicknames...): written here, added to the strong names.
EXTRA_FIRST = """
rajesh deepak sanjay suresh ramesh mahesh dinesh ganesh vijay ajay anil sunil manoj ashok vikram vikas
rahul rohit amit sumit nitin sachin rakesh mukesh naveen praveen pradeep sandeep kuldeep gurpreet
harpreet manpreet jaspreet simran navdeep balvinder parminder sukhwinder rajinder jasbir kiran pooja
priyanka neha sneha anjali divya kavya lakshmi meena sunita anita geeta rekha usha asha nisha shreya
swati shweta deepika aarti rupinder sangeeta shilpa farhan faisal imran irfan asif arif tariq zubair
bilal usman hamza waqas adnan kamran naveed shahid sajid rizwan nadeem saima ayesha fatima sana hina
nazia shabnam rukhsana farzana shazia samina tahira anwar javed junaid aamir tahir abdul mohammed
muhammad mohamed mohammad hassan hussain omar yusuf ibrahim ismail khalid karim rashid salim samir
nabil walid youssef mehmet mustafa hakan burak emre olusegun oluwaseun adebayo adewale babatunde
chukwuemeka chinedu chidi emeka ifeoma ngozi nkechi obinna uchenna chiamaka folake funmilayo yetunde
bukola temitope tolulope ayodele kehinde taiwo femi tunde segun kwame kwabena kofi kojo yaw akosua
abena efua esi kwesi thabo sipho themba zanele nomvula lerato tendai tatenda farai chipo wanjiru
wanjiku amadou moussa mamadou ousmane fatou aminata bartosz bartłomiej łukasz grzegorz krzysztof
wojciech przemysław paweł piotr tomasz marcin michał dariusz mariusz sławomir zbigniew agnieszka
małgorzata katarzyna joanna magdalena monika justyna dorota ewa beata aleksandra krystyna halina
bożena jolanta ewelina kinga oksana olena iryna natalia tetiana yulia svetlana dmitri dmitry sergei
sergey andrei alexei vladimir nikolai mikhail igor oleg yuri bogdan vasile ionut florin mihai cristian
catalin ioana andreea raluca bianca elena georgi dimitar ivaylo goran dragan zoran nikola luka marko
wei jie jing ying yan hui lei tao jun hao xin xiaoming xiaoli mei ling hong qiang zhen hua fang yun
ming jian feng yong ji-hoon seo-yeon min-jun ji-woo hyun jae thanh tuan minh huong linh trang duc
quang hieu phuong hiroshi takeshi kenji yuki haruka sakura akira daisuke satoshi yuko keiko naoko
siobhan aoife niamh saoirse caoimhe sinead sinéad orla aisling eimear grainne gráinne clodagh roisin
róisín ciara deirdre maeve oisin oisín cian cillian ciaran ciarán padraig pádraig eoin darragh tadhg
seamus séamus ruairi rhys dafydd gareth gethin iwan rhiannon cerys bethan sian siân angharad eilidh
ailsa morag hamish callum lachlan ewan euan iain alasdair mhairi kirsty kirsteen ahmad mahmoud mostafa
reza hossein mehdi amir arash dariush farid farhad parisa shirin leila yasmin yasmine noura nour rania
hana layla mariam maryam zainab zahra amina aisha khadija safiya samira salma huda dalia dave steve
mike pete chris jim andy jonny danny kev jen jenny becky katie kate liz beth jo mandy debbie trish
steph vicky nikki gemma stacey kayleigh chantelle shaun wayne darren craig gary barry terry kerry kelly
stuart stewart gordon graham neil nigel clive colin keith trevor malcolm derek dennis leslie lesley
maureen doreen pauline brenda lorraine tracey tracy julie karen sharon donna joanne nicola louise
lynne jayne jacqui bev sandra ravi raj sid nik daan bram sem lars thijs ruben stijn niels joost maarten
sjoerd wouter bart gijs koen jeroen pim teun sven jelle femke sanne lotte anouk lieke marloes ilse
esther mirjam annelies wilma ineke marieke eline fenna sietske hanneke joke kees henk wim geert hendrik
pieter klaas sjaak arjen ruud jürgen jörg uwe dieter günter horst klaus manfred rainer ralf thorsten
torsten dirk holger matthias tobias florian lukas jonas niklas felix moritz maximilian katrin kathrin
anja sabine petra birgit heike ute silke stefanie nadine jana julia lena leonie mareike annika wiebke
gesine frauke dörte thierry didier hervé pascal olivier sébastien jérôme nicolas julien mathieu
guillaume benoît cédric yannick stéphane éric laurent amélie nathalie sylvie isabelle véronique céline
aurélie émilie sandrine delphine virginie élodie camille manon chloé léa inès océane alejandro javier
sergio álvaro iker unai aitor jordi xavier pau marc lucía carmen montse nuria núria ainhoa itziar maite
begoña amaia leire paula irene nerea
"""
EXTRA_LAST = """
kumar singh patel shah sharma gupta khan ahmed hussain begum akhtar iqbal chaudhry malik qureshi
sheikh siddiqui rahman uddin chowdhury reddy nair menon pillai iyer krishnan mehta joshi desai kapoor
chopra bhatt verma mishra pandey yadav okafor okeke okonkwo adeyemi afolabi balogun ogunleye nwosu eze
mensah owusu boateng asante osei appiah agyeman danso ndlovu dlamini nkosi mwangi kamau otieno
odhiambo nowak kowalski kowalska wiśniewski wójcik kamiński lewandowski zieliński szymański woźniak
dąbrowski kozłowski jankowski mazur krawczyk popescu ionescu dumitru nguyen tran pham hoang phan dang
bui ngo wang zhang liu chen yang huang zhao zhou xu zhu guo lin luo gao zheng liang xie tang feng deng
cao kim choi jung kang cho yoon jang tanaka sato suzuki takahashi watanabe yamamoto nakamura kobayashi
thornton mcallister fraser macdonald murphy o'brien o'connor o'neill byrne ryan walsh doyle quinn
gallagher kennedy lynch brennan fitzgerald al-farsi al-sayed el-amin benali haddad mansour
"""
