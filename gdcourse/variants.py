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

The loop is written twice.  :func:`_run_epochs` and :func:`_epoch` are the algorithm as
the book shows it, and they drive any optimizer with a ``step(params, grad)`` method.  The
optimizers of :mod:`gdcourse.optim`, which can also update in place, are driven by the
private module :mod:`gdcourse._fast_epochs`: the same algorithm with fewer NumPy calls
per update and fewer passes over the data, whose records the tests check equal to those
of the plain loop (to round-off).  On large data BLAS runs on one thread (see
:func:`_blas_threads`).
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

from ._validation import InvalidParameterError, as_float_array, check_lr, check_positive_int
from .descent import History, StoppingRule, divergence_message
from .optim import SGD

__all__ = ["iterate_minibatches", "minibatch_descent", "batch_gradient_descent",
           "stochastic_gradient_descent", "minibatch_gradient_descent"]


def iterate_minibatches(n_samples, batch_size, rng=None, shuffle=True):
    """Yield the row indices of each mini-batch of one epoch.

    The indices ``0 .. n_samples-1`` are permuted by ``rng`` (a ``np.random.Generator``
    or a seed; ignored when ``shuffle=False``) and cut into consecutive chunks of
    ``batch_size``; the last chunk holds whatever is left, so every example is used
    exactly once.

    >>> [idx.tolist() for idx in iterate_minibatches(5, 2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    batch_size = check_positive_int(batch_size, "batch_size")
    order = _rng(rng).permutation(n_samples) if shuffle else np.arange(n_samples)
    starts = range(0, n_samples, batch_size)
    return (order[start:start + batch_size] for start in starts)


def _rng(random_state):
    """``np.random.default_rng`` that reports a bad seed as a ValueError naming it."""
    try:
        return np.random.default_rng(random_state)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"random_state must be None, an integer or a numpy Generator, "
                         f"got {random_state!r}") from exc


def _minibatches(Z, y, batch_size, shuffle, rng):
    """The mini-batches ``(Z_B, y_B)`` of one epoch: one batch of every row when
    ``batch_size >= m`` (no shuffle needed), else the batches of :func:`iterate_minibatches`."""
    shuffle = shuffle and batch_size < len(y)
    for rows in iterate_minibatches(len(y), batch_size, rng, shuffle=shuffle):
        yield Z[rows], y[rows]


class _Log:
    """The records of a run, turned into a :class:`History` at the end.

    Per step (``record="step"``): mini-batch loss, gradient norm, learning rate (and the
    iterate).  Per epoch: full-data loss, updates done so far, and with ``record="epoch"``
    the full-data gradient norm, the last learning rate (and the iterate).
    """

    def __init__(self, record, record_params, rule):
        self.per_step, self.record_params = record == "step", record_params
        self.epoch_grad = record == "epoch" or rule.grad_tol is not None
        self.losses, self.norms, self.lrs, self.params = [], [], [], []
        self.epoch_losses, self.epoch_norms, self.epoch_steps = [], [], []
        self.epoch_lrs, self.epoch_params = [], []
        self.t, self.last_lr = 0, None

    def needs_grad(self, epoch, epochs):
        """Whether the check after ``epoch`` epochs measures the full-data gradient: for the
        criteria or the records, and at the last check for the final per-step record."""
        return self.epoch_grad or (epoch == epochs and self.per_step)

    def step(self, loss, grad_norm, lr, w):
        """Record the update taken from ``w`` with learning rate ``lr``."""
        self.t += 1
        self.last_lr = lr
        if self.per_step:
            self.losses.append(loss)
            self.norms.append(grad_norm)
            self.lrs.append(lr)
            if self.record_params:
                self.params.append(w.copy())

    def blow_up(self, loss, grad_norm, w):
        """Keep the values that blew up at ``w``, as :func:`gradient_descent` does."""
        if self.per_step:
            self.losses.append(loss)
            self.norms.append(grad_norm)
            if self.record_params:
                self.params.append(w.copy())

    def epoch(self, loss, grad_norm, w):
        """Record the check after an epoch: full-data loss and gradient norm at ``w``."""
        self.epoch_losses.append(loss)
        self.epoch_norms.append(grad_norm)
        self.epoch_steps.append(self.t)
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
    objective : data objective
        An objective of :mod:`gdcourse.objectives`, or anything with the design matrix
        ``Z``, the targets ``y``, ``loss(theta)``, ``grad(theta)``,
        ``loss_on(theta, Z, y)`` and ``grad_on(theta, Z, y)``.
    w0 : array_like
        The starting parameters (not modified).
    optimizer : optimizer, optional
        An optimizer of :mod:`gdcourse.optim` (or any object with ``step(params, grad)``
        and ``current_lr``), used as it is: its state (``t``, moments) carries on from earlier runs -- pass a
        fresh one or call ``reset()`` to start over.  Default: ``SGD(lr=lr)``.
    lr : float or callable, optional
        Learning rate of the default SGD, a number > 0 or a schedule ``t -> eta_t``
        (default 0.01).  With an optimizer, give the rate to the optimizer instead.
    batch_size : int, optional
        Rows per update; ``None`` (or ``>= m``) is batch gradient descent, ``1`` is
        stochastic gradient descent.
    epochs : int, default=100
        Budget of passes over the data.
    shuffle : bool, default=True
        Reshuffle the rows at the start of every epoch.
    random_state : None, int or numpy Generator
        Seed of the shuffles.
    grad_tol, loss_tol, param_tol, patience, min_delta
        Stopping criteria of :class:`~gdcourse.descent.StoppingRule`, checked at the end of
        every epoch on the full data (``param_tol`` on the distance moved during the
        epoch, ``patience`` counted in epochs); ``None`` switches one off.  All are off by
        default: the run uses its budget of epochs.
    record : {"step", "epoch"}, default="step"
        ``"step"`` keeps a record per update; ``"epoch"`` keeps one per epoch, with the
        full-data gradient norm (an extra pass over the data per epoch) and skips the
        per-step mini-batch loss (a product with the batch per update).
    record_params : bool, default=False
        Also keep the iterates (memory: one parameter vector per record).
    progress : bool, default=False
        Show a tqdm progress bar over the epochs.

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
        updates done by then.  (When epoch ``e + 1`` measured it on its blocks of rows, see
        :mod:`gdcourse._fast_epochs`, the sum is added in another order than
        ``objective.loss`` adds it: the two agree to a few units in the last place.  The
        last entry is always ``objective.loss(w)``.)  A NaN or infinity ends the run with
        ``stop_reason="diverged"`` and a message naming the step and the learning rate.
    """
    Z, y = _data_of(objective)
    w = as_float_array(w0, "w0", ndim=1, copy=True)
    n_params = getattr(objective, "n_params", w.size)
    if w.size != n_params:
        raise InvalidParameterError(
            f"w0 must have {n_params} entries for this objective, got {w.size}")
    optimizer = _resolve_optimizer(optimizer, lr)
    batch_size = Z.shape[0] if batch_size is None else check_positive_int(batch_size, "batch_size")
    epochs = check_positive_int(epochs, "epochs", minimum=0)
    if record not in ("step", "epoch"):
        raise InvalidParameterError(f"record must be 'step' or 'epoch', got {record!r}")
    rule = StoppingRule(grad_tol=grad_tol, loss_tol=loss_tol, param_tol=param_tol,
                        patience=patience, min_delta=min_delta)
    log = _Log(record, bool(record_params), rule)
    run, batches = _loop(objective, optimizer, batch_size, bool(shuffle), _rng(random_state))

    bar = _progress_bar(epochs, progress)
    try:
        # divergence is reported, not warned
        with np.errstate(over="ignore", invalid="ignore"), _blas_threads(Z, batch_size):
            w, reason, message, at_check = run(objective, w, optimizer=optimizer,
                                               batches=batches, epochs=epochs, rule=rule,
                                               log=log, bar=bar)
            final = _final_record(objective, w, log) if at_check else None
    finally:
        if bar is not None:
            bar.close()
    return log.history(w.copy(), reason, message, final)


