r"""Read a training run like a doctor: symptoms of the loss curve and the gradient norms, in words.

:func:`diagnose` looks at the losses :math:`J_0, \dots, J_T` of a run (and, when it has them,
the gradient norms :math:`g_t = \lVert\nabla J(w_t)\rVert`) and returns a short list of
:class:`Finding` objects.  The rules, checked in this order on the finite part of the run:

==========================  ===========================================================
``nan``                     some :math:`J_t` or :math:`g_t` is NaN or infinite
``diverging``               :math:`J_T > J_0`: the run ended worse than it started
``oscillating``             the loss rose, :math:`J_{t+1} > J_t`, in at least
                            ``rise_fraction`` (25 %) of the steps
``too slow``                the second half of the run still made at least
                            ``slow_fraction`` (25 %) of the total decrease:
                            :math:`J_{\lfloor T'/2\rfloor} - J_T \ge 0.25\,(J_0 - J_T)`
                            with :math:`T' = T + 1` values
``exploding gradients``     :math:`\max_t g_t \ge 10^3\, g_0`
``vanishing gradients``     :math:`g_0 < 10^{-8}` (nothing to learn from at the start), or
                            :math:`g` dipped below :math:`10^{-4}\,g_0` and later rose
                            back above :math:`10^{-2}\,g_0` (a plateau, typically a saddle)
``converging``              none of the above
``too short``               a single finite value (a run stopped at step 0)
==========================  ===========================================================

The first four labels are exclusive (at most one of ``nan``/``diverging``/``oscillating``/
``too slow``); the gradient findings are added to them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import check_number

__all__ = ["Finding", "diagnose", "loss_label"]


@dataclass(frozen=True)
class Finding:
    """One symptom: a short ``label`` (for code) and a ``message`` (for people)."""

    label: str
    message: str

    def __str__(self):
        return f"{self.label}: {self.message}"


def _as_curve(values, name, minimum=2):
    try:
        curve = np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a sequence of numbers") from exc
    if curve.size < minimum:
        raise ValueError(f"{name} needs at least {minimum} values, got {curve.size}")
    return curve


def loss_label(losses, *, rise_fraction=0.25, slow_fraction=0.25) -> str:
    """The verdict on a loss curve alone.

    One of 'nan', 'diverging', 'oscillating', 'too slow' or 'converging'.

    The rules are those of the module docstring, with ``T + 1 = len(losses)`` values.
    """
    J = _as_curve(losses, "losses")
    if not np.all(np.isfinite(J)):
        return "nan"
    if J[-1] > J[0]:
        return "diverging"
    if np.count_nonzero(np.diff(J) > 0) >= rise_fraction * (len(J) - 1):
        return "oscillating"
    if J[len(J) // 2] - J[-1] >= slow_fraction * (J[0] - J[-1]):
        return "too slow"
    return "converging"


def _first_bad(curve):
    bad = np.flatnonzero(~np.isfinite(curve))
    return int(bad[0]) if bad.size else None


def _nan_finding(losses, norms):
    bad = [t for t in (_first_bad(losses), _first_bad(norms) if norms is not None else None)
           if t is not None]
    if not bad:
        return None
    t = min(bad)
    if t == 0:
        return Finding("nan", "the loss or gradient is NaN or infinite at the very start, before any "
                              "update: the learning rate cannot be the cause -- check the data "
                              "(np.isfinite) and the loss code (log of 0, 0/0, overflow in exp)")
    growth = losses[t - 1] / losses[0] if losses[0] > 0 else np.nan
    cause = ("the loss grew {:.3g}-fold first: the steps blew up (learning rate too large, "
             "or exploding gradients)".format(growth)
             if np.isfinite(growth) and growth > 10 else
             "the loss was not growing beforehand: look for a NaN entering the data, a division "
             "by zero or an overflowing exp/log")
    return Finding("nan", f"the run produced NaN or infinity at step {t}; {cause}")


def _loss_finding(J, rise_fraction, slow_fraction):
    label = loss_label(J, rise_fraction=rise_fraction, slow_fraction=slow_fraction)
    rises = np.count_nonzero(np.diff(J) > 0)
    messages = {
        "diverging": f"the loss ended higher than it started ({J[0]:.4g} -> {J[-1]:.4g}): "
                     f"reduce the learning rate",
        "oscillating": f"the loss went up in {rises} of {len(J) - 1} steps: the steps overshoot "
                       f"-- reduce the learning rate (or add momentum damping / a decay schedule)",
        "too slow": "the loss was still falling steadily when the run ended: raise the learning "
                    "rate, standardise the features, or allow more iterations",
        "converging": "the loss fell quickly and then levelled off",
    }
    return Finding(label, messages[label])


def _gradient_findings(g, explode_factor, vanish_factor):
    findings = []
    if g[0] > 0 and g.max() >= explode_factor * g[0]:
        t = int(np.argmax(g))
        findings.append(Finding("exploding gradients",
                                f"the gradient norm grew {g[t] / g[0]:.3g}-fold, to {g[t]:.3g} at "
                                f"step {t}: clip the gradient norm or lower the learning rate"))
    if g[0] < 1e-8:
        findings.append(Finding("vanishing gradients",
                                f"the gradient norm is {g[0]:.2g} at the start: the loss cannot move "
                                f"-- check the initialisation (saturated units, symmetric weights)"))
    elif g[0] > 0:
        low = np.flatnonzero(g < vanish_factor * g[0])
        back = np.flatnonzero(g[low[0]:] > 1e-2 * g[0]) if low.size else np.empty(0)
        if back.size:
            t = int(low[0] + np.argmin(g[low[0]:low[0] + back[0]]))
            findings.append(Finding("vanishing gradients",
                                    f"the gradient norm dipped to {g[t]:.2g} at step {t} and grew "
                                    f"again later: the run crossed a plateau (a saddle point?) -- "
                                    f"a tiny gradient alone does not prove a minimum"))
    return findings


def diagnose(run, grad_norms=None, *, rise_fraction=0.25, slow_fraction=0.25,
             explode_factor=1e3, vanish_factor=1e-4) -> list[Finding]:
    """Findings about a run, in words (see the module docstring for the rules).

    Parameters
    ----------
    run : a :class:`~gdcourse.descent.History` (its ``losses`` and ``grad_norms`` are used),
        or a sequence of losses
    grad_norms : the gradient norms, when ``run`` is a plain sequence of losses
    rise_fraction, slow_fraction : thresholds of 'oscillating' and 'too slow', in (0, 1)
    explode_factor, vanish_factor : growth (> 1) and shrink (< 1) factors of the gradient norm
    """
    rise_fraction = check_number(rise_fraction, "rise_fraction", low=0, high=1, low_open=True)
    slow_fraction = check_number(slow_fraction, "slow_fraction", low=0, high=1, low_open=True)
    explode_factor = check_number(explode_factor, "explode_factor", low=1, low_open=True)
    vanish_factor = check_number(vanish_factor, "vanish_factor", low=0, high=1, low_open=True,
                                 high_open=True)
    losses = _as_curve(getattr(run, "losses", run), "losses", minimum=1)
    norms = getattr(run, "grad_norms", None) if grad_norms is None else grad_norms
    norms = None if norms is None or len(norms) == 0 else _as_curve(norms, "grad_norms", minimum=1)

    findings = []
    nan = _nan_finding(losses, norms)
    end = len(losses)
    if nan is not None:
        findings.append(nan)
        end = min(_first_bad(c) for c in (losses, norms) if c is not None and _first_bad(c) is not None)
    J = losses[:end]
    if len(J) >= 2 and (nan is None or loss_label(J, rise_fraction=rise_fraction,
                                                    slow_fraction=slow_fraction) != "converging"):
        findings.append(_loss_finding(J, rise_fraction, slow_fraction))
    if norms is not None and end >= 2:
        findings.extend(_gradient_findings(norms[:end], explode_factor, vanish_factor))
    return findings or [Finding("too short", "a single finite loss value: nothing to judge yet")]
