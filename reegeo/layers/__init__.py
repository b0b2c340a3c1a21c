"""Layers: the model, the bundled and installed data, and where each layer is complete.

- :mod:`reegeo.layers.model`: :class:`~reegeo.layers.model.Layer` and its parts.
- :mod:`reegeo.layers.manifest`: the manifest schema (bundled and installed).
- :mod:`reegeo.layers.load`: loading bundled, installed and one-run layers.
- :mod:`reegeo.layers.coverage`: the states where a layer is complete.
- :mod:`reegeo.layers.store`: importing and resetting layers state by state;
  :mod:`reegeo.layers.assemble` builds a layer from its parts,
  :mod:`reegeo.layers.folder` keeps the user data folder consistent.
- :mod:`reegeo.layers.osm` and :mod:`reegeo.layers.wdpa`: real data from OpenStreetMap and WDPA.
"""
