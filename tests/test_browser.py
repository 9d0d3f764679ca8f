"""The built book as readers see it, in headless Chromium with the network switched off.

For every page: it loads from disk (file://) with every request to the network refused, MathJax
has rendered every formula (no raw TeX left), every image loads and has alt text, the solution
dropdowns open, every internal link points to an existing page and anchor, no display equation
is wider than the text at 1280 px, axe-core finds no serious or critical accessibility problem
(light and dark colour modes), and a screenshot is saved under _build/screenshots/.  On every
chapter page the self-check quiz answers a question wrongly and then rightly, by mouse and by
keyboard, and axe checks the quiz with its feedback showing; the same quiz runs in JupyterLab,
offline too.  `make test` builds the book and installs axe-core (npm) before running these
tests.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import nbformat
import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
AXE = ROOT / ".cache" / "axe-core" / "node_modules" / "axe-core" / "axe.min.js"   # `make test` installs it
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def pages():
    if not HTML.exists():
        return []
    return sorted(p for p in (HTML / "book").glob("*.html"))


PAGES = pages()
# Pages the theme builds around the chapters; readers reach them from every page.
THEME_PAGES = [p for p in (HTML / "search.html", HTML / "genindex.html") if p.exists()]


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium); browser tests skipped")
    if not PAGES:
        pytest.skip("the book is not built (run `make book`); browser tests skipped")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


LOCAL = ("file:", "data:", "blob:", "about:")


@contextmanager
def page_allowing(browser, prefixes):
    """A page whose every request to a URL not starting with one of `prefixes` is aborted
    and recorded; yields the page, the blocked URLs and the JavaScript errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    blocked, errors = [], []

    def route(r):
        if r.request.url.startswith(prefixes):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page, blocked, errors
    finally:
        context.close()


@pytest.fixture
def offline_page(browser):
    """A page whose every non-file request is aborted and recorded."""
    with page_allowing(browser, LOCAL) as opened:
        yield opened


def open_page(page, path):
    page.goto(path.as_uri(), wait_until="load")
    if not page.locator("script[src*='mathjax']").count():
        return                                    # Sphinx adds MathJax only to pages with maths
    page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=30_000)
    page.evaluate("MathJax.startup.promise")


def open_every_dropdown(page):
    """Show what readers can unfold: solutions (sphinx-togglebutton) and <details> blocks."""
    page.evaluate("""() => {
        document.querySelectorAll('button.toggle-button[aria-expanded="false"]').forEach(b => b.click());
        document.querySelectorAll('details').forEach(d => { d.open = true; });
    }""")
    page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def test_there_are_pages_to_test():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium); browser tests skipped")
    assert PAGES, "the book is not built: run `make book` first"
    assert {"intro.html", "01_basics.html"} <= {p.name for p in PAGES}


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_page_renders_offline(offline_page, path):
    page, blocked, errors = offline_page
    open_page(page, path)
    # Only the launch/repository links point to the network; nothing is *loaded* from it.
    needed = [u for u in blocked if not u.startswith(("https://mybinder.org", "https://colab"))]
    assert not needed, f"{path.name} tried to load from the network: {needed[:5]}"
    assert not errors, f"JavaScript errors on {path.name}: {errors[:3]}"

    # MathJax rendered every formula: no raw TeX delimiters left in the visible text.
    raw = page.evaluate("""() => {
        const found = [];
        document.querySelectorAll('.math, .MathJax_Preview').forEach(el => {
            if (!el.querySelector('mjx-container') && /\\\\\\(|\\\\\\[|\\$\\$/.test(el.textContent))
                found.push(el.textContent.slice(0, 60));
        });
        return found;
    }""")
    assert not raw, f"unrendered maths on {path.name}: {raw[:3]}"
    assert page.locator("mjx-merror").count() == 0, "MathJax reported a TeX error"
    if page.locator(".math").count():
        assert page.locator("mjx-container").count() > 0

    # Every image loads and has alt text.
    images = page.evaluate("""() => Array.from(document.images).map(img => ({
        src: img.getAttribute('src'), ok: img.complete && img.naturalWidth > 0,
        alt: (img.getAttribute('alt') || '').trim()}))""")
    broken = [i["src"] for i in images if not i["ok"]]
    no_alt = [i["src"] for i in images if not i["alt"]]
    assert not broken, f"images that did not load on {path.name}: {broken}"
    assert not no_alt, f"images without alt text on {path.name}: {no_alt}"

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{path.stem}.png"), full_page=True)


