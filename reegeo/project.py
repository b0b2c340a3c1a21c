"""Projects: a whole screening workspace in one file that the app and the CLI both open.

A project file (``.reegeo``) is a zip holding ``project.toml`` (the manifest)
and the files as the planner gave them: the sites file with the columns and
layer chosen for it, the rules in force (edited or uploaded), the layers
uploaded for the session with the states they cover, the interface language,
the report's title, reference, author and scope, and the rule edits with who
made them and why. Opening it screens the same sites with the same rules and
layers, so ``reegeo screen --project FILE.reegeo -o report.pdf`` gives the
verdicts the app showed.

A project from elsewhere is untrusted: it is read through the same
safe-archive checks as uploads, its manifest is checked field by field, each
file's SHA-256 must match the manifest, and its sizes and counts are bounded.

Examples
--------
>>> data = project_to_bytes(Project(sites=SitesFile("sites.csv", raw)))   # doctest: +SKIP
>>> opened = open_project(read_project(data))                              # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tomllib
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import tomli_w

from reegeo import __version__
from reegeo.errors import UploadError
from reegeo.i18n import LANGUAGES
from reegeo.io.archives import ArchiveLimits, open_zip
from reegeo.io.sites import ReadResult, UploadLimits, read_layer, read_sites
from reegeo.layers.coverage import ALL_STATES, Coverage
from reegeo.layers.load import layer_from_upload
from reegeo.layers.model import Layer
from reegeo.messages import Catalog, Message, located
from reegeo.report.options import REPORT_SCOPES, ReportOptions
from reegeo.schema import Field, check_table
from reegeo.screening.rules import Rule, RuleChange, default_rules, parse_rules_bytes

__all__ = [
    "MAX_PROJECT_BYTES",
    "PROJECT_SUFFIX",
    "LayerFile",
    "OpenedProject",
    "Project",
    "SitesFile",
    "open_project",
    "project_to_bytes",
    "read_project",
]

PROJECT_SUFFIX = ".reegeo"
_FORMAT = "reegeo-project"
_VERSION = 1
_MANIFEST = "project.toml"
# A project holds at most one sites file and a few layers, each within the upload limit.
MAX_PROJECT_BYTES = 200 * 1024 * 1024
_MAX_LAYERS = 12
_MAX_MEMBERS = 2 + _MAX_LAYERS
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")

_M = Catalog("project", {
    "too_large": {
        "en": "{size:,} bytes; a project may hold at most {limit:,}: save a smaller one",
        "ms": "{size:,} bait; projek boleh memuatkan paling banyak {limit:,}: simpan projek yang lebih kecil",
    },
    "no_such_file": {
        "en": "no such file ({path!r}). Check the path and its spelling.",
        "ms": "fail tidak wujud ({path!r}). Semak laluan dan ejaannya.",
    },
    "is_folder": {
        "en": "{file} is a folder: give the project file (.reegeo) itself",
        "ms": "{file} ialah folder: berikan fail projek (.reegeo) itu sendiri",
    },
    "permission_denied": {
        "en": "permission denied: make the file readable",
        "ms": "kebenaran ditolak: jadikan fail itu boleh dibaca",
    },
    "not_a_project": {
        "en": "{file} is not a reegeo project (a .reegeo zip saved from the app's Projects panel)",
        "ms": "{file} bukan projek reegeo (zip .reegeo yang disimpan daripada panel Projek aplikasi)",
    },
    "no_manifest": {
        "en": "{file} has no {manifest}: it is a zip but not a reegeo project; open a file saved by reegeo",
        "ms": "{file} tiada {manifest}: ia zip tetapi bukan projek reegeo; buka fail yang disimpan oleh reegeo",
    },
    "member_sites": {"en": "sites", "ms": "tapak"},
    "member_rules": {"en": "rules", "ms": "peraturan"},
    "member_layer": {"en": "layer", "ms": "lapisan"},
    "member_altered": {
        "en": "the {what} file {member!r} does not match its SHA-256 in {manifest}: the project was altered or damaged",
        "ms": "fail {what} {member!r} tidak sepadan dengan SHA-256nya dalam {manifest}: projek telah diubah atau rosak",
    },
    "manifest_unreadable": {
        "en": "{manifest} cannot be read ({reason}): open a project saved by reegeo",
        "ms": "{manifest} tidak dapat dibaca ({reason}): buka projek yang disimpan oleh reegeo",
    },
    "manifest_field": {
        "en": "{manifest}, {section}field '{field}': {problem}",
        "ms": "{manifest}, {section}medan '{field}': {problem}",
    },
    "rules_source": {"en": "the project's rules.toml", "ms": "rules.toml projek"},
    "must_be_text": {"en": "must be text", "ms": "mesti berupa teks"},
    "too_long": {"en": "is longer than {limit} characters", "ms": "melebihi {limit} aksara"},
    "not_a_digest": {"en": "must be a SHA-256 hex digest", "ms": "mesti berupa nilai cincang SHA-256 dalam heksadesimal"},
    "not_a_member": {
        "en": "must name a file of the project (sites/..., layers/... or rules.toml)",
        "ms": "mesti menamakan fail dalam projek (sites/..., layers/... atau rules.toml)",
    },
    "wrong_format": {
        "en": "must be {format!r}: this is not a reegeo project",
        "ms": "mesti {format!r}: ini bukan projek reegeo",
    },
    "wrong_version": {
        "en": "{value!r} is not a project version this reegeo reads (it reads {version}): update reegeo",
        "ms": "{value!r} bukan versi projek yang dibaca oleh reegeo ini (ia membaca {version}): kemas kini reegeo",
    },
    "one_of": {"en": "must be one of {choices}", "ms": "mesti salah satu daripada {choices}"},
    "must_be_table": {"en": "must be a table", "ms": "mesti berupa jadual"},
    "too_many_tables": {"en": "must be a list of at most {limit} tables", "ms": "mesti berupa senarai yang mengandungi paling banyak {limit} jadual"},
    "layer_name": {
        "en": "must be a layer name such as forest_reserves",
        "ms": "mesti berupa nama lapisan seperti forest_reserves",
    },
    "true_or_false": {"en": "must be true or false", "ms": "mesti true atau false"},
    "state_names": {
        "en": "must be a list of state names (or [{all!r}])",
        "ms": "mesti berupa senarai nama negeri (atau [{all!r}])",
    },
})


@dataclass(frozen=True)
class SitesFile:
    """The sites as the planner gave them, and how they were read.

    ``filename`` is the name the file was read under (its suffix helps
    detection); ``source`` what the app shows ("example sites", "typed
    coordinates"); ``layer``, ``x_column``, ``y_column`` and ``id_column`` as
    for :func:`reegeo.io.sites.read_sites` and
    :func:`reegeo.screening.engine.screen_sites`.
    """

    filename: str
    data: bytes
    source: str = ""
    layer: str | None = None
    x_column: str | None = None
    y_column: str | None = None
    id_column: str | None = None


@dataclass(frozen=True)
class LayerFile:
    """A layer uploaded for the session: replaces the layer ``name``; complete in ``covers`` (``("all",)``: everywhere)."""

    name: str
    filename: str
    data: bytes
    layer: str | None = None
    authoritative: bool = False
    covers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Project:
    """Everything needed to screen again and report as before (see the module docstring).

    ``rules`` is the rules file's text as uploaded or edited (None: the
    bundled rules). ``report`` holds the title, reference, author and scope;
    its ``rule_changes`` are kept in ``rule_changes`` here.
    """

    sites: SitesFile | None = None
    rules: bytes | None = None
    rule_changes: tuple[RuleChange, ...] = ()
    layers: tuple[LayerFile, ...] = ()
    lang: str = "en"
    report: ReportOptions = ReportOptions()

    def report_options(self) -> ReportOptions:
        """The report's options with this project's rule changes."""
        return replace(self.report, rule_changes=self.rule_changes)


@dataclass
class OpenedProject:
    """A project read into what screening takes: the sites read, the rules parsed, the session's layers built."""

    project: Project
    sites: ReadResult | None
    rules: tuple[Rule, ...]
    overrides: dict[str, Layer] = field(default_factory=dict)


