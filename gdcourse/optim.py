r"""Gradient-based optimizers on NumPy arrays, with the update rules of ``torch.optim``.

Every optimizer is used the same way::

    from gdcourse.optim import Adam
    opt = Adam(lr=0.05)
    w = w0
    for _ in range(200):
        w = opt.step(w, grad(w))        # a new array at every step

The classes named like those of :mod:`torch.optim` (:class:`SGD`, :class:`Adagrad`,
:class:`RMSprop`, :class:`Adam`, :class:`AdamW`, :class:`NAdam`, :class:`Adadelta`) take
torch's hyperparameter names and defaults and perform torch's update (its single-tensor
code path, without ``maximize``); the test suite checks whole trajectories against torch
to a relative difference of :math:`10^{-10}`.  The textbook forms found in textbooks and
in Keras are :class:`MomentumEMA`, :class:`MomentumClassic` and :class:`RMSpropTextbook`;
their docstrings say which torch configuration each one equals.

Notation, used in every docstring: :math:`t = 1, 2, \dots` counts the steps,
:math:`g_t` is the gradient given to step :math:`t`, :math:`\eta_t` the learning rate
(``lr``, or ``lr(t - 1)`` when ``lr`` is a schedule), :math:`\lambda` the weight decay.
With :math:`\lambda > 0` the coupled (L2) optimizers first replace the gradient by
:math:`g_t \leftarrow g_t + \lambda w_{t-1}`.

Three ways to take a step
-------------------------
Each optimizer is two pure functions, as in optax: ``init(params)`` returns the state
before the first step (the velocity, the running averages: zeros), and
``update(params, grad, state, t, lr)`` returns the parameters and the state after step
``t``, modifying none of its arguments.  A loop can carry the state itself:

>>> import numpy as np
>>> from gdcourse.optim import SGD
>>> sgd = SGD(lr=0.1, momentum=0.9)
>>> w = np.array([1.0, -2.0])
>>> state = sgd.init(w)
>>> for t in (1, 2, 3):
...     w, state = sgd.update(w, 2 * w, state, t, lr=0.1)       # f(w) = |w|^2
>>> w
array([ 0.062, -0.124])

``step(params, grad)`` is that loop's body: the optimizer keeps the state and the step
counter, and returns the new parameters as a new array.  It modifies neither
``params`` nor ``grad``, nor any array it returned before, so a trajectory can be kept as
it is, ``path.append(w)``, with no copies:

>>> sgd = SGD(lr=0.1, momentum=0.9)
>>> path = [np.array([1.0, -2.0])]
>>> for _ in range(3):
...     path.append(sgd.step(path[-1], 2 * path[-1]))
>>> np.array(path)
array([[ 1.   , -2.   ],
       [ 0.8  , -1.6  ],
       [ 0.46 , -0.92 ],
       [ 0.062, -0.124]])

``step_(params, grad)`` is the in-place form, the way ``torch.optim`` works: it writes
the same numbers into ``params`` (a writeable, C-contiguous array) and updates the state
in place.  A loop that owns its parameter array, such as the mini-batch driver of
:mod:`gdcourse.variants`, saves the new arrays with it; on large arrays :class:`Adam`
then runs its update chunk by chunk in the processor's cache (:func:`_adam_in_chunks_`).
"""

from __future__ import annotations

import numpy as np

from ._validation import Flag, InvalidParameterError, LearningRate, Pair, Real, lr_at, validate

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "NAdam", "Adadelta",
           "MomentumEMA", "MomentumClassic", "RMSpropTextbook"]

CHUNK = 2 ** 17
"""Elements per chunk of the cache-blocked Adam update (1 MiB per float64 array)."""

CHUNKED_FROM = 2 ** 13
"""``Adam.step_`` runs the cache-blocked update on arrays of at least this many elements,
where it is faster than the plain update, which allocates its temporaries (measured, one
thread: the same at 4096 elements, 42 against 50 us at 8192, 0.31 against 1.7 ms at
65 536)."""

