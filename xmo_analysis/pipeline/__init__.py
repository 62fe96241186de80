"""The pipeline layer of xmo_analysis (see the package docstring)."""
