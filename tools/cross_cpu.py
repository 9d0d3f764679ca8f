"""Run the notebook comparison (nbval) as other CPUs would compute it.

A learner's processor is not the one that recorded the stored outputs.  Two things in the
numerical stack change with the processor, and both can change the last bits of a result:

* **OpenBLAS** (behind ``A @ x``, ``np.dot``, ``np.linalg``) picks a *kernel* for the CPU
  (Prescott, Sandybridge, Haswell, Zen, SkylakeX, ...): another order of additions, with or
  without fused multiply-adds.  ``OPENBLAS_CORETYPE`` forces one; ``OPENBLAS_NUM_THREADS``
  changes how a long sum is split between threads.
* **NumPy** picks SIMD code paths (AVX2, AVX-512, ...) for ``exp``, ``log``, ``power`` and for
  sorting, whose ties may come out in another order.  ``NPY_DISABLE_CPU_FEATURES`` turns
  them off.

This script runs nbval over ``book/`` under two *variants* that differ from this machine's
defaults, in parallel, and fails if any stored output differs.  A cell that only passes on
the CPU that recorded it then fails here, not on a learner's laptop.

    python tools/cross_cpu.py            # the two variants (what `make test` runs)
    python tools/cross_cpu.py --all      # every kernel this CPU can run, one after another
    python tools/cross_cpu.py --list     # only show the variants and check they take effect

Each variant is checked before it is used: a child Python reports, through threadpoolctl,
the kernel OpenBLAS really loaded, which must be the one asked for and not the default.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# CPU flags (as /proc/cpuinfo names them) each OpenBLAS x86-64 kernel needs.
KERNEL_NEEDS = {
    "Prescott": {"pni"},                                   # SSE3
    "Sandybridge": {"avx"},
    "Haswell": {"avx2", "fma"},
    "Zen": {"avx2", "fma"},
    "SkylakeX": {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"},
}
# The name threadpoolctl reports for a forced kernel, where OpenBLAS's dynamic build loads
# another core's code under that name (Zen runs the Haswell kernels).
REPORTED_AS = {"Prescott": "Katmai", "Zen": "Haswell"}
# NumPy's dispatch targets above its x86-64 baseline: disabling them leaves the baseline code.
NUMPY_SIMD_ABOVE_BASELINE = "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"

PROBE = ("import numpy, threadpoolctl\n"
         "from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__\n"
         "print(next(i.get('architecture') for i in threadpoolctl.threadpool_info() "
         "if i.get('internal_api') == 'openblas'))\n"
         "print(' '.join(t for t in __cpu_dispatch__ if __cpu_features__.get(t)) or 'baseline')")


@dataclass
class Variant:
    """One way another CPU could compute: environment variables set on top of ours."""

    name: str
    env: dict = field(default_factory=dict)

    @property
    def kernel(self) -> str | None:
        return self.env.get("OPENBLAS_CORETYPE")


def cpu_flags() -> set[str]:
    """The CPU's feature flags (Linux); empty where /proc/cpuinfo is not readable."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    line = next((ln for ln in text.splitlines() if ln.startswith("flags")), "")
    return set(line.partition(":")[2].split())


def probe(env_extra: dict | None = None) -> tuple[str, str]:
    """The OpenBLAS kernel and the NumPy SIMD targets a fresh Python really uses with
    ``env_extra`` set."""
    env = {**os.environ, **(env_extra or {})}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                         text=True, check=True)
    kernel, simd = out.stdout.strip().splitlines()
    return kernel, simd


