"""The package's structure: layers enforced by import-linter, one home for names and rules.

- ``lint-imports`` checks the contracts in pyproject.toml (layers top to bottom, missions
  independent of each other, statistics never reading params).
- No string literal in the package (outside the demo generator) names the demo's segments,
  constructs or items: they come from params. Docstrings and comments may use them as examples.
- The suffix table that params use to check a source's options agrees with the readers.
"""
from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

PKG = REPO / "xmo_analysis"
# The demo's segment, construct and item names, and its outcome item as a column name.
DEMO_NAMES = ["department", "location", "channel", "journey_stage", "support", "digital", "selfservice",
              "communication", "sup_1", "dig_1", "ss_1", "com_1", "boot_time_s",
              "app_latency_ms", "XLA-SD", "XLA-DW", "XLA-EASE", "XLA-TRUST"]
# The demo generator writes the demo; drafts.py guesses contract columns from a file's headers;
# the redaction word lists hold ordinary words of five languages ("support", "channel") and cue
# phrases, not names of the demo. (resolution_hours is the tickets contract's derived column.)
ALLOWED = {"pipeline/demo.py", "sources/drafts.py", "privacy/redaction_lexicon.py", "privacy/redaction_names.py",
           "privacy/redaction_patterns.py"}
# A demo name that is also a word of the product's own vocabulary, allowed only in that word's home
# (none today: the channel groups' labels, e.g. "digital", come from params).
VOCABULARY: set[tuple[str, str]] = set()


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def test_layers_contract_holds():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is a test dependency (pyproject.toml [test])"
    proc = subprocess.run([exe, "--config", str(REPO / "pyproject.toml")], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "0 broken" in proc.stdout and "3 kept" in proc.stdout


def test_no_demo_name_in_package_literals():
    hits = []
    files = sorted(PKG.rglob("*.py"))
    assert len(files) > 40
    for f in files:
        rel = f.relative_to(PKG).as_posix()
        if rel in ALLOWED:
            continue
        tree = ast.parse(f.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                for name in DEMO_NAMES:
                    if (rel, name) in VOCABULARY:
                        continue
                    if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", node.value):
                        hits.append(f"{rel}:{node.lineno}: {name!r} in {node.value[:60]!r}")
    assert not hits, "\n".join(hits)


def test_notebooks_name_no_demo_segment_or_construct():
    nbs = sorted((REPO / "notebooks").glob("*.ipynb"))
    assert len(nbs) == 4
    for nb in nbs:
        text = nb.read_text(encoding="utf-8")
        for name in DEMO_NAMES:
            assert not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text), (nb.name, name)


def test_suffix_table_agrees_with_the_readers():
    from xmo_analysis.core.schema import SUFFIX_FORMATS
    from xmo_analysis.sources.readers import READERS
    registered = {s: name for name, cls in READERS.items() for s in getattr(cls, "suffixes", ())}
    assert registered and registered == SUFFIX_FORMATS


@pytest.mark.parametrize("module", ["stats", "privacy", "core", "missions"])
def test_tests_mirror_the_layout(module):
    # every layer with modules of its own has tests that import it
    sources = " ".join(p.read_text(encoding="utf-8") for p in (REPO / "tests").rglob("test_*.py"))
    assert f"xmo_analysis.{module}" in sources or f"from xmo_analysis import {module}" in sources
