"""Warm kernels: notebooks share a kernel's imports, never its variables; a failed kernel is replaced."""
from __future__ import annotations

import nbformat
import pytest

from xmo_analysis.core.exceptions import ExecutionError
from xmo_analysis.pipeline.kernels import KernelPool, warm_code
from xmo_analysis.pipeline.runner import LocalKernelManager, execute

from conftest import REPO


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 0", metadata={"tags": ["parameters"]}),
                                         *(nbformat.v4.new_code_cell(s) for s in sources)])
    nb.metadata["kernelspec"] = {"name": "xmo-analysis", "display_name": "Python (xmo-analysis)", "language": "python"}
    nbformat.write(nb, path)
    return path


def _outputs(path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return ["".join(o.get("text", "") for o in c.get("outputs", [])) for c in nb.cells if c.cell_type == "code"]


def test_warm_code_is_the_import_lines_of_the_setup_cells():
    code = warm_code(sorted((REPO / "notebooks").glob("*.ipynb")))
    lines = code.splitlines()
    assert len(lines) >= 4 and all(ln.startswith(("import ", "from ")) for ln in lines)
    assert len(set(lines)) == len(lines) and "open_cycle(" not in code


def test_one_kernel_many_notebooks_no_shared_variables(tmp_path):
    first = _notebook(tmp_path / "a.ipynb", "import os\nleak = os.getpid()\nprint(leak)")
    second = _notebook(tmp_path / "b.ipynb", "import os\nprint(os.getpid(), 'leak' in globals(), 'json' in dir())")
    boom = _notebook(tmp_path / "c.ipynb", "import os\nos._exit(1)")
    pool = KernelPool(1, "xmo-analysis", tmp_path, "import json", LocalKernelManager)
    try:
        with pool.kernel() as km:
            execute(first, tmp_path / "a.out.ipynb", {"x": 1}, tmp_path / "failed", label="a", km=km)
        with pool.kernel() as km:
            execute(second, tmp_path / "b.out.ipynb", {"x": 2}, tmp_path / "failed", label="b", km=km)
        pid = _outputs(tmp_path / "a.out.ipynb")[-1].split()[0]
        # the same process (the kernel was reused), without the first notebook's variables or the
        # warm-up's names (the namespace is reset before each notebook)
        assert _outputs(tmp_path / "b.out.ipynb")[-1].split() == [pid, "False", "False"]
        with pytest.raises(ExecutionError) as err:
            with pool.kernel() as km:
                execute(boom, tmp_path / "c.out.ipynb", {}, tmp_path / "failed", label="c", km=km)
        assert err.value.mission == "c" and err.value.ename == "DeadKernelError"
        with pool.kernel() as km:  # a fresh kernel took the dead one's place
            execute(second, tmp_path / "d.out.ipynb", {"x": 3}, tmp_path / "failed", label="d", km=km)
        assert _outputs(tmp_path / "d.out.ipynb")[-1].split()[0] != pid
    finally:
        pool.close()
    assert len(pool._all) >= 2  # the dead kernel and its replacement, both stopped now
    assert all(not km.has_kernel or not km.is_alive() for km in pool._all)


def test_kernels_started_for_a_run_see_its_snapshot(tmp_path):
    """The runner reserves the snapshot's path before the kernels start: each kernel reads
    XMO_SNAPSHOT from the environment it was started with."""
    from xmo_analysis.sources import snapshot
    probe = _notebook(tmp_path / "p.ipynb", "import os\nprint(os.environ.get('XMO_SNAPSHOT'))")
    with snapshot.reserved() as path:
        pool = KernelPool(1, "xmo-analysis", tmp_path, "", LocalKernelManager)
        try:
            with pool.kernel() as km:
                execute(probe, tmp_path / "p.out.ipynb", {}, tmp_path / "failed", label="p", km=km)
        finally:
            pool.close()
    assert _outputs(tmp_path / "p.out.ipynb")[-1].strip() == str(path)


def test_a_notebooks_memory_goes_back_before_the_next(tmp_path):
    """A notebook that held ~400 MB of text (pandas' Arrow strings, whose pool keeps freed pages)
    leaves the kernel close to where it started: the reset hands the pages back to the OS, else
    the next notebook's peak would sit on this one's."""
    rss = "import os, psutil\nprint(psutil.Process().memory_info().rss, os.getpid())"
    probe = _notebook(tmp_path / "a.ipynb", rss)
    heavy = _notebook(tmp_path / "b.ipynb", "import pandas as pd\n"
                      "s = pd.Series([f'comment number {i:>40}' for i in range(6_000_000)], dtype='str')\n"
                      "t = s + ' and more'\n" + rss)
    pool = KernelPool(1, "xmo-analysis", tmp_path, "import pandas", LocalKernelManager)
    seen = []
    try:
        for k, nb in enumerate((probe, heavy, probe)):
            with pool.kernel() as km:
                execute(nb, tmp_path / f"{k}.out.ipynb", {}, tmp_path / "failed", label=nb.stem, km=km)
            seen.append([int(v) for v in _outputs(tmp_path / f"{k}.out.ipynb")[-1].split()])
    finally:
        pool.close()
    assert len({pid for _, pid in seen}) == 1  # one kernel ran the three notebooks
    start, held, after = (r for r, _ in seen)
    assert held - start > 400 * 2**20  # the notebook did hold its text
    assert after - start < 100 * 2**20, (start, held, after)
