"""Benchmark: how each step of a cycle grows with the number of respondents (issue 13).

Run: .venv/bin/python benchmarks/bench_scale.py [--scales 1 3 10] [--engine duckdb]

For each demo scale (1.0: about 3,000 responses and 20,000 tickets a cycle, four cycles) it
generates the demo in a temporary project, then times, in a fresh process: loading and
validating the cycle, and every code cell of the three mission notebooks executed in that
process on the loaded data (no kernel, no rendering), each cell separately. It prints seconds
per step and per scale, and the growth exponent between the two largest scales
(log(t2/t1) / log(s2/s1): 1 is linear, 2 quadratic), so that a step that is not linear in
respondents shows. ``--engine duckdb`` aggregates tickets and telemetry in DuckDB (only
aggregates reach pandas), as a large organisation would run it. Peak RSS per scale is printed.
"""
from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _steps(root: str, scale: float, engine: str | None, queue) -> None:
    sys.path.insert(0, str(REPO / "tests"))
    sys.path.insert(0, str(REPO))
    import yaml
    from conftest import make_project
    p = make_project(Path(root) / "project", scale=scale)
    if engine:
        path = p / "params" / "xmo.yaml"
        settings = yaml.safe_load(path.read_text())
        for contract in ("tickets", "telemetry"):
            settings["sources"][contract]["engine"] = engine
        path.write_text(yaml.safe_dump(settings))
    from xmo_analysis.missions.common import open_cycle
    times = {}
    t = time.perf_counter()
    data = open_cycle(p, "2026-Q4")
    times["load and validate"] = time.perf_counter() - t
    n = len(data.current("responses"))
    for nb in ("1_measures", "2_findings", "3_manage"):
        cells = json.loads((p / "notebooks" / f"{nb}.ipynb").read_text(encoding="utf-8"))["cells"]
        ns = {"data": data, "output_dir": None}
        for c in cells:
            src = "".join(c["source"])
            if c["cell_type"] != "code" or "parameters" in c["metadata"].get("tags", []) or "open_cycle(" in src:
                if c["cell_type"] == "code" and "import" in src:
                    exec("\n".join(line for line in src.splitlines() if "import" in line), ns)
                continue
            t = time.perf_counter()
            exec(src, ns)
            times[f"{nb}: {src.strip().splitlines()[0][:48]}"] = time.perf_counter() - t
    queue.put((n, times, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", type=float, nargs="*", default=[1, 3, 10])
    ap.add_argument("--engine", default=None, help="aggregate tickets and telemetry in this engine (duckdb)")
    args = ap.parse_args()
    ctx = mp.get_context("spawn")
    results = []
    for s in args.scales:
        with tempfile.TemporaryDirectory(prefix="xmo-scale-") as tmp:
            q = ctx.Queue()
            proc = ctx.Process(target=_steps, args=(tmp, s, args.engine, q))
            proc.start()
            results.append((s, *q.get()))
            proc.join()
    steps = list(results[-1][2])
    head = "".join(f"{f'scale {s:g} ({n:,})':>20}" for s, n, _, _ in results)
    print(f"{'step (seconds)':<62}{head}{'exponent':>10}")
    (s1, _, t1, _), (s2, _, t2, _) = results[-2], results[-1]
    for step in steps:
        row = "".join(f"{r[2].get(step, float('nan')):>20.2f}" for r in results)
        a, b = t1.get(step, 0), t2.get(step, 0)
        exp = math.log(b / a) / math.log(s2 / s1) if a > 0.05 and b > 0 else float("nan")
        flag = "  <- not linear" if exp == exp and exp > 1.4 else ""
        print(f"{step:<62}{row}{exp:>10.2f}{flag}")
    total = "".join(f"{sum(r[2].values()):>20.2f}" for r in results)
    print(f"{'total':<62}{total}")
    print(f"{'peak RSS MiB':<62}" + "".join(f"{r[3]:>20.0f}" for r in results))


if __name__ == "__main__":
    main()