@pytest.mark.parametrize("path", [p for p in PAGES if p.name[:2].isdigit()], ids=lambda p: p.name)
def test_solution_dropdowns_open(offline_page, path):
    page, _, _ = offline_page
    open_page(page, path)
    solutions = page.locator("div.solution.dropdown")
    assert solutions.count() >= 4, "every chapter has at least four solutions"
    for k in range(solutions.count()):
        solution = solutions.nth(k)
        body = solution.locator("div.highlight").first
        assert not body.is_visible(), "a solution is visible before the reader asks for it"
        solution.locator("button.toggle-button").first.click()
        body.wait_for(state="visible", timeout=5_000)
    page.screenshot(path=str(SHOTS / f"{path.stem}-solutions-open.png"), full_page=False)


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def _parse(path):
    parser = _Anchors()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_internal_links_resolve():
    if not PAGES:
        pytest.skip("the book is not built (run `make book`)")
    broken = []
    for path in sorted(HTML.rglob("*.html")):
        if "_static" in path.parts:
            continue
        for href in _parse(path).links:
            url = urlparse(href)
            if url.scheme or href.startswith(("mailto:", "javascript:")):
                continue
            target = (path.parent / unquote(url.path)).resolve() if url.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{path.relative_to(HTML)} -> {href}")
            elif url.fragment and target.suffix == ".html" and url.fragment not in _parse(target).ids:
                broken.append(f"{path.relative_to(HTML)} -> {href} (no such anchor)")
    assert not broken, "\n".join(broken[:20])


def test_animations_are_self_contained_and_play(offline_page):
    with_animation = [p for p in PAGES if "gd-animation" in p.read_text(encoding="utf-8")]
    assert with_animation, "no chapter has an animation"
    page, _, errors = offline_page
    for path in with_animation:
        open_page(page, path)
        player = page.locator(".gd-animation").first
        player.scroll_into_view_if_needed()
        lines = player.locator("polyline")
        full = lines.first.get_attribute("points")
        player.locator("input[type=range]").fill("0")
        at_start = lines.first.get_attribute("points")
        assert len(at_start) < len(full), "the slider moves the animation"
        player.locator("button").click()
        page.wait_for_function("el => el.getAttribute('points').length > %d" % len(at_start),
                               arg=lines.first.element_handle(), timeout=5_000)
        assert "Pause" in player.locator("button").inner_text() or \
            lines.first.get_attribute("points") == full, "Play advances the path"
    assert not errors


def test_a_zip_of_the_html_works_from_disk(tmp_path, offline_page):
    """Readers can download the book: an unzipped copy in another folder works offline."""
    if not PAGES:
        pytest.skip("the book is not built (run `make book`)")
    archive = shutil.make_archive(str(tmp_path / "book"), "zip", HTML)
    unpacked = tmp_path / "unpacked"
    shutil.unpack_archive(archive, unpacked)
    page, blocked, errors = offline_page
    open_page(page, unpacked / "book" / "01_basics.html")
    assert page.locator("mjx-container").count() > 10
    assert not [u for u in blocked if not re.match(r"https://(mybinder|colab)", u)]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_display_equations_fit_the_text_width(offline_page, path):
    """At a 1280 px wide window no display equation is clipped or needs a scrollbar."""
    page, _, _ = offline_page
    open_page(page, path)
    open_every_dropdown(page)
    equations = page.evaluate("""() => {
        const tex = new Map();
        if (window.MathJax && MathJax.startup.document)
            for (const item of MathJax.startup.document.math) tex.set(item.typesetRoot, item.math);
        return Array.from(document.querySelectorAll('mjx-container[display="true"]')).map(c => {
            const eqno = c.closest('div.math') && c.closest('div.math').querySelector('.eqno');
            return {label: eqno ? eqno.firstChild.textContent.trim() : '(no number)',
                    tex: (tex.get(c) || '').trim().replace(/\\s+/g, ' ').slice(0, 60),
                    needed: c.scrollWidth, room: c.clientWidth};
        });
    }""")
    assert equations or not path.name[:2].isdigit(), f"no display equation found on {path.name}"
    unmeasured = [e for e in equations if e["room"] == 0]
    assert not unmeasured, f"display equations not laid out on {path.name}: {unmeasured[:3]}"
    too_wide = [f"{e['label']} needs {e['needed']} px, has {e['room']} px: {e['tex']}"
                for e in equations if e["needed"] > e["room"]]
    assert not too_wide, f"display equations wider than the text on {path.name}:\n" + "\n".join(too_wide)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES + THEME_PAGES, ids=lambda p: p.name)
