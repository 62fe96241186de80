"""Benchmark: a whole cycle, the runner against the naive pipeline, on the same data and machine.

Run: .venv/bin/python benchmarks/bench_cycle.py [scale]   (scale of the demo, default 1.0)

Prints, in one run on one demo project:
1. the naive pipeline on the 3 missions: papermill CLI, ``jupyter nbconvert --to html
   --no-input`` and ``weasyprint``, one notebook after the other;
2. ``xmo run --force`` with the 3 missions only;
3. ``xmo run --force`` with every audience report of the demo (8 departments, 4 locations);
4. the naive pipeline on the same 15 notebooks (3 missions + 12 audience reports);
5. an unchanged rerun (``xmo run``: "up to date");
6. the in-process floor: every code cell of the 3 missions in one Python process, data loaded
   once, no rendering;
with the ratios the issue sets targets for and the marginal seconds per audience report, and
the peak memory of the runner's process tree (ru_maxrss of the children).
Targets (issue 11): 3 missions <= 0.35x naive; 15 notebooks <= 0.25x naive; one more audience
report <= 2 s; unchanged rerun <= 1 s.
"""
from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def sh(cmd: list[str], cwd: Path | None = None) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def project(root: Path, scale: float, audiences: bool) -> Path:
    sys.path.insert(0, str(REPO / "tests"))
    from conftest import make_project  # the tests' project builder: params, notebooks, demo data
    return make_project(root, scale=scale, audiences=audiences)


def naive(p: Path, jobs: list[tuple[str, dict]]) -> float:
    """papermill CLI + nbconvert --no-input + weasyprint, serially, for each (notebook, parameters)."""
    out = Path(tempfile.mkdtemp(prefix="naive-"))
    total = 0.0
    for k, (nb, params) in enumerate(jobs):
        executed = out / f"{k}.ipynb"
        args = [str(BIN / "papermill"), str(p / "notebooks" / nb), str(executed), "--cwd", str(p / "notebooks"),
                "-k", "xmo-analysis"]
        for key, value in params.items():
            args += ["-p", key, str(value)]
        total += sh(args)
        total += sh([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)])
        total += sh([str(BIN / "weasyprint"), str(executed.with_suffix(".html")), str(executed.with_suffix(".pdf"))])
    shutil.rmtree(out, ignore_errors=True)
    return total


def floor(p: Path) -> float:
    """Every code cell of the 3 missions in this process, the data loaded once, no rendering."""
    sys.path.insert(0, str(REPO))
    from xmo_analysis.missions.common import open_cycle
    t = time.perf_counter()
    data = open_cycle(p, "2026-Q4")
    for nb in ("1_measures", "2_findings", "3_manage"):
        cells = json.loads((p / "notebooks" / f"{nb}.ipynb").read_text(encoding="utf-8"))["cells"]
        ns = {"data": data}
        for c in cells:
            src = "".join(c["source"])
            if c["cell_type"] != "code" or "parameters" in c["metadata"].get("tags", []) or "open_cycle(" in src:
                if "import" in src:
                    exec("\n".join(line for line in src.splitlines() if "import" in line), ns)
                continue
            ns.setdefault("output_dir", None)
            exec(src, ns)
    return time.perf_counter() - t


def main(scale: float = 1.0) -> None:
    root = Path(tempfile.mkdtemp(prefix="bench-cycle-"))
    three = project(root / "three", scale, audiences=False)
    full = project(root / "full", scale, audiences=True)
    base = {"cycle": "2026-Q4", "project_dir": str(three)}
    missions = [(f"{m}.ipynb", {**base, "output_dir": str(root / "naive-out")}) for m in
                ("1_measures", "2_findings", "3_manage")]
    xmo = str(BIN / "xmo")
    t_naive3 = naive(three, missions)
    t_run3 = sh([xmo, "run", "--cycle", "2026-Q4", "--project", str(three), "--force"])
    t_run15 = sh([xmo, "run", "--cycle", "2026-Q4", "--project", str(full), "--force"])
    manifest = json.loads(sorted((full / "reports" / "2026-Q4").glob("v*/manifest.json"))[-1].read_text())
    groups = [(a, r["group"]) for a, d in manifest["audiences"].items() for r in d["reports"]]
    fbase = {"cycle": "2026-Q4", "project_dir": str(full), "output_dir": str(root / "naive-out")}
    t_naive15 = naive(full, [(f"{m}.ipynb", fbase) for m in ("1_measures", "2_findings", "3_manage")]
                      + [("audience.ipynb", {**fbase, "audience": a, "group": g}) for a, g in groups])
    t_rerun = sh([xmo, "run", "--cycle", "2026-Q4", "--project", str(full)])
    t_floor = floor(three)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    n_aud = len(groups)
    print(f"demo scale {scale}, {n_aud} audience reports, 2 cores")
    print(f"{'naive pipeline, 3 missions':<52} {t_naive3:8.1f} s")
    print(f"{'xmo run --force, 3 missions':<52} {t_run3:8.1f} s   {t_run3 / t_naive3:5.2f}x naive (target <= 0.35)")
    print(f"{'naive pipeline, 3 missions + audiences':<52} {t_naive15:8.1f} s")
    print(f"{'xmo run --force, 3 missions + audiences':<52} {t_run15:8.1f} s   {t_run15 / t_naive15:5.2f}x naive "
          "(target <= 0.25)")
    print(f"{'marginal seconds per audience report':<52} {(t_run15 - t_run3) / max(n_aud, 1):8.2f} s   (target <= 2)")
    print(f"{'unchanged rerun (up to date)':<52} {t_rerun:8.2f} s   (target <= 1)")
    print(f"{'in-process floor, 3 missions, no rendering':<52} {t_floor:8.1f} s")
    print(f"{'peak memory of one child process (ru_maxrss)':<52} {peak:8.0f} MiB")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
