"""Team requests resolved against the catalogue: the pool, affinities, skills and rules.

Affinity of a person to a challenge is the engine's dense score of the challenge text against
the person's texts (catalogue entities through the index, inline profiles encoded on the
fly), scaled to 0..1 over the whole pool. A person brings a required skill when every word
of the skill (stemmed) appears in their profile, or when their texts are among the pool's
closest to the skill (at least SKILL_Z standard deviations above the pool's mean).
"""

from dataclasses import dataclass

import numpy as np

from matcher.encoders.base import Encode
from matcher.index.items import entity_items
from matcher.schemas import AnyEntity, Company, Lab, RecommendationFilters, Researcher
from matcher.search.filters import passes
from matcher.served import Loaded
from matcher.teams.problem import TeamProblem
from matcher.teams.schemas import Profile, TeamRequest
from matcher.text import stems

SKILL_Z = 1.5
MIN_POOL_FOR_SEMANTIC_SKILLS = 10
MAX_POOL = 1000


class TeamRequestError(ValueError):
    """A team request that names people who are not there, or is too large."""


@dataclass
class Person:
    """A participant as the solver sees them."""

    id: str
    name: str
    organisation: str
    disciplines: list[str]
    texts: list[str]
    language: str
    in_index: bool


def organisation_key(name: str) -> str:
    """The organisation a unit belongs to: the part before the first comma ("KTH Royal
    Institute of Technology, Dept. of ..." -> "KTH Royal Institute of Technology"), shortened
    to a leading acronym of three or more capitals when there is one ("KTH", "RISE"; not "AB
    Volvo"), so departments of one university count as one organisation."""
    head = name.split(",", 1)[0].strip()
    first = head.split(maxsplit=1)[0] if head else name
    return first if len(first) >= 3 and first.isupper() and first.isalpha() else head


def _organisation(entity: AnyEntity) -> str:
    if isinstance(entity, Researcher):
        return organisation_key(entity.affiliation)
    if isinstance(entity, Lab):
        return organisation_key(entity.host)
    return entity.name if isinstance(entity, Company) else entity.id


def _from_entity(entity: AnyEntity) -> Person:
    texts = [item.text for item in entity_items(entity)]
    return Person(
        entity.id,
        entity.name,
        _organisation(entity),
        list(entity.disciplines),
        texts,
        entity.language,
        True,
    )


def _from_profile(profile: Profile) -> Person:
    texts = [f"{profile.name}. {profile.description}"]
    if profile.skills:
        texts.append(", ".join(profile.skills))
    return Person(
        profile.id,
        profile.name,
        organisation_key(profile.organisation),
        list(profile.disciplines),
        texts,
        profile.language,
        False,
    )


def participants(loaded: Loaded, request: TeamRequest) -> list[Person]:
    """The pool, resolved against the catalogue, without the people left out."""
    pool = request.pool
    unknown = [i for i in pool.ids if i not in loaded.entities]
    if unknown:
        raise TeamRequestError(f"not in the catalogue (or not listed): {', '.join(unknown[:10])}")
    people: dict[str, Person] = {i: _from_entity(loaded.entities[i]) for i in pool.ids}
    if pool.filter is not None:
        rule = RecommendationFilters(
            areas=pool.filter.areas, municipalities=pool.filter.municipalities
        )
        kinds = set(pool.filter.kinds)
        for entity in loaded.entities.values():
            if entity.id in loaded.retriever.positions and passes(entity, kinds, rule):
                people.setdefault(entity.id, _from_entity(entity))
    for profile in pool.profiles:
        if profile.id in people:
            raise TeamRequestError(f"participant id '{profile.id}' is given twice")
        people[profile.id] = _from_profile(profile)
    left_out = set(request.constraints.leave_out)
    missing = sorted(left_out - set(people))
    if missing:
        raise TeamRequestError(f"leave_out names people not in the pool: {', '.join(missing)}")
    kept = [p for i, p in people.items() if i not in left_out]
    if not kept:
        raise TeamRequestError(
            "the pool is empty: no ids or profiles, or the filter matched nobody"
        )
    if len(kept) > MAX_POOL:
        raise TeamRequestError(f"the pool has {len(kept)} people; the limit is {MAX_POOL}")
    return kept


