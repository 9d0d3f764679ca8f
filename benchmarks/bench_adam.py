"""Time one Adam step on 10**7 float64 parameters: gdcourse.optim.Adam against torch.

Run from the repository root::

    .venv/bin/python benchmarks/bench_adam.py [--n 10000000] [--steps 10] [--threads 1]

Three numbers, each the median over ``--steps`` timed steps after warm-up:

* gdcourse: ``w = opt.step(w, g)`` with :class:`gdcourse.optim.Adam`;
* torch: ``torch.optim.Adam(foreach=True).step()`` on the same data, with
  ``torch.set_num_threads(--threads)`` (NumPy's element-wise operations use one thread);
* the memory-traffic floor: an Adam step must read w, g, m, v and write w, m, v, i.e.
  7 arrays of N float64; at the bandwidth measured with ``np.copyto`` (which reads one
  array and writes one) that takes ``7 * N * 8 / bandwidth`` seconds.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from gdcourse.optim import Adam


def median_seconds(step, repeats, warmup=3):
    """Median wall time of ``step()`` over ``repeats`` calls, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def copy_bandwidth(n, repeats):
    """Bytes per second moved by ``np.copyto`` (one array read plus one written)."""
    src, dst = np.random.default_rng(0).random(n), np.empty(n)
    seconds = median_seconds(lambda: np.copyto(dst, src), repeats)
    return 2 * n * 8 / seconds


def time_gdcourse(w0, g, repeats):
    opt = Adam(lr=1e-3)
    w = w0

    def step():
        nonlocal w
        w = opt.step(w, g)

    return median_seconds(step, repeats)


def time_torch(w0, g, repeats):
    p = torch.from_numpy(w0.copy())
    p.grad = torch.from_numpy(g)
    opt = torch.optim.Adam([p], lr=1e-3, foreach=True)
    with torch.no_grad():
        return median_seconds(opt.step, repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10 ** 7, help="number of parameters")
    parser.add_argument("--steps", type=int, default=10, help="timed steps (median)")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    rng = np.random.default_rng(0)
    w0, g = rng.standard_normal(args.n), rng.standard_normal(args.n)
    floor = 7 * args.n * 8 / copy_bandwidth(args.n, args.steps)
    ours = time_gdcourse(w0, g, args.steps)
    theirs = time_torch(w0, g, args.steps)

    print(f"Adam step, N = {args.n:.3g} float64, torch threads = {args.threads}, "
          f"median of {args.steps} steps")
    print(f"  gdcourse           {1e3 * ours:8.2f} ms/step")
    print(f"  torch foreach      {1e3 * theirs:8.2f} ms/step")
    print(f"  memory floor       {1e3 * floor:8.2f} ms/step  (7 x N x 8 bytes at the "
          f"np.copyto bandwidth {7 * args.n * 8 / floor / 1e9:.1f} GB/s)")
    print(f"  gdcourse / torch   {ours / theirs:8.2f}")
    print(f"  gdcourse / floor   {ours / floor:8.2f}")


if __name__ == "__main__":
    main()
