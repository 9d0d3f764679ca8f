"""Small Sphinx fixes for the gdcourse book.

``dedupe_scripts``: sphinx-thebe registers its configuration script once per reading pass,
and a second ``const THEBE_JS_URL`` declaration is a JavaScript error on every page.  Keep
each script once.

Accessibility (the axe-core audit in ``tests/test_browser.py``):

* ``templates/`` overrides two of the theme's buttons, the search button and the colour-mode
  button, whose accessible names leave out their visible text (each file says how).
* ``static/gdcourse.css`` darkens the link colour inside the tinted exercise boxes.
* ``static/gdcourse.js`` makes a code block that scrolls sideways reachable by keyboard when
  the dropdown holding it opens (the theme checks only when the page loads).
* ``list_bibliography_entries``: docutils writes the bibliography as ``role="list"`` holding
  entries with ``role="doc-biblioentry"``, a role DPUB-ARIA 1.1 deprecates; assistive
  technology then finds no list items in the list (axe: aria-required-children, critical).
  The entries become ``role="listitem"``, which DPUB-ARIA recommends in its place.

``current_quizzes``: a chapter's quiz is the output of a cell that reads
``book/_src/quizzes/NN_name.json``, but the build re-executes a notebook only when its code
changes, so after an edit of the quiz file alone it would show the old quiz.  The quiz file
is made a dependency of its chapter (``note_quiz_file``: an edit makes Sphinx write the page
again), and each quiz in a page is rendered again from its file as it is now
(``gdcourse.quiz``; the same HTML that executing the cell gives, which
``tests/test_quizzes.py`` checks in the notebooks).
"""

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUIZ = re.compile(r'<div class="gdq [^"]*" data-quiz="([^"]+)".*?</script></div>', re.S)


def dedupe_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (str(getattr(script, "filename", script) or ""),
               tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def add_templates_and_css(app, config):
    config.templates_path.insert(0, str(HERE / "templates"))   # before the theme's components
    config.html_static_path.append(str(HERE / "static"))


def list_bibliography_entries(app, pagename, templatename, context, doctree):
    if "body" in context:
        context["body"] = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')


def note_quiz_file(app, docname, source):
    quiz = Path(app.srcdir) / "book" / "_src" / "quizzes" / f"{Path(docname).name}.json"
    if quiz.exists():
        app.env.note_dependency(str(quiz))


def current_quizzes(app, pagename, templatename, context, doctree):
    if 'class="gdq ' not in context.get("body", ""):
        return
    from gdcourse.quiz import load_quiz

    folder = Path(app.srcdir) / "book" / "_src" / "quizzes"
    context["body"] = QUIZ.sub(
        lambda match: load_quiz(folder / f"{match.group(1)}.json")._repr_html_(),
        context["body"])


def setup(app):
    app.connect("config-inited", add_templates_and_css)
    app.connect("html-page-context", dedupe_scripts, priority=900)
    app.connect("html-page-context", list_bibliography_entries)
    app.connect("source-read", note_quiz_file)
    app.connect("html-page-context", current_quizzes)
    app.add_css_file("gdcourse.css")
    app.add_js_file("gdcourse.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
