"""Catalogue entities by id."""

from fastapi import APIRouter, HTTPException

from api.deps import MatcherDep
from matcher.schemas import Company, Lab, Researcher

router = APIRouter(prefix="/v1/entities", tags=["entities"])


@router.get("/{entity_id}", response_model=Company | Lab | Researcher)
def get_entity(entity_id: str, matcher: MatcherDep) -> Company | Lab | Researcher:
    """One company, lab or researcher (researchers only with consent)."""
    entity = matcher.get(entity_id)
    if entity is None:
        raise HTTPException(status_code=404, detail=f"no entity with id '{entity_id}'")
    return entity
