"""reegeo dashboard (Streamlit entry point)."""

import streamlit as st

from reegeo.layers import load_layers

st.set_page_config(page_title="reegeo", layout="wide")
st.title("reegeo: rare-earth refinery site screening for Malaysia")
layers = load_layers()
st.dataframe([layer.describe() for layer in layers.values()])
