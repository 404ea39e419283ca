"""Where the time of one recommendation request goes, on the built catalogue.

Run by hand after `matcher build --catalogue demo`: `.venv/bin/python benchmarks/request_profile.py`
(`--repeat N` rounds, `--profile` for a cProfile listing of the long needs). Every request
starts with empty need-vector caches, as a new need would, so encoding is always paid.
Prints, per need group (short / long, English and Swedish mixed), p50 and p95 of
`Matcher.recommend` and the mean inclusive milliseconds of each stage that exists in this
version of the code (stages nest, so they do not add up), plus the encoder calls and texts
per request.
"""

import argparse
import cProfile
import functools
import importlib
import io
import pstats
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from matcher.encoders.cache import CachedEncoder
from matcher.engine import Matcher
from matcher.schemas import NeedRequest
from matcher.settings import get_settings

SHORT = [
    "battery recycling testbed",
    "AI for hospital logistics",
    "wearable heart rhythm sensor",
    "lightweight concrete with lower emissions",
    "testbädd för batteriåtervinning",
    "AI för vårdlogistik på sjukhus",
    "sensorer för luftkvalitet i städer",
    "hållbara förpackningar av trä",
]
LONG = [
    "We are a small team building a home follow-up service for people who have just been "
    "discharged after a heart failure admission. Patients would wear a light adhesive sensor "
    "that tracks heart rhythm, breathing and early signs of fluid build-up, and our software "
    "should warn a nurse days before someone deteriorates without burying staff in false "
    "alarms. We need help with the sensor electronics, with prediction models that stay "
    "reliable across very different patients, and with designing how a remote nursing team "
    "acts on each alert. To sell to the regions we also have to show that fewer readmissions "
    "pay for the service.",
    "Our startup recovers lithium, nickel and cobalt from spent electric vehicle batteries "
    "with a low-temperature hydrometallurgical process. We want to scale from bench to a "
    "pilot line and need access to a testbed with cell disassembly, leaching reactors and "
    "analytical chemistry, partners who know battery chemistry and process engineering, "
    "and advice on the coming EU battery regulation and recycled content rules. We also "
    "look for industrial customers among cell makers and a life cycle assessment that "
    "shows the climate benefit compared with virgin mining, so that buyers and investors "
    "can trust our numbers.",
    "We develop software that plans deliveries in dense city districts with electric cargo "
    "bikes and small vans, using live traffic data, parking availability and delivery time "
    "windows. We need researchers in operations research and machine learning for routing "
    "under uncertainty, a municipality or testbed where we can trial micro-hubs on real "
    "streets, and partners who understand urban planning, noise and air quality so the "
    "city sees the benefit. Later we want to connect to retailers' order systems and to "
    "measure emissions per parcel in a way that auditors accept for sustainability reports.",
    "Vi är ett litet företag som utvecklar en digital tjänst för äldre som bor hemma med "
    "flera kroniska sjukdomar. Tjänsten ska samla mätvärden från blodtrycksmätare, våg och "
    "läkemedelsdosett och varna hemtjänsten när något avviker. Vi behöver hjälp med "
    "sensorer och dataintegration, med modeller som förutser försämring utan för många "
    "falsklarm, och med att utforma arbetssättet för sjuksköterskor i kommunen. Vi vill "
    "också testa tjänsten i en testbädd för hälsa och vård och visa hälsoekonomisk nytta "
    "för regionen innan en upphandling, samt få råd om dataskydd och medicintekniska regler.",
    "Vi tillverkar byggelement av korslimmat trä och vill minska klimatavtrycket ytterligare "
    "genom att ersätta lim och betong i bjälklagen med nya biobaserade material. Vi söker "
    "forskare inom träbyggnad, materialvetenskap och brandteknik, ett laboratorium som kan "
    "provtrycka och brandtesta stora element, och partner som kan räkna livscykelanalys "
    "för hela byggnader. Vi behöver också förstå hur kommunernas planprocesser och "
    "upphandling påverkar valet av stomme, och vill hitta arkitekter och byggherrar i "
    "Stockholmsregionen som kan bygga ett första flerbostadshus tillsammans med oss.",
    "Vi utvecklar en plattform för precisionsodling i växthus där kameror och sensorer mäter "
    "växternas tillväxt, näring och sjukdomar. Vi behöver partner inom bildanalys och "
    "maskininlärning, växtbiologi och styrning av bevattning och belysning, samt en testbädd "
    "där vi kan köra försök under en hel säsong. Vi vill även minska energianvändningen "
    "genom att styra belysningen efter elpriset och spillvärme från närliggande industri, "
    "och söker därför experter på energisystem och företag som levererar LED-belysning och "
    "värmepumpar till odlare i regionen.",
]
STAGES = [
    ("encode (need + clauses)", "matcher.encoders.hybrid", "HybridEncoder.encode_queries"),
    ("segments", "matcher.engine", "segments"),
    ("retriever.query", "matcher.search.retrieval", "Retriever.query"),
    ("  lexical scores", "matcher.index.lexical", "LexicalIndex.scores"),
    ("candidates", "matcher.search.retrieval", "Retriever.candidates_many"),
    ("score_many", "matcher.search.retrieval", "Retriever.score_many"),
    ("rank", "matcher.recommend", "rank"),
    ("need analysis", "matcher.needs.analysis", "NeedAnalysis.analyse"),
    ("  aspect retrieval best", "matcher.search.retrieval", "Retriever.best"),
    ("partner pool", "matcher.needs.analysis", "NeedAnalysis.pool"),
    ("cover", "matcher.needs.analysis", "NeedAnalysis.cover"),
    ("whole need", "matcher.recommend", "Answer._whole_need"),
    ("partner set", "matcher.recommend", "Answer._partner_set"),
    ("results + explain", "matcher.recommend", "Answer._result"),
    ("  explain", "matcher.recommend", "explain"),
    ("features", "matcher.recommend", "Answer._features"),
    ("Answer.build", "matcher.recommend", "Answer.build"),
]
Timings = dict[str, list[float]]


