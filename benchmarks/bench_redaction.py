"""Benchmark: free-text redaction. Prints import time, lexicon load time and comments per second.

Run: .venv/bin/python benchmarks/bench_redaction.py [n_comments]
The target: 100k comments redacted in well under a minute (one core).
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path

DEV = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "redaction_dev" / "dev.jsonl"
FILLERS = ["Honestly, ", "Overall ", "", "", "Update: ", "Mixed feelings. "]
TAILS = ["", "", " Waited 40 minutes.", " Ticket INC0012345 still open.", " Thanks!", " 3/5 overall."]


def import_seconds() -> tuple[float, float]:
    """Seconds to import the module in a fresh interpreter, and to load the name lexicons after."""
    code = ("import time; t = time.perf_counter(); import xmo_analysis.privacy.redaction as r; "
            "t1 = time.perf_counter(); r.find_pii('Thanks to Priya'); t2 = time.perf_counter(); "
            "print(t1 - t, t2 - t1)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def corpus(n: int) -> list[str]:
    """``n`` comments built from the development set with varied openings and endings (seeded)."""
    texts = [json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(7)
    return [rng.choice(FILLERS) + rng.choice(texts) + rng.choice(TAILS) for _ in range(n)]


def main(n: int = 100_000) -> None:
    imp, lex = import_seconds()
    print(f"import xmo_analysis.privacy.redaction     {imp * 1000:8.0f} ms (fresh interpreter, includes pandas)")
    print(f"first call (name lexicons load)   {lex * 1000:8.0f} ms")
    from xmo_analysis.privacy.redaction import find_pii, redact

    comments = corpus(n)
    find_pii("warm-up, Priya")
    t = time.perf_counter()
    found = sum(len(find_pii(c)) for c in comments)
    dt = time.perf_counter() - t
    print(f"find_pii on {n:,} comments          {dt:8.2f} s  = {n / dt:,.0f} comments/s ({found:,} spans)")
    t = time.perf_counter()
    for c in comments[:20_000]:
        redact(c)
    dt = time.perf_counter() - t
    print(f"redact on 20,000 comments          {dt:8.2f} s  = {20_000 / dt:,.0f} comments/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
