"""Live code: the book's cells run in the web page (Pyodide in a Web Worker).

* ``gdcourse.browser.run_cell``, which the page calls for every cell, in CPython: what Jupyter
  shows (prints, the last expression, figures, errors), in order, and a shared namespace;
* ``tools/pyodide_assets.py``: the dependency closure and the sha256 check of every wheel;
* gdcourse in Pyodide itself (Node.js, when the staged assets exist): it imports, grades, and
  stops an answer that never ends with the usual words although Pyodide has no threads;
* the built book in Chromium, served over HTTP on 127.0.0.1 with every other request refused
  (marker ``browser``): on chapter 1 the set-up cell, an exercise answered wrongly then rightly
  with the progress shown updating, a matplotlib figure, a cell that never ends while the page
  stays responsive; and one exercise of every chapter.
"""

import base64
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from gdcourse import browser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import pyodide_assets  # noqa: E402

SITE = ROOT / ".cache" / "pyodide" / "site"
NODE = shutil.which("node")


def run(code, namespace=None):
    outputs = []
    ok = browser.run_cell(code, {} if namespace is None else namespace,
                          lambda kind, data, alt: outputs.append((kind, data, alt)))
    return ok, outputs


# ---------------------------------------------------------------- run_cell in CPython
def test_prints_and_the_last_expression_come_in_order():
    ok, outputs = run("print('one')\nx = 6 * 7\nprint('two', end='')\nx")
    assert ok
    assert [o[:2] for o in outputs] == [("stream", "one"), ("stream", "\n"), ("stream", "two"),
                                        ("text", "42")]


def test_cells_share_the_namespace_and_a_semicolon_hides_the_value():
    namespace = {}
    assert run("import numpy as np\nw = np.arange(3.0)", namespace) == (True, [])
    assert run("w.sum();", namespace) == (True, [])
    assert run("w.sum()", namespace) == (True, [("text", "np.float64(3.0)", "")])


def test_an_error_shows_the_cells_own_line_and_later_cells_still_run():
    namespace = {}
    ok, outputs = run("a = 1\nb = a / 0\n", namespace)
    assert not ok and [o[0] for o in outputs] == ["error"]
    text = outputs[0][1]
    assert "In this cell, line 2, in <module>\n    b = a / 0\n" in text
    assert text.endswith("ZeroDivisionError: division by zero\n")
    assert "browser.py" not in text
    assert run("a + 1", namespace) == (True, [("text", "2", "")])


def test_a_syntax_error_is_reported_not_raised():
    ok, outputs = run("def f(:\n    pass")
    assert not ok and outputs[0][0] == "error" and "SyntaxError" in outputs[0][1]


def test_figures_come_as_png_with_alt_text_at_show_and_at_the_end():
    import matplotlib
    import matplotlib.pyplot as plt

    previous = matplotlib.get_backend()
    plt.switch_backend("module://gdcourse.browser")
    try:
        code = ("import matplotlib.pyplot as plt\n"
                "fig, ax = plt.subplots()\nax.plot([1, 2, 3])\nax.set_title('A line')\n"
                "plt.show()\nprint('between')\nplt.figure()\nplt.plot([3, 1])\n")
        ok, outputs = run(code)
    finally:
        plt.switch_backend(previous)
    kinds = [o[0] for o in outputs if o[1] != "\n"]
    assert ok and kinds[0] == "png" and kinds[-1] == "png" and "stream" in kinds
    first = base64.b64decode(outputs[0][1])
    assert first.startswith(b"\x89PNG\r\n\x1a\n")
    assert outputs[0][2] == "Figure drawn by this cell: A line"
    assert outputs[-1][2] == "Figure drawn by this cell"
    assert not plt.get_fignums(), "every figure is closed once shown"


def test_a_check_shows_the_graders_message(tmp_path, monkeypatch):
    monkeypatch.setenv("GDCOURSE_PROGRESS_FILE", str(tmp_path / "progress.json"))
    namespace = {}
    run("from gdcourse.grading import check\n"
        "def gd_step(w, grad, lr):\n    return w + lr * grad\n", namespace)
    ok, outputs = run('check("ch01.gd_step", gd_step)', namespace)
    assert ok and outputs[0][0] == "html"
    assert "not passed yet" in outputs[0][1]
    assert "You moved up the slope" in outputs[0][1]
    run("def gd_step(w, grad, lr):\n    return w - lr * grad\n", namespace)
    ok, outputs = run('check("ch01.gd_step", gd_step)', namespace)
    assert "ch01.gd_step — One gradient-descent step: passed" in outputs[0][1]
    records = json.loads((tmp_path / "progress.json").read_text())["exercises"]
    assert records["ch01.gd_step"]["status"] == "passed"


