"""Reports: PDF and HTML content, escaping, languages, determinism, audit stamp and the CLI."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from html.parser import HTMLParser

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import EAST, SX, SY, at, frame, square
from pypdf import PdfReader
from shapely.geometry import box

from reegeo.cli import main
from reegeo.errors import ExportError
from reegeo.layers.load import layer_from_frame
from reegeo.layers.model import file_sha256
from reegeo.paths import DEFAULT_RULES_PATH
from reegeo.report.audit import build_audit
from reegeo.report.options import ReportOptions
from reegeo.report.write import REPORT_FORMATS, render_html, render_pdf, write_report
from reegeo.screening.engine import screen_sites
from reegeo.screening.evidence import finding_label

NOON = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_SCRIPT = "<script>alert('x')</script>"


@pytest.fixture
def four_sites():
    """A parcel half in North Reserve, a point near Fuzzy Reserve, a clear point, a point in Sabah."""
    peninsular = frame([
        {"site_id": "parcel-in-reserve", "geometry": square(-11_000, 9_000, -9_000, 11_000)},
        {"site_id": "near-fuzzy", "geometry": at(25_000, -9_200)},
        {"site_id": "clear-field", "geometry": at(10_000, -30_000)},
    ]).to_crs(4326)
    sabah = frame([{"site_id": "sabah-point", "geometry": box(SX + 8_000, SY + 8_000, SX + 8_001, SY + 8_001).centroid}], EAST).to_crs(4326)
    return gpd.GeoDataFrame([*peninsular.to_dict("records"), *sabah.to_dict("records")], geometry="geometry", crs=4326)


@pytest.fixture
def layers_with_port(test_layers):
    port = frame([{"name": "Test Port", "geometry": at(10_000, -27_000)}])
    return {**test_layers, "ports": layer_from_frame("ports", port, approximate=True, title="test ports")}


@pytest.fixture
def audit(layers_with_port):
    return build_audit(b"sites file bytes", DEFAULT_RULES_PATH, layers_with_port, sites_name="sites.geojson", created=NOON)


def pdf_text(content: bytes) -> str:
    """All the PDF's text with whitespace (line wraps) collapsed."""
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_pdf_names_each_site_its_verdict_rules_legal_bases_and_hashes(four_sites, layers_with_port, rules, audit):
    results = screen_sites(four_sites, layers_with_port, rules)
    assert results["verdict"].tolist() == ["prohibited", "review", "eligible", "eligible"]
    text = pdf_text(render_pdf(results, rules=rules, layers=layers_with_port, audit=audit))
    for site_id, verdict in zip(results["site_id"], ["Prohibited", "Needs review", "Eligible", "Eligible"]):
        assert f"Site {site_id} {verdict}" in text
    fired = {i for column in ("violations", "flags", "advisories") for value in results[column] for i in value.split(";") if i}
    assert {"forest_reserve", "forest_reserve_buffer", "forest_reserve_uncertain", "eia_required", "aelb_licence"} <= fired
    for rule_id in fired:  # planners read labels; the rules section maps each label to its id
        assert finding_label(rule_id, rules) in text
    for rule in rules:
        assert one_line(rule.legal_basis) in text
        assert f"{rule.label()} ({rule.id})" in text
    assert "Inside a forest reserve: too close to call" in text
    for digest in [audit.sites_sha256, audit.rules_sha256, *(stamp.sha256 for stamp in audit.layers)]:
        assert digest in text
    assert audit.rules_sha256 == file_sha256(DEFAULT_RULES_PATH)
    assert "2026-03-01 12:00:00 UTC" in text
    assert "GDM2000 / East Malaysia BRSO (EPSG:3376)" in text  # the Sabah site's local map grid
    assert "Test Port 3,000 m context (no rule)" in text  # nearest port in the "what was checked" table, measured in EPSG:3375
    assert "Approximate layers in use: ports" in text  # footer on every page
    reader = PdfReader(io.BytesIO(render_pdf(results, rules=rules, layers=layers_with_port, audit=audit)))
    assert all("Approximate layers in use" in page.extract_text() for page in reader.pages)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_site_pages_list_the_planners_own_attributes(test_layers, rules, audit):
    sites = frame([{"site_id": "plant", "capacity_mw": "120.5", "owner": "<b>Syarikat X</b>", "lot": "", "geometry": at(40_000, -20_000)}])
    results = screen_sites(sites, test_layers, rules)
    html = render_html(results, rules=rules, layers=test_layers, audit=audit).decode("utf-8")
    assert "<th>capacity_mw</th><td>120.5</td>" in html
    assert "<th>owner</th><td>&lt;b&gt;Syarikat X&lt;/b&gt;</td>" in html  # escaped, as every user value
    assert "<th>lot</th>" not in html  # empty attributes are left out
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(results, rules=rules, layers=test_layers, audit=audit))).pages)
    assert "capacity_mw" in text and "120.5" in text