def _loop(objective, optimizer, batch_size, shuffle, rng):
    """The epoch loop for this optimizer, and the batches it takes.

    The fast loop of :mod:`gdcourse._fast_epochs` for an optimizer that can update in
    place; else the plain :func:`_run_epochs`, whose batches are rows copied out of the
    data (``batches()`` gives the batches of one epoch).
    """
    from . import _fast_epochs          # imported here: it builds on this module
    Z, y = objective.Z, objective.y
    if _fast_epochs.applies(optimizer):
        return _fast_epochs.run_epochs, _fast_epochs.Batches(Z, y, batch_size, shuffle, rng)
    return _run_epochs, lambda: _minibatches(Z, y, batch_size, shuffle, rng)


def _run_epochs(objective, w, *, optimizer, batches, epochs, rule, log, bar=None):
    """The epoch loop: check the criteria on the full data, then run one epoch of updates.

    Returns the final parameters, the stop reason, its message, and whether the run ended at
    an end-of-epoch check (rather than by blowing up inside an epoch).
    """
    w_before = None
    for epoch in range(epochs + 1):
        loss, grad_norm = _full_data(objective, w, log.needs_grad(epoch, epochs))
        log.epoch(loss, grad_norm, w)
        _show_progress(bar, epoch, loss)
        moved = None if w_before is None else _norm(w - w_before)
        verdict = _check(rule, epoch, epochs, log.t, _last_lr(log, optimizer), loss,
                         grad_norm if log.epoch_grad else None, moved)
        if verdict is not None:
            return w, *verdict, True
        w_before = w.copy()
        w, blown = _epoch(objective, w, optimizer, batches(), log)
        if blown is not None:
            message = divergence_message(log.t, _last_lr(log, optimizer), f"mini-batch {blown}")
            return w, "diverged", message, False


