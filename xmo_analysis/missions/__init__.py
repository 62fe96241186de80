"""The mission modules: one per mission notebook, each owning its report sections.

``measures`` (mission 1), ``findings`` (mission 2) and ``manage`` (mission 3) never import each
other; what they share lives in ``common`` and in the domain modules below them. Which notebooks
a cycle runs, and their titles, is params' mission registry (``missions:`` in ``xmo.yaml``).
"""
