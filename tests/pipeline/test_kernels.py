"""Warm kernels: notebooks share a kernel's imports, never its variables; a failed kernel is replaced."""
from __future__ import annotations

import nbformat
import pytest

from xmo_analysis.core.exceptions import ExecutionError
from xmo_analysis.pipeline.forkserver import ForkServer, forked_manager, split
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


def _argv() -> list[str]:
    from jupyter_client.kernelspec import KernelSpecManager
    return KernelSpecManager().get_kernel_spec("xmo-analysis").argv


@pytest.fixture
def server():
    s = ForkServer("import json", _argv())
    yield s
    s.close()


@pytest.mark.parametrize("forked", [False, True], ids=["launched", "forked"])
def test_one_kernel_many_notebooks_no_shared_variables(tmp_path, forked, request):
    first = _notebook(tmp_path / "a.ipynb", "import os\nleak = os.getpid()\nprint(leak)")
    second = _notebook(tmp_path / "b.ipynb", "import os\nprint(os.getpid(), 'leak' in globals(), 'json' in dir())")
    boom = _notebook(tmp_path / "c.ipynb", "import os\nos._exit(1)")
    manager = forked_manager(LocalKernelManager, request.getfixturevalue("server")) if forked else LocalKernelManager
    pool = KernelPool(1, "xmo-analysis", tmp_path, "import json", manager)
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


def test_a_forked_kernel_is_a_kernel_of_its_own_that_starts_with_the_imports_done(tmp_path, server, monkeypatch):
    """The kernel is a child of the fork server, leads its own session (an interrupt or a kill
    of its group reaches it alone), runs in the folder and with the environment its manager
    asked for, finds the notebook's folder first on sys.path, and has the warm code's modules
    before the notebook imports anything; a cell timeout interrupts it like any kernel."""
    (tmp_path / "helper.py").write_text("WHERE = 'next to the notebook'\n")
    probe = _notebook(tmp_path / "p.ipynb", "import os, sys, json\n"
                      "print(json.dumps([os.getpid(), os.getppid(), os.getsid(0), os.getcwd(), sys.path[0],\n"
                      "                  os.environ.get('XMO_PROBE'), 'pandas' in sys.modules]))",
                      "import helper\nprint(helper.WHERE)")
    monkeypatch.setenv("XMO_PROBE", "asked for")
    warm = ForkServer("import pandas", _argv())
    try:
        pool = KernelPool(1, "xmo-analysis", tmp_path, "", forked_manager(LocalKernelManager, warm))
        try:
            with pool.kernel() as km:
                execute(probe, tmp_path / "p.out.ipynb", {}, tmp_path / "failed", label="p", km=km)
        finally:
            pool.close()
        import json
        pid, ppid, sid, cwd, first, env, preloaded = json.loads(_outputs(tmp_path / "p.out.ipynb")[1])
        assert ppid == warm.proc.pid and pid != warm.proc.pid and sid == pid
        assert cwd == first == str(tmp_path) and env == "asked for" and preloaded is True
        assert _outputs(tmp_path / "p.out.ipynb")[2].strip() == "next to the notebook"
    finally:
        warm.close()
    # a cell that runs past the timeout is interrupted, the notebook fails and names it
    slow = _notebook(tmp_path / "s.ipynb", "import time\ntime.sleep(60)")
    pool = KernelPool(1, "xmo-analysis", tmp_path, "", forked_manager(LocalKernelManager, server))
    try:
        with pytest.raises(ExecutionError) as err:
            with pool.kernel() as km:
                execute(slow, tmp_path / "s.out.ipynb", {}, tmp_path / "failed", label="s", km=km, timeout=2)
        assert "timed out" in str(err.value).lower() or "Timeout" in err.value.ename
    finally:
        pool.close()


def test_only_the_servers_interpreter_and_options_are_forked(tmp_path, server):
    """The server runs the kernel spec's interpreter with its options; a kernel command that
    differs in either (or does not run ipykernel) is launched by jupyter_client as usual."""
    import sys
    argv = _argv()
    assert split(argv)[0] == server.interpreter and server.interpreter[0] == argv[0]
    assert split([sys.executable, "-m", "ipykernel", "-f", "c.json"]) == ([sys.executable], ["-f", "c.json"])
    assert split(["R", "--slave", "-e", "IRkernel::main()", "--args", "c.json"]) is None
    with pytest.raises(ValueError):
        ForkServer("", ["R", "--slave", "-e", "IRkernel::main()", "--args", "{connection_file}"])

    class Spy(LocalKernelManager):  # records a launch the usual way, without launching
        launched = []

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            Spy.launched.append(kernel_cmd)

    manager = forked_manager(Spy, server)(kernel_name="xmo-analysis")
    from jupyter_core.utils import run_sync
    other = [sys.executable, "-X", "dev", "-m", "ipykernel_launcher", "-f", "c.json"]
    run_sync(manager._async_launch_kernel)(other)
    assert Spy.launched == [other]


def test_a_forked_kernel_ends_with_its_server(tmp_path):
    """A run killed with its process group takes the fork server along; the kernels, each in a
    session of its own, must then end by themselves (ipykernel polls its parent)."""
    import os
    import signal
    import time

    from jupyter_core.utils import run_sync
    warm = ForkServer("", _argv())
    km = forked_manager(LocalKernelManager, warm)(kernel_name="xmo-analysis")
    run_sync(km.start_kernel)(cwd=str(tmp_path))
    try:
        pid = km.provisioner.pid
        os.kill(pid, 0)  # running
        assert pid != warm.proc.pid
        warm.proc.send_signal(signal.SIGKILL)
        warm.proc.wait()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and km.provisioner.process.poll() is None:
            time.sleep(0.2)
        assert km.provisioner.process.poll() is not None, "the kernel outlived its server"
    finally:
        run_sync(km.shutdown_kernel)(now=True)


def test_closing_a_server_that_is_still_importing_ends_it_at_once():
    """A run that fails validation closes the fork server it started before the data were read,
    while it may still be importing: it is terminated then, not left to finish its imports (which
    held a failing run 2-3 s)."""
    import signal
    slow = ForkServer("import time\ntime.sleep(30)", _argv())
    slow.close()
    assert slow.proc.returncode == -signal.SIGTERM