def test_axe_finds_no_serious_accessibility_problem(offline_page, path, scheme):
    """axe-core (WCAG 2.x A and AA rules and best practices) on the page with every dropdown
    open, in the theme's light and dark modes: no violation of impact serious or critical."""
    assert AXE.exists(), f"axe-core is not installed: run `make {AXE.relative_to(ROOT)}`"
    page, _, _ = offline_page
    page.emulate_media(color_scheme=scheme)
    open_page(page, path)
    assert page.evaluate("document.documentElement.dataset.theme") == scheme
    open_every_dropdown(page)
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    found = [f"{path.name} ({scheme}): {v['id']} [{v['impact']}] {v['help']}\n"
             f"    at {' '.join(node['target'])}: {node['html'][:160]}\n"
             f"    {node['failureSummary'].replace(chr(10), ' ')}"
             for v in results["violations"] if v["impact"] in ("serious", "critical")
             for node in v["nodes"]]
    assert not found, f"{len(found)} serious or critical accessibility violations:\n" + "\n".join(found)


# ---------------------------------------------------------------- self-check quizzes
QUIZZES = ROOT / "book" / "_src" / "quizzes"
CHAPTER_PAGES = [p for p in PAGES if p.name[:2].isdigit()]


def quiz_of(path):
    return json.loads((QUIZZES / f"{path.stem}.json").read_text(encoding="utf-8"))["questions"]


def shown_feedback(form):
    """(key, class) of every feedback block of a question that the reader can see."""
    return form.evaluate("""f => Array.from(f.querySelectorAll('.gdq-feedback > div'))
        .filter(d => d.offsetParent !== null).map(d => [d.dataset.for, d.className])""")


def check_numeric(form, text):
    form.locator("input[type=text]").fill(text)
    form.locator("button").click()
    return shown_feedback(form)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", CHAPTER_PAGES, ids=lambda p: p.name)
