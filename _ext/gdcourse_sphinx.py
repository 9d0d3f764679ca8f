"""Small Sphinx fixes for the gdcourse book.

``dedupe_scripts``: an extension that registers a script once per reading pass (sphinx-thebe
did, and a second ``const`` declaration is a JavaScript error on every page) would add it
twice.  Keep each script once.

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

Live code (``static/gdcourse-live.js``): when ``tools/pyodide_assets.py`` (run by ``make book``)
has staged Pyodide, its wheels and a gdcourse wheel in ``.cache/pyodide/site``, every page gets
the script that adds "Run" buttons to its code cells, and the build copies the staged files to
``_build/html/pyodide/``.  Without them the book is built as before, with no Run buttons.
``drop_thebe``: jupyter-book always loads sphinx-thebe, whose "Live Code" launcher needs Binder
and takes thebe from unpkg.com; its scripts, stylesheet and per-page configuration are removed,
so that no page refers to a CDN (the Binder and Colab launch buttons stay).
"""

import re
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUIZ = re.compile(r'<div class="gdq [^"]*" data-quiz="([^"]+)".*?</script></div>', re.S)
LIVE_ASSETS = HERE.parent / ".cache" / "pyodide" / "site"      # tools/pyodide_assets.py


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


def drop_thebe(app, config):
    """Disconnect sphinx-thebe's handlers and stylesheet (see the module docstring)."""
    for listeners in app.events.listeners.values():
        listeners[:] = [l for l in listeners
                        if not getattr(l.handler, "__module__", "").startswith("sphinx_thebe")]
    app.registry.css_files = [(name, attributes) for name, attributes in app.registry.css_files
                              if "thebe" not in str(name)]


def add_live_code(app, config):
    if (LIVE_ASSETS / "live.json").exists():
        app.add_js_file("gdcourse-live.js", **{"defer": "defer"})


def copy_live_assets(app, exception):
    if exception is None and app.builder.format == "html" and (LIVE_ASSETS / "live.json").exists():
        target = Path(app.outdir) / "pyodide"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(LIVE_ASSETS, target)


def setup(app):
    app.connect("config-inited", drop_thebe)
    app.connect("config-inited", add_live_code)
    app.connect("build-finished", copy_live_assets)
    app.connect("config-inited", add_templates_and_css)
    app.connect("html-page-context", dedupe_scripts, priority=900)
    app.connect("html-page-context", list_bibliography_entries)
    app.connect("source-read", note_quiz_file)
    app.connect("html-page-context", current_quizzes)
    app.add_css_file("gdcourse.css")
    app.add_js_file("gdcourse.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
