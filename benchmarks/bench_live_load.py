"""What a reader waits for and downloads on the first "Run" of the book's live code.

    .venv/bin/python benchmarks/bench_live_load.py [--repeat 3] [--page book/01_basics.html]

Serves the built book (``make book``) over HTTP on 127.0.0.1, opens the page in headless
Chromium with a fresh profile (empty cache) and every other host unreachable, clicks Run on its
first code cell (the set-up cell: numpy, matplotlib, scikit-learn, gdcourse) and reports the
time from opening the page to the cell's result, and the bytes fetched from ``pyodide/`` (as
stored, and gzipped as a compressing server would send them).  The peer measured in the same run is a second Run of the same cell:
Python already started, the cell's own cost.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import shutil
import statistics
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

HTML = Path(__file__).resolve().parents[1] / "_build" / "html"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
DONE = "el => ['done', 'error'].includes(el.dataset.liveState)"


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def one_run(browser, url):
    context = browser.new_context()
    page = context.new_page()
    fetched = []
    context.on("request", lambda r: fetched.append(r.url))       # the worker's too
    opened = time.perf_counter()
    page.goto(url, wait_until="load")
    cell = page.locator("div.cell", has=page.locator(".gd-live-run")).first
    cell.locator(".gd-live-run").click()
    page.wait_for_function(DONE, arg=cell.element_handle(), timeout=600_000)
    first = time.perf_counter() - opened
    cell.evaluate("el => { el.dataset.liveState = 'again'; }")
    again = time.perf_counter()
    cell.locator(".gd-live-run").click()
    page.wait_for_function(DONE, arg=cell.element_handle(), timeout=600_000)
    second = time.perf_counter() - again
    context.close()
    names = sorted({u.split("/pyodide/")[1] for u in fetched if "/pyodide/" in u})
    return first, second, names


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--page", default="book/01_basics.html")
    args = parser.parse_args()
    if not (HTML / "pyodide" / "live.json").exists():
        raise SystemExit("the book was built without live code: run `make book` first")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(Quiet, directory=str(HTML)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/{args.page}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=FLAGS)
        runs = [one_run(browser, url) for _ in range(args.repeat)]
        browser.close()
    httpd.shutdown()
    names = runs[0][2]
    stored = sum((HTML / "pyodide" / n).stat().st_size for n in names)
    zipped = sum(len(gzip.compress((HTML / "pyodide" / n).read_bytes(), 6)) for n in names)
    firsts, seconds = [r[0] for r in runs], [r[1] for r in runs]
    print(f"{args.page}: first Run, page open to the result: median {statistics.median(firsts):.1f} s "
          f"(runs: {', '.join(f'{t:.1f}' for t in firsts)})")
    print(f"  the same cell run again (Python started): median {statistics.median(seconds):.2f} s")
    print(f"  fetched from pyodide/: {len(names)} files, {stored / 1e6:.1f} MB "
          f"({zipped / 1e6:.1f} MB gzipped)")


if __name__ == "__main__":
    main()
