"""Mini-batch SGD of gdcourse against scikit-learn's SGDRegressor, on one machine, in one run.

Dense synthetic least squares, 200 000 x 50 float64 (plus 50 000 test rows):

* gdcourse: ``minibatch_gradient_descent`` with plain SGD, batch 64, 5 epochs, the constant
  learning rate 0.01 (scikit-learn's ``eta0``), seeded reshuffling every epoch, default
  records (per step: mini-batch loss, gradient norm, lr; per epoch: full-data loss);
* scikit-learn: ``SGDRegressor`` (one update per sample), 5 epochs (``max_iter=5,
  tol=None``), no penalty, no early stopping, with its default ``invscaling`` schedule and
  with a constant rate.

Each fit is timed ``--repeats`` times (interleaved; the best time counts) and reported as
training samples per second (``5 * 200 000 / seconds``), together with the test MSE.  The
gdcourse time covers the descent; the one-off construction of the objective (which builds
the design matrix ``[1, X]``) is reported separately.

Run:  python benchmarks/bench_minibatch.py [--repeats 5] [--lr 0.01] [--record step|epoch]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import sklearn
from sklearn.linear_model import SGDRegressor

from gdcourse.objectives import LinearRegression
from gdcourse.variants import minibatch_gradient_descent

M_TRAIN, M_TEST, N_FEATURES, NOISE = 200_000, 50_000, 50, 0.5
EPOCHS, BATCH = 5, 64


def make_data(seed=0):
    """y = X w + b + noise, with standard normal features (a well-conditioned problem)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((M_TRAIN + M_TEST, N_FEATURES))
    w, b = rng.standard_normal(N_FEATURES), 0.5
    y = X @ w + b + NOISE * rng.standard_normal(M_TRAIN + M_TEST)
    return X[:M_TRAIN], y[:M_TRAIN], X[M_TRAIN:], y[M_TRAIN:]


def mse(y_pred, y):
    return float(np.mean((y_pred - y) ** 2))


def timed(fit):
    start = time.perf_counter()
    result = fit()
    return time.perf_counter() - start, result


def run_gdcourse(objective, lr, record):
    history = minibatch_gradient_descent(objective, np.zeros(objective.n_params), lr=lr,
                                         epochs=EPOCHS, batch_size=BATCH, random_state=0,
                                         record=record)
    assert history.stop_reason == "max_iter", history.message
    return history.w


def run_sklearn(X, y, schedule):
    model = SGDRegressor(loss="squared_error", penalty=None, learning_rate=schedule, eta0=0.01,
                         max_iter=EPOCHS, tol=None, shuffle=True, early_stopping=False,
                         random_state=0)
    return model.fit(X, y)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.01, help="constant lr of gdcourse")
    parser.add_argument("--record", choices=["step", "epoch"], default="step",
                        help="records kept by gdcourse (see minibatch_descent)")
    args = parser.parse_args()

    X, y, X_test, y_test = make_data()
    build_time, objective = timed(lambda: LinearRegression(X, y))
    samples = EPOCHS * M_TRAIN
    contenders = {
        f"gdcourse mini-batch SGD (k={BATCH}, lr={args.lr:g}, record={args.record})":
            lambda: run_gdcourse(objective, args.lr, args.record),
        "sklearn SGDRegressor (invscaling, eta0=0.01)": lambda: run_sklearn(X, y, "invscaling"),
        "sklearn SGDRegressor (constant, eta0=0.01)": lambda: run_sklearn(X, y, "constant"),
    }
    best, fitted = {name: np.inf for name in contenders}, {}
    for _ in range(args.repeats):
        for name, fit in contenders.items():
            seconds, fitted[name] = timed(fit)
            best[name] = min(best[name], seconds)

    print(f"{M_TRAIN} x {N_FEATURES} float64, {EPOCHS} epochs; numpy {np.__version__}, "
          f"scikit-learn {sklearn.__version__}, {platform.processor() or platform.machine()}; "
          f"best of {args.repeats}")
    print(f"(building the gdcourse objective, once: {build_time:.3f} s)")
    print(f"{'':60s} {'seconds':>8s} {'samples/s':>11s} {'test MSE':>9s}")
    test_mse = {}
    for name, result in fitted.items():
        if isinstance(result, np.ndarray):
            w, b = objective.unpack(result)
            test_mse[name] = mse(X_test @ w + b, y_test)
        else:
            test_mse[name] = mse(result.predict(X_test), y_test)
        print(f"{name:60s} {best[name]:8.3f} {samples / best[name]:11.3g} {test_mse[name]:9.4f}")

    ours, *theirs = contenders
    w, b = objective.unpack(objective.solution())
    print(f"least squares (exact minimiser): test MSE {mse(X_test @ w + b, y_test):.4f}; "
          f"noise variance {NOISE ** 2:.4f}")
    for name in theirs:
        print(f"throughput ratio gdcourse / {name}: {best[name] / best[ours]:.2f}x, "
              f"test MSE {test_mse[ours]:.4f} vs {test_mse[name]:.4f}")


if __name__ == "__main__":
    main()
