"""reegeo dashboard: ``streamlit run app.py``.

Sets the page, the shared sidebar (language, approximate-layer banner, what
has been screened, the project file) and the navigation over the pages in
``pages/``. After the page has run, the sidebar's counts are filled in (so they
show what the page just did) and the workspace is kept on the server for a
reload. This is the app's one error boundary: a
:class:`~reegeo.errors.ReegeoError` is shown with ``st.error``; anything else is
a bug and surfaces.
"""

import streamlit as st

from pages import _ui
from reegeo.errors import ReegeoError
from reegeo.i18n import LANGUAGES, count_sites, t, verdict_label
from reegeo.screening.summary import verdict_counts

st.set_page_config(page_title="reegeo", layout="wide")

_ui.workspace()  # first, so a reload restores the saved workspace and its language
st.session_state.setdefault("lang", "en")
with st.sidebar:
    st.selectbox(
        t("app.language", _ui.lang()),
        options=list(LANGUAGES),
        index=list(LANGUAGES).index(_ui.lang()),
        format_func=LANGUAGES.get,
        key="lang_choice",
        on_change=_ui.remember_language,
    )
lang = _ui.lang()
_ui.translate_uploader_texts()

page = st.navigation(
    [
        st.Page("pages/map.py", title=t("page.map", lang), url_path="map", default=True),
        st.Page("pages/screen.py", title=t("page.screen", lang), url_path="screen"),
        st.Page("pages/rules.py", title=t("page.rules", lang), url_path="rules"),
        st.Page("pages/sources.py", title=t("page.sources", lang), url_path="sources"),
    ]
)
wanted = st.session_state.pop("wanted_page", None)
if wanted:  # a bookmark to a page, opened before the navigation was set up (see _ui.ensure_shell)
    st.switch_page(wanted, query_params=st.query_params.to_dict())

try:
    with st.sidebar:
        approximate = _ui.approximate_layers()
        if approximate:
            st.warning(t("approximate.banner", lang, layers=", ".join(approximate)))
        incomplete = _ui.incomplete_layers()
        if incomplete:
            st.info(t("coverage.sidebar", lang, layers=", ".join(incomplete)))
        counts_slot = st.container()
    page.run()
    # After the page: the counts and the project reflect what it just did (a new upload, a rule change).
    ws = _ui.workspace()
    with counts_slot:
        if ws.results is not None:
            st.caption(t("app.sites_loaded", lang, count=count_sites(len(ws.results), lang), source=_ui.literal(ws.source)))
            counts = verdict_counts(ws.results)
            st.markdown("  \n".join(f"**{verdict_label(v, lang)}**: {n:,}" for v, n in counts.items()))
    _ui.save_session()
    with counts_slot:
        _ui.project_save_button()
except ReegeoError as exc:
    _ui.show_error(exc)
