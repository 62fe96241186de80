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


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _literal(it: ast.AST) -> bool:
    """A collection written out in the test (never empty by construction), or range(<positive>)."""
    if isinstance(it, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
        return len(getattr(it, "elts", getattr(it, "keys", []))) > 0
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id in ("range", "enumerate", "zip", "sorted"):
        return bool(it.args) and all(_literal(a) or isinstance(a, ast.Constant) and a.value for a in it.args)
    return False


def _unguarded(fn: ast.FunctionDef, module_names: set[str]) -> list[int]:
    """Lines of loops (and ``all(...)`` assertions) over a collection that may be empty, with no
    other assertion of the test about that collection (its size, its content) or about a counter
    the loop advances. A loop whose body asserts nothing is not checked; nor a collection built
    from module constants (written in the test file itself)."""
    asserts = [n for n in ast.walk(fn) if isinstance(n, ast.Assert)]
    # names the test assigns a written-out collection to (expected = {...}) count as literals
    local = {t.id for n in ast.walk(fn) if isinstance(n, ast.Assign) and _literal(n.value)
             for t in n.targets if isinstance(t, ast.Name)}
    # names bound by a loop's target: a loop nested in it walks a part of a collection already guarded
    bound = {n.id for f in ast.walk(fn) if isinstance(f, (ast.For, ast.comprehension)) for n in ast.walk(f.target)
             if isinstance(n, ast.Name)}
    out = []
    candidates = []
    for node in ast.walk(fn):
        if isinstance(node, ast.For) and any(isinstance(n, ast.Assert) for b in node.body for n in ast.walk(b)):
            candidates.append((node, node.iter, [n for b in node.body for n in ast.walk(b)]))
        if isinstance(node, ast.Assert) and isinstance(node.test, ast.Call) and isinstance(node.test.func, ast.Name) \
                and node.test.func.id == "all" and node.test.args and isinstance(node.test.args[0], ast.GeneratorExp):
            for gen in node.test.args[0].generators:
                candidates.append((node, gen.iter, list(ast.walk(node))))
    # an all(...) over a collection that may be empty guards nothing itself
    unguarding = {id(node) for node, _, _ in candidates if isinstance(node, ast.Assert)}
    for node, it, inside in candidates:
        if _literal(it) or (isinstance(it, ast.Name) and it.id in local) or (
                isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and it.func.attr in ("items", "values", "keys")
                and isinstance(it.func.value, ast.Name) and it.func.value.id in local):
            continue
        names = _names(it) - {"sorted", "list", "zip", "enumerate", "range", "len", "set", "dict"}
        if names and names <= module_names:
            continue  # e.g. for name in FILES: a constant of the test module
        if names and names <= bound and isinstance(node, ast.For):
            continue  # for r in rows, inside for rows in ...: the outer loop's guard covers it
        inner = {id(n) for n in inside}
        counters = {t.target.id for t in inside if isinstance(t, ast.AugAssign) and isinstance(t.target, ast.Name)}
        counters |= {t.func.value.id for t in inside if isinstance(t, ast.Call) and isinstance(t.func, ast.Attribute)
                     and t.func.attr in ("append", "add", "update") and isinstance(t.func.value, ast.Name)}
        text = ast.unparse(it)
        guarded = False
        for a in asserts:
            if id(a) in inner or id(a) in unguarding:
                continue
            src = ast.unparse(a.test)
            if text in src or (names and (_names(a.test) & (names | counters))) or (_names(a.test) & counters):
                guarded = True
                break
        if not guarded:
            out.append(node.lineno)
    return out


def _parametrized(fn: ast.FunctionDef) -> set[str]:
    """The arguments a ``pytest.mark.parametrize`` decorator gives values written in the file."""
    out = set()
    for dec in fn.decorator_list:
        if isinstance(dec, ast.Call) and ast.unparse(dec.func).endswith("parametrize") and dec.args \
                and isinstance(dec.args[0], ast.Constant) and isinstance(dec.args[1] if len(dec.args) > 1 else None,
                                                                         (ast.List, ast.Tuple)):
            out |= {a.strip() for a in str(dec.args[0].value).split(",")}
    return out


def test_loops_that_assert_cannot_run_zero_times():
    """A loop (or ``all(...)``) over a collection that could be empty asserts nothing when it is
    empty: the test must also assert the collection's size or content, or a counter the loop
    advances (``checked += 1`` ... ``assert checked > 100``)."""
    found, loops = [], 0
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_names = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                loops += sum(isinstance(n, ast.For) for n in ast.walk(node))
                found += [f"{path.relative_to(TESTS)}:{line} ({node.name})"
                          for line in _unguarded(node, module_names | _parametrized(node))]
    assert loops > 50
    assert not found, "loops or all() over a collection that may be empty, with no assertion about it:\n" + "\n".join(found)


def test_the_loop_check_tells_a_bare_loop_from_a_guarded_one():
    code = '''
def test_bare(frame):
    for row in frame.rows():
        assert row > 0
    assert all(x > 0 for x in frame.values())

def test_guarded(frame):
    rows = frame.rows()
    assert len(rows) > 3
    for row in rows:
        assert row > 0
    checked = 0
    for x in frame.values():
        assert x > 0
        checked += 1
    assert checked == 10
    for y in [1, 2]:
        assert y
'''
    tree = ast.parse(code)
    bare, guarded = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert _unguarded(bare, set()) == [3, 5]
    assert _unguarded(guarded, set()) == []
