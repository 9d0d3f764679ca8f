r"""Gradient descent beyond one machine: data that does not fit, and several workers.

Out of core (needs Dask, imported only when called):

* :func:`fit_blocks` trains any estimator with ``partial_fit`` by streaming the row blocks
  of Dask arrays, one block in memory at a time;
* :func:`lazy_regression` is a linear-regression data set generated block by block, each
  block from its own seed, so that it exists nowhere in full;
* :func:`normal_equations` solves least squares exactly from one pass over the blocks, and
  :func:`full_gradient` is one pass of full-batch gradient descent.

Data-parallel SGD (needs PyTorch, imported only when called):

* :func:`run_workers` starts ``W`` processes joined by a ``torch.distributed`` process group
  (gloo backend, CPU) that listens on 127.0.0.1 only, runs jobs in them, returns their
  results, and always shuts them down, within a time limit;
* the jobs: :func:`data_parallel_sgd` (NumPy gradients summed by ``all_reduce``),
  :func:`ddp_sgd` (``DistributedDataParallel``), :func:`time_steps` (milliseconds per
  training step and per ``all_reduce``); :func:`minibatch_sgd` is the one-process
  reference with the global batch.

Simulations in one process (NumPy only): :func:`local_sgd` (averaging every ``H`` steps),
:func:`delayed_gd` (stale gradients) and the cost model :func:`allreduce_seconds`.
"""

from __future__ import annotations

import math
import os
import pickle
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np

from .objectives import LinearRegression

# ------------------------------------------------------------------------------ out of core


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_blocks(X, y):
    """The number of row blocks of ``X`` and ``y``, or a ValueError naming the argument."""
    import dask.array as da

    if not isinstance(X, da.Array) or X.ndim != 2:
        raise ValueError(f"X must be a 2-D Dask array, got {type(X).__name__}"
                         f"{'' if not hasattr(X, 'ndim') else f' with ndim={X.ndim}'}")
    if len(X.chunks[1]) != 1:
        raise ValueError(f"X must be chunked by rows only (one block of columns), got "
                         f"{len(X.chunks[1])} column blocks; use X.rechunk({{1: -1}})")
    if not isinstance(y, da.Array) or y.ndim not in (1, 2):
        raise ValueError(f"y must be a 1-D or 2-D Dask array, got {type(y).__name__}")
    if y.chunks[0] != X.chunks[0] or (y.ndim == 2 and len(y.chunks[1]) != 1):
        raise ValueError(f"y must have the row chunks of X, {X.chunks[0]}, and no column "
                         f"blocks; got {y.chunks}")
    return X.numblocks[0]


def _check_stream_options(estimator, epochs, shuffle_blocks, random_state):
    if not callable(getattr(estimator, "partial_fit", None)):
        raise ValueError(f"estimator must have a partial_fit method, got "
                         f"{type(estimator).__name__}")
    if not _is_int(epochs) or epochs < 1:
        raise ValueError(f"epochs must be an int >= 1, got {epochs!r}")
    if not isinstance(shuffle_blocks, (bool, np.bool_)):
        raise ValueError(f"shuffle_blocks must be True or False, got {shuffle_blocks!r}")
    if not (random_state is None or _is_int(random_state)
            or isinstance(random_state, np.random.Generator)):
        raise ValueError(f"random_state must be None, an int or a numpy Generator, got "
                         f"{random_state!r}")


def _classes(estimator, y):
    """``{"classes": ...}`` when ``partial_fit`` takes the classes (a classifier), else ``{}``."""
    import inspect

    if "classes" not in inspect.signature(estimator.partial_fit).parameters:
        return {}
    classes = getattr(estimator, "classes_", None)
    if classes is None:                          # one pass over y (not X) to find them
        import dask.array as da
        classes = da.unique(y).compute()
    return {"classes": classes}