def _score_people(
    loaded: Loaded,
    people: list[Person],
    queries: np.ndarray,
    texts: list[str],
    encode_documents: Encode,
) -> np.ndarray:
    """Dense score of every person (rows) against every query vector (columns)."""
    retriever = loaded.retriever
    inline = [p for p in people if not p.in_index]
    vectors: dict[str, np.ndarray] = {}
    if inline:
        flat = [t for p in inline for t in p.texts]
        encoded = encode_documents(flat)
        start = 0
        for person in inline:
            vectors[person.id] = encoded[start : start + len(person.texts)]
            start += len(person.texts)
    indexed = [p.id for p in people if p.in_index]
    out = np.zeros((len(people), len(texts)))
    for column, text in enumerate(texts):
        query = retriever.query(text, queries[column : column + 1])
        dense = {c.entity_id: c.dense for c in retriever.score_many(query, indexed)}
        for row, person in enumerate(people):
            if person.in_index:
                out[row, column] = dense[person.id]
            else:
                out[row, column] = retriever.score_vectors(
                    query, vectors[person.id], person.language
                )
    return out


def _skill_holders(
    people: list[Person], skills: list[str], semantic: np.ndarray | None
) -> np.ndarray:
    """people x skills: who brings each skill (words in their profile, or close texts)."""
    held = np.zeros((len(people), len(skills)), dtype=bool)
    profiles = [
        set(stems(" ".join(p.texts), "en")) | set(stems(" ".join(p.texts), "sv")) for p in people
    ]
    for column, skill in enumerate(skills):
        wanted = set(stems(skill))
        for row, words in enumerate(profiles):
            held[row, column] = bool(wanted) and wanted <= words
        if semantic is not None:
            values = semantic[:, column]
            spread = float(values.std())
            if spread > 1e-9:
                held[:, column] |= (values - values.mean()) / spread >= SKILL_Z
    return held


def _sizes(request: TeamRequest) -> tuple[np.ndarray, np.ndarray]:
    """Each challenge's smallest and largest team (its own, else the request's)."""
    rules, challenges = request.constraints, request.challenges
    min_size = np.array([c.min_size or rules.min_size for c in challenges])
    max_size = np.array([c.max_size or rules.max_size for c in challenges])
    for challenge, low, high in zip(challenges, min_size, max_size, strict=True):
        if low > high:
            raise TeamRequestError(
                f"challenge {challenge.id}: minimum size {low} above maximum {high}"
            )
    return min_size, max_size


def _pairs(given: list[tuple[str, str]], name: str, rows: dict[str, int]) -> list[tuple[int, int]]:
    """Pairs of pool ids as pool rows; a pair of one person or a stranger is refused."""
    out = []
    for a, b in given:
        if a == b:
            raise TeamRequestError(f"{name} pairs a person with themselves: {a}")
        missing = [i for i in (a, b) if i not in rows]
        if missing:
            raise TeamRequestError(f"{name} names people not in the pool: {', '.join(missing)}")
        out.append((rows[a], rows[b]))
    return out


def build_problem(
    loaded: Loaded,
    request: TeamRequest,
    people: list[Person],
    encode: Encode,
    encode_documents: Encode,
) -> TeamProblem:
    """The solver's view of a request."""
    challenges = request.challenges
    rules = request.constraints
    skills = [c.skills for c in challenges]
    flat_skills = [s for group in skills for s in group]
    queries = encode([c.text for c in challenges] + flat_skills)
    scores = _score_people(
        loaded, people, queries, [c.text for c in challenges] + flat_skills, encode_documents
    )
    raw = scores[:, : len(challenges)]
    low, high = float(raw.min()), float(raw.max())
    affinity = (raw - low) / (high - low) if high - low > 1e-12 else np.ones_like(raw)
    semantic_all = scores[:, len(challenges) :]
    has_skill = []
    start = 0
    for group in skills:
        semantic = semantic_all[:, start : start + len(group)]
        start += len(group)
        use = semantic if len(people) >= MIN_POOL_FOR_SEMANTIC_SKILLS else None
        has_skill.append(_skill_holders(people, group, use))
    rows = {p.id: i for i, p in enumerate(people)}
    min_size, max_size = _sizes(request)
    return TeamProblem(
        people=[p.id for p in people],
        challenges=[c.id for c in challenges],
        affinity=affinity,
        skills=skills,
        has_skill=has_skill,
        disciplines=[p.disciplines for p in people],
        organisations=[p.organisation for p in people],
        min_size=min_size,
        max_size=max_size,
        max_org_share=rules.max_org_share,
        min_disciplines=rules.min_disciplines,
        together=_pairs(rules.together, "together", rows),
        apart=_pairs(rules.apart, "apart", rows),
    )
