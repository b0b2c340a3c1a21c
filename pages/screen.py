"""Screen sites: from an upload, map clicks, typed coordinates or the example sites; results, chart, evidence, downloads."""

from functools import partial

import folium
import pandas as pd
import streamlit as st

from pages import _ui
from reegeo.i18n import column_label, count_sites, t, verdict_label
from reegeo.io.sites import read_sites
from reegeo.io.typed import sites_from_clicks, sites_from_text
from reegeo.layers.coverage import unverified_site_count, unverified_table
from reegeo.layers.load import load_example_sites
from reegeo.messages import in_language
from reegeo.screening.evidence import explain_site, format_area, permitting_bodies, proximity
from reegeo.screening.summary import count_by_state, verdict_counts
from reegeo.style import VERDICT_COLOURS
from reegeo.vocab import VERDICTS
from reegeo.web.features import focus_evidence
from reegeo.web.map import SiteOverlay, base_map, site_overlay
from reegeo.web.tables import column_kinds, filter_results, results_table, verdict_chart

lang, ws, layers = _ui.page(__file__)

st.title(t("page.screen", lang))

sources = {"upload": "screen.upload", "draw": "screen.draw", "type": "screen.type", "examples": "screen.examples"}
source = st.segmented_control(
    t("screen.source", lang), options=list(sources), format_func=lambda s: t(sources[s], lang), default="upload", key="screen_source"
) or "upload"

if source == "upload":
    upload = st.file_uploader(t("screen.upload", lang), help=t("screen.upload_help", lang), key="sites_upload")
    if upload is not None:
        # Columns chosen in the pickers below (keyed by the file, so a new file starts on automatic).
        picked = {name: st.session_state.get(f"pick_{name}_{upload.file_id}") or None for name in ("id", "x", "y")}
        reader = partial(read_sites, x_column=picked["x"], y_column=picked["y"])
        context = "|".join(f"{k}={v}" for k, v in picked.items())
        read = _ui.read_upload_once(upload, reader, key="sites", context=context)
        if read is not None:
            bar, progress = _ui.progress_bar()
            _ui.attempt(
                ws.screen_upload, read, layers, raw=upload.getvalue(), progress=progress,
                layer=st.session_state.get("sites_layer"), x_column=picked["x"], y_column=picked["y"], id_column=picked["id"],
            )
            bar.empty()
        columns, tabular = _ui.upload_columns(upload, key="sites")
        if columns:
            with st.expander(t("screen.columns", lang), expanded=ws.results is None or any(picked.values())):
                st.caption(t("screen.columns_help", lang))
                pickers = [("id", "screen.column_id")] + ([("x", "screen.column_x"), ("y", "screen.column_y")] if tabular else [])
                for column, (name, label) in zip(st.columns(3), pickers):
                    options = ["", *columns]
                    column.selectbox(
                        t(label, lang), options, format_func=lambda c: c or t("screen.column_auto", lang), key=f"pick_{name}_{upload.file_id}",
                    )

