"""What every page of the dashboard shares: cached layers, the session's workspace, the map widget.

Not a page itself (``app.py`` lists the pages). Streamlit lives here and in the
pages only; the work is done by ``reegeo``.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import folium
import folium.elements
import streamlit as st
import streamlit.components.v1 as components
import streamlit_folium

from reegeo.errors import ReegeoError
from reegeo.i18n import count_sites, layer_label, t
from reegeo.io.detect import CSV, EXCEL
from reegeo.io.exports import EXPORTS
from reegeo.io.sites import ReadResult, list_layers, server_limits
from reegeo.layers.coverage import incomplete_states, prohibiting_layers
from reegeo.layers.load import load_layers
from reegeo.layers.model import Layer
from reegeo.project import open_project, project_to_bytes, read_project
from reegeo.report.options import REPORT_SCOPES, ReportOptions
from reegeo.screening.distributed import Engine
from reegeo.screening.rules import default_rules
from reegeo.screening.surface import (
    build_surface,
    dissolve_surface,
    surface_key,
    surface_totals,
)
from reegeo.web.assets import MapAssets, asset_folders, assets_at
from reegeo.web.features import DisplayLayer, incomplete_geojson, prepare_layers
from reegeo.web.map import SiteOverlay, layer_control_js
from reegeo.web.sessions import SessionStore
from reegeo.web.workspace import Workspace

TABLE_READ_FORMATS = (CSV, EXCEL)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


@st.cache_resource(show_spinner="Loading layers…")
def server_layers() -> dict[str, Layer]:
    """The layers installed on this server (bundled, or added with ``reegeo data import``), loaded once."""
    return load_layers()


@st.cache_resource(show_spinner=False)
def _server_display_layers(lang: str) -> dict[str, DisplayLayer]:
    return prepare_layers(server_layers(), lang=lang)


def layers() -> dict[str, Layer]:
    """The layers this session screens with: the server's, with the session's uploaded layers in their place."""
    return workspace().layers_in_use(server_layers())


def display_layers(lang: str) -> dict[str, DisplayLayer]:
    """The layers in use, simplified for the map (the server's prepared once, a session's uploads on the fly)."""
    overrides = workspace().layer_overrides
    if not overrides:
        return _server_display_layers(lang)
    extra = prepare_layers(overrides, lang=lang)
    merged = {name: extra.get(name, shown) for name, shown in _server_display_layers(lang).items()}
    return {**merged, **{name: shown for name, shown in extra.items() if name not in merged}}


@st.cache_resource(show_spinner=False, max_entries=16)
def _incomplete(key: tuple, lang: str, _layers: dict[str, Layer], names: tuple[str, ...]) -> dict:
    return incomplete_geojson(incomplete_states(_layers, list(names)), lang=lang)


def incomplete_overlay(lang: str) -> dict:
    """Where this session's prohibiting layers are incomplete, for the map (shared across sessions with the same coverage)."""
    in_use = layers()
    names = tuple(name for name in prohibiting_layers(workspace().rules) if name in in_use)
    key = (in_use["states"].sha256 if "states" in in_use else "", *((name, tuple(in_use[name].coverage.to_list())) for name in names))
    return _incomplete(key, lang, in_use, names)


@st.cache_resource(show_spinner=False, max_entries=8)
def _surface(key: str, cell_m: float, _layers: dict[str, Layer], _rules: tuple) -> tuple[Any, Any]:
    surface = build_surface(_layers, _rules, cell_m=cell_m)
    return dissolve_surface(surface), surface_totals(surface)


def eligibility_surface(cell_m: float) -> tuple[Any, Any]:
    """The surface for this session's layers and rules, merged for the map, and its totals (cached by content)."""
    in_use, rules = layers(), tuple(workspace().rules)
    return _surface(surface_key(in_use, rules, cell_m=cell_m), cell_m, in_use, rules)


def reload_layers() -> None:
    """Forget the cached layers (after ``reegeo data import``), so the next run loads them again."""
    server_layers.clear()
    _server_display_layers.clear()


