"""Map: every layer, toggleable, with a legend; screened sites coloured by verdict."""

import streamlit as st

from pages import _ui
from reegeo.i18n import count_sites, t, verdict_label
from reegeo.layers.coverage import prohibiting_layers
from reegeo.vocab import VERDICTS
from reegeo.web import features
from reegeo.web.map import base_map, site_overlay

lang, ws, _ = _ui.page(__file__)

st.title(t("page.map", lang))
with st.expander(t("about.title", lang), expanded=ws.results is None):
    st.markdown(t("about.body", lang))
st.caption(t("map.caption", lang))
tiles = st.toggle(t("map.tiles", lang), value=False, key="map_tiles")
show_surface = st.toggle(t("map.surface_toggle", lang), value=False, key="map_surface")
show_incomplete = st.toggle(t("map.incomplete_toggle", lang), value=True, key="map_incomplete")
surface, totals, cell_label = None, None, ""
if show_surface:
    cell_km = st.select_slider(t("map.surface_cell", lang), options=[20, 10, 5, 2], value=10, format_func=lambda km: f"{km} km", key="map_surface_km")
    cell_label = f"{cell_km} km"
    with st.spinner(t("map.surface_spinner", lang)):
        surface, totals = _ui.attempt(_ui.eligibility_surface, cell_km * 1000.0) or (None, None)

incomplete = _ui.incomplete_overlay(lang) if show_incomplete else None
with_sites = ws.results is not None and len(ws.results) > 0
# The rules shape this map only through the surface and which layers prohibit (the incomplete overlay).
content = _ui.map_content(
    "overview", lang, _ui.layers_token(), tiles, show_incomplete, with_sites,
    (cell_label, tuple(ws.rules)) if surface is not None else None, tuple(prohibiting_layers(ws.rules)) if show_incomplete else None,
)
_ui.show_cached_map(
    content,
    lambda: base_map(
        _ui.display_layers(lang),
        lang=lang,
        tiles="OpenStreetMap" if tiles else None,
        assets=_ui.map_assets(),
        surface=surface,
        surface_label=t("map.surface_label", lang, cell=cell_label),
        incomplete=incomplete,
        with_sites=with_sites,
        deferred_control=True,
    ),
    key="overview_map",
    height=680,
    # The session's sites go on top of the shared map.
    overlay=lambda: site_overlay(ws.results, rules=ws.rules, lang=lang),
    overlay_content=_ui.map_content(ws.uid, ws.revision, lang) if ws.results is not None else "",
)

if ws.results is not None and len(ws.results) > features.MAP_MAX_SITES:
    st.caption(t("map.sites_capped", lang, shown=f"{features.MAP_MAX_SITES:,}", total=count_sites(len(ws.results), lang)))

if totals is not None:
    st.caption(t("map.surface_caption", lang, cell=cell_label))
    labels = {
        "state": t("report.col.state", lang),
        **{f"{v}_km2": f"{verdict_label(v, lang)} (km²)" for v in VERDICTS},
        "total_km2": f"{t('report.col.total', lang)} (km²)",
        "eligible_pct": f"{verdict_label('eligible', lang)} (%)",
        "review_data_km2": t("surface.col.review_data", lang),
        "review_rules_km2": t("surface.col.review_rules", lang),
    }
    st.dataframe(totals.rename(columns=labels), hide_index=True, width="stretch")

if ws.results is not None:
    st.caption(t("app.sites_loaded", lang, count=count_sites(len(ws.results), lang), source=_ui.literal(ws.source)))
    _ui.download_results(ws, key="map_download")
