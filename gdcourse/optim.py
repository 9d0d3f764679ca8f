r"""Gradient-based optimizers on NumPy arrays, with the update rules of ``torch.optim``.

Every optimizer is used the same way::

    from gdcourse.optim import Adam
    opt = Adam(lr=0.05)
    w = w0
    for _ in range(200):
        w = opt.step(w, grad(w))        # always use the returned value

The classes named like those of :mod:`torch.optim` (:class:`SGD`, :class:`Adagrad`,
:class:`RMSprop`, :class:`Adam`, :class:`AdamW`, :class:`NAdam`, :class:`Adadelta`) take
torch's hyperparameter names and defaults and perform exactly torch's update (its
single-tensor code path, without ``maximize``); the test suite checks whole trajectories
against torch to a relative difference of :math:`10^{-10}`.  The textbook forms found in
the course's sources are :class:`MomentumEMA`, :class:`MomentumClassic` and
:class:`RMSpropTextbook`; their docstrings say which torch configuration each one equals.

Notation, used in every docstring: :math:`t = 1, 2, \dots` counts the steps,
:math:`g_t` is the gradient given to step :math:`t`, :math:`\eta_t` the learning rate
(``lr``, or ``lr(t - 1)`` when ``lr`` is a schedule), :math:`\lambda` the weight decay.
With :math:`\lambda > 0` the coupled (L2) optimizers first replace the gradient by
:math:`g_t \leftarrow g_t + \lambda w_{t-1}`.

Returned arrays
---------------
Every array returned by ``step`` is a new array that the optimizer never modifies
afterwards, and ``step`` never modifies its ``params`` or ``grad`` arguments.  So a
trajectory can be recorded directly, ``path.append(w)`` or
``history = [w := opt.step(w, grad(w)) for _ in range(100)]``, without copies.

To stay as fast as an in-place update, an optimizer recycles the memory of the arrays it
returned: when the caller has dropped an earlier result (as ``w = opt.step(w, g)`` does
one step later), nothing can see that array any more and the optimizer writes a later
result into it.  "Nothing" is checked with CPython's reference count: an array the caller
still holds, directly, in a list, or through a view, a memoryview or a torch tensor, is
never reused.  Only a raw pointer (``w.ctypes.data``) escapes the check.

``step_(params, grad)`` is the in-place form, the way ``torch.optim`` works: it writes the
same numbers into ``params`` (a writeable, C-contiguous array) and returns it.  A loop that
owns its parameter array, such as the mini-batch driver of :mod:`gdcourse.variants`, saves
the bookkeeping of new arrays with it: about a microsecond per step on small arrays.
"""

from __future__ import annotations

import math
import numbers
import sys

import numpy as np

from ._validation import check_number

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "NAdam", "Adadelta",
           "MomentumEMA", "MomentumClassic", "RMSpropTextbook"]

CHUNK = 2 ** 17
"""Elements per chunk of the cache-blocked Adam update (1 MiB per float64 array)."""


# --------------------------------------------------------------------------- validation

def _check_lr(lr):
    """``lr`` is a number >= 0 or a schedule ``t -> lr``."""
    return lr if callable(lr) else check_number(lr, "lr", low=0.0)


def _check_flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _check_betas(betas):
    """A pair of numbers, each in [0, 1)."""
    if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    return tuple(check_number(beta, f"betas[{i}]", low=0.0, high=1.0, high_open=True)
                 for i, beta in enumerate(betas))


def _as_float_array(value, name):
    array = np.asarray(value)
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"{name} must be an array of floats, got dtype {array.dtype} "
                         f"(convert it with .astype(float))")
    return array


# --------------------------------------------------------------------------- returned arrays

def _refcount_of_item(items, i):
    """``sys.getrefcount(items[i])``: the one code path used by the calibration and the check."""
    return sys.getrefcount(items[i])


