"""Handing freed memory back to the operating system.

A process that drops a large table keeps its pages: glibc's malloc keeps freed heap, and Arrow's
pool (mimalloc), where pandas keeps text columns, keeps freed pages too. Until they are handed
back, released rows still count as resident, for the runner once the kernels hold the rows and
for a warm kernel between two notebooks (the next notebook's peak then sits on the last one's).
"""
from __future__ import annotations

import gc


def give_back() -> None:
    """Collect garbage, then return the free heap and Arrow's unused pages to the OS."""
    gc.collect()
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): the memory is reused, not returned
        pass
    try:
        import pyarrow as pa
        pa.default_memory_pool().release_unused()
    except (ImportError, AttributeError):
        pass
