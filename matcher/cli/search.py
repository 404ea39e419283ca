"""Subcommands that build the index and answer needs: build, recommend, similar, serve."""

import argparse
import os
from typing import Any

from matcher.cli.common import (
    ACCESS_MODES,
    ACCESS_TYPES,
    KIND_CHOICES,
    CliError,
    Subparsers,
    load_settings,
    print_aspects,
    print_honesty,
    print_results,
)


def _trl(text: str | None) -> int | list[int] | None:
    """'4' is one level, '3-6' a range."""
    if text is None:
        return None
    try:
        levels = [int(part) for part in text.split("-")]
    except ValueError as exc:
        raise CliError(
            f"--trl takes a level such as 4 or a range such as 3-6, not '{text}'"
        ) from exc
    if len(levels) > 2:
        raise CliError(f"--trl takes a level such as 4 or a range such as 3-6, not '{text}'")
    return levels[0] if len(levels) == 1 else levels


def _near(text: str | None) -> dict[str, float] | None:
    """'LAT,LON,KM' around a point."""
    if text is None:
        return None
    try:
        lat, lon, km = (float(part) for part in text.split(","))
    except ValueError as exc:
        raise CliError(f"--near takes LAT,LON,KM such as 59.33,18.06,15, not '{text}'") from exc
    return {"lat": lat, "lon": lon, "radius_km": km}


def _need_request(args: argparse.Namespace) -> Any:
    from pydantic import ValidationError

    from matcher.catalogue.reading import describe_error
    from matcher.schemas import NeedRequest

    raw = {
        "need": args.need,
        "kinds": args.kind,
        "top_k": args.top,
        "diversify": args.diversify,
        "partner_set": not args.no_partner_set,
        "exclude": args.exclude or [],
        "filters": {
            "areas": args.area or [],
            "municipalities": args.location or [],
            "near": _near(args.near),
            "open_to_smes": True if args.open_to_smes else None,
            "trl": _trl(args.trl),
            "access_types": args.access_type or [],
            "access_modes": args.access_mode or [],
        },
    }
    try:
        return NeedRequest.model_validate(raw)
    except ValidationError as exc:
        raise CliError(describe_error(exc)) from exc


def cmd_recommend(args: argparse.Namespace) -> int:
    """Recommend partners and testbeds for a need: from a running server when one is named
    (--server or MATCHER_SERVER_URL), else from the data directory here."""
    request = _need_request(args)
    server = args.server or os.environ.get("MATCHER_SERVER_URL")
    if server:
        from matcher.cli.remote import recommend_remote

        key = args.api_key or os.environ.get("MATCHER_API_KEY")
        response = recommend_remote(server, request, key)
    else:
        from matcher.engine import Matcher
        from matcher.errors import InvalidRequestError, NotBuiltError

        matcher = Matcher(load_settings(args))
        try:
            response = matcher.recommend(request)
        except (InvalidRequestError, NotBuiltError) as exc:
            raise CliError(str(exc)) from exc
    if args.json:
        print(response.model_dump_json())
        return 0
    kinds = set(request.kinds or KIND_CHOICES)
    print_aspects(response.aspects)
    if response.partner_set:
        print_results("Partner set (together they cover the need)", response.partner_set)
    if kinds - {"lab"}:
        print_results("Partners", response.results)
    if "lab" in kinds:
        print_results("Testbeds", response.testbeds)
    print_honesty(response)
    return 0


def cmd_neighbours(args: argparse.Namespace) -> int:
    """Entities similar to, or complementing, one entity."""
    from matcher.engine import Matcher
    from matcher.errors import InvalidRequestError, NotBuiltError, UnknownEntityError

    matcher = Matcher(load_settings(args))
    relation = "similar" if args.command == "similar" else "complements"
    try:
        response = matcher.neighbours(args.entity_id, relation, args.kind, args.top)
    except (InvalidRequestError, NotBuiltError, UnknownEntityError) as exc:
        raise CliError(str(exc.args[0])) from exc
    if args.json:
        print(response.model_dump_json())
        return 0
    title = "Similar to" if relation == "similar" else "Complements"
    print_results(f"{title} {args.entity_id}", response.results)
    return 0