def _calibrate_refcount_when_unreferenced():
    """What :func:`_refcount_of_item` reports for an array that only its list holds.

    On CPython 3.11 it is 2: the list's slot plus the temporary reference passed to
    ``sys.getrefcount``.  It is measured rather than hard-coded, so that it follows the
    interpreter, and checked to grow by exactly one with one more holder; ``None`` (no
    reliable reference counts, e.g. PyPy) disables recycling.
    """
    try:
        items = [np.empty(1)]
        alone = _refcount_of_item(items, 0)
        holder = items[0]                                    # noqa: F841 (one more reference)
        held = _refcount_of_item(items, 0)
    except AttributeError:                                   # no sys.getrefcount
        return None
    return alone if held == alone + 1 else None


_REFCOUNT_WHEN_UNREFERENCED = _calibrate_refcount_when_unreferenced()

def _may_alias(output, params, grad):
    """Whether ``params`` or ``grad`` may share memory with ``output``, a result of ``step``.

    An array that owns its memory shares none with another array (``output`` itself, the
    one exception, is excluded by the reference count), so the overlap test of
    ``np.may_share_memory`` is only needed for views and foreign buffers.
    """
    return ((not params.flags.owndata and np.may_share_memory(params, output))
            or (not grad.flags.owndata and np.may_share_memory(grad, output)))


_RECYCLED_OUTPUTS = 2
"""How many recent results an optimizer remembers for recycling: two suffice for
``w = opt.step(w, g)``, where step ``k + 2`` can reuse the result of step ``k``."""


# --------------------------------------------------------------------------- base class

