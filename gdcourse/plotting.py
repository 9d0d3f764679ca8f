"""Figures used throughout the book: loss curves and contour plots with descent paths.

Colours come from the Okabe-Ito palette, which stays distinguishable for the common forms of
colour blindness; lines also differ in style so that a figure survives grey-scale printing.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["PALETTE", "LINESTYLES", "use_course_style", "plot_loss", "plot_contour", "grid_values"]

#: Okabe & Ito (2008), "Color Universal Design": safe for colour-blind readers.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
LINESTYLES = ["-", "--", "-.", ":"]


def use_course_style() -> None:
    """Set matplotlib defaults for the book: the palette, readable fonts, light grids."""
    mpl.rcParams.update({
        "axes.prop_cycle": mpl.cycler(color=PALETTE),
        "figure.figsize": (6.4, 4.0),
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.size": 11,
        "legend.frameon": False,
        "image.cmap": "viridis",
    })


def _curve(run):
    """Accept a History, a dict with 'losses', or a plain sequence of losses."""
    losses = getattr(run, "losses", None)
    if losses is None and isinstance(run, dict):
        losses = run["losses"]
    return np.asarray(run if losses is None else losses, dtype=float)


def plot_loss(runs, labels=None, *, log=True, subtract=0.0, ax=None, xlabel="iteration t",
              ylabel=None, title=None):
    """Plot one or several loss curves.

    ``runs`` is one run or a list of runs (History objects or arrays of losses).  With
    ``subtract=f_star`` the curve shows the sub-optimality :math:`f(w_t) - f^\\star`, which
    reveals linear convergence as a straight line on the log scale.
    """
    if ax is None:
        _, ax = plt.subplots()
    if not isinstance(runs, (list, tuple)):
        runs = [runs]
    labels = labels or [None] * len(runs)
    for i, (run, label) in enumerate(zip(runs, labels)):
        values = _curve(run) - subtract
        ax.plot(np.arange(len(values)), values, label=label, color=PALETTE[i % len(PALETTE)],
                linestyle=LINESTYLES[i % len(LINESTYLES)], linewidth=1.8)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel or ("f(w_t) - f*" if subtract else "loss f(w_t)"))
    if title:
        ax.set_title(title)
    if any(labels):
        ax.legend()
    return ax


def grid_values(f, xlim, ylim, n=200):
    """Evaluate a 2-D objective (``f(w)`` or ``f.loss(w)``) on an ``n x n`` grid."""
    loss = getattr(f, "loss", f)
    xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
    XX, YY = np.meshgrid(xs, ys)
    ZZ = np.array([loss(np.array([x, y])) for x, y in zip(XX.ravel(), YY.ravel())]).reshape(XX.shape)
    return XX, YY, ZZ


def plot_contour(f, xlim, ylim, paths=None, labels=None, *, levels=30, log_levels=False, ax=None,
                 minimum=None, n=200, title=None, markers=True):
    """Contours of a 2-D objective with one or more descent paths drawn on top.

    ``paths`` are arrays of shape ``(T, 2)`` (for example ``history.params``) or History
    objects.  ``log_levels=True`` spaces the contour levels geometrically, which suits
    functions like Rosenbrock whose values span many orders of magnitude.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.5))
    XX, YY, ZZ = grid_values(f, xlim, ylim, n)
    if log_levels:
        span = ZZ.max() - ZZ.min()
        levels = ZZ.min() + np.geomspace(1e-4 * span, span, levels)
    ax.contour(XX, YY, ZZ, levels=levels, cmap="viridis", linewidths=0.8)
    if minimum is not None:
        ax.plot(*minimum, marker="*", markersize=14, color="black", linestyle="none", label="minimum")
    for i, path in enumerate(paths or []):
        path = np.asarray(getattr(path, "params", path))
        label = labels[i] if labels else None
        ax.plot(path[:, 0], path[:, 1], color=PALETTE[i % len(PALETTE)], linestyle=LINESTYLES[i % 4],
                marker="o" if markers else None, markersize=3, linewidth=1.5, label=label)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    if title:
        ax.set_title(title)
    if labels or minimum is not None:
        ax.legend(loc="best")
    return ax
