"""explain_site: the findings behind a verdict, in both languages."""

from __future__ import annotations

from conftest import at, frame, square

from reegeo.screening.engine import screen_sites
from reegeo.screening.evidence import (
    explain_site,
    finding_label,
    format_area,
    format_distance,
    label_codes,
    permitting_bodies,
)


def test_findings_for_a_prohibited_parcel_are_worst_first_with_measurements(test_layers, rules):
    result = screen_sites(frame([{"geometry": square(-11_000, 9_000, -9_000, 11_000)}]), test_layers, rules)
    findings = explain_site(result.iloc[0], rules, layers=test_layers)
    assert [f.rule_id for f in findings] == ["forest_reserve", "aelb_licence", "eia_required"]  # the buffer finding says less: dropped
    first = findings[0]
    assert first.severity == "prohibited"
    assert "National Forestry Act 1984 s.81" in first.legal_basis
    assert "North Reserve" in first.measurement and "200.00 ha" in first.measurement and "50.0 %" in first.measurement


def test_uncertain_and_outside_findings_explain_themselves_in_malay(test_layers, rules):
    result = screen_sites(frame([{"geometry": at(25_000, -9_200)}, {"geometry": at(200_000, 0)}]), test_layers, rules)
    uncertain = explain_site(result.iloc[0], rules, layers=test_layers, lang="ms")[0]
    assert uncertain.rule_id == "forest_reserve_uncertain"
    assert "ketepatan" in uncertain.message and "1,000 m" in uncertain.message
    assert "800 m dari Fuzzy Reserve" == uncertain.measurement
    outside = explain_site(result.iloc[1], rules, lang="en")[0]
    assert outside.rule_id == "outside_malaysia" and "outside Malaysia" in outside.message


def test_formatting_and_permitting_bodies():
    assert format_distance(850.4) == "850 m" and format_distance(12_345) == "12.3 km"
    assert format_area(4_500) == "4,500 m²" and format_area(125_000) == "12.50 ha"
    assert any("NREB" in body for body in permitting_bodies("Sarawak"))
    assert any("Pahang Land and Mines Office" in body for body in permitting_bodies("Pahang"))
    assert permitting_bodies("") == []
    assert "Pejabat Tanah dan Galian Pahang (PTG)" in permitting_bodies("Pahang", "ms")
    assert len(permitting_bodies("Sabah", "ms")) == len(permitting_bodies("Sabah"))


def test_column_headings_in_both_languages():
    from reegeo.i18n import column_label

    assert column_label("dist_forest_reserves_m") == "Distance to forest reserves (m)"
    assert column_label("dist_forest_reserves_m", "ms") == "Jarak ke hutan simpan (m)"
    assert column_label("overlap_water_catchments_pct", "ms") == "Di dalam kawasan tadahan air (%)"
    assert column_label("nearest_ports") == "Nearest (ports)"
    assert column_label("dist_parcels_m") == "Distance to parcels (m)"
    assert column_label("site_id", "ms") == "Tapak"


def test_a_prohibited_finding_is_not_repeated_as_a_buffer_finding(test_layers, rules):
    from conftest import at, frame

    from reegeo.screening.engine import screen_sites
    from reegeo.screening.evidence import explain_site

    row = screen_sites(frame([{"geometry": at(-15_000, 15_000)}]), test_layers, rules).iloc[0]
    assert "forest_reserve_buffer" in row["flags"]  # the table keeps every id
    ids = [f.rule_id for f in explain_site(row, rules, layers=test_layers)]
    assert "forest_reserve" in ids and "forest_reserve_buffer" not in ids


