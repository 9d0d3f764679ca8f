"""gdcourse.scale: fit_blocks equal to partial_fit called block by block in the same order,
one block in memory at a time, its arguments checked by name; the lazily generated data,
the one-pass normal equations and full gradient; local SGD and stale gradients; and, with
PyTorch, data-parallel SGD on two gloo processes (a manual all_reduce and
DistributedDataParallel) equal to one process with the global batch, every listener on
127.0.0.1, and workers that never outlive their time limit."""

import importlib.util
import threading
import time
import tracemalloc

import numpy as np
import pytest

da = pytest.importorskip("dask.array", reason="Dask is not installed")

from sklearn.linear_model import SGDClassifier, SGDRegressor  # noqa: E402

from gdcourse import scale  # noqa: E402
from gdcourse.estimators import GDClassifier, GDRegressor  # noqa: E402
from gdcourse.objectives import LinearRegression, Quadratic  # noqa: E402

HAVE_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch is not installed "
                                 "(pip install torch --index-url "
                                 "https://download.pytorch.org/whl/cpu)")


def small_data(n=2_300, d=4, block_rows=250, seed=3):
    """A lazily generated data set of 10 blocks, the last one shorter."""
    return scale.lazy_regression(n, d, block_rows=block_rows, noise=0.5, seed=seed)


def by_hand(estimator, X, y, orders, **extra):
    """partial_fit on the computed blocks, in the given order of each epoch."""
    X_blocks = np.split(X.compute(), np.cumsum(X.chunks[0])[:-1])
    y_blocks = np.split(y.compute(), np.cumsum(y.chunks[0])[:-1])
    for order in orders:
        for i in order:
            estimator.partial_fit(X_blocks[i], y_blocks[i], **extra)
    return estimator


def permutations(n_blocks, epochs, seed):
    rng = np.random.default_rng(seed)
    return [rng.permutation(n_blocks) for _ in range(epochs)]


@pytest.mark.parametrize("make", [
    lambda: GDRegressor(lr=0.05, batch_size=32, random_state=0),
    lambda: GDRegressor(optimizer="adam", lr=0.01, batch_size=None, random_state=1),
    lambda: SGDRegressor(random_state=0),
], ids=["GDRegressor", "GDRegressor-adam-full-batch", "SGDRegressor"])
def test_fit_blocks_is_partial_fit_block_by_block(make):
    X, y, _, _ = small_data()
    assert X.numblocks[0] == 10
    ours = scale.fit_blocks(make(), X, y, epochs=3, random_state=7)
    theirs = by_hand(make(), X, y, permutations(10, 3, 7))
    assert np.array_equal(ours.coef_, theirs.coef_)
    assert np.array_equal(ours.intercept_, theirs.intercept_)


def test_fit_blocks_without_shuffle_visits_the_stored_order():
    X, y, _, _ = small_data()
    make = lambda: GDRegressor(lr=0.05, batch_size=16, random_state=0)  # noqa: E731
    ours = scale.fit_blocks(make(), X, y, epochs=2, shuffle_blocks=False, random_state=5)
    theirs = by_hand(make(), X, y, [range(10)] * 2)
    assert np.array_equal(ours.coef_, theirs.coef_)
    shuffled = scale.fit_blocks(make(), X, y, epochs=2, random_state=5)
    assert not np.array_equal(ours.coef_, shuffled.coef_)       # the order matters


@pytest.mark.parametrize("make", [
    lambda: GDClassifier(lr=0.1, batch_size=20, random_state=0),
    lambda: SGDClassifier(random_state=0),
], ids=["GDClassifier", "SGDClassifier"])
def test_fit_blocks_gives_a_classifier_its_classes(make):
    X, y_real, _, _ = small_data()
    y = (y_real > 0.5).astype(int) + (y_real > 2.0)              # three classes
    ours = scale.fit_blocks(make(), X, y, epochs=2, random_state=1)
    theirs = by_hand(make(), X, y, permutations(10, 2, 1), classes=np.array([0, 1, 2]))
    assert list(ours.classes_) == [0, 1, 2]
    assert np.array_equal(ours.coef_, theirs.coef_)