def project_to_bytes(project: Project) -> bytes:
    """The project as ``.reegeo`` bytes (a zip; the same project gives the same bytes)."""
    manifest: dict[str, Any] = {"format": _FORMAT, "version": _VERSION, "reegeo": __version__, "lang": project.lang}
    report = {k: getattr(project.report, k) for k in ("title", "reference", "author", "scope") if getattr(project.report, k)}
    if report:
        manifest["report"] = report
    members: dict[str, bytes] = {}
    if project.sites is not None:
        sites = project.sites
        path = f"sites/{_safe(sites.filename)}"
        members[path] = sites.data
        manifest["sites"] = {"file": path, "filename": sites.filename, "sha256": _sha256(sites.data)} | {
            key: getattr(sites, key) for key in ("source", "layer", "x_column", "y_column", "id_column") if getattr(sites, key)
        }
    if project.rules is not None:
        members["rules.toml"] = project.rules
        manifest["rules"] = {"file": "rules.toml", "sha256": _sha256(project.rules)}
    if project.rule_changes:
        manifest["rule_changes"] = [
            {"rule": c.rule_id, "change": c.change, "author": c.author, "reason": c.reason, "time": c.time} for c in project.rule_changes
        ]
    layers: list[dict[str, Any]] = []
    for position, layer in enumerate(project.layers, start=1):
        path = f"layers/{position:02d}-{_safe(layer.name)}-{_safe(layer.filename)}"
        members[path] = layer.data
        entry = {"name": layer.name, "file": path, "filename": layer.filename, "sha256": _sha256(layer.data),
                 "authoritative": layer.authoritative, "covers": list(layer.covers)}
        if layer.layer:
            entry["layer"] = layer.layer
        layers.append(entry)
    if layers:
        manifest["layers"] = layers
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in [(_MANIFEST, tomli_w.dumps(manifest).encode("utf-8")), *members.items()]:
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def read_project(source: str | os.PathLike | bytes, *, filename: str | None = None) -> Project:
    """Read a ``.reegeo`` project (a path, or the bytes of an upload named ``filename``).

    Raises
    ------
    UploadError
        For a file that is not a reegeo project, an unsafe or damaged
        archive, a manifest with a missing or wrong field (named), a member
        whose SHA-256 differs from the manifest's, or a project over the
        size limits.
    """
    if isinstance(source, bytes):
        data, name = source, filename or "project.reegeo"
    else:
        path = Path(source)
        name = filename or path.name
        try:
            size = path.stat().st_size
            if size > MAX_PROJECT_BYTES:
                raise UploadError(located(name, _M("too_large", size=size, limit=MAX_PROJECT_BYTES)))
            data = path.read_bytes()
        except FileNotFoundError:
            raise UploadError(located(name, _M("no_such_file", path=str(path)))) from None
        except IsADirectoryError:
            raise UploadError(_M("is_folder", file=name)) from None
        except PermissionError:
            raise UploadError(located(name, _M("permission_denied"))) from None
    if len(data) > MAX_PROJECT_BYTES:
        raise UploadError(located(name, _M("too_large", size=len(data), limit=MAX_PROJECT_BYTES)))
    if not data.startswith(b"PK"):
        raise UploadError(_M("not_a_project", file=name))
    archive = open_zip(data, display_name=name, limits=ArchiveLimits(_MAX_MEMBERS + 1, 4 * MAX_PROJECT_BYTES, 250))
    if _MANIFEST not in archive.names:
        raise UploadError(_M("no_manifest", file=name, manifest=_MANIFEST))

    def member(entry: Mapping[str, Any], what: Message) -> bytes:
        content = archive.read(archive.find(entry["file"]))
        if _sha256(content) != entry["sha256"]:
            raise UploadError(located(name, _M("member_altered", what=what, member=entry["file"], manifest=_MANIFEST)))
        return content

    try:
        manifest = tomllib.loads(archive.read(archive.find(_MANIFEST)).decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
        raise UploadError(located(name, _M("manifest_unreadable", manifest=_MANIFEST, reason=str(exc)))) from None

    def fail(section: str) -> Any:
        return lambda key, problem: UploadError(located(name, _M("manifest_field", manifest=_MANIFEST, section=section, field=key, problem=problem)))

    top = check_table(manifest, _TOP_SCHEMA, fail(""))
    report = check_table(top["report"] or {}, _REPORT_SCHEMA, fail("[report] "))
    sites = None
    if top["sites"] is not None:
        entry = check_table(top["sites"], _SITES_SCHEMA, fail("[sites] "))
        sites = SitesFile(
            entry["filename"], member(entry, _M("member_sites")), source=entry["source"] or "", layer=entry["layer"],
            x_column=entry["x_column"], y_column=entry["y_column"], id_column=entry["id_column"],
        )
    rules = None
    if top["rules"] is not None:
        rules = member(check_table(top["rules"], _FILE_SCHEMA, fail("[rules] ")), _M("member_rules"))
    changes = tuple(
        RuleChange(c["rule"], c["change"], c["author"] or "", c["reason"] or "", c["time"] or "")
        for position, raw in enumerate(top["rule_changes"] or [], start=1)
        for c in [check_table(raw, _CHANGE_SCHEMA, fail(f"[[rule_changes]] #{position} "))]
    )
    layers = []
    for position, raw in enumerate(top["layers"] or [], start=1):
        entry = check_table(raw, _LAYER_SCHEMA, fail(f"[[layers]] #{position} "))
        layers.append(LayerFile(entry["name"], entry["filename"], member(entry, _M("member_layer")), layer=entry["layer"],
                                authoritative=entry["authoritative"] or False, covers=tuple(entry["covers"] or ())))
    return Project(
        sites=sites, rules=rules, rule_changes=changes, layers=tuple(layers), lang=top["lang"],
        report=ReportOptions(**{k: v for k, v in report.items() if v is not None}),
    )


def open_project(project: Project, *, limits: UploadLimits = UploadLimits()) -> OpenedProject:
    """Read a project's sites, rules and layers as the app and the CLI screen them.

    Raises
    ------
    ReegeoError
        From reading the sites or a layer, or parsing the rules, naming the
        file inside the project.
    """
    rules = default_rules() if project.rules is None else parse_rules_bytes(project.rules, source=_M("rules_source"))
    sites = None
    if project.sites is not None:
        s = project.sites
        sites = read_sites(s.data, filename=s.filename, layer=s.layer, limits=limits, x_column=s.x_column, y_column=s.y_column)
    overrides = {}
    for layer in project.layers:
        read = read_layer(layer.data, filename=layer.filename, layer=layer.layer, limits=limits)
        coverage = Coverage.of(layer.covers, read.filename) if layer.covers else Coverage()
        overrides[layer.name] = layer_from_upload(layer.name, read, authoritative=layer.authoritative, coverage=coverage)
    return OpenedProject(project, sites, rules, overrides)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _safe(name: str) -> str:
    """A member name part from a user's file name: letters, digits, ``._-`` only, bounded."""
    return (_SAFE_NAME.sub("_", Path(name).name).strip("._") or "file")[:80]


def _text(limit: int) -> tuple:
    return (
        (lambda v: isinstance(v, str), _M.later("must_be_text")),
        (lambda v: len(v) <= limit, _M.later("too_long", limit=limit)),
    )


def _sha_checks() -> tuple:
    return ((lambda v: isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v) is not None, _M.later("not_a_digest")),)


