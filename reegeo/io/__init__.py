"""Files in and out: detecting a format, reading sites and layers safely, writing results.

- :mod:`reegeo.io.archives`: zip archives opened with limits (no path escapes, no bombs).
- :mod:`reegeo.io.detect`: what a file is; :mod:`reegeo.io.formats`: the one table from
  format to reader (:mod:`reegeo.io.vector` for GDAL formats and archives,
  :mod:`reegeo.io.tables` for CSV and Excel).
- :mod:`reegeo.io.checks`: geometry repair and CRS rules every read passes.
- :mod:`reegeo.io.sites`: :func:`~reegeo.io.sites.read_sites` and
  :func:`~reegeo.io.sites.read_layer`, the checked entry points (limits, CRS, geometry).
- :mod:`reegeo.io.typed`: sites typed as text or clicked on the map.
- :mod:`reegeo.io.exports`: results as CSV, GeoJSON and GeoPackage (one table, :data:`~reegeo.io.exports.EXPORTS`).
"""
