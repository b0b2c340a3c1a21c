"""Layers: the model, the bundled and installed data, and where each layer is complete.

- :mod:`reegeo.layers.model`: :class:`~reegeo.layers.model.Layer`, the manifest, loading.
- :mod:`reegeo.layers.coverage`: the states where a layer is complete.
- :mod:`reegeo.layers.store`: layers installed state by state in the user data folder.
- :mod:`reegeo.layers.osm` and :mod:`reegeo.layers.wdpa`: real data from OpenStreetMap and WDPA.
"""
