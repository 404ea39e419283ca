"""Text helpers: language guess, tokens, stems and sentence splitting for Swedish and English,
and text that is not valid Unicode (unpaired UTF-16 surrogates, which JSON escapes can carry
as `"\\ud800"` and command lines can produce, but no UTF-8 store, hash or answer can hold)."""

import hashlib
import re
from functools import lru_cache
from urllib.parse import urlsplit

import Stemmer

WORD = re.compile(r"[^\W\d_]\w*", re.UNICODE)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9])")

SV_STOP = frozenset(
    """och i att det som en på är av för med till den har de inte om ett han men var jag
    sig från vi så kan man när år säga då sin nu eller alla hon vara efter hos även ska
    skall under mot mellan detta dessa vid samt där inom mycket utan genom vilka vår våra
    vårt oss er ni deras dess blir bli blev behöver vill också eftersom hur vad vilken vilket
    nya ny nytt andra annan annat olika samma sådan både bara hela egen egna""".split()
)
EN_STOP = frozenset(
    """a an the and or of in on at to for with from by as is are was were be been being it
    its this that these those we our us you your they their them he she his her not no but
    if then than so such can could will would should may might must do does did have has had
    into over under about between through within without also more most other some any each
    which who whom what when where how all both new need needs want wants looking seek
    seeking using use based""".split()
)
STOP = SV_STOP | EN_STOP
SV_HINTS = frozenset(
    "och att det som är för med till inte har ett vi behöver utvecklar inom samt".split()
)


# Function words of languages a need may come in other than Swedish and English (none of them
# a Swedish or English word), to tell such a need apart from a short one with no function words.
OTHER_HINTS = {
    "de": frozenset(
        "und der die das nicht wir für mit ist ein eine einen auch sich wird zur".split()
    ),
    "fr": frozenset("le la les et des une est pour dans nous avec sur qui pas une sont".split()),
    "es": frozenset("el la los las y es una para con por que del nosotros buscamos".split()),
    "nl": frozenset("het een niet wij voor zijn zoeken ook naar deze".split()),
    "fi": frozenset("ja on ei se että joka tai kanssa haemme yritys".split()),
    "da-no": frozenset("og ikke jeg vil vår skal være som ønsker ett".split()) - SV_STOP,
}


def need_language(text: str) -> str:
    """'sv', 'en', or 'other' for a text whose function words are of another language."""
    found = [w.lower() for w in WORD.findall(text)]
    other = max(sum(w in hints for w in found) for hints in OTHER_HINTS.values())
    own = sum(w in SV_STOP or w in EN_STOP for w in found)
    if other >= 2 and other > own:
        return "other"
    return guess_language(text)


def text_hash(text: str) -> str:
    """Stable hash of a text, the key of the embedding cache."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def guess_language(text: str) -> str:
    """Guess 'sv' or 'en' from function words and Swedish letters."""
    words = [w.lower() for w in WORD.findall(text)]
    if not words:
        return "en"
    sv = sum(w in SV_HINTS for w in words) + sum(ch in "åäöÅÄÖ" for ch in text) * 0.5
    en = sum(w in EN_STOP for w in words)
    return "sv" if sv > en else "en"


@lru_cache(maxsize=2)
def stemmer_for(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer("swedish" if language == "sv" else "english")


def words(text: str) -> list[str]:
    """Lower-cased words of a text without stop words or one-letter words."""
    return [w for w in (m.lower() for m in WORD.findall(text)) if len(w) > 1 and w not in STOP]


def stems(text: str, language: str | None = None) -> list[str]:
    """Stems of the content words of a text, in order, stemmed in the text's language."""
    stemmer = stemmer_for(language or guess_language(text))
    return list(stemmer.stemWords(words(text)))


def sentences(text: str) -> list[str]:
    """Split a text into sentences (good enough for evidence snippets)."""
    parts = [p.strip() for p in SENTENCE_END.split(text) if p.strip()]
    return parts or [text.strip()]


SURROGATE = re.compile("[\x00\ud800-\udfff]")  # and NUL, which PostgreSQL cannot store
JsonPath = tuple[str | int, ...]


def unpaired_surrogate(value: object, path: JsonPath = ()) -> JsonPath | None:
    """Where the first string holding a surrogate lies in a JSON-like value (None: nowhere).

    `json.loads` joins escaped pairs into one character, so any surrogate left is unpaired.
    """
    if isinstance(value, str):
        return path if SURROGATE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and SURROGATE.search(key):
                return (*path, key.encode("utf-8", "backslashreplace").decode("utf-8"))
            found = unpaired_surrogate(item, (*path, key))
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = unpaired_surrogate(item, (*path, i))
            if found is not None:
                return found
    return None


UNICODE_MESSAGE = (
    "text holds an unpaired surrogate (U+D800-U+DFFF) or a NUL character; send valid Unicode "
    "without NUL"
)


# Addresses an entity may carry: what a page can link to or show without risk.
ORCID = re.compile(r"(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])")
EMAIL = re.compile(r"[^@\s\"'<>(),;:]+@[^@\s\"'<>(),;:]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"\+?[0-9][0-9 ()-]{4,30}")


def web_url(value: str) -> str:
    """An absolute http(s) URL with a host and nothing a page could mistake for markup; a bare
    host name ("www.example.se/page") is taken as https."""
    value = value.strip()
    if "://" not in value and re.match(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(/|$)", value):
        value = f"https://{value}"
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// address")
    if len(value) > 2000 or any(c.isspace() or c in "\"'<>`\\" for c in value):
        raise ValueError("must be an address without spaces, quotes or angle brackets")
    return value


def contact(value: str) -> str:
    """An e-mail address, a phone number or a web address."""
    value = value.strip()
    if EMAIL.fullmatch(value) or PHONE.fullmatch(value):
        return value
    try:
        return web_url(value)
    except ValueError:
        raise ValueError(
            "must be an e-mail address, a phone number or an http(s) address"
        ) from None


def orcid(value: str) -> str:
    """An ORCID iD (0000-0002-1825-0097, or as its orcid.org address) with a valid check digit,
    kept in its bare form."""
    match = ORCID.fullmatch(value.strip())
    if not match:
        raise ValueError("must be an ORCID iD such as 0000-0002-1825-0097")
    digits = match[1].replace("-", "")
    total = 0
    for digit in digits[:-1]:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    if digits[-1] != ("X" if check == 10 else str(check)):
        raise ValueError(f"ORCID iD {match[1]} has a wrong check digit")
    return match[1]