def fit_blocks(estimator, X, y, *, epochs=1, shuffle_blocks=True, random_state=None):
    """Train ``estimator`` on the row blocks of the Dask arrays ``X`` and ``y``.

    Each epoch visits every block once, in the order ``rng.permutation(n_blocks)`` drawn
    anew for the epoch from ``rng = np.random.default_rng(random_state)`` (in the stored
    order ``0, 1, ...`` when ``shuffle_blocks`` is False), and calls
    ``estimator.partial_fit(X_block, y_block)`` on it: only one block is in memory at a
    time. A classifier (whose ``partial_fit`` takes ``classes``) gets them at every
    call: its ``classes_``, or, before its first fit, the labels found in one pass over
    ``y``. Returns the estimator.

    ``X`` must be chunked by rows only and ``y`` must have the same row chunks.
    """
    import dask

    n_blocks = _check_blocks(X, y)
    _check_stream_options(estimator, epochs, shuffle_blocks, random_state)
    extra = _classes(estimator, y)
    rng = np.random.default_rng(random_state)
    for _ in range(epochs):
        order = rng.permutation(n_blocks) if shuffle_blocks else range(n_blocks)
        for i in order:
            X_block, y_block = dask.compute(X.blocks[i], y.blocks[i])
            estimator.partial_fit(X_block, y_block, **extra)
            del X_block, y_block                 # free it before the next one arrives
    return estimator


def _regression_block(block_id=None, *, seed, rows, coef, intercept, noise, scales):
    """Block ``i`` of :func:`lazy_regression`, ``[X | y]``, from the seed ``[seed, i]``."""
    i = block_id[0]
    rng = np.random.default_rng([seed, i])
    n_rows = rows[i]
    X = rng.standard_normal((n_rows, len(coef))) * scales
    y = X @ coef + intercept + noise * rng.standard_normal(n_rows)
    return np.column_stack([X, y])


