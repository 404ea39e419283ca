"""Hard constraints (SME access, TRL, access, distance, place, area): engine, API, CLI."""

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.app import create_app
from matcher import cli
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.schemas import KINDS, NeedRequest, RecommendationFilters, parse_entity
from matcher.search.filters import distance_km, met_constraints, passes
from matcher.settings import EncoderSettings, Settings
from tests.support.catalogue import write_catalogue

NEED = "battery testing lab for lithium-ion cells"
STOCKHOLM = {"lat": 59.33, "lon": 18.06}


def lab(
    slug: str,
    place: str,
    coords: tuple[float, float] | None,
    open_to_smes: bool,
    trl: tuple[int, int],
    access_types: list[str],
    access_modes: list[str],
    area: str,
) -> dict:
    location: dict = {"municipality": place}
    if coords is not None:
        location.update(lat=coords[0], lon=coords[1])
    return {
        "id": f"lab:{slug}",
        "kind": "lab",
        "name": f"{slug.title()} Battery Lab",
        "host": "Institute",
        "description": "Battery testing lab for lithium-ion cells.",
        "capabilities": ["Cycling and abuse testing of lithium-ion battery cells"],
        "open_to_smes": open_to_smes,
        "trl_min": trl[0],
        "trl_max": trl[1],
        "access_types": access_types,
        "access_modes": access_modes,
        "areas": [area],
        "disciplines": ["electrical engineering"],
        "location": location,
    }


LABS = [
    lab("alpha", "Stockholm", (59.33, 18.06), True, (2, 4), ["physical"], ["paid"], "cleantech"),
    lab("beta", "Solna", (59.36, 18.00), False, (5, 8), ["remote"], ["free"], "ict-digital"),
    lab(
        "gamma",
        "Södertälje",
        (59.195, 17.626),
        True,
        (6, 9),
        ["mail-in", "physical"],
        ["conditional"],
        "sustainable-production",
    ),
    lab(
        "delta",
        "Uppsala",
        (59.858, 17.639),
        True,
        (1, 2),
        ["virtual"],
        ["peer-reviewed"],
        "cleantech",
    ),
    lab(
        "epsilon",
        "Huddinge",
        None,
        False,
        (4, 6),
        ["physical", "remote"],
        ["free", "paid"],
        "medtech",
    ),
]
PARTNERS = [
    {
        "id": "company:city-cells",
        "kind": "company",
        "name": "City Cells",
        "description": "Battery testing of lithium-ion cells for electric buses.",
        "disciplines": ["electrical engineering"],
        "location": {"municipality": "Stockholm", **STOCKHOLM},
    },
    {
        "id": "company:north-batteries",
        "kind": "company",
        "name": "North Batteries",
        "description": "Lithium-ion battery cells made and tested in Uppsala.",
        "disciplines": ["chemistry"],
        "location": {"municipality": "Uppsala", "lat": 59.858, "lon": 17.639},
    },
    {
        "id": "researcher:no-place",
        "kind": "researcher",
        "name": "No Place",
        "affiliation": "KTH",
        "description": "Researches ageing of lithium-ion battery cells in testing.",
        "disciplines": ["electrical engineering"],
        "consent": True,
    },
    {
        "id": "researcher:private-person",
        "kind": "researcher",
        "name": "Private Person",
        "affiliation": "KTH",
        "description": "Battery testing of lithium-ion cells.",
        "disciplines": ["electrical engineering"],
        "location": {"municipality": "Stockholm", **STOCKHOLM},
        "consent": False,
    },
]
ALL_LABS = {e["id"] for e in LABS}
NEAR_10 = {**STOCKHOLM, "radius_km": 10}
NEAR_40 = {**STOCKHOLM, "radius_km": 40}

EXCLUDED = [
    ({"open_to_smes": True}, {"lab:beta", "lab:epsilon"}),
    ({"open_to_smes": False}, set()),
    ({"trl": 3}, {"lab:beta", "lab:gamma", "lab:delta", "lab:epsilon"}),
    ({"trl": 1}, {"lab:alpha", "lab:beta", "lab:gamma", "lab:epsilon"}),
    ({"trl": 9}, {"lab:alpha", "lab:beta", "lab:delta", "lab:epsilon"}),
    ({"trl": [2, 5]}, {"lab:gamma"}),
    ({"trl": [7, 9]}, {"lab:alpha", "lab:delta", "lab:epsilon"}),
    ({"trl": [1, 9]}, set()),
    ({"access_types": ["remote"]}, {"lab:alpha", "lab:gamma", "lab:delta"}),
    ({"access_types": ["mail-in", "virtual"]}, {"lab:alpha", "lab:beta", "lab:epsilon"}),
    ({"access_modes": ["free"]}, {"lab:alpha", "lab:gamma", "lab:delta"}),
    (
        {"access_modes": ["conditional", "peer-reviewed"]},
        {"lab:alpha", "lab:beta", "lab:epsilon"},
    ),
    ({"municipalities": ["solna", "UPPSALA"]}, {"lab:alpha", "lab:gamma", "lab:epsilon"}),
    ({"near": NEAR_10}, {"lab:gamma", "lab:delta", "lab:epsilon"}),
    ({"near": NEAR_40}, {"lab:delta", "lab:epsilon"}),
    ({"areas": ["cleantech"]}, {"lab:beta", "lab:gamma", "lab:epsilon"}),
    (
        {"open_to_smes": True, "trl": [2, 5], "access_types": ["physical"]},
        {"lab:beta", "lab:gamma", "lab:delta", "lab:epsilon"},
    ),
]


