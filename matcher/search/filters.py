"""Hard constraints of a request: which entities may be shown, and what each one meets."""

import math

from matcher.schemas import (
    KINDS,
    AnyEntity,
    Kind,
    Lab,
    Location,
    NeedRequest,
    RecommendationFilters,
    is_listed,
)

EARTH_RADIUS_KM = 6371.0


def distance_km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Great-circle distance between two points."""
    phi1, phi2 = math.radians(a_lat), math.radians(b_lat)
    dphi, dlon = phi2 - phi1, math.radians(b_lon - a_lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _distance(location: Location | None, filters: RecommendationFilters) -> float | None:
    near = filters.near
    if near is None or location is None or location.lat is None or location.lon is None:
        return None
    return distance_km(near.lat, near.lon, location.lat, location.lon)


def admits(request: NeedRequest, entity: AnyEntity) -> bool:
    """Whether a request's kinds, filters and exclusions let this entity be shown."""
    kinds = set(request.kinds or KINDS)
    return entity.id not in request.exclude and passes(entity, kinds, request.filters)


def passes(entity: AnyEntity, kinds: set[Kind], filters: RecommendationFilters) -> bool:
    """Whether an entity may be shown for this request (consent is always required)."""
    if entity.kind not in kinds:
        return False
    if not is_listed(entity):
        return False
    if filters.areas and not set(filters.areas) & set(entity.areas):
        return False
    if filters.languages and entity.language not in filters.languages:
        return False
    if filters.municipalities:
        wanted = {m.casefold() for m in filters.municipalities}
        if entity.location is None or entity.location.municipality.casefold() not in wanted:
            return False
    if filters.near is not None:
        distance = _distance(entity.location, filters)
        if distance is None or distance > filters.near.radius_km:
            return False
    return not isinstance(entity, Lab) or _lab_passes(entity, filters)


def _lab_passes(lab: Lab, filters: RecommendationFilters) -> bool:
    if filters.open_to_smes and not lab.open_to_smes:
        return False
    trl = filters.trl_range
    if trl is not None and (lab.trl_max < trl[0] or lab.trl_min > trl[1]):
        return False
    if filters.access_types and not set(filters.access_types) & set(lab.access_types):
        return False
    return not filters.access_modes or bool(set(filters.access_modes) & set(lab.access_modes))


def met_constraints(entity: AnyEntity, filters: RecommendationFilters) -> list[str]:
    """The request's constraints this entity meets, in words (for its reasons)."""
    met: list[str] = []
    if filters.areas:
        met.append("area: " + ", ".join(a for a in entity.areas if a in filters.areas))
    if entity.location is not None and (filters.municipalities or filters.near):
        place = entity.location.municipality
        distance = _distance(entity.location, filters)
        met.append(f"in {place}" + (f", {distance:.0f} km away" if distance is not None else ""))
    if isinstance(entity, Lab):
        if filters.open_to_smes:
            met.append("open to SMEs")
        trl = filters.trl_range
        if trl is not None:
            met.append(f"TRL {entity.trl_min}–{entity.trl_max}")
        if filters.access_types:
            wanted = [t for t in entity.access_types if t in filters.access_types]
            met.append("access: " + ", ".join(wanted))
        if filters.access_modes:
            modes = [m for m in entity.access_modes if m in filters.access_modes]
            met.append("terms: " + ", ".join(modes))
    return met


def failed_constraints(
    entity: AnyEntity, kinds: set[Kind], filters: RecommendationFilters
) -> list[str]:
    """The request's conditions this entity does not meet, in words (for what filters left out)."""
    failed: list[str] = []
    if entity.kind not in kinds:
        failed.append(f"a {entity.kind}, which was not asked for")
    if filters.areas and not set(filters.areas) & set(entity.areas):
        failed.append(f"not in the area {', '.join(filters.areas)}")
    if filters.languages and entity.language not in filters.languages:
        failed.append(f"written in {entity.language}")
    if filters.municipalities:
        wanted = {m.casefold() for m in filters.municipalities}
        place = entity.location.municipality if entity.location else None
        if place is None or place.casefold() not in wanted:
            failed.append(f"in {place}" if place else "no municipality given")
    if filters.near is not None:
        distance = _distance(entity.location, filters)
        if distance is None:
            failed.append("no coordinates given")
        elif distance > filters.near.radius_km:
            failed.append(f"{distance:.0f} km away (at most {filters.near.radius_km:g})")
    if isinstance(entity, Lab):
        failed += _lab_failures(entity, filters)
    return failed


def _lab_failures(lab: Lab, filters: RecommendationFilters) -> list[str]:
    failed = []
    if filters.open_to_smes and not lab.open_to_smes:
        failed.append("not open to SMEs")
    trl = filters.trl_range
    if trl is not None and (lab.trl_max < trl[0] or lab.trl_min > trl[1]):
        failed.append(f"TRL {lab.trl_min}–{lab.trl_max}")
    if filters.access_types and not set(filters.access_types) & set(lab.access_types):
        failed.append(f"access {', '.join(lab.access_types) or 'not given'}")
    if filters.access_modes and not set(filters.access_modes) & set(lab.access_modes):
        failed.append(f"terms {', '.join(lab.access_modes) or 'not given'}")
    return failed
