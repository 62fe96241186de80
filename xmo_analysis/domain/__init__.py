"""The domain layer of xmo_analysis (see the package docstring)."""
