"""Projects: the workspace in one file, opened again by the app and by `reegeo screen --project`; the server's session store."""

from __future__ import annotations

import io
import os
import time
import zipfile

import pytest

from reegeo.cli import main
from reegeo.errors import ReegeoError, UploadError
from reegeo.io.sites import read_sites
from reegeo.layers.load import load_example_sites, load_layers
from reegeo.project import LayerFile, Project, SitesFile, open_project, project_to_bytes, read_project
from reegeo.report.options import ReportOptions
from reegeo.screening.rules import default_rules, update_rule
from reegeo.web.sessions import SessionStore
from reegeo.web.workspace import Workspace

# A planner's table: their own names for the coordinates and the id, Malay headers, an extra attribute.
PLANNER_CSV = (
    b"Nama Tapak,E,N,Keluasan\n"
    b"Gebeng lot 5,103.377,4.003,12\n"
    b"Kemaman,103.42,4.23,30\n"
    b"Gurun,100.49,5.65,8\n"
)


@pytest.fixture
def workspace() -> Workspace:
    """A workspace as the app leaves it: a CSV read with chosen columns, one edited rule with its note, report settings, a session layer."""
    layers = load_layers()
    ws = Workspace(rules=default_rules())
    read = read_sites(PLANNER_CSV, filename="tapak.csv", x_column="E", y_column="N")
    ws.screen_upload(read, layers, raw=PLANNER_CSV, x_column="E", y_column="N", id_column="Nama Tapak")
    edited = update_rule(ws.rules, "forest_reserve_buffer", distance_m=25_000.0)
    ws.change_rules(edited, layers, author="Nur Aisyah", reason="state guideline: 25 km from reserves")
    ws.set_report_options(ReportOptions(title="Calon tapak", reference="UPEN/PHG/117", author="Nur Aisyah", scope="flagged"))
    catchment = load_layers()["water_catchments"].frame.iloc[:2].to_json().encode()
    from reegeo.io.sites import read_layer
    from reegeo.layers.coverage import Coverage
    from reegeo.layers.load import layer_from_upload

    uploaded = layer_from_upload("water_catchments", read_layer(catchment, filename="tadahan.geojson"), coverage=Coverage.of(["Pahang"], "tadahan.geojson"))
    ws.use_layer(uploaded, layers, file=LayerFile("water_catchments", "tadahan.geojson", catchment, covers=("Pahang",)))
    return ws


def test_a_project_opens_again_with_the_same_verdicts_columns_rules_and_settings(workspace):
    data = project_to_bytes(workspace.to_project(lang="ms"))
    assert data == project_to_bytes(workspace.to_project(lang="ms"))  # the same workspace gives the same file
    project = read_project(data, filename="kerja.reegeo")
    assert project.lang == "ms" and project.report == workspace.report_options
    assert project.sites is not None and project.sites.data == PLANNER_CSV
    assert (project.sites.x_column, project.sites.y_column, project.sites.id_column) == ("E", "N", "Nama Tapak")
    assert [c.author for c in project.rule_changes] == ["Nur Aisyah"]
    assert project.rule_changes[0].change == "buffer distance: 500 m -> 25,000 m" and "25 km" in project.rule_changes[0].reason
    reopened = Workspace.from_project(open_project(project), load_layers())
    assert reopened.rules == workspace.rules
    assert reopened.results["site_id"].tolist() == ["Gebeng lot 5", "Kemaman", "Gurun"]
    assert reopened.results["verdict"].tolist() == workspace.results["verdict"].tolist()
    assert reopened.results["Keluasan"].tolist() == workspace.results["Keluasan"].tolist()
    assert reopened.layer_overrides["water_catchments"].coverage.covers("Pahang")
    assert reopened.report_options == workspace.report_options and reopened.rule_changes == workspace.rule_changes


