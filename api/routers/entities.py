"""Catalogue entities by id, and the entities similar to or complementing one."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Response
from pydantic import BaseModel

from api.deps import MatcherDep, WritesDep
from matcher.catalogue.reading import LoadedCatalogue
from matcher.errors import InvalidRequestError
from matcher.schemas import Company, Entity, Kind, Lab, NeighboursResponse, Researcher

router = APIRouter(prefix="/v1/entities", tags=["entities"])

KindsQuery = Annotated[list[Kind] | None, Query(description="Kinds to return; all if omitted.")]
TopQuery = Annotated[int, Query(ge=1, description="How many entities to return.")]
SearchQuery = Annotated[
    str, Query(max_length=200, description="Words the name or id must all hold (any case).")
]
LimitQuery = Annotated[int, Query(ge=1, le=500, description="Entities per page.")]
OffsetQuery = Annotated[int, Query(ge=0, description="Entities to skip (for the next page).")]


class EntityPage(BaseModel):
    """A page of the catalogue: how many entities match, and those of this page by name."""

    total: int
    limit: int
    offset: int
    items: list[Company | Lab | Researcher]


@router.get("", response_model=EntityPage)
def list_entities(
    matcher: MatcherDep,
    kind: KindsQuery = None,
    q: SearchQuery = "",
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> EntityPage:
    """Browse or look up the catalogue by kind and by words of the name or id, by name.

    Researchers appear only with consent.
    """
    total, items = matcher.browse(kind, q, limit, offset)
    return EntityPage(total=total, limit=limit, offset=offset, items=items)


@router.get("/{entity_id}", response_model=Company | Lab | Researcher)
def get_entity(entity_id: str, matcher: MatcherDep) -> Company | Lab | Researcher:
    """One company, lab or researcher (researchers only with consent)."""
    entity = matcher.get(entity_id)
    if entity is None:
        raise HTTPException(status_code=404, detail=f"no entity with id '{entity_id}'")
    return entity


@router.put("/{entity_id}", responses={201: {"description": "The entity was new."}})
async def put_entity(
    entity_id: str,
    entity: Annotated[Entity, Body(description="The whole entity in the catalogue format.")],
    matcher: MatcherDep,
    heavy: WritesDep,
    response: Response,
) -> dict[str, Any]:
    """Add or replace one entity by id (201 when it is new); answers the ingest report.

    The body's `id` must be the path's. Its texts are encoded and the index rebuilt before
    the answer; an unchanged entity changes nothing.
    """
    if entity.id != entity_id:
        raise InvalidRequestError(f"the body's id '{entity.id}' is not the path's '{entity_id}'")
    report = await heavy.run(matcher.ingest, LoadedCatalogue(entities=[entity]))
    if report.inserted:
        response.status_code = 201
    return report.summary()


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