@pytest.fixture(scope="module")
def labs(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    folder = tmp_path_factory.mktemp("labs")
    settings = Settings(data_dir=folder / "data", encoder=EncoderSettings(name="fake"))
    matcher = Matcher(settings, encoder=FakeEncoder())
    matcher.build(str(write_catalogue(folder / "labs.jsonl", LABS + PARTNERS)))
    return matcher


@pytest.fixture
def client(labs: Matcher) -> TestClient:
    return TestClient(create_app(labs.settings, encoder=FakeEncoder()))


def labs_shown(matcher: Matcher, filters: dict) -> set[str]:
    request = NeedRequest(need=NEED, top_k=50, filters=RecommendationFilters(**filters))
    return {r.id for r in matcher.recommend(request).testbeds}


def partners_shown(matcher: Matcher, filters: dict) -> set[str]:
    request = NeedRequest(need=NEED, top_k=50, filters=RecommendationFilters(**filters))
    return {r.id for r in matcher.recommend(request).results}


@pytest.mark.parametrize(("filters", "excluded"), EXCLUDED)
def test_passes_excludes_exactly_the_labs_that_break_a_constraint(
    filters: dict, excluded: set[str]
) -> None:
    parsed = RecommendationFilters(**filters)
    allowed = {e["id"] for e in LABS if passes(parse_entity(e), set(KINDS), parsed)}
    assert allowed == ALL_LABS - excluded


def test_without_filters_every_lab_is_a_testbed(labs: Matcher) -> None:
    assert labs_shown(labs, {}) == ALL_LABS


@pytest.mark.parametrize(("filters", "excluded"), EXCLUDED)
def test_recommend_drops_exactly_the_labs_that_break_a_constraint(
    labs: Matcher, filters: dict, excluded: set[str]
) -> None:
    assert labs_shown(labs, filters) == ALL_LABS - excluded


def test_closed_lab_never_appears_when_smes_need_access(built: Matcher) -> None:
    needs = [
        "battery cell cycling lithium-ion recycling research",
        "Closed Battery Cell Lab Big Corp cycling of lithium-ion battery cells",
        "We recycle lithium-ion batteries and need a pilot line for black mass leaching",
        "elderly care robots",
    ]
    for need in needs:
        for kinds in (None, ["lab"]):
            request = NeedRequest(
                need=need, kinds=kinds, top_k=100, filters=RecommendationFilters(open_to_smes=True)
            )
            response = built.recommend(request)
            shown = [r.id for r in response.testbeds + response.results]
            assert "lab:closed-cell-lab" not in shown, need
            assert response.testbeds, need


def test_closed_lab_never_appears_through_the_api(built: Matcher, settings: Settings) -> None:
    client = TestClient(create_app(settings, encoder=FakeEncoder()))
    for need in ["Closed Battery Cell Lab cycling of lithium-ion cells", "battery recycling"]:
        body = {"need": need, "kinds": ["lab"], "top_k": 100, "filters": {"open_to_smes": True}}
        response = client.post("/v1/recommendations", json=body)
        assert response.status_code == 200
        ids = [t["id"] for t in response.json()["testbeds"]]
        assert ids and "lab:closed-cell-lab" not in ids
        open_body = {**body, "filters": {}}
        everything = client.post("/v1/recommendations", json=open_body).json()["testbeds"]
        assert "lab:closed-cell-lab" in [t["id"] for t in everything]


@pytest.mark.parametrize(("filters", "excluded"), EXCLUDED[2:9])
def test_trl_filters_through_the_api(client: TestClient, filters: dict, excluded: set[str]) -> None:
    body = {"need": NEED, "top_k": 50, "filters": filters}
    response = client.post("/v1/recommendations", json=body)
    assert response.status_code == 200, response.text
    assert {t["id"] for t in response.json()["testbeds"]} == ALL_LABS - excluded


def test_lab_constraints_leave_partners_alone(labs: Matcher) -> None:
    strict = {"open_to_smes": True, "trl": 9, "access_types": ["remote"], "access_modes": ["paid"]}
    assert labs_shown(labs, strict) == set()
    assert partners_shown(labs, strict) == partners_shown(labs, {})
    assert partners_shown(labs, {}) == {
        "company:city-cells",
        "company:north-batteries",
        "researcher:no-place",
    }


def test_place_and_distance_apply_to_partners_too(labs: Matcher) -> None:
    assert partners_shown(labs, {"near": NEAR_10}) == {"company:city-cells"}
    assert partners_shown(labs, {"near": {**STOCKHOLM, "radius_km": 100}}) == {
        "company:city-cells",
        "company:north-batteries",
    }
    assert partners_shown(labs, {"municipalities": ["uppsala"]}) == {"company:north-batteries"}


def test_results_say_which_constraints_they_meet(labs: Matcher) -> None:
    filters = RecommendationFilters(near=NEAR_10, trl=(3, 5), access_modes=["free", "paid"])
    response = labs.recommend(NeedRequest(need=NEED, filters=filters))
    met = {r.id: r.reasons.constraints for r in response.testbeds}
    assert met == {
        "lab:alpha": ["in Stockholm, 0 km away", "TRL 2–4", "terms: paid"],
        "lab:beta": ["in Solna, 5 km away", "TRL 5–8", "terms: free"],
    }
    assert [r.reasons.constraints for r in response.results] == [["in Stockholm, 0 km away"]]


def test_met_constraints_name_what_was_asked(labs: Matcher) -> None:
    gamma = parse_entity(LABS[2])
    filters = RecommendationFilters(
        areas=["sustainable-production", "medtech"],
        municipalities=["Södertälje"],
        open_to_smes=True,
        trl=8,
        access_types=["mail-in", "remote"],
        access_modes=["conditional"],
    )
    assert passes(gamma, {"lab"}, filters)
    assert met_constraints(gamma, filters) == [
        "area: sustainable-production",
        "in Södertälje",
        "open to SMEs",
        "TRL 6–9",
        "access: mail-in",
        "terms: conditional",
    ]
    assert met_constraints(gamma, RecommendationFilters()) == []
    plain = labs.recommend(NeedRequest(need=NEED))
    assert all(r.reasons.constraints == [] for r in plain.results + plain.testbeds)


def test_researchers_without_consent_fail_every_filter() -> None:
    hidden = parse_entity(PARTNERS[3])
    assert not passes(hidden, set(KINDS), RecommendationFilters())
    assert not passes(hidden, set(KINDS), RecommendationFilters(near=NEAR_10))


def test_kinds_are_a_constraint_too() -> None:
    alpha = parse_entity(LABS[0])
    assert passes(alpha, {"lab"}, RecommendationFilters())
    assert not passes(alpha, {"company", "researcher"}, RecommendationFilters())


def test_great_circle_distance() -> None:
    quarter = math.pi * 6371.0 / 2
    assert distance_km(59.33, 18.06, 59.33, 18.06) == 0.0
    assert distance_km(0, 0, 1, 0) == pytest.approx(2 * math.pi * 6371.0 / 360)
    assert distance_km(0, 0, 0, 90) == pytest.approx(quarter)
    assert distance_km(0, 0, 0, 180) == pytest.approx(2 * quarter)
    assert distance_km(90, 0, -90, 0) == pytest.approx(2 * quarter)
    stockholm_gothenburg = distance_km(59.33, 18.06, 57.71, 11.97)
    assert stockholm_gothenburg == pytest.approx(398, abs=5)
    assert distance_km(57.71, 11.97, 59.33, 18.06) == pytest.approx(stockholm_gothenburg)
    across_the_date_line = distance_km(0, 179.5, 0, -179.5)
    assert across_the_date_line == pytest.approx(distance_km(0, 0, 0, 1))


def test_trl_accepts_a_level_or_an_ordered_range() -> None:
    assert RecommendationFilters(trl=4).trl_range == (4, 4)
    assert RecommendationFilters(trl=[3, 6]).trl_range == (3, 6)  # type: ignore[arg-type]
    assert RecommendationFilters(trl=(5, 5)).trl_range == (5, 5)
    assert RecommendationFilters().trl_range is None


@pytest.mark.parametrize(
    ("filters", "fragment"),
    [
        ({"trl": 0}, "trl levels run from 1 to 9"),
        ({"trl": 10}, "trl levels run from 1 to 9"),
        ({"trl": [0, 4]}, "trl levels run from 1 to 9"),
        ({"trl": [4, 10]}, "trl levels run from 1 to 9"),
        ({"trl": [6, 3]}, "must go from low to high"),
        ({"trl": [1, 2, 3]}, "trl"),
        ({"near": {"lat": 91, "lon": 18, "radius_km": 5}}, "near.lat"),
        ({"near": {"lat": 59, "lon": 181, "radius_km": 5}}, "near.lon"),
        ({"near": {"lat": 59, "lon": 18, "radius_km": 0}}, "near.radius_km"),
        ({"near": {"lat": 59, "lon": 18}}, "near.radius_km"),
        ({"access_types": ["teleport"]}, "access_types"),
        ({"access_modes": ["barter"]}, "access_modes"),
        ({"open_to_smez": True}, "open_to_smez"),
    ],
)
def test_invalid_filters_are_refused(filters: dict, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        RecommendationFilters(**filters)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("filters", "fragment"),
    [
        ({"trl": [6, 3]}, "filters.trl: trl range [6, 3] must go from low to high"),
        ({"trl": 0}, "trl levels run from 1 to 9"),
        ({"near": {"lat": 59, "lon": 18, "radius_km": -1}}, "filters.near.radius_km"),
        ({"access_types": ["teleport"]}, "filters.access_types.0"),
    ],
)
def test_invalid_filters_are_a_422_through_the_api(
    client: TestClient, filters: dict, fragment: str
) -> None:
    response = client.post("/v1/recommendations", json={"need": NEED, "filters": filters})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and fragment in error["message"]


@pytest.fixture
def cli_data(monkeypatch: pytest.MonkeyPatch, labs: Matcher) -> Iterator[Path]:
    from matcher.settings import get_settings

    monkeypatch.setenv("MATCHER_ENCODER__NAME", "fake")
    monkeypatch.setenv("MATCHER_DATA_DIR", str(labs.data_dir))
    get_settings.cache_clear()
    yield labs.data_dir
    get_settings.cache_clear()


def cli_testbeds(capsys: pytest.CaptureFixture[str], *flags: str) -> set[str]:
    capsys.readouterr()
    assert cli.main(["recommend", NEED, "--json", "--top", "50", *flags]) == 0
    return {t["id"] for t in json.loads(capsys.readouterr().out)["testbeds"]}


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ([], ALL_LABS),
        (["--trl", "3-6"], {"lab:alpha", "lab:beta", "lab:gamma", "lab:epsilon"}),
        (["--trl", "3"], {"lab:alpha"}),
        (["--near", "59.33,18.06,10"], {"lab:alpha", "lab:beta"}),
        (["--near", "59.33,18.06,40"], {"lab:alpha", "lab:beta", "lab:gamma"}),
        (["--access-type", "mail-in", "--access-type", "virtual"], {"lab:gamma", "lab:delta"}),
        (["--access-mode", "free"], {"lab:beta", "lab:epsilon"}),
        (["--open-to-smes", "--access-mode", "free"], set()),
        (["--location", "Uppsala"], {"lab:delta"}),
    ],
)
def test_cli_filter_flags(
    cli_data: Path, capsys: pytest.CaptureFixture[str], flags: list[str], expected: set[str]
) -> None:
    assert cli_testbeds(capsys, *flags) == expected


