"""The argument parser, made from each subcommand module's `add_parsers`, and the entry point."""

import argparse
import sys

from matcher.catalogue.store import StoreError
from matcher.cli import coach, evaluation, ingest, keys, search, teams
from matcher.cli.common import CliError, common_options

SUBCOMMANDS = (ingest, search, teams, coach, evaluation, keys)  # in the order --help lists them


def parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    top = argparse.ArgumentParser(
        prog="matcher", description="Find partners and testbeds for an innovation need."
    )
    sub = top.add_subparsers(dest="command", required=True)
    data, as_json = common_options()
    for module in SUBCOMMANDS:
        module.add_parsers(sub, data, as_json)
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