def test_quiz_feedback_changes_from_wrong_to_right(offline_page, path, scheme):
    """Offline, a wrong answer shows its own feedback and a right one then replaces it, for
    a multiple-choice and a numeric question; the quiz's maths is typeset by the local
    MathJax; and axe finds nothing serious in the quiz with the feedback showing."""
    page, blocked, errors = offline_page
    page.emulate_media(color_scheme=scheme)
    open_page(page, path)
    questions = quiz_of(path)
    quiz = page.locator(".gdq")
    assert quiz.count() == 1, "one quiz per chapter"
    forms = quiz.locator("form")
    assert forms.count() == len(questions) >= 5
    assert not quiz.locator(".gdq-nojs").is_visible(), "the script ran"
    assert quiz.locator("mjx-container").count() > 0, "the quiz's maths is typeset"
    raw = quiz.evaluate("""q => Array.from(q.querySelectorAll('legend, label, .gdq-feedback div'))
        .filter(e => /\\\\\\(|\\\\\\[/.test(e.textContent)).length""")
    assert raw == 0, "raw TeX left in the quiz"

    k = next(i for i, q in enumerate(questions) if q["type"] == "choice")
    form, answers = forms.nth(k), questions[k]["answers"]
    right = next(i for i, a in enumerate(answers) if a["correct"])
    wrong = next(i for i, a in enumerate(answers) if not a["correct"])
    assert shown_feedback(form) == [], "no feedback before an answer"
    form.locator("button").click()
    assert shown_feedback(form) == [["none", ""]], "Check without a choice asks for one"
    form.locator("label").nth(wrong).click()
    form.locator("button").click()
    assert shown_feedback(form) == [[str(wrong), "gdq-wrong"]]
    assert form.locator(f'[data-for="{wrong}"]').inner_text().startswith("Not quite.")
    form.locator("label").nth(right).click()
    form.locator("button").click()
    assert shown_feedback(form) == [[str(right), "gdq-right"]]
    assert form.locator(f'[data-for="{right}"]').inner_text().startswith("Right.")

    k = next(i for i, q in enumerate(questions) if q["type"] == "numeric")
    form, answers = forms.nth(k), questions[k]["answers"]
    right = next(i for i, a in enumerate(answers) if a["correct"])
    mistake = next(i for i, a in enumerate(answers) if not a["correct"])
    far = 1e6 + sum(abs(a["value"]) + a["tolerance"] for a in answers)
    assert check_numeric(form, repr(far)) == [["otherwise", "gdq-wrong"]]
    assert check_numeric(form, repr(answers[mistake]["value"])) == \
        [[str(mistake), "gdq-wrong"]]
    assert check_numeric(form, "two") == [["unreadable", ""]]
    assert check_numeric(form, repr(answers[right]["value"])) == [[str(right), "gdq-right"]]

    page.add_script_tag(path=str(AXE))
    results = page.evaluate("axe.run('.gdq', {resultTypes: ['violations']})")
    found = [f"{v['id']} [{v['impact']}] at {' '.join(node['target'])}"
             for v in results["violations"] if v["impact"] in ("serious", "critical")
             for node in v["nodes"]]
    assert not found, f"{path.name} ({scheme}), quiz answered: " + "; ".join(found)
    assert not [u for u in blocked if not re.match(r"https://(mybinder|colab)", u)]
    assert not errors
    if scheme == "light":
        quiz.screenshot(path=str(SHOTS / f"{path.stem}-quiz.png"))


@pytest.mark.parametrize("path", CHAPTER_PAGES, ids=lambda p: p.name)
def test_quiz_works_from_the_keyboard(offline_page, path):
    """Arrow keys choose an answer, Tab goes straight to the Check button (past the
    formulas, which MathJax makes focusable), Enter checks; in a numeric question Enter in
    the text field checks. The focused button shows a focus ring."""
    page, _, _ = offline_page
    open_page(page, path)
    questions = quiz_of(path)
    forms = page.locator(".gdq form")
    k = next(i for i, q in enumerate(questions) if q["type"] == "choice")
    form = forms.nth(k)
    form.locator("input[type=radio]").first.focus()
    page.keyboard.press("ArrowDown")
    assert form.locator("input:checked").get_attribute("value") == "1"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    verdict = "gdq-right" if questions[k]["answers"][1]["correct"] else "gdq-wrong"
    assert shown_feedback(form) == [["1", verdict]]

    k = next(i for i, q in enumerate(questions) if q["type"] == "numeric")
    form = forms.nth(k)
    right = next(a for a in questions[k]["answers"] if a["correct"])
    form.locator("input[type=text]").focus()
    page.keyboard.type(repr(right["value"]))
    page.keyboard.press("Enter")
    assert [c for _, c in shown_feedback(form)] == ["gdq-right"]


