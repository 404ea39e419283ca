"""The texts an entity is matched through: each description, capability and publication apart."""

from dataclasses import dataclass

from matcher.schemas import Company, Lab, Researcher


@dataclass(frozen=True)
class Item:
    """One matchable text of an entity."""

    entity_id: str
    field: str
    text: str
    year: int | None = None
    language: str = "en"


def entity_items(entity: Company | Lab | Researcher) -> list[Item]:
    """Split an entity into the texts that get their own vectors."""
    texts: list[tuple[str, str, int | None]] = [
        ("description", f"{entity.name}. {entity.description}", None)
    ]
    if isinstance(entity, Lab):
        texts += [("capability", c, None) for c in entity.capabilities]
    elif isinstance(entity, Company):
        if entity.offers:
            texts.append(("offers", "; ".join(entity.offers), None))
    elif isinstance(entity, Researcher):
        texts += [
            ("publication", f"{p.title}. {p.abstract}".strip(), p.year) for p in entity.publications
        ]
        if entity.expertise:
            texts.append(("expertise", ", ".join(entity.expertise), None))
    texts += [("project", f"{p.title}. {p.summary}".strip(), p.year) for p in entity.projects]
    if entity.keywords:
        texts.append(("keywords", ", ".join(entity.keywords), None))
    return [Item(entity.id, f, t, year, entity.language) for f, t, year in texts]


def searchable_text(entity: Company | Lab | Researcher) -> str:
    """All of an entity's text in one string, for term matching."""
    return "\n".join(item.text for item in entity_items(entity))