def _wrap(totals: dict[str, float], label: str, function: Callable[..., Any]) -> Any:
    """A function that adds its inclusive time to totals[label] (outermost call only)."""
    depth = [0]

    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        depth[0] += 1
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            depth[0] -= 1
            if depth[0] == 0:
                totals[label] += time.perf_counter() - started

    return timed


@contextmanager
def instrumented(totals: dict[str, float]) -> Iterator[list[str]]:
    """Wrap every stage that exists in this version; yields the labels wrapped."""
    undo: list[tuple[Any, str, Any]] = []
    found: list[str] = []
    for label, module_name, path in STAGES:
        owner: Any = importlib.import_module(module_name)
        *parents, name = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent, None)
        original = getattr(owner, name, None) if owner is not None else None
        if original is None:
            continue
        undo.append((owner, name, original))
        setattr(owner, name, _wrap(totals, label, original))
        found.append(label)
    try:
        yield found
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)


def forget_needs(matcher: Matcher) -> None:
    """Empty the need-vector caches, so the next request encodes like a new need would."""
    encoder: Any = matcher.encoder
    parts = (encoder, getattr(encoder, "english", None), getattr(encoder, "multilingual", None))
    for part in parts:
        if isinstance(part, CachedEncoder):
            part._queries.clear()


def counted(matcher: Matcher, counts: dict[str, int]) -> None:
    """Count the calls into the models and the texts they encode."""
    encoder: Any = matcher.encoder
    for name in ("english", "multilingual"):
        part = getattr(encoder, name, encoder)
        inner = part.inner
        original = inner.encode_queries

        def encode(texts: list[str], _original: Any = original, _name: str = name) -> Any:
            counts[f"{_name} calls"] += 1
            counts[f"{_name} texts"] += len(texts)
            counts[f"{_name} words"] += sum(len(t.split()) for t in texts)
            return _original(texts)

        inner.encode_queries = encode
        if part is encoder:
            break


def run(matcher: Matcher, needs: list[str], repeat: int) -> tuple[list[float], Timings]:
    """Latencies of every request and per-request stage times."""
    latencies: list[float] = []
    stages: Timings = defaultdict(list)
    for _ in range(repeat):
        for need in needs:
            forget_needs(matcher)
            totals: dict[str, float] = defaultdict(float)
            with instrumented(totals):
                started = time.perf_counter()
                matcher.recommend(NeedRequest(need=need), record=False)
                latencies.append(time.perf_counter() - started)
            for label, seconds in totals.items():
                stages[label].append(seconds)
    return latencies, stages


def clean(matcher: Matcher, needs: list[str], repeat: int) -> list[float]:
    """Latencies without the stage timers."""
    latencies = []
    for _ in range(repeat):
        for need in needs:
            forget_needs(matcher)
            started = time.perf_counter()
            matcher.recommend(NeedRequest(need=need), record=False)
            latencies.append(time.perf_counter() - started)
    return latencies


def percentile(values: list[float], share: float) -> float:
    """The share-quantile in milliseconds."""
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(name: str, needs: list[str], matcher: Matcher, repeat: int) -> None:
    """Print latencies, stages and encoder use for one group of needs."""
    latencies = clean(matcher, needs, repeat)
    _, stages = run(matcher, needs, 1)
    counts: dict[str, int] = defaultdict(int)
    counted(matcher, counts)
    forget_needs(matcher)
    for need in needs:
        forget_needs(matcher)
        matcher.recommend(NeedRequest(need=need), record=False)
    matcher._encoder = None  # drop the counting wrappers with the encoder objects
    words = statistics.mean(len(n.split()) for n in needs)
    print(f"\n{name}: {len(needs)} needs, {words:.0f} words on average, {len(latencies)} requests")
    print(
        f"  p50 {percentile(latencies, 0.5):.1f} ms   p95 {percentile(latencies, 0.95):.1f} ms"
        f"   mean {1000 * statistics.mean(latencies):.1f} ms"
    )
    for label, *_ in STAGES:
        if label in stages:
            print(f"  {label:<28} {1000 * statistics.mean(stages[label]):8.2f} ms")
    per = {k: v / len(needs) for k, v in sorted(counts.items())}
    print("  per request: " + ", ".join(f"{k} {v:.1f}" for k, v in per.items()))


def main() -> None:
    """Time the short and the long needs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    matcher = Matcher(get_settings())
    matcher.warm_up()
    matcher.ready()
    for need in SHORT[:2] + LONG[:1]:  # first calls load lazily built parts
        matcher.recommend(NeedRequest(need=need), record=False)
    entities = len(matcher.served().entities)
    print(f"catalogue: {entities} entities, encoder {matcher.encoder.model_id}")
    report("short needs", SHORT, matcher, args.repeat)
    matcher.warm_up()
    report("long needs", LONG, matcher, args.repeat)
    if args.profile:
        matcher.warm_up()
        profiler = cProfile.Profile()
        for need in LONG:
            forget_needs(matcher)
            profiler.runcall(matcher.recommend, NeedRequest(need=need), record=False)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        print(out.getvalue())


if __name__ == "__main__":
    main()
