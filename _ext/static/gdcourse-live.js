/* gdcourse live code: a "Run" button and an editable code area on every code cell.
 *
 * Reading a page loads nothing more than this file.  The first "Run" starts Python (Pyodide,
 * served by the site itself from pyodide/) in a Web Worker; the cells of the page share one
 * namespace, as in a notebook.  A cell that runs too long never freezes the page: "Stop" ends
 * the worker (Python restarts on the next Run).  Which exercises passed is kept in this
 * browser (localStorage, key "gdcourse-progress": the grader's progress.json) and shown at the
 * top of the page; nothing leaves the machine.
 */
(function () {
  "use strict";
  const script = document.currentScript;
  const SITE = new URL("../", script.src);           // the script lives in _static/
  const BASE = new URL("pyodide/", SITE).href;
  const KEY = "gdcourse-progress";
  const CHECK = /check\(\s*["'](ch\d+\.\w+)["']/g;
  let worker = null;
  let nextId = 1;
  const running = new Map();                        // run id -> cell state

  function loadProgress() {
    try {
      return JSON.parse(localStorage.getItem(KEY) || "{}").exercises || {};
    } catch (e) {
      return {};
    }
  }

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    if (text) node.textContent = text;
    return node;
  }

  // ------------------------------------------------------------------ progress panel
  function exercisesOnPage(cells) {
    const ids = [];
    for (const cell of cells) {
      for (const match of cell.code().matchAll(CHECK)) {
        if (!ids.includes(match[1])) ids.push(match[1]);
      }
    }
    return ids;
  }

  function buildPanel(cells) {
    const ids = exercisesOnPage(cells);
    const panel = element("div", {class: "gd-live-panel", role: "region",
                                  "aria-label": "Live code and your progress"});
    panel.append(element("p", {}, "Every code cell below can be edited and run in this page " +
      "(Run, or Shift+Enter in the code). The first Run starts Python in your browser and " +
      "loads about 50 MB from this site; the cells share their variables, as in a notebook, " +
      "so run the set-up cell first."));
    if (ids.length) {
      const summary = element("p", {class: "gd-live-summary", "aria-live": "polite"});
      const list = element("ul", {class: "gd-live-exercises"});
      panel.append(summary, list);
      panel.refresh = () => {
        const progress = loadProgress();
        const passed = ids.filter((id) => (progress[id] || {}).status === "passed").length;
        summary.textContent = `Exercises of this chapter passed in this browser: ${passed} ` +
          `of ${ids.length}.`;
        list.replaceChildren(...ids.map((id) => {
          const status = (progress[id] || {}).status || "not_attempted";
          const words = {passed: "✓ passed", failed: "✗ not passed yet",
                         not_attempted: "○ not attempted"}[status] || status;
          return element("li", {"data-exercise": id, "data-status": status},
                         `${id}: ${words}`);
        }));
      };
      panel.refresh();
    }
    const title = document.querySelector("main h1, article h1");
    const section = title && title.closest("section");
    if (section) title.after(panel);
    else (document.querySelector("article") || document.body).prepend(panel);
    return panel;
  }

  // ------------------------------------------------------------------ the worker
  function startWorker(onStatus) {
    worker = new Worker(new URL("gdcourse-live-worker.js?base=" + encodeURIComponent(BASE),
                                script.src));
    worker.onmessage = (event) => handle(event.data, onStatus);
    worker.onerror = (event) => failAll("Python could not start: " + (event.message || "error"));
    worker.postMessage({type: "init", progress: localStorage.getItem(KEY) || ""});
  }

  function failAll(text) {
    for (const state of running.values()) state.finish(false, text);
    running.clear();
    if (worker) worker.terminate();
    worker = null;
  }

  function handle(message, onStatus) {
    if (message.type === "status") onStatus(message.text);
    else if (message.type === "ready") onStatus(`Python ready (${message.seconds.toFixed(1)} s).`);
    else if (message.type === "failed") failAll("Python could not start: " + message.text);
    else if (message.type === "output") {
      const state = running.get(message.id);
      if (state) state.output(message.kind, message.data, message.alt);
    } else if (message.type === "done") {
      if (message.progress) localStorage.setItem(KEY, message.progress);
      const state = running.get(message.id);
      running.delete(message.id);
      if (state) state.finish(message.ok, message.ok ? "Done." : "The cell raised an error.");
    }
  }

  function stopPython() {
    const text = "Stopped. Python was ended; the next Run starts it afresh, so run the " +
      "chapter's earlier cells (the set-up cell first) again.";
    failAll(text);
  }

  // ------------------------------------------------------------------ one cell
  function liveCell(cell, number, panel) {
    const input = cell.querySelector(".cell_input");
    const pre = input.querySelector("pre");
    pre.setAttribute("contenteditable", "plaintext-only");
    if (pre.contentEditable !== "plaintext-only") pre.setAttribute("contenteditable", "true");
    pre.setAttribute("role", "textbox");
    pre.setAttribute("aria-multiline", "true");
    pre.setAttribute("aria-label", `Code of cell ${number}, editable`);
    pre.setAttribute("spellcheck", "false");
    pre.tabIndex = 0;

    const bar = element("div", {class: "gd-live-bar"});
    const run = element("button", {type: "button", class: "gd-live-run",
                                   "aria-label": `Run cell ${number} in the page`}, "Run");
    const stop = element("button", {type: "button", class: "gd-live-stop", hidden: "",
                                    "aria-label": `Stop Python (cell ${number} is running)`},
                         "Stop");
    const status = element("span", {class: "gd-live-status", role: "status"});
    bar.append(run, stop, status);
    const out = element("div", {class: "gd-live-output", "aria-label":
                                `Output of cell ${number}`, role: "region"});
    out.hidden = true;
    input.after(bar, out);

    let lastStream = null;
    const state = {
      output(kind, data, alt) {
        out.hidden = false;
        if (kind === "stream") {
          if (!lastStream) {
            lastStream = element("pre", {class: "gd-live-stream", tabindex: "0"});
            out.append(lastStream);
          }
          lastStream.textContent += data;
          return;
        }
        lastStream = null;
        if (kind === "png") {
          out.append(element("img", {src: "data:image/png;base64," + data, alt: alt}));
        } else if (kind === "html") {
          const box = element("div", {class: "gd-live-html"});
          box.innerHTML = data;
          for (const old of box.querySelectorAll("script")) {   // run the HTML's scripts
            const fresh = element("script", {}, old.textContent);
            old.replaceWith(fresh);
          }
          out.append(box);
        } else {
          out.append(element("pre", {class: kind === "error" ? "gd-live-error" : "gd-live-text",
                                     tabindex: "0"}, data));
        }
      },
      finish(ok, text) {
        run.disabled = false;
        stop.hidden = true;
        status.textContent = text;
        cell.dataset.liveState = ok ? "done" : "error";
        if (panel.refresh) panel.refresh();
      },
    };

    function go() {
      if (location.protocol === "file:") {
        status.textContent = "Live code needs the book served over HTTP (for example " +
          "`python -m http.server` in the book's folder): opened from a file, the browser " +
          "refuses to load Python.";
        return;
      }
      const id = nextId++;
      running.set(id, state);
      out.replaceChildren();
      out.hidden = true;
      lastStream = null;
      const stored = cell.querySelector(".cell_output");
      if (stored) stored.hidden = true;
      run.disabled = true;
      stop.hidden = false;
      cell.dataset.liveState = "running";
      status.textContent = worker ? "Running…" : "Starting Python (the first run loads " +
        "about 50 MB; later runs start at once)…";
      if (!worker) startWorker((text) => { status.textContent = text; });
      worker.postMessage({type: "run", id, code: pre.innerText.replace(/\n$/, "")});
    }

    run.addEventListener("click", go);
    stop.addEventListener("click", stopPython);
    pre.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.shiftKey) {
        event.preventDefault();
        go();
      }
    });
  }

  function init() {
    const cells = Array.from(document.querySelectorAll("div.cell"))
      .filter((cell) => cell.querySelector(".cell_input pre"));
    if (!cells.length) return;
    const wrapped = cells.map((cell) => ({cell, code: () =>
      cell.querySelector(".cell_input pre").innerText}));
    const panel = buildPanel(wrapped);
    cells.forEach((cell, k) => liveCell(cell, k + 1, panel));
    // The theme takes code blocks that do not scroll out of the tab order: not editable ones.
    const reachable = () => cells.forEach((cell) => {
      cell.querySelector(".cell_input pre").tabIndex = 0;
    });
    window.addEventListener("load", () => setTimeout(reachable, 0));
    window.addEventListener("storage", (event) => {
      if (event.key === KEY && panel.refresh) panel.refresh();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