def test_fit_blocks_continues_a_fitted_estimator():
    X, y, _, _ = small_data()
    once = scale.fit_blocks(GDRegressor(lr=0.05, batch_size=32, random_state=0), X, y,
                            random_state=2)
    first = once.coef_.copy()
    assert scale.fit_blocks(once, X, y, random_state=3) is once
    assert not np.array_equal(once.coef_, first)


class Recorder:
    """An estimator that records what it is given and the memory in use meanwhile."""

    def __init__(self):
        self.shapes, self.traced = [], []

    def partial_fit(self, X, y):
        self.shapes.append((type(X), X.shape, y.shape))
        self.traced.append(tracemalloc.get_traced_memory()[0])
        return self


def test_fit_blocks_holds_one_block_at_a_time():
    X, y, _, _ = scale.lazy_regression(400_000, 9, block_rows=20_000, seed=0)
    block_bytes = 20_000 * 10 * 8                                 # [X | y] of one block
    scale.fit_blocks(Recorder(), X[:40_000], y[:40_000])        # imports, caches: warm
    recorder = Recorder()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        scale.fit_blocks(recorder, X, y, random_state=0)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert recorder.shapes == [(np.ndarray, (20_000, 9), (20_000,))] * 20
    assert peak < 4 * block_bytes                                  # the data: 20 blocks
    assert max(recorder.traced) - base < 3 * block_bytes


@pytest.mark.parametrize("kwargs, match", [
    (dict(epochs=0), "epochs"), (dict(epochs=1.0), "epochs"), (dict(epochs=True), "epochs"),
    (dict(shuffle_blocks="yes"), "shuffle_blocks"), (dict(random_state="a"), "random_state"),
    (dict(random_state=1.5), "random_state"),
])
def test_fit_blocks_checks_its_options(kwargs, match):
    X, y, _, _ = small_data()
    with pytest.raises(ValueError, match=match):
        scale.fit_blocks(GDRegressor(), X, y, **kwargs)


def test_fit_blocks_checks_its_arrays():
    X, y, _, _ = small_data()
    with pytest.raises(ValueError, match="X must be a 2-D Dask array"):
        scale.fit_blocks(GDRegressor(), X.compute(), y)
    with pytest.raises(ValueError, match="X must be a 2-D Dask array"):
        scale.fit_blocks(GDRegressor(), y, y)
    with pytest.raises(ValueError, match="X must be chunked by rows only"):
        scale.fit_blocks(GDRegressor(), X.rechunk((250, 2)), y)
    with pytest.raises(ValueError, match="y must be a 1-D or 2-D Dask array"):
        scale.fit_blocks(GDRegressor(), X, y.compute())
    with pytest.raises(ValueError, match="y must have the row chunks of X"):
        scale.fit_blocks(GDRegressor(), X, y.rechunk(500))
    with pytest.raises(ValueError, match="estimator must have a partial_fit"):
        scale.fit_blocks(object(), X, y)


def test_lazy_regression_blocks_are_seeded_per_block():
    X, y, coef, intercept = small_data()
    again, _, _, _ = small_data()
    assert X.chunks[0] == (250,) * 9 + (50,)
    assert np.array_equal(X.blocks[4].compute(), again.blocks[4].compute())
    assert np.array_equal(X.blocks[4].compute(), X.compute()[1000:1250])
    assert not np.array_equal(X.blocks[4].compute()[:50], X.blocks[5].compute()[:50])
    full = X.compute()
    assert np.allclose(full.std(axis=0), np.linspace(1, 0.5, 4), rtol=0.1)
    residual = y.compute() - full @ coef - intercept
    assert 0.45 < residual.std() < 0.55
    with pytest.raises(ValueError, match="block_rows"):
        scale.lazy_regression(100, 3, block_rows=0)
    with pytest.raises(ValueError, match="noise"):
        scale.lazy_regression(100, 3, block_rows=10, noise=-1)


