"""Data sources: provenance, licence, date, accuracy and feature count of every layer; how to load authoritative ones."""

import streamlit as st

from pages import _ui
from reegeo.coverage import ALL_STATES, Coverage, coverage_display_table, coverage_text, prohibiting_layers, state_names
from reegeo.evidence import format_distance
from reegeo.i18n import layer_label, t
from reegeo.layers import CONSTRAINT_LAYERS, layer_from_upload
from reegeo.uploads import read_layer

_ui.ensure_shell()
lang = _ui.lang()
ws = _ui.workspace()
layers = _ui.layers()

st.title(t("page.sources", lang))
st.caption(t("sources.intro", lang))

approximate = _ui.approximate_layers()
if approximate:
    st.warning(t("approximate.banner", lang, layers=", ".join(approximate)))

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
        head.markdown(f"#### {_ui.literal(title)}\n`{name}` · {layer.origin} {badge}")
        count.metric(t("sources.features", lang), f"{layer.feature_count:,}")
        accuracy.metric(t("map.accuracy", lang), f"± {format_distance(layer.accuracy_m)}")
        st.markdown(
            f"**{t('map.source', lang)}:** {_ui.literal(layer.source)}  \n"
            f"**{t('sources.licence', lang)}:** {_ui.literal(layer.licence)} · **{t('sources.date', lang)}:** {_ui.literal(layer.date)}"
        )
        if layer.role == "constraint":
            st.markdown(f"**{t('coverage.col.coverage', lang)}:** {_ui.literal(coverage_text(layer.coverage, lang))}")
        if layer.notes:
            st.caption(_ui.literal(layer.notes))

st.subheader(t("sources.upload_title", lang))
st.caption(t("sources.upload_help", lang))
target_col, flag_col = st.columns([2, 3])
target = target_col.selectbox(t("sources.replace", lang), list(dict.fromkeys([*CONSTRAINT_LAYERS, *layers])), key="layer_target")
authoritative = flag_col.checkbox(t("sources.is_authoritative", lang), value=False, key="layer_authoritative")
covers = st.multiselect(
    t("sources.covers", lang), [ALL_STATES, *states], default=[ALL_STATES], help=t("sources.covers_help", lang), key="layer_covers"
)
upload = st.file_uploader(t("screen.upload", lang), help=t("screen.upload_help", lang), key="layer_upload")
context = f"{target}:{authoritative}:{','.join(covers)}"
read = _ui.read_upload_once(upload, read_layer, key="layer", context=context) if upload is not None else None
coverage = Coverage.of(covers, read.filename) if read is not None and covers else Coverage()
layer = read and _ui.attempt(layer_from_upload, target, read, authoritative=authoritative, coverage=coverage)
if layer:
    _ui.attempt(ws.use_layer, layer, _ui.server_layers())
    if ws.layer_overrides.get(target) is layer:
        st.rerun()
for name in list(ws.layer_overrides):
    if st.button(t("sources.drop", lang, layer=name), key=f"drop_{name}"):
        ws.drop_layer(name, _ui.server_layers())
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

st.dataframe([layer.describe() for layer in layers.values()], hide_index=True, width="stretch")