def test_reegeo_screen_project_gives_the_apps_verdicts_and_report(workspace, tmp_path, capsys):
    path = tmp_path / "kerja.reegeo"
    path.write_bytes(project_to_bytes(workspace.to_project(lang="en")))
    assert main(["screen", "--project", str(path), "-o", str(tmp_path / "out.csv")]) == 0
    import pandas as pd

    table = pd.read_csv(tmp_path / "out.csv")
    assert table["site_id"].tolist() == ["Gebeng lot 5", "Kemaman", "Gurun"]
    assert table["verdict"].tolist() == workspace.results["verdict"].tolist()
    assert main(["screen", "--project", str(path), "-o", str(tmp_path / "report.html"), "--reference", "CLI/1"]) == 0
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<h1>Calon tapak</h1>" in html and "Reference: CLI/1" in html and "Prepared by: Nur Aisyah" in html
    assert "state guideline: 25 km from reserves" in html  # the rule note, in the rules section
    assert "Changes to the rules, who made them and why" in html


def test_a_project_and_its_output_cannot_be_the_same_file(workspace, tmp_path, capsys):
    path = tmp_path / "kerja.reegeo"
    path.write_bytes(project_to_bytes(workspace.to_project()))
    before = path.read_bytes()
    assert main(["screen", "--project", str(path), "-o", str(tmp_path / "kerja.reegeo")]) == 2
    assert path.read_bytes() == before
    assert main(["screen", "-o", str(tmp_path / "out.csv")]) == 2
    err = capsys.readouterr().err
    assert "give the SITES file to screen, or --project FILE.reegeo" in err and "Traceback" not in err


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"not a zip at all", "is not a reegeo project"),
        (_zip({"sites.csv": b"a,b\n"}), "has no project.toml"),
        (_zip({"project.toml": b'format = "reegeo-project"\nversion = 9\n'}), "field 'version': 9 is not a project version this reegeo reads"),
        (_zip({"project.toml": b'format = "something-else"\nversion = 1\n'}), "field 'format': must be 'reegeo-project'"),
        (_zip({"project.toml": b"format = [[["}), "project.toml cannot be read"),
        (
            _zip({"project.toml": b'format = "reegeo-project"\nversion = 1\n[sites]\nfile = "../../etc/passwd"\nfilename = "x.csv"\nsha256 = "' + b"0" * 64 + b'"\n'}),
            "[sites] field 'file': must name a file of the project",
        ),
        (
            _zip({"project.toml": b'format = "reegeo-project"\nversion = 1\nlang = "fr"\n'}),
            "field 'lang': must be one of en, ms",
        ),
    ],
)
def test_a_file_that_is_not_a_sound_project_is_refused_in_one_line(data, expected):
    with pytest.raises(UploadError) as caught:
        read_project(data, filename="kerja.reegeo")
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_an_altered_project_is_refused(workspace):
    data = project_to_bytes(workspace.to_project())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    sites = next(name for name in members if name.startswith("sites/"))
    members[sites] = members[sites].replace(b"Gurun", b"Gurum")
    with pytest.raises(UploadError, match="does not match its SHA-256"):
        read_project(_zip(members), filename="kerja.reegeo")


def test_a_project_whose_rules_are_broken_names_them():
    project = Project(sites=SitesFile("sites.geojson", load_example_sites().to_json().encode()), rules=b"[[rules]]\nid = 'x'\n")
    with pytest.raises(ReegeoError, match="the project's rules.toml"):
        open_project(read_project(project_to_bytes(project)))


def test_the_session_store_is_bounded_and_looks_up_ids_only(tmp_path):
    store = SessionStore(tmp_path / "sessions", max_bytes=1_000, max_total_bytes=2_500, max_age_days=1)
    first, second, third = (SessionStore.new_id() for _ in range(3))
    assert store.save(first, b"a" * 900) and store.load(first) == b"a" * 900
    assert not store.save(second, b"b" * 1_001) and store.load(second) is None  # over the size limit: not kept
    for bad in ("../../etc/passwd", "", None, "x" * 100, "short"):
        assert store.load(bad) is None
    with pytest.raises(ValueError):
        store.save("../evil", b"x")
    old = store.folder / f"{first}.reegeo"
    os.utime(old, (time.time() - 2 * 86_400,) * 2)
    assert store.load(first) is None and not old.exists()  # expired
    store.save(first, b"a" * 900)
    time.sleep(0.01)
    store.save(second, b"b" * 900)
    time.sleep(0.01)
    store.save(third, b"c" * 900)  # 2,700 bytes in all: the oldest goes
    assert store.load(first) is None and store.load(second) and store.load(third)
    assert not [p for p in store.folder.iterdir() if p.name.startswith(".")]  # no half-written files left