def lazy_regression(n_samples, n_features, *, block_rows, noise=1.0, seed=0):
    r"""A linear-regression data set that is generated only when a block is computed.

    Row :math:`i` is :math:`x_i \sim \mathcal N(0, \operatorname{diag}(s)^2)` with the
    feature scales :math:`s` from 1 down to 0.5, and
    :math:`y_i = x_i^\top w + b + \text{noise}\cdot\varepsilon_i`. Each block of
    ``block_rows`` rows draws from ``np.random.default_rng([seed, block])``: the same
    numbers whenever and wherever it is computed.

    Returns ``(X, y, coef, intercept)``: two Dask arrays with the same row chunks, and the
    true coefficients :math:`w` (drawn from ``seed``) and :math:`b`.
    """
    import dask.array as da

    for name, value in (("n_samples", n_samples), ("n_features", n_features),
                        ("block_rows", block_rows)):
        if not _is_int(value) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    coef = np.random.default_rng(seed).standard_normal(n_features)
    intercept = 0.5
    rows = (block_rows,) * (n_samples // block_rows)
    rows += (n_samples % block_rows,) if n_samples % block_rows else ()
    data = da.map_blocks(_regression_block, dtype=np.float64,
                         chunks=(rows, (n_features + 1,)), meta=np.empty((0, 0)),
                         seed=seed, rows=rows, coef=coef, intercept=intercept,
                         noise=float(noise), scales=np.linspace(1.0, 0.5, n_features))
    return data[:, :n_features], data[:, n_features], coef, intercept


def normal_equations(X, y):
    r"""The exact least-squares coefficients ``(intercept, w...)`` from one pass.

    With :math:`Z = [\mathbf 1, X]`, solves :math:`Z^\top Z\,\theta = Z^\top y`; the four
    sums :math:`n`, :math:`\mathbf 1^\top X`, :math:`X^\top X`, :math:`X^\top y`,
    :math:`\mathbf 1^\top y` are computed together, so each block is read once.
    """
    import dask

    col_sums, y_sum, XtX, Xty = dask.compute(X.sum(axis=0), y.sum(), X.T @ X, X.T @ y)
    n = X.shape[0]
    ZtZ = np.block([[np.array([[n]]), col_sums[None, :]], [col_sums[:, None], XtX]])
    return np.linalg.solve(ZtZ, np.r_[y_sum, Xty])


def full_gradient(X, y, theta):
    r"""The gradient :math:`\frac1n Z^\top (Z\theta - y)` of the half mean squared error,
    :math:`Z = [\mathbf 1, X]`, as a lazy Dask array: computing it is one pass."""
    import dask.array as da

    r = X @ theta[1:] + theta[0] - y                 # the residuals, block by block
    return da.concatenate([r.sum(keepdims=True), X.T @ r]) / X.shape[0]


# --------------------------------------------------------------- simulations in one process


def allreduce_seconds(n_bytes, world_size, latency, bandwidth):
    r"""The latency-bandwidth model of a ring all-reduce of ``n_bytes`` on ``W`` workers:

    .. math:: T = 2(W-1)\,\alpha + \frac{2(W-1)}{W}\,\frac{n}{\beta},

    ``2(W - 1)`` messages of latency :math:`\alpha` each, and :math:`2(W-1)/W` times the
    bytes sent by every worker at the bandwidth :math:`\beta` (bytes per second).
    """
    W = world_size
    return 2 * (W - 1) * latency + 2 * (W - 1) / W * n_bytes / bandwidth


def local_sgd(objectives, theta0, lr, steps, period, batch_size, random_state=0):
    r"""Local SGD: ``W = len(objectives)`` workers, each on its own shard, average their
    parameters every ``period`` steps (:math:`H`).

    Worker :math:`k` takes mini-batch SGD steps on its objective (rows drawn without
    replacement in each of its epochs, from its own generator); after every :math:`H`
    steps all set :math:`\theta_k \leftarrow \frac1W \sum_j \theta_j`. With :math:`H = 1`
    this is synchronous data-parallel SGD. Returns the averaged parameters after each
    round, shape ``(steps // period + 1, n_params)``, the start first.
    """
    seeds = np.random.SeedSequence(random_state).spawn(len(objectives))
    rngs = [np.random.default_rng(s) for s in seeds]
    thetas = [np.array(theta0, dtype=float) for _ in objectives]
    orders = [np.empty(0, dtype=int) for _ in objectives]
    averages = [np.mean(thetas, axis=0)]
    for t in range(steps):
        for k, objective in enumerate(objectives):
            if len(orders[k]) < batch_size:          # a new epoch on this shard
                orders[k] = rngs[k].permutation(objective.n_samples)
            rows, orders[k] = orders[k][:batch_size], orders[k][batch_size:]
            thetas[k] = thetas[k] - lr * objective.grad(thetas[k], rows)
        if (t + 1) % period == 0:                     # communicate: one all-reduce
            average = np.mean(thetas, axis=0)
            thetas = [average.copy() for _ in objectives]
            averages.append(average)
    return np.array(averages)


def delayed_gd(grad, theta0, lr, steps, delay):
    r"""Gradient descent with stale gradients:
    :math:`\theta_{t+1} = \theta_t - \eta\,\nabla f(\theta_{t-\tau})`, :math:`\tau` =
    ``delay`` (:math:`\theta_s = \theta_0` for :math:`s < 0`): what an asynchronous worker
    does when its gradient was computed :math:`\tau` updates ago. Returns the iterates."""
    path = [np.array(theta0, dtype=float)]
    for t in range(steps):
        stale = path[max(t - delay, 0)]
        path.append(path[t] - lr * grad(stale))
    return np.array(path)


def delay_stability_limit(delay):
    r"""The largest stable :math:`\eta L` of :func:`delayed_gd` on a quadratic of curvature
    :math:`L`: :math:`x_{t+1} = x_t - a\,x_{t-\tau}` decays iff
    :math:`0 < a < 2\sin\frac{\pi}{2(2\tau+1)}` (2 for :math:`\tau = 0`, about
    :math:`\pi/(2\tau+1)` for large :math:`\tau`)."""
    return 2 * math.sin(math.pi / (2 * (2 * delay + 1)))


# -------------------------------------------------------------------- data-parallel SGD


def regression_problem(seed=0, n_samples=4096, n_features=5, noise=0.1):
    """A small least-squares problem ``(X, y)`` that every worker rebuilds from the seed."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    y = X @ rng.standard_normal(n_features) + 0.5 + noise * rng.standard_normal(n_samples)
    return X, y


def shard_rows(step, rank, world_size, batch_size, n_samples):
    """The rows of worker ``rank`` at ``step``: its ``batch_size`` consecutive rows of the
    step's global batch of ``world_size * batch_size`` rows (cycling through the data)."""
    start = step * world_size * batch_size + rank * batch_size
    return np.arange(start, start + batch_size) % n_samples


def minibatch_sgd(X, y, lr, steps, batch_size):
    """One process, batch ``batch_size``: the trajectory ``(steps + 1, 1 + n_features)``."""
    objective = LinearRegression(X, y)
    theta = np.zeros(objective.n_params)
    path = [theta]
    for t in range(steps):
        theta = theta - lr * objective.grad(theta, shard_rows(t, 0, 1, batch_size, len(y)))
        path.append(theta)
    return np.array(path)


def data_parallel_sgd(rank, world_size, *, problem, lr, steps, batch_size):
    """Worker ``rank`` of synchronous data-parallel SGD: its gradient on its own rows,
    the sum over the workers by ``all_reduce``, divided by ``W``: the gradient of the
    global batch. Returns the trajectory (every worker holds the same one)."""
    import torch
    import torch.distributed as dist

    X, y = regression_problem(**problem)
    objective = LinearRegression(X, y)
    theta = np.zeros(objective.n_params)
    path = [theta]
    for t in range(steps):
        rows = shard_rows(t, rank, world_size, batch_size, len(y))
        g = objective.grad(theta, rows)              # NumPy, on this worker's rows
        dist.all_reduce(torch.from_numpy(g))         # in place: g = sum over workers
        theta = theta - lr * g / world_size
        path.append(theta)
    return np.array(path)


def ddp_sgd(rank, world_size, *, problem, lr, steps, batch_size):
    """Worker ``rank`` of the same SGD with ``DistributedDataParallel``: a float64
    ``nn.Linear`` from zero, loss half the mean squared error of its rows,
    ``torch.optim.SGD``; ``backward()`` averages the gradients over the workers. Returns
    the trajectory as ``(bias, weights)`` rows."""
    import torch
    from torch.nn.parallel import DistributedDataParallel

    X, y = map(torch.from_numpy, regression_problem(**problem))
    model = torch.nn.Linear(X.shape[1], 1, dtype=torch.float64)
    torch.nn.init.zeros_(model.weight)
    torch.nn.init.zeros_(model.bias)
    ddp = DistributedDataParallel(model)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=lr)

    def params():
        return torch.cat([model.bias, model.weight[0]]).detach().numpy().copy()

    path = [params()]
    for t in range(steps):
        rows = torch.from_numpy(shard_rows(t, rank, world_size, batch_size, len(y)))
        optimizer.zero_grad()
        loss = 0.5 * ((ddp(X[rows])[:, 0] - y[rows]) ** 2).mean()
        loss.backward()                              # all-reduces the gradients
        optimizer.step()
        path.append(params())
    return np.array(path)


