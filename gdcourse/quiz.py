"""Self-check quizzes that work in Jupyter and in the static HTML book: no kernel, no network.

A chapter's quiz is a JSON file, ``book/_src/quizzes/NN_name.json`` (the schema is in
:func:`validate`).  ``show_quiz("NN_name")`` reads and checks it and returns a :class:`Quiz`,
which displays itself as HTML.  Every question, answer and feedback text is written into
the page as it is, so the maths in them is typeset by the MathJax the page already has (the
book's local copy, JupyterLab's own); a few lines of JavaScript only compare an answer with
the file's and show the feedback written for it.  Questions are native form controls -- a
fieldset per question, radio buttons with labels, a labelled text field, a Check button --
so the quiz works by keyboard and with a screen reader, and the feedback is announced by a
live region.  The HTML has no random ids and no timestamps: nbval compares it as it is.

Text in a quiz file is escaped, with four marks: ```code```, ``$maths$``, ``$$display
maths$$``, ``*emphasis*`` (and ``**strong**``).
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

__all__ = ["Quiz", "QuizMissing", "load_quiz", "quiz_directories", "render", "show_quiz",
           "validate"]

KINDS = ("choice", "numeric")
_KEYS = {"quiz": {"questions"},
         "choice": {"type", "question", "answers"},
         "numeric": {"type", "question", "answers", "otherwise"},
         "choice answer": {"answer", "correct", "feedback"},
         "numeric answer": {"value", "tolerance", "correct", "feedback"}}
_LETTERS = "ABCDEFGH"                  # choices are lettered: a label is never maths alone
_TOKEN = re.compile(r"(`[^`]+`|\$\$[^$]+\$\$|\$[^$]+\$)")

# In the book the theme shows an HTML output on a light panel even in dark mode (#ced6dd):
# the light colours serve both (>= 5:1 on it); JupyterLab's dark theme keeps outputs dark.
_CSS = """
.gdq{margin:1em 0}
.gdq fieldset{border:1px solid #8a8f98;border-radius:6px;padding:.7em 1em .8em;
  margin:0 0 1em;min-width:0}
.gdq legend{float:left;width:100%;padding:0;margin:0 0 .5em;font-size:1.05em;
  line-height:inherit}
.gdq legend+*{clear:both}
.gdq-answers label{display:block;margin:.2em 0;padding:.15em .4em;border-radius:4px;
  cursor:pointer}
