"""``python -m xmo_analysis`` runs the ``xmo`` command line."""
from xmo_analysis.pipeline.cli import console

console()
