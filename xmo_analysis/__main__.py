"""``python -m xmo_analysis`` runs the ``xmo`` command line."""
from .cli import app

app(prog_name="xmo")