def test_cli_prints_the_constraints_met(cli_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    code = cli.main(
        ["recommend", NEED, "--kind", "lab", "--trl", "3-4", "--near", "59.33,18.06,10"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "lab:alpha" in out and "meets: in Stockholm, 0 km away; TRL 2–4" in out
    assert "lab:beta" not in out


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--trl", "3-x"], "--trl takes a level such as 4 or a range such as 3-6, not '3-x'"),
        (["--trl", "1-2-3"], "--trl takes a level such as 4 or a range such as 3-6"),
        (["--trl", "-3"], "--trl takes a level such as 4 or a range such as 3-6"),
        (["--trl", "6-3"], "must go from low to high"),
        (["--trl", "0-4"], "trl levels run from 1 to 9"),
        (["--near", "59.33,18.06"], "--near takes LAT,LON,KM such as 59.33,18.06,15, not"),
        (["--near", "north,east,5"], "--near takes LAT,LON,KM"),
        (["--near", "59.33,18.06,0"], "radius_km"),
        (["--near", "95,18.06,5"], "lat"),
    ],
)
def test_cli_bad_filter_values_are_one_line_errors(
    cli_data: Path, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    capsys.readouterr()
    code = cli.main(["recommend", NEED, *flags])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("matcher: error:") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("flag", ["--access-type", "--access-mode"])
def test_cli_unknown_access_values_are_refused_by_the_parser(
    capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["recommend", NEED, flag, "teleport"])
    assert info.value.code == 2
    assert "invalid choice: 'teleport'" in capsys.readouterr().err