# ---------------------------------------------------------------- tools/pyodide_assets.py
LOCK = {"packages": {
    "numpy": {"depends": [], "file_name": "numpy.whl", "sha256": ""},
    "scipy": {"depends": ["numpy", "openblas"], "file_name": "scipy.whl", "sha256": ""},
    "openblas": {"depends": [], "file_name": "openblas.zip", "sha256": ""},
    "pandas": {"depends": ["numpy"], "file_name": "pandas.whl", "sha256": ""},
}}


def test_the_closure_follows_the_locks_depends():
    assert pyodide_assets.closure(LOCK, ["scipy"]) == ["numpy", "openblas", "scipy"]


def test_a_wheel_whose_sha256_differs_from_the_lock_stops_the_build(tmp_path):
    transport = tmp_path / "transport.whl"
    with zipfile.ZipFile(transport, "w") as archive:
        archive.writestr(pyodide_assets.TRANSPORT_DIR + "numpy.whl", b"the real numpy")
        archive.writestr(pyodide_assets.TRANSPORT_DIR + "openblas.zip", b"tampered")
    lock = json.loads(json.dumps(LOCK))
    lock["packages"]["numpy"]["sha256"] = pyodide_assets.hashlib.sha256(b"the real numpy").hexdigest()
    lock["packages"]["openblas"]["sha256"] = pyodide_assets.hashlib.sha256(b"openblas").hexdigest()
    dest = tmp_path / "site"
    dest.mkdir()
    pyodide_assets.extract_verified(transport, lock, ["numpy"], dest)
    assert (dest / "numpy.whl").read_bytes() == b"the real numpy"
    with pytest.raises(pyodide_assets.Mismatch, match="openblas.zip has sha256"):
        pyodide_assets.extract_verified(transport, lock, ["openblas"], dest)
    assert not (dest / "openblas.zip").exists(), "a file that fails its check is not kept"


def test_without_the_assets_the_build_goes_on_and_says_so_in_one_line(tmp_path, monkeypatch,
                                                                       capsys):
    def unavailable():
        raise pyodide_assets.Unavailable("could not download pyodide@0.27.7 from npm: offline")

    monkeypatch.setattr(pyodide_assets, "fetch_core", unavailable)
    assert pyodide_assets.main(["--dest", str(tmp_path / "site")]) == 0
    out = capsys.readouterr().out
    assert out == ("live code: not built (could not download pyodide@0.27.7 from npm: offline);"
                   " the book is built without Run buttons\n")
    assert not (tmp_path / "site").exists()


def test_the_staged_wheels_match_the_official_lock():
    if not (SITE / "live.json").exists():
        pytest.skip("the live-code assets are not staged (make live-assets)")
    lock = json.loads((SITE / "pyodide-lock.json").read_text())
    names = pyodide_assets.closure(lock, pyodide_assets.WANTED)
    assert {"numpy", "scipy", "scikit-learn", "matplotlib", "openblas"} <= set(names)
    for name in names:
        entry = lock["packages"][name]
        assert pyodide_assets.sha256(SITE / entry["file_name"]) == entry["sha256"], name
    live = json.loads((SITE / "live.json").read_text())
    with zipfile.ZipFile(SITE / live["gdcourse_wheel"]) as wheel:
        stored = set(wheel.namelist())
    assert {"gdcourse/browser.py", "gdcourse/grading/hidden/ch01.py"} <= stored


# ---------------------------------------------------------------- gdcourse in Pyodide (Node.js)
IN_PYODIDE = r"""
const site = process.argv[2];
const { loadPyodide } = require(site + "pyodide.js");
(async () => {
  const live = JSON.parse(require("fs").readFileSync(site + "live.json"));
  const py = await loadPyodide({ indexURL: site,
    env: { HOME: "/home/pyodide", MPLBACKEND: "module://gdcourse.browser" } });
  await py.loadPackage([...live.packages, site + live.gdcourse_wheel],
                       { messageCallback: () => {} });
  console.log(py.runPython(process.argv[3]));
})().catch((e) => { console.error(e); process.exit(1); });
"""

