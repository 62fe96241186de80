"""Benchmark: scoring and weighting 1 M survey responses. Prints seconds per operation.

Run: .venv/bin/python benchmarks/bench_scores.py [n_rows]
The target (issue 3): 1 M responses scored in well under a second.
"""
from __future__ import annotations

import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

from xmo_analysis import stats


def timed(label: str, fn, repeat: int = 3):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    print(f"{label:<48} {best * 1000:9.1f} ms")
    return result


def main(n: int = 1_000_000) -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({
        "happiness": rng.integers(0, 11, n).astype(float), "csat": rng.integers(1, 6, n).astype(float),
        "ces": rng.integers(1, 8, n).astype(float), "a": rng.integers(1, 6, n).astype(float),
        "b": rng.integers(1, 6, n).astype(float), "c": rng.integers(1, 6, n).astype(float),
        "dept": rng.choice(list("ABCDEFGH"), n), "loc": rng.choice(list("WXYZ"), n)})
    frame.loc[rng.random(n) < 0.03, "csat"] = np.nan
    print(f"{n:,} responses")
    tracemalloc.start()
    timed("all four scores together", lambda: (stats.happiness(frame["happiness"]), stats.csat(frame["csat"]),
                                               stats.ces(frame["ces"]),
                                               stats.likert_score(frame[["a", "b", "c"]], (1, 5), reverse=["c"])))
    timed("happiness (NPS-style mean, t CI)", lambda: stats.happiness(frame["happiness"]))
    timed("CSAT (top-2-box, Wilson CI)", lambda: stats.csat(frame["csat"]))
    timed("CES (mean)", lambda: stats.ces(frame["ces"]))
    timed("Likert construct, 3 items, 1 reversed", lambda: stats.likert_score(frame[["a", "b", "c"]], (1, 5), reverse=["c"]))
    w = rng.uniform(0.5, 2.0, n)
    timed("weighted mean (linearisation SE)", lambda: stats.mean(frame["happiness"], w))
    margins = {"dept": frame["dept"].value_counts().mul(3).to_dict(), "loc": frame["loc"].value_counts().mul(3).to_dict()}
    raked = timed("rake to 2 margins (8 + 4 levels)", lambda: stats.rake(frame, margins), repeat=1)
    timed("mean with raked weights (calibrated SE)", lambda: stats.mean(frame["happiness"], raked), repeat=1)
    timed("Cronbach's alpha, 3 items", lambda: stats.cronbach_alpha(frame[["a", "b", "c"]], reverse=["c"]), repeat=1)
    _, peak = tracemalloc.get_traced_memory()
    print(f"{'peak traced memory':<48} {peak / 2**20:9.1f} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
