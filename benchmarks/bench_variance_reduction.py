"""Variance reduction in passes and in seconds: SAGA and SVRG against gradient descent, SGD and
scikit-learn's compiled SAG/SAGA solvers, on one machine, in one run.

Dense synthetic ridge regression, 20 000 x 20 float64, features scaled from 1 down to 0.1
(condition number of the Hessian about 100, kappa_max / m about 0.1): the regime where
variance reduction needs far fewer passes than gradient descent.  Each method runs until
f - f* <= 1e-8 (f(0) - f*), f* from the exact solve, and reports

* passes over the data (gradients of single examples / m), as the chapter counts them;
* seconds (best of ``--repeats``, BLAS on one thread for all, as scikit-learn's solvers
  run), including the full-data loss the package records after every pass;

for ``gd_passes`` (step 1/L), ``sgd_passes`` (the step 1/(3 L_max); it stops at its noise
floor, so it reports the gap it reached after ``--sgd-passes`` passes), ``svrg`` (step
1/L_max, m inner steps) and ``saga`` (step 1/(3 L_max)) of ``gdcourse.variance_reduction``,
and scikit-learn's ``Ridge(solver="sag")`` and ``Ridge(solver="saga")`` (same objective up
to the factor m, tolerance tightened until they reach the target; they report passes as
``n_iter_``).

Run:  python benchmarks/bench_variance_reduction.py [--repeats 3] [--m 20000]
"""

from __future__ import annotations

import argparse
import platform

import numpy as np
import sklearn
from sklearn.linear_model import Ridge
from threadpoolctl import threadpool_limits

from _timing import best_time                   # benchmarks/_timing.py
from gdcourse import variance_reduction as vr
from gdcourse.objectives import LinearRegression

N_FEATURES, ALPHA, TARGET = 20, 1e-3, 1e-8


def make_problem(m, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, N_FEATURES)) * np.geomspace(1.0, 0.1, N_FEATURES)
    y = X @ rng.standard_normal(N_FEATURES) + 0.3 + 0.5 * rng.standard_normal(m)
    return X, y, LinearRegression(X, y, alpha=ALPHA)


def passes_to_target(run, f_star, gap0):
    """The first recorded number of passes at which the gap is below TARGET * gap0."""
    reached = np.flatnonzero(run.losses - f_star <= TARGET * gap0)
    return run.passes[reached[0]] if reached.size else None


def sklearn_ridge(X, y, solver, objective, f_star, gap0):
    """scikit-learn's solver with the tolerance tightened until it reaches the target."""
    for tol in 10.0 ** -np.arange(3, 16):
        model = Ridge(alpha=ALPHA * len(y), solver=solver, tol=tol, max_iter=100_000,
                      random_state=0).fit(X, y)
        gap = objective.loss(np.r_[model.intercept_, model.coef_]) - f_star
        if gap <= TARGET * gap0:
            return tol, model
    raise RuntimeError(f"{solver} did not reach the target")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--m", type=int, default=20_000)
    parser.add_argument("--sgd-passes", type=int, default=10)
    args = parser.parse_args()

    X, y, objective = make_problem(args.m)
    f_star = objective.loss(objective.solution())
    w0 = np.zeros(objective.n_params)
    gap0 = objective.loss(w0) - f_star
    L, mu, L_max = objective.L, objective.mu, vr.max_example_smoothness(objective)
    print(f"{args.m} x {N_FEATURES} ridge (alpha={ALPHA:g}): kappa = {L / mu:.0f}, "
          f"kappa_max / m = {L_max / mu / args.m:.2f}; target f - f* <= {TARGET:g} "
          f"(f(0) - f*); numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
          f"{platform.processor() or platform.machine()}; best of {args.repeats}")

    # how many passes each method needs (one monitored run each), then the timed runs
    gd_epochs = int(np.ceil(L / mu * np.log(1 / TARGET))) + 10
    runs = {
        "gdcourse gd_passes (1/L)": lambda epochs: vr.gd_passes(objective, w0, 1 / L,
                                                                  epochs=epochs),
        "gdcourse svrg (1/L_max)": lambda epochs: vr.svrg(objective, w0, 1 / L_max,
                                                            epochs=epochs, random_state=0),
        "gdcourse saga (1/(3 L_max))": lambda epochs: vr.saga(objective, w0, 1 / (3 * L_max),
                                                                epochs=epochs, random_state=0),
    }
    budgets = {"gdcourse gd_passes (1/L)": gd_epochs, "gdcourse svrg (1/L_max)": 15,
               "gdcourse saga (1/(3 L_max))": 30}
    print(f"{'method':38s} {'passes':>8s} {'seconds':>9s} {'s / pass':>10s}")
    for name, run in runs.items():
        history = run(budgets[name])
        needed = passes_to_target(history, f_star, gap0)
        if needed is None:
            print(f"{name:38s} did not reach the target in {history.passes[-1]:.0f} passes")
            continue
        epochs = {"gdcourse gd_passes (1/L)": int(needed),
                  "gdcourse svrg (1/L_max)": int(round(needed / 3)),
                  "gdcourse saga (1/(3 L_max))": int(needed) - 1}[name]
        seconds, history = best_time(lambda: run(epochs), args.repeats)
        assert history.losses[-1] - f_star <= TARGET * gap0
        print(f"{name:38s} {needed:8.0f} {seconds:9.3f} {seconds / needed:10.2e}")

    seconds, sgd = best_time(lambda: vr.sgd_passes(objective, w0, 1 / (3 * L_max),
                                               epochs=args.sgd_passes, random_state=0),
                         args.repeats)
    print(f"{'gdcourse sgd_passes (1/(3 L_max))':38s} {args.sgd_passes:8d} {seconds:9.3f} "
          f"{seconds / args.sgd_passes:10.2e}   stalls at f - f* = "
          f"{(sgd.losses[-1] - f_star) / gap0:.1e} (f(0) - f*)")

    for solver in ("sag", "saga"):
        tol, model = sklearn_ridge(X, y, solver, objective, f_star, gap0)
        seconds, model = best_time(lambda: Ridge(alpha=ALPHA * len(y), solver=solver, tol=tol,
                                             max_iter=100_000, random_state=0).fit(X, y),
                               args.repeats)
        passes = int(np.ravel(model.n_iter_)[0])
        print(f"{'sklearn Ridge(solver=' + repr(solver) + f', tol={tol:.0e})':38s} "
              f"{passes:8d} {seconds:9.3f} {seconds / passes:10.2e}")


if __name__ == "__main__":
    with threadpool_limits(limits=1, user_api="blas"):
        main()
