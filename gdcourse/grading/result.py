"""The object ``check`` returns: a verdict in words, as HTML in Jupyter and as text elsewhere."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

STATUS_WORDS = {
    "passed": ("✓", "passed"),
    "failed": ("✗", "not passed yet"),
    "not_attempted": ("○", "not attempted yet"),
    "unknown": ("?", "unknown exercise"),
}
# The status line is coloured text on BACKGROUND: darker shades of the Okabe-Ito green,
# vermilion and orange, and Bootstrap's dark grey, so that every status line reaches a WCAG AA
# contrast of at least 4.5:1 (from 5.0:1 for "failed" to 5.8:1 for "not attempted").
BACKGROUND = "#f8f9fa"
TEXT = "#212529"
COLOURS = {"passed": "#007a5a", "failed": "#b34e00", "not_attempted": "#5c636a",
           "unknown": "#8a5a00"}


@dataclass
class Result:
    """The verdict of :func:`gdcourse.grading.check`.

    ``passed`` is True only if every hidden test passed.
    """

    exercise_id: str
    title: str = ""
    what: str = ""
    status: str = "not_attempted"
    summary: str = ""
    hint: str | None = None
    traceback: str = ""
    notes: list = field(default_factory=list)
    printed: str = ""
    printed_total: int = 0
    n_cases: int = 0

    # -- construction ------------------------------------------------------------------
    @classmethod
    def for_exercise(cls, exercise) -> "Result":
        return cls(exercise_id=exercise.id, title=exercise.title, what=exercise.what)

    @classmethod
    def unknown(cls, exercise_id, message) -> "Result":
        return cls(exercise_id=str(exercise_id), status="unknown", summary=message)

    def succeed(self, n_cases: int) -> "Result":
        self.status, self.n_cases = "passed", n_cases
        self.summary = f"Well done: your answer passed all {n_cases} hidden tests."
        return self

    def fail(self, summary: str, *, hint: str | None = None, traceback: str = "") -> "Result":
        self.status, self.summary, self.hint, self.traceback = "failed", summary, hint, traceback
        return self

    def not_attempted(self) -> "Result":
        self.status = "not_attempted"
        self.summary = ("Replace `raise NotImplementedError` (or `...`) with your answer, run that "
                        "cell, then run this check again.")
        return self

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def add_printed(self, outcome) -> None:
        room = 1000 - len(self.printed)
        if room > 0:
            self.printed += outcome.printed[:room]
        self.printed_total += outcome.printed_total

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def __bool__(self) -> bool:
        return self.passed

    # -- display -----------------------------------------------------------------------
    def _headline(self) -> str:
        mark, words = STATUS_WORDS[self.status]
        title = f" — {self.title}" if self.title else ""
        return f"{mark} {self.exercise_id}{title}: {words}"

    def _printed_words(self) -> str:
        if not self.printed_total:
            return ""
        cut = " (truncated)" if self.printed_total > len(self.printed) else ""
        return f"Your function printed {self.printed_total:,} characters{cut}:"

    def __str__(self) -> str:
        lines = [self._headline(), self.summary]
        if self.hint:
            lines.append(f"Hint: {self.hint}")
        if self.traceback:
            lines.append(self.traceback.rstrip())
        lines.extend(f"Note: {n}" for n in self.notes)
        if self.printed_total:
            lines += [self._printed_words(), self.printed.rstrip()]
        if self.what and self.status != "unknown":
            lines.append(f"What the hidden tests check: {self.what}")
        return "\n".join(line for line in lines if line)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        esc = html.escape
        colour = COLOURS[self.status]
        parts = [f'<div class="gdcourse-check gdcourse-{self.status}" style="border-left:6px '
                 f'solid {colour};padding:0.5em 1em;margin:0.5em 0;background:{BACKGROUND};'
                 f'color:{TEXT}">',
                 f'<strong style="color:{colour}">{esc(self._headline())}</strong>',
                 f"<p>{esc(self.summary)}</p>"]
        if self.hint:
            parts.append(f"<p><strong>Hint:</strong> {esc(self.hint)}</p>")
        if self.traceback:
            parts.append(f"<pre>{esc(self.traceback)}</pre>")
        parts += [f"<p><strong>Note:</strong> {esc(n)}</p>" for n in self.notes]
        if self.printed_total:
            parts.append(f"<p>{esc(self._printed_words())}</p><pre>{esc(self.printed)}</pre>")
        if self.what and self.status != "unknown":
            parts.append(f"<details><summary>What the hidden tests check</summary>"
                         f"<p>{esc(self.what)}</p></details>")
        parts.append("</div>")
        return "".join(parts)
