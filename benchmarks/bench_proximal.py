"""FISTA and ISTA of gdcourse against scikit-learn's coordinate descent (``Lasso``): the time
to reach the same objective value, on one machine, in one run.

Dense synthetic lasso problems, float64, with correlated features (each column mixes its
own noise with a shared factor) and a sparse true coefficient vector (one in ten
non-zero).  For each tolerance ``tol`` of scikit-learn (``1e-4``, its default, and tighter
ones) ``Lasso`` is fitted and its objective value F_cd recorded; then ``fista`` and
``ista`` (step 1/L, L from the largest singular value of the design, computed once and
reported apart) run until their objective is at most F_cd.  The times are the best of
``--repeats``, BLAS on one thread for all; the package's runs include the objective value
they record at every iteration (a third of their work).

Run:  python benchmarks/bench_proximal.py [--repeats 3] [--shapes 1000x100 4000x200]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import sklearn
from sklearn.linear_model import Lasso
from threadpoolctl import threadpool_limits

from _timing import best_time                   # benchmarks/_timing.py
from gdcourse import proximal
from gdcourse.objectives import LinearRegression

ALPHA_SHARE = 0.05        # alpha as a share of the smallest alpha with an all-zero solution


def make_problem(m, n, seed=0):
    rng = np.random.default_rng(seed)
    shared = rng.standard_normal((m, 1))
    X = 0.6 * shared + 0.8 * rng.standard_normal((m, n))
    coef = np.where(rng.uniform(size=n) < 0.1, rng.standard_normal(n) * 3, 0.0)
    y = X @ coef + 1.0 + rng.standard_normal(m)
    return X, y


def objective_value(X, y, coef, intercept, alpha):
    residual = X @ coef + intercept - y
    return residual @ residual / (2 * len(y)) + alpha * np.abs(coef).sum()


def compare(m, n, repeats):
    X, y = make_problem(m, n)
    alpha_max = np.abs((X - X.mean(0)).T @ (y - y.mean())).max() / m
    alpha = ALPHA_SHARE * alpha_max
    start = time.perf_counter()
    smooth = LinearRegression(X, y)
    L = np.linalg.norm(smooth.Z, 2) ** 2 / m              # the largest eigenvalue of Z^T Z / m
    setup = time.perf_counter() - start
    print(f"\n{m} x {n}, alpha = {alpha:.4g} ({ALPHA_SHARE:g} alpha_max), "
          f"L = {L:.4g} (objective and L: {setup:.3f} s, once)")
    print(f"{'sklearn tol':>11s} {'F (coordinate descent)':>23s} {'non-zero':>9s} "
          f"{'CD s':>8s} {'FISTA s':>8s} {'FISTA it':>9s} {'ISTA s':>8s} {'ISTA it':>8s} "
          f"{'FISTA / CD':>11s}")
    w0 = np.zeros(n + 1)
    for tol in (1e-4, 1e-6, 1e-8):
        cd_seconds, model = best_time(lambda: Lasso(alpha=alpha, tol=tol, max_iter=100_000)
                                  .fit(X, y), repeats)
        target = objective_value(X, y, model.coef_, model.intercept_, alpha)
        row = [f"{tol:11.0e}", f"{target:23.12g}", f"{np.count_nonzero(model.coef_):9d}",
               f"{cd_seconds:8.3f}"]
        seconds = {}
        for method, width in ((proximal.fista, 9), (proximal.ista, 8)):
            seconds[method], run = best_time(
                lambda: method(smooth, w0, 1 / L, alpha=alpha, max_iter=200_000, tol=None,
                               loss_tol=target), repeats)
            assert run.stop_reason == "loss_tol", run.message
            row += [f"{seconds[method]:8.3f}", f"{run.n_iter:{width}d}"]
        row.append(f"{seconds[proximal.fista] / cd_seconds:10.1f}x")
        print(" ".join(row))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--shapes", nargs="+", default=["1000x100", "4000x200"])
    args = parser.parse_args()
    print(f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
          f"{platform.processor() or platform.machine()}; best of {args.repeats}; "
          f"BLAS on one thread")
    for shape in args.shapes:
        m, n = (int(k) for k in shape.split("x"))
        compare(m, n, args.repeats)


if __name__ == "__main__":
    with threadpool_limits(limits=1, user_api="blas"):
        main()