class Optimizer:
    r"""The machinery shared by every optimizer: the step counter, the state, the outputs.

    Attributes
    ----------
    lr : float or callable
        The learning rate, or a schedule ``t -> lr`` called with the number of steps
        already taken (0 for the first step); see :mod:`gdcourse.schedules`.
    t : int
        Number of steps taken since creation or the last :meth:`reset`.
    state : dict of str -> ndarray
        The optimizer's memory (``"m"``, ``"v"``, ...), created at the first step.

    Subclasses implement ``_initial_state(w)`` and ``_update(w, g, lr)``, which updates in
    place ``w``, a new C-contiguous array already holding the parameters, and the state
    (``self.t`` is already the number of the step being taken, starting at 1), and never
    writes into ``g``.  A subclass may instead override ``_update_into(params, grad, lr,
    out)`` to write the new parameters into ``out`` directly, reading ``params`` (see
    :class:`Adam`).
    """

    state_names: tuple[str, ...] = ()

    def __init__(self, lr):
        self.lr = _check_lr(lr)
        self.reset()

    def reset(self):
        """Forget everything learnt: step counter, state, shape and recycled outputs."""
        self.t = 0
        self.state = {}
        self._shape_dtype = None     # (shape, dtype) of the parameters, fixed at the first step
        self._shape = self._dtype = None   # the same two, for the fast check of step
        self._lr_array = (None, None, None)   # (lr, dtype, lr as a 0-d array): see _lr_as_array
        self._outputs = []           # the recent results of step, oldest first (recycling)
        self._inplace_params = None  # the array step_ last checked

    @property
    def current_lr(self) -> float:
        """The learning rate the next step will use."""
        if not callable(self.lr):
            return self.lr
        value = self.lr(self.t)
        if (isinstance(value, bool) or not isinstance(value, numbers.Real)
                or not math.isfinite(value) or value < 0):
            raise ValueError(f"lr schedule returned {value!r} at t={self.t}; "
                             f"it must be a finite number >= 0")
        return float(value)

    def step(self, params, grad):
        """Take one step from ``params`` along ``grad`` and return the new parameters.

        ``params`` and ``grad`` are float arrays of one shape and dtype (any shape, 0-d
        included), the same at every call until :meth:`reset`.  Neither is modified.
        The result is a new array, which the optimizer never modifies afterwards: it
        may be kept as it is (no ``.copy()`` needed).  Its memory is recycled for a later
        result only once nothing else references it (see the module docstring).
        """
        lr = self.current_lr
        shape, dtype = self._shape, self._dtype
        if not (type(params) is np.ndarray and type(grad) is np.ndarray   # the common case
                and params.dtype is dtype and grad.dtype is dtype
                and params.shape == shape and grad.shape == shape):
            params, grad = self._check(params, grad)
        out = self._new_output(params, grad)
        self.t += 1
        self._update_into(params, grad, lr, out)
        return out

    def step_(self, params, grad):
        """Take one step *in place*: overwrite ``params`` with the new parameters; return it.

        The in-place form of :meth:`step`, as the optimizers of ``torch.optim`` work, with
        the very same numbers.  It suits a loop that owns its parameter array (the
        mini-batch driver of :mod:`gdcourse.variants` uses it): no new array per step, no
        bookkeeping of returned ones.  ``params`` must be a writeable, C-contiguous float
        array that ``grad`` does not overlap; ``grad`` is not modified.
        """
        lr = self.current_lr
        if not (params is self._inplace_params and type(grad) is np.ndarray   # the common case
                and grad.dtype is self._dtype and grad.shape == self._shape):
            params, grad = self._check_inplace(params, grad)
        self.t += 1
        self._update_into(params, grad, lr, params)
        return params

    def _check_inplace(self, params, grad):
        """The checks of :meth:`_check`, and that ``params`` can be updated in place.

        The array that passed is remembered, so that :meth:`step_` checks it only once.
        """
        if not isinstance(params, np.ndarray):
            raise ValueError(f"step_ updates params in place, so params must be a NumPy "
                             f"array, got {type(params).__name__} (use step instead)")
        if not (params.flags.writeable and params.flags.c_contiguous):
            raise ValueError("step_ updates params in place, so params must be a writeable, "
                             "C-contiguous array (pass a copy, or use step instead)")
        if np.may_share_memory(params, grad):
            raise ValueError("grad shares memory with params, which step_ overwrites; "
                             "pass a copy of the gradient")
        params, grad = self._check(params, grad)
        self._inplace_params = params
        return params, grad

    def _check(self, params, grad):
        """Check shapes and dtypes (creating the state at the first step); return the arrays.

        :meth:`step` skips it in the common case, recognised by a few identity comparisons:
        two ndarrays of the very shape and dtype accepted before.
        """
        params = _as_float_array(params, "params")
        grad = _as_float_array(grad, "grad")
        if grad.shape != params.shape or grad.dtype != params.dtype:
            raise ValueError(f"grad has shape {grad.shape} and dtype {grad.dtype}, but params "
                             f"has shape {params.shape} and dtype {params.dtype}; they must match")
        if self._shape_dtype is None:
            self._shape_dtype = self._shape, self._dtype = params.shape, params.dtype
            self.state = self._initial_state(np.zeros(params.shape, params.dtype))
        elif (params.shape, params.dtype) != self._shape_dtype:
            shape, dtype = self._shape_dtype
            raise ValueError(
                f"params has shape {params.shape} and dtype {params.dtype}, but this "
                f"optimizer was used with shape {shape} and dtype {dtype}; "
                f"call reset() before optimizing other parameters")
        return params, grad

    def _new_output(self, params, grad):
        """A C-contiguous array to receive the new parameters, which nothing else references.

        It is the oldest of the remembered recent results (``self._outputs``) that is
        referenced by that list alone, i.e. that the caller has dropped without keeping
        any view of it (so it is neither ``params`` nor ``grad``; their memory is also
        checked explicitly, see :func:`_may_alias`), or else a new array.  It becomes the
        newest remembered result; beyond :data:`_RECYCLED_OUTPUTS` the oldest is forgotten
        (left to the caller).
        """
        outputs = self._outputs
        for i in range(len(outputs)):
            if (_refcount_of_item(outputs, i) == _REFCOUNT_WHEN_UNREFERENCED
                    and not _may_alias(outputs[i], params, grad)):
                out = outputs.pop(i)
                break
        else:
            out = np.empty(params.shape, params.dtype)
            if len(outputs) == _RECYCLED_OUTPUTS:
                outputs.pop(0)
        outputs.append(out)
        return out

    def _update_into(self, params, grad, lr, out):
        """Write the new parameters into ``out``: by default a copy updated by ``_update``.

        ``out`` is either a new array or, for :meth:`step_`, ``params`` itself.
        """
        if out is not params:
            np.copyto(out, params)
        self._update(out, grad, lr)

    def _lr_as_array(self, lr, dtype):
        """``lr`` as a 0-d array of ``dtype``, kept while ``lr`` is the same object.

        NumPy multiplies a small array by a 0-d array about twice as fast as by a Python
        float, which it converts at every call; the result is the same, since it casts a
        Python float to the array's dtype first.
        """
        if lr is not self._lr_array[0] or dtype is not self._lr_array[1]:
            self._lr_array = lr, dtype, np.array(lr, dtype)
        return self._lr_array[2]

    def _initial_state(self, w):
        return {name: np.zeros_like(w) for name in self.state_names}

    def _update(self, w, g, lr):
        raise NotImplementedError

    def _with_weight_decay(self, w, g):
        r"""The L2-coupled gradient :math:`g + \lambda w` (a new array), or ``g`` itself."""
        return g + self.weight_decay * w if self.weight_decay else g

    def __repr__(self):
        names = [name for name in vars(self) if not name.startswith("_")
                 and name not in ("t", "state")]
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{type(self).__name__}({args})"


