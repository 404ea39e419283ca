"""What a result card shows at a glance: key facts from the record and shared terms that say
something (no generic words, no terms most of the catalogue shares)."""

from matcher.engine import Matcher
from matcher.index.lexical import MIN_DOCS_FOR_COMMON, LexicalIndex
from matcher.schemas import NeedRequest
from matcher.search.explain import GENERIC

BATTERY_NEED = "We recycle lithium-ion batteries and need a pilot line for black mass leaching"


def test_testbeds_carry_host_place_trl_and_sme_access(engine: Matcher) -> None:
    response = engine.recommend(NeedRequest(need=BATTERY_NEED, top_k=5))
    pilot = next(r for r in response.testbeds if r.id == "lab:black-mass-pilot")
    assert pilot.facts.host == "Testbed Institute"
    assert pilot.facts.municipality == "Södertälje"
    assert (pilot.facts.trl_min, pilot.facts.trl_max) == (4, 7)
    assert pilot.facts.open_to_smes is True
    assert pilot.facts.affiliation is None


def test_partners_carry_affiliation_or_stage_and_never_a_researchers_contact(
    engine: Matcher,
) -> None:
    response = engine.recommend(NeedRequest(need=BATTERY_NEED, top_k=10))
    for result in response.results:
        if result.kind == "researcher":
            assert result.facts.affiliation, result.id
            assert result.facts.contact is None
        else:
            assert result.facts.stage in {"startup", "sme", "large"}, result.id
            assert result.facts.trl_min is None


def test_generic_words_are_never_shared_terms(engine: Matcher) -> None:
    need = "We develop and research new studies: a project to recycle lithium-ion batteries"
    response = engine.recommend(NeedRequest(need=need, top_k=10))
    shown = [t.lower() for r in response.results + response.testbeds for t in r.reasons.terms]
    assert shown, "the battery words are still shared"
    assert not set(shown) & GENERIC


def test_terms_in_most_documents_count_as_common_only_in_a_real_catalogue() -> None:
    def catalogue(size: int) -> LexicalIndex:
        return LexicalIndex.build(
            {
                f"company:c{i}": (f"platform service number{i} {'graphene' if i < 3 else ''}", "en")
                for i in range(size)
            }
        )

    large = catalogue(MIN_DOCS_FOR_COMMON * 2).common_terms()
    assert "platform" in large and "servic" in large
    assert "graphen" not in large
    assert catalogue(5).common_terms() == frozenset()


def test_reasons_come_in_parts_a_page_can_word_in_its_own_language(engine: Matcher) -> None:
    response = engine.recommend(NeedRequest(need=BATTERY_NEED, top_k=10))
    members = response.partner_set or []
    assert len(members) >= 2
    for member in members:
        others = [m.name for m in members if m.id != member.id]
        assert member.reasons.alongside == others
        assert set(member.reasons.adds) <= set(member.disciplines)
    above: set[str] = set()
    for result in response.results:
        if above:
            assert result.reasons.adds == [d for d in result.disciplines if d not in above]
        above.update(result.disciplines)
    complements = engine.neighbours("company:battery-loop", "complements", None, 5).results
    assert any(r.reasons.adds for r in complements)
