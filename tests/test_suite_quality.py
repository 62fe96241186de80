"""The suite itself: every test asserts something that can fail.

A test function must contain an ``assert``, a ``pytest.raises``/``pytest.warns`` block, a
``pandas.testing``/``numpy.testing`` ``assert_*`` call, or call
a helper of its module that does; an ``assert`` of a constant, of a formatted string or of a
hash digest (always truthy) is flagged.
"""
from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def _asserts(fn: ast.AST, helpers: dict[str, ast.AST], seen=frozenset()) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute) and (f.attr in ("raises", "warns", "fail", "skip", "xfail")
                                                 or f.attr.startswith("assert_")):  # pandas/numpy testing
                return True
            name = f.id if isinstance(f, ast.Name) else None
            if name in helpers and name not in seen and _asserts(helpers[name], helpers, seen | {name}):
                return True
    return False


def _vacuous(node: ast.Assert) -> bool:
    t = node.test
    if isinstance(t, (ast.Constant, ast.JoinedStr)):
        return True
    return isinstance(t, ast.Call) and isinstance(t.func, ast.Attribute) and t.func.attr in ("hexdigest", "digest")


def test_every_test_asserts_something_that_can_fail():
    weak, vacuous, count = [], [], 0
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        helpers = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and not n.name.startswith("test_")}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                count += 1
                if not _asserts(node, helpers):
                    weak.append(f"{path.name}::{node.name}")
            if isinstance(node, ast.Assert) and _vacuous(node):
                vacuous.append(f"{path.name}:{node.lineno}")
    assert count > 100
    assert not weak, f"tests without an assertion: {weak}"
    assert not vacuous, f"assertions that cannot fail: {vacuous}"
