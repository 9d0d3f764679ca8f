/* gdcourse live code: Python (Pyodide) in a Web Worker, so that the page stays responsive
 * whatever a cell does, and "Stop" can end it (worker.terminate()).  Started by
 * gdcourse-live.js on the first "Run" with ?base=<URL of the site's pyodide/ folder>.
 *
 * Messages in:  {type: "init", progress: "<progress.json text or ''>"}
 *               {type: "run", id, code}
 * Messages out: {type: "status", text}            while starting
 *               {type: "ready", seconds}          Python and the packages are loaded
 *               {type: "output", id, kind, data, alt}   (see gdcourse/browser.py)
 *               {type: "done", id, ok, progress}  the cell ended; the progress file's text
 *               {type: "failed", text}            Python could not start
 */
"use strict";

const base = new URL(self.location.href).searchParams.get("base");
const PROGRESS = "/home/pyodide/.gdcourse/progress.json";
let pyodide = null;
let namespace = null;
let runCell = null;

async function start(progress) {
  const started = performance.now();
  importScripts(base + "pyodide.js");
  const live = await (await fetch(base + "live.json")).json();
  postMessage({type: "status", text: "Starting Python…"});
  pyodide = await loadPyodide({
    indexURL: base,
    env: {HOME: "/home/pyodide", MPLBACKEND: "module://gdcourse.browser",
          GDCOURSE_STATIC: "1", GDCOURSE_PROGRESS_FILE: PROGRESS},
  });
  postMessage({type: "status", text: "Loading NumPy, SciPy, scikit-learn, matplotlib…"});
  await pyodide.loadPackage([...live.packages, base + live.gdcourse_wheel],
                            {messageCallback: () => {}});
  if (progress) {
    pyodide.FS.mkdirTree("/home/pyodide/.gdcourse");
    pyodide.FS.writeFile(PROGRESS, progress);
  }
  // matplotlib builds its font cache on first import: here, not in the reader's first cell.
  pyodide.runPython("import matplotlib.pyplot");
  runCell = pyodide.pyimport("gdcourse.browser").run_cell;
  namespace = pyodide.globals.get("dict")();
  postMessage({type: "ready", seconds: (performance.now() - started) / 1000});
}

function readProgress() {
  try {
    return pyodide.FS.readFile(PROGRESS, {encoding: "utf8"});
  } catch (e) {
    return "";
  }
}

const ready = new Promise((resolve) => { self.resolveReady = resolve; });

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === "init") {
    try {
      await start(message.progress);
      self.resolveReady();
    } catch (error) {
      postMessage({type: "failed", text: String(error && error.message || error)});
    }
    return;
  }
  if (message.type === "run") {
    await ready;
    const id = message.id;
    const emit = (kind, data, alt) => postMessage({type: "output", id, kind, data, alt});
    let ok = false;
    try {
      ok = runCell(message.code, namespace, emit);
    } catch (error) {
      emit("error", String(error && error.message || error), "");
    }
    postMessage({type: "done", id, ok, progress: readProgress()});
  }
};
