"""Which open challenges fit this company: the reverse ranking on SweCRIS.

The catalogue is the companies the importer makes of the grants that started before the
cut-off (each with the grants it coordinated). Every later grant is an open challenge, once per
language it has an abstract in. For every later grant coordinated by a company of that
catalogue, the question is whether the grant's own text ranks in the company's top 10 among all
challenges of its language. Systems, in the same run: the engine as `GET
/v1/entities/{id}/challenges` orders them (the fused score, then relevance), the same ordered by
relevance first (a variant measured on dev and not kept), BM25 alone (its raw score) and the
dense score alone. Needs are split as in the SweCRIS benchmark
(sha256 of the diarienummer): dev and test, test reported; 95 % bootstrap intervals over pairs.
"""

from pathlib import Path

import numpy as np
from tqdm import tqdm

from matcher.catalogue.reading import validate
from matcher.catalogue.swecris import Grant, slug
from matcher.engine import Matcher
from matcher.evaluation.base import EvaluationDataError, EvaluationResult
from matcher.evaluation.swecris import CUTOFF, catalogue, interval, read_records, split_of
from matcher.search.strength import features_many
from matcher.settings import Settings

TOP = 10
SYSTEMS = ("engine", "relevance", "bm25", "dense")


def challenge_texts(later: list[Grant], language: str) -> list[tuple[Grant, str]]:
    """Every later grant with an abstract in the language, as a challenge text."""
    out = []
    for found in later:
        title = found.title_sv if language == "sv" else found.title_en
        abstract = found.abstract_sv if language == "sv" else found.abstract_en
        if abstract:
            out.append((found, f"{title or found.title_en or found.title_sv}. {abstract}"))
    return out


class SwecrisChallenges:
    """Find each company's own later grant among all open challenges; primary metric: the
    engine's share in the top 10 on the test split."""

    name = "swecris-challenges"

    def run(
        self, settings: Settings, data: Path, encoder: object = None, progress: bool = False
    ) -> EvaluationResult:
        grants = read_records(data)
        earlier = [g for g in grants if g.year and g.year < CUTOFF]
        later = [g for g in grants if g.year and g.year >= CUTOFF]
        records = [r for r in catalogue(earlier) if r["kind"] == "company"]
        loaded = validate((f"company {r['id']}", r) for r in records)
        if not loaded.entities or not later:
            raise EvaluationDataError(f"no companies before {CUTOFF} or no grants after in {data}")
        engine = Matcher(settings, encoder=encoder)  # type: ignore[arg-type]
        engine.ingest(loaded, replace=True, progress=progress)
        known = {e.id for e in loaded.entities}
        ranks: dict[str, list[tuple[str, str, dict[str, int]]]] = {"sv": [], "en": []}
        for language in ("sv", "en"):
            ranks[language] = self._ranks(engine, later, language, known, progress)
        return self._result(ranks, len(known), len(later))

    def _ranks(
        self, engine: Matcher, later: list[Grant], language: str, known: set[str], progress: bool
    ) -> list[tuple[str, str, dict[str, int]]]:
        """(split, company, rank of its own grant per system) for every findable pair."""
        challenges = challenge_texts(later, language)
        texts = [text for _, text in challenges]
        loaded = engine.served()
        vectors = np.vstack(
            [
                engine.encoder.encode_queries(texts[i : i + 64])
                for i in tqdm(range(0, len(texts), 64), desc=f"challenges {language}",
                              disable=not progress)
            ]
        )  # fmt: skip
        queries = loaded.retriever.queries(texts, vectors, lexical=True)
        index = loaded.snapshot.lexical
        # BM25 alone ranks challenges by the raw score: the engine's lexical part is a share of
        # each need's best possible score, which is not comparable across needs.
        ceilings = np.array([index.ceiling(index.query_terms(text)) for text in texts])
        model = loaded.strength.for_language(language) if loaded.strength else None
        pairs = []
        for row, (found, _) in enumerate(challenges):
            company = f"company:{slug(found.coordinator)}"
            if found.coordinator_type == "Company" and company in known:
                pairs.append((row, company, split_of(found.dnr)))
        out = []
        for company in sorted({c for _, c, _ in pairs}):
            scores = {name: np.zeros(len(texts)) for name in (*SYSTEMS, "relevance")}
            for j, query in enumerate(queries):
                dense, lexical, fused, _ = loaded.retriever.fused_order(query, [company])
                scores["dense"][j], scores["bm25"][j], scores["engine"][j] = (
                    dense[0], lexical[0] * ceilings[j], fused[0]
                )  # fmt: skip
                if model is not None:
                    rows = features_many(dense, lexical, query)
                    scores["relevance"][j] = model.relevance_of(rows)[0]
            order = {
                "engine": np.lexsort((-np.round(scores["relevance"], 3), -scores["engine"])),
                "relevance": np.lexsort((-scores["engine"], -np.round(scores["relevance"], 3))),
                "bm25": np.argsort(-scores["bm25"], kind="stable"),
                "dense": np.argsort(-scores["dense"], kind="stable"),
            }
            position = {n: {int(j): r + 1 for r, j in enumerate(o)} for n, o in order.items()}
            for row, owner, split in pairs:
                if owner == company:
                    out.append((split, company, {n: position[n][row] for n in SYSTEMS}))
        return out

    def _result(self, ranks: dict, companies: int, later: int) -> EvaluationResult:
        metrics: dict[str, float] = {}
        for split in ("dev", "test"):
            for language in ("all", "sv", "en"):
                chosen = [
                    r
                    for lang, found in ranks.items()
                    for s, _, r in found
                    if s == split and language in ("all", lang)
                ]
                for system in SYSTEMS:
                    hits = np.array([r[system] <= TOP for r in chosen], dtype=np.float64)
                    mrr = np.array([1.0 / r[system] for r in chosen])
                    mean, low, high = interval(hits)
                    key = f"{split}/{language}/{system}"
                    metrics[f"{key}/top{TOP}"], metrics[f"{key}/top{TOP}_low"] = mean, low
                    metrics[f"{key}/top{TOP}_high"] = high
                    metrics[f"{key}/mrr"] = float(mrr.mean()) if len(mrr) else 0.0
                metrics[f"{split}/{language}/pairs"] = float(len(chosen))
        details = {"companies": companies, "later_grants": later, "cutoff": CUTOFF, "top": TOP}
        return EvaluationResult(self.name, metrics, f"test/all/engine/top{TOP}", True, details)
