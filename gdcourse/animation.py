"""Animated figures that work in the static HTML book: no server, no kernel, no network.

matplotlib draws the still part of a figure once (contours, axes, legend); the moving part
(descent paths, loss curves) is drawn by a few lines of JavaScript on an SVG layer on top,
with play/pause and a step slider.  The result is a small self-contained HTML object: it
displays itself in Jupyter and is embedded as-is in the built book.

Cells that show an animation carry the ``nbval-ignore-output`` tag: the embedded image bytes
depend on the exact matplotlib/freetype build.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import zlib
import json

import matplotlib.pyplot as plt
import numpy as np

from .plotting import LINESTYLES, PALETTE, grid_values

__all__ = ["Animation", "animate_paths", "animate_curves", "frame_indices"]

_DASHES = {"-": "", "--": "7 4", "-.": "7 3 2 3", ":": "2 3"}
_ids = itertools.count(1)

_PLAYER_JS = """
(function () {
  var root = document.getElementById(%(id)s), data = %(data)s;
  var lines = root.querySelectorAll("polyline"), slider = root.querySelector("input");
  var label = root.querySelector(".gd-step"), button = root.querySelector("button");
  var frame = 0, timer = null;
  function draw(k) {
    frame = k; slider.value = k;
    label.textContent = data.caption + " " + data.steps[k];
    lines.forEach(function (line, i) {
      var upto = Math.min(data.steps[k], data.series[i].length - 1) + 1;
      line.setAttribute("points", data.series[i].slice(0, upto).join(" "));
    });
  }
  function stop() { clearInterval(timer); timer = null; button.textContent = "\\u25B6 Play"; }
  button.addEventListener("click", function () {
    if (timer) { stop(); return; }
    if (frame >= data.steps.length - 1) { draw(0); }
    button.textContent = "\\u23F8 Pause";
    timer = setInterval(function () {
      if (frame >= data.steps.length - 1) { stop(); } else { draw(frame + 1); }
    }, data.interval);
  });
  slider.addEventListener("input", function () { stop(); draw(parseInt(slider.value, 10)); });
  draw(data.steps.length - 1);
})();
"""


class Animation:
    """A self-contained HTML animation; ``_repr_html_`` makes it display in Jupyter."""

    def __init__(self, markup: str, description: str):
        self.markup, self.description = markup, description

    def _repr_html_(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        return f"<Animation: {self.description}>"


def frame_indices(length: int, max_frames: int) -> np.ndarray:
    """At most ``max_frames`` increasing indices into a sequence, starting at 0, ending on the last."""
    return np.unique(np.linspace(0, length - 1, min(length, max_frames)).round().astype(int))


def _png_and_size(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    width, height = fig.canvas.get_width_height()
    return base64.b64encode(buffer.getvalue()).decode("ascii"), width, height


def _pixels(ax, points, height):
    """Data coordinates -> SVG pixel coordinates ('x,y' strings), y measured from the top."""
    finite = points[np.all(np.isfinite(points), axis=1)]
    xy = ax.transData.transform(finite)
    return [f"{x:.1f},{height - y:.1f}" for x, y in xy]


def _player(fig, ax, series, styles, steps, description, caption, interval) -> Animation:
    fig.canvas.draw()
    width, height = fig.canvas.get_width_height()
    pixel_series = [_pixels(ax, s, height) for s in series]
    png, width, height = _png_and_size(fig)
    plt.close(fig)
    element_id = f"gdanim-{next(_ids)}-{zlib.crc32(description.encode()) % 10**8}"
    polylines = "".join(
        f'<polyline fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="{_DASHES[dash]}" '
        f'stroke-linejoin="round" points=""/>' for colour, dash in styles)
    data = {"series": pixel_series, "steps": [int(s) for s in steps], "interval": interval,
            "caption": caption}
    markup = (
        f'<div class="gd-animation" id="{element_id}" style="max-width:{width}px">'
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="Animation: {html.escape(description)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>Animation: {html.escape(description)}</title>"
        f'<image href="data:image/png;base64,{png}" width="{width}" height="{height}"/>'
        f"{polylines}</svg>"
        f'<div style="display:flex;gap:0.6em;align-items:center;font-size:0.9em">'
        f'<button type="button" class="gd-play">&#9654; Play</button>'
        f'<input type="range" min="0" max="{len(steps) - 1}" value="{len(steps) - 1}" '
        f'aria-label="animation frame" style="flex:1">'
        f'<span class="gd-step"></span></div>'
        f"<script>{_PLAYER_JS % {'id': json.dumps(element_id), 'data': json.dumps(data)}}</script>"
        f"</div>")
    return Animation(markup, description)


def _styles(n):
    return [(PALETTE[i % len(PALETTE)], LINESTYLES[i % len(LINESTYLES)]) for i in range(n)]


def animate_paths(f, paths, labels, xlim, ylim, *, minimum=None, max_frames=80, interval=120,
                  levels=25, log_levels=False, title=None, figsize=(5.2, 4.2), dpi=80,
                  description=None) -> Animation:
    """Descent paths unfolding on the contours of a 2-D objective, step by step.

    ``paths`` are arrays of shape ``(T, 2)`` or History objects (their ``params``).
    """
    paths = [np.asarray(getattr(p, "params", p), dtype=float) for p in paths]
    steps = frame_indices(max(len(p) for p in paths), max_frames)
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    XX, YY, ZZ = grid_values(f, xlim, ylim, 150)
    if log_levels:
        span = ZZ.max() - ZZ.min()
        levels = ZZ.min() + np.geomspace(1e-4 * span, span, levels)
    ax.contour(XX, YY, ZZ, levels=levels, cmap="viridis", linewidths=0.7)
    if minimum is not None:
        ax.plot(*minimum, marker="*", markersize=12, color="black", linestyle="none")
    styles = _styles(len(paths))
    for (colour, dash), label in zip(styles, labels):      # legend entries only
        ax.plot([], [], color=colour, linestyle=dash, linewidth=2, label=label)
    ax.set(xlim=xlim, ylim=ylim, xlabel="$w_1$", ylabel="$w_2$", title=title or "")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    description = description or f"{', '.join(labels)} descending on a contour plot"
    return _player(fig, ax, paths, styles, steps, description, "step", interval)


def animate_curves(curves, labels, *, log=True, max_frames=80, interval=100, xlabel="iteration",
                   ylabel="loss", title=None, figsize=(5.6, 3.6), dpi=80, description=None) -> Animation:
    """Several loss curves drawn together as a race: which one gets low first?"""
    curves = [np.asarray(getattr(c, "losses", c), dtype=float) for c in curves]
    longest = max(len(c) for c in curves)
    steps = frame_indices(longest, max_frames)
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    finite = np.concatenate([c[np.isfinite(c)] for c in curves])
    low, high = finite.min(), finite.max()
    if log and low <= 0:
        raise ValueError("log=True needs positive values: plot the loss minus its minimum, or use log=False")
    if log:
        ax.set_yscale("log")
        ax.set_ylim(low / 2, high * 2)
    else:
        pad = 0.05 * (high - low or 1.0)
        ax.set_ylim(low - pad, high + pad)
    ax.set_xlim(0, longest - 1)
    styles = _styles(len(curves))
    for (colour, dash), label in zip(styles, labels):
        ax.plot([], [], color=colour, linestyle=dash, linewidth=2, label=label)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title or "")
    ax.legend(fontsize=8)
    fig.tight_layout()
    series = [np.column_stack([np.arange(len(c)), np.clip(c, *ax.get_ylim())]) for c in curves]
    description = description or f"loss curves of {', '.join(labels)}"
    return _player(fig, ax, series, styles, steps, description, "iteration", interval)
