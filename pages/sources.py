"""Data sources: provenance, licence, date, accuracy and feature count of every layer; how to load authoritative ones."""

import os

import streamlit as st

from pages import _ui
from reegeo.i18n import TEXTS, layer_label, t
from reegeo.io.sites import read_layer
from reegeo.layers.coverage import (
    ALL_STATES,
    Coverage,
    coverage_display_table,
    coverage_text,
    prohibiting_layers,
    state_names,
)
from reegeo.layers.load import layer_from_upload
from reegeo.layers.model import CONSTRAINT_LAYERS
from reegeo.layers.osm import (
    DEFAULT_ENDPOINT,
    ENDPOINT_ENV,
    OSM_LAYERS,
    fetch_and_install,
)
from reegeo.layers.store import import_layer_bytes
from reegeo.messages import in_language
from reegeo.project import LayerFile
from reegeo.screening.evidence import format_distance

lang, ws, layers = _ui.page(__file__)

st.title(t("page.sources", lang))
st.caption(t("sources.intro", lang))

approximate = _ui.approximate_layers()
if approximate:
    st.warning(t("approximate.banner", lang, layers=", ".join(approximate)))

if "sources_installed" in st.session_state:
    st.success(_ui.literal(st.session_state.pop("sources_installed")))
st.subheader(t("coverage.table_title", lang))
st.caption(t("coverage.table_intro", lang))
states, _ = state_names(layers["states"])
nowhere = [layer_label(n, lang) for n in prohibiting_layers(ws.rules) if n in layers and layers[n].coverage.is_empty]
if nowhere:
    st.warning(t("coverage.none_complete", lang, layers=", ".join(nowhere)))
shown = coverage_display_table(layers, ws.rules, states, lang)
st.dataframe(shown, hide_index=True, width="stretch", key="coverage_table")

for name, layer in layers.items():
    title = layer.display_title(lang)
    with st.container(border=True):
        head, count, accuracy = st.columns([5, 1, 1.4])
        badge = (
            f":orange-badge[{t('sources.approximate', lang)}]"
            if layer.approximate
            else (f":green-badge[{t('sources.authoritative_yes', lang)}]" if layer.authoritative else "")
        )
        origin = t(f"origin.{layer.origin}", lang) if f"origin.{layer.origin}" in TEXTS else layer.origin
        head.markdown(f"#### {_ui.literal(title)}\n`{name}` · {_ui.literal(origin)} {badge}")
        count.metric(t("sources.features", lang), f"{layer.feature_count:,}")
        accuracy.metric(t("map.accuracy", lang), f"± {format_distance(layer.accuracy_m)}")
        st.markdown(
            f"**{t('map.source', lang)}:** {_ui.literal(layer.text('source', lang))}  \n"
            f"**{t('sources.licence', lang)}:** {_ui.literal(layer.text('licence', lang))} · **{t('sources.date', lang)}:** {_ui.literal(layer.date)}"
        )
        if layer.role == "constraint":
            st.markdown(f"**{t('coverage.col.coverage', lang)}:** {_ui.literal(coverage_text(layer.coverage, lang))}")
        if layer.notes:
            st.caption(_ui.literal(layer.text("notes", lang)))

st.subheader(t("sources.upload_title", lang))
st.caption(t("sources.upload_help", lang))
target_col, flag_col = st.columns([2, 3])
target = target_col.selectbox(t("sources.replace", lang), list(dict.fromkeys([*CONSTRAINT_LAYERS, *layers])), key="layer_target")
authoritative = flag_col.checkbox(t("sources.is_authoritative", lang), value=False, key="layer_authoritative")
covers = st.multiselect(
    t("sources.covers", lang), [ALL_STATES, *states], default=[], help=t("sources.covers_help", lang), placeholder=t("widget.choose", lang), key="layer_covers"
)
upload = st.file_uploader(t("screen.upload", lang), help=t("screen.upload_help", lang), key="layer_upload")
context = f"{target}:{authoritative}:{','.join(covers)}"
read = _ui.read_upload_once(upload, read_layer, key="layer", context=context) if upload is not None else None
coverage = Coverage.of(covers, read.filename) if read is not None and covers else Coverage()
layer = read and _ui.attempt(layer_from_upload, target, read, authoritative=authoritative, coverage=coverage)
if layer:
    kept = LayerFile(target, upload.name, upload.getvalue(), layer=st.session_state.get("layer_layer"), authoritative=authoritative, covers=tuple(covers))
    _ui.attempt(ws.use_layer, layer, _ui.server_layers(), file=kept)
    if ws.layer_overrides.get(target) is layer:
        st.rerun()
for name in list(ws.layer_overrides):
    if st.button(t("sources.drop", lang, layer=name), key=f"drop_{name}"):
        ws.drop_layer(name, _ui.server_layers())
        st.rerun()

