"""Data sources: provenance, licence, date, accuracy and feature count of every layer; how to load authoritative ones."""

import streamlit as st

from pages import _ui
from reegeo.evidence import format_distance
from reegeo.i18n import t

lang = _ui.lang()
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
        count.metric("features", f"{layer.feature_count:,}")
        accuracy.metric(t("map.accuracy", lang), f"± {format_distance(layer.accuracy_m)}")
        st.markdown(
            f"**{t('map.source', lang)}:** {_ui.literal(layer.source)}  \n"
            f"**Licence:** {_ui.literal(layer.licence)} · **Date:** {_ui.literal(layer.date)}"
        )
        if layer.notes:
            st.caption(_ui.literal(layer.notes))

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