def test_a_site_attribute_with_a_malay_twin_is_listed_once_in_the_reports_language(test_layers, rules, audit):
    sites = frame([{"site_id": "plant", "source": "offered by the state", "source_ms": "ditawarkan oleh negeri", "notes_ms": "tiada kembar", "geometry": at(40_000, -20_000)}])
    results = screen_sites(sites, test_layers, rules)
    english = render_html(results, rules=rules, layers=test_layers, audit=audit).decode("utf-8")
    assert "<th>source</th><td>offered by the state</td>" in english
    assert "ditawarkan oleh negeri" not in english and "<th>source_ms</th>" not in english
    assert "<th>notes_ms</th><td>tiada kembar</td>" in english  # a column without its English twin is the planner's own
    malay = render_html(results, rules=rules, layers=test_layers, audit=audit, lang="ms").decode("utf-8")
    assert "<th>source</th><td>ditawarkan oleh negeri</td>" in malay and "offered by the state" not in malay


def test_html_escapes_hostile_site_names_feature_names_and_title(test_layers, rules, audit):
    sites = frame([
        {"site_id": HOSTILE_IMG, "geometry": square(-11_000, 9_000, -9_000, 11_000)},
        {"site_id": HOSTILE_SCRIPT, "geometry": at(10_000, -30_000)},
    ])
    reserves = test_layers["forest_reserves"].frame.assign(name=lambda f: f["name"].where(f["name"] != "North Reserve", HOSTILE_SCRIPT))
    layers = {**test_layers, "forest_reserves": layer_from_frame("forest_reserves", reserves)}
    results = screen_sites(sites, layers, rules)
    html = render_html(results, rules=rules, layers=layers, audit=audit, options=ReportOptions(title=f"Report {HOSTILE_IMG}", author=HOSTILE_SCRIPT)).decode("utf-8")

    assert "<script" not in html.lower() and HOSTILE_IMG not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html  # markupsafe's escapes
    parser = _Elements()
    parser.feed(html)
    assert not [tag for tag, _ in parser.tags if tag in ("script", "iframe", "object", "embed")]
    assert not [attrs for _, attrs in parser.tags if any(name.startswith("on") for name in attrs)]
    images = [attrs["src"] for tag, attrs in parser.tags if tag == "img"]
    assert len(images) == 1 + len(sites) and all(src.startswith("data:image/png;base64,") for src in images)
    assert "default-src 'none'" in html  # a CSP that forbids scripts, as a second line of defence


def test_report_in_bahasa_malaysia(four_sites, layers_with_port, rules, audit):
    results = screen_sites(four_sites, layers_with_port, rules)
    text = pdf_text(render_pdf(results, rules=rules, layers=layers_with_port, audit=audit, lang="ms"))
    assert "Laporan kelayakan tapak" in text and "Ringkasan" in text
    assert "Tapak parcel-in-reserve Dilarang" in text and "Tapak near-fuzzy Perlu semakan" in text
    assert "Asas undang-undang" in text and "Badan pemberi permit" in text and "Cap audit" in text
    assert one_line(rules[0].message("ms")) in text
    html = render_html(results, rules=rules, layers=layers_with_port, audit=audit, lang="ms").decode("utf-8")
    assert '<html lang="ms">' in html and "Perlu semakan" in html