NONNEGATIVE = Real(low=0.0)
FRACTION = Real(low=0.0, high=1.0)              # in [0, 1]
DECAY = Real(low=0.0, high=1.0, high_open=True)  # in [0, 1): an average that forgets


def _as_float_array(value, name):
    array = value if type(value) is np.ndarray else np.asarray(value)
    if array.dtype.kind != "f":                          # float16 ... longdouble
        raise InvalidParameterError(f"{name} must be an array of floats, got dtype "
                                    f"{array.dtype} (convert it with .astype(float))")
    return array


def _zeros(params):
    """A C-contiguous array of zeros of the shape and dtype of ``params``."""
    return np.zeros(params.shape, params.dtype)


# --------------------------------------------------------------------------- base class

class Optimizer:
    r"""What every optimizer shares: the step counter, the state, ``step`` and ``step_``.

    Attributes
    ----------
    lr : float or callable
        The learning rate, or a schedule ``t -> lr`` called with the number of steps
        already taken (0 for the first step); see :mod:`gdcourse.schedules`.
    t : int
        Number of steps taken since creation or the last :meth:`reset`.
    state : dict
        The optimizer's memory (``"m"``, ``"v"``, ...), created at the first step.

    A subclass lists its hyperparameters in ``_parameter_constraints`` (checked by
    ``__init__``) and defines the pure functions :meth:`init` and :meth:`update`.
    """

    _parameter_constraints: dict = {"lr": LearningRate()}

    def __init__(self, **hyperparameters):
        vars(self).update(validate(self._parameter_constraints, hyperparameters))
        self.reset()

    def reset(self):
        """Forget everything learnt: the step counter, the state, the parameters' shape."""
        self.t = 0
        self.state = {}
        self._shape_dtype = None      # (shape, dtype) of the parameters, fixed at the first step

    @property
    def current_lr(self) -> float:
        """The learning rate the next step will use."""
        return lr_at(self.lr, self.t)

    def init(self, params) -> dict:
        """The state before the first step (pure: a new dict of new arrays)."""
        return {}

    def update(self, params, grad, state, t, lr):
        """Step ``t`` (1 for the first) from ``params``: ``(new params, new state)``.

        Pure: returns new arrays and modifies none of its arguments.
        """
        raise NotImplementedError

    def step(self, params, grad):
        """Take one step from ``params`` along ``grad`` and return the new parameters.

        ``params`` and ``grad`` are float arrays of one shape and dtype (any shape, 0-d
        included), the same at every call until :meth:`reset`.  The result is a new
        array; ``params``, ``grad`` and the arrays returned before are left as they are.
        """
        params, grad = self._check(params, grad)
        lr = self.current_lr
        new_params, self.state = self.update(params, grad, self.state, self.t + 1, lr)
        self.t += 1
        return np.asarray(new_params)

    def step_(self, params, grad):
        """Take one step *in place*: overwrite ``params`` with the new parameters; return it.

        The in-place form of :meth:`step`, as the optimizers of ``torch.optim`` work, with
        the very same numbers; the state is updated in place too.  ``params`` must be a
        writeable, C-contiguous float array; ``grad`` is read before ``params`` is
        written (it may even be ``params`` itself) and is not modified.
        """
        params, grad = self._check_inplace(params, grad)
        lr = self.current_lr
        self._update_(params, grad, self.t + 1, lr)
        self.t += 1
        return params

    def _update_(self, params, grad, t, lr):
        """:meth:`update` written into ``params``; a subclass may do it faster."""
        new_params, self.state = self.update(params, grad, self.state, t, lr)
        np.copyto(params, new_params)

    def _check_inplace(self, params, grad):
        """The checks of :meth:`_check`, and that ``params`` can be updated in place."""
        if not isinstance(params, np.ndarray):
            raise InvalidParameterError(
                f"step_ updates params in place, so params must be a NumPy array, got "
                f"{type(params).__name__} (use step instead)")
        flags = params.flags
        if not (flags.writeable and flags.c_contiguous):
            raise InvalidParameterError(
                "step_ updates params in place, so params must be a writeable, "
                "C-contiguous array (pass a copy, or use step instead)")
        return self._check(params, grad)

    def _check(self, params, grad):
        """Check shapes and dtypes (creating the state at the first step); return the arrays."""
        params = _as_float_array(params, "params")
        grad = _as_float_array(grad, "grad")
        if grad.shape != params.shape or grad.dtype != params.dtype:
            raise InvalidParameterError(
                f"grad has shape {grad.shape} and dtype {grad.dtype}, but params has shape "
                f"{params.shape} and dtype {params.dtype}; they must match")
        if self._shape_dtype is None:
            self._shape_dtype = params.shape, params.dtype
            self.state = self.init(params)
        shape, dtype = self._shape_dtype
        if params.shape != shape or params.dtype != dtype:
            raise InvalidParameterError(
                f"params has shape {params.shape} and dtype {params.dtype}, but this "
                f"optimizer was used with shape {shape} and dtype {dtype}; "
                f"call reset() before optimizing other parameters")
        return params, grad

    def _with_weight_decay(self, w, g):
        r"""The L2-coupled gradient :math:`g + \lambda w` (a new array), or ``g`` itself."""
        return g + self.weight_decay * w if self.weight_decay else g

    def __repr__(self):
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._parameter_constraints)
        return f"{type(self).__name__}({args})"


