"""Rules: legal basis of each rule; buffers and severities editable; rules.toml out and in."""

import streamlit as st

from pages import _ui
from reegeo.i18n import count_sites, t
from reegeo.screening.evidence import rule_test
from reegeo.screening.rules import (
    default_rules,
    dump_rules,
    parse_rules_bytes,
    update_rule,
)
from reegeo.vocab import SEVERITIES

lang, ws, layers = _ui.page(__file__)

WIDGET_PREFIXES = ("sev_", "dist_")
_LABELS = {rule.id: rule.label(lang) for rule in ws.rules}


def _label(rule_id: str) -> str:
    return t("report.all_rules", lang) if rule_id == "*" else _LABELS.get(rule_id, rule_id)


def forget_rule_widgets() -> None:
    """Drop the edit widgets' state so they show the rules now in force."""
    for key in [k for k in st.session_state if str(k).startswith(WIDGET_PREFIXES)]:
        del st.session_state[key]


st.title(t("page.rules", lang))
if "rules_effect" in st.session_state:  # what the last change did, said once after the page is redrawn
    key, values = st.session_state.pop("rules_effect")
    st.toast(t(key, lang, **values))
st.caption(t("rules.intro", lang))
with st.container(border=True):
    st.markdown(f"**{t('rules.note_title', lang)}**")
    who, why = st.columns([1, 3])
    author = who.text_input(t("rules.note_author", lang), max_chars=120, key="rule_note_author")
    reason = why.text_input(t("rules.note_reason", lang), max_chars=2000, key="rule_note_reason", placeholder=t("rules.note_placeholder", lang))

edited = ws.rules
for rule in ws.rules:
    with st.container(border=True):
        text, severity_col, distance_col = st.columns([5, 2, 2])
        text.markdown(f"**{_ui.literal(rule.label(lang))}** · {_ui.literal(rule_test(rule, lang))}", help=f"{rule.id} ({rule.layer or '-'}, {rule.relation})")
        text.markdown(_ui.literal(rule.message(lang)))
        text.caption(f"{t('screen.legal_basis', lang)}: {_ui.literal(rule.basis(lang))}")
        severity = severity_col.selectbox(
            t("rules.severity", lang),
            SEVERITIES,
            index=SEVERITIES.index(rule.severity),
            format_func=lambda s: t(f"severity.{s}", lang).capitalize(),
            key=f"sev_{rule.id}",
        )
        distance = None
        if rule.relation == "within_distance":
            distance = distance_col.number_input(
                t("rules.distance", lang), min_value=0.0, max_value=200_000.0, value=float(rule.distance_m or 0.0), step=100.0, format="%.0f", key=f"dist_{rule.id}"
            )
        if severity != rule.severity or (distance is not None and distance != rule.distance_m):
            edited = _ui.attempt(update_rule, edited, rule.id, severity=severity, distance_m=distance) or edited

if edited != ws.rules:
    bar, progress = _ui.progress_bar()
    changed = _ui.attempt(ws.change_rules, edited, layers, progress=progress, author=author, reason=reason)
    bar.empty()
    if changed is not None:
        if ws.results is not None:
            key = "rules.changes_findings" if changed.findings else "rules.changes"
            st.session_state["rules_effect"] = (key, {"count": changed.verdicts, "findings": changed.findings})
        st.rerun()  # the rules above were drawn before the change: draw them as they are now

if ws.rules != default_rules():
    st.info(t("rules.edited", lang))
if ws.rule_changes:
    with st.expander(t("report.rule_changes", lang) + f" ({len(ws.rule_changes)})"):
        st.dataframe(
            [{t("report.col.rule", lang): _label(c.rule_id), t("report.col.change", lang): c.change, t("report.col.author", lang): c.author,
              t("report.col.reason", lang): c.reason, t("report.col.time", lang): c.time} for c in reversed(ws.rule_changes)],
            hide_index=True, width="stretch", key="rule_changes_table",
        )
if ws.results is not None:
    st.caption(t("app.sites_loaded", lang, count=count_sites(len(ws.results), lang), source=_ui.literal(ws.source)))

left, middle, right = st.columns(3)
left.download_button(
    t("rules.download", lang), dump_rules(ws.rules), file_name="rules.toml", mime="application/toml", key="rules_download"
)
if middle.button(t("rules.reset", lang), key="rules_reset"):
    _ui.attempt(ws.change_rules, default_rules(), layers, author=author, reason=reason, change=t("rules.change_reset", "en"))
    forget_rule_widgets()
    st.rerun()
upload = right.file_uploader(t("rules.upload", lang), type=["toml"], key="rules_upload")
if upload is not None and _ui.first_time(f"rules:{upload.file_id}"):
    raw = upload.getvalue()
    rules = _ui.attempt(parse_rules_bytes, raw, source=upload.name)
    change = t("rules.change_file", "en", file=upload.name)
    if rules is not None and _ui.attempt(ws.change_rules, rules, layers, raw=raw, author=author, reason=reason, change=change) is not None:
        forget_rule_widgets()
        st.rerun()