def test_normal_equations_and_full_gradient_in_one_pass():
    X, y, _, _ = small_data()
    Xn, yn = X.compute(), y.compute()
    Z = np.column_stack([np.ones(len(yn)), Xn])
    exact = np.linalg.lstsq(Z, yn, rcond=None)[0]
    assert np.allclose(scale.normal_equations(X, y), exact, rtol=0, atol=1e-12)
    theta = np.random.default_rng(0).standard_normal(5)
    gradient = scale.full_gradient(X, y, theta).compute()
    assert np.allclose(gradient, LinearRegression(Xn, yn).grad(theta), rtol=0, atol=1e-13)


def test_local_sgd_with_period_one_is_synchronous_sgd():
    rng = np.random.default_rng(0)
    shards = [LinearRegression(rng.standard_normal((40, 3)), rng.standard_normal(40))
              for _ in range(3)]
    path = scale.local_sgd(shards, np.zeros(4), 0.1, 12, 1, 5, random_state=4)
    assert path.shape == (13, 4)
    # by hand: the same batches (each worker's generator as local_sgd draws them)
    seeds = np.random.SeedSequence(4).spawn(3)
    rngs = [np.random.default_rng(s) for s in seeds]
    orders = [np.concatenate([rng.permutation(40), rng.permutation(40)]) for rng in rngs]
    theta = np.zeros(4)
    for t in range(12):
        grads = [o.grad(theta, order[5 * t:5 * t + 5]) for o, order in zip(shards, orders)]
        theta = theta - 0.1 * np.mean(grads, axis=0)
        assert np.allclose(path[t + 1], theta, rtol=0, atol=1e-14)
    rounds = scale.local_sgd(shards, np.zeros(4), 0.1, 12, 4, 5, random_state=4)
    assert rounds.shape == (4, 4) and not np.allclose(rounds[-1], path[-1])


@pytest.mark.parametrize("delay", [0, 1, 2, 5, 10])
def test_delay_stability_limit(delay):
    limit = scale.delay_stability_limit(delay)
    # the roots of z^(tau+1) - z^tau + a: on the unit circle exactly at the limit
    poly = np.r_[1.0, -1.0, np.zeros(delay)]
    poly[-1] += limit
    assert abs(np.max(np.abs(np.roots(poly))) - 1) < 1e-9
    f = Quadratic(np.diag([2.0, 0.5]))                          # L = 2
    for factor, fate in ((0.95, "decays"), (1.05, "grows")):
        path = scale.delayed_gd(f.grad, [1.0, 1.0], factor * limit / 2, 4000, delay)
        size = np.abs(path[-1, 0])
        assert (size < 1e-2) if fate == "decays" else (size > 1e2)


def test_allreduce_model():
    assert scale.allreduce_seconds(8e6, 1, 1e-4, 1e9) == 0
    assert scale.allreduce_seconds(8e6, 2, 1e-4, 1e9) == pytest.approx(2e-4 + 8e-3)
    assert scale.allreduce_seconds(8e6, 4, 0, 1e9) == pytest.approx(1.5 * 8e-3)


# ------------------------------------------------------------- torch.distributed on gloo

PROBLEM = dict(seed=1, n_samples=3000, n_features=6)
SGD = dict(problem=PROBLEM, lr=0.05, steps=120, batch_size=16)


def listeners(processes):
    """The addresses every process listens on (TCP)."""
    found = set()
    for process in processes:
        try:
            connections = process.net_connections(kind="inet")
        except Exception:                           # the process has just ended
            continue
        found |= {(process.pid, c.laddr.ip, c.laddr.port) for c in connections
                  if c.status == "LISTEN"}
    return found


def watch_listeners(run):
    """Run ``run()`` in a thread; meanwhile, collect the listeners of this process and its
    children every 20 ms. Returns ``(result, listeners seen)``."""
    psutil = pytest.importorskip("psutil")
    me, seen, box = psutil.Process(), set(), {}
    thread = threading.Thread(target=lambda: box.update(result=run()), daemon=True)
    thread.start()
    while thread.is_alive():
        seen |= listeners([me, *me.children(recursive=True)])
        time.sleep(0.02)
    thread.join()
    assert "result" in box, "the run failed"
    return box["result"], seen