def _member_checks() -> tuple:
    return ((lambda v: isinstance(v, str) and re.fullmatch(r"(sites|layers)/[A-Za-z0-9._-]{1,120}|rules\.toml", v) is not None,
             _M.later("not_a_member")),)


_TOP_SCHEMA: tuple[Field, ...] = (
    Field("format", ((lambda v: v == _FORMAT, _M.later("wrong_format", format=_FORMAT)),)),
    Field("version", ((lambda v: type(v) is int and v == _VERSION, _M.later("wrong_version", version=_VERSION)),)),
    Field("reegeo", _text(40), required=False),
    Field("lang", ((lambda v: v in LANGUAGES, _M.later("one_of", choices=", ".join(LANGUAGES))),), required=False, default="en"),
    Field("report", ((lambda v: isinstance(v, dict), _M.later("must_be_table")),), required=False),
    Field("sites", ((lambda v: isinstance(v, dict), _M.later("must_be_table")),), required=False),
    Field("rules", ((lambda v: isinstance(v, dict), _M.later("must_be_table")),), required=False),
    Field("rule_changes", ((lambda v: isinstance(v, list) and len(v) <= 500, _M.later("too_many_tables", limit=500)),), required=False),
    Field("layers", ((lambda v: isinstance(v, list) and len(v) <= _MAX_LAYERS, _M.later("too_many_tables", limit=_MAX_LAYERS)),), required=False),
)
_REPORT_SCHEMA: tuple[Field, ...] = (
    Field("title", _text(160), required=False),
    Field("reference", _text(80), required=False),
    Field("author", _text(120), required=False),
    Field("scope", ((lambda v: v in REPORT_SCOPES, _M.later("one_of", choices=", ".join(REPORT_SCOPES))),), required=False),
)
_FILE_SCHEMA: tuple[Field, ...] = (Field("file", _member_checks()), Field("sha256", _sha_checks()))
_COLUMN = _text(200)
_SITES_SCHEMA: tuple[Field, ...] = (
    *_FILE_SCHEMA,
    Field("filename", _text(255)),
    Field("source", _text(255), required=False),
    Field("layer", _text(255), required=False),
    Field("x_column", _COLUMN, required=False),
    Field("y_column", _COLUMN, required=False),
    Field("id_column", _COLUMN, required=False),
)
_CHANGE_SCHEMA: tuple[Field, ...] = (
    Field("rule", _text(64)),
    Field("change", _text(400)),
    Field("author", _text(120), required=False),
    Field("reason", _text(2000), required=False),
    Field("time", _text(40), required=False),
)
_LAYER_SCHEMA: tuple[Field, ...] = (
    *_FILE_SCHEMA,
    Field("name", ((lambda v: isinstance(v, str) and re.fullmatch(r"[a-z][a-z0-9_]{0,63}", v) is not None, _M.later("layer_name")),)),
    Field("filename", _text(255)),
    Field("layer", _text(255), required=False),
    Field("authoritative", ((lambda v: isinstance(v, bool), _M.later("true_or_false")),), required=False),
    Field("covers", ((lambda v: isinstance(v, list) and len(v) <= 40 and all(isinstance(s, str) and len(s) <= 60 for s in v),
                      _M.later("state_names", all=ALL_STATES)),), required=False),
)
