"""Coach subcommands: portfolio, feedback, train-reranker."""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from matcher.cli.common import CliError, Subparsers, load_settings, print_results, read_records


def _coach_call(args: argparse.Namespace, call: Any) -> Any:
    """Run a coach operation, turning its errors into one-line messages."""
    from pydantic import ValidationError

    from matcher.catalogue.reading import describe_error
    from matcher.coach.workflow import UnknownRecordError
    from matcher.engine import Matcher
    from matcher.errors import InvalidRequestError, NotBuiltError, UnknownEntityError

    matcher = Matcher(load_settings(args))
    try:
        return call(matcher)
    except ValidationError as exc:
        raise CliError(describe_error(exc)) from exc
    except (UnknownRecordError, UnknownEntityError, InvalidRequestError, NotBuiltError) as exc:
        raise CliError(str(exc.args[0])) from exc


def _export(args: argparse.Namespace) -> int:
    """A portfolio's shortlists as CSV, JSON (stdout or --output) or an Excel file."""
    from matcher.coach import workflow as coach

    if args.format == "xlsx":
        if not args.output:
            raise CliError("an xlsx export is a file: give --output FILE.xlsx")
        data = _coach_call(args, lambda m: coach.export_xlsx(m, args.portfolio_id))
        Path(args.output).write_bytes(data)
        return 0
    if args.format == "csv":
        text = _coach_call(args, lambda m: coach.export_csv(m, args.portfolio_id))
    else:
        text = json.dumps(
            _coach_call(
                args,
                lambda m: {
                    **coach.portfolio(m, args.portfolio_id),
                    "rows": coach.export_rows(m, args.portfolio_id),
                },
            ),
            ensure_ascii=False,
        )
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def cmd_portfolio(args: argparse.Namespace) -> int:
    """Create, list, run and export portfolios."""
    from matcher.coach import workflow as coach
    from matcher.coach.schemas import PortfolioCreate, PortfolioRun

    if args.action == "create":
        if not args.needs:
            raise CliError("portfolio create needs --needs FILE")
        raw = read_records(args.needs, "needs")
        needs = raw.get("needs") if isinstance(raw, dict) else raw
        if not isinstance(needs, list):
            raise CliError("the needs file must hold a list of company ids and {text} objects")
        needs = [{"entity_id": n} if isinstance(n, str) else n for n in needs]
        result: Any = _coach_call(
            args,
            lambda m: coach.create_portfolio(
                m,
                PortfolioCreate.model_validate({"name": args.name or "portfolio", "needs": needs}),
            ),
        )
        print(json.dumps(result, ensure_ascii=False) if args.json else result["id"])
        return 0
    if args.action == "list":
        rows = _coach_call(args, lambda m: m.coach.portfolios())
        print(
            json.dumps(rows)
            if args.json
            else "\n".join(f"{r['id']}  {r['name']} ({r['needs']} needs)" for r in rows)
        )
        return 0
    if not args.portfolio_id:
        raise CliError(f"portfolio {args.action} needs a portfolio id")
    if args.action == "export":
        return _export(args)
    run = PortfolioRun(top_k=args.top)
    answer = _coach_call(args, lambda m: coach.run_portfolio(m, args.portfolio_id, run))
    if args.json:
        print(answer.model_dump_json())
        return 0
    print(f"{len(answer.needs)} needs in {answer.seconds:.1f} s")
    for need in answer.needs:
        print_results(f"{need.title}  ({need.response.need_id})", need.response.results)
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    """Record a verdict on a shown suggestion."""
    from matcher.coach import workflow as coach
    from matcher.coach.schemas import FeedbackRequest

    body = {"need_id": args.need_id, "entity_id": args.entity_id, "label": args.label}
    answer = _coach_call(args, lambda m: coach.feedback(m, FeedbackRequest.model_validate(body)))
    print(
        answer.model_dump_json() if args.json else ("stored" if answer.stored else "already stored")
    )
    return 0


def cmd_train_reranker(args: argparse.Namespace) -> int:
    """Train the reranker from feedback (or a simulated coach) and compare it held out."""
    from matcher.coach.training import TrainingDataError, train
    from matcher.engine import Matcher
    from matcher.errors import NotBuiltError

    try:
        trained = train(Matcher(load_settings(args)), args.seed, args.simulate)
    except (TrainingDataError, NotBuiltError) as exc:
        raise CliError(str(exc)) from exc
    source, folder, metrics = trained.source, trained.folder, trained.metrics
    if args.json:
        print(
            json.dumps(
                {"source": source, "active": trained.active, "folder": str(folder), **metrics}
            )
        )
        return 0
    print(
        f"held-out nDCG@10: engine order {metrics['ndcg@10_before']:.3f}, reranked "
        f"{metrics['ndcg@10_after']:.3f} ({int(metrics['held_out_needs'])} needs; trained on "
        f"{int(metrics['training_rows'])} labels from {int(metrics['training_needs'])} needs)"
    )
    print(
        f"mean gain of the top 10: engine order {metrics['mean_gain@10_before']:.3f}, reranked "
        f"{metrics['mean_gain@10_after']:.3f}"
    )
    if source == "simulated":
        print(f"saved to {folder}; a simulated coach's model is never used for serving")
    elif trained.active:
        print(f"saved to {folder} and used from now on: it beats the engine's order held out")
    else:
        print(f"saved to {folder} but not used: it does not beat the engine's order held out")
    return 0


def add_parsers(
    sub: Subparsers, data: argparse.ArgumentParser, as_json: argparse.ArgumentParser
) -> None:
    """portfolio, feedback, train-reranker."""
    port = sub.add_parser(
        "portfolio",
        parents=[data, as_json],
        help="coach portfolios: create, list, recommend, export",
    )
    port.add_argument("action", choices=("create", "list", "recommend", "export"))
    port.add_argument("portfolio_id", nargs="?", help="for recommend and export")
    port.add_argument("--name", help="name of a new portfolio")
    port.add_argument("--needs", help="JSON/JSONL: company ids, or {text, title?, municipality?}")
    port.add_argument("--top", type=int, help="results per list")
    port.add_argument(
        "--format",
        choices=("csv", "json", "xlsx"),
        default="csv",
        help="export format (xlsx: an Excel workbook, needs --output)",
    )
    port.add_argument("--output", help="write the export to this file")
    port.set_defaults(func=cmd_portfolio)

    fb = sub.add_parser(
        "feedback", parents=[data, as_json], help="record a verdict on a shown suggestion"
    )
    fb.add_argument("need_id")
    fb.add_argument("entity_id")
    fb.add_argument("label", choices=("relevant", "not_relevant", "contacted", "partnered"))
    fb.set_defaults(func=cmd_feedback)

    tr = sub.add_parser(
        "train-reranker", parents=[data, as_json], help="learn a reranker from coach feedback"
    )
    tr.add_argument("--simulate", action="store_true", help="use a simulated coach instead")
    tr.add_argument("--seed", type=int, default=0, help="split and simulation seed")
    tr.set_defaults(func=cmd_train_reranker)
