"""Sliders for the learning rate and momentum, with a static fallback for the HTML book.

In a live Jupyter kernel with ``ipywidgets``, :func:`explore_descent` shows sliders for
:math:`\\eta` and the momentum :math:`\\beta` and redraws the descent path on the contours
whenever one moves.  When the book is built (``make book`` sets ``GDCOURSE_STATIC=1``), or
without ipywidgets, it draws a static grid of the same picture for a few settings instead,
since a static page has no kernel to run the callbacks.
"""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np

from ._validation import as_float_array, check_positive_int
from .optim import SGD
from .plotting import PALETTE, grid_values

__all__ = ["heavy_ball_path", "explore_descent", "static_mode"]


def heavy_ball_path(objective, w0, lr, momentum=0.0, n_steps=50):
    r"""Iterates of gradient descent with heavy-ball momentum (plain GD when ``momentum=0``).

    .. math:: v_{t+1} = \beta v_t + \nabla f(w_t), \qquad w_{t+1} = w_t - \eta\, v_{t+1}

    (the form of ``torch.optim.SGD``, whose :class:`~gdcourse.optim.SGD` takes the steps).
    Stops early, keeping the path so far, once the iterates run away (beyond 1e6).
    """
    w = as_float_array(w0, "w0")
    n_steps = check_positive_int(n_steps, "n_steps")
    optimizer, path = SGD(lr=lr, momentum=momentum), [w]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(n_steps):
            w = optimizer.step(w, objective.grad(w))      # a new array every step
            if not np.all(np.isfinite(w)) or np.abs(w).max() > 1e6:
                break
            path.append(w)
    return np.array(path)


def static_mode() -> bool:
    """True when building the static book, or when sliders cannot work."""
    if os.environ.get("GDCOURSE_STATIC"):
        return True
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return True
    return False


def _draw(ax, contours, objective, w0, lr, momentum, n_steps, xlim, ylim, minimum):
    XX, YY, ZZ = contours
    ax.contour(XX, YY, ZZ, levels=25, cmap="viridis", linewidths=0.7)
    path = heavy_ball_path(objective, w0, lr, momentum, n_steps)
    ax.plot(path[:, 0], path[:, 1], "o-", color=PALETTE[1], markersize=2.5, linewidth=1.2)
    if minimum is not None:
        ax.plot(*minimum, "*", color="black", markersize=11)
    final = objective.loss(path[-1])
    ax.set(xlim=xlim, ylim=ylim, title=f"lr={lr:.3g}, momentum={momentum:.2f}\nloss {final:.3g}")


def explore_descent(objective, w0, xlim, ylim, *, lr=(0.01, 1.0, 0.1), momentum=(0.0, 0.95, 0.0),
                    n_steps=50, minimum=None, static_settings=None):
    """Sliders for ``lr`` and ``momentum`` (live kernel), or a static grid (the HTML book).

    ``lr`` and ``momentum`` are ``(low, high, start)`` triples; the learning-rate slider is
    logarithmic.  ``static_settings`` lists the ``(lr, momentum)`` pairs drawn in static
    mode (default: three learning rates, without and with momentum).
    """
    contours = grid_values(objective, xlim, ylim, 120)
    if static_mode():
        settings = static_settings or [(lr[0] * 3, 0.0), (lr[2], 0.0), (lr[1] * 0.9, 0.0),
                                       (lr[0] * 3, 0.9), (lr[2], 0.9), (lr[2], momentum[1])]
        cols = 3
        rows = int(np.ceil(len(settings) / cols))
        fig, axes = plt.subplots(rows, cols, figsize=(10, 3.3 * rows), squeeze=False)
        for ax, (eta, beta) in zip(axes.ravel(), settings):
            _draw(ax, contours, objective, w0, eta, beta, n_steps, xlim, ylim, minimum)
        for ax in axes.ravel()[len(settings):]:
            ax.axis("off")
        fig.tight_layout()
        plt.show()
        return None

    import ipywidgets as widgets

    def redraw(lr, momentum):
        fig, ax = plt.subplots(figsize=(5.5, 4.2))
        _draw(ax, contours, objective, w0, lr, momentum, n_steps, xlim, ylim, minimum)
        plt.show()

    lr_slider = widgets.FloatLogSlider(value=lr[2], base=10, min=np.log10(lr[0]), max=np.log10(lr[1]),
                                       step=0.05, description="lr", continuous_update=False)
    beta_slider = widgets.FloatSlider(value=momentum[2], min=momentum[0], max=momentum[1], step=0.05,
                                      description="momentum", continuous_update=False)
    return widgets.interactive(redraw, lr=lr_slider, momentum=beta_slider)
