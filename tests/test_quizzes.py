"""The self-check quizzes: every quiz file is valid, every chapter shows its own quiz, the
validator refuses what a reader could not use, and the HTML is deterministic and escaped.

The quizzes' behaviour in a browser (feedback, keyboard, accessibility, no network) is tested
in tests/test_browser.py on the built book.
"""

import copy
import json
import re
from pathlib import Path

import nbformat
import pytest

from gdcourse.quiz import Quiz, QuizMissing, load_quiz, markup, render, show_quiz, validate

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "book" / "_src").glob("[0-9][0-9]_*.md"))
QUIZZES = ROOT / "book" / "_src" / "quizzes"
QUIZ_FILES = sorted(QUIZZES.glob("*.json"))
SHOW = re.compile(r'^show_quiz\("([^"]+)"\)$', re.MULTILINE)


def test_every_chapter_has_a_quiz_file_and_no_file_is_orphaned():
    assert SOURCES, "no chapter sources found"
    assert {p.stem for p in QUIZ_FILES} == {p.stem for p in SOURCES}


@pytest.mark.parametrize("path", QUIZ_FILES, ids=lambda p: p.name)
def test_quiz_file_is_valid(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    assert validate(data) == []
    questions = data["questions"]
    assert len(questions) >= 5, "every chapter's quiz has at least five questions"
    kinds = {q["type"] for q in questions}
    assert kinds == {"choice", "numeric"}, "both multiple-choice and numeric questions"
    for q in questions:
        assert sum(a["correct"] for a in q["answers"]) == 1
        assert not any(a["feedback"].startswith(("Right", "Correct", "Not quite", "Wrong."))
                       for a in q["answers"]), "the page adds the verdict itself"
        assert all(a["feedback"].strip() for a in q["answers"])
        if q["type"] == "choice":
            assert len(q["answers"]) >= 3, "a choice question offers at least 3 answers"
        else:
            assert all(a["tolerance"] >= 0 for a in q["answers"])
            assert any(not a["correct"] for a in q["answers"]), \
                "a numeric question anticipates at least one mistake"
            assert q["otherwise"].strip()
    places = {[a["correct"] for a in q["answers"]].index(True)
              for q in questions if q["type"] == "choice"}
    assert len(places) > 1, "the right choice is not always in the same place"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_chapter_shows_its_quiz_once_before_the_exercises(source):
    text = source.read_text(encoding="utf-8")
    assert text.count("\n## Check yourself\n") == 1
    assert SHOW.findall(text) == [source.stem]
    assert text.index("## Check yourself") < text.index("## Exercises")
    cell = text[text.index("## Check yourself"):text.index("## Exercises")]
    assert ":tags: [remove-input]" in cell, "the book shows the quiz, not the code"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_stored_notebook_output_is_the_current_quiz(source, monkeypatch):
    """nbval would find a stale quiz too; this says which file to re-execute."""
    nb = nbformat.read(ROOT / "book" / f"{source.stem}.ipynb", as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" and SHOW.search(c.source)
               for o in c.get("outputs", [])]
    assert len(outputs) == 1, "the quiz cell has one output"
    monkeypatch.chdir(ROOT / "book")
    quiz = show_quiz(source.stem)
    assert outputs[0]["data"]["text/html"] == quiz._repr_html_(), \
        f"re-execute book/{source.stem}.ipynb (tools/execute_notebooks.py)"
    assert outputs[0]["data"]["text/plain"] == repr(quiz)


def _example():
    return json.loads((QUIZZES / "01_basics.json").read_text(encoding="utf-8"))


def _first(data, kind):
    return next(q for q in data["questions"] if q["type"] == kind)


def _broken(change):
    data = _example()
    change(data)
    return validate(data)


@pytest.mark.parametrize("change, problem", [
    (lambda d: _first(d, "choice")["answers"][0].update(correct=True), "2 answers"),
    (lambda d: _first(d, "choice")["answers"][3].update(correct=False), "0 answers"),
    (lambda d: _first(d, "choice")["answers"][1].update(feedback=" "), "empty text"),
    (lambda d: _first(d, "choice")["answers"][1].pop("feedback"), "missing ['feedback']"),
    (lambda d: _first(d, "numeric")["answers"][0].pop("tolerance"), "missing ['tolerance']"),
    (lambda d: _first(d, "numeric")["answers"][0].update(tolerance=-1), "'tolerance' must"),
    (lambda d: _first(d, "numeric")["answers"][0].update(value="2.56"), "'value' must"),
    (lambda d: _first(d, "numeric")["answers"][1].update(value=2.56), "overlap"),
    (lambda d: _first(d, "numeric").pop("otherwise"), "missing ['otherwise']"),
    (lambda d: _first(d, "choice").update(type="multiple"), "'type' must be one of"),
    (lambda d: _first(d, "choice").update(hint="x"), "unknown ['hint']"),
    (lambda d: _first(d, "choice")["answers"].__setitem__(slice(1, None), []),
     "must list 2 to 8"),
    (lambda d: _first(d, "choice").update(question="costs $5"), "unmatched $"),
    (lambda d: d["questions"].append(copy.deepcopy(d["questions"][0])), "same text"),
    (lambda d: d.update(questions=[]), "non-empty list"),
])
def test_validate_refuses_a_broken_quiz(change, problem):
    problems = _broken(change)
    assert any(problem in p for p in problems), problems


def test_quiz_refuses_invalid_data_naming_every_problem():
    data = _example()
    _first(data, "choice")["answers"][0]["correct"] = True
    _first(data, "numeric")["answers"][0]["tolerance"] = -1
    with pytest.raises(ValueError, match="(?s)not valid.*tolerance.*2 answers are marked"):
        Quiz(data, "broken")


def test_markup_escapes_html_and_keeps_maths_and_code_verbatim():
    html = markup("If $a < b$ then `x <y>` is *not* **safe** <script>")
    assert html == (r"If \(a &lt; b\) then <code>x &lt;y&gt;</code> is <em>not</em> "
                    r"<strong>safe</strong> &lt;script&gt;")
    assert markup("$$x^2$$ and $*y*$") == r"\[x^2\] and \(*y*\)"


def test_render_is_deterministic_and_self_contained():
    quiz = load_quiz(QUIZZES / "01_basics.json")
    first, second = quiz._repr_html_(), load_quiz(QUIZZES / "01_basics.json")._repr_html_()
    assert first == second
    assert "http" not in first, "a quiz loads nothing from the network"
    assert first.count("<form") == len(quiz) and first.count("<script>") == 1
    assert first.count("<fieldset>") == first.count("<legend>") == len(quiz)
    assert "mathjax_process" in first, "the book's MathJax typesets the quiz"
    assert repr(quiz) == f"<Quiz 01_basics: {len(quiz)} questions>"


def test_every_answer_gets_its_own_feedback_in_the_page():
    data = _example()
    page = render(data, "01_basics")
    for question in data["questions"]:
        for answer in question["answers"]:
            assert markup(answer["feedback"]) in page
    choice = _first(data, "choice")
    radios = re.findall(r'<label><input type="radio" name="answer" value="(\d)">'
                        r'<span class="gdq-letter">([A-H])\.</span>', page)
    assert radios[:len(choice["answers"])] == [(str(k), "ABCD"[k]) for k in range(4)]


def test_numeric_answers_are_in_the_page_with_their_tolerances():
    data = _example()
    numeric = _first(data, "numeric")
    page = render(data, "01_basics")
    pairs = json.dumps([[a["value"], a["tolerance"]] for a in numeric["answers"]])
    assert f'data-answers="{pairs.replace(chr(34), "&quot;")}"' in page


def test_a_missing_quiz_file_says_where_to_find_the_quiz(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    missing = show_quiz("99_nowhere")
    assert isinstance(missing, QuizMissing)
    assert "book/_src/quizzes/99_nowhere.json" in repr(missing)
    assert "HTML book" in missing._repr_html_()


def test_show_quiz_finds_the_file_from_the_book_folder_and_from_elsewhere(monkeypatch):
    monkeypatch.chdir(ROOT / "book")
    from_book = show_quiz("03_convergence")
    monkeypatch.chdir(ROOT)
    from_root = show_quiz("03_convergence")
    assert isinstance(from_book, Quiz) and from_book._repr_html_() == from_root._repr_html_()


def test_the_book_shows_the_quiz_file_as_it_is_now():
    """The build may take a chapter's outputs from its execution cache; the Sphinx
    extension renders each quiz in a page again from its file."""
    import sys
    from types import SimpleNamespace
    sys.path.insert(0, str(ROOT / "_ext"))
    import gdcourse_sphinx

    current = load_quiz(QUIZZES / "02_derivation.json")._repr_html_()
    stale = current.replace("Not quite.", "Wrong!")
    body = f'<p>before</p><div class="output text_html">{stale}</div><p>after</p>'
    context = {"body": body}
    app = SimpleNamespace(srcdir=str(ROOT))
    gdcourse_sphinx.current_quizzes(app, "book/02_derivation", "page.html", context, None)
    assert context["body"] == body.replace(stale, current)