def test_malay_report_shows_the_malay_provenance_of_bundled_layers(four_sites, test_layers, rules, audit):
    from markupsafe import escape

    from reegeo.layers.load import load_bundled_layer

    ports = load_bundled_layer("ports")
    assert ports is not None and ports.source_ms and ports.source_ms != ports.source
    layers = {**test_layers, "ports": ports}
    results = screen_sites(four_sites, layers, rules)
    html = render_html(results, rules=rules, layers=layers, audit=audit, lang="ms").decode("utf-8")
    assert str(escape(ports.source_ms)) in html and str(escape(ports.licence_ms)) in html
    assert str(escape(ports.source)) not in html
    english = render_html(results, rules=rules, layers=layers, audit=audit).decode("utf-8")
    assert str(escape(ports.source)) in english and str(escape(ports.source_ms)) not in english


def test_same_inputs_and_time_give_identical_bytes(four_sites, layers_with_port, rules, audit):
    results = screen_sites(four_sites, layers_with_port, rules)
    for render in (render_pdf, render_html):
        first = render(results, rules=rules, layers=layers_with_port, audit=audit)
        again = render(results, rules=rules, layers=layers_with_port, audit=audit)
        assert hashlib.sha256(first).digest() == hashlib.sha256(again).digest(), render.__name__
    later = build_audit(b"sites file bytes", DEFAULT_RULES_PATH, layers_with_port, sites_name="sites.geojson", created=NOON.replace(hour=13))
    one = render_html(results, rules=rules, layers=layers_with_port, audit=audit).decode()
    two = render_html(results, rules=rules, layers=layers_with_port, audit=later).decode()
    assert one.replace("12:00:00", "13:00:00") == two  # only the timestamp differs


def test_pdf_replaces_characters_the_font_lacks(test_layers, rules, audit):
    sites = frame([{"site_id": "北京 tapak ✓ \U0001f600 Kg. Pulau Ketam", "geometry": at(10_000, -30_000)}])
    results = screen_sites(sites, test_layers, rules)
    text = pdf_text(render_pdf(results, rules=rules, layers=test_layers, audit=audit, options=ReportOptions(title="Laporan: Kg. Bharu")))
    assert "Kg. Pulau Ketam" in text and "Laporan: Kg. Bharu" in text and "??" in text


def test_write_report_picks_the_format_by_suffix_and_refuses_others(four_sites, test_layers, rules, audit, tmp_path):
    results = screen_sites(four_sites.iloc[:1], test_layers, rules)
    assert sorted(REPORT_FORMATS) == [".html", ".pdf"]
    assert write_report(results, tmp_path / "r.PDF", rules=rules, layers=test_layers, audit=audit).read_bytes().startswith(b"%PDF-")
    assert write_report(results, tmp_path / "r.html", rules=rules, layers=test_layers, audit=audit).read_bytes().startswith(b"<!DOCTYPE html>")
    with pytest.raises(ExportError, match=r"'.docx'.*\.html, \.pdf"):
        write_report(results, tmp_path / "r.docx", rules=rules, layers=test_layers, audit=audit)
    with pytest.raises(ExportError, match="language 'fr'"):
        render_html(results, rules=rules, layers=test_layers, audit=audit, lang="fr")


def test_audit_hashes_files_text_and_bytes_alike(tmp_path, test_layers):
    sites = tmp_path / "sites.geojson"
    sites.write_bytes(b'{"type": "FeatureCollection", "features": []}')
    rules_text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    from_paths = build_audit(sites, str(DEFAULT_RULES_PATH), test_layers, created=datetime(2026, 3, 1, 12))
    from_content = build_audit(sites.read_bytes(), rules_text, test_layers, created=NOON)
    assert from_paths.sites_sha256 == from_content.sites_sha256 == file_sha256(sites)
    assert from_paths.rules_sha256 == from_content.rules_sha256 == file_sha256(DEFAULT_RULES_PATH)
    assert (from_paths.sites_file, from_paths.rules_file) == ("sites.geojson", "rules.toml")
    assert from_content.rules_file == "edited rules" and from_paths.created == NOON
    assert [s.name for s in from_paths.layers] == list(test_layers) and all(len(s.sha256) == 64 for s in from_paths.layers)


