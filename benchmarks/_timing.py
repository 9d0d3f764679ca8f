"""What the benchmarks share: the best time of a few repeats."""

from __future__ import annotations

import time


def best_time(fit, repeats):
    """``(seconds, result)``: the shortest of ``repeats`` runs of ``fit()`` and its result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fit()
        best = min(best, time.perf_counter() - start)
    return best, result
