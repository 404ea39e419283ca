"""The evaluations run through the engine on tiny data sets whose answers are known."""

import json
from pathlib import Path

import pytest

from matcher import cli
from matcher.encoders.fake import FakeEncoder
from matcher.evaluation.cordis import Cordis
from matcher.evaluation.crosslingual import Crosslingual
from matcher.evaluation.goldstandard import GoldStandard
from matcher.settings import EncoderSettings, RankingSettings, Settings

BATTERY = "Leaching of lithium-ion battery black mass for cobalt and nickel recovery"
CARE = "Fall detection sensors for elderly people living at home with home care"


def fake_settings(tmp_path: Path, weight: float = 0.0) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        encoder=EncoderSettings(name="fake"),
        ranking=RankingSettings(lexical_weight=weight),
    )


def write_gold(root: Path) -> Path:
    (root / "data").mkdir(parents=True)
    header = "ParticipantID\t" + "\t".join(
        [f"Paper{i}" for i in range(1, 11)] + [f"Expertise{i}" for i in range(1, 11)]
    )
    rows = [
        "r1\tpb\tpc" + "\t" * 8 + "\t5\t1" + "\t" * 8,
        "r2\tpb\tpc" + "\t" * 8 + "\t1\t4" + "\t" * 8,
    ]
    (root / "data" / "evaluations.csv").write_text("\n".join([header, *rows]) + "\n")
    split = root / "evaluation_datasets" / "d_20_1"
    (split / "archives").mkdir(parents=True)
    for reviewer, text in (("r1", BATTERY), ("r2", CARE)):
        paper = {"id": reviewer, "content": {"title": text, "abstract": text}}
        (split / "archives" / f"~{reviewer}.jsonl").write_text(json.dumps(paper) + "\n")
    submissions = {
        "pb": {
            "id": "pb",
            "content": {"title": "Battery black mass leaching", "abstract": BATTERY},
        },
        "pc": {"id": "pc", "content": {"title": "Elderly fall detection", "abstract": CARE}},
    }
    (split / "submissions.json").write_text(json.dumps(submissions))
    return root


def test_gold_standard_orders_expertise(tmp_path: Path) -> None:
    root = write_gold(tmp_path / "gold")
    result = GoldStandard((1,)).run(fake_settings(tmp_path), root, encoder=FakeEncoder())
    assert result.primary == "loss" and not result.higher_is_better
    assert result.metrics["loss"] == 0.0
    assert result.metrics["easy_accuracy"] == 1.0
    assert result.details["splits"]["1"]["loss"] == 0.0


def write_cordis(root: Path) -> Path:
    root.mkdir(parents=True)
    projects = [
        {"id": 1, "title": "Battery recycling A", "objective": BATTERY},
        {"id": 2, "title": "Battery recycling B", "objective": BATTERY + " pilot"},
        {"id": 3, "title": "Care C", "objective": CARE},
        {"id": 4, "title": "Care D", "objective": CARE + " trial"},
    ]
    rows = [
        {"projectID": p, "organisationID": o, "name": n, "activityType": t, "country": "SE"}
        for p, o, n, t in [
            (1, 10, "Battery Org", "PRC"),
            (2, 10, "Battery Org", "PRC"),
            (3, 20, "Care Org", "HES"),
            (4, 20, "Care Org", "HES"),
            (1, 30, "Newcomer", "PRC"),
        ]
    ]
    (root / "project.json").write_text(json.dumps(projects))
    (root / "organization.json").write_text(json.dumps(rows))
    return root


def test_cordis_finds_consortium_from_other_projects(tmp_path: Path) -> None:
    root = write_cordis(tmp_path / "cordis")
    result = Cordis().run(fake_settings(tmp_path), root, encoder=FakeEncoder())
    # project 1 has a participant with no other project: findable recall 1, overall 1/2
    assert result.metrics["findable_recall@50"] == 1.0
    assert result.metrics["recall@50"] == pytest.approx((0.5 + 1 + 1 + 1) / 4)
    assert {"dense/recall@50", "bm25/recall@50"} <= set(result.metrics)