def ensure_shell(page_file: str = "") -> None:
    """Send a page opened on its own back through ``app.py``, which sets up the sidebar and navigation.

    Until ``st.navigation`` has run once in a server process, Streamlit also
    serves the files of ``pages/`` directly (its older multipage mode); a
    bookmark to one of them on a freshly started server would otherwise run
    the page without the app around it.
    """
    if "lang" not in st.session_state:
        # Remember where the bookmark pointed (and its ?project=), so app.py opens that page once it is set up.
        if page_file:
            st.session_state["wanted_page"] = f"pages/{Path(page_file).name}"
        st.switch_page("app.py", query_params=st.query_params.to_dict())


class Page(NamedTuple):
    """What every page needs: the interface language, the session's workspace and the layers in use."""

    lang: str
    ws: Workspace
    layers: dict[str, Layer]


def page(page_file: str = "") -> Page:
    """Open a page (``page_file``: its ``__file__``): through the app's shell (see :func:`ensure_shell`), with its language, workspace and layers."""
    ensure_shell(page_file)
    problem = server_engine()[1]
    if problem is not None:  # a server setting to mend: said on every page, while sites are screened here
        show_error(problem)
    with st.sidebar:
        project_panel()
    return Page(lang=lang(), ws=workspace(), layers=layers())


def first_time(token: str) -> bool:
    """True the first time ``token`` (an upload's id, say) is seen in this session, so it is acted on once.

    Streamlit reruns a page on every interaction and an upload stays in its
    widget; this is the rerun bookkeeping that keeps one upload from being
    read again and again (it lives here, not in the library's workspace).
    """
    handled = st.session_state.setdefault("handled_tokens", set())
    if token in handled:
        return False
    handled.add(token)
    return True


def kept(name: str, key: object, make: Callable[[], Any]) -> Any:
    """``make()``, kept in this session under ``name`` while ``key`` stays the same (one value per name, so memory stays bounded)."""
    slot = f"kept_{name}"
    held = st.session_state.get(slot)
    if held is None or held[0] != key:
        held = (key, make())
        st.session_state[slot] = held
    return held[1]


def forget(token: str) -> None:
    """Let ``token`` count as new again (a read that failed is tried again on the next run)."""
    st.session_state.setdefault("handled_tokens", set()).discard(token)


def lang() -> str:
    """The interface language chosen in the sidebar."""
    return st.session_state.get("lang", "en")


def remember_language() -> None:
    """Keep the sidebar's choice under ``lang``, which outlives the widget when pages change."""
    st.session_state["lang"] = st.session_state["lang_choice"]


def workspace() -> Workspace:
    """This browser session's sites, results and rules (kept across pages, and across reloads: see :func:`save_session`)."""
    if "workspace" not in st.session_state:
        st.session_state["workspace"] = _restored() or Workspace(rules=default_rules())
    ws = st.session_state["workspace"]
    ws.engine = server_engine()[0]  # the server's: a dask cluster for big site sets, when one is set
    return ws


@st.cache_resource(show_spinner=False)
def server_engine() -> tuple[Engine, ReegeoError | None]:
    """Where this server screens (``REEGEO_DASK_SCHEDULER``, ``REEGEO_DASK_MIN_SITES``), read once; a bad setting screens here and says why."""
    try:
        return Engine.from_environment(os.environ), None
    except ReegeoError as exc:
        return Engine(), exc


def session_store() -> SessionStore:
    """Where this server keeps the sessions' workspaces (``$REEGEO_SESSIONS_DIR`` or the user data folder, read each time)."""
    return SessionStore()


# Widgets whose state mirrors the workspace: forgotten when another workspace is opened, so they show its values.
_WORKSPACE_WIDGETS = ("sev_", "dist_", "report_download_", "rule_note_")


def open_workspace(data: bytes, *, filename: str) -> Workspace:
    """Open project bytes as this session's workspace (its sites screened again); the earlier workspace stays if it fails.

    Raises
    ------
    ReegeoError
        For a file that is not a valid project, or sites, rules or layers in it that cannot be read.
    """
    project = read_project(data, filename=filename)
    ws = Workspace.from_project(open_project(project), server_layers())
    for key in [k for k in st.session_state if str(k).startswith(_WORKSPACE_WIDGETS)]:
        del st.session_state[key]
    st.session_state["workspace"] = ws
    st.session_state["lang"] = project.lang
    return ws


