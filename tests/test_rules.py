"""Rules: validation names the rule and the field; round trips; edits."""

from __future__ import annotations

import pytest

from reegeo.errors import RulesError
from reegeo.screening.rules import (
    default_rules,
    dump_rules,
    load_rules,
    parse_rules,
    update_rule,
)

VALID = """
[[rules]]
id = "forest_reserve"
layer = "forest_reserves"
relation = "intersects"
severity = "prohibited"
legal_basis = "National Forestry Act 1984 s.81"
message_en = "inside"
message_ms = "di dalam"
"""


def test_default_rules_encode_the_domain():
    rules = {rule.id: rule for rule in default_rules()}
    assert rules["forest_reserve"].severity == "prohibited"
    assert rules["water_catchment"].severity == "prohibited"
    assert rules["forest_reserve_buffer"].distance_m == 500
    assert rules["water_catchment_buffer"].severity == "review"
    assert rules["eia_required"].relation == "always" and rules["eia_required"].severity == "advisory"
    assert "8(a)" in rules["eia_required"].legal_basis
    assert "Atomic Energy Licensing Act" in rules["aelb_licence"].legal_basis
    assert all(rule.message_ms and rule.message_en for rule in rules.values())


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        ('relation = "intersects"', 'relation = "touches"', r"rule 'forest_reserve', field 'relation'.*intersects, within_distance, always"),
        ('severity = "prohibited"', 'severity = "banned"', r"field 'severity'.*prohibited, review, advisory"),
        ('relation = "intersects"', 'relation = "within_distance"', r"field 'distance_m'.*buffer in metres"),
        ('relation = "intersects"', 'relation = "intersects"\ndistance_m = 5', r"field 'distance_m'.*only rules with relation 'within_distance'"),
        ('message_ms = "di dalam"', "", r"field 'message_ms'.*Bahasa Malaysia"),
        ('id = "forest_reserve"', 'id = "Forest Reserve!"', r"rule 'Forest Reserve!', field 'id'"),
        ('layer = "forest_reserves"', "", r"field 'layer'"),
        ('layer = "forest_reserves"', 'layer = "forest_reserves"\ncolour = "red"', r"field 'colour': unknown field"),
    ],
)
def test_invalid_rule_names_rule_and_field(replace, by, expected):
    with pytest.raises(RulesError, match=expected):
        parse_rules(VALID.replace(replace, by), source="my.toml")


def test_negative_and_huge_distances_are_refused():
    text = VALID.replace('relation = "intersects"', 'relation = "within_distance"\ndistance_m = -1')
    with pytest.raises(RulesError, match="out of range"):
        parse_rules(text)


def test_duplicate_ids_and_bad_toml_are_refused():
    with pytest.raises(RulesError, match="used twice"):
        parse_rules(VALID + VALID)
    with pytest.raises(RulesError, match="my.toml is not valid TOML"):
        parse_rules("[[rules]\n", source="my.toml")
    with pytest.raises(RulesError, match="no \\[\\[rules\\]\\] tables"):
        parse_rules("")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(RulesError, match="does not exist"):
        load_rules(tmp_path / "nope.toml")


def test_dump_and_parse_round_trip():
    rules = default_rules()
    assert parse_rules(dump_rules(rules)) == rules


def test_update_rule_changes_buffer_and_severity_and_validates():
    rules = update_rule(default_rules(), "forest_reserve_buffer", distance_m=1500.0, severity="prohibited")
    changed = {rule.id: rule for rule in rules}["forest_reserve_buffer"]
    assert changed.distance_m == 1500.0 and changed.severity == "prohibited"
    with pytest.raises(RulesError, match="no rule has id"):
        update_rule(rules, "nope", severity="review")
    with pytest.raises(RulesError, match="field 'severity'"):
        update_rule(rules, "forest_reserve", severity="bad")


def test_where_is_validated_and_round_trips():
    from reegeo.screening.rules import dump_rules, parse_rules

    base = 'id = "p"\nlayer = "protected_areas"\nrelation = "intersects"\nseverity = "review"\nlegal_basis = "b"\nmessage_en = "e"\nmessage_ms = "m"\n'
    rule = parse_rules("[[rules]]\n" + base + 'where = { category = ["state_park"] }\n')[0]
    assert rule.where == ("category", ("state_park",))
    assert parse_rules(dump_rules([rule]))[0] == rule
    for bad in ('where = { category = [] }', 'where = { a = ["x"], b = ["y"] }', 'where = "state_park"'):
        with pytest.raises(RulesError, match="field 'where'"):
            parse_rules("[[rules]]\n" + base + bad + "\n")


def test_a_rules_error_names_the_rule_and_the_field_in_malay():
    text = '[[rules]]\nid = "p"\nlayer = "protected_areas"\nrelation = "intersects"\nseverity = "bad"\nlegal_basis = "b"\nmessage_en = "e"\nmessage_ms = "m"\n'
    with pytest.raises(RulesError) as caught:
        parse_rules(text, source="my.toml")
    assert str(caught.value) == "my.toml: rule 'p', field 'severity': 'bad' is not allowed; use one of prohibited, review, advisory"
    assert caught.value.describe(lang="ms") == (
        "my.toml: peraturan 'p', medan 'severity': 'bad' tidak dibenarkan; gunakan salah satu daripada prohibited, review, advisory"
    )
