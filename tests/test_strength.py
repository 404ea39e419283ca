"""Relevance and bands: the fitted mapping's mechanics, and what the answer says with them
(no_strong_match, what the filters left out, a notice for a need in another language, no strong
result for nonsense). The model here is fitted on synthetic signals for the mechanics only; the
one under models/strength is fitted on the SweCRIS dev split (`matcher tune-strength`)."""

from pathlib import Path

import numpy as np
import pytest

from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.evaluation.strength_fit import band_shares, cut_bands
from matcher.schemas import NeedRequest
from matcher.search import strength
from matcher.settings import Settings


def synthetic(seed: int, n: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    """Signals whose first feature (distance above the need's mean) makes an answer right."""
    rng = np.random.default_rng(seed)
    rows = rng.normal(size=(n, len(strength.FEATURES)))
    chance = 1 / (1 + np.exp(-(2.0 * rows[:, 0] - 3.0)))
    return rows, (rng.random(n) < chance).astype(np.float64)


def test_the_fitted_relevance_is_calibrated_on_held_out_signals() -> None:
    rows, labels = synthetic(0)
    model = strength.fit(rows, labels, 0.2, 0.6)
    held_rows, held_labels = synthetic(1)
    check = strength.reliability(model.relevance_of(held_rows), held_labels)
    assert check["ece"] < 0.03
    assert [b["predicted"] for b in check["table"]] == sorted(
        b["predicted"] for b in check["table"]
    )
    assert (
        model.band(0.7) == "strong" and model.band(0.3) == "possible" and model.band(0.1) == "weak"
    )
    assert model.band(0.7, can_be_strong=False) == "possible"


def test_the_model_round_trips_through_its_files(tmp_path: Path) -> None:
    rows, labels = synthetic(2)
    model = strength.fit(rows, labels, 0.2, 0.6)
    strength.save(tmp_path, model, {"data": "synthetic"})
    loaded = strength.load(tmp_path)
    assert loaded is not None
    for language in ("sv", "en", "de"):  # one model serves every language
        found = loaded.for_language(language).relevance_of(rows[:50])
        assert np.allclose(found, model.relevance_of(rows[:50]))
    assert strength.load(tmp_path / "nothing") is None
    (tmp_path / "strength" / "model.json").write_text('{"features": [], "languages": 3}')
    assert strength.load(tmp_path) is None


def test_each_need_language_gets_its_own_model(tmp_path: Path) -> None:
    rows, labels = synthetic(4)
    swedish = strength.fit(rows, labels, 0.1, 0.3)
    english = strength.fit(rows[:, ::-1].copy(), labels, 0.2, 0.6)
    strength.save(tmp_path, {"sv": swedish, "en": english}, {"data": "synthetic"})
    loaded = strength.load(tmp_path)
    assert loaded is not None
    assert loaded.for_language("sv").strong == 0.3 and loaded.for_language("en").strong == 0.6
    assert loaded.for_language("other").strong == 0.6  # another language: the English model


def test_bands_are_cut_on_dev_so_most_right_answers_are_at_least_possible() -> None:
    rows, labels = synthetic(3)
    model = strength.fit(rows, labels, 0.0, 1.0)
    dev = [(rows[i : i + 50], labels[i : i + 50], np.ones(50, bool)) for i in range(0, 4000, 50)]
    model.possible, model.strong = cut_bands(model, dev)
    assert 0 < model.possible <= model.strong <= 1
    shares = band_shares(model, dev)
    assert shares["strong"] + shares["possible"] >= 0.74


@pytest.fixture
def graded(settings: Settings, catalogue_file: Path, tmp_path: Path) -> Matcher:
    """The tiny catalogue with a strength model whose relevance grows with the lexical share."""
    models = tmp_path / "models"
    weights = np.zeros(len(strength.FEATURES))
    weights[strength.FEATURES.index("lexical")] = 8.0
    model = strength.Strength(
        np.zeros(len(weights)), np.ones(len(weights)), weights, -3.0, 0.2, 0.4
    )
    strength.save(models, model, {"data": "for the tests"})
    ranking = settings.ranking.model_copy(update={"lexical_weight": 5.0})  # no models/fusion here
    scoped = settings.model_copy(update={"models_dir": models, "ranking": ranking})
    matcher = Matcher(scoped, encoder=FakeEncoder())
    matcher.build(str(catalogue_file))
    return matcher


def test_results_carry_relevance_and_band(graded: Matcher) -> None:
    answer = graded.recommend(NeedRequest(need="battery recycling black mass cobalt"), record=False)
    top = answer.results[0]
    assert 0 <= top.relevance <= 1 and top.band in ("strong", "possible", "weak")
    model = graded.served().strength
    assert model is not None and top.band == model.for_language("en").band(top.relevance)
    assert answer.no_strong_match == (
        not any(r.band == "strong" for r in answer.results + answer.testbeds)
    )
    similar = graded.neighbours("company:battery-loop", "similar").results
    assert all(r.band in ("strong", "possible", "weak") for r in similar)


@pytest.mark.parametrize(
    "need",
    ["asdf qwerty zxcv", "the and of for with", "och att det som", "xqzv battery jkwpl mrrtq"],
)
def test_nonsense_and_function_words_are_never_strong(graded: Matcher, need: str) -> None:
    answer = graded.recommend(NeedRequest(need=need), record=False)
    assert all(r.band != "strong" for r in answer.results + answer.testbeds)
    assert answer.no_strong_match


def test_a_need_in_another_language_gets_a_notice(graded: Matcher) -> None:
    german = "Wir suchen einen Partner für das Recycling von Batterien und die Prüfung der Zellen"
    answer = graded.recommend(NeedRequest(need=german), record=False)
    assert answer.notice and "neither Swedish nor English" in answer.notice
    english = graded.recommend(NeedRequest(need="battery recycling partner"), record=False)
    assert english.notice is None


def test_what_the_filters_left_out_is_named_with_the_conditions_it_fails(
    graded: Matcher,
) -> None:
    need = "battery cell testing and recycling lab"
    plain = graded.recommend(NeedRequest(need=need, kinds=["lab"], top_k=1), record=False)
    best = plain.testbeds[0]
    filtered = graded.recommend(
        NeedRequest(need=need, kinds=["lab"], top_k=1, filters={"municipalities": ["Kiruna"]}),
        record=False,
    )
    assert filtered.testbeds == []  # no lab of the catalogue is in Kiruna
    left = {f.id: f for f in filtered.filtered_out}
    assert best.id in left and len(filtered.filtered_out) <= 3
    assert left[best.id].failed and left[best.id].failed[0].startswith("in ")
    assert left[best.id].band == best.band
    unfiltered = graded.recommend(NeedRequest(need=need), record=False)
    assert unfiltered.filtered_out == [], "nothing is left out when nothing is filtered"


def test_the_known_share_counts_words_the_catalogue_knows(graded: Matcher) -> None:
    lexical = graded.served().snapshot.lexical
    assert lexical.known_share("battery recycling") == 1.0
    assert lexical.known_share("xqzv battery jkwpl mrrtq") == 0.25
    assert lexical.known_share("the and of") == 0.0  # no content words at all
    assert strength.can_be_strong("battery recycling", 1.0)
    assert not strength.can_be_strong("xqzv battery jkwpl mrrtq", 0.25)
    assert strength.can_be_strong("Vi återvinner batterier", 0.0)  # Swedish against English


def test_a_model_fitted_on_another_encoder_is_not_used(tmp_path: Path) -> None:
    rows, labels = synthetic(5)
    strength.save(tmp_path, strength.fit(rows, labels, 0.2, 0.6), {}, encoder_id="hybrid(x)")
    assert strength.load(tmp_path, "hybrid(x)") is not None
    assert strength.load(tmp_path, "fake-hashing-64") is None
    assert strength.load(tmp_path) is not None  # no encoder to check against
