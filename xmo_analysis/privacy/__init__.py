"""Privacy: redaction of free text at load time and minimum group sizes for every breakdown.

Redaction lives in :mod:`~xmo_analysis.privacy.redaction` (rules, name lexicons, evaluation); the
one suppression boundary in :mod:`~xmo_analysis.privacy.suppression`. Both are re-exported here
as the public entry points.
"""
from __future__ import annotations

from xmo_analysis.privacy.redaction import find_pii, redact, redact_series
from xmo_analysis.privacy.suppression import differencing_hidden, hidden_groups, suppress_rows

__all__ = ["find_pii", "redact", "redact_series", "hidden_groups", "suppress_rows", "differencing_hidden"]
