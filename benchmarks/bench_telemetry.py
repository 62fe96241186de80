"""Benchmark: device-day telemetry aggregated where it lives, through the ibis expressions of
xmo_analysis.sources.engines.

Run: .venv/bin/python benchmarks/bench_telemetry.py [--sizes 10 50 200] [--others 10]

For each size (millions of rows) it writes a synthetic hive-partitioned Parquet dataset (by
cycle) under a temporary folder, then aggregates every telemetry metric of params per cycle and
department on DuckDB, with exact and with approximate (t-digest) quantiles, each in a fresh
process so that its peak resident memory (ru_maxrss) is the aggregation's alone. At the
``--others`` size it also runs the same expression on PostgreSQL (a throw-away local server, the
rows loaded with COPY; loading is not timed) and on local Spark (two cores, reading the same
Parquet), and checks that they give DuckDB's numbers.

Targets (issue 13, this 2-core machine): 200 M rows in <= 60 s with peak RSS <= 2 GB
(approximate quantiles), exact quantiles within 4 GB.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
CYCLES = {"2026-Q1": ("2026-01-01", 90), "2026-Q2": ("2026-04-01", 91), "2026-Q3": ("2026-07-01", 92),
          "2026-Q4": ("2026-10-01", 92)}


def write(folder: Path, rows: int, chunk: int = 4_000_000) -> None:
    rng = np.random.default_rng(1)
    depts = np.array([f"Department {i}" for i in range(8)])
    per_cycle = rows // len(CYCLES)
    for cycle, (start, days) in CYCLES.items():
        out = folder / f"cycle={cycle}"
        out.mkdir(parents=True)
        for part, first in enumerate(range(0, per_cycle, chunk)):
            n = min(chunk, per_cycle - first)
            table = pa.table({
                "date": np.datetime64(start) + rng.integers(0, days, n).astype("timedelta64[D]"),
                "device_id": pa.array(np.char.add("D", rng.integers(0, 500_000, n).astype(str))),
                "department": depts[rng.integers(0, 8, n)],
                "boot_time_s": rng.lognormal(3.5, 0.4, n), "crashes": rng.poisson(0.04, n),
                "app_latency_ms": rng.lognormal(6.2, 0.4, n)})
            pq.write_table(table, out / f"part-{part}.parquet", compression="zstd", row_group_size=1_000_000)


def _run(source: dict, queue) -> None:
    """In a fresh process, so that its peak memory is the aggregation's alone. Spark runs twice:
    the time printed is the second run's (a warm session, as on a cluster); the first, with the
    JVM's start, is printed too."""
    from xmo_analysis.core.params import load_params
    from xmo_analysis.sources.engines import aggregate
    params = load_params(ROOT / "params")
    runs = []
    for _ in range(2 if source["engine"] == "spark" else 1):
        t = time.perf_counter()
        result, where = aggregate(Path("/"), "telemetry", source, params, list(CYCLES), by=["department"])
        runs.append(time.perf_counter() - t)
    took = runs[-1]
    if len(runs) > 1:
        where.version += f"; first run with the JVM's start {runs[0]:.1f} s"
    queue.put((took, int(result["rows"].sum()), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               result.sort_values(["cycle", "department"]).reset_index(drop=True), where.version))


def _measure(source: dict):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_run, args=(source, queue))
    proc.start()
    while True:  # a child that died (e.g. out of memory) puts nothing: say so instead of waiting
        try:
            out = queue.get(timeout=5)
            break
        except Exception:
            if not proc.is_alive():
                raise RuntimeError(f"{source['engine']} aggregation died (exit code {proc.exitcode})") from None
    proc.join()
    return out


