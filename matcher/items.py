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


def entity_items(entity: Company | Lab | Researcher) -> list[Item]:
    """Split an entity into the texts that get their own vectors."""
    eid = entity.id
    items = [Item(eid, "description", f"{entity.name}. {entity.description}")]
    if isinstance(entity, Lab):
        items += [Item(eid, "capability", c) for c in entity.capabilities]
    elif isinstance(entity, Company):
        if entity.offers:
            items.append(Item(eid, "offers", "; ".join(entity.offers)))
    elif isinstance(entity, Researcher):
        items += [
            Item(eid, "publication", f"{p.title}. {p.abstract}".strip(), p.year)
            for p in entity.publications
        ]
        if entity.expertise:
            items.append(Item(eid, "expertise", ", ".join(entity.expertise)))
    if entity.keywords:
        items.append(Item(eid, "keywords", ", ".join(entity.keywords)))
    return items


def searchable_text(entity: Company | Lab | Researcher) -> str:
    """All of an entity's text in one string, for term matching."""
    return "\n".join(item.text for item in entity_items(entity))