@pytest.mark.parametrize("name, extra, expected", [
    ("report.pdf", [], b"%PDF-"),
    ("report.html", ["--lang", "ms", "--title", "Tapak <Kedah>"], b"<!DOCTYPE html>"),
])
def test_cli_writes_reports_on_the_bundled_layers(tmp_path, capsys, name, extra, expected):
    sites = tmp_path / "sites.geojson"
    gpd.GeoDataFrame(
        {"site_id": ["gebeng", "parcel"]}, geometry=[box(103.377, 4.003, 103.378, 4.004), box(101.50, 3.30, 101.52, 3.32)], crs=4326
    ).to_file(sites, driver="GeoJSON")
    output = tmp_path / name
    assert main(["screen", str(sites), "-o", str(output), *extra]) == 0
    content = output.read_bytes()
    assert content.startswith(expected)
    text = pdf_text(content) if name.endswith(".pdf") else content.decode("utf-8")
    assert file_sha256(sites) in text and "gebeng" in text and "parcel" in text
    if name.endswith(".html"):
        assert "Tapak &lt;Kedah&gt;" in text and "Lapisan anggaran digunakan" in text
    assert f"wrote {output}" in capsys.readouterr().err


def test_the_site_map_frames_the_nearest_constraint_with_a_measured_line(test_layers, rules):
    from reegeo.report.maps import SiteMapper, _view
    from reegeo.screening.evidence import distance_line

    sites = frame([{"site_id": "away", "geometry": at(-15_000, 38_000)}])  # 18 km north of North Reserve
    result = screen_sites(sites, test_layers, rules)
    distance = float(result.dist_forest_reserves_m.iloc[0])
    assert distance == pytest.approx(18_000, abs=1)
    mapper = SiteMapper(test_layers, buffer_m=500.0)
    site = shapely.transform(result.geometry.iloc[0], lambda xy: np.column_stack(mapper_transform(xy)))
    line = distance_line(site, test_layers, ("forest_reserves", "North Reserve", distance), 3375)
    assert line is not None and line.length == pytest.approx(distance, abs=1)
    x0, y0, x1, y1 = _view(site, line)
    far = shapely.get_coordinates(line)[-1]
    assert x0 < far[0] < x1 and y0 < far[1] < y1  # the feature's nearest point is on the map
    assert mapper.render(result.geometry.iloc[0], 3375, verdict="review", nearest=("forest_reserves", "North Reserve", distance)).startswith(b"\x89PNG")


def mapper_transform(xy):
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 3375, always_xy=True).transform(xy[:, 0], xy[:, 1])
    return x, y


def test_a_report_of_flagged_sites_or_a_summary_keeps_every_count(four_sites, layers_with_port, rules, audit):
    from reegeo.screening.rules import RuleChange

    results = screen_sites(four_sites, layers_with_port, rules)
    assert results["verdict"].tolist() == ["prohibited", "review", "eligible", "eligible"]
    change = RuleChange("forest_reserve_buffer", "distance_m: 500 m -> 1000 m", "Hafiz <b>", "JPBD guideline", "2026-03-01T11:00:00Z")
    flagged = render_html(results, rules=rules, layers=layers_with_port, audit=audit, options=ReportOptions(scope="flagged", rule_changes=(change,))).decode()
    assert flagged.count('<section class="site"') == 2 and "Site pages follow for 2 sites only (prohibited or needs review); the counts cover all 4." in flagged
    assert "4 sites screened" in flagged
    single = render_html(results.iloc[:1], rules=rules, layers=layers_with_port, audit=audit).decode()
    assert "1 site screened." in single
    assert "Hafiz &lt;b&gt;" in flagged and "JPBD guideline" in flagged and "distance_m: 500 m -&gt; 1000 m" in flagged
    summary = pdf_text(render_pdf(results, rules=rules, layers=layers_with_port, audit=audit, options=ReportOptions(scope="summary")))
    assert "Summary only: no site pages" in summary and "Site index" not in summary
    for site_id in results["site_id"]:
        assert f"Site {site_id}" not in summary
    with pytest.raises(ExportError, match="scope 'some' is not one of all, flagged, summary"):
        ReportOptions(scope="some")
    with pytest.raises(ExportError, match="title has 161 characters"):
        ReportOptions(title="x" * 161)
