"""Time one in-place Adam step: gdcourse's ``Adam.step_`` against torch's foreach Adam.

Run from the repository root::

    .venv/bin/python benchmarks/bench_adam.py [--sizes 10000 100000 1000000 10000000]
                                              [--steps 10] [--threads 1]

For each size N (float64 parameters), the median over ``--steps`` rounds after warm-up
(every round times each contender once, so that they share the machine's load) of:

* ``step_``: ``opt.step_(w, g)`` with :class:`gdcourse.optim.Adam`, which updates ``w``
  and the moments in place, as torch does; from ``optim.CHUNKED_FROM`` elements on it
  runs the cache-blocked update ``_adam_in_chunks_``;
* ``step``: ``w = opt.step(w, g)``, the functional form: the plain update of the book,
  whose result and temporaries are new arrays (for comparison only);
* torch: ``torch.optim.Adam(foreach=True).step()`` on the same data, in place, with
  ``torch.set_num_threads(--threads)`` (NumPy's element-wise operations use one thread);
* the memory-traffic floor: an Adam step must read w, g, m, v and write w, m, v, i.e.
  7 arrays of N float64; at the bandwidth measured with ``np.copyto`` (which reads one
  array and writes one) that takes ``7 * N * 8 / bandwidth`` seconds.

The ratios ``step_ / torch`` are what to compare: below 1, gdcourse is faster.
"""

from __future__ import annotations

import argparse
import statistics
import time

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


def in_place_step(w0, g):
    """One ``opt.step_(w, g)``: ``w`` and the moments are updated in place."""
    opt, w = Adam(lr=1e-3), w0.copy()
    return lambda: opt.step_(w, g)


def functional_step(w0, g):
    """One ``w = opt.step(w, g)``: a new array at every step."""
    opt, w = Adam(lr=1e-3), w0

    def step():
        nonlocal w
        w = opt.step(w, g)

    return step


def torch_step(w0, g):
    p = torch.from_numpy(w0.copy())
    p.grad = torch.from_numpy(g)
    opt = torch.optim.Adam([p], lr=1e-3, foreach=True)

    def step():
        with torch.no_grad():
            opt.step()

    return step


def measure(n, repeats):
    rng = np.random.default_rng(0)
    w0, g = rng.standard_normal(n), rng.standard_normal(n)
    steps = {"copy": copy_step(n), "step_": in_place_step(w0, g),
             "step": functional_step(w0, g), "torch": torch_step(w0, g)}
    seconds = interleaved_medians(steps, repeats)
    bandwidth = 2 * n * 8 / seconds["copy"]
    seconds["floor"] = 7 * n * 8 / bandwidth
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[10 ** 4, 10 ** 5, 10 ** 6, 10 ** 7], help="numbers of parameters")
    parser.add_argument("--steps", type=int, default=10, help="timed rounds (median)")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    print(f"Adam step on N float64, torch threads = {args.threads}, median of {args.steps} "
          f"rounds (ms per step)")
    print(f"{'N':>10} {'step_':>9} {'step':>9} {'torch':>9} {'floor':>9}"
          f" {'step_/torch':>12} {'step_/floor':>12} {'step/torch':>11}")
    for n in args.sizes:
        s = measure(n, args.steps)
        print(f"{n:>10.0e} {1e3 * s['step_']:9.3f} {1e3 * s['step']:9.3f} "
              f"{1e3 * s['torch']:9.3f} {1e3 * s['floor']:9.3f} "
              f"{s['step_'] / s['torch']:12.2f} {s['step_'] / s['floor']:12.2f} "
              f"{s['step'] / s['torch']:11.2f}")


if __name__ == "__main__":
    main()
