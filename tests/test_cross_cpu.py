"""The cross-CPU check of `make test` (tools/cross_cpu.py): its variants differ from this
machine's defaults, really take effect, and really change the arithmetic."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import cross_cpu  # noqa: E402

ALL_KERNELS = list(cross_cpu.KERNEL_NEEDS)


@pytest.mark.parametrize("default", ["SkylakeX", "Haswell", "Sandybridge", "Katmai"])
def test_two_variants_avoid_the_default_kernel(default):
    variants = cross_cpu.two_variants(default, ALL_KERNELS)
    assert len(variants) == 2
    for variant in variants:
        reported = cross_cpu.REPORTED_AS.get(variant.kernel, variant.kernel)
        assert default not in (variant.kernel, reported), variant
    assert variants[0].env["NPY_DISABLE_CPU_FEATURES"] and variants[0].env["OPENBLAS_NUM_THREADS"] == "1"


def test_no_variant_on_a_cpu_without_known_kernels():
    assert cross_cpu.two_variants("ARMV8", []) == []


def test_kernels_need_their_instruction_sets(monkeypatch):
    monkeypatch.setattr(cross_cpu.platform, "machine", lambda: "x86_64")
    monkeypatch.setattr(cross_cpu, "cpu_flags", lambda: {"pni", "avx"})
    assert cross_cpu.runnable_kernels() == ["Prescott", "Sandybridge"]


DOT = ("import numpy as np; rng = np.random.default_rng(0); "
       "x, y = rng.standard_normal((2, 1001)); A = rng.standard_normal((200, 1001)); "
       "print(repr(float(x @ y)), repr(float(np.sum(A @ x))))")


@pytest.mark.skipif(not cross_cpu.runnable_kernels(), reason="no OpenBLAS kernel to force here")
def test_the_first_variant_loads_and_computes_differently():
    default = cross_cpu.probe()
    variant = cross_cpu.two_variants(default[0], cross_cpu.runnable_kernels())[0]
    kernel, simd = cross_cpu.probe(variant.env)
    assert kernel != default[0] and simd == "baseline"
    results = [subprocess.run([sys.executable, "-c", DOT], env={**os.environ, **env},
                              capture_output=True, text=True, check=True).stdout
               for env in ({}, variant.env)]
    assert results[0] != results[1], "the variant computes the same bits: it tests nothing"