def test_uncertainty_finding_quotes_every_number_it_decided_on(test_layers, rules):
    # 800 m outside Fuzzy Reserve (outline good to 1,000 m), the site's own position good to 300 m
    result = screen_sites(frame([{"accuracy_m": 300.0, "geometry": at(25_000, -9_200)}]), test_layers, rules)
    finding = next(f for f in explain_site(result.iloc[0], rules, layers=test_layers) if f.rule_id == "forest_reserve_uncertain")
    assert "800 m from Fuzzy Reserve" in finding.message
    assert "threshold is 0 m" in finding.message
    assert "±1,000 m" in finding.message and "±300 m" in finding.message and "±1,300 m together" in finding.message
    assert "could put the site inside it" in finding.message


def test_a_buffer_finding_says_its_buffer(test_layers, rules):
    result = screen_sites(frame([{"geometry": at(-15_000, 20_300)}]), test_layers, rules)  # 300 m north of North Reserve
    finding = next(f for f in explain_site(result.iloc[0], rules, layers=test_layers) if f.rule_id == "forest_reserve_buffer")
    buffer_m = next(r.distance_m for r in rules if r.id == "forest_reserve_buffer")
    assert finding.message.endswith(f"The rule's buffer is {buffer_m:,.0f} m.")
    assert "300 m from North Reserve" in finding.measurement


def test_proximity_table_shows_what_was_checked_even_for_an_eligible_site(test_layers, rules):
    from reegeo.screening.evidence import proximity

    result = screen_sites(frame([{"geometry": at(40_000, -20_000)}]), test_layers, rules)
    assert result.verdict.iloc[0] == "eligible"
    header, rows = proximity(result.iloc[0], rules, test_layers)
    assert header == ("Layer", "Nearest feature", "Distance", "Rule thresholds", "Data here", "Result")
    by_layer = {row[0]: row for row in rows}
    forest = by_layer["Forest reserves"]
    assert forest[1] == result.nearest_forest_reserves.iloc[0]
    assert forest[2] == format_distance(result.dist_forest_reserves_m.iloc[0])
    assert "prohibited: touching" in forest[3] and "review: within" in forest[3]
    assert forest[4] == "complete here" and forest[5] == "clear"
    assert by_layer["Lynas plant and residue facilities"][3] == "context (no rule)"


def test_every_text_exists_in_english_and_malay_with_the_same_placeholders():
    import string

    from reegeo.i18n import TEXTS

    def placeholders(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for key, entry in TEXTS.items():
        assert entry.get("en", "").strip() and entry.get("ms", "").strip(), f"{key} lacks a language"
        assert placeholders(entry["en"]) == placeholders(entry["ms"]), key


def test_planners_read_labels_where_exports_keep_ids(test_layers, rules):
    from reegeo.screening.rules import parse_rules
    from reegeo.web.tables import results_table

    assert finding_label("forest_reserve_buffer", rules) == "Near a forest reserve"
    assert finding_label("forest_reserve_buffer", rules, "ms") == "Berhampiran hutan simpan"
    assert finding_label("water_catchments_unverified", rules) == "Water catchments not mapped completely here"
    assert finding_label("forest_reserve_uncertain", rules, "en") == "Inside a forest reserve: too close to call"
    assert finding_label("outside_malaysia", rules, "ms") == "Di luar Malaysia, atau di laut"
    # A rule without a label reads as its id in words.
    custom = parse_rules(
        '[[rules]]\nid = "near_school"\nlayer = "forest_reserves"\nrelation = "intersects"\nseverity = "review"\n'
        'legal_basis = "x"\nmessage_en = "x"\nmessage_ms = "x"\n'
    )
    assert finding_label("near_school", custom) == "Near school"
    results = screen_sites(frame([{"geometry": square(-11_000, 9_000, -9_000, 11_000)}]), test_layers, rules)
    shown = results_table(results, rules=rules, lang="en")
    assert shown["violations"].iloc[0] == "Inside a forest reserve"
    assert results["violations"].iloc[0] == "forest_reserve"  # the ids stay in the results and exports
    assert label_codes("forest_reserve;eia_required", rules) == "Inside a forest reserve; Environmental impact assessment needed"