elif source == "draw":
    st.caption(t("screen.draw_help", lang))
    clicks = st.session_state.setdefault("draw_clicks", [])
    left, middle, right = st.columns([1, 2, 1])
    shape = left.radio(
        t("screen.draw_mode", lang), ["point", "polygon"], format_func=lambda s: t(f"screen.{s}", lang), horizontal=True, key="draw_shape"
    )
    name = middle.text_input(t("screen.draw_name", lang), value="drawn site", key="draw_name")
    if right.button(t("screen.clear", lang), key="draw_clear"):
        clicks.clear()
    drawn = folium.FeatureGroup(name="clicks", control=False)
    for lat, lon in clicks:
        folium.CircleMarker([lat, lon], radius=5, color="#000", fill=True, fill_color="#ffd400", fill_opacity=1).add_to(drawn)
    if shape == "polygon" and len(clicks) >= 2:
        folium.PolyLine(clicks + clicks[:1], color="#000", weight=2, dash_array="4 3").add_to(drawn)
    # A click on the sea is the map's click; a click on land lands on a state (or a reserve) first: take both.
    state = _ui.show_cached_map(
        _ui.map_content("draw", lang, _ui.layers_token()),
        lambda: base_map(_ui.display_layers(lang), lang=lang, assets=_ui.map_assets(), drawing=True, deferred_control=True),
        key="draw_map",
        height=560,
        overlay=lambda: SiteOverlay(groups=[drawn]),
        overlay_content=repr((shape, clicks)),
        returned_objects=["last_clicked", "last_object_clicked"],
    )
    seen = st.session_state.setdefault("draw_seen", {})
    new = None
    for kind in ("last_clicked", "last_object_clicked"):
        value = state.get(kind)
        point = (value["lat"], value["lng"]) if value else None
        if point is not None and point != seen.get(kind):
            seen[kind] = point
            new = point
    if new is not None and (not clicks or clicks[-1] != new):
        clicks.append(new)
        st.rerun()
    st.caption(t("screen.clicks", lang, count=len(clicks)))
    if st.button(t("screen.run", lang), key="draw_run", type="primary"):
        sites = _ui.attempt(sites_from_clicks, clicks, shape=shape, name=name)
        if sites is not None:
            _ui.attempt(ws.screen, sites, layers, source=t("screen.draw", lang))

elif source == "type":
    text = st.text_area(t("screen.coordinates", lang), value="5.65, 100.49, Gurun\n4.10, 103.30, Bukit Ketam", key="typed_sites")
    if st.button(t("screen.run", lang), key="typed_run", type="primary"):
        read = _ui.attempt(sites_from_text, text)
        if read is not None:
            _ui.attempt(ws.screen_upload, read, layers)

else:
    st.caption(t("screen.examples_help", lang))
    if st.button(t("screen.run_examples", lang), key="examples_run", type="primary"):
        sites = _ui.attempt(load_example_sites)
        if sites is not None:
            _ui.attempt(ws.screen, sites, layers, source=t("screen.examples", lang))



