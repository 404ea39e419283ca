"""Reasons for a result: the terms it shares with the need and its best matching texts.

What depends on an entity's text alone (its words' stems, its sentences' stems) is kept for the
most recently explained texts, so a result shown again is not tokenised and stemmed again.
"""

from functools import lru_cache

from matcher.index.items import Item, searchable_text
from matcher.schemas import AnyEntity, Company, Evidence, Facts, Lab, Reasons, Researcher
from matcher.text import sentences, stemmer_for, words

MAX_TERMS = 8
MAX_SNIPPET = 320
RECENT_TEXTS = 4096
# Words too general to explain a match, in either language (beyond the stop words of text.py).
GENERIC = frozenset(
    """över per genom via hos kring runt mot sina sitt sin egen dag år tid sätt del delar
    arbete arbetar arbeta utvecklar utveckla utveckling utvecklat forskar forskning forskare
    studier studie projekt företag använder använda används kan finns göra gör ger även
    mer många stor stora nya ny bra hem hemma baserad baserade baserat metod metoder
    method methods approach approaches
    develop develops developing developed development research researcher researchers
    study studies studied project projects company companies work works working home make
    makes made provide provides help helps way ways one two many well also per via across
    within able get gets like just make year years day days time part parts while used own
    follow follows followed following useful stay require requires required include
    includes including included need needed needs offer offers offered already still even
    often usually now today first second last next example examples such several various
    medan egna följa följer krävs kräver ingår inklusive redan fortfarande ofta nu idag
    första andra sista nästa exempel flera olika""".split()
)


def need_stems(need: str) -> dict[str, str]:
    """Stems of the need's words under both languages' stemmers, each mapped to its word."""
    found: dict[str, str] = {}
    for word in words(need):
        for language in ("sv", "en"):
            found.setdefault(stemmer_for(language).stemWord(word), word)
    return found


@lru_cache(maxsize=RECENT_TEXTS)
def _surface_by_stem(text: str, language: str) -> dict[str, str]:
    """First word of a text for each of its stems (each distinct word stemmed once); shared
    between calls, so read only."""
    distinct = list(dict.fromkeys(words(text)))
    found: dict[str, str] = {}
    for stem, word in zip(stemmer_for(language).stemWords(distinct), distinct, strict=True):
        found.setdefault(stem, word)
    return found


def forget_texts() -> None:
    """Drop every kept text (after an erasure: no erased text stays in memory)."""
    _surface_by_stem.cache_clear()
    _sentence_stems.cache_clear()


def matched_terms(
    need: dict[str, str], entity: AnyEntity, common: frozenset[str] = frozenset()
) -> list[str]:
    """The entity's words that share a stem with a word of the need, in the need's order;
    without generic words and the catalogue's common terms (`common`, stems), which match
    almost anything and would only crowd out the terms that explain the match."""
    surface = _surface_by_stem(searchable_text(entity), entity.language)
    terms: list[str] = []
    for stem, need_word in need.items():
        word = surface.get(stem)
        if not word or word in terms or stem in common:
            continue
        if word.lower() in GENERIC or need_word.lower() in GENERIC:
            continue
        terms.append(word)
    return terms[:MAX_TERMS]


@lru_cache(maxsize=RECENT_TEXTS)
def _sentence_stems(text: str, language: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The sentences a snippet is chosen from (those of five words or more, else all), each
    with the stems of its distinct words."""
    parts = sentences(text)
    stemmer = stemmer_for(language)
    substantial = [p for p in parts if len(p.split()) >= 5] or parts
    return tuple((p, tuple(stemmer.stemWords(list(set(words(p)))))) for p in substantial)


def snippet(item: Item, need: dict[str, str], entity: AnyEntity) -> str:
    """The sentence of an item that shares most words with the need (else its first real one)."""
    text = item.text
    if item.field == "description":
        text = text.removeprefix(f"{entity.name}. ")
    substantial = _sentence_stems(text, entity.language)
    overlaps = [sum(stem in need for stem in stems) for _, stems in substantial]
    best = substantial[overlaps.index(max(overlaps))][0] if max(overlaps) else substantial[0][0]
    return best if len(best) <= MAX_SNIPPET else best[: MAX_SNIPPET - 1].rstrip() + "…"


def explain(
    need: dict[str, str],
    entity: AnyEntity,
    hits: list[tuple[int, float]],
    items: list[Item],
    max_evidence: int,
    common: frozenset[str] = frozenset(),
) -> Reasons:
    """Terms and evidence for one result, from the item hits that ranked it (terms without
    the `common` stems)."""
    evidence: list[Evidence] = []
    for position, score in hits:
        item = items[position]
        text = snippet(item, need, entity)
        if any(e.text == text for e in evidence):
            continue
        evidence.append(Evidence(field=item.field, text=text, score=round(score, 4)))
        if len(evidence) == max_evidence:
            break
    return Reasons(terms=matched_terms(need, entity, common), evidence=evidence)


def facts_of(entity: AnyEntity) -> Facts:
    """The key facts of an entity for a result card."""
    lab = entity if isinstance(entity, Lab) else None
    return Facts(
        language=entity.language,
        municipality=entity.location.municipality if entity.location else None,
        affiliation=entity.affiliation if isinstance(entity, Researcher) else None,
        host=lab.host if lab else None,
        stage=entity.stage if isinstance(entity, Company) else None,
        trl_min=lab.trl_min if lab else None,
        trl_max=lab.trl_max if lab else None,
        open_to_smes=lab.open_to_smes if lab else None,
        contact=lab.contact if lab else None,
        url=entity.url,
    )
