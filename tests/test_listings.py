"""The package code the book shows (``literalinclude`` with ``:pyobject:``) fits the page:
no line wider than the 88 characters the theme shows without scrolling, the reference
solutions of ``gdcourse/solutions/`` (shown after the exercises) included."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WIDTH = 88
LISTING = re.compile(r"```\{literalinclude\} \.\./(\S+)\n:pyobject: (\S+)")


def listings():
    """``(chapter, file, object)`` for every package object a chapter shows."""
    found = []
    for chapter in sorted((ROOT / "book" / "_src").glob("*.md")):
        for path, name in LISTING.findall(chapter.read_text(encoding="utf-8")):
            if path.startswith("gdcourse/"):
                found.append((chapter.name, path, name))
    return found


def source_lines(path, dotted_name):
    """The lines of ``dotted_name`` (``Class.method`` or ``function``) in ``path``."""
    text = (ROOT / path).read_text(encoding="utf-8")
    node = ast.parse(text)
    for part in dotted_name.split("."):
        node = next(child for child in ast.iter_child_nodes(node)
                    if isinstance(child, (ast.FunctionDef, ast.ClassDef)) and child.name == part)
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return text.splitlines()[first - 1:node.end_lineno]


def test_the_book_shows_package_listings():
    shown = {(path, name) for _, path, name in listings()}
    assert ("gdcourse/descent.py", "_descend") in shown
    assert ("gdcourse/variants.py", "_epoch") in shown
    assert ("gdcourse/optim.py", "Adam.update") in shown


@pytest.mark.parametrize("chapter, path, name", listings(),
                         ids=[f"{c}:{n}" for c, _, n in listings()])
def test_a_listing_fits_the_page(chapter, path, name):
    wide = [line for line in source_lines(path, name) if len(line) > WIDTH]
    assert not wide, f"{chapter} shows {path}:{name} with lines over {WIDTH} characters: {wide}"