def _median_ms(run, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def time_steps(rank, world_size, *, widths=(2, 100, 1000), global_batch=1024, steps=10,
               allreduce_sizes=(1, 10**3, 10**5, 10**6), repeats=10):
    """Milliseconds per training step of a float32 ``nn.Linear(n, n)`` (``n**2 + n``
    parameters) with the global batch split over the workers (``DistributedDataParallel``
    when ``W > 1``), and per ``all_reduce`` of float32 vectors: the medians, as
    ``{"step": {n_params: ms}, "allreduce": {n_floats: ms}}``."""
    import torch
    import torch.distributed as dist

    torch.manual_seed(rank)
    result = {"step": {}, "allreduce": {}}
    for n in widths:
        model = torch.nn.Linear(n, n)
        if world_size > 1:
            model = torch.nn.parallel.DistributedDataParallel(model)
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
        X = torch.randn(global_batch // world_size, n)

        def step():
            optimizer.zero_grad()
            (model(X) ** 2).mean().backward()
            optimizer.step()

        step()                                                   # warm up
        result["step"][n * n + n] = _median_ms(step, steps)
    if world_size > 1:
        for size in allreduce_sizes:
            vector = torch.zeros(size)
            dist.all_reduce(vector)                              # warm up
            result["allreduce"][size] = _median_ms(lambda: dist.all_reduce(vector),
                                                   repeats)
    return result


def hold(rank, world_size, *, seconds):
    """Keep the process group up for ``seconds`` (to inspect its sockets), then check it."""
    import torch
    import torch.distributed as dist

    time.sleep(seconds)
    total = torch.ones(1)
    dist.all_reduce(total)
    return float(total[0])


JOBS = {f.__name__: f for f in (data_parallel_sgd, ddp_sgd, time_steps, hold)}


def _loopback_interface():
    """The name of the loopback interface ("lo" on Linux, "lo0" on macOS)."""
    names = [name for _, name in socket.if_nameindex()]
    return next((name for name in names if name.startswith("lo")), "lo")


def run_workers(jobs, world_size, *, timeout=120.0):
    """Run ``jobs``, a list of ``(name, kwargs)`` of :data:`JOBS`, one after another in
    ``world_size`` new processes joined by a gloo process group; return, per job, the list
    of the workers' results by rank.

    Every socket listens on 127.0.0.1: the rendezvous store lives in this process on a
    socket bound here to 127.0.0.1 (``TCPStore`` would otherwise listen on every
    interface), and gloo's own sockets use the loopback interface
    (``GLOO_SOCKET_IFNAME``). The workers are killed if they are not done within
    ``timeout`` seconds (TimeoutError), and whatever happens none survives this call.
    """
    import torch.distributed as dist
    from datetime import timedelta

    if not _is_int(world_size) or world_size < 1:
        raise ValueError(f"world_size must be an int >= 1, got {world_size!r}")
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
    for name, _ in jobs:
        if name not in JOBS:
            raise ValueError(f"unknown job {name!r}; the jobs are {sorted(JOBS)}")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(world_size)
    port = listener.getsockname()[1]
    store = dist.TCPStore("127.0.0.1", port, world_size, is_master=True,
                          master_listen_fd=listener.detach(), wait_for_workers=False,
                          timeout=timedelta(seconds=timeout))
    store.set("jobs", pickle.dumps(list(jobs)))
    env = {**os.environ, "GLOO_SOCKET_IFNAME": _loopback_interface(),
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    logs = [tempfile.TemporaryFile() for _ in range(world_size)]
    workers = []
    try:
        for rank in range(world_size):
            workers.append(subprocess.Popen(
                [sys.executable, "-m", "gdcourse.scale", str(port), str(rank),
                 str(world_size), str(timeout)],
                env=env, stdout=logs[rank], stderr=subprocess.STDOUT,
                start_new_session=True))
        _wait(workers, logs, time.monotonic() + timeout, timeout)
        return [[pickle.loads(store.get(f"result/{j}/{rank}")) for rank in range(world_size)]
                for j in range(len(jobs))]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
            worker.wait()
        for log in logs:
            log.close()
        del store


def _wait(workers, logs, deadline, timeout):
    """Wait for every worker; raise as soon as one fails, or when the deadline passes."""
    while True:
        codes = [worker.poll() for worker in workers]
        for rank, code in enumerate(codes):
            if code not in (None, 0):
                logs[rank].seek(0)
                tail = logs[rank].read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"worker {rank} failed (exit code {code}):\n{tail}")
        if all(code == 0 for code in codes):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the workers did not finish within {timeout} s")
        time.sleep(0.02)


def _worker_main(port, rank, world_size, timeout):
    """The body of a worker process started by :func:`run_workers`."""
    import torch
    import torch.distributed as dist
    from datetime import timedelta

    torch.set_num_threads(1)
    store = dist.TCPStore("127.0.0.1", port, world_size, is_master=False,
                          timeout=timedelta(seconds=timeout))
    jobs = pickle.loads(store.get("jobs"))
    dist.init_process_group("gloo", store=dist.PrefixStore("group", store), rank=rank,
                            world_size=world_size, timeout=timedelta(seconds=timeout))
    try:
        for j, (name, kwargs) in enumerate(jobs):
            result = JOBS[name](rank, world_size, **kwargs)
            store.set(f"result/{j}/{rank}", pickle.dumps(result))
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    _port, _rank, _world, _timeout = sys.argv[1:5]
    _worker_main(int(_port), int(_rank), int(_world), float(_timeout))
