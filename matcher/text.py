"""Text helpers: language guess, tokens, stems and sentence splitting for Swedish and English,
and text that is not valid Unicode (unpaired UTF-16 surrogates, which JSON escapes can carry
as `"\\ud800"` and command lines can produce, but no UTF-8 store, hash or answer can hold)."""

import hashlib
import re
from functools import lru_cache

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
