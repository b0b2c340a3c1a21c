"""Small hand-made layers and sites in a metric CRS, named for what they are.

Coordinates are metres in GDM2000 / Peninsula RSO (EPSG:3375) around a
origin near Kuala Lumpur, or GDM2000 / East Malaysia BRSO (EPSG:3376) near
Kota Kinabalu, so expected distances and areas can be written by hand.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, box

from reegeo.layers.coverage import Coverage
from reegeo.layers.load import layer_from_frame
from reegeo.screening.rules import default_rules

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
REFERENCE = SHARED_DATA / "reference"

PENINSULA = 3375
EAST = 3376


def _origin(lon: float, lat: float, epsg: int) -> tuple[float, float]:
    return Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)


# About 101.7 E, 3.5 N (Selangor / Pahang) and 116.1 E, 5.9 N (Sabah), snapped to whole km.
OX, OY = (round(v, -3) for v in _origin(101.7, 3.5, PENINSULA))
SX, SY = (round(v, -3) for v in _origin(116.3, 5.6, EAST))


def at(dx: float, dy: float) -> Point:
    """A point dx, dy metres from the Peninsular origin."""
    return Point(OX + dx, OY + dy)


def square(x0: float, y0: float, x1: float, y1: float):
    """A rectangle from (x0, y0) to (x1, y1), metres from the Peninsular origin."""
    return box(OX + x0, OY + y0, OX + x1, OY + y1)


def frame(rows: list[dict], epsg: int = PENINSULA) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=epsg)


@pytest.fixture
def reference_dir() -> Path:
    if not REFERENCE.is_dir():
        pytest.skip(f"../shared/data/reference is absent ({REFERENCE}): real-data tests need it")
    return REFERENCE


@pytest.fixture
def two_states_and_sabah_layer():
    """Alpha (west) and Beta (east) meet at x = 0; Sabah Test lies in East Malaysia."""
    peninsular = frame([
        {"name": "Alpha", "geometry": square(-50_000, -50_000, 0, 50_000)},
        {"name": "Beta", "geometry": square(0, -50_000, 50_000, 50_000)},
    ]).to_crs(4326)
    sabah = frame([{"name": "Sabah Test", "geometry": box(SX - 30_000, SY - 30_000, SX + 30_000, SY + 30_000)}], EAST).to_crs(4326)
    states = gpd.GeoDataFrame(
        [*peninsular.to_dict("records"), *sabah.to_dict("records")], geometry="geometry", crs=4326
    )
    return layer_from_frame("states", states, accuracy_m=0.0, title="test states")


COMPLETE = Coverage.complete("test layer, complete everywhere")


@pytest.fixture
def test_layers(two_states_and_sabah_layer):
    """Exact (accuracy 0) layers, complete in every state, except Fuzzy Reserve, whose outline is good to 1,000 m."""
    reserves = frame([
        {"name": "North Reserve", "accuracy_m": 0.0, "geometry": square(-20_000, 10_000, -10_000, 20_000)},
        {"name": "East Reserve", "accuracy_m": 0.0, "geometry": square(-10_000, 10_000, 0, 20_000)},
        {"name": "Fuzzy Reserve", "accuracy_m": 1_000.0, "geometry": square(20_000, -20_000, 30_000, -10_000)},
    ])
    sabah_reserve = frame([{"name": "Crocker Test", "accuracy_m": 0.0, "geometry": box(SX, SY, SX + 5_000, SY + 5_000)}], EAST)
    reserves = gpd.GeoDataFrame(
        [*reserves.to_crs(4326).to_dict("records"), *sabah_reserve.to_crs(4326).to_dict("records")], geometry="geometry", crs=4326
    )
    catchments = frame([{"name": "Test Catchment", "geometry": square(-40_000, -40_000, -30_000, -30_000)}])
    deposits = frame([{"name": "Clay Prospect", "geometry": at(5_000, 5_000)}])
    lynas = frame([{"name": "Test Plant", "geometry": square(40_000, 40_000, 41_000, 41_000)}])
    parks = frame([
        {"name": "Test National Park", "category": "national_park", "geometry": square(42_000, -48_000, 48_000, -42_000)},
        {"name": "Test State Park", "category": "state_park", "geometry": square(-48_000, 42_000, -42_000, 48_000)},
    ])
    return {
        "states": two_states_and_sabah_layer,
        "forest_reserves": layer_from_frame("forest_reserves", reserves, coverage=COMPLETE),
        "water_catchments": layer_from_frame("water_catchments", catchments, coverage=COMPLETE),
        "deposits": layer_from_frame("deposits", deposits, coverage=COMPLETE),
        "lynas": layer_from_frame("lynas", lynas, coverage=COMPLETE),
        "protected_areas": layer_from_frame("protected_areas", parks, coverage=COMPLETE),
    }


@pytest.fixture
def rules():
    return default_rules()
