"""Interface texts in English (``en``) and Bahasa Malaysia (``ms``).

One table of message ids to texts; :func:`t` looks one up. Rule messages live
with the rules (``message_en`` / ``message_ms``), not here.
"""

from __future__ import annotations

from typing import Mapping

__all__ = ["LANGUAGES", "TEXTS", "t", "verdict_label", "check_language"]

LANGUAGES = {"en": "English", "ms": "Bahasa Malaysia"}

TEXTS: dict[str, Mapping[str, str]] = {
    "verdict.prohibited": {"en": "Prohibited", "ms": "Dilarang"},
    "verdict.review": {"en": "Needs review", "ms": "Perlu semakan"},
    "verdict.eligible": {"en": "Eligible", "ms": "Layak"},
    "severity.prohibited": {"en": "prohibited", "ms": "dilarang"},
    "severity.review": {"en": "review", "ms": "semakan"},
    "severity.advisory": {"en": "advisory", "ms": "nasihat"},
    "flag.outside_malaysia": {
        "en": "The site lies outside Malaysia's states (or in the sea): check the coordinates and their order (latitude, longitude).",
        "ms": "Tapak terletak di luar negeri-negeri Malaysia (atau di laut): semak koordinat dan susunannya (latitud, longitud).",
    },
    "flag.outside_malaysia.basis": {
        "en": "Screening covers Malaysian jurisdiction only",
        "ms": "Saringan meliputi bidang kuasa Malaysia sahaja",
    },
    "flag.uncertain": {
        "en": "The site is outside {layer}, but within the layer's stated accuracy ({accuracy}) of {feature}: the approximate boundary could put it inside. Check the authoritative boundary.",
        "ms": "Tapak berada di luar {layer}, tetapi dalam julat ketepatan lapisan ({accuracy}) dari {feature}: sempadan anggaran mungkin meletakkannya di dalam. Semak sempadan yang sah.",
    },
    "flag.uncertain.basis": {
        "en": "Boundary uncertainty of the layer (accuracy in the layer manifest); underlying rule: {rule}",
        "ms": "Ketidakpastian sempadan lapisan (ketepatan dalam manifes lapisan); peraturan asal: {rule}",
    },
    "flag.spans_states": {
        "en": "The site spans several states ({states}): land, planning and water permits are needed from each state.",
        "ms": "Tapak merentasi beberapa negeri ({states}): permit tanah, perancangan dan air diperlukan daripada setiap negeri.",
    },
    "flag.spans_states.basis": {
        "en": "National Land Code 1965 and Town and Country Planning Act 1976: land and planning are state matters",
        "ms": "Kanun Tanah Negara 1965 dan Akta Perancangan Bandar dan Desa 1976: tanah dan perancangan adalah perkara negeri",
    },
    "measure.inside": {"en": "touches or lies inside {feature}", "ms": "bersentuhan atau di dalam {feature}"},
    "measure.distance": {"en": "{distance} from {feature}", "ms": "{distance} dari {feature}"},
    "measure.overlap": {"en": "{area} ({pct} of the site) inside {layer}", "ms": "{area} ({pct} daripada tapak) di dalam {layer}"},
    "measure.always": {"en": "applies to every site", "ms": "terpakai kepada setiap tapak"},
    "layer.forest_reserves": {"en": "forest reserves", "ms": "hutan simpan"},
    "layer.water_catchments": {"en": "water catchments", "ms": "kawasan tadahan air"},
    "layer.deposits": {"en": "rare-earth deposits", "ms": "deposit nadir bumi"},
    "layer.lynas": {"en": "Lynas plant and residue facilities", "ms": "loji Lynas dan kemudahan sisa"},
    "layer.states": {"en": "states", "ms": "negeri"},
    "layer.ports": {"en": "ports", "ms": "pelabuhan"},
    "approximate.banner": {
        "en": "Approximate layers in use: {layers}. Their outlines are estimates, not gazetted boundaries; verdicts near them must be checked against authoritative maps.",
        "ms": "Lapisan anggaran digunakan: {layers}. Garis sempadannya ialah anggaran, bukan sempadan yang diwartakan; keputusan berhampirannya mesti disemak dengan peta yang sah.",
    },
}


def check_language(lang: str) -> str:
    """Return ``lang`` when supported, else raise ``ValueError`` naming the choices."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not supported: use one of {', '.join(LANGUAGES)}")
    return lang


def t(key: str, lang: str = "en", **values: object) -> str:
    """The text for ``key`` in ``lang`` (English when a translation is missing), formatted with ``values``."""
    entry = TEXTS[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text


def verdict_label(verdict: str, lang: str = "en") -> str:
    """``prohibited``/``review``/``eligible`` in words."""
    return t(f"verdict.{verdict}", lang)