def _restored() -> Workspace | None:
    """The workspace saved under the page URL's ``?project=`` id, when there is one (after a reload)."""
    session_id = st.query_params.get("project")
    data = session_store().load(session_id)
    if data is None:
        return None
    try:
        ws = open_workspace(data, filename="saved session")
    except ReegeoError as exc:
        st.warning(t("project.restore_failed", lang(), error=literal(exc.describe(app_arguments(), lang()))))
        return None
    st.session_state["session_id"] = session_id
    st.session_state["saved"] = (ws.revision, lang())
    return ws


def save_session() -> None:
    """Keep the workspace on the server under the URL's session id, when it changed since it was last kept.

    Called at the end of every run (``app.py``), so a reload or a dropped
    connection restores what was on screen. A workspace over the store's
    size limit is not kept, and the sidebar says so.
    """
    ws = workspace()
    state = (ws.revision, lang())
    if ws.revision == 0 or st.session_state.get("saved") == state:
        kept_id = st.session_state.get("session_id")
        if kept_id and not st.session_state.get("session_unsaved") and st.query_params.get("project") != kept_id:
            st.query_params["project"] = kept_id  # another page opened from the sidebar has a URL without it
        return
    session_id = st.session_state.get("session_id") or SessionStore.new_id()
    try:
        kept = session_store().save(session_id, project_bytes())
    except OSError:
        kept = False
    st.session_state["saved"] = state
    st.session_state["session_unsaved"] = not kept
    if kept:
        st.session_state["session_id"] = session_id
        if st.query_params.get("project") != session_id:
            st.query_params["project"] = session_id

def map_assets() -> MapAssets:
    """Leaflet served by this app from the installed package (no CDN).

    Each asset folder is registered as a static component, whose files
    Streamlit serves at ``/component/<name>/``; the map iframe lives under
    ``/component/`` too, so relative URLs reach them whatever the base path.
    """
    bases = {}
    for name, folder in asset_folders().items():
        component = components.declare_component(f"assets_{name}", path=str(folder))
        bases[name] = f"../{component.name}/"
    return assets_at(bases)


