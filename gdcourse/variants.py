r"""Batch, stochastic and mini-batch gradient descent on a data objective.

A data objective is an average over :math:`m` examples,
:math:`J(\theta) = \frac1m \sum_{i=1}^m \ell_i(\theta)`.  The three variants differ only in
how many examples estimate the gradient at each update:

=====================  =============  ======================================================
variant                batch size     gradient used for :math:`\theta_{t+1} = \theta_t - \eta_t g_t`
=====================  =============  ======================================================
batch                  :math:`m`      :math:`g_t = \nabla J(\theta_t)` (exact)
stochastic (SGD)       1              :math:`g_t = \nabla \ell_{i_t}(\theta_t)`
mini-batch             :math:`k`      :math:`g_t = \frac1{|B_t|}\sum_{i\in B_t}\nabla \ell_i(\theta_t)`
=====================  =============  ======================================================

An **epoch** is one pass over the data: the rows are shuffled (with a seeded generator, so a
run can be repeated) and cut into :math:`\lceil m/k\rceil` batches; the last one keeps the
:math:`m - k\lfloor m/k\rfloor` rows left over and is used like the others.  Any optimizer of
:mod:`gdcourse.optim` can turn the gradients into updates; the default is plain SGD.

Recording is cheap per step (the mini-batch loss, its gradient norm and the learning rate)
and exact per epoch: the full-data loss is measured at the end of every epoch (and the
full-data gradient when a criterion or the record needs it), and the stopping criteria of
:class:`~gdcourse.descent.StoppingRule` are checked on them.

Speed: an update costs a handful of NumPy calls on a ``k x n`` batch, so for small batches
the Python overhead per update dominates.  So the rows of a shuffled batch are gathered into
reused buffers (see :class:`_Batches`) rather than copying the shuffled data set; the loss
recorded per step comes with the gradient from one residual (the objective's
``loss_and_grad_on``, when it has its own); the optimizer updates the driver's parameter
array in place (``step_``); when no criterion needs the full-data loss before the next
epoch, that epoch measures it on the blocks of rows it gathers anyway instead of making a
pass of its own (see :func:`_descend`); and on large data BLAS runs on one thread (see
:func:`_blas_threads`).
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

from ._validation import as_float_array, check_number, check_positive_int
from .descent import History, StoppingRule, divergence_message
from .optim import SGD

__all__ = ["iterate_minibatches", "minibatch_descent", "batch_gradient_descent",
           "stochastic_gradient_descent", "minibatch_gradient_descent"]


def iterate_minibatches(n_samples, batch_size, rng=None, shuffle=True):
    """Yield the row indices of each mini-batch of one epoch.

    The indices ``0 .. n_samples-1`` are permuted by ``rng`` (a ``np.random.Generator`` or a
    seed; ignored when ``shuffle=False``) and cut into consecutive chunks of ``batch_size``;
    the last chunk holds whatever is left, so every example is used exactly once.

    >>> [idx.tolist() for idx in iterate_minibatches(5, 2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    batch_size = check_positive_int(batch_size, "batch_size")
    order = _rng(rng).permutation(n_samples) if shuffle else np.arange(n_samples)
    return (order[start:start + batch_size] for start in range(0, n_samples, batch_size))


def _rng(random_state):
    """``np.random.default_rng`` that reports a bad seed as a ValueError naming it."""
    try:
        return np.random.default_rng(random_state)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"random_state must be None, an integer or a numpy Generator, "
                         f"got {random_state!r}") from exc


GATHER_BYTES = 2 ** 19
"""Bytes of rows gathered by one ``np.take``: enough to amortise the call over several
batches, few enough (512 KiB) for the gathered rows to stay in cache until they are used."""


class _Batches:
    """The mini-batches ``(Z_B, y_B)`` of each epoch, as in :func:`iterate_minibatches`.

    Shuffled rows are gathered with ``np.take(..., out=buffer)`` into two buffers allocated
    once, so an epoch never copies the data set (``Z[perm]`` would allocate ``m x n`` floats,
    and page-fault them in, every epoch).  The rows of several consecutive batches are
    gathered by one call (about :data:`GATHER_BYTES` bytes) and handed out as views.  The
    buffers are overwritten later on: use a batch before asking for the next one.
    """

    def __init__(self, Z, y, batch_size, shuffle, rng):
        self.Z, self.y, self.shuffle, self.rng = Z, y, shuffle, rng
        self.m = Z.shape[0]
        self.k = min(batch_size, self.m)
        row_bytes = Z.itemsize * max(1, Z[:1].size)
        self.block = self.k * max(1, GATHER_BYTES // (row_bytes * self.k))  # whole batches
        if self.gathers:
            rows = min(self.block, self.m)
            self.Z_buf = np.empty((rows,) + Z.shape[1:], dtype=Z.dtype)
            self.y_buf = np.empty((rows,) + y.shape[1:], dtype=y.dtype)
            self.buf_batches = list(self._split(self.Z_buf, self.y_buf))   # views, made once

    @property
    def per_epoch(self) -> int:
        """Number of updates in one epoch, :math:`\\lceil m/k \\rceil`."""
        return -(-self.m // self.k)

    @property
    def gathers(self) -> bool:
        """Whether an epoch gathers shuffled rows into the buffers (else it hands out views)."""
        return self.shuffle and self.k < self.m

    def epoch(self, on_block=None):
        """The batches ``(Z_B, y_B)`` of one epoch.

        ``on_block(Z_blk, y_blk)``, when given, is called on consecutive blocks of rows that
        together hold every row once, each before its batches are handed out: on the
        gathered blocks while they are in cache, else on the whole data.
        """
        if not self.gathers:
            if on_block is not None:
                on_block(self.Z, self.y)
            if self.k == self.m:                   # one batch: the order does not matter
                yield self.Z, self.y
            else:                                  # consecutive rows: views, no copy
                yield from self._split(self.Z, self.y)
            return
        for idx in iterate_minibatches(self.m, self.block, self.rng):
            Z_blk, y_blk = self.Z_buf[:len(idx)], self.y_buf[:len(idx)]
            np.take(self.Z, idx, axis=0, out=Z_blk, mode="clip")
            np.take(self.y, idx, axis=0, out=y_blk, mode="clip")
            if on_block is not None:
                on_block(Z_blk, y_blk)
            full = len(idx) == len(self.Z_buf)
            yield from self.buf_batches if full else self._split(Z_blk, y_blk)

    def _split(self, Z, y):
        k = self.k
        for start in range(0, Z.shape[0], k):
            yield Z[start:start + k], y[start:start + k]


class _Log:
    """The records of a run, turned into a :class:`History` at the end.

    Per step (``record="step"``): mini-batch loss, gradient norm, learning rate (and the
    iterate).  Per epoch: full-data loss, updates done so far, and with ``record="epoch"``
    the full-data gradient norm, the last learning rate (and the iterate).
    """

    def __init__(self, record, record_params):
        self.per_step, self.record_params = record == "step", record_params
        self.losses, self.norms, self.lrs, self.params = [], [], [], []
        self.epoch_losses, self.epoch_norms, self.epoch_steps = [], [], []
        self.epoch_lrs, self.epoch_params = [], []
        self.last_lr = None

    def step(self, loss, grad_norm, lr, w):
        """Record the update taken from ``w`` with learning rate ``lr``."""
        self.last_lr = lr
        if self.per_step:
            self.losses.append(loss)
            self.norms.append(grad_norm)
            self.lrs.append(lr)
            if self.record_params:
                self.params.append(w.copy())

    def undo_last_epoch(self, steps):
        """Forget the updates after the last check, the first ``steps`` (an epoch taken back)."""
        for records in (self.losses, self.norms, self.lrs, self.params):
            del records[steps:]
        self.last_lr = self.lr_at_check

    def epoch(self, loss, grad_norm, steps, w):
        self.lr_at_check = self.last_lr
        self.epoch_losses.append(loss)
        self.epoch_norms.append(grad_norm)
        self.epoch_steps.append(steps)
        if self.last_lr is not None:
            self.epoch_lrs.append(self.last_lr)
        if self.record_params and not self.per_step:
            self.epoch_params.append(w.copy())

    def history(self, w, reason, message, final=None):
        """``final = (loss, grad_norm)`` of the full data at ``w`` ends the per-step records."""
        if self.per_step:
            losses, norms, params, lrs = self.losses, self.norms, self.params, self.lrs
            if final is not None:
                losses, norms = losses + [final[0]], norms + [final[1]]
                params = params + [w]
        else:
            losses, norms, params = self.epoch_losses, self.epoch_norms, self.epoch_params
            lrs = self.epoch_lrs
        return History(losses=np.array(losses, dtype=float),
                       grad_norms=np.array(norms, dtype=float),
                       params=np.array(params) if self.record_params else None,
                       lrs=np.array(lrs, dtype=float), w=w, stop_reason=reason, message=message,
                       epoch_losses=np.array(self.epoch_losses, dtype=float),
                       epoch_steps=np.array(self.epoch_steps, dtype=int))


def minibatch_descent(objective, w0, optimizer=None, *, lr=None, batch_size=None, epochs=100,
                      shuffle=True, random_state=None, grad_tol=None, loss_tol=None,
                      param_tol=None, patience=None, min_delta=0.0, record="step",
                      record_params=False, progress=False) -> History:
    r"""Minimise a data objective with batch, stochastic or mini-batch gradient descent.

    Each update uses the gradient of the current mini-batch :math:`B_t`,
    :math:`g_t = \frac1{|B_t|}\sum_{i\in B_t}\nabla\ell_i(\theta_t)`, and lets ``optimizer``
    turn it into :math:`\theta_{t+1}` (plain SGD: :math:`\theta_{t+1} = \theta_t - \eta_t g_t`).

    Parameters
    ----------
    objective : a data objective of :mod:`gdcourse.objectives` -- anything with the design
        matrix ``Z``, the targets ``y``, ``loss(theta)``, ``grad(theta)``,
        ``loss_on(theta, Z, y)`` and ``grad_on(theta, Z, y)``
    w0 : array_like, the starting parameters (not modified)
    optimizer : an optimizer of :mod:`gdcourse.optim`, used as it is: its state (``t``,
        moments) carries on from earlier runs -- pass a fresh one or call ``reset()`` to
        start over.  Default: ``SGD(lr=lr)``.
    lr : learning rate of the default SGD, a positive number or a schedule ``t -> eta_t``
        (default 0.01).  With an optimizer, give the rate to the optimizer instead.
    batch_size : rows per update; ``None`` (or ``>= m``) is batch gradient descent, ``1``
        is stochastic gradient descent
    epochs : budget of passes over the data
    shuffle : reshuffle the rows at the start of every epoch
    random_state : seed or ``np.random.Generator`` of the shuffles
    grad_tol, loss_tol, param_tol, patience, min_delta : stopping criteria of
        :class:`~gdcourse.descent.StoppingRule`, checked at the end of every epoch on the
        full data (``param_tol`` on the distance moved during the epoch, ``patience``
        counted in epochs); ``None`` switches one off.  All are off by default: the run
        uses its budget of epochs.
    record : ``"step"`` keeps a record per update; ``"epoch"`` keeps one per epoch, with the
        full-data gradient norm (an extra pass over the data per epoch) and skips the
        per-step mini-batch loss (a product with the batch per update)
    record_params : also keep the iterates (memory: one parameter vector per record)
    progress : show a tqdm progress bar over the epochs

    Returns
    -------
    History
        With ``record="step"``: ``losses[t]`` and ``grad_norms[t]`` are the mini-batch loss
        and gradient norm at :math:`\theta_t` on the batch of update ``t`` and ``lrs[t]`` its
        learning rate; one more, last, entry holds the full-data loss and gradient norm at
        the final parameters ``w`` (so ``final_loss`` is exact and ``n_iter`` counts
        updates).  With ``record="epoch"`` these fields hold full-data values, one entry per
        epoch (and ``n_iter`` counts epochs).  Always: ``epoch_losses[e]`` is the full-data
        loss after ``e`` epochs (``e = 0``: at ``w0``) and ``epoch_steps[e]`` the number of
        updates done by then.  (When epoch ``e + 1`` measured it on its blocks of rows, the
        sum is added in another order than ``objective.loss`` adds it: the two agree to a
        few units in the last place.  The last entry is always ``objective.loss(w)``.)  A NaN or infinity ends the run with
        ``stop_reason="diverged"`` and a message naming the step and the learning rate.
    """
    Z, y = _data_of(objective)
    w = as_float_array(w0, "w0", ndim=1, copy=True)
    n_params = getattr(objective, "n_params", w.size)
    if w.size != n_params:
        raise ValueError(f"w0 must have {n_params} entries for this objective, got {w.size}")
    optimizer = _resolve_optimizer(optimizer, lr)
    batch_size = Z.shape[0] if batch_size is None else check_positive_int(batch_size, "batch_size")
    epochs = check_positive_int(epochs, "epochs", minimum=0)
    if record not in ("step", "epoch"):
        raise ValueError(f"record must be 'step' or 'epoch', got {record!r}")
    rule = StoppingRule(grad_tol=grad_tol, loss_tol=loss_tol, param_tol=param_tol,
                        patience=patience, min_delta=min_delta)
    batches = _Batches(Z, y, batch_size, bool(shuffle), _rng(random_state))
    log = _Log(record, bool(record_params))
    epoch_grad = record == "epoch" or rule.grad_tol is not None

    bar = _progress_bar(epochs, progress)
    try:
        # divergence is reported, not warned
        with np.errstate(over="ignore", invalid="ignore"), _blas_threads(batches):
            w, reason, message, at_epoch_end = _descend(objective, w, optimizer, batches, epochs,
                                                        rule, epoch_grad, log, bar)
            final = _final_record(objective, w, log) if at_epoch_end else None
    finally:
        if bar is not None:
            bar.close()
    return log.history(w.copy(), reason, message, final)


SMALL_PRODUCT = 2 ** 16
"""Entries of a matrix below which a matrix-vector product does not gain from BLAS threads
(512 KiB of float64: a few tens of microseconds of work)."""


def _blas_threads(batches):
    """A context running BLAS on one thread, for descents of small batches on large data.

    An update's product with a small batch runs on the calling thread anyway.  The
    full-data loss of each epoch, however, is large enough for OpenBLAS to hand it to all
    its threads, which then spin for a while waiting for more work: on a machine with few
    cores they take the cores the updates need (2 cores, 5 epochs of batch 64 on
    200 000 x 51: 0.65 s instead of 0.32 s).  Results are the same up to rounding (a
    threaded dot product adds its terms in another order).  Other cases, and setups without
    ``threadpoolctl``, are left alone.
    """
    Z = batches.Z
    small_updates = batches.k * Z[:1].size < SMALL_PRODUCT
    if not small_updates or Z.size < SMALL_PRODUCT:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits     # a dependency of scikit-learn
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _final_record(objective, w, log):
    """Full-data loss and gradient norm at the final parameters (computed at the last check,
    except the gradient when the run stopped early on a criterion that does not need it)."""
    loss, grad_norm = log.epoch_losses[-1], log.epoch_norms[-1]
    return loss, (_norm(objective.grad(w)) if grad_norm is None else grad_norm)


def _descend(objective, w, optimizer, batches, epochs, rule, epoch_grad, log, bar):
    """The epoch loop: check the criteria on the full data, then run one epoch of updates.

    Returns the final parameters, the stop reason, its message, and whether the run ended at
    an end-of-epoch check (rather than by blowing up inside an epoch).

    The full-data loss of each check costs a pass over the data.  When nothing needs it
    before the next epoch runs (see :func:`_epochs_measure_loss`), that epoch measures it
    instead, on the blocks of rows it gathers anyway (:class:`_LossOverBlocks`), and the
    record is filled in then; only the last check makes a pass of its own.
    """
    steps, w_before = 0, None
    measured_later = _epochs_measure_loss(objective, batches, rule, epoch_grad)
    for epoch in range(epochs + 1):
        if measured_later and epoch < epochs:
            loss = full_grad_norm = None            # measured by the next epoch
        else:
            # the full-data gradient serves the criteria, and at the last check the final record
            loss, full_grad_norm = _full_data(objective, w,
                                              epoch_grad or (epoch == epochs and log.per_step))
        log.epoch(loss, full_grad_norm, steps, w)
        _show_progress(bar, epoch, loss)
        eta = log.last_lr if log.last_lr is not None else optimizer.current_lr
        moved = None if w_before is None else _norm(w - w_before)
        verdict = _check(rule, epoch, epochs, steps, eta, loss,
                         full_grad_norm if epoch_grad else None, moved)
        if verdict is not None:
            return (w, *verdict, True)
        w_before = w.copy()             # the epoch updates w in place
        loss_before = _LossOverBlocks(objective, w_before) if measured_later else None
        w, blow_up = _epoch(objective, w, optimizer, batches, log, steps, loss_before)
        if measured_later:
            # complete if the epoch ran to its end; else a pass measures it
            loss = loss_before.value() if blow_up is None else float(objective.loss(w_before))
            log.epoch_losses[-1] = loss
            _show_progress(bar, None, loss)
            if not _finite(loss):       # the check would have stopped the run before the epoch
                log.undo_last_epoch(steps)
                return w_before, "diverged", divergence_message(steps, eta, "full-data loss"), True
        steps += batches.per_epoch
        if blow_up is not None:
            step, eta, what = blow_up
            return w, "diverged", divergence_message(step, eta, f"mini-batch {what}"), False


def _check(rule, epoch, epochs, steps, eta, loss, grad_norm, moved):
    """The end-of-epoch check: ``(reason, message)`` to stop the run, or ``None`` to go on.

    A NaN or infinity stops it first, then a criterion of ``rule``, then the epoch budget.
    ``None`` for the loss or the gradient norm means "not measured at this check".
    """
    if not _finite(loss) or not _finite(grad_norm):
        what = "loss" if not _finite(loss) else "gradient"
        return "diverged", divergence_message(steps, eta, f"full-data {what}")
    reason = rule.reason(epoch, loss, grad_norm, moved)
    if reason is not None:
        return reason, (rule.message(reason, t=steps)
                        + f" (checked at the end of epoch {epoch} on the full data)")
    if epoch == epochs:
        return "max_iter", f"reached the epoch budget epochs={epochs} ({steps} updates)"
    return None


def _finite(value):
    """Whether a recorded value is finite; ``None`` (not measured) counts as finite."""
    return value is None or math.isfinite(value)


def _show_progress(bar, epoch, loss):
    """Advance the progress bar at the check of ``epoch`` (``None``: only show a new loss)."""
    if bar is None:
        return
    if loss is not None:
        bar.set_postfix(loss=f"{loss:.4g}", refresh=epoch is None)
    if epoch:
        bar.update()


def _epochs_measure_loss(objective, batches, rule, epoch_grad):
    """Whether each epoch measures the full-data loss at its start, on the rows it gathers.

    That needs an epoch that gathers rows (shuffled batches smaller than the data), an
    objective whose loss can be summed over blocks of rows (``loss_sum_on`` of its own, see
    :func:`_has_own_fused`), and a run in which nothing needs the loss or the gradient
    before the next epoch: no ``loss_tol``, ``patience`` or ``grad_tol``, per-step records.
    """
    return (batches.gathers and not epoch_grad
            and rule.loss_tol is None and rule.patience is None
            and _has_own_fused(objective, "loss_sum_on", ("loss", "loss_on", "loss_from_sum")))


class _LossOverBlocks:
    r"""The full-data loss at fixed parameters, assembled from blocks of rows.

    Every row is in exactly one block, so :math:`J(\theta) = \frac1m \sum_b S_b(\theta) +
    R(\theta)`, with :math:`S_b` the data term summed over block :math:`b`
    (``loss_sum_on``) and :math:`R` the penalty (``loss_from_sum``).  Called by an epoch on
    each block it has just gathered, while the block is in cache: a fraction of the cost of
    a separate pass over the data.
    """

    def __init__(self, objective, theta):
        self.objective, self.theta = objective, theta
        self.total, self.rows = 0.0, 0

    def __call__(self, Z, y):
        self.total += self.objective.loss_sum_on(self.theta, Z, y)
        self.rows += len(y)

    def value(self):
        return float(self.objective.loss_from_sum(self.theta, self.total, self.rows))


def _epoch(objective, w, optimizer, batches, log, t0, on_block=None):
    """One pass over the data; returns the new parameters and ``(step, lr, what)`` if it blew up.

    ``w`` is the driver's own array: an optimizer of :mod:`gdcourse.optim` updates it in
    place (``step_``); any other one returns new parameters from ``step``.  ``on_block``,
    when given, sees every row once, block by block, as the epoch gathers them (see
    :meth:`_Batches.epoch`): the driver measures there the loss the epoch starts from.
    """
    loss_and_grad_on = _batch_loss_and_grad(objective, log.per_step)
    step = getattr(optimizer, "step_", None) or optimizer.step
    for t, (Z_B, y_B) in enumerate(batches.epoch(on_block), start=t0):
        loss, g = loss_and_grad_on(w, Z_B, y_B)
        grad_norm = math.sqrt(g.dot(g))
        if not (math.isfinite(grad_norm) and math.isfinite(loss)):
            eta = log.last_lr if log.last_lr is not None else optimizer.current_lr
            if log.per_step:                 # keep the value that blew up, as gradient_descent does
                log.losses.append(loss)
                log.norms.append(grad_norm)
                if log.record_params:
                    log.params.append(w.copy())
            return w, (t, eta, "gradient" if not math.isfinite(grad_norm) else "loss")
        log.step(loss, grad_norm, optimizer.current_lr, w)
        w = step(w, g)
    return w, None


def _full_data(objective, w, with_grad):
    """The full-data loss at ``w`` and, when asked for, the norm of the gradient (else None).

    One pass of the objective's ``loss_and_grad`` gives both when it is its own (see
    :func:`_has_own_fused`); else ``loss`` and ``grad`` are called.
    """
    if not with_grad:
        return float(objective.loss(w)), None
    if (_has_own_fused(objective, "loss_and_grad", ("loss", "grad"))
            and _has_own_fused(objective)):
        loss, g = objective.loss_and_grad(w)
    else:
        loss, g = objective.loss(w), objective.grad(w)
    return float(loss), _norm(g)


def _batch_loss_and_grad(objective, per_step):
    """The work of one update: ``(theta, Z_B, y_B) -> (loss, gradient)`` on the batch.

    The loss is only recorded ``per_step`` (else it is 0.0).  The objective's fused
    ``loss_and_grad_on`` is used when it computes what ``loss_on`` and ``grad_on`` compute
    (see :func:`_has_own_fused`): its loss costs one dot product more than the gradient.
    Else ``grad_on`` is called, and ``loss_on`` when the loss is recorded.
    """
    loss_on, grad_on = objective.loss_on, objective.grad_on
    if _has_own_fused(objective):
        fused = objective.loss_and_grad_on
        return fused if per_step else lambda theta, Z, y: (0.0, fused(theta, Z, y)[1])
    if not per_step:
        return lambda theta, Z, y: (0.0, grad_on(theta, Z, y))

    def loss_and_grad_on(theta, Z, y):
        g = grad_on(theta, Z, y)
        return float(loss_on(theta, Z, y)), g
    return loss_and_grad_on


def _has_own_fused(objective, fused="loss_and_grad_on", parts=("loss_on", "grad_on")):
    """Whether the method ``fused`` of ``objective`` is the fused form of its own ``parts``.

    It is when the class defining it is (a subclass of) the classes defining the parts.
    A subclass that overrides ``grad_on`` (to count or log the batches, say) or a wrapper
    such as :class:`~gdcourse.batching.CountingObjective` must see its own methods called.
    """
    fused, *separate = [_defining_class(objective, name) for name in (fused, *parts)]
    return fused is not None and all(owner is not None and issubclass(fused, owner)
                                     for owner in separate)


def _defining_class(objective, name):
    """The class of ``objective`` whose body defines the method ``name``; ``None`` if none does
    (a missing method, one set on the instance, or one forwarded by ``__getattr__``)."""
    if name in getattr(objective, "__dict__", {}):
        return None
    return next((cls for cls in type(objective).__mro__ if name in vars(cls)), None)


def _norm(v):
    return float(np.linalg.norm(v))


def _data_of(objective):
    """The design matrix and targets of a data objective, or a ValueError saying what is missing."""
    needed = ("Z", "y", "loss", "grad", "loss_on", "grad_on")
    missing = [name for name in needed if not hasattr(objective, name)]
    if missing:
        raise ValueError(f"objective must be a data objective (with {', '.join(needed)}); "
                         f"{type(objective).__name__} has no {', '.join(missing)}")
    return objective.Z, objective.y


def _resolve_optimizer(optimizer, lr):
    if optimizer is None:
        if lr is None:
            lr = 0.01
        elif not callable(lr):
            check_number(lr, "lr", low=0.0, low_open=True)
        return SGD(lr=lr)
    if lr is not None:
        raise ValueError("lr is the learning rate of the default SGD; with an optimizer, give it "
                         "to the optimizer instead, e.g. Adam(lr=0.01)")
    if not callable(getattr(optimizer, "step", None)):
        raise ValueError(f"optimizer must have a step(params, grad) method, got {optimizer!r}")
    return optimizer


def _progress_bar(epochs, progress):
    if not progress:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=epochs, unit="epoch", desc="descent")


def batch_gradient_descent(objective, w0, lr=None, epochs=100, **options) -> History:
    r"""Batch gradient descent: every update uses the exact gradient :math:`\nabla J(\theta_t)`.

    One epoch is one update.  ``options`` are those of :func:`minibatch_descent`.
    """
    return minibatch_descent(objective, w0, lr=lr, epochs=epochs, batch_size=None, **options)


def stochastic_gradient_descent(objective, w0, lr=None, epochs=10, **options) -> History:
    r"""Stochastic gradient descent: each update uses one example, :math:`\nabla\ell_{i_t}(\theta_t)`.

    One epoch is ``m`` updates.  ``options`` are those of :func:`minibatch_descent`.
    """
    return minibatch_descent(objective, w0, lr=lr, epochs=epochs, batch_size=1, **options)


def minibatch_gradient_descent(objective, w0, lr=None, epochs=10, batch_size=32,
                               **options) -> History:
    r"""Mini-batch gradient descent: every update averages the gradients of ``batch_size`` examples.

    One epoch is :math:`\lceil m/k\rceil` updates.  ``options`` are those of
    :func:`minibatch_descent`.
    """
    return minibatch_descent(objective, w0, lr=lr, epochs=epochs, batch_size=batch_size,
                             **options)
