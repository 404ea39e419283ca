"""Catalogue writes: build (replace everything), ingest (upsert), delete."""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from matcher.cli.common import CliError, Subparsers, load_settings

SHOWN_REJECTIONS = 50


def _matcher(args: argparse.Namespace) -> Any:
    """The engine with the data directory's saved needs attached: an ingest here alerts them,
    and an erasure here removes what they keep of an entity, as in the server."""
    from api.alerting import watch_engine
    from matcher.engine import Matcher

    matcher = Matcher(load_settings(args))
    watch_engine(matcher)
    return matcher


def _print_report(report: Any, matcher: Any, as_json: bool) -> int:
    """Print an ingest report; exit code 1 when some rows were rejected, else 0."""
    if as_json:
        print(json.dumps(report.summary(), ensure_ascii=False))
        return 1 if report.rejected else 0
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(report.entities.items()))
    print(
        f"{report.received} rows: {report.inserted} new, {report.updated} changed, "
        f"{report.unchanged} unchanged, {len(report.rejected)} rejected"
        + (f", {report.deleted} deleted" if report.deleted else "")
        + (f", {report.kept} kept as stored (their rows were rejected)" if report.kept else "")
    )
    if report.reindexed:
        print(
            f"indexed {report.items} texts ({report.encoded} encoded, {report.from_cache} from "
            f"cache): {report.index} in {matcher.index_dir}"
        )
    else:
        print(f"nothing changed; the index in {matcher.index_dir} is current")
    print(f"store holds {counts or 'nothing'}; {report.seconds:.1f} s")
    for rejected in report.rejected[:SHOWN_REJECTIONS]:
        print(f"rejected {rejected.where}: {rejected.reason}", file=sys.stderr)
    if len(report.rejected) > SHOWN_REJECTIONS:
        more = len(report.rejected) - SHOWN_REJECTIONS
        print(f"... and {more} more rejected rows (use --json for all)", file=sys.stderr)
    return 1 if report.rejected else 0


def cmd_build(args: argparse.Namespace) -> int:
    """Make the store and index hold exactly a catalogue."""
    from matcher.catalogue.reading import CatalogueError

    matcher = _matcher(args)
    try:
        report = matcher.build(args.catalogue or ["demo"], progress=not args.json)
    except CatalogueError as exc:
        raise CliError(str(exc)) from exc
    return _print_report(report, matcher, args.json)


def cmd_ingest(args: argparse.Namespace) -> int:
    """Upsert the entities of a file, folder or CORDIS export."""
    from matcher.catalogue.reading import CatalogueError, load_catalogue

    matcher = _matcher(args)
    try:
        loaded = load_catalogue(args.source, args.format, progress=not args.json)
    except CatalogueError as exc:
        raise CliError(str(exc)) from exc
    if not loaded.entities and args.replace:
        raise CliError(f"no valid entities in {args.source}; --replace would empty the catalogue")
    report = matcher.ingest(loaded, replace=args.replace, progress=not args.json)
    return _print_report(report, matcher, args.json)


def cmd_delete(args: argparse.Namespace) -> int:
    """Erase entities by id: store, index, embedding cache and coach rows; print counts."""
    matcher = _matcher(args)
    erased = matcher.delete(args.ids)
    removed = erased.store
    unknown = len(set(args.ids)) - removed
    print(f"deleted {removed} entities" + (f"; {unknown} ids were not stored" if unknown else ""))
    counts = {k: v for k, v in erased.as_dict().items() if k != "store"}
    print("erased " + ", ".join(f"{n} {place.replace('_', ' ')}" for place, n in counts.items()))
    return 0 if removed else 1


def cmd_demo_vectors(args: argparse.Namespace) -> int:
    """Encode the demo afresh in a scratch data directory; save its vectors as the artefact."""
    import tempfile

    from matcher.catalogue import demo_vectors
    from matcher.engine import Matcher

    settings = load_settings(args)
    target = settings.models_dir / demo_vectors.FOLDER
    try:  # refused now, not after minutes of encoding
        target.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=target).close()
    except OSError as exc:
        raise CliError(f"cannot write the demo's vectors to {target}: {exc.strerror}") from exc
    with tempfile.TemporaryDirectory(prefix="demo-vectors-") as scratch:
        fresh = settings.model_copy(
            update={
                "data_dir": Path(scratch),
                "cache_file": None,
                "store_url": None,
                "encoder": settings.encoder.model_copy(update={"demo_vectors": False}),
            }
        )
        matcher = Matcher(fresh)
        matcher.build(["demo"], progress=True)
        manifest = demo_vectors.export(matcher.encoder, settings.models_dir)
    texts = ", ".join(f"{n} texts of {model}" for model, n in manifest["texts"].items())
    print(f"saved version {manifest['version']} ({texts}) to {settings.models_dir}")
    return 0


def add_parsers(
    sub: Subparsers, data: argparse.ArgumentParser, as_json: argparse.ArgumentParser
) -> None:
    """build, ingest, delete, demo-vectors."""
    from matcher.catalogue.reading import FORMATS

    build = sub.add_parser(
        "build", parents=[data, as_json], help="make the store and index hold exactly a catalogue"
    )
    build.add_argument(
        "--catalogue",
        "--catalog",
        dest="catalogue",
        action="append",
        help="'demo' (the default), a .jsonl/.json/.csv file, a folder of them, a CORDIS export, "
        "SweCRIS grant records or the SciLifeLab catalogue; repeat it to build from several",
    )
    build.set_defaults(func=cmd_build)

    ing = sub.add_parser(
        "ingest",
        parents=[data, as_json],
        help="add or update entities from a file, folder or export",
    )
    ing.add_argument("source", help="a .jsonl/.json/.csv file, a folder of them, a CORDIS export")
    ing.add_argument("--format", default="auto", choices=FORMATS, help="default: from the name")
    ing.add_argument(
        "--replace", action="store_true", help="also delete every entity not in the source"
    )
    ing.set_defaults(func=cmd_ingest)

    rm = sub.add_parser(
        "delete", parents=[data], help="remove entities by id from the store and the index"
    )
    rm.add_argument("ids", nargs="+", help="entity ids, e.g. company:acme")
    rm.set_defaults(func=cmd_delete)

    vectors = sub.add_parser(
        "demo-vectors",
        parents=[data],
        help="encode the demo catalogue afresh and save its vectors under models/demo-vectors, "
        "which a build of the demo then uses instead of encoding",
    )
    vectors.set_defaults(func=cmd_demo_vectors)
