"""Data sources: provenance, licence, date, accuracy and feature count of every layer; how to load authoritative ones."""

import streamlit as st

from pages import _ui
from reegeo.evidence import format_distance
from reegeo.i18n import t
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
        if layer.notes:
            st.caption(_ui.literal(layer.notes))

st.subheader(t("sources.upload_title", lang))
st.caption(t("sources.upload_help", lang))
target_col, flag_col = st.columns([2, 3])
target = target_col.selectbox(t("sources.replace", lang), list(dict.fromkeys([*CONSTRAINT_LAYERS, *layers])), key="layer_target")
authoritative = flag_col.checkbox(t("sources.is_authoritative", lang), value=False, key="layer_authoritative")
upload = st.file_uploader(t("screen.upload", lang), help=t("screen.upload_help", lang), key="layer_upload")
read = _ui.read_upload_once(upload, read_layer, key="layer", context=f"{target}:{authoritative}") if upload is not None else None
layer = read and _ui.attempt(layer_from_upload, target, read, authoritative=authoritative)
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
    "python -m reegeo data import forest_reserves jpsm_reserves.gpkg\n"
    "python -m reegeo data import water_catchments gazetted_catchments.zip\n"
    "python -m reegeo data list",
    language="sh",
)
if st.button(t("sources.reload", lang), key="reload_layers"):
    _ui.reload_layers()
    # Results must come from the layers the reports and banner now describe.
    _ui.attempt(ws.rescreen, _ui.server_layers())
    st.rerun()

st.dataframe([layer.describe() for layer in layers.values()], hide_index=True, width="stretch")
