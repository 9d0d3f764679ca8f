"""How long does `check` take?  Median time per exercise, for a right and a wrong answer.

    .venv/bin/python benchmarks/bench_grading.py [--repeat 7]

Goal: the median `check` takes <= 0.3 s for every exercise.  The peer measured in the same run
is the bare cost of the hidden tests (the reference called on every case, no grading), so the
ratio shows what the grader's guarding (a worker thread per call, copies, time limit, output
capture, integrity check, diagnosis) adds.  "first" is the first check of an exercise in the
process, which also runs the reference on every case (its outputs are then kept).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("GDCOURSE_PROGRESS_FILE", os.path.join(tempfile.mkdtemp(), "progress.json"))

from gdcourse.grading import check, exercises, get, reference  # noqa: E402


def median_seconds(action, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bare_tests(exercise):
    """The peer: the reference on every hidden case, nothing else."""
    def run():
        for case in exercise.all_cases():
            if exercise.run is not None:
                exercise.run(exercise.reference, case)
            else:
                exercise.reference(*case.args, **case.kwargs)
    return run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"{'exercise':<32} {'first (s)':>10} {'right (s)':>10} {'wrong (s)':>10} "
          f"{'bare (s)':>10} {'right/bare':>11}")
    worst, rights, wrongs = 0.0, [], []
    for ex_id in exercises():
        exercise = get(ex_id)
        first = median_seconds(lambda: check(ex_id, reference(ex_id)), 1)
        right = median_seconds(lambda: check(ex_id, reference(ex_id)), args.repeat)
        wrong_answer = exercise.mistakes[0].code if exercise.mistakes else None
        wrong = median_seconds(lambda: check(ex_id, wrong_answer), args.repeat)
        bare = median_seconds(bare_tests(exercise), args.repeat) if exercise.kind == "function" else float("nan")
        worst = max(worst, right, wrong)
        rights.append(right)
        wrongs.append(wrong)
        print(f"{ex_id:<32} {first:>10.4f} {right:>10.4f} {wrong:>10.4f} {bare:>10.4f} "
              f"{right / bare:>11.1f}")
    print(f"\nmedian over the exercises: right {statistics.median(rights):.4f} s, "
          f"wrong {statistics.median(wrongs):.4f} s")
    verdict = "met" if worst <= 0.3 else "NOT met"
    print(f"slowest median check: {worst:.3f} s (goal <= 0.3 s): {verdict}")


if __name__ == "__main__":
    main()