HANGING_ANSWERS = r"""
import json, sys, threading, time
from gdcourse.grading import check, reference
from gdcourse.grading.sandbox import run_guarded

{nested_handlers_without_calls}

def gd_step(w, grad, lr):
    while True:
        try:
            w = w - lr * grad
        except:
            pass

try:
    threading.Thread(target=print).start()
    threads = True
except RuntimeError:
    threads = False
start = time.perf_counter()
outcome = run_guarded(nested_handlers_without_calls, seconds=0.2)
elapsed = time.perf_counter() - start
result = check("ch01.gd_step", gd_step)
json.dumps({"platform": sys.platform, "threads": threads, "timed_out": outcome.timed_out,
            "elapsed": elapsed, "summary": result.summary,
            "reference": check("ch01.gd_step", reference("ch01.gd_step")).passed})
"""


def test_in_pyodide_a_never_ending_answer_gets_the_usual_words(tmp_path):
    import inspect

    from test_grading_sandbox import nested_handlers_without_calls

    if NODE is None or not (SITE / "live.json").exists():
        pytest.skip("Node.js or the staged live-code assets are missing")
    script = tmp_path / "in_pyodide.js"
    script.write_text(IN_PYODIDE)
    answers = HANGING_ANSWERS.replace("{nested_handlers_without_calls}",
                                      inspect.getsource(nested_handlers_without_calls))
    done = subprocess.run([NODE, str(script), f"{SITE}/", answers],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["platform"] == "emscripten" and found["threads"] is False
    assert found["timed_out"] and 0.2 <= found["elapsed"] < 1.0
    assert found["summary"].startswith("Your function did not finish in 2 s on ")
    assert found["reference"] is True


EVERY_CELL = r"""
const [site, path] = process.argv.slice(2);
const fs = require("fs");
const { loadPyodide } = require(site + "pyodide.js");
(async () => {
  const live = JSON.parse(fs.readFileSync(site + "live.json"));
  const py = await loadPyodide({ indexURL: site, env: { HOME: "/home/pyodide",
    MPLBACKEND: "module://gdcourse.browser", GDCOURSE_STATIC: "1" } });
  await py.loadPackage([...live.packages, site + live.gdcourse_wheel],
                       { messageCallback: () => {} });
  const runCell = py.pyimport("gdcourse.browser").run_cell;
  const namespace = py.globals.get("dict")();
  const failed = [];
  JSON.parse(fs.readFileSync(path)).cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    let error = "";
    const code = [].concat(cell.source).join("");
    if (!runCell(code, namespace, (kind, data) => { if (kind === "error") error += data; }))
      failed.push({ index, error });
  });
  console.log(JSON.stringify(failed));
})().catch((e) => { console.error(e); process.exit(1); });
"""


@pytest.mark.slow
@pytest.mark.parametrize("notebook", sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb")),
                         ids=lambda p: p.name)
def test_every_cell_of_every_chapter_runs_in_pyodide(tmp_path, notebook):
    """Slow (about a minute per chapter): every code cell, the hidden ones included, in order
    in one namespace, as the page runs them.  ``pytest -m slow tests/test_live_code.py``."""
    if NODE is None or not (SITE / "live.json").exists():
        pytest.skip("Node.js or the staged live-code assets are missing")
    script = tmp_path / "every_cell.js"
    script.write_text(EVERY_CELL)
    done = subprocess.run([NODE, str(script), f"{SITE}/", str(notebook)], capture_output=True,
                          text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-2000:]
    failed = json.loads(done.stdout.strip().splitlines()[-1])
    assert not failed, "\n\n".join(f"cell {f['index']}:\n{f['error']}" for f in failed)


# ---------------------------------------------------------------- the built book in Chromium
HTML = ROOT / "_build" / "html"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Every host name but 127.0.0.1 fails to resolve, in the page and in its Web Worker alike;
# the context's route also refuses (and records) every request that is not to the server.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
CHAPTERS = sorted((HTML / "book").glob("[0-9][0-9]_*.html")) if HTML.exists() else []
SLOW = 300_000                   # ms: starting Python in the page, on a busy machine


@pytest.fixture(scope="module")
def server():
    """The built book over HTTP on 127.0.0.1 (a file:// page cannot load WebAssembly)."""
    import functools
    import http.server
    import threading

    if not (HTML / "pyodide" / "live.json").exists():
        pytest.skip("the book was built without live code (make book)")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(Quiet, directory=str(HTML)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def chromium():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def live_page(chromium, server):
    """A fresh browser profile (empty localStorage) whose only reachable host is the server."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    requests, refused, errors = [], [], []

    def route(r):
        url = r.request.url
        if url.startswith((server + "/", "data:", "blob:", "about:")):
            requests.append(url)
            r.continue_()
        else:
            refused.append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page, server, requests, refused, errors
    context.close()


def cell_with(page, text):
    """The first code cell whose code holds ``text`` (found once: editing it keeps it)."""
    index = page.evaluate("""text => Array.from(document.querySelectorAll('div.cell'))
        .findIndex(cell => (cell.querySelector('.cell_input pre') || {}).innerText
                           ?.includes(text))""", text)
    assert index >= 0, f"no cell holds {text!r}"
    return page.locator("div.cell").nth(index)


def run_in_page(page, cell, timeout=SLOW):
    cell.locator(".gd-live-run").click()
    page.wait_for_function("el => ['done', 'error'].includes(el.dataset.liveState)",
                           arg=cell.element_handle(), timeout=timeout)
    return cell.locator(".gd-live-output").inner_text()


def set_code(cell, code):
    cell.locator(".cell_input pre").fill(code)


def launchers_only(urls):
    return [u for u in urls if not u.startswith(("https://mybinder.org", "https://colab"))]


@pytest.mark.browser
def test_reading_a_page_loads_no_python_and_nothing_from_a_cdn(live_page):
    page, server, requests, refused, errors = live_page
    page.goto(f"{server}/book/01_basics.html", wait_until="load")
    assert not launchers_only(refused), f"requests to the network: {refused[:5]}"
    assert not [u for u in requests if "/pyodide/" in u], "Python loads only on the first Run"
    assert page.locator(".gd-live-run").count() == page.locator("div.cell .cell_input").count()
    html = (HTML / "book" / "01_basics.html").read_text(encoding="utf-8")
    assert "unpkg.com" not in html and "thebe" not in html.lower()
    assert not errors


@pytest.mark.browser
def test_chapter_1_set_up_an_exercise_wrong_then_right_a_figure_and_an_endless_loop(live_page):
    import time

    from gdcourse.grading import exercises

    n_exercises = sum(ex_id.startswith("ch01.") for ex_id in exercises())
    page, server, requests, refused, errors = live_page
    opened = time.perf_counter()
    page.goto(f"{server}/book/01_basics.html", wait_until="load")
    panel = page.locator(".gd-live-panel")
    assert f"passed in this browser: 0 of {n_exercises}" in panel.inner_text()

    setup = page.locator("div.cell", has=page.locator(".gd-live-run")).first
    assert "import numpy as np" in setup.locator(".cell_input pre").inner_text()
    run_in_page(page, setup)
    first_result = time.perf_counter() - opened
    assert setup.get_attribute("data-live-state") == "done", setup.inner_text()

    stub = cell_with(page, "def gd_step(w, grad, lr):")
    checker = cell_with(page, 'check("ch01.gd_step", gd_step)')
    set_code(stub, "def gd_step(w, grad, lr):\n    return w + lr * grad")
    run_in_page(page, stub)
    wrong = run_in_page(page, checker)
    assert "ch01.gd_step — One gradient-descent step: not passed yet" in wrong
    assert "You moved up the slope" in wrong
    assert panel.locator("li[data-exercise='ch01.gd_step']").get_attribute("data-status") \
        == "failed"

    set_code(stub, "def gd_step(w, grad, lr):\n    return w - lr * grad")
    run_in_page(page, stub)
    right = run_in_page(page, checker)
    assert "ch01.gd_step — One gradient-descent step: passed" in right
    assert panel.locator("li[data-exercise='ch01.gd_step']").get_attribute("data-status") \
        == "passed"
    assert f"passed in this browser: 1 of {n_exercises}" in panel.inner_text()
    stored = json.loads(page.evaluate("localStorage.getItem('gdcourse-progress')"))
    assert stored["exercises"]["ch01.gd_step"]["status"] == "passed"
    page.reload(wait_until="load")                 # the progress outlives the page
    assert f"passed in this browser: 1 of {n_exercises}" in page.locator(
        ".gd-live-panel").inner_text()

    # A figure: the chapter's cells in order, up to the first that shows one.
    cells = page.locator("div.cell", has=page.locator(".gd-live-run"))
    for k in range(cells.count()):
        cell = cells.nth(k)
        run_in_page(page, cell)
        assert cell.get_attribute("data-live-state") == "done", cell.inner_text()[-1500:]
        if cell.locator(".gd-live-output img").count():
            break
    image = cell.locator(".gd-live-output img").first
    assert page.evaluate("img => img.complete && img.naturalWidth > 300", image.element_handle())
    assert image.get_attribute("alt").startswith("Figure drawn by this cell")

    # A check whose answer never ends: the grader's words, after its 2 s limit.
    stub = cell_with(page, "def gd_step(w, grad, lr):")
    set_code(stub, "def gd_step(w, grad, lr):\n    while True:\n        try:\n"
                   "            w = w - lr * grad\n        except:\n            pass")
    run_in_page(page, stub)
    assert "Your function did not finish in 2 s on" in run_in_page(page, cell_with(
        page, 'check("ch01.gd_step", gd_step)'))

    # A cell that never ends: the page answers, Stop ends Python, the next Run starts it again.
    set_code(stub, "while True:\n    pass")
    stub.locator(".gd-live-run").click()
    page.wait_for_timeout(1500)
    start = time.perf_counter()
    assert page.evaluate("1 + 1") == 2 and time.perf_counter() - start < 1.0
    assert stub.get_attribute("data-live-state") == "running"
    stub.locator(".gd-live-stop").click()
    assert "Stopped." in stub.locator(".gd-live-status").inner_text()
    setup = page.locator("div.cell", has=page.locator(".gd-live-run")).first
    run_in_page(page, setup)
    assert setup.get_attribute("data-live-state") == "done"

    # The Run bars, the panel and the outputs (a figure, the grader's verdict) pass axe-core.
    axe = ROOT / ".cache" / "axe-core" / "node_modules" / "axe-core" / "axe.min.js"
    if axe.exists():
        page.add_script_tag(path=str(axe))
        results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        found = [f"{v['id']} [{v['impact']}] at {' '.join(node['target'])}"
                 for v in results["violations"] if v["impact"] in ("serious", "critical")
                 for node in v["nodes"]]
        assert not found, "\n".join(found)

    assert not launchers_only(refused), f"requests to the network: {refused[:5]}"
    assert not errors
    loaded = sorted({u.split("/pyodide/")[1] for u in requests if "/pyodide/" in u})
    size = sum((HTML / "pyodide" / name).stat().st_size for name in loaded)
    print(f"\nchapter 1: page open to the set-up cell's result {first_result:.1f} s; "
          f"{len(loaded)} files, {size / 1e6:.1f} MB from pyodide/")


@pytest.mark.browser
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_one_exercise_of_every_chapter_passes_in_the_page(live_page, path):
    import inspect
    import re

    from gdcourse.grading import get, reference

    page, server, requests, refused, errors = live_page
    page.goto(f"{server}/book/{path.name}", wait_until="load")
    chapter = int(path.name[:2])
    stubs = page.locator("div.cell.tag_exercise-stub")
    for k in range(stubs.count()):
        name = re.match(r"def (\w+)\(", stubs.nth(k).locator(".cell_input pre").inner_text())
        if name and get(f"ch{chapter:02d}.{name[1]}").kind == "function":
            stub, ex_id = stubs.nth(k), f"ch{chapter:02d}.{name[1]}"
            break
    else:
        pytest.fail(f"no function exercise on {path.name}")
    setup = page.locator("div.cell", has=page.locator(".gd-live-run")).first
    run_in_page(page, setup)
    assert setup.get_attribute("data-live-state") == "done", setup.inner_text()[-1500:]
    set_code(stub, inspect.getsource(reference(ex_id)))
    run_in_page(page, stub)
    verdict = run_in_page(page, cell_with(page, f'check("{ex_id}"'))
    assert f"{ex_id} — {get(ex_id).title}: passed" in verdict, verdict
    item = page.locator(f".gd-live-panel li[data-exercise='{ex_id}']")
    assert item.get_attribute("data-status") == "passed"
    assert not launchers_only(refused) and not errors
