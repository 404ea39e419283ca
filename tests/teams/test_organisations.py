"""Organisations: one organisation's share of a team, names told apart."""

import pytest

from matcher.teams.build import organisation_key


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("KTH", "KTH"),
        ("KTH Royal Institute of Technology, Dept. of Chemistry", "KTH"),
        ("RISE Research Institutes of Sweden", "RISE"),
        ("Karolinska Institutet, Dept. of Medicine", "Karolinska Institutet"),
        ("Stockholm University", "Stockholm University"),
        ("  Konstfack ", "Konstfack"),
    ],
)
def test_departments_of_one_organisation_share_a_key(name: str, key: str) -> None:
    assert organisation_key(name) == key


def test_companies_with_a_legal_form_prefix_stay_apart() -> None:
    assert organisation_key("AB Volvo") != organisation_key("AB Electrolux")