.gdq-answers input{margin-right:.5em}
.gdq-letter{font-weight:600;margin-right:.3em}
.gdq input[type=text]{font:inherit;color:inherit;background:transparent;width:10em;
  margin:0 .4em;padding:.1em .4em;border:1px solid #8a8f98;border-radius:4px}
.gdq button{font:inherit;color:inherit;background:transparent;margin-top:.4em;
  padding:.15em .9em;border:1px solid currentColor;border-radius:4px;cursor:pointer}
.gdq :focus-visible{outline:3px solid #2f6fde;outline-offset:2px}
.gdq-feedback>div{margin-top:.6em;padding:.3em .8em;border-left:4px solid #8a8f98}
.gdq-feedback>.gdq-right{border-color:#116329}
.gdq-feedback>.gdq-wrong{border-color:#9f1d17}
.gdq-right>strong{color:#116329}
.gdq-wrong>strong{color:#9f1d17}
[data-jp-theme-light=false] .gdq-feedback>.gdq-right{border-color:#6fdd8b}
[data-jp-theme-light=false] .gdq-feedback>.gdq-wrong{border-color:#ff8f85}
[data-jp-theme-light=false] .gdq-right>strong{color:#6fdd8b}
[data-jp-theme-light=false] .gdq-wrong>strong{color:#ff8f85}
.gdq-nojs{font-style:italic}
"""

# Checks an answer and shows the feedback written for it (every text is already in the page);
# keeps MathJax's focusable formulas out of the Tab order; stops JupyterLab's shortcuts here.
_JS = """
(function () {
  function number(text) {
    var t = text.trim().replace(/\\u2212/g, "-"), parts = t.split("/");
    var ok = /^[-+]?(\\d+\\.?\\d*|\\.\\d+)(e[-+]?\\d+)?$/i;
    if (parts.length > 2 || !parts.every(function (p) { return ok.test(p.trim()); }))
      return NaN;
    return parts.length === 2 ? Number(parts[0]) / Number(parts[1]) : Number(t);
  }
  function chosen(form) {
    if (form.dataset.kind === "choice") {
      var radio = form.querySelector("input:checked");
      return radio ? radio.value : "none";
    }
    var x = number(form.querySelector("input").value);
    if (isNaN(x) || !isFinite(x)) return "unreadable";
    var answers = JSON.parse(form.dataset.answers);
    for (var k = 0; k < answers.length; k++) {
      var v = answers[k][0], slack = answers[k][1] + 1e-12 * Math.max(1, Math.abs(v));
      if (Math.abs(x - v) <= slack) return String(k);
    }
    return "otherwise";
  }
  function check(form) {
    var key = chosen(form);
    form.querySelectorAll(".gdq-feedback > div").forEach(function (div) {
      div.hidden = div.dataset.for !== key;
    });
  }
  function untab(quiz) {         // Tab moves between the controls, not through every formula
    quiz.querySelectorAll("mjx-container[tabindex]").forEach(function (m) {
      if (m.tabIndex !== -1) m.tabIndex = -1;
    });
  }
  document.querySelectorAll(".gdq:not([data-ready])").forEach(function (quiz) {
    quiz.dataset.ready = "";
    quiz.querySelector(".gdq-nojs").hidden = true;
    new MutationObserver(function () { untab(quiz); }).observe(quiz, {
      subtree: true, childList: true, attributes: true, attributeFilter: ["tabindex"]});
    quiz.addEventListener("keydown", function (event) { event.stopPropagation(); });
    quiz.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        check(form);
      });
    });
  });
})();
"""

_RIGHT, _WRONG = "Right.", "Not quite."
_NONE = "Choose an answer first, then press Check."
_UNREADABLE = "Type a number, such as 0.25, 1e-3 or 1/4 (with a point, not a comma)."
_NOJS = ("This quiz needs JavaScript: run this cell in Jupyter (in a notebook you opened, "
         "trust it first), or take the quiz in the HTML book.")


def _inline(text: str) -> str:
    """Escaped text with ``*emphasis*`` and ``**strong**`` marks turned into HTML."""
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"\*([^*]+)\*", r"<em>\1</em>", out)


def markup(text: str) -> str:
    """HTML of a quiz text: code and maths kept verbatim (escaped), MathJax delimiters."""
    pieces = []
    for k, piece in enumerate(_TOKEN.split(text)):
        if k % 2 == 0:
            pieces.append(_inline(piece))
        elif piece.startswith("`"):
            pieces.append(f"<code>{html.escape(piece[1:-1], quote=False)}</code>")
        elif piece.startswith("$$"):
            pieces.append(rf"\[{html.escape(piece[2:-2], quote=False)}\]")
        else:
            pieces.append(rf"\({html.escape(piece[1:-1], quote=False)}\)")
    return "".join(pieces)


def _text_problems(text, where: str) -> list[str]:
    if not isinstance(text, str) or not text.strip():
        return [f"{where}: missing or empty text"]
    rest = "".join(_TOKEN.split(text)[::2])
    if "$" in rest or "`" in rest:
        return [f"{where}: an unmatched $ or ` in {text!r}"]
    return []


def _keys_problems(item, kind: str, where: str) -> list[str]:
    if not isinstance(item, dict):
        return [f"{where}: expected an object, got {type(item).__name__}"]
    missing, unknown = _KEYS[kind] - item.keys(), item.keys() - _KEYS[kind]
    return ([f"{where}: missing {sorted(missing)}"] if missing else []) + \
        ([f"{where}: unknown {sorted(unknown)}"] if unknown else [])


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _answer_problems(answer, kind: str, where: str) -> list[str]:
    problems = _keys_problems(answer, f"{kind} answer", where)
    if problems:
        return problems
    problems = _text_problems(answer["feedback"], f"{where} feedback")
    if not isinstance(answer["correct"], bool):
        problems.append(f"{where}: 'correct' must be true or false")
    if kind == "choice":
        return problems + _text_problems(answer["answer"], where)
    if not _is_number(answer["value"]):
        problems.append(f"{where}: 'value' must be a finite number")
    if not _is_number(answer["tolerance"]) or answer["tolerance"] < 0:
        problems.append(f"{where}: 'tolerance' must be a number >= 0")
    return problems


def _overlaps(answers) -> list[tuple[int, int]]:
    """Pairs of numeric answers whose intervals value +- tolerance meet."""
    return [(i, j) for i, a in enumerate(answers) for j, b in enumerate(answers)
            if i < j and abs(a["value"] - b["value"]) <= a["tolerance"] + b["tolerance"]]


def _question_problems(question, where: str) -> list[str]:
    if not isinstance(question, dict) or question.get("type") not in KINDS:
        return [f"{where}: 'type' must be one of {KINDS}"]
    kind = question["type"]
    problems = _keys_problems(question, kind, where)
    if problems:
        return problems
    problems = _text_problems(question["question"], where)
    if kind == "numeric":
        problems += _text_problems(question["otherwise"], f"{where} otherwise")
    answers = question["answers"]
    least, most = (2, len(_LETTERS)) if kind == "choice" else (1, 20)
    if not isinstance(answers, list) or not least <= len(answers) <= most:
        return problems + [f"{where}: 'answers' must list {least} to {most} answers"]
    for k, answer in enumerate(answers):
        problems += _answer_problems(answer, kind, f"{where} answer {k + 1}")
    if problems:
        return problems
    correct = sum(a["correct"] for a in answers)
    if correct != 1:
        problems.append(f"{where}: {correct} answers are marked correct, exactly one must be")
    if kind == "choice" and len({a["answer"] for a in answers}) < len(answers):
        problems.append(f"{where}: two answers have the same text")
    for i, j in _overlaps(answers) if kind == "numeric" else []:
        problems.append(f"{where}: answers {i + 1} and {j + 1} overlap (value +- tolerance)")
    return problems


def validate(data) -> list[str]:
    """Problems of a quiz (an empty list when it is valid).

    The schema: ``{"questions": [question, ...]}`` where a question is either

    * ``{"type": "choice", "question": text, "answers": [{"answer": text, "correct": bool,
      "feedback": text}, ...]}``, at least two answers, exactly one correct; or
    * ``{"type": "numeric", "question": text, "answers": [{"value": x, "tolerance": t,
      "correct": bool, "feedback": text}, ...], "otherwise": text}``: exactly one correct
      answer, the others are anticipated mistakes; an input within ``t`` of ``x`` gets that
      answer's feedback, any other number gets ``otherwise``.  Intervals must not overlap.

    Every answer carries feedback that says why it is right or wrong.
    """
    problems = _keys_problems(data, "quiz", "quiz")
    if problems:
        return problems
    questions = data["questions"]
    if not isinstance(questions, list) or not questions:
        return ["quiz: 'questions' must be a non-empty list"]
    for k, question in enumerate(questions):
        problems += _question_problems(question, f"question {k + 1}")
    texts = [q.get("question") for q in questions if isinstance(q, dict)]
    if len(set(map(str, texts))) < len(texts):
        problems.append("quiz: two questions have the same text")
    return problems


def _feedback(key: str, verdict: str | None, text: str) -> str:
    if verdict is None:
        return f'<div data-for="{key}" hidden>{text}</div>'
    kind = "gdq-right" if verdict == _RIGHT else "gdq-wrong"
    return f'<div class="{kind}" data-for="{key}" hidden><strong>{verdict}</strong> {text}</div>'


def _question_html(number: int, question: dict) -> str:
    answers = question["answers"]
    verdicts = [_RIGHT if a["correct"] else _WRONG for a in answers]
    feedback = [_feedback(str(k), v, markup(a["feedback"]))
                for k, (v, a) in enumerate(zip(verdicts, answers))]
    if question["type"] == "choice":
        fields = "".join(f'<label><input type="radio" name="answer" value="{k}">'
                         f'<span class="gdq-letter">{_LETTERS[k]}.</span>'
                         f"{markup(a['answer'])}</label>" for k, a in enumerate(answers))
        fields = f'<div class="gdq-answers">{fields}</div>'
        feedback.append(_feedback("none", None, _NONE))
        data = ""
    else:
        fields = ('<label>Your answer <input type="text" inputmode="decimal" '
                  'autocomplete="off" spellcheck="false"></label>')
        feedback.append(_feedback("otherwise", _WRONG, markup(question["otherwise"])))
        feedback.append(_feedback("unreadable", None, html.escape(_UNREADABLE)))
        pairs = json.dumps([[a["value"], a["tolerance"]] for a in answers])
        data = f' data-answers="{html.escape(pairs)}"'
    return (f'<form class="gdq-question" data-kind="{question["type"]}"{data}><fieldset>'
            f"<legend><strong>{number}.</strong> {markup(question['question'])}</legend>"
            f'{fields}<button type="submit">Check</button>'
            f'<div class="gdq-feedback" role="status">{"".join(feedback)}</div>'
            "</fieldset></form>")


def render(data, name: str) -> str:
    """The quiz as one self-contained HTML fragment (style, questions, script)."""
    questions = "".join(_question_html(k + 1, q) for k, q in enumerate(data["questions"]))
    return (f'<div class="gdq tex2jax_process mathjax_process" data-quiz="{html.escape(name)}" '
            f'data-lm-suppress-shortcuts="true"><style>{_CSS.strip()}</style>'
            f'<p class="gdq-nojs">{html.escape(_NOJS)}</p>{questions}'
            f"<script>{_JS.strip()}</script></div>")


class Quiz:
    """A chapter's quiz; ``_repr_html_`` makes it display in Jupyter and in the book."""

    def __init__(self, data: dict, name: str):
        problems = validate(data)
        if problems:
            raise ValueError(f"quiz {name!r} is not valid:\n  " + "\n  ".join(problems))
        self.data, self.name = data, name

    def __len__(self) -> int:
        return len(self.data["questions"])

    def _repr_html_(self) -> str:
        return render(self.data, self.name)

    def __repr__(self) -> str:
        return f"<Quiz {self.name}: {len(self)} questions>"


class QuizMissing:
    """Shown instead of a quiz whose file is not on this machine (e.g. on Colab)."""

    def __init__(self, name: str):
        self.name = name

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self)[1:-1])}</p>"

    def __repr__(self) -> str:
        return (f"<The quiz file book/_src/quizzes/{self.name}.json is not here: take the "
                "quiz in the HTML book, or in a clone of the course repository>")


def quiz_directories() -> list[Path]:
    """Where quizzes are looked for: next to the notebooks' sources, seen from the working
    directory (``book/``, where Jupyter and the book build run a chapter) or from the
    repository this package was installed from."""
    return [Path.cwd() / "_src" / "quizzes",
            Path(__file__).resolve().parents[1] / "book" / "_src" / "quizzes"]


def load_quiz(path) -> Quiz:
    """The quiz in a JSON file (ValueError listing every problem if it is not valid)."""
    path = Path(path)
    return Quiz(json.loads(path.read_text(encoding="utf-8")), path.stem)


def show_quiz(name: str):
    """The quiz ``book/_src/quizzes/<name>.json``, ready to display (the last line of a cell)."""
    for directory in quiz_directories():
        if (directory / f"{name}.json").exists():
            return load_quiz(directory / f"{name}.json")
    return QuizMissing(name)
