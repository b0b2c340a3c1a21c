"""Files in and out: detecting a format, reading sites and layers safely, writing results.

- :mod:`reegeo.io.archives`: zip archives opened with limits (no path escapes, no bombs).
- :mod:`reegeo.io.formats`: what a file is, and the readers for each format.
- :mod:`reegeo.io.sites`: :func:`~reegeo.io.sites.read_sites` and
  :func:`~reegeo.io.sites.read_layer`, the checked entry points (limits, CRS, geometry).
- :mod:`reegeo.io.exports`: results as CSV, GeoJSON and GeoPackage.
"""