# --------------------------------------------------------------------------- torch.optim

class SGD(Optimizer):
    r"""Stochastic gradient descent with optional momentum, as ``torch.optim.SGD``.

    With momentum :math:`\beta`, dampening :math:`\delta` and the buffer :math:`b`:

    .. math::
        b_1 = g_1, \qquad b_t = \beta\, b_{t-1} + (1 - \delta)\, g_t \quad (t \ge 2),

        d_t = \begin{cases} g_t + \beta\, b_t & \text{nesterov} \\
                            b_t & \text{otherwise} \end{cases}, \qquad
        w_t = w_{t-1} - \eta_t\, d_t .

    The first buffer is the gradient itself: dampening is skipped on the first step.
    Without momentum, :math:`d_t = g_t` (plain gradient descent).

    Parameters
    ----------
    lr : float or callable, default=1e-3
        Learning rate :math:`\eta > 0`, or a schedule ``t -> lr``.
    momentum : float, default=0.0
        Momentum :math:`\beta \ge 0`; 0 turns the buffer off.
    dampening : float, default=0.0
        Dampening :math:`\delta \in [0, 1]` of the gradient added to the buffer.
    weight_decay : float, default=0.0
        L2 penalty :math:`\lambda \ge 0`, added to the gradient as :math:`\lambda w`.
    nesterov : bool, default=False
        Nesterov momentum; needs ``momentum > 0`` and ``dampening = 0``.

    Examples
    --------
    >>> import numpy as np
    >>> opt = SGD(lr=0.1)
    >>> opt.step(np.array([1.0, -2.0]), np.array([2.0, -4.0]))
    array([ 0.8, -1.6])
    """

    _parameter_constraints = {"lr": LearningRate(), "momentum": NONNEGATIVE,
                              "dampening": FRACTION, "weight_decay": NONNEGATIVE,
                              "nesterov": Flag()}

    def __init__(self, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        super().__init__(lr=lr, momentum=momentum, dampening=dampening,
                         weight_decay=weight_decay, nesterov=nesterov)
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise InvalidParameterError(
                "nesterov=True requires momentum > 0 and dampening = 0")

    def init(self, params):
        return {"b": _zeros(params)} if self.momentum else {}

    def update(self, params, grad, state, t, lr):
        """Step ``t``: ``(new params, new state)``; ``state`` holds the buffer ``b``."""
        g = self._with_weight_decay(params, grad)
        if not self.momentum:
            return params - lr * g, state
        mu = self.momentum
        if t == 1:
            b = g.copy()                          # torch skips the dampening at step 1
        else:
            b = mu * state["b"] + (1 - self.dampening) * g
        d = g + mu * b if self.nesterov else b
        return params - lr * d, {"b": b}

    def _update_(self, params, grad, t, lr):
        if self.momentum or self.weight_decay:
            super()._update_(params, grad, t, lr)
        else:                                     # plain SGD: w - lr g, as update computes it
            np.subtract(params, lr * grad, out=params)


class Adagrad(Optimizer):
    r"""Adagrad, as ``torch.optim.Adagrad``: each coordinate's step shrinks with its history.

    With the sum of squared gradients :math:`G` (initially ``initial_accumulator_value``)
    and the decayed rate :math:`\tilde\eta_t` (``lr_decay`` :math:`= \delta`):

    .. math::
        G_t = G_{t-1} + g_t^2, \qquad
        \tilde\eta_t = \frac{\eta_t}{1 + (t - 1)\,\delta}, \qquad
        w_t = w_{t-1} - \tilde\eta_t\, \frac{g_t}{\sqrt{G_t} + \varepsilon}.

    Parameters
    ----------
    lr : float or callable, default=1e-2
        Learning rate :math:`\eta > 0`, or a schedule ``t -> lr``.
    lr_decay : float, default=0.0
        :math:`\delta \ge 0`.
    weight_decay : float, default=0.0
        L2 penalty :math:`\lambda \ge 0`, added to the gradient as :math:`\lambda w`.
    initial_accumulator_value : float, default=0.0
        :math:`G_0 \ge 0`, the same for every coordinate.
    eps : float, default=1e-10
        :math:`\varepsilon \ge 0`, added to the root.
    """

    _parameter_constraints = {"lr": LearningRate(), "lr_decay": NONNEGATIVE,
                              "weight_decay": NONNEGATIVE,
                              "initial_accumulator_value": NONNEGATIVE, "eps": NONNEGATIVE}

    def __init__(self, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                 eps=1e-10):
        super().__init__(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                         initial_accumulator_value=initial_accumulator_value, eps=eps)

    def init(self, params):
        return {"G": np.full(params.shape, self.initial_accumulator_value, params.dtype)}

    def update(self, params, grad, state, t, lr):
        g = self._with_weight_decay(params, grad)
        G = state["G"] + g * g
        decayed_lr = lr / (1 + (t - 1) * self.lr_decay)
        return params - decayed_lr * g / (np.sqrt(G) + self.eps), {"G": G}


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

    Parameters
    ----------
    lr : float or callable, default=1e-2
        Learning rate :math:`\eta > 0`, or a schedule ``t -> lr``.
    alpha : float, default=0.99
        :math:`\alpha \in [0, 1]` (torch only requires :math:`\alpha \ge 0`).
    eps : float, default=1e-8
        :math:`\varepsilon \ge 0`, added to the root.
    weight_decay : float, default=0.0
        L2 penalty :math:`\lambda \ge 0`, added to the gradient as :math:`\lambda w`.
    momentum : float, default=0.0
        :math:`\mu \ge 0`; 0 turns the buffer :math:`b` off.
    centered : bool, default=False
        Divide by the root of the variance :math:`v_t - \bar g_t^2` instead of :math:`v_t`.
    """

    _parameter_constraints = {"lr": LearningRate(), "alpha": FRACTION, "eps": NONNEGATIVE,
                              "weight_decay": NONNEGATIVE, "momentum": NONNEGATIVE,
                              "centered": Flag()}

    def __init__(self, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False):
        super().__init__(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                         momentum=momentum, centered=centered)

    def init(self, params):
        names = ["v"] + ["g_avg"] * self.centered + ["b"] * (self.momentum > 0)
        return {name: _zeros(params) for name in names}

    def update(self, params, grad, state, t, lr):
        g = self._with_weight_decay(params, grad)
        alpha = self.alpha
        new = {"v": alpha * state["v"] + (1 - alpha) * (g * g)}
        if self.centered:
            g_avg = new["g_avg"] = alpha * state["g_avg"] + (1 - alpha) * g
            s = np.sqrt(new["v"] - g_avg * g_avg) + self.eps
        else:
            s = np.sqrt(new["v"]) + self.eps
        if self.momentum > 0:
            new["b"] = self.momentum * state["b"] + g / s
            return params - lr * new["b"], new
        return params - lr * g / s, new


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

    Parameters
    ----------
    lr : float or callable, default=1e-3
        Learning rate :math:`\eta > 0`, or a schedule ``t -> lr``.
    betas : pair of floats, default=(0.9, 0.999)
        :math:`(\beta_1, \beta_2)`, each in :math:`[0, 1)`.
    eps : float, default=1e-8
        :math:`\varepsilon \ge 0`, added to the root.
    weight_decay : float, default=0.0
        :math:`\lambda \ge 0`: the coupled L2 term :math:`g_t + \lambda w_{t-1}` (see
        :class:`AdamW` for the decoupled one).
    amsgrad : bool, default=False
        Use the running maximum of :math:`v_t`.

    Examples
    --------
    The first step moves every coordinate by about ``lr``, whatever the gradient's scale:

    >>> import numpy as np
    >>> Adam(lr=0.1).step(np.zeros(3), np.array([1e-3, 1.0, 1e3])).round(6)
    array([-0.099999, -0.1     , -0.1     ])
    """

    decoupled = False

    _parameter_constraints = {"lr": LearningRate(), "betas": Pair(DECAY), "eps": NONNEGATIVE,
                              "weight_decay": NONNEGATIVE, "amsgrad": Flag()}

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
        super().__init__(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad)

    def init(self, params):
        names = ["m", "v", "v_max"] if self.amsgrad else ["m", "v"]
        return {name: _zeros(params) for name in names}

    def update(self, params, grad, state, t, lr):
        """Step ``t``: ``(new params, new state)``, with the moments in ``state``."""
        beta1, beta2 = self.betas
        w, g = params, grad
        if self.decoupled and self.weight_decay:
            w = (1 - lr * self.weight_decay) * w          # AdamW: shrink w first
        elif self.weight_decay:
            g = g + self.weight_decay * w                 # Adam: the L2 gradient
        m = beta1 * state["m"] + (1 - beta1) * g
        v = beta2 * state["v"] + (1 - beta2) * g ** 2
        new_state = {"m": m, "v": v}
        if self.amsgrad:
            v = new_state["v_max"] = np.maximum(state["v_max"], v)
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        return w - lr * m_hat / (np.sqrt(v_hat) + self.eps), new_state

    def _update_(self, params, grad, t, lr):
        if params.size < CHUNKED_FROM or np.may_share_memory(params, grad):
            super()._update_(params, grad, t, lr)
        else:                             # grad is read chunk by chunk as params is written
            _adam_in_chunks_(self, params, grad, t, lr)


class AdamW(Adam):
    r"""AdamW, as ``torch.optim.AdamW``: Adam with *decoupled* weight decay.

    Before the Adam update of :class:`Adam` (which then sees the raw gradient),

    .. math:: w_{t-1} \leftarrow (1 - \eta_t \lambda)\, w_{t-1}.

    Parameters
    ----------
    lr, betas, eps, amsgrad
        As for :class:`Adam`.
    weight_decay : float, default=1e-2
        :math:`\lambda \ge 0`.
    """

    decoupled = True

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        super().__init__(lr, betas, eps, weight_decay, amsgrad)


def _adam_in_chunks_(adam, params, grad, t, lr):
    """:meth:`Adam.update` done in place, over consecutive chunks of :data:`CHUNK` elements.

    The same operations in the same order as ``update``, so the same numbers (tested), but
    into two scratch buffers of one chunk, so that every intermediate stays in cache: on
    arrays far larger than the cache each of :math:`w, g, m, v` is read once and
    :math:`w, m, v` written once.  ``params`` is C-contiguous (``step_`` checks it).
    """
    beta1, beta2 = adam.betas
    wd, eps = adam.weight_decay, adam.eps
    bias1, bias2 = 1 - beta1 ** t, 1 - beta2 ** t
    names = ["m", "v", "v_max"] if adam.amsgrad else ["m", "v"]
    for name in names:                    # the state may come from step, in any layout
        adam.state[name] = np.ascontiguousarray(adam.state[name])
    flat = [a.reshape(-1) for a in (params, grad, *(adam.state[name] for name in names))]
    scratch = np.empty((2, min(CHUNK, params.size)), params.dtype)
    for start in range(0, params.size, CHUNK):
        w, g, m, v, *v_max = (a[start:start + CHUNK] for a in flat)
        a, b = scratch[0, :w.size], scratch[1, :w.size]
        if adam.decoupled and wd:
            w *= 1 - lr * wd
        elif wd:
            g = np.add(g, np.multiply(w, wd, out=a), out=a)        # g + wd w
        m *= beta1                                               # m = beta1 m + (1 - beta1) g
        m += np.multiply(g, 1 - beta1, out=b)
        v *= beta2                                               # v = beta2 v + (1 - beta2) g^2
        v += np.multiply(np.square(g, out=b), 1 - beta2, out=b)
        if adam.amsgrad:
            v = np.maximum(v_max[0], v, out=v_max[0])
        np.multiply(np.divide(m, bias1, out=a), lr, out=a)       # lr m_hat
        np.add(np.sqrt(np.divide(v, bias2, out=b), out=b), eps, out=b)   # sqrt(v_hat) + eps
        np.subtract(w, np.divide(a, b, out=a), out=w)


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

    Parameters
    ----------
    lr : float or callable, default=2e-3
        Learning rate :math:`\eta > 0`, or a schedule ``t -> lr``.
    betas, eps
        As for :class:`Adam` (defaults ``(0.9, 0.999)`` and ``1e-8``).
    weight_decay : float, default=0.0
        L2 penalty :math:`\lambda \ge 0`, added to the gradient as :math:`\lambda w`.
    momentum_decay : float, default=4e-3
        :math:`\psi \ge 0`.
    """

    _parameter_constraints = {"lr": LearningRate(), "betas": Pair(DECAY), "eps": NONNEGATIVE,
                              "weight_decay": NONNEGATIVE, "momentum_decay": NONNEGATIVE}

    def __init__(self, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 momentum_decay=4e-3):
        super().__init__(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         momentum_decay=momentum_decay)

    def init(self, params):
        return {"m": _zeros(params), "v": _zeros(params), "mu_product": 1.0}

    def _mu(self, t):
        beta1 = self.betas[0]
        return beta1 * (1.0 - 0.5 * 0.96 ** (t * self.momentum_decay))

    def update(self, params, grad, state, t, lr):
        g = self._with_weight_decay(params, grad)
        beta1, beta2 = self.betas
        mu, mu_next = self._mu(t), self._mu(t + 1)
        mu_product = state["mu_product"] * mu
        m = beta1 * state["m"] + (1 - beta1) * g
        v = beta2 * state["v"] + (1 - beta2) * (g * g)
        s = np.sqrt(v / (1 - beta2 ** t)) + self.eps
        w = params - (lr * (1 - mu) / (1 - mu_product)) * (g / s)
        w = w - (lr * mu_next / (1 - mu_product * mu_next)) * (m / s)
        return w, {"m": m, "v": v, "mu_product": mu_product}


class Adadelta(Optimizer):
    r"""Adadelta, as ``torch.optim.Adadelta``: the step's own size sets the learning rate.

    With :math:`v` the average of squared gradients and :math:`u` that of squared updates:

    .. math::
        v_t = \rho\, v_{t-1} + (1 - \rho)\, g_t^2, \qquad
        \Delta_t = \frac{\sqrt{u_{t-1} + \varepsilon}}{\sqrt{v_t + \varepsilon}}\, g_t,

        u_t = \rho\, u_{t-1} + (1 - \rho)\, \Delta_t^2, \qquad
        w_t = w_{t-1} - \eta_t\, \Delta_t.

    Parameters
    ----------
    lr : float or callable, default=1.0
        Learning rate :math:`\eta > 0`, or a schedule ``t -> lr``.
    rho : float, default=0.9
        :math:`\rho \in [0, 1]`.
    eps : float, default=1e-6
        :math:`\varepsilon \ge 0`, added inside both roots.
    weight_decay : float, default=0.0
        L2 penalty :math:`\lambda \ge 0`, added to the gradient as :math:`\lambda w`.
    """

    _parameter_constraints = {"lr": LearningRate(), "rho": FRACTION, "eps": NONNEGATIVE,
                              "weight_decay": NONNEGATIVE}

    def __init__(self, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
        super().__init__(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay)

    def init(self, params):
        return {"v": _zeros(params), "u": _zeros(params)}

    def update(self, params, grad, state, t, lr):
        g = self._with_weight_decay(params, grad)
        rho, eps = self.rho, self.eps
        v = rho * state["v"] + (1 - rho) * (g * g)
        delta = np.sqrt(state["u"] + eps) / np.sqrt(v + eps) * g
        u = rho * state["u"] + (1 - rho) * (delta * delta)
        return params - lr * delta, {"v": v, "u": u}


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

    Parameters
    ----------
    lr : float or callable
        Learning rate :math:`\eta > 0`, or a schedule ``t -> lr``.
    beta : float, default=0.9
        :math:`\beta \in [0, 1)`.
    """

    _parameter_constraints = {"lr": LearningRate(), "beta": DECAY}

    def __init__(self, lr, beta=0.9):
        super().__init__(lr=lr, beta=beta)

    def init(self, params):
        return {"v": _zeros(params)}

    def update(self, params, grad, state, t, lr):
        v = self.beta * state["v"] + (1 - self.beta) * grad
        return params - lr * v, {"v": v}


class MomentumClassic(Optimizer):
    r"""Heavy-ball momentum in the classic textbook form: the velocity includes the step size.

    .. math::
        v_0 = 0, \qquad v_t = \gamma\, v_{t-1} + \eta_t\, g_t, \qquad w_t = w_{t-1} - v_t .

    With a constant rate :math:`\eta` this is exactly ``torch.optim.SGD(lr=eta,
    momentum=gamma)`` (there :math:`v_t = \eta\, b_t`).  Under a schedule the two differ:
    here a past gradient keeps the rate of its own step, :math:`v_t = \sum_s
    \gamma^{t-s} \eta_s g_s`, while torch rescales the whole buffer by the current rate,
    :math:`\eta_t \sum_s \gamma^{t-s} g_s`.

    Parameters
    ----------
    lr : float or callable
        Learning rate :math:`\eta > 0`, or a schedule ``t -> lr``.
    gamma : float, default=0.9
        :math:`\gamma \in [0, 1)`.
    """

    _parameter_constraints = {"lr": LearningRate(), "gamma": DECAY}

    def __init__(self, lr, gamma=0.9):
        super().__init__(lr=lr, gamma=gamma)

    def init(self, params):
        return {"v": _zeros(params)}

    def update(self, params, grad, state, t, lr):
        v = self.gamma * state["v"] + lr * grad
        return params - v, {"v": v}


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

    Parameters
    ----------
    lr : float or callable
        Learning rate :math:`\eta > 0`, or a schedule ``t -> lr``.
    beta : float, default=0.9
        :math:`\beta \in [0, 1]`.
    eps : float, default=1e-8
        :math:`\varepsilon \ge 0`, added inside the root.
    """

    _parameter_constraints = {"lr": LearningRate(), "beta": FRACTION, "eps": NONNEGATIVE}

    def __init__(self, lr, beta=0.9, eps=1e-8):
        super().__init__(lr=lr, beta=beta, eps=eps)

    def init(self, params):
        return {"v": _zeros(params)}

    def update(self, params, grad, state, t, lr):
        v = self.beta * state["v"] + (1 - self.beta) * (grad * grad)
        return params - lr * grad / np.sqrt(v + self.eps), {"v": v}
