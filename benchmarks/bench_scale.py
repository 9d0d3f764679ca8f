"""Chapter 14 at full size: out-of-core SGD on 3.2 GB of lazily generated data, and the
time of a data-parallel step against the number of workers and the model size.

1. ``fit_blocks`` trains ``GDRegressor`` (plain SGD, batch 1000, lr 0.01, one epoch) on a
   lazily generated 2e7 x 20 float64 regression problem (``lazy_regression``, 40 blocks
   of 5e5 rows, seeded per block: 3.2 GB of features that never exist at once). Prints
   the process's peak resident memory (goal: below 1 GB) and the largest error of the
   coefficients against the true ones (goal: at most 1e-2), and the time.
2. Optionally (``--cluster``) one pass of full-batch gradient descent over the same data
   on a two-worker Dask ``LocalCluster`` bound to 127.0.0.1 (seconds per pass).
3. With PyTorch: milliseconds per training step of a float32 ``nn.Linear(n, n)``, global
   batch 1024 split over W gloo workers on 127.0.0.1 (W = 1 in this process, 2 and 4),
   and per all-reduce, with the latency and bandwidth fitted to the model
   T = 2 (W - 1) alpha + 2 (W - 1) / W * bytes / beta.

Run:  python benchmarks/bench_scale.py [--rows 20000000] [--cluster] [--no-torch]
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import resource
import time

import numpy as np

from gdcourse import scale
from gdcourse.estimators import GDRegressor

N_FEATURES, BLOCK_ROWS = 20, 500_000


def peak_rss_mb():
    """The peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def out_of_core(rows):
    X, y, coef, intercept = scale.lazy_regression(rows, N_FEATURES, block_rows=BLOCK_ROWS,
                                                  noise=1.0, seed=0)
    print(f"data: {rows:.0e} x {N_FEATURES} float64 in {X.numblocks[0]} blocks: "
          f"{X.nbytes / 1e9:.2f} GB of features, {y.nbytes / 1e9:.2f} GB of targets")
    before = peak_rss_mb()
    start = time.perf_counter()
    model = scale.fit_blocks(GDRegressor(lr=0.01, batch_size=1000, random_state=0), X, y,
                             random_state=0)
    seconds = time.perf_counter() - start
    error = np.max(np.abs(np.r_[model.intercept_, model.coef_] - np.r_[intercept, coef]))
    peak = peak_rss_mb()
    print(f"fit_blocks, 1 epoch: {seconds:.1f} s; peak resident memory {peak:.0f} MB "
          f"(before fitting {before:.0f} MB; goal < 1024): "
          f"{'met' if peak < 1024 else 'NOT met'}")
    print(f"largest coefficient error against the truth: {error:.2e} (goal <= 1e-2): "
          f"{'met' if error <= 1e-2 else 'NOT met'}")
    return X, y


def cluster_pass(X, y):
    import logging

    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0", memory_limit="2GiB",
                      silence_logs=logging.CRITICAL) as cluster, Client(cluster):
        start = time.perf_counter()
        scale.full_gradient(X, y, np.zeros(N_FEATURES + 1)).compute()
        print(f"one full-gradient pass on a 2-worker LocalCluster: "
              f"{time.perf_counter() - start:.1f} s")


def timings():
    import torch

    torch.set_num_threads(1)
    setting = dict(widths=(2, 100, 1000), global_batch=1024, steps=20)
    measured = {1: scale.time_steps(0, 1, **setting)}
    for W in (2, 4):
        start = time.perf_counter()
        measured[W] = scale.run_workers([("time_steps", setting)], W, timeout=600)[0][0]
        print(f"W = {W}: launch and measurements took {time.perf_counter() - start:.1f} s")
    print(f"\nms per step (median of 20), global batch 1024\n{'parameters':>11} "
          + " ".join(f"{f'W = {W}':>10}" for W in measured))
    for n_params in measured[1]["step"]:
        print(f"{n_params:11d} "
              + " ".join(f"{measured[W]['step'][n_params]:10.2f}" for W in measured))
    print(f"\nms per all-reduce of float32 values (median of 10)\n{'values':>11} "
          + " ".join(f"{f'W = {W}':>10}" for W in (2, 4)))
    for size in measured[2]["allreduce"]:
        print(f"{size:11d} "
              + " ".join(f"{measured[W]['allreduce'][size]:10.3f}" for W in (2, 4)))
    rows, times = [], []
    for W in (2, 4):
        for size, ms in measured[W]["allreduce"].items():
            rows.append([2 * (W - 1), 2 * (W - 1) / W * 4 * size])
            times.append(ms / 1e3)
    alpha, inverse_beta = np.linalg.lstsq(np.array(rows), np.array(times), rcond=None)[0]
    print(f"fitted: latency {1e6 * alpha:.0f} µs, bandwidth {1e-9 / inverse_beta:.2f} GB/s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--cluster", action="store_true")
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, "
          f"{platform.machine()}")
    X, y = out_of_core(args.rows)
    if args.cluster:
        cluster_pass(X, y)
    if not args.no_torch and importlib.util.find_spec("torch") is not None:
        timings()


if __name__ == "__main__":
    main()
