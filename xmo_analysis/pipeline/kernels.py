"""Warm kernels: a cycle's notebooks run on a few kernels that have imported the analysis stack once.

A fresh kernel per notebook costs its start and, mostly, the imports of the analysis stack
(pandas, statsmodels, matplotlib, the package: about 4 s on two cores), paid again by every
mission and every audience report. The runner instead keeps ``jobs`` kernels: each is started
and warmed (the import lines of the notebooks' setup cells, run once) while the cycle's shared
work is computed, then executes one notebook after another. Before each notebook the kernel's
namespace is cleared (``%reset -f``, figures closed, garbage collected and freed memory handed
back to the OS), so a notebook sees no
variable of the one before: what stays is what ``import`` caches, i.e. modules. A kernel that
fails (an error, a dead kernel, a cell timeout) is shut down and replaced by a fresh one.

papermill and nbclient do the execution as before (parameters injected, errors raised with the
failing cell); the pool only hands them a kernel manager whose kernel is already running
(nbclient then neither starts nor stops it).
"""
from __future__ import annotations

import queue
import threading
from contextlib import contextmanager
from pathlib import Path

import nbformat

# The last notebook's memory goes back to the OS too (core.heap): else the next notebook's peak
# sits on top of what glibc and Arrow kept of the last one's.
RESET = ("%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\nfrom xmo_analysis.core.heap import give_back as _gb"
         "\n_gb()\ndel _gb, _plt")


def warm_code(notebooks: list[Path]) -> str:
    """The import lines of the notebooks' setup cells (cells tagged ``setup``, else the first code
    cells up to the first that is not only imports), in order, without duplicates."""
    lines: list[str] = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
                continue
            found = [ln for ln in cell.source.splitlines() if ln.startswith(("import ", "from "))]
            lines += [ln for ln in found if ln not in lines]
            if "setup" in cell.metadata.get("tags", []) or not found:
                break
    return "\n".join(lines)


def _run_code(km, code: str, cwd: Path, timeout: int = 300) -> None:
    """Execute ``code`` on ``km``'s kernel (starting it, in ``cwd``, if it is not running)."""
    from nbclient import NotebookClient
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": km.kernel_name, "display_name": km.kernel_name, "language": "python"}
    NotebookClient(nb, km=km, kernel_name=km.kernel_name, timeout=timeout, allow_errors=False).execute(cwd=str(cwd))


def _shutdown(km) -> None:
    from jupyter_core.utils import run_sync
    try:
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # already dead: nothing to stop
        pass


class KernelPool:
    """``size`` warm kernels of ``kernel_name`` working in ``cwd`` (see the module docstring)."""

    def __init__(self, size: int, kernel_name: str, cwd: Path, warm: str, manager_class):
        self.kernel_name, self.cwd, self.warm, self.manager_class = kernel_name, cwd, warm, manager_class
        self._free: queue.Queue = queue.Queue()
        self._all: list = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        for _ in range(max(1, size)):
            self._spawn()

    def _spawn(self) -> None:
        t = threading.Thread(target=self._add, daemon=True)
        with self._lock:
            self._threads.append(t)
        t.start()

    def _new(self):
        km = self.manager_class(kernel_name=self.kernel_name)
        with self._lock:
            self._all.append(km)
        _run_code(km, self.warm or "pass", self.cwd)
        return km

    def _add(self) -> None:
        try:
            self._free.put(self._new())
        except Exception as exc:  # a kernel that would not start: the job that waits for it says why
            self._free.put(exc)

    @contextmanager
    def kernel(self):
        """A warm kernel with a clean namespace for one notebook; replaced if the notebook fails."""
        km = self._free.get()
        if isinstance(km, Exception):
            km = self._new()  # try once more, in this thread: a second failure is the job's error
        try:
            _run_code(km, RESET, self.cwd, timeout=60)
        except Exception:
            _shutdown(km)
            km = self._new()
        ok = False
        try:
            yield km
            ok = True
        finally:
            if ok:
                self._free.put(km)
            else:
                _shutdown(km)
                self._spawn()

    def close(self) -> None:
        with self._lock:
            threads = list(self._threads)
        for t in threads:
            t.join(timeout=120)
        with self._lock:
            kms = list(self._all)
        for km in kms:
            _shutdown(km)
