"""Time one Adam step on 10**7 float64 parameters: gdcourse.optim.Adam against torch.

Run from the repository root::

    .venv/bin/python benchmarks/bench_adam.py [--n 10000000] [--steps 10] [--threads 1]

Three numbers, each the median over ``--steps`` rounds after warm-up (every round
times each of the three once, so that they share the machine's load):

* gdcourse: ``w = opt.step(w, g)`` with :class:`gdcourse.optim.Adam`, whose every result
  is a new array; in this loop the caller drops each result one step later, so the
  optimizer writes step ``k + 2`` into the array of step ``k`` (no allocation, no page
  faults) and the script prints how many distinct arrays all the steps returned (2);
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
import weakref

import numpy as np
import torch

from gdcourse.optim import Adam


def interleaved_medians(steps, repeats, warmup=3):
    """Median wall time of each callable in ``steps`` over ``repeats`` rounds.

    Each round times every callable once, so that all of them see the same load on a
    shared machine; ``warmup`` untimed rounds come first.
    """
    for _ in range(warmup):
        for step in steps.values():
            step()
    times = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def copy_step(n):
    """``np.copyto`` of N float64: one array read plus one written, 2 * N * 8 bytes."""
    src, dst = np.random.default_rng(0).random(n), np.empty(n)
    return lambda: np.copyto(dst, src)


def gdcourse_step(w0, g, returned):
    """One ``w = opt.step(w, g)``; a weak reference to each result goes to ``returned``."""
    opt = Adam(lr=1e-3)
    w = w0

    def step():
        nonlocal w
        w = opt.step(w, g)
        returned.append(weakref.ref(w))                 # does not keep the result alive

    return step


def torch_step(w0, g):
    p = torch.from_numpy(w0.copy())
    p.grad = torch.from_numpy(g)
    opt = torch.optim.Adam([p], lr=1e-3, foreach=True)

    def step():
        with torch.no_grad():
            opt.step()

    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10 ** 7, help="number of parameters")
    parser.add_argument("--steps", type=int, default=10, help="timed rounds (median)")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    rng = np.random.default_rng(0)
    w0, g = rng.standard_normal(args.n), rng.standard_normal(args.n)
    returned = []
    steps = {"copy": copy_step(args.n), "ours": gdcourse_step(w0, g, returned),
             "torch": torch_step(w0, g)}
    seconds = interleaved_medians(steps, args.steps)
    alive = {id(ref()) for ref in returned if ref() is not None}   # the optimizer still lives
    bandwidth = 2 * args.n * 8 / seconds["copy"]
    floor = 7 * args.n * 8 / bandwidth
    ours, theirs = seconds["ours"], seconds["torch"]

    print(f"Adam step, N = {args.n:.3g} float64, torch threads = {args.threads}, "
          f"median of {args.steps} steps")
    print(f"  gdcourse           {1e3 * ours:8.2f} ms/step")
    print(f"  torch foreach      {1e3 * theirs:8.2f} ms/step")
    print(f"  memory floor       {1e3 * floor:8.2f} ms/step  (7 x N x 8 bytes at the "
          f"np.copyto bandwidth {bandwidth / 1e9:.1f} GB/s)")
    print(f"  gdcourse / torch   {ours / theirs:8.2f}")
    print(f"  gdcourse / floor   {ours / floor:8.2f}")
    print(f"  gdcourse returned {len(returned)} results in {len(alive)} distinct arrays, "
          f"{sum(ref() is None for ref in returned)} results freed")


if __name__ == "__main__":
    main()
