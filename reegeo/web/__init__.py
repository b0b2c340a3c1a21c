"""What the Streamlit app uses from the library, with no Streamlit in it.

- :mod:`reegeo.web.map`: the interactive Leaflet map (folium), popups and legend.
- :mod:`reegeo.web.assets`: the local Leaflet files the map loads (no CDN).
- :mod:`reegeo.web.features` and :mod:`reegeo.web.popups`: the GeoJSON the browser gets, and its escaped text.
- :mod:`reegeo.web.workspace`: a planner's session: sites, rules, layers and results.
- :mod:`reegeo.web.tables`: results shaped for the app's tables and chart.
"""
