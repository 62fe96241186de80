"""Benchmark: a million-response cycle, end to end (issue 13).

Run: .venv/bin/python benchmarks/bench_million.py [--scale 340] [--data DIR] [--jobs N] [--audiences]

1. generates the demo at ``--scale`` (340: about a million survey responses in each of the four
   cycles, tickets and telemetry in proportion: ~6.8 M tickets and ~110 M device-days a cycle)
   into ``--data`` (default ``/tmp/xmo-million/data``), or reuses what is there from an earlier
   run with the same scale (``.scale`` records it): generating takes about 10 minutes;
2. builds a project around it (the repository's params and notebooks, the data linked, tickets
   and telemetry aggregated in DuckDB where they are: only aggregates reach pandas) and runs the
   full cycle ``xmo run --cycle 2026-Q4 --force`` (3 missions, HTML and PDF; ``--audiences``
   adds every department and location report);
3. prints the seconds of each step the runner records (validate, execute and render of each
   notebook, total), the survey's size, and the peak resident memory of the runner's whole
   process tree (the runner and its kernels and renderers, summed, sampled every 0.2 s) and of
   its largest process.

Targets (issue 13, this 2-core machine): the full cycle in <= 10 minutes, peak RSS <= 8 GB.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def data_folder(folder: Path, scale: float) -> float | None:
    """Generate the demo into ``folder`` unless it holds this scale already; its seconds (None: reused)."""
    mark = folder / ".scale"
    if mark.exists() and mark.read_text().strip() == repr(scale):
        return None
    if folder.exists() and any(folder.iterdir()) and not mark.exists():
        # not a folder this benchmark generated: never delete it (it once removed a demo made by hand)
        sys.exit(f"{folder} holds files but no .scale mark of this benchmark: pass an empty or new --data "
                 f"folder, or write {repr(scale)} to {mark} to reuse a demo generated at that scale")
    shutil.rmtree(folder, ignore_errors=True)
    t = time.perf_counter()
    subprocess.run([str(BIN / "xmo"), "demo", "--out", str(folder), "--scale", str(scale)], check=True)
    mark.write_text(repr(scale))
    return time.perf_counter() - t


def project(root: Path, data: Path, audiences: bool) -> Path:
    sys.path.insert(0, str(REPO / "tests"))
    from conftest import make_project  # the tests' project builder: params, notebooks, data linked
    shutil.rmtree(root, ignore_errors=True)
    make_project(root, audiences=audiences, data=data)
    path = root / "params" / "xmo.yaml"
    text = path.read_text(encoding="utf-8")
    settings = yaml.safe_load(text)
    for contract in ("tickets", "telemetry"):
        settings["sources"][contract]["engine"] = "duckdb"
    # 440 M device-days: exact quantiles from value counts (boot times in 0.1 s, latencies in ms have
    # a few thousand distinct values): 15 s and 0.3 GB per grouping where t-digest takes 47 s and the
    # quantile function holds every value of a group (3.5 GB), as params/xmo.yaml advises
    settings["sources"]["telemetry"]["quantiles"] = "histogram"
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return root


def _what(p: psutil.Process) -> str:
    cmd = " ".join(p.cmdline())
    return "kernel" if "ipykernel" in cmd else "runner" if " run --cycle" in cmd else cmd[:60]


class TreeMemory(threading.Thread):
    """Peak RSS of a process and all its descendants, summed, and of the largest one; and the
    peak of the summed PSS (proportional set size: a page shared by k processes counts 1/k in
    each). Kernels forked from the fork server share its imported modules'
    pages, which the RSS sum counts once per process: the PSS sum is the memory really used."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root, self.total, self.single, self.stop = psutil.Process(pid), 0, 0, threading.Event()
        self.pss = 0
        self.each: dict[int, tuple[int, str]] = {}  # pid -> (peak RSS, what it is)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            sizes, shares = [], []
            # PSS every 2 s only: reading /proc/<pid>/smaps_rollup walks the page tables of a
            # process of several GB under its memory-map lock, which stalls it while it allocates
            self.samples = getattr(self, "samples", 0) + 1
            with_pss = self.samples % 10 == 1
            for p in procs:
                try:
                    rss = p.memory_info().rss
                    if rss > self.each.get(p.pid, (0, ""))[0]:
                        self.each[p.pid] = (rss, self.each.get(p.pid, (0, ""))[1] or _what(p))
                    sizes.append(rss)
                    if with_pss:
                        shares.append(p.memory_full_info().pss)
                except psutil.Error:
                    pass
            self.total, self.single = max(self.total, sum(sizes)), max([self.single, *sizes])
            self.pss = max(self.pss, sum(shares))
            self.stop.wait(0.2)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=340.0)
    ap.add_argument("--data", type=Path, default=Path("/tmp/xmo-million/data"))
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--audiences", action="store_true")
    args = ap.parse_args()
    generated = data_folder(args.data.resolve(), args.scale)
    p = project(args.data.resolve().parent / "project", args.data.resolve(), args.audiences)
    cmd = [str(BIN / "xmo"), "run", "--cycle", "2026-Q4", "--force", "--project", str(p)]
    if args.jobs:
        cmd += ["--jobs", str(args.jobs)]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    mem = TreeMemory(proc.pid)
    mem.start()
    log = proc.stdout.read()
    proc.wait()
    seconds = time.perf_counter() - t
    mem.stop.set()
    mem.join()
    if proc.returncode:
        sys.exit(f"xmo run failed ({proc.returncode}):\n{log}")
    manifest = json.loads(max((p / "reports" / "2026-Q4").glob("v*/manifest.json"),
                              key=lambda m: int(m.parent.name[1:])).read_text())
    import pyarrow.csv as pcsv
    responses = pcsv.read_csv(args.data / "responses.csv", convert_options=pcsv.ConvertOptions(include_columns=["cycle"]))
    per_cycle = responses.group_by("cycle").aggregate([("cycle", "count")]).to_pydict()
    print(f"demo scale {args.scale:g}: responses per cycle "
          + ", ".join(f"{c} {n:,}" for c, n in sorted(zip(per_cycle["cycle"], per_cycle["cycle_count"]))))
    print(f"{'generating the demo':<44} " + (f"{generated:8.1f} s" if generated is not None else "  (reused)"))
    for step, s in manifest["timings_s"].items():
        print(f"{step:<44} {s:8.1f} s")
    print(f"{'xmo run, wall clock':<44} {seconds:8.1f} s   (target <= 600 s)")
    # GiB (2^30 bytes) as before, and GB (10^9) beside the tree's peak: the target says GB
    print(f"{'peak RSS, whole process tree':<44} {mem.total / 2**30:8.2f} GiB = {mem.total / 1e9:.2f} GB"
          f"  (target <= 8 GB)")
    print(f"{'peak PSS, whole process tree':<44} {mem.pss / 2**30:8.2f} GiB = {mem.pss / 1e9:.2f} GB"
          "   (shared pages counted once; sampled every 2 s)")
    print(f"{'peak RSS, largest process':<44} {mem.single / 2**30:8.2f} GiB")
    for rss, what in sorted(mem.each.values(), reverse=True)[:4]:
        print(f"{'  peak RSS of one ' + what:<44} {rss / 2**30:8.2f} GiB")
    print(f"{'reports':<44} {len(list((p / 'reports' / '2026-Q4').glob('v*/**/*.pdf')))} PDF, "
          f"{len(list((p / 'reports' / '2026-Q4').glob('v*/**/*.html')))} HTML")


if __name__ == "__main__":
    main()