st.subheader(t("sources.install_title", lang))
st.caption(t("sources.install_help", lang))
left, right = st.columns(2)
install_target = left.selectbox(
    t("sources.install_layer", lang), [*CONSTRAINT_LAYERS, "deposits", "states"], format_func=lambda n: layer_label(n, lang), key="install_target"
)
install_covers = right.multiselect(t("sources.covers", lang), [ALL_STATES, *states], default=[], help=t("sources.covers_help", lang), placeholder=t("widget.choose", lang), key="install_covers")
left, middle, right = st.columns([2, 2, 1])
install_source = left.text_input(t("map.source", lang), key="install_source")
install_licence = middle.text_input(t("sources.licence", lang), key="install_licence")
install_accuracy = right.number_input(t("map.accuracy", lang) + " (m)", min_value=0.0, value=20.0, step=10.0, key="install_accuracy")
install_authoritative = st.checkbox(t("sources.is_authoritative", lang), value=False, key="install_authoritative")
install_file = st.file_uploader(t("screen.upload", lang), help=t("screen.upload_help", lang), key="install_upload")
if install_file is not None and st.button(t("sources.install_run", lang), key="install_run", type="primary"):
    report = _ui.attempt(
        import_layer_bytes, install_target, install_file.getvalue(), install_file.name, covers=install_covers or None,
        source=install_source or None, licence=install_licence or None, accuracy_m=install_accuracy, authoritative=install_authoritative,
    )
    if report is not None:
        _ui.reload_layers()
        _ui.attempt(ws.rescreen, _ui.server_layers())
        st.session_state["sources_installed"] = t("sources.installed", lang, layer=report.name, count=f"{report.features:,}", covers=", ".join(report.covers) or "-")
        st.rerun()

st.subheader(t("sources.osm_title", lang))
st.caption(t("sources.osm_help", lang))
left, middle = st.columns(2)
osm_layer = left.selectbox(t("sources.install_layer", lang), list(OSM_LAYERS), format_func=lambda n: layer_label(n, lang), key="osm_layer")
osm_states = middle.multiselect(t("sources.osm_states", lang), states, placeholder=t("widget.choose", lang), key="osm_states")
osm_covers = st.multiselect(t("sources.osm_covers", lang), osm_states, default=[], help=t("sources.osm_covers_help", lang), placeholder=t("widget.choose", lang), key="osm_covers")
osm_endpoint = st.text_input(t("sources.osm_endpoint", lang), value=os.environ.get(ENDPOINT_ENV) or DEFAULT_ENDPOINT, key="osm_endpoint")
if st.button(t("sources.osm_run", lang), key="osm_run", type="primary", disabled=not osm_states):
    bar = st.progress(0.0, text=t("sources.osm_run", lang))
    step = {"done": 0}

    def _progress(line: str) -> None:
        if line.startswith("fetching"):
            step["done"] += 1
        bar.progress(min(step["done"] / max(len(osm_states), 1), 1.0), text=in_language(line, lang))

    fetched = _ui.attempt(fetch_and_install, osm_layer, osm_states, covers=osm_covers or None, endpoint=osm_endpoint, progress=_progress)
    bar.empty()
    if fetched is not None:
        report, _ = fetched
        _ui.reload_layers()
        _ui.attempt(ws.rescreen, _ui.server_layers())
        st.session_state["sources_installed"] = t("sources.installed", lang, layer=report.name, count=f"{report.features:,}", covers=", ".join(report.covers) or "-")
        st.rerun()

st.subheader("python -m reegeo data import")
st.write(t("sources.authoritative", lang))
st.code(
    "python -m reegeo data import forest_reserves jpsm_reserves_johor.gpkg --covers Johor --authoritative --accuracy-m 20\n"
    "python -m reegeo data import water_catchments gazetted_catchments_selangor.zip --covers Selangor\n"
    "python -m reegeo data list\n"
    "python -m reegeo data reset forest_reserves --state Johor",
    language="sh",
)
if st.button(t("sources.reload", lang), key="reload_layers"):
    _ui.reload_layers()
    # Results must come from the layers the reports and banner now describe.
    _ui.attempt(ws.rescreen, _ui.server_layers())
    st.rerun()

st.dataframe(
    [
        {
            t("sources.col.layer", lang): name,
            t("sources.col.title", lang): layer.display_title(lang),
            t("sources.features", lang): layer.feature_count,
            t("map.accuracy", lang) + " (m)": layer.accuracy_m,
            t("sources.col.authoritative", lang): layer.authoritative,
            t("sources.col.approximate", lang): layer.approximate,
            t("coverage.col.coverage", lang): coverage_text(layer.coverage, lang) if layer.role == "constraint" else "",
            t("map.source", lang): layer.text("source", lang),
            t("sources.licence", lang): layer.text("licence", lang),
            t("sources.date", lang): layer.date,
            t("sources.col.file", lang): str(layer.path) if layer.path else "",
            "SHA-256": layer.sha256,
        }
        for name, layer in layers.items()
    ],
    hide_index=True,
    width="stretch",
)