def proxy_options(settings: Any) -> dict[str, Any]:
    """uvicorn's proxy settings: X-Forwarded-For and -Proto are believed only from the proxies
    the settings name (none by default), so a client cannot pick its own address and slip
    past the rate limit by sending the header."""
    proxies = settings.server.trusted_proxies
    return {"proxy_headers": bool(proxies), "forwarded_allow_ips": ",".join(proxies) or None}


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the API and pages."""
    import uvicorn

    from api.app import create_app
    from api.context import serve_logging
    from matcher.threads import quiet_numpy_blas

    settings = load_settings(args)
    if settings.encoder.need_processes is None:  # a server encodes needs in child processes
        encoder = settings.encoder.model_copy(update={"need_processes": True})
        settings = settings.model_copy(update={"encoder": encoder})
    host = args.host or settings.server.host
    port = args.port or settings.server.port
    app = create_app(settings)
    quiet_numpy_blas()  # here, on the main thread: OpenBLAS ignores the call from other threads
    uvicorn.run(app, host=host, port=port, log_config=serve_logging(), **proxy_options(settings))
    return 0


def add_parsers(
    sub: Subparsers, data: argparse.ArgumentParser, as_json: argparse.ArgumentParser
) -> None:
    """recommend, similar, complements, serve."""
    from matcher.schemas import AREAS

    rec = sub.add_parser(
        "recommend", parents=[data, as_json], help="recommend partners and testbeds for a need"
    )
    rec.add_argument("need", help="the innovation need, in Swedish or English")
    rec.add_argument("--kind", action="append", choices=KIND_CHOICES, help="repeatable")
    rec.add_argument("--top", type=int, help="results per list")
    rec.add_argument(
        "--area", action="append", help=f"priority area, repeatable: {', '.join(AREAS)}"
    )
    rec.add_argument("--location", action="append", help="municipality, repeatable")
    rec.add_argument("--near", help="LAT,LON,KM: only entities within KM of the point")
    rec.add_argument("--open-to-smes", action="store_true", help="only labs open to SMEs")
    rec.add_argument("--trl", help="labs whose TRL range meets this level (4) or range (3-6)")
    rec.add_argument("--access-type", action="append", choices=ACCESS_TYPES, help="repeatable")
    rec.add_argument("--access-mode", action="append", choices=ACCESS_MODES, help="repeatable")
    rec.add_argument(
        "--diversify", action="store_true", default=None, help="spread results over disciplines"
    )
    rec.add_argument("--no-partner-set", action="store_true", help="skip the partner set")
    rec.add_argument(
        "--exclude", action="append", metavar="ID", help="an id never to return, repeatable"
    )
    rec.add_argument(
        "--server",
        metavar="URL",
        help="ask a running server (e.g. http://127.0.0.1:8000; default: MATCHER_SERVER_URL) "
        "instead of loading the models here",
    )
    rec.add_argument("--api-key", help="the server's API key, if it needs one (MATCHER_API_KEY)")
    rec.set_defaults(func=cmd_recommend)

    for name, text in (
        ("similar", "entities similar to one entity"),
        ("complements", "entities that bring what one entity lacks"),
    ):
        near = sub.add_parser(name, parents=[data, as_json], help=text)
        near.add_argument("entity_id", help="an id such as company:acme")
        near.add_argument("--kind", action="append", choices=KIND_CHOICES, help="repeatable")
        near.add_argument("--top", type=int, default=10, help="how many (default 10)")
        near.set_defaults(func=cmd_neighbours)

    serve = sub.add_parser("serve", parents=[data], help="serve the HTTP API and web pages")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)
