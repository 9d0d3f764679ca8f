r"""Numerically stable building blocks: log-sum-exp, softplus, sigmoid, logistic loss, clipping.

The textbook formulas overflow long before the quantities they describe do.  In float64,
:math:`e^{z}` is infinite for :math:`z > 709.78`, so :math:`\log(1 + e^{1000})` evaluated
literally is ``inf`` although its value is simply 1000.  Every function here rewrites its
formula so that ``exp`` only ever sees arguments :math:`\le 0` (which cannot overflow) and
uses ``log1p`` where the argument of the logarithm is close to 1.

The central identity is the *log-sum-exp trick*: for any constant :math:`c`,

.. math::
    \log \sum_i e^{z_i} = c + \log \sum_i e^{z_i - c},

and the choice :math:`c = \max_i z_i` makes every exponent :math:`\le 0`.
"""

from __future__ import annotations

import numpy as np

from . import objectives
from ._validation import as_float_array, check_number

__all__ = ["logsumexp", "softplus", "sigmoid", "log_sigmoid", "logistic_loss", "clip_by_norm"]


def _scores(z, name="z"):
    """``z`` as a float array; it may contain +-inf only where that is meaningful, never NaN."""
    try:
        z = np.asarray(z, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of numbers, got {type(z).__name__}") from exc
    if np.isnan(z).any():
        raise ValueError(f"{name} contains NaN")
    return z


def logsumexp(z, axis=None):
    r"""Stable :math:`\log\sum_i e^{z_i}` over ``axis`` (all entries by default).

    Computed as :math:`m + \log\sum_i e^{z_i - m}` with :math:`m = \max_i z_i`, so no
    exponential overflows and the largest term contributes exactly :math:`e^0 = 1`.
    """
    z = _scores(z)
    if z.size == 0:
        raise ValueError("z must not be empty")
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)       # all -inf (or an inf): avoid inf - inf
    with np.errstate(divide="ignore"):          # log(0) = -inf when every z_i is -inf
        out = m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))
    return out.item() if axis is None else np.squeeze(out, axis=axis)


def softplus(z):
    r"""Stable :math:`\operatorname{softplus}(z) = \log(1 + e^{z})`, elementwise.

    Uses :math:`\log(1 + e^{z}) = \max(z, 0) + \log(1 + e^{-|z|})`, whose exponent is
    never positive; for large :math:`z` the result is :math:`z` to full precision.
    """
    z = _scores(z)
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def sigmoid(z):
    r"""Stable logistic function :math:`\sigma(z) = 1 / (1 + e^{-z})`, elementwise.

    For :math:`z \ge 0` it evaluates :math:`1/(1 + e^{-z})`; for :math:`z < 0` the equal
    form :math:`e^{z}/(1 + e^{z})`.  Either way the exponent is :math:`-|z| \le 0`.
    """
    return objectives.sigmoid(_scores(z))


def log_sigmoid(z):
    r"""Stable :math:`\log\sigma(z) = -\operatorname{softplus}(-z) = \min(z, 0) - \log(1 + e^{-|z|})`.

    Elementwise and finite for every finite :math:`z`: for :math:`z = -1000` it returns
    :math:`-1000`, where ``np.log(sigmoid(z))`` would give ``log(0) = -inf``.
    """
    z = _scores(z)
    return np.minimum(z, 0.0) - np.log1p(np.exp(-np.abs(z)))


def logistic_loss(z, y):
    r"""Mean binary cross-entropy of scores ``z`` (logits) against labels ``y`` in {0, 1}.

    .. math::
        J = -\frac1m \sum_i \big[y_i \log\sigma(z_i) + (1 - y_i)\log(1 - \sigma(z_i))\big]
          = \frac1m \sum_i \big[\operatorname{softplus}(z_i) - y_i z_i\big],

    the second form following from :math:`\log\sigma(z) = z - \operatorname{softplus}(z)` and
    :math:`\log(1-\sigma(z)) = -\operatorname{softplus}(z)`.  It is finite for any finite
    scores, however large.
    """
    z = as_float_array(z, "z", ndim=1)
    y = as_float_array(y, "y", ndim=1)
    if y.shape != z.shape:
        raise ValueError(f"y must have the shape of z {z.shape}, got {y.shape}")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y must contain only the labels 0 and 1")
    return float(np.mean(softplus(z) - y * z))


def clip_by_norm(g, max_norm):
    r"""Shorten ``g`` to the norm ``max_norm`` if it is longer, keeping its direction.

    .. math::
        \operatorname{clip}(g) = g \cdot \min\!\Big(1, \frac{c}{\lVert g\rVert}\Big),
        \qquad c = \text{max\_norm} > 0 .

    A gradient that is already short enough (including the zero gradient) comes back
    unchanged, as a new array.  The norm is taken over all entries, whatever the shape.
    """
    g = as_float_array(g, "g")
    max_norm = check_number(max_norm, "max_norm", low=0.0, low_open=True)
    norm = float(np.linalg.norm(g))
    if norm <= max_norm:
        return g.copy()
    return g * (max_norm / norm)
