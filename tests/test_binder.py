"""Do what Binder does: a fresh virtual environment from requirements.txt alone, then every
chapter notebook executes in it.  Slow (a full install): run with `make test-binder`
(`.ci/run` does)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]

RUNNER = """
import sys, time, nbformat
from nbclient import NotebookClient
for name in sys.argv[1:]:
    nb = nbformat.read(name, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": "book"}}).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    print(f"{name}: {time.perf_counter() - start:.1f} s, {len(errors)} errors", flush=True)
    assert not errors, name
import gdcourse, importlib.util
print("gdcourse from", gdcourse.__file__)
print("torch installed:", importlib.util.find_spec("torch") is not None)
"""


def test_fresh_environment_from_requirements_runs_every_notebook(tmp_path):
    venv = tmp_path / "binder-env"
    python = venv / "bin" / "python"
    env = {**os.environ, "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data"),
           "JUPYTER_PATH": str(venv / "share" / "jupyter"), "PIP_DISABLE_PIP_VERSION_CHECK": "1",
           "GDCOURSE_PROGRESS_FILE": str(tmp_path / "progress.json")}
    env.pop("VIRTUAL_ENV", None)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r", "requirements.txt"],
                   cwd=ROOT, env=env, check=True)
    installed = time.perf_counter() - start
    notebooks = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
    done = subprocess.run([str(python), "-c", RUNNER, *notebooks], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=3600)
    total = time.perf_counter() - start
    report = (f"install {installed:.0f} s, total {total:.0f} s\n{done.stdout}\n{done.stderr[-3000:]}")
    print(report)
    (ROOT / "_build").mkdir(exist_ok=True)
    (ROOT / "_build" / "binder-test.txt").write_text(report)
    assert done.returncode == 0, report
    assert "torch installed: False" in done.stdout, "torch must stay out of the reader environment"
    assert done.stdout.count(" 0 errors") == len(notebooks)
