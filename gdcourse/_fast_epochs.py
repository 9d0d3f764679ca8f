r"""The fast epoch loop of :func:`gdcourse.variants.minibatch_descent`.

The same algorithm as the plain loop of :mod:`gdcourse.variants` (``_run_epochs`` and
``_epoch``, which the book shows), with the same records to round-off (tested), but with
the work per update cut down to a handful of NumPy calls:

* shuffled rows are gathered into reused buffers, several batches per call
  (:class:`Batches`), instead of copying every batch out of the data set;
* the loss recorded per update comes with the gradient from one residual (the objective's
  ``loss_and_grad_on``, when it has its own, see :func:`has_own_fused`);
* the optimizer updates the driver's parameter array in place (``step_``);
* when no criterion needs the full-data loss before the next epoch, that epoch measures it
  on the blocks of rows it gathers anyway (:class:`LossOverBlocks`) instead of making a
  pass over the data of its own.

:func:`applies` says when :func:`run_epochs` is used: for every optimizer that can update
in place, i.e. those of :mod:`gdcourse.optim`.
"""

from __future__ import annotations

import math

import numpy as np

from .descent import divergence_message
from .variants import _check, _finite, _last_lr, _norm, _show_progress, iterate_minibatches

GATHER_BYTES = 2 ** 19
"""Bytes of rows gathered by one ``np.take``: enough to amortise the call over several
batches, few enough (512 KiB) for the gathered rows to stay in cache until they are used."""


def applies(optimizer) -> bool:
    """Whether :func:`run_epochs` can drive ``optimizer``: it must update in place."""
    return callable(getattr(optimizer, "step_", None))


class Batches:
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


def run_epochs(objective, w, *, optimizer, batches, epochs, rule, log, bar=None):
    """The epoch loop of ``variants._run_epochs``, with the measurements of this module.

    ``batches`` is a :class:`Batches`; the other arguments and the result are those of
    ``variants._run_epochs``.  The full-data loss of each check costs a pass over the data.
    When nothing needs it before the next epoch runs (see :func:`epochs_measure_loss`),
    that epoch measures it instead, on the blocks of rows it gathers anyway, and the record
    is filled in then; only the last check makes a pass of its own.
    """
    w_before = None
    measured_later = epochs_measure_loss(objective, batches, rule, log.epoch_grad)
    for epoch in range(epochs + 1):
        if measured_later and epoch < epochs:
            loss = full_grad_norm = None            # measured by the next epoch
        else:
            loss, full_grad_norm = full_data(objective, w, log.needs_grad(epoch, epochs))
        log.epoch(loss, full_grad_norm, w)
        _show_progress(bar, epoch, loss)
        eta = _last_lr(log, optimizer)
        moved = None if w_before is None else _norm(w - w_before)
        verdict = _check(rule, epoch, epochs, log.t, eta, loss,
                         full_grad_norm if log.epoch_grad else None, moved)
        if verdict is not None:
            return w, *verdict, True
        w_before = w.copy()             # the epoch updates w in place
        loss_before = LossOverBlocks(objective, w_before) if measured_later else None
        blown = epoch_in_place(objective, w, optimizer, batches.epoch(loss_before), log)
        if measured_later:
            # complete if the epoch ran to its end; else a pass measures it
            loss = loss_before.value() if blown is None else float(objective.loss(w_before))
            log.epoch_losses[-1] = loss
            _show_progress(bar, None, loss)
            if not _finite(loss):       # the check would have stopped the run before the epoch
                undo_last_epoch(log)
                message = divergence_message(log.t, eta, "full-data loss")
                return w_before, "diverged", message, True
        if blown is not None:
            message = divergence_message(log.t, _last_lr(log, optimizer), f"mini-batch {blown}")
            return w, "diverged", message, False


def epochs_measure_loss(objective, batches, rule, epoch_grad):
    """Whether each epoch measures the full-data loss at its start, on the rows it gathers.

    That needs an epoch that gathers rows (shuffled batches smaller than the data), an
    objective whose loss can be summed over blocks of rows (``loss_sum_on`` of its own, see
    :func:`has_own_fused`), and a run in which nothing needs the loss or the gradient
    before the next epoch: no ``loss_tol``, ``patience`` or ``grad_tol``, per-step records.
    """
    return (batches.gathers and not epoch_grad
            and rule.loss_tol is None and rule.patience is None
            and has_own_fused(objective, "loss_sum_on", ("loss", "loss_on", "loss_from_sum")))


def undo_last_epoch(log):
    """Forget the updates recorded since the last check: an epoch taken back."""
    steps = log.epoch_steps[-1]
    for records in (log.losses, log.norms, log.lrs, log.params):
        del records[steps:]
    log.t = steps


class LossOverBlocks:
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


def epoch_in_place(objective, w, optimizer, batches, log):
    """``variants._epoch`` with an update in place (``step_``) and the fused loss and gradient.

    ``w`` is the driver's own array, updated in place.  Returns ``None``, or which of the
    mini-batch loss or gradient blew up.
    """
    loss_and_grad_on = batch_loss_and_grad(objective, log.per_step)
    for Z_B, y_B in batches:
        loss, g = loss_and_grad_on(w, Z_B, y_B)
        grad_norm = math.sqrt(g.dot(g))
        if not (math.isfinite(grad_norm) and _finite(loss)):
            log.blow_up(loss, grad_norm, w)
            return "gradient" if not math.isfinite(grad_norm) else "loss"
        log.step(loss, grad_norm, optimizer.current_lr, w)
        optimizer.step_(w, g)
    return None


def full_data(objective, w, with_grad):
    """The full-data loss at ``w`` and, when asked for, the norm of the gradient (else None).

    One pass of the objective's ``loss_and_grad`` gives both when it is its own (see
    :func:`has_own_fused`); else ``loss`` and ``grad`` are called.
    """
    if not with_grad:
        return float(objective.loss(w)), None
    if (has_own_fused(objective, "loss_and_grad", ("loss", "grad"))
            and has_own_fused(objective)):
        loss, g = objective.loss_and_grad(w)
    else:
        loss, g = objective.loss(w), objective.grad(w)
    return float(loss), _norm(g)


def batch_loss_and_grad(objective, per_step):
    """The work of one update: ``(theta, Z_B, y_B) -> (loss, gradient)`` on the batch.

    The loss is only computed ``per_step`` (else it is None).  The objective's fused
    ``loss_and_grad_on`` is used when it computes what ``loss_on`` and ``grad_on`` compute
    (see :func:`has_own_fused`): its loss costs one dot product more than the gradient.
    Else ``grad_on`` is called, and ``loss_on`` when the loss is recorded.
    """
    loss_on, grad_on = objective.loss_on, objective.grad_on
    if has_own_fused(objective):
        fused = objective.loss_and_grad_on
        return fused if per_step else lambda theta, Z, y: (None, fused(theta, Z, y)[1])
    if not per_step:
        return lambda theta, Z, y: (None, grad_on(theta, Z, y))

    def loss_and_grad_on(theta, Z, y):
        g = grad_on(theta, Z, y)
        return float(loss_on(theta, Z, y)), g
    return loss_and_grad_on


def has_own_fused(objective, fused="loss_and_grad_on", parts=("loss_on", "grad_on")):
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
