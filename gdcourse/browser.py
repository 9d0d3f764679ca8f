"""Run the book's code cells in the web page, as Jupyter would (used by the page's Pyodide).

The book's "Run" buttons send a cell's code to Python running in the page (Pyodide, in a Web
Worker); :func:`run_cell` runs it in the chapter's namespace and hands every output, in order,
to ``emit(kind, data, alt)``:

* ``"stream"``: text the cell printed (``data``), as it is printed;
* ``"png"``: a matplotlib figure, base64 PNG, when the cell calls ``plt.show()`` and for every
  figure still open when it ends (``alt`` names the figure's titles);
* ``"html"`` / ``"text"``: the value of the cell's last expression (its ``_repr_html_``, such
  as a :func:`gdcourse.grading.check` result, else its ``repr``), unless the line ends with
  ``;``;
* ``"error"``: the exception the cell raised, its traceback showing the cell's own lines.

Figures use this module as matplotlib's backend (``MPLBACKEND=module://gdcourse.browser``):
Agg draws them, :func:`show` sends them to the page.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import io
import traceback

from matplotlib.backends.backend_agg import FigureCanvasAgg

CELL = "<cell>"                 # the file name of a cell's code in tracebacks
FigureCanvas = FigureCanvasAgg  # what matplotlib needs of a backend module, with show()
_emit = None                    # where show() sends figures while a cell runs


class _Stream(io.TextIOBase):
    """``sys.stdout`` / ``sys.stderr`` of a running cell: every write goes to the page."""

    def __init__(self, emit):
        self._emit = emit

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        if text:
            self._emit("stream", text, "")
        return len(text)


def _figure_alt(fig) -> str:
    titles = [fig.get_suptitle()] + [ax.get_title() for ax in fig.axes]
    named = "; ".join(t for t in titles if t)
    return f"Figure drawn by this cell: {named}" if named else "Figure drawn by this cell"


def show(*args, **kwargs) -> None:
    """``plt.show()``: send every open figure to the page as a PNG, then close it."""
    import matplotlib.pyplot as plt

    for number in plt.get_fignums():
        fig = plt.figure(number)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight")
        if _emit is not None:
            _emit("png", base64.b64encode(buffer.getvalue()).decode("ascii"), _figure_alt(fig))
    plt.close("all")


def _split(code: str):
    """The cell as (statements to execute, last expression to display or None)."""
    tree = ast.parse(code, CELL, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not code.rstrip().endswith(";"):
        last = ast.Expression(tree.body.pop().value)
    return compile(tree, CELL, "exec"), last and compile(last, CELL, "eval")


def _display(value, emit) -> None:
    if value is None:
        return
    to_html = getattr(value, "_repr_html_", None)
    rendered = to_html() if callable(to_html) else None
    if rendered is not None:
        emit("html", rendered, "")
    else:
        emit("text", repr(value), "")


def _traceback(exc: BaseException) -> str:
    """The exception with the cell's frames and the libraries' (not this module's)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    lines = ["Traceback (most recent call last):\n"]
    for frame in frames:
        where = "In this cell" if frame.filename == CELL else f'File "{frame.filename}"'
        lines.append(f"  {where}, line {frame.lineno}, in {frame.name}\n")
        source = _cell_line(frame) if frame.filename == CELL else frame.line
        if source:
            lines.append(f"    {source.strip()}\n")
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)


_cell_source: list[str] = []


def _cell_line(frame) -> str:
    return _cell_source[frame.lineno - 1] if 0 < frame.lineno <= len(_cell_source) else ""


def run_cell(code: str, namespace: dict, emit) -> bool:
    """Run ``code`` in ``namespace``; send its outputs to ``emit``.  True if it raised nothing."""
    global _emit
    import matplotlib.pyplot as plt

    _cell_source[:] = code.splitlines()
    _emit, stream = emit, _Stream(emit)
    namespace.setdefault("__name__", "__main__")
    ok = True
    with contextlib.redirect_stdout(stream), contextlib.redirect_stderr(stream):
        try:
            body, last = _split(code)
            exec(body, namespace)
            if last is not None:
                _display(eval(last, namespace), emit)
        except BaseException as exc:  # noqa: BLE001 - the learner's code may raise anything
            emit("error", _traceback(exc), "")
            ok = False
        try:
            if plt.get_fignums():
                show()
        finally:
            _emit = None
    return ok
