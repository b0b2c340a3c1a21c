"""Data sources: provenance, licence, date, accuracy and feature count of every layer; how to load authoritative ones."""

import streamlit as st

from pages import _ui
from reegeo.evidence import format_distance
from reegeo.i18n import t
from reegeo.layers import CONSTRAINT_LAYERS, layer_from_frame
from reegeo.uploads import list_layers, read_layer

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
    title = (layer.title_ms if lang == "ms" and layer.title_ms else layer.title) or name
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
authoritative = flag_col.checkbox(t("sources.is_authoritative", lang), value=True, key="layer_authoritative")
upload = st.file_uploader(t("screen.upload", lang), help=t("screen.upload_help", lang), key="layer_upload")
if upload is not None:
    data = upload.getvalue()
    choices = _ui.attempt(list_layers, data, filename=upload.name) or []
    inner = st.selectbox(t("screen.choose_layer", lang), choices, key="layer_inner") if len(choices) > 1 else None
    if ws.first_time(f"layer:{upload.file_id}:{inner}:{target}:{authoritative}"):
        read = _ui.attempt(read_layer, data, filename=upload.name, layer=inner)
        layer = read and _ui.attempt(
            layer_from_frame,
            target,
            read.frame,
            title=f"{target} ({upload.name})",
            source=f"uploaded file {upload.name} (sha256 {read.sha256[:12]}…)",
            licence="as supplied by the user",
            authoritative=authoritative,
            origin="file",
            sha256=read.sha256,
            notes="; ".join(read.notes),
        )
        if layer is not None:
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
    st.rerun()

st.dataframe([layer.describe() for layer in layers.values()], hide_index=True, width="stretch")
