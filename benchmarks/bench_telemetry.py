"""Benchmark: aggregating large device-day telemetry (hive-partitioned Parquet) in DuckDB.

Run: .venv/bin/python benchmarks/bench_telemetry.py [millions ...]   (default: 10 50)
Writes a synthetic dataset per size under a temporary folder (partitioned by cycle), then
times xmo_analysis.sources.telemetry.aggregate by department and prints rows/s and the peak resident
memory of the process (ru_maxrss), which should stay flat as rows grow.
"""
from __future__ import annotations

import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from xmo_analysis.core.params import load_params
from xmo_analysis.sources.telemetry import aggregate

ROOT = Path(__file__).resolve().parents[1]
CYCLES = {"2026-Q1": ("2026-01-01", 90), "2026-Q2": ("2026-04-01", 91), "2026-Q3": ("2026-07-01", 92),
          "2026-Q4": ("2026-10-01", 92)}


def write(folder: Path, rows: int, chunk: int = 2_000_000) -> None:
    rng = np.random.default_rng(1)
    depts = np.array(["Finance", "HR", "Sales", "Marketing", "Engineering", "Operations", "Legal", "Support"])
    per_cycle = rows // len(CYCLES)
    for cycle, (start, days) in CYCLES.items():
        out = folder / f"cycle={cycle}"
        out.mkdir(parents=True)
        for part, first in enumerate(range(0, per_cycle, chunk)):
            n = min(chunk, per_cycle - first)
            table = pa.table({
                "date": np.datetime64(start) + rng.integers(0, days, n).astype("timedelta64[D]"),
                "device_id": rng.integers(0, 50_000, n), "department": depts[rng.integers(0, 8, n)],
                "boot_time_s": rng.lognormal(3.5, 0.4, n), "crashes": rng.poisson(0.04, n),
                "app_latency_ms": rng.lognormal(6.2, 0.4, n)})
            pq.write_table(table, out / f"part-{part}.parquet", compression="zstd")


def _run(folder: str, exact: bool, queue) -> None:
    """In a fresh process, so that its peak memory is the aggregation's alone."""
    params = load_params(ROOT / "params")
    t = time.perf_counter()
    result = aggregate(folder, params, list(CYCLES), by=["department"], exact=exact)
    took = time.perf_counter() - t
    queue.put((took, int(result["rows"].sum()), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def main(sizes: list[int]) -> None:
    print(f"{'rows':>12} {'quantiles':>10} {'aggregate s':>12} {'rows/s':>14} {'peak RSS MiB':>13}")
    ctx = mp.get_context("spawn")
    for millions in sizes:
        rows = millions * 1_000_000
        with tempfile.TemporaryDirectory(prefix="xmo-bench-") as tmp:
            write(Path(tmp), rows)
            for exact in (True, False):
                queue = ctx.Queue()
                proc = ctx.Process(target=_run, args=(tmp, exact, queue))
                proc.start()
                took, counted, peak = queue.get()
                proc.join()
                assert counted == rows // len(CYCLES) * len(CYCLES)
                print(f"{rows:>12,} {'exact' if exact else 't-digest':>10} {took:>12.2f} {rows / took:>14,.0f} {peak:>13.0f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 50])
