"""The ``>>>`` examples in the package's docstrings run, and print what they show."""

import doctest
import importlib
import pkgutil

import pytest

import gdcourse

MODULES = sorted(info.name for info in pkgutil.walk_packages(gdcourse.__path__, "gdcourse."))
# Modules whose docstrings teach with examples: each must keep at least one.
WITH_EXAMPLES = ["gdcourse._validation", "gdcourse.descent", "gdcourse.objectives",
                 "gdcourse.optim", "gdcourse.variants"]


def run_examples(name):
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    return doctest.testmod(module, optionflags=flags, report=True, verbose=False)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_pass(name):
    failed, attempted = run_examples(name)
    assert failed == 0, f"{failed} of the {attempted} examples of {name} failed (see stdout)"


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_the_modules_that_teach_by_example_have_examples(name):
    assert name in MODULES
    assert run_examples(name).attempted > 0
