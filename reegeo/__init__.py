"""reegeo: screen candidate rare-earth refinery sites in Malaysia.

The library behind the dashboard, the reports and the CLI; it never imports
streamlit.
"""

__version__ = "0.1.0"
