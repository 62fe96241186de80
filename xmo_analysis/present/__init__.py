"""The present layer of xmo_analysis (see the package docstring)."""