def test_crosslingual_on_identical_texts(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    rows = [
        {
            "id": f"p{i}",
            "area": "ict-digital",
            "need_sv": t,
            "need_en": t,
            "profile_sv": t,
            "profile_en": t,
        }
        for i, t in enumerate([BATTERY, CARE, "Fraud detection for card payments in banks"])
    ]
    pairs.write_text("\n".join(json.dumps(r) for r in rows))
    result = Crosslingual(encoders=()).run(fake_settings(tmp_path), pairs, encoder=FakeEncoder())
    assert result.metrics["top1"] == 1.0 and result.metrics["partner/top1"] == 1.0


def test_evaluate_cli_reports_missing_data(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from matcher.settings import get_settings

    monkeypatch.setenv("MATCHER_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    code = cli.main(["evaluate", "cordis", "--data", "/no/such/folder", "--encoder", "minilm"])
    assert code == 2
    get_settings.cache_clear()
    assert "CORDIS export not found" in capsys.readouterr().err


def grants_file(folder: Path) -> Path:
    """Six grants in the SweCRIS API's record shape: three before 2021, three after, whose
    people (and one company) come back."""
    topics = [
        ("Vätgas i stålindustrin", "Hydrogen in steelmaking", "vätgas järnmalm reduktion",
         "hydrogen iron ore reduction", "ann", "Hybrit AB"),
        ("Batteriåtervinning", "Battery recycling", "litium kobolt återvinning",
         "lithium cobalt recycling", "bo", None),
        ("Äldreomsorg och sensorer", "Elderly care sensors", "fall sensorer hemtjänst",
         "falls sensors home care", "cy", None),
    ]  # fmt: skip
    records = []
    for year, suffix in ((2018, "early"), (2023, "late")):
        for n, (title_sv, title_en, words_sv, words_en, person, coordinator) in enumerate(topics):
            kind = "Company" if coordinator else "University"
            records.append({
                "projectId": f"{year}-0{n}_VR", "projectStartDate": f"{year}-01-01",
                "projectTitleSv": f"{title_sv} {suffix}", "projectTitleEn": f"{title_en} {suffix}",
                "projectAbstractSv": f"Projektet om {words_sv} {suffix}.",
                "projectAbstractEn": f"The project on {words_en} {suffix}.",
                "coordinatingOrganisationNameEn": coordinator or "KTH",
                "coordinatingOrganisationTypeOfOrganisationEn": kind,
                "typeOfAwardDescrEn": "Project grant",
                "involvedPeople": [{"personId": person, "fullName": person.title() + " Person"}],
            })  # fmt: skip
    path = folder / "grants.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def test_the_swecris_benchmark_finds_later_grants_people_among_earlier_ones(tmp_path: Path) -> None:
    from matcher.evaluation.swecris import Swecris, needs_of, split_of

    settings = Settings(data_dir=tmp_path / "data", encoder=EncoderSettings(name="fake"))
    result = Swecris().run(settings, grants_file(tmp_path), encoder=FakeEncoder())
    assert result.details["catalogue"] == 4  # three people and one company, from 2018
    assert sum(result.details["needs"].values()) == 6  # three later grants, two languages each
    english = [
        r for r in result.details["table"] if r["language"] == "en" and r["system"] == "engine"
    ]
    assert english and all(0 <= r["low"] <= r["mean"] <= r["high"] <= 1 for r in english)
    for split in ("dev", "test"):
        found = result.metrics.get(f"{split}/bm25/en/recall@10")
        assert found is None or found == 1.0  # the same words in English: BM25 finds them
    assert {split_of("2023-01"), split_of("2023-02"), split_of("2023-03")} <= {"dev", "test"}
    assert split_of("2023-01") == split_of("2023-01"), "the split is fixed"
    assert needs_of([], set()) == []


def test_a_company_finds_its_own_later_grant_among_the_challenges(tmp_path: Path) -> None:
    from matcher.evaluation.challenges import SwecrisChallenges

    settings = Settings(data_dir=tmp_path / "data", encoder=EncoderSettings(name="fake"))
    result = SwecrisChallenges().run(settings, grants_file(tmp_path), encoder=FakeEncoder())
    assert result.details["companies"] == 1 and result.details["later_grants"] == 3
    pairs = {s: result.metrics[f"{s}/all/pairs"] for s in ("dev", "test")}
    assert sum(pairs.values()) == 2, "Hybrit's later grant, in Swedish and in English"
    split = "dev" if pairs["dev"] else "test"
    for system in ("engine", "bm25", "dense"):
        assert result.metrics[f"{split}/all/{system}/top10"] == 1.0  # three challenges only
    assert result.metrics[f"{split}/en/bm25/mrr"] == 1.0, "its own words rank it first"


def test_gold_ratings_become_labelled_strength_rows(tmp_path: Path) -> None:
    from matcher.evaluation.strength_fit import gold_parts

    root = write_gold(tmp_path / "gold")
    parts = gold_parts(fake_settings(tmp_path), root, (1,))
    assert len(parts) == 2  # two rated papers, each rated by both reviewers
    rows, labels, shown = parts[0]
    assert rows.shape == (2, 5) and shown.all()
    assert sorted(labels.tolist()) == [0.0, 1.0]  # expertise 5 and 1 on paper pb


@pytest.mark.parametrize(
    "command", [["evaluate", "swecris"], ["tune-strength"], ["tune-adapter"], ["tune-lexicon"]]
)
def test_swecris_commands_say_when_the_records_cannot_be_read(
    command: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from matcher.settings import get_settings

    broken = tmp_path / "grants.json"
    broken.write_text("{not json", encoding="utf-8")
    models = tmp_path / "models"
    monkeypatch.setenv("MATCHER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MATCHER_MODELS_DIR", str(models))
    get_settings.cache_clear()
    for data in (broken, tmp_path / "missing.json"):
        assert cli.main([*command, "--data", str(data)]) == 2
        assert "SweCRIS grant records not readable" in capsys.readouterr().err
    get_settings.cache_clear()
    assert not models.exists()  # nothing written
