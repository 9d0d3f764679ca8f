"""Chapter sources <-> notebooks.

Each chapter is written as a MyST Markdown notebook in ``book/_src/NN_name.md`` (markdown
text, ``+++`` between markdown cells, and fenced ``{code-cell}`` blocks with an optional
``:tags: [...]`` line and an ``:alt: ...`` line giving the alt text of the figure the
cell draws).  The committed ``book/NN_name.ipynb`` -- what Jupyter, nbval and the
book use -- is generated from it and executed, so its stored outputs are real.

    python tools/nbsource.py build  [chapter.md ...]   # write the .ipynb files (no outputs)
    python tools/nbsource.py check                      # fail if a notebook differs from its source
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SRC, BOOK = ROOT / "book" / "_src", ROOT / "book"
OPEN = re.compile(r"^```\{code-cell\}[^\n]*$")


def parse(text: str) -> list[dict]:
    """Split a MyST notebook source into ``{"type", "source", "tags"}`` cells."""
    cells, markdown, lines, i = [], [], text.splitlines(), 0

    def flush_markdown():
        body = "\n".join(markdown).strip("\n")
        if body.strip():
            cells.append({"type": "markdown", "source": body, "tags": [], "alt": None})
        markdown.clear()

    while i < len(lines):
        line = lines[i]
        if OPEN.match(line):
            flush_markdown()
            i, tags, alt, code = i + 1, [], None, []
            while i < len(lines) and lines[i].startswith(":"):
                key, _, value = lines[i][1:].partition(":")
                if key.strip() == "tags":
                    tags = [t.strip().strip("'\"") for t in value.strip().strip("[]").split(",") if t.strip()]
                elif key.strip() == "alt":
                    alt = value.strip()
                else:
                    raise ValueError(f"line {i + 1}: unknown code-cell option {key!r} (use tags or alt)")
                i += 1
            if i < len(lines) and not lines[i].strip():
                i += 1
            while i < len(lines) and lines[i] != "```":
                code.append(lines[i])
                i += 1
            cells.append({"type": "code", "source": "\n".join(code).strip("\n"), "tags": tags, "alt": alt})
        elif line.strip() == "+++":
            flush_markdown()
        else:
            markdown.append(line)
        i += 1
    flush_markdown()
    return cells


def to_notebook(cells: list[dict]):
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for cell in cells:
        make = nbformat.v4.new_code_cell if cell["type"] == "code" else nbformat.v4.new_markdown_cell
        new = make(cell["source"])
        if cell["tags"]:
            new.metadata["tags"] = cell["tags"]
        if cell["alt"]:
            new.metadata["mystnb"] = {"image": {"alt": cell["alt"]}}
        nb.cells.append(new)
    for index, cell in enumerate(nb.cells):       # stable ids keep diffs small
        cell["id"] = f"cell-{index:03d}"
    return nb


def notebook_for(source: Path) -> Path:
    return BOOK / f"{source.stem}.ipynb"


def build(sources):
    for source in sources:
        nb = to_notebook(parse(source.read_text(encoding="utf-8")))
        nbformat.write(nb, notebook_for(source))
        print(f"wrote {notebook_for(source).relative_to(ROOT)} ({len(nb.cells)} cells)")


def differences(source: Path) -> list[str]:
    """Cells whose type, source or tags differ between a chapter source and its notebook."""
    expected = parse(source.read_text(encoding="utf-8"))
    target = notebook_for(source)
    if not target.exists():
        return [f"{target.name} is missing"]
    actual = nbformat.read(target, as_version=4).cells
    problems = []
    if len(expected) != len(actual):
        problems.append(f"{target.name}: {len(actual)} cells, source has {len(expected)}")
    for k, (want, have) in enumerate(zip(expected, actual)):
        tags = list(have.get("metadata", {}).get("tags", []))
        alt = have.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt")
        if (want["type"], want["source"], want["tags"], want["alt"]) != (have.cell_type, have.source, tags, alt):
            problems.append(f"{target.name}: cell {k} differs from its source")
    return problems


def main(argv):
    command, *names = argv or ["check"]
    sources = [Path(n).resolve() for n in names] or sorted(SRC.glob("*.md"))
    if command == "build":
        build(sources)
        return 0
    problems = [p for s in sources for p in differences(s)]
    print("\n".join(problems) or f"{len(sources)} notebooks match their sources")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
