"""The core layer of xmo_analysis (see the package docstring)."""
