"""Catalogue entities by id, and the entities similar to or complementing one."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from api.deps import MatcherDep
from matcher.schemas import Company, Kind, Lab, NeighboursResponse, Researcher

router = APIRouter(prefix="/v1/entities", tags=["entities"])

KindsQuery = Annotated[list[Kind] | None, Query(description="Kinds to return; all if omitted.")]
TopQuery = Annotated[int, Query(ge=1, description="How many entities to return.")]


@router.get("/{entity_id}", response_model=Company | Lab | Researcher)
def get_entity(entity_id: str, matcher: MatcherDep) -> Company | Lab | Researcher:
    """One company, lab or researcher (researchers only with consent)."""
    entity = matcher.get(entity_id)
    if entity is None:
        raise HTTPException(status_code=404, detail=f"no entity with id '{entity_id}'")
    return entity


@router.get("/{entity_id}/similar", response_model=NeighboursResponse)
def similar(
    entity_id: str, matcher: MatcherDep, kind: KindsQuery = None, top_k: TopQuery = 10
) -> NeighboursResponse:
    """The entities whose texts are closest to this entity's."""
    return matcher.neighbours(entity_id, "similar", kind, top_k)


@router.get("/{entity_id}/complements", response_model=NeighboursResponse)
def complements(
    entity_id: str, matcher: MatcherDep, kind: KindsQuery = None, top_k: TopQuery = 10
) -> NeighboursResponse:
    """Entities on the same problem that bring disciplines this entity lacks."""
    return matcher.neighbours(entity_id, "complements", kind, top_k)


map_router = APIRouter(prefix="/v1", tags=["entities"])


@map_router.get("/map")
def catalogue_map(matcher: MatcherDep) -> dict[str, Any]:
    """Every entity placed in 2-D by the similarity of its texts (for the catalogue map)."""
    return matcher.catalogue_map()