def show_results(results) -> None:
    """The results: counts, what the data could not clear, the table, chart, downloads and one site's evidence."""

    st.divider()
    st.header(t("screen.results", lang))
    st.caption(t("app.sites_loaded", lang, count=count_sites(len(results), lang), source=_ui.literal(ws.source)))
    for note in ws.notes:
        st.caption(_ui.literal(in_language(note, lang)))

    for column, (verdict, count) in zip(st.columns(len(VERDICTS)), verdict_counts(results).items()):
        column.metric(verdict_label(verdict, lang), f"{count:,}")

    unverified = unverified_table(results, lang)
    if len(unverified):
        with st.container(border=True):
            st.markdown(f"**{t('coverage.unverified_title', lang)}**")
            st.caption(t("coverage.unverified_intro", lang, count=f"{unverified_site_count(results):,}", total=count_sites(len(results), lang)))
            # A static table, so "what to load" wraps and reads in full.
            st.table(unverified.set_index(unverified.columns[0]))

    left, right = st.columns(2)
    verdicts = left.multiselect(
        t("screen.filter_verdict", lang), list(VERDICTS), format_func=lambda v: verdict_label(v, lang), placeholder=t("widget.choose", lang), key="filter_verdict"
    )
    states = right.multiselect(
        t("screen.filter_state", lang), sorted(s for s in results["state"].dropna().unique() if s), placeholder=t("widget.choose", lang), key="filter_state"
    )
    shown = filter_results(results, verdicts=verdicts, states=states)
    st.caption(t("screen.shown", lang, shown=f"{len(shown):,}", total=count_sites(len(results), lang)))

    table = results_table(shown, rules=ws.rules, lang=lang)
    kinds = column_kinds(table)
    table.insert(1, "verdict_label", table["verdict"].map(lambda v: verdict_label(v, lang)))
    st.dataframe(
        table.drop(columns=["verdict"]),
        hide_index=True,
        width="stretch",
        column_config={
            **{c: st.column_config.TextColumn(column_label(c, lang), help=c) for c in table.columns},
            "site_id": st.column_config.TextColumn(column_label("site_id", lang), help="site_id", pinned=True),
            "verdict_label": st.column_config.TextColumn(column_label("verdict", lang), help="verdict"),
            **{c: st.column_config.NumberColumn(column_label(c, lang), help=c, format="%.1f" if kind == "percent" else "%.0f") for c, kind in kinds.items() if kind != "text"},
        },
        key="results_table",
    )

    st.subheader(t("screen.counts", lang))
    data, spec = verdict_chart(
        count_by_state(shown, outside_label=t("report.no_state", lang)),
        labels={v: verdict_label(v, lang) for v in VERDICTS}, colours=VERDICT_COLOURS,
        state_title=t("report.col.state", lang), sites_title=t("screen.chart_sites", lang), verdict_title=t("report.col.verdict", lang),
    )
    st.vega_lite_chart(data, spec, width="stretch")

    st.subheader(t("screen.downloads", lang))
    if len(shown) < len(results):
        st.caption(t("screen.downloads_all", lang, total=count_sites(len(results), lang), shown=f"{len(shown):,}"))
    _ui.download_results(ws, key="results_download")
    _ui.download_reports(ws, layers, key="report_download")

    st.divider()
    st.header(t("screen.evidence", lang))
    if shown.empty:
        return
    positions = list(range(len(shown)))
    position = st.selectbox(
        t("screen.pick_site", lang),
        positions,
        format_func=lambda i: f"{shown['site_id'].iloc[i]} — {verdict_label(shown['verdict'].iloc[i], lang)}",
        key=f"evidence_site_{ws.revision}",  # new results (ids from another column, say) start the picker afresh
    )
    row = shown.iloc[position]
    info, view = st.columns([3, 2])
    with info:
        st.subheader(_ui.literal(row["site_id"]))
        state_text = _ui.literal(row["state"] or "–")
        st.markdown(f"**{verdict_label(row['verdict'], lang)}** · {t('map.state', lang)}: {state_text}")
        if row.get("site_area_m2"):
            st.caption(format_area(float(row["site_area_m2"])))
        for finding in explain_site(row, ws.rules, layers=layers, lang=lang):
            with st.container(border=True):
                st.markdown(f"**{t('severity.' + finding.severity, lang).capitalize()}** · {_ui.literal(finding.label)}", help=finding.rule_id)
                st.markdown(_ui.literal(finding.message))
                if finding.measurement:
                    st.caption(f"{t('screen.measured', lang)}: {_ui.literal(finding.measurement)}")
                st.caption(f"{t('screen.legal_basis', lang)}: {_ui.literal(finding.legal_basis)}")
        bodies = permitting_bodies(str(row["state"] or ""), lang)
        if bodies:
            with st.expander(t("screen.permits", lang)):
                st.markdown("\n".join(f"- {_ui.literal(body)}" for body in bodies))
    with view:
        site = shown.iloc[[position]]
        drawn = _ui.kept("evidence", (ws.uid, ws.revision, lang, site.index[0]), lambda: focus_evidence(row, layers, ws.rules, lang=lang))
        _ui.show_cached_map(
            _ui.map_content("site map", lang, _ui.layers_token()),
            lambda: base_map(_ui.display_layers(lang), lang=lang, assets=_ui.map_assets(), site_map=True, deferred_control=True),
            key="evidence_map",
            height=460,
            overlay=lambda: site_overlay(site, rules=ws.rules, lang=lang, focus=row.geometry, evidence=drawn),
            overlay_content=_ui.map_content(ws.uid, ws.revision, lang, site.index[0]),
        )
        st.caption(_ui.literal(" · ".join(part for part in (drawn.label, drawn.ring_label) if part)))

    # What was checked at the site, layer by layer: a static table whose cells wrap, so every word shows.
    # st.table reads its cells as Markdown: every cell (feature names come from uploaded layers) is escaped.
    header, checked = proximity(row, ws.rules, layers, lang=lang)
    st.markdown(f"**{t('proximity.title', lang)}**")
    st.table(
        pd.DataFrame([[_ui.literal(cell) for cell in line] for line in checked], columns=[_ui.literal(name) for name in header]),
        hide_index=True,
        border="horizontal",
    )


if ws.results is None:
    st.info(t("screen.no_sites", lang))
else:
    show_results(ws.results)
