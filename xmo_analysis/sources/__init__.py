"""The sources layer of xmo_analysis (see the package docstring)."""