def _postgres(folder: Path):
    """A local PostgreSQL server with the dataset loaded by COPY; ``(url, stop)``, or None."""
    from conftest import postgres_server  # the tests' throw-away server

    def unavailable(reason):
        raise RuntimeError(reason)

    gen = postgres_server(skip=unavailable)
    try:
        url = next(gen)
    except RuntimeError as exc:
        print(f"PostgreSQL: not measured ({exc})")
        return None
    import duckdb
    import psycopg
    csv = folder.parent / "telemetry.csv"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT date, device_id, department, boot_time_s, crashes, app_latency_ms FROM "
                f"read_parquet('{folder}/**/*.parquet')) TO '{csv}' (HEADER false)")
    con.close()
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as pg:
        pg.execute("DROP TABLE IF EXISTS bench_telemetry")
        pg.execute("CREATE TABLE bench_telemetry (date timestamp, device_id text, department text, "
                   "boot_time_s double precision, crashes bigint, app_latency_ms double precision)")
        with pg.cursor().copy("COPY bench_telemetry FROM STDIN WITH (FORMAT csv)") as copy, open(csv, "rb") as f:
            while block := f.read(1 << 24):
                copy.write(block)
        pg.execute("ANALYZE bench_telemetry")
    csv.unlink()
    return url, gen


def _same(a, b) -> bool:
    cols = [c for c in a.columns if c not in ("cycle", "department")]
    return a[["cycle", "department"]].equals(b[["cycle", "department"]]) and \
        bool(np.allclose(a[cols].to_numpy(float), b[cols].to_numpy(float), rtol=1e-9, atol=0))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[10, 50, 200], help="millions of rows on DuckDB")
    ap.add_argument("--others", type=int, default=10, help="millions of rows on PostgreSQL and Spark (0: skip)")
    ap.add_argument("--tmp", default=None, help="folder for the datasets (several GB at 200 M rows)")
    args = ap.parse_args()
    print(f"{'engine':>10} {'rows':>13} {'quantiles':>10} {'seconds':>9} {'rows/s':>13} {'peak RSS MiB':>13}  same as DuckDB")
    for millions in sorted(set(args.sizes) | ({args.others} if args.others else set())):
        rows = millions * 1_000_000
        tmp = Path(tempfile.mkdtemp(prefix="xmo-bench-", dir=args.tmp))
        try:
            folder = tmp / "telemetry"
            t = time.perf_counter()
            write(folder, rows)
            print(f"{'':>10} {rows:>13,} written in {time.perf_counter() - t:.0f} s", flush=True)
            exact_duck = None
            for exact in (True, False):
                if millions not in args.sizes and not exact:
                    continue
                # the targets' budgets: exact quantiles within 4 GB, t-digest within 2 GB
                took, counted, peak, result, _ = _measure({"engine": "duckdb", "path": str(folder),
                                                           "exact_quantiles": exact, "threads": os.cpu_count(),
                                                           "memory_limit": "4GB" if exact else "2GB"})
                assert counted == rows // len(CYCLES) * len(CYCLES)
                exact_duck = result if exact else exact_duck
                print(f"{'duckdb':>10} {rows:>13,} {'exact' if exact else 't-digest':>10} {took:>9.2f} "
                      f"{rows / took:>13,.0f} {peak:>13.0f}", flush=True)
            if millions != args.others:
                continue
            took, counted, peak, result, version = _measure({"engine": "spark", "master": "local[2]",
                                                             "path": str(folder)})
            print(f"{'spark':>10} {rows:>13,} {'exact':>10} {took:>9.2f} {rows / took:>13,.0f} {peak:>13.0f}"
                  f"  {_same(result, exact_duck)}  (driver RSS; Spark {version}, JVM not counted)", flush=True)
            pg = _postgres(folder)
            if pg is not None:
                url, gen = pg
                os.environ["XMO_BENCH_PG"] = url
                try:
                    took, counted, peak, result, version = _measure({"engine": "postgres", "url_env": "XMO_BENCH_PG",
                                                                     "table": "bench_telemetry"})
                    print(f"{'postgres':>10} {rows:>13,} {'exact':>10} {took:>9.2f} {rows / took:>13,.0f} "
                          f"{peak:>13.0f}  {_same(result, exact_duck)}  (client RSS; PostgreSQL {version})", flush=True)
                finally:
                    next(gen, None)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