# --------------------------------------------------------------------------- torch.optim

class SGD(Optimizer):
    r"""Stochastic gradient descent with optional momentum, as ``torch.optim.SGD``.

    With momentum :math:`\mu`, dampening :math:`\tau` and the buffer :math:`b`:

    .. math::
        b_1 = g_1, \qquad b_t = \mu\, b_{t-1} + (1 - \tau)\, g_t \quad (t \ge 2),

        d_t = \begin{cases} g_t + \mu\, b_t & \text{nesterov} \\
                            b_t & \text{otherwise} \end{cases}, \qquad
        w_t = w_{t-1} - \eta_t\, d_t .

    The first buffer is the gradient itself: dampening is skipped on the first step.
    Without momentum, :math:`d_t = g_t` (plain gradient descent).
    """

    def __init__(self, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        super().__init__(lr)
        self.momentum = check_number(momentum, "momentum", low=0.0)
        self.dampening = check_number(dampening, "dampening", low=0.0, high=1.0)
        self.weight_decay = check_number(weight_decay, "weight_decay", low=0.0)
        self.nesterov = _check_flag(nesterov, "nesterov")
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError("nesterov=True requires momentum > 0 and dampening = 0")

    def _initial_state(self, w):
        return {"b": np.zeros_like(w)} if self.momentum else {}

    def _update_into(self, params, grad, lr, out):
        if self.momentum or self.weight_decay:
            super()._update_into(params, grad, lr, out)
        else:                                               # plain SGD: out = w - lr g
            lr = self._lr_as_array(lr, out.dtype)
            lr_g = np.multiply(grad, lr) if out is params else np.multiply(grad, lr, out=out)
            np.subtract(params, lr_g, out=out)

    def _update(self, w, g, lr):
        g = self._with_weight_decay(w, g)
        d = self._momentum_direction(g) if self.momentum else g
        w -= lr * d

    def _momentum_direction(self, g):
        b, mu = self.state["b"], self.momentum
        if self.t == 1:
            np.copyto(b, g)
        else:
            b *= mu
            b += (1 - self.dampening) * g
        return g + mu * b if self.nesterov else b


class Adagrad(Optimizer):
    r"""Adagrad, as ``torch.optim.Adagrad``: each coordinate's step shrinks with its history.

    With the sum of squared gradients :math:`G` (initially ``initial_accumulator_value``)
    and the decayed rate :math:`\tilde\eta_t` (``lr_decay`` :math:`= \delta`):

    .. math::
        G_t = G_{t-1} + g_t^2, \qquad
        \tilde\eta_t = \frac{\eta_t}{1 + (t - 1)\,\delta}, \qquad
        w_t = w_{t-1} - \tilde\eta_t\, \frac{g_t}{\sqrt{G_t} + \varepsilon}.
    """

    def __init__(self, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                 eps=1e-10):
        super().__init__(lr)
        self.lr_decay = check_number(lr_decay, "lr_decay", low=0.0)
        self.weight_decay = check_number(weight_decay, "weight_decay", low=0.0)
        self.initial_accumulator_value = check_number(
            initial_accumulator_value, "initial_accumulator_value", low=0.0)
        self.eps = check_number(eps, "eps", low=0.0)

    def _initial_state(self, w):
        return {"G": np.full_like(w, self.initial_accumulator_value)}

    def _update(self, w, g, lr):
        g = self._with_weight_decay(w, g)
        G = self.state["G"]
        G += g * g
        decayed_lr = lr / (1 + (self.t - 1) * self.lr_decay)
        w -= decayed_lr * g / (np.sqrt(G) + self.eps)


class RMSprop(Optimizer):
    r"""RMSprop, as ``torch.optim.RMSprop`` (note: :math:`\varepsilon` is *outside* the root).

    With smoothing constant :math:`\alpha`:

    .. math::
        v_t = \alpha\, v_{t-1} + (1 - \alpha)\, g_t^2, \qquad
        s_t = \begin{cases} \sqrt{v_t - \bar g_t^2} + \varepsilon,
                  \quad \bar g_t = \alpha\, \bar g_{t-1} + (1 - \alpha)\, g_t
                  & \text{centered} \\
              \sqrt{v_t} + \varepsilon & \text{otherwise} \end{cases}

    then :math:`w_t = w_{t-1} - \eta_t\, g_t / s_t`, or with momentum :math:`\mu > 0`
    :math:`b_t = \mu\, b_{t-1} + g_t / s_t,\; w_t = w_{t-1} - \eta_t\, b_t`.

    Torch only requires :math:`\alpha \ge 0`; here :math:`\alpha \in [0, 1]`.
    """

    def __init__(self, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False):
        super().__init__(lr)
        self.alpha = check_number(alpha, "alpha", low=0.0, high=1.0)
        self.eps = check_number(eps, "eps", low=0.0)
        self.weight_decay = check_number(weight_decay, "weight_decay", low=0.0)
        self.momentum = check_number(momentum, "momentum", low=0.0)
        self.centered = _check_flag(centered, "centered")

    def _initial_state(self, w):
        names = ["v"]
        if self.centered:
            names.append("g_avg")
        if self.momentum > 0:
            names.append("b")
        return {name: np.zeros_like(w) for name in names}

    def _update(self, w, g, lr):
        g = self._with_weight_decay(w, g)
        alpha, v = self.alpha, self.state["v"]
        v *= alpha
        v += (1 - alpha) * (g * g)
        if self.centered:
            g_avg = self.state["g_avg"]
            g_avg *= alpha
            g_avg += (1 - alpha) * g
            s = np.sqrt(v - g_avg * g_avg)
        else:
            s = np.sqrt(v)
        s += self.eps
        if self.momentum > 0:
            b = self.state["b"]
            b *= self.momentum
            b += g / s
            w -= lr * b
        else:
            w -= lr * g / s


class Adam(Optimizer):
    r"""Adam, as ``torch.optim.Adam``: momentum on the gradient and on its square.

    .. math::
        m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2,

        \hat m_t = \frac{m_t}{1 - \beta_1^t}, \qquad
        \hat v_t = \frac{v_t}{1 - \beta_2^t}, \qquad
        w_t = w_{t-1} - \eta_t\, \frac{\hat m_t}{\sqrt{\hat v_t} + \varepsilon}.

    With ``amsgrad=True`` the denominator uses the running maximum
    :math:`v^{\max}_t = \max(v^{\max}_{t-1}, v_t)` in place of :math:`v_t`.
    ``weight_decay`` :math:`\lambda` is the coupled L2 term :math:`g_t + \lambda w_{t-1}`
    (see :class:`AdamW` for the decoupled one).

    The update runs over chunks of :data:`CHUNK` elements with preallocated scratch
    buffers, so that every intermediate stays in cache: on arrays far larger than the
    cache each of :math:`w_{t-1}, g, m, v` is read once and :math:`w_t, m, v` written once
    (:math:`w_t` straight into the returned array, usually a recycled one).
    """

    decoupled = False

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
        super().__init__(lr)
        self.betas = _check_betas(betas)
        self.eps = check_number(eps, "eps", low=0.0)
        self.weight_decay = check_number(weight_decay, "weight_decay", low=0.0)
        self.amsgrad = _check_flag(amsgrad, "amsgrad")

    def _initial_state(self, w):
        names = ["m", "v", "v_max"] if self.amsgrad else ["m", "v"]
        chunk = min(CHUNK, w.size)
        self._scratch = (np.empty(chunk, w.dtype), np.empty(chunk, w.dtype))   # g_l2, scratch
        return {name: np.zeros_like(w) for name in names}

    def _update_into(self, params, grad, lr, out):
        beta1, beta2 = self.betas
        eps, weight_decay = self.eps, self.weight_decay
        step_size = lr / (1 - beta1 ** self.t)                 # eta / (1 - beta1^t)
        sqrt_bias2 = math.sqrt(1 - beta2 ** self.t)            # sqrt(1 - beta2^t)

        def update_chunk(w, g, m, v, v_max, out, g_l2, scratch):
            if weight_decay and self.decoupled:
                w = np.multiply(w, 1 - lr * weight_decay, out=out)   # AdamW, into out
            elif weight_decay:
                g = np.add(g, np.multiply(w, weight_decay, out=g_l2), out=g_l2)   # g + lambda w
            m *= beta1                                         # m = beta1 m + (1 - beta1) g
            m += np.multiply(g, 1 - beta1, out=scratch)
            v *= beta2                                         # v = beta2 v + (1 - beta2) g^2
            v += np.multiply(np.square(g, out=scratch), 1 - beta2, out=scratch)
            if self.amsgrad:
                v = np.maximum(v_max, v, out=v_max)            # v_max = max(v_max, v)
            denom = np.sqrt(v, out=scratch)                    # sqrt(v_hat) + eps
            denom /= sqrt_bias2
            denom += eps
            np.subtract(w, np.multiply(np.divide(m, denom, out=denom), step_size, out=denom),
                        out=out)                               # out = w - step m / denom

        m, v = self.state["m"], self.state["v"]
        v_max = self.state["v_max"] if self.amsgrad else v    # (unused without amsgrad)
        _chunked(update_chunk, [params, grad, m, v, v_max, out], self._scratch)


class AdamW(Adam):
    r"""AdamW, as ``torch.optim.AdamW``: Adam with *decoupled* weight decay.

    Before the Adam update of :class:`Adam` (which then sees the raw gradient),

    .. math:: w_{t-1} \leftarrow (1 - \eta_t \lambda)\, w_{t-1}.
    """

    decoupled = True

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        super().__init__(lr, betas, eps, weight_decay, amsgrad)


def _chunked(update_chunk, arrays, scratch):
    """Call ``update_chunk(*chunks_of_arrays, *scratch)`` on consecutive chunks of ``arrays``.

    ``arrays`` share one size and are seen as flat: views for the C-contiguous arrays the
    optimizer owns (state and output), so that writes reach them, and possibly copies for
    the caller's ``params`` and ``grad``, which are only read.  ``scratch`` are arrays of
    ``CHUNK`` elements.
    """
    flat = [a.reshape(-1) for a in arrays]
    n = flat[0].size
    for start in range(0, n, CHUNK):
        stop = min(start + CHUNK, n)
        update_chunk(*(a[start:stop] for a in flat), *(s[:stop - start] for s in scratch))


class NAdam(Optimizer):
    r"""NAdam (Adam with Nesterov momentum), as ``torch.optim.NAdam``.

    The momentum coefficient warms up with ``momentum_decay`` :math:`\psi`:

    .. math::
        \mu_t = \beta_1\big(1 - \tfrac12\, 0.96^{t\psi}\big), \qquad
        \Pi_t = \prod_{i=1}^{t} \mu_i,

        m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2, \qquad
        s_t = \sqrt{\frac{v_t}{1 - \beta_2^t}} + \varepsilon,

        w_t = w_{t-1} - \eta_t\, \frac{1 - \mu_t}{1 - \Pi_t}\, \frac{g_t}{s_t}
                      - \eta_t\, \frac{\mu_{t+1}}{1 - \Pi_t\, \mu_{t+1}}\, \frac{m_t}{s_t}.

    :math:`\Pi_t` is kept as the Python float ``state["mu_product"]``.
    """

    def __init__(self, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 momentum_decay=4e-3):
        super().__init__(lr)
        self.betas = _check_betas(betas)
        self.eps = check_number(eps, "eps", low=0.0)
        self.weight_decay = check_number(weight_decay, "weight_decay", low=0.0)
        self.momentum_decay = check_number(momentum_decay, "momentum_decay", low=0.0)

    def _initial_state(self, w):
        return {"m": np.zeros_like(w), "v": np.zeros_like(w), "mu_product": 1.0}

    def _mu(self, t):
        beta1 = self.betas[0]
        return beta1 * (1.0 - 0.5 * 0.96 ** (t * self.momentum_decay))

    def _update(self, w, g, lr):
        g = self._with_weight_decay(w, g)
        beta1, beta2 = self.betas
        m, v, t = self.state["m"], self.state["v"], self.t
        mu, mu_next = self._mu(t), self._mu(t + 1)
        self.state["mu_product"] *= mu
        mu_product = self.state["mu_product"]
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * (g * g)
        s = np.sqrt(v / (1 - beta2 ** t))
        s += self.eps
        w -= (lr * (1 - mu) / (1 - mu_product)) * (g / s)
        w -= (lr * mu_next / (1 - mu_product * mu_next)) * (m / s)


class Adadelta(Optimizer):
    r"""Adadelta, as ``torch.optim.Adadelta``: the step's own size sets the learning rate.

    With :math:`v` the average of squared gradients and :math:`u` that of squared updates:

    .. math::
        v_t = \rho\, v_{t-1} + (1 - \rho)\, g_t^2, \qquad
        \Delta_t = \frac{\sqrt{u_{t-1} + \varepsilon}}{\sqrt{v_t + \varepsilon}}\, g_t,

        u_t = \rho\, u_{t-1} + (1 - \rho)\, \Delta_t^2, \qquad
        w_t = w_{t-1} - \eta_t\, \Delta_t.
    """

    state_names = ("v", "u")

    def __init__(self, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
        super().__init__(lr)
        self.rho = check_number(rho, "rho", low=0.0, high=1.0)
        self.eps = check_number(eps, "eps", low=0.0)
        self.weight_decay = check_number(weight_decay, "weight_decay", low=0.0)

    def _update(self, w, g, lr):
        g = self._with_weight_decay(w, g)
        rho, eps, v, u = self.rho, self.eps, self.state["v"], self.state["u"]
        v *= rho
        v += (1 - rho) * (g * g)
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u *= rho
        u += (1 - rho) * (delta * delta)
        w -= lr * delta


# --------------------------------------------------------------------------- textbook forms

class MomentumEMA(Optimizer):
    r"""Momentum as an exponential moving average of the gradients (the "EMA" textbook form).

    .. math::
        v_0 = 0, \qquad v_t = \beta\, v_{t-1} + (1 - \beta)\, g_t, \qquad
        w_t = w_{t-1} - \eta_t\, v_t .

    Relation to ``torch.optim.SGD`` (buffer :math:`b`):

    * ``SGD(lr, momentum=beta, dampening=beta)`` runs the same recursion from step 2 on, but
      starts from :math:`b_1 = g_1` where this form has :math:`v_1 = (1-\beta)\, g_1`
      (torch skips dampening on the first step).  Fed the same gradients, the buffers then
      differ by exactly :math:`b_t - v_t = \beta^t g_1`, so the trajectories differ.
    * ``SGD(lr=(1 - beta) * lr, momentum=beta, dampening=0)`` is identical to this form,
      for a constant rate or a schedule (scale the schedule by :math:`1-\beta`), because
      :math:`v_t = (1 - \beta)\, b_t` at every step.
    """

    state_names = ("v",)

    def __init__(self, lr, beta=0.9):
        super().__init__(lr)
        self.beta = check_number(beta, "beta", low=0.0, high=1.0, high_open=True)

    def _update(self, w, g, lr):
        v = self.state["v"]
        v *= self.beta
        v += (1 - self.beta) * g
        w -= lr * v


class MomentumClassic(Optimizer):
    r"""Heavy-ball momentum in the classic textbook form: the velocity includes the step size.

    .. math::
        v_0 = 0, \qquad v_t = \gamma\, v_{t-1} + \eta_t\, g_t, \qquad w_t = w_{t-1} - v_t .

    With a constant rate :math:`\eta` this is exactly ``torch.optim.SGD(lr=eta,
    momentum=gamma)`` (there :math:`v_t = \eta\, b_t`).  Under a schedule the two differ:
    here a past gradient keeps the rate of its own step, :math:`v_t = \sum_s
    \gamma^{t-s} \eta_s g_s`, while torch rescales the whole buffer by the current rate,
    :math:`\eta_t \sum_s \gamma^{t-s} g_s`.
    """

    state_names = ("v",)

    def __init__(self, lr, gamma=0.9):
        super().__init__(lr)
        self.gamma = check_number(gamma, "gamma", low=0.0, high=1.0, high_open=True)

    def _update(self, w, g, lr):
        v = self.state["v"]
        v *= self.gamma
        v += lr * g
        w -= v


class RMSpropTextbook(Optimizer):
    r"""RMSprop in the textbook form, with :math:`\varepsilon` *inside* the square root.

    .. math::
        v_t = \beta\, v_{t-1} + (1 - \beta)\, g_t^2, \qquad
        w_t = w_{t-1} - \eta_t\, \frac{g_t}{\sqrt{v_t + \varepsilon}} .

    ``torch.optim.RMSprop(lr, alpha=beta, eps=eps)`` divides by
    :math:`\sqrt{v_t} + \varepsilon` instead.  With ``eps=0`` the two are identical; for
    gradients whose square is comparable to :math:`\varepsilon` they differ markedly (with
    :math:`v_t = \varepsilon` the textbook step is :math:`\sqrt2` times smaller), because
    :math:`\sqrt{v + \varepsilon} \gg \sqrt v + \varepsilon` when :math:`v, \varepsilon \ll 1`.
    """

    state_names = ("v",)

    def __init__(self, lr, beta=0.9, eps=1e-8):
        super().__init__(lr)
        self.beta = check_number(beta, "beta", low=0.0, high=1.0)
        self.eps = check_number(eps, "eps", low=0.0)

    def _update(self, w, g, lr):
        v = self.state["v"]
        v *= self.beta
        v += (1 - self.beta) * (g * g)
        w -= lr * g / np.sqrt(v + self.eps)