def runnable_kernels() -> list[str]:
    """The kernels of :data:`KERNEL_NEEDS` this CPU can execute."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return []
    flags = cpu_flags()
    return [kernel for kernel, needs in KERNEL_NEEDS.items() if needs <= flags]


def two_variants(default: str, kernels: list[str]) -> list[Variant]:
    """Two variants as unlike this machine as it can be made to compute.

    1. the oldest kernel (Prescott: SSE3, no FMA) with NumPy's baseline SIMD and one thread;
    2. another kernel with a different instruction set (Sandybridge: AVX without FMA, or
       another of the FMA kernels), NumPy and threads as they are.
    """
    others = [k for k in kernels
              if default.lower() not in {k.lower(), REPORTED_AS.get(k, k).lower()}]
    first = "Prescott" if "Prescott" in others else (others[0] if others else None)
    variants = []
    if first:
        variants.append(Variant(f"{first}+numpy-baseline+1-thread",
                                {"OPENBLAS_CORETYPE": first, "OPENBLAS_NUM_THREADS": "1",
                                 "NPY_DISABLE_CPU_FEATURES": NUMPY_SIMD_ABOVE_BASELINE}))
    second = next((k for k in ("Sandybridge", "SkylakeX", "Haswell", "Zen") if k in others
                   and k != first), None)
    if second:
        variants.append(Variant(second, {"OPENBLAS_CORETYPE": second}))
    return variants


def every_kernel(kernels: list[str]) -> list[Variant]:
    """One variant per runnable kernel, plus Prescott with NumPy's baseline SIMD."""
    variants = [Variant(k, {"OPENBLAS_CORETYPE": k}) for k in kernels]
    if "Prescott" in kernels:
        variants.append(Variant("Prescott+numpy-baseline",
                                {"OPENBLAS_CORETYPE": "Prescott",
                                 "NPY_DISABLE_CPU_FEATURES": NUMPY_SIMD_ABOVE_BASELINE}))
    return variants


def verified(variants: list[Variant], default: tuple[str, str]) -> list[Variant]:
    """The variants, once each is seen to take effect in a fresh Python; else an error."""
    for variant in variants:
        kernel, simd = probe(variant.env)
        expected = REPORTED_AS.get(variant.kernel, variant.kernel)
        if variant.kernel and kernel.lower() not in {variant.kernel.lower(), expected.lower()}:
            raise SystemExit(f"{variant.name}: asked OpenBLAS for {variant.kernel}, "
                             f"it loaded {kernel}")
        if "NPY_DISABLE_CPU_FEATURES" in variant.env and simd != "baseline":
            raise SystemExit(f"{variant.name}: NumPy still dispatches to {simd}")
        print(f"  {variant.name:34s} OpenBLAS {kernel:11s} NumPy SIMD {simd:28s} "
              f"(default here: {default[0]}, {default[1]})")
    return variants


def start_nbval(variant: Variant, paths: list[str], log: Path) -> subprocess.Popen:
    """nbval over ``paths`` in a child pytest with the variant's environment."""
    env = {**os.environ, **variant.env,
           "GDCOURSE_PROGRESS_FILE": str(log.with_suffix(".progress.json"))}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
               "--nbval-current-env", *paths]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT)


def run(variants: list[Variant], paths: list[str], parallel: bool) -> int:
    """Run nbval under each variant; print one line each (and the failures); 1 if any failed."""
    logs = Path(tempfile.mkdtemp(prefix="gdcourse-cross-cpu-"))
    failed = 0
    batches = [variants] if parallel else [[v] for v in variants]
    for batch in batches:
        started = time.perf_counter()
        jobs = [(v, start_nbval(v, paths, logs / f"{v.name}.log")) for v in batch]
        for variant, job in jobs:
            code = job.wait()
            log = (logs / f"{variant.name}.log").read_text()
            summary = log.strip().splitlines()[-1] if log.strip() else "no output"
            print(f"  {variant.name:34s} {summary}  [{time.perf_counter() - started:.0f} s]")
            if code != 0:
                failed += 1
                print(log[-6000:])
    return 1 if failed else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", action="store_true", help="every runnable kernel, in turn")
    parser.add_argument("--list", action="store_true", help="only show and verify the variants")
    parser.add_argument("paths", nargs="*", default=["book/"], help="notebooks (default: book/)")
    args = parser.parse_args(argv)

    default = probe()
    kernels = runnable_kernels()
    variants = every_kernel(kernels) if args.all else two_variants(default[0], kernels)
    if not variants:
        print(f"cross-CPU check skipped: no other OpenBLAS kernel is known for "
              f"{platform.machine()} (default kernel {default[0]})")
        return 0
    print(f"nbval under {len(variants)} other ways of computing:")
    verified(variants, default)
    if args.list:
        return 0
    return run(variants, args.paths, parallel=not args.all)


if __name__ == "__main__":
    sys.exit(main())
