"""Map: every layer, toggleable, with a legend; screened sites coloured by verdict."""

import streamlit as st

from pages import _ui
from reegeo.i18n import t
from reegeo.mapping import build_map

_ui.ensure_shell()
lang = _ui.lang()
ws = _ui.workspace()

st.title(t("page.map", lang))
st.caption(t("map.caption", lang))
tiles = st.toggle(t("map.tiles", lang), value=False, key="map_tiles")

fmap = build_map(
    _ui.display_layers(lang),
    results=ws.results,
    rules=ws.rules,
    lang=lang,
    tiles="OpenStreetMap" if tiles else None,
    assets=_ui.map_assets(),
)
_ui.show_map(fmap, key="overview_map", height=680)

if ws.results is not None:
    st.caption(t("app.sites_loaded", lang, count=f"{len(ws.results):,}", source=_ui.literal(ws.source)))
    _ui.download_results(ws, key="map_download")
