"""``progress()``: every exercise of the course, by chapter, with its status and when."""

from __future__ import annotations

import html
from dataclasses import dataclass

from . import store
from .exercise import exercises, get, load_all
from .hidden import CHAPTERS

SYMBOLS = {"passed": "✓ passed", "failed": "✗ failed", None: "○ not attempted"}


@dataclass
class ProgressTable:
    """Rows of ``(chapter, exercise id, title, status, when)``; HTML in Jupyter, text elsewhere."""

    rows: list
    warning: str | None = None

    @property
    def n_passed(self) -> int:
        return sum(1 for row in self.rows if row[3] == "passed")

    def summary(self) -> str:
        return f"{self.n_passed} of {len(self.rows)} exercises passed"

    def __str__(self) -> str:
        lines = [self.warning] if self.warning else []
        lines.append(self.summary())
        current = None
        for chapter, ex_id, title, status, when in self.rows:
            if chapter != current:
                lines.append(f"\nChapter {chapter}: {CHAPTERS.get(chapter, '')}")
                current = chapter
            stamp = f"  ({when})" if when else ""
            lines.append(f"  {SYMBOLS[status]:<16} {ex_id:<28} {title}{stamp}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        esc = html.escape
        out = [f"<p>{esc(self.warning)}</p>" if self.warning else "",
               f"<p><strong>{esc(self.summary())}</strong></p>",
               "<table><thead><tr><th>Chapter</th><th>Exercise</th><th>Title</th>"
               "<th>Status</th><th>When</th></tr></thead><tbody>"]
        for chapter, ex_id, title, status, when in self.rows:
            out.append(f"<tr><td>{chapter}. {esc(CHAPTERS.get(chapter, ''))}</td>"
                       f"<td><code>{esc(ex_id)}</code></td><td>{esc(title)}</td>"
                       f"<td>{esc(SYMBOLS[status])}</td><td>{esc(when or '')}</td></tr>")
        out.append("</tbody></table>")
        return "".join(out)


def progress(path=None, ids=None) -> ProgressTable:
    """The table of every exercise (or of ``ids``) with the status recorded in the progress file."""
    load_all()
    records, warning = store.load(path)
    rows = []
    for ex_id in ids if ids is not None else exercises():
        exercise = get(ex_id)
        entry = records.get(ex_id, {})
        status = entry.get("status")
        rows.append((exercise.chapter, ex_id, exercise.title, status, entry.get("last_attempt")))
    return ProgressTable(rows, warning)
