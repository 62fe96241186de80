"""xmo-analysis: reproducible analysis for an Experience Management Office (XMO).

The package holds every computation; the mission notebooks under ``notebooks/`` only call it.
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("xmo-analysis")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