def test_quiz_reads_numbers_as_people_type_them(offline_page):
    """Fractions, exponents and a typographic minus are numbers; a decimal comma is not."""
    page, _, _ = offline_page
    path = next(p for p in CHAPTER_PAGES if p.name.startswith("01"))
    open_page(page, path)
    questions = quiz_of(path)
    k = next(i for i, q in enumerate(questions)
             if q["type"] == "numeric" and any(a["value"] == 0.5 for a in q["answers"]))
    form = page.locator(".gdq form").nth(k)
    right = next(i for i, a in enumerate(questions[k]["answers"]) if a["correct"])
    assert questions[k]["answers"][right]["value"] == 0.5
    for text in ("1/2", "5e-1", " .5 ", "0.50"):
        assert check_numeric(form, text) == [[str(right), "gdq-right"]], text
    for text in ("0,5", "1/2/3", ""):
        assert check_numeric(form, text) == [["unreadable", ""]], text
    assert check_numeric(form, "\u22121/2") == [["otherwise", "gdq-wrong"]]


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab server on a free local port, serving a notebook whose one cell shows
    chapter 1's quiz; yields the notebook's URL."""
    lab = shutil.which("jupyter-lab", path=str(Path(sys.executable).parent))
    if lab is None:
        pytest.skip("JupyterLab is not installed")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}
    nb.cells = [nbformat.v4.new_code_cell(
        'from gdcourse.quiz import show_quiz\nshow_quiz("01_basics")')]
    nbformat.write(nb, tmp_path / "quiz.ipynb")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    server = subprocess.Popen(
        [lab, "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         "--ServerApp.token=quiz", f"--ServerApp.root_dir={tmp_path}", "--allow-root",
         "--LabApp.news_url=", "--LabApp.expose_app_in_browser=True"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/lab/tree/quiz.ipynb?token=quiz"
    finally:
        server.terminate()
        server.wait(30)


def test_quiz_works_in_jupyterlab_offline(browser, jupyterlab):
    """In JupyterLab, with every request outside this machine refused: running the cell
    shows the quiz, JupyterLab's own MathJax typesets it, a wrong and then a right answer
    show their feedback, arrow keys and typed letters reach the quiz (not the notebook's
    shortcuts), and axe finds nothing serious in the light or the dark theme."""
    with page_allowing(browser, ("http://127.0.0.1",) + LOCAL[1:]) as opened:
        page, blocked, errors = opened
        page.goto(jupyterlab)
        page.wait_for_function("document.body.innerText.includes('(ipykernel) | Idle')",
                               timeout=120_000)
        page.locator(".jp-Cell").first.click()
        page.keyboard.press("Shift+Enter")
        page.wait_for_selector(".gdq form", timeout=60_000)
        quiz = page.locator(".gdq")
        page.wait_for_function("q => q.querySelectorAll('mjx-container').length > 0",
                               arg=quiz.element_handle(), timeout=30_000)
        questions = quiz_of(Path("01_basics"))
        assert quiz.locator("form").count() == len(questions)
        assert not quiz.locator(".gdq-nojs").is_visible()
        cells = page.locator(".jp-Notebook .jp-Cell").count()

        k = next(i for i, q in enumerate(questions) if q["type"] == "choice")
        form, answers = quiz.locator("form").nth(k), questions[k]["answers"]
        right = next(i for i, a in enumerate(answers) if a["correct"])
        wrong = next(i for i, a in enumerate(answers) if not a["correct"])
        form.locator("label").nth(wrong).click()
        form.locator("button").click()
        assert shown_feedback(form) == [[str(wrong), "gdq-wrong"]]
        form.locator("label").nth(right).click()
        form.locator("button").click()
        assert shown_feedback(form) == [[str(right), "gdq-right"]]
        form.locator("input[type=radio]").first.focus()
        page.keyboard.press("ArrowDown")
        assert form.locator("input:checked").get_attribute("value") == "1"
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        assert [key for key, _ in shown_feedback(form)] == ["1"]

        k = next(i for i, q in enumerate(questions) if q["type"] == "numeric")
        form = quiz.locator("form").nth(k)
        value = repr(next(a for a in questions[k]["answers"] if a["correct"])["value"])
        form.locator("input[type=text]").focus()
        page.keyboard.type("a b ")                       # notebook shortcuts: insert cells
        page.keyboard.press("Enter")
        assert shown_feedback(form) == [["unreadable", ""]]
        form.locator("input[type=text]").fill("")
        form.locator("input[type=text]").focus()
        page.keyboard.type(value)
        page.keyboard.press("Enter")
        assert [c for _, c in shown_feedback(form)] == ["gdq-right"]
        assert page.locator(".jp-Notebook .jp-Cell").count() == cells

        page.add_script_tag(path=str(AXE))
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            page.evaluate("t => window.jupyterapp.commands.execute('apputils:change-theme', "
                          "{theme: t})", theme)
            page.wait_for_function("t => document.body.dataset.jpThemeName === t", arg=theme,
                                   timeout=30_000)
            results = page.evaluate("axe.run('.gdq', {resultTypes: ['violations']})")
            found = [f"{v['id']} [{v['impact']}]" for v in results["violations"]
                     if v["impact"] in ("serious", "critical")]
            assert not found, f"{theme}: {found}"
        assert not blocked, f"JupyterLab tried to load from the network: {blocked[:5]}"
        assert not errors