def assert_loopback_only(seen):
    addresses = {ip for _, ip, _ in seen}
    assert addresses <= {"127.0.0.1", "::1"}, f"listening beyond loopback: {seen}"


@pytest.fixture(scope="module")
def two_workers():
    """One launch of two gloo workers: both SGD jobs, and a pause to watch the sockets."""
    jobs = [("hold", dict(seconds=2.0)), ("data_parallel_sgd", SGD), ("ddp_sgd", SGD)]
    return watch_listeners(lambda: scale.run_workers(jobs, 2, timeout=120))


def one_process_with_the_global_batch():
    X, y = scale.regression_problem(**PROBLEM)
    return scale.minibatch_sgd(X, y, SGD["lr"], SGD["steps"], 2 * SGD["batch_size"])


@needs_torch
@pytest.mark.parametrize("job", [1, 2], ids=["manual-all_reduce", "DDP"])
def test_data_parallel_sgd_is_large_batch_sgd(two_workers, job):
    results, _ = two_workers
    assert results[0] == [2.0, 2.0]                             # the all_reduce of 1 + 1
    reference = one_process_with_the_global_batch()
    assert len(reference) == 121
    for path in results[job]:                                  # both workers
        assert path.shape == reference.shape
        assert np.max(np.abs(path - reference)) <= 1e-12
    fitted = LinearRegression(*scale.regression_problem(**PROBLEM))
    assert fitted.loss(reference[-1]) < 0.01 * fitted.loss(reference[0])  # it went far


@needs_torch
def test_the_workers_listen_on_loopback_only(two_workers):
    _, seen = two_workers
    workers = {pid for pid, _, _ in seen} - {__import__("os").getpid()}
    assert len(workers) == 2, f"the gloo listeners of both workers were not seen: {seen}"
    assert_loopback_only(seen)


def test_the_dask_cluster_listens_on_loopback_only():
    distributed = pytest.importorskip("distributed")

    def run():
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                      memory_limit="1GiB") as cluster, \
                distributed.Client(cluster):
            X, y, _, _ = small_data()
            theta = scale.normal_equations(X, y)
            time.sleep(1.0)
            return theta

    theta, seen = watch_listeners(run)
    assert len({pid for pid, _, _ in seen}) >= 3             # the scheduler, two workers
    assert_loopback_only(seen)
    X, y, _, _ = small_data()
    assert np.allclose(theta, scale.normal_equations(X, y), rtol=0, atol=1e-12)


@needs_torch
def test_run_workers_stops_at_its_time_limit():
    psutil = pytest.importorskip("psutil")
    start = time.monotonic()
    with pytest.raises(TimeoutError, match="within 3"):
        scale.run_workers([("hold", dict(seconds=60))], 2, timeout=3)
    assert time.monotonic() - start < 10
    workers = [p for p in psutil.Process().children(recursive=True)
               if "gdcourse.scale" in " ".join(p.cmdline())]
    assert workers == []


@needs_torch
def test_a_failing_worker_is_reported_with_its_output():
    with pytest.raises(RuntimeError, match="(?s)worker [01] failed.*TypeError"):
        scale.run_workers([("hold", dict(seconds="a while"))], 2, timeout=120)


def test_run_workers_checks_its_arguments():
    pytest.importorskip("torch")
    with pytest.raises(ValueError, match="unknown job"):
        scale.run_workers([("nonsense", {})], 2)
    with pytest.raises(ValueError, match="world_size"):
        scale.run_workers([("hold", dict(seconds=0))], 0)
    with pytest.raises(ValueError, match="timeout"):
        scale.run_workers([("hold", dict(seconds=0))], 2, timeout=0)


def test_import_gdcourse_needs_neither_torch_nor_dask():
    import subprocess
    import sys
    code = ("import sys, gdcourse, gdcourse.scale; "
            "print(any(m.split('.')[0] in ('torch', 'dask') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