def _epoch(objective, w, optimizer, batches, log):
    """One pass over the data: one update per mini-batch ``(Z_B, y_B)``.

    Returns the new parameters, and ``None`` or which of loss and gradient blew up.
    """
    for Z_B, y_B in batches:
        loss = objective.loss_on(w, Z_B, y_B) if log.per_step else None  # if recorded
        g = objective.grad_on(w, Z_B, y_B)
        grad_norm = _norm(g)
        if not (_finite(loss) and _finite(grad_norm)):
            log.blow_up(loss, grad_norm, w)
            return w, "gradient" if not _finite(grad_norm) else "loss"
        log.step(loss, grad_norm, optimizer.current_lr, w)
        w = optimizer.step(w, g)                   # plain SGD: w - lr * g
    return w, None


def _full_data(objective, w, with_grad):
    """The full-data loss at ``w`` and, when asked for, the norm of the gradient (else None)."""
    loss = float(objective.loss(w))
    return loss, _norm(objective.grad(w)) if with_grad else None


def _last_lr(log, optimizer):
    """The learning rate of the last update, or the first one's before any update."""
    return log.last_lr if log.last_lr is not None else optimizer.current_lr


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


SMALL_PRODUCT = 2 ** 16
"""Entries of a matrix below which a matrix-vector product does not gain from BLAS threads
(512 KiB of float64: a few tens of microseconds of work)."""


def _blas_threads(Z, batch_size):
    """A context running BLAS on one thread, for descents of small batches on large data.

    An update's product with a small batch runs on the calling thread anyway.  The
    full-data loss of each epoch, however, is large enough for OpenBLAS to hand it to all
    its threads, which then spin for a while waiting for more work: on a machine with few
    cores they take the cores the updates need (2 cores, 5 epochs of batch 64 on
    200 000 x 51: 0.65 s instead of 0.32 s).  Results are the same up to rounding (a
    threaded dot product adds its terms in another order).  Other cases, and setups without
    ``threadpoolctl``, are left alone.
    """
    small_updates = min(batch_size, Z.shape[0]) * Z[:1].size < SMALL_PRODUCT
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


def _norm(v):
    return float(np.linalg.norm(v))


def _data_of(objective):
    """The design matrix and targets of a data objective, or an error saying what is missing."""
    needed = ("Z", "y", "loss", "grad", "loss_on", "grad_on")
    missing = [name for name in needed if not hasattr(objective, name)]
    if missing:
        raise InvalidParameterError(
            f"objective must be a data objective (with {', '.join(needed)}); "
            f"{type(objective).__name__} has no {', '.join(missing)}")
    return objective.Z, objective.y


def _resolve_optimizer(optimizer, lr):
    if optimizer is None:
        return SGD(lr=0.01 if lr is None else check_lr(lr))
    if lr is not None:
        raise InvalidParameterError(
            "lr is the learning rate of the default SGD; with an optimizer, give it to the "
            "optimizer instead, e.g. Adam(lr=0.01)")
    if not (callable(getattr(optimizer, "step", None)) and hasattr(optimizer, "current_lr")):
        raise InvalidParameterError(
            f"optimizer must have a step(params, grad) method and a current_lr, as the "
            f"optimizers of gdcourse.optim, got {optimizer!r}")
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