def map_content(*parts: object) -> str:
    """A key for what a map shows (the page's choices, the layers' hashes, the workspace's revision)."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def layers_token() -> tuple:
    """What the session's layers are, by content: each layer's name, file hash, and what is claimed of it.

    One file given as authoritative or not, or as covering other states, is
    drawn differently (labels, the incomplete-coverage overlay), so the claims
    are part of the key.
    """
    return tuple((name, layer.sha256, layer.authoritative, tuple(layer.coverage.to_list())) for name, layer in sorted(layers().items()))


@st.cache_resource(show_spinner=False, max_entries=48, ttl=3600)
def _rendered_map(content: str, widget_key: str, _build: Callable[[], folium.Map]) -> dict[str, Any]:
    """The map's component arguments, rendered once per content and shared by every session that shows it.

    The same steps as ``st_folium`` (streamlit-folium's own helpers), kept as
    strings: a folium map is rendered by one thread only, and never again
    for a rerun or another planner that shows the same map.
    """
    fmap = _build()
    fmap.get_root().render()
    fmap.render()
    html, header = streamlit_folium._get_html(fmap), streamlit_folium._get_header(fmap)
    script = streamlit_folium._get_map_string(fmap)
    css_links: list[str] = []
    js_links: list[str] = []
    for element in _walk(fmap):
        css_links.extend(href for _, href in getattr(element, "default_css", []))
        js_links.extend(src for _, src in getattr(element, "default_js", []))
    return {
        "script": script,
        "header": header,
        "html": html,
        "id": streamlit_folium.get_full_id(fmap),
        "key": streamlit_folium.generate_js_hash(script, widget_key, False),
        "css_links": list(dict.fromkeys(css_links)),
        "js_links": list(dict.fromkeys(js_links)),
    }


def _walk(element: Any):
    if isinstance(element, folium.elements.JSCSSMixin):
        yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def show_cached_map(
    content: str,
    build: Callable[[], folium.Map],
    *,
    key: str,
    height: int = 620,
    overlay: Callable[[], SiteOverlay] | None = None,
    overlay_content: str = "",
    returned_objects: Sequence[str] = (),
) -> dict:
    """Show the map ``build`` makes, rendered once per ``content`` (:func:`map_content`) across reruns and sessions, with the session's ``overlay`` on top.

    With ``overlay``, ``build`` gives a :func:`~reegeo.web.map.base_map` made with
    ``deferred_control``: what every planner shares. ``overlay`` gives the
    session's sites and evidence (:func:`~reegeo.web.map.site_overlay`), rendered
    once per ``overlay_content`` in this session and sent beside the shared
    map: a new site or new results redraw the overlay only, never the layers
    under it. A rerun that changes neither sends the same component arguments
    again, which the browser keeps as they are. Only ``returned_objects``
    (clicks, say) come back to the app, so panning and zooming do not rerun it.
    """
    parts = _rendered_map(content, key, build)
    # A map with its own layer control (no overlay given) is sent as it is.
    groups, control = _rendered_overlay(key, overlay_content, overlay) if overlay is not None else (None, None)
    value = streamlit_folium._component_func(
        script=parts["script"], header=parts["header"], html=parts["html"], id=parts["id"], key=parts["key"],
        height=height, width=None, returned_objects=list(returned_objects), default=dict.fromkeys(returned_objects),
        zoom=None, center=None, feature_group=groups, return_on_hover=False, layer_control=control, pixelated=False,
        css_links=parts["css_links"], js_links=parts["js_links"], wrap_longitude=False,
    )
    return value or {}


def _rendered_overlay(key: str, content: str, overlay: Callable[[], SiteOverlay]) -> tuple[str | None, str]:
    """The overlay's groups and the layer control as the map component's JavaScript, kept in the session while ``content`` holds."""
    kept = st.session_state.get(f"overlay_{key}")
    if kept is not None and kept[0] == content:
        return kept[1]
    made = overlay()
    scratch = folium.Map(tiles=None)  # the groups' own map: its id becomes the component's map_div
    scripts, listed = [], []
    for index, group in enumerate(made.groups):
        scripts.append(streamlit_folium._get_feature_group_string(group, scratch, idx=index))
        if group.control:
            listed.append((group.layer_name, f"feature_group_feature_group_{index}"))
    rendered = ("".join(scripts) or None, layer_control_js(listed, collapsed=made.collapsed, bounds=made.bounds))
    st.session_state[f"overlay_{key}"] = (content, rendered)
    return rendered


# Streamlit's file uploader writes its button and limit in English in its frontend; in another
# language the app hides those texts and shows its own in their place.
_UPLOADER_CSS = """
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p {{ font-size: 0; }}
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p::after {{ content: "{upload}"; font-size: 0.875rem; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: "{limit}"; font-size: 0.75rem; }}
"""


def translate_uploader_texts() -> None:
    """Show the file uploaders' fixed English texts ("Upload", "50MB per file") in the app's language."""
    chosen = lang()
    if chosen == "en":
        return
    limit_mb = int(st.get_option("server.maxUploadSize"))
    css = _UPLOADER_CSS.format(upload=t("widget.upload", chosen), limit=t("widget.upload_limit", chosen, mb=limit_mb))
    st.html(f"<style>{css}</style>")


def app_arguments() -> dict[str, str]:
    """What stands for the library's arguments in its errors, in the app's language ({value}: the offending value)."""
    return {name: t(f"argument.{name}", lang()) for name in APP_ARGUMENT_NAMES}


APP_ARGUMENT_NAMES = ("layers", "layer", "max_features", "coordinate_columns", "max_site_km2", "max_read_s", "x_column", "y_column", "id_column")


def show_error(exc: ReegeoError) -> None:
    """Show a reegeo error; its text (file names, cell values) is shown literally, never as Markdown."""
    st.error(literal(exc.describe(app_arguments(), lang())))


def attempt(action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run one reegeo call for a widget; show a :class:`ReegeoError` with ``st.error`` and return None.

    The page goes on rendering, so a failed upload leaves the earlier results on screen.
    """
    try:
        return action(*args, **kwargs)
    except ReegeoError as exc:
        show_error(exc)
        return None


def read_upload_once(upload: Any, reader: Callable[..., ReadResult], *, key: str, context: str = "") -> ReadResult | None:
    """Read an uploaded file with ``reader`` the first time it (with its chosen layer and ``context``) is seen.

    A container with several layers (a GeoPackage, a zip of Shapefiles) gets
    a select box to choose one. A file that cannot be read shows its error on
    every run while it stays in the uploader; the workspace is not touched
    here, so earlier sites and results stay.
    """
    data = upload.getvalue()
    listed = st.session_state.get(f"{key}_choices")
    if listed is None or listed[0] != upload.file_id:  # once per file: listing reads it (in a child process)
        try:
            listed = (upload.file_id, list_layers(data, filename=upload.name, limits=server_limits()))
        except ReegeoError:
            listed = (upload.file_id, [])  # the read below says what is wrong with the file, once
        st.session_state[f"{key}_choices"] = listed
    choices = listed[1]
    layer = st.selectbox(t("screen.choose_layer", lang()), choices, key=f"{key}_layer") if len(choices) > 1 else None
    token = f"{key}:{upload.file_id}:{layer}:{context}"
    if not first_time(token):
        return None
    try:
        read = reader(data, filename=upload.name, layer=layer, limits=server_limits())
    except ReegeoError as exc:
        show_error(exc)
        forget(token)
        # A table whose coordinates were not found lists its columns, for the pickers. An error that
        # names none (a bad pick of columns) keeps the file's columns, so the pick can be undone.
        named = list(getattr(exc, "columns", []) or [])
        file_id = st.session_state.get(f"{key}_columns", (None, [], False))[0]
        if named or file_id != upload.file_id:
            st.session_state[f"{key}_columns"] = (upload.file_id, named, True)
        return None
    columns = [str(c) for c in read.frame.columns if c != read.frame.geometry.name]
    st.session_state[f"{key}_columns"] = (upload.file_id, columns, read.format in TABLE_READ_FORMATS)
    return read


def upload_columns(upload: Any, *, key: str) -> tuple[list[str], bool]:
    """The columns of the upload last read under ``key``, and whether it is a table (CSV, Excel) whose coordinates can be chosen."""
    file_id, columns, tabular = st.session_state.get(f"{key}_columns", (None, [], False))
    return (columns, tabular) if file_id == upload.file_id else ([], False)


def progress_bar() -> tuple[Any, Callable[[int, int], None]]:
    """A progress bar and the ``progress(done, total)`` callback that moves it."""
    bar = st.progress(0.0, text=t("screen.progress", lang(), done=0, total="…"))

    def update(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=t("screen.progress", lang(), done=f"{done:,}", total=f"{total:,}"))

    return bar, update


def download_results(ws: Workspace, *, key: str) -> None:
    """Download buttons for the results in every export format."""
    columns = st.columns(len(EXPORTS))
    for column, (fmt, export) in zip(columns, EXPORTS.items()):
        suffix, mime = export.suffixes[0], export.mime
        column.download_button(
            f"{fmt.upper()}",
            data=partial(ws.export, fmt),  # made when clicked, not on every run
            file_name=f"reegeo-results{suffix}",
            mime=mime,
            key=f"{key}_{fmt}",
            width="stretch",
        )


def download_reports(ws: Workspace, layers: dict[str, Layer], *, key: str) -> None:
    """The report's title, reference, author and scope, and buttons that build the PDF and HTML reports, then offer them."""
    chosen = lang()
    saved = ws.report_options
    left, middle, right = st.columns([3, 2, 2])
    title = left.text_input(t("screen.report_title", chosen), value=saved.title, max_chars=160, key=f"{key}_title").strip()
    reference = middle.text_input(t("screen.report_reference", chosen), value=saved.reference, max_chars=80, key=f"{key}_reference").strip()
    author = right.text_input(t("screen.report_author", chosen), value=saved.author, max_chars=120, key=f"{key}_author").strip()
    scope = st.radio(
        t("screen.report_scope", chosen), REPORT_SCOPES, index=REPORT_SCOPES.index(saved.scope),
        format_func=lambda s: t(f"screen.report_scope.{s}", chosen), horizontal=True, key=f"{key}_scope",
    )
    ws.set_report_options(ReportOptions(title=title, reference=reference, author=author, scope=scope))
    columns = st.columns(2)
    for column, (fmt, mime) in zip(columns, (("pdf", "application/pdf"), ("html", "text/html"))):
        with column:
            if ws.has_export(ws.report_key_for(fmt, chosen)) or st.button(
                t("screen.report", chosen, fmt=fmt.upper()), key=f"{key}_make_{fmt}", width="stretch"
            ):
                bar, progress = progress_bar()
                data = attempt(ws.report, fmt, layers, lang=chosen, progress=progress)
                bar.empty()
                if data is not None:
                    st.download_button(
                        t("screen.report_download", chosen, fmt=fmt.upper()),
                        data=data,
                        file_name=f"reegeo-report.{fmt}",
                        mime=mime,
                        key=f"{key}_{fmt}",
                        type="primary",
                        width="stretch",
                    )


def literal(text: object) -> str:
    """``text`` escaped for Markdown, so an uploaded name shows as typed and never as markup or a link."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def incomplete_layers() -> list[str]:
    """Short names of the prohibiting layers that are not complete in every state, in the interface language."""
    chosen, in_use = lang(), layers()
    names = [n for n in prohibiting_layers(workspace().rules) if n in in_use and not in_use[n].coverage.everywhere]
    return [layer_label(name, chosen) for name in names]


def approximate_layers() -> list[str]:
    """Short names of the approximate layers in use, in the interface language."""
    chosen = lang()
    return [layer_label(name, chosen) for name, layer in layers().items() if layer.approximate]


def project_bytes() -> bytes:
    """The workspace as a project file, built once per change of the workspace or language (the session store and the Save button share it).

    Built here rather than in a deferred download callable, which would run outside this session's state.
    """
    ws = workspace()
    state = (id(ws), ws.revision, lang())
    cached = st.session_state.get("project_bytes")
    if cached is None or cached[0] != state:
        cached = (state, project_to_bytes(ws.to_project(lang=lang())))
        st.session_state["project_bytes"] = cached
    return cached[1]


def project_save_button() -> None:
    """The sidebar's "Save project" button, drawn after the page ran so the file holds what the page just did."""
    chosen = lang()
    if not workspace().revision:
        return
    st.download_button(
        t("project.save", chosen), data=project_bytes(), file_name="reegeo-project.reegeo", mime="application/zip",
        key="project_save", width="stretch", help=t("project.help", chosen),
    )


def project_panel() -> None:
    """The sidebar's project box: save the workspace as a ``.reegeo`` file, or open one."""
    chosen = lang()
    with st.expander(t("project.title", chosen), expanded=False):
        st.caption(t("project.help", chosen))
        upload = st.file_uploader(t("project.open", chosen), type=["reegeo", "zip"], key="project_open")
        if upload is not None and first_time(f"project:{upload.file_id}"):
            opened = attempt(open_workspace, upload.getvalue(), filename=upload.name)
            if opened is not None:
                count = len(opened.results) if opened.results is not None else 0
                st.session_state["project_opened"] = t("project.opened", lang(), file=upload.name, count=count_sites(count, lang()))
                st.rerun()
        if "project_opened" in st.session_state:
            st.success(literal(st.session_state.pop("project_opened")))
        if st.session_state.get("session_unsaved"):
            st.warning(t("project.not_kept", chosen))
        elif st.session_state.get("session_id"):
            st.caption(t("project.kept", chosen))
