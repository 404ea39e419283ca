"""What the subcommands share: settings, one-line errors, reading files, printing results."""

import argparse
import json
from pathlib import Path
from typing import Any

KIND_CHOICES = ("company", "lab", "researcher")


ACCESS_TYPES = ("physical", "remote", "virtual", "mail-in")


ACCESS_MODES = ("free", "conditional", "paid", "peer-reviewed")


class CliError(Exception):
    """A problem to report to the user in one line, without a traceback."""


def load_settings(args: argparse.Namespace) -> Any:
    from pydantic import ValidationError

    from matcher.settings import get_settings

    try:
        settings = get_settings()
    except ValidationError as exc:
        raise CliError(f"invalid MATCHER_* settings: {exc.errors()[0]['msg']}") from exc
    if getattr(args, "data_dir", None):
        settings = settings.model_copy(update={"data_dir": Path(args.data_dir)})
    return settings


def read_records(path: str, what: str) -> Any:
    """A JSON document, or JSON Lines as a list."""
    file = Path(path)
    if not file.is_file():
        raise CliError(f"{what} file not found: {path}")
    text = file.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise CliError(f"{path}:{number}: not JSON ({exc.msg})") from exc
    return records


def print_results(title: str, results: list[Any]) -> None:
    print(f"\n{title}")
    if not results:
        print("  (none)")
    for rank, result in enumerate(results, start=1):
        print(
            f"{rank:>3}. {result.name} [{result.kind}] {result.band} match, relevance "
            f"{result.relevance:.2f}  {result.id}"
        )
        reasons = result.reasons
        if result.disciplines:
            print(f"     disciplines: {', '.join(result.disciplines)}")
        if reasons.aspect:
            print(f"     aspect: {reasons.aspect}")
        if reasons.terms:
            print(f"     terms: {', '.join(reasons.terms)}")
        for evidence in reasons.evidence[:1]:
            print(f"     {evidence.field}: {evidence.text}")
        if reasons.complements:
            print(f"     {reasons.complements}")
        if reasons.constraints:
            print(f"     meets: {'; '.join(reasons.constraints)}")


def print_aspects(aspects: list[Any]) -> None:
    print("\nAspects of the need")
    for aspect in aspects:
        covered = f"  (covered by {', '.join(aspect.covered_by)})" if aspect.covered_by else ""
        print(f"  {aspect.id} {aspect.label}: {aspect.text}{covered}")


def common_options() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """Parent parsers of the options most subcommands share: --data-dir, and --json."""
    data = argparse.ArgumentParser(add_help=False)
    data.add_argument("--data-dir", help="data directory (default: MATCHER_DATA_DIR or ./data)")
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument(
        "--json", action="store_true", help="print one JSON document on stdout and nothing else"
    )
    return data, as_json


Subparsers = Any  # argparse's _SubParsersAction, which has no public name


def print_honesty(response: Any) -> None:
    """The notice, the absence of a strong match and what the filters left out, in words."""
    if response.notice:
        print(f"\nNote: {response.notice}")
    if response.no_strong_match:
        print(
            "\nNo strong match: nothing in the catalogue fits this need strongly. Say more about "
            "what the project does, the technology and the partner or testbed it needs, or "
            "loosen the conditions."
        )
    for left in response.filtered_out:
        print(f"\nLeft out by your conditions: {left.name} ({left.kind}, {left.band} match): "
              f"{'; '.join(left.failed)}")  # fmt: skip
