"""Wrong answers that the hidden tests used to accept, feedback that did not say where the error
is, and the one rule for answer formats.

Each answer below is written the way a learner would write it from the exercise statement.
(The references passing every check, and each catalogued mistake getting its own hint, are
tested for every exercise in test_exercises.py.)
"""

import numpy as np
import pytest

from gdcourse.grading import check, get, reference


@pytest.fixture(autouse=True)
def private_progress(tmp_path, monkeypatch):
    monkeypatch.setenv("GDCOURSE_PROGRESS_FILE", str(tmp_path / "progress.json"))


def hint_of(ex_id, name):
    return next(m.hint for m in get(ex_id).mistakes if m.name == name)


# ------------------------------------------------------------------ should_stop
def first_criterion(losses, grad_norm, max_iter, loss_tol, grad_tol, age, patience):
    t = len(losses) - 1
    criteria = [("grad_tol", grad_norm <= grad_tol), ("loss_tol", losses[-1] <= loss_tol),
                ("patience", age >= patience), ("max_iter", t >= max_iter)]
    return next((name for name, met in criteria if met), None)


def should_stop_last_best(losses, grad_norm, max_iter, loss_tol, grad_tol, patience):
    last_best = np.flatnonzero(losses == losses.min())[-1]          # the last occurrence
    age = len(losses) - 1 - last_best
    return first_criterion(losses, grad_norm, max_iter, loss_tol, grad_tol, age, patience)


def should_stop_impatient(losses, grad_norm, max_iter, loss_tol, grad_tol, patience):
    age = len(losses) - 1 - int(np.argmin(losses)) + 1              # one iteration early
    return first_criterion(losses, grad_norm, max_iter, loss_tol, grad_tol, age, patience)


@pytest.mark.parametrize("answer, mistake", [
    (should_stop_last_best, "last occurrence of the best loss"),
    (should_stop_impatient, "patience one too early"),
])
def test_should_stop_separates_first_and_last_best_and_an_age_of_patience_minus_one(
        answer, mistake):
    result = check("ch03.should_stop", answer)
    assert not result.passed
    assert result.hint == hint_of("ch03.should_stop", mistake)


def test_should_stop_says_which_criterion_was_returned():
    def always_budget(losses, grad_norm, max_iter, loss_tol, grad_tol, patience):
        return "max_iter"

    result = check("ch03.should_stop", always_budget)
    assert result.summary.startswith("Your function returned 'max_iter' where another answer")


# ------------------------------------------------------------------ predicted_iterations
def test_predicted_iterations_has_tolerances_that_are_exact_powers_of_q():
    def truncated_plus_one(kappa, eps):
        q = (kappa - 1) / (kappa + 1)
        return int(np.log(eps) / np.log(q)) + 1

    result = check("ch03.predicted_iterations", truncated_plus_one)
    assert not result.passed and "eps = q^10 exactly" in result.summary
    assert result.hint == hint_of("ch03.predicted_iterations", "truncated plus one")


@pytest.mark.parametrize("convert, name", [(np.float64, "float64"), (np.int64, "int64")])
def test_predicted_iterations_must_be_a_python_int(convert, name):
    def numpy_count(kappa, eps):
        return convert(reference("ch03.predicted_iterations")(kappa, eps))

    result = check("ch03.predicted_iterations", numpy_count)
    assert not result.passed
    assert f"returned a NumPy {name}; the statement asks for a Python int" in result.summary


# ------------------------------------------------------------------ numerical_gradient
def test_numerical_gradient_that_changes_w_and_restores_it_arithmetically_fails():
    def numerical_gradient(f, w, eps):
        g = np.zeros(len(w))
        for i in range(len(w)):
            w[i] += eps
            up = f(w)
            w[i] -= 2 * eps
            down = f(w)
            w[i] += eps                      # back to where it was, up to round-off
            g[i] = (up - down) / (2 * eps)
        return g

    result = check("ch02.numerical_gradient", numerical_gradient)
    assert not result.passed
    assert "changed an input array in place, which this exercise does not allow" in result.summary


# ------------------------------------------------------------------ classify_stationary_point
def test_exact_sign_tests_fail_on_rotated_singular_hessians():
    def classify_stationary_point(H):
        signs = set(np.sign(np.linalg.eigvalsh(H)))
        if signs == {1.0}:
            return "minimum"
        if signs == {-1.0}:
            return "maximum"
        return "saddle" if {1.0, -1.0} <= signs else "degenerate"

    result = check("ch03.classify_stationary_point", classify_stationary_point)
    assert not result.passed and "rotated Hessian" in result.summary
    assert "1e-9" in result.hint


def test_a_tolerance_as_the_statement_gives_it_passes():
    def classify_stationary_point(H):
        lam = np.linalg.eigvalsh(H)
        zero = np.abs(lam) <= 1e-9 * np.abs(lam).max()
        if np.all(lam > 0) and not zero.any():
            return "minimum"
        if np.all(lam < 0) and not zero.any():
            return "maximum"
        if np.any((lam > 0) & ~zero) and np.any((lam < 0) & ~zero):
            return "saddle"
        return "degenerate"

    assert check("ch03.classify_stationary_point", classify_stationary_point).passed


# ------------------------------------------------------------------ feedback that localises
def test_backprop_says_which_gradients_are_wrong():
    def backprop_one_hidden(X, y, W1, b1, W2, b2):
        H = np.tanh(X @ W1 + b1)
        d = (H @ W2 + b2 - y) / len(y)
        d_Z = np.outer(d, W2) * (1 - H)          # wrong derivative of tanh
        return X.T @ d_Z, d_Z.sum(axis=0), H.T @ d, d.sum()

    result = check("ch02.backprop_one_hidden", backprop_one_hidden)
    assert result.summary.startswith("Your function returned a wrong dW1 and db1 (dW2 and db2 "
                                     "are right).")


def test_elementwise_product_in_quadratic_grad_names_the_two_products():
    result = check("ch01.quadratic_grad", lambda A, b, w: A * w - b)
    assert "shape" in result.summary
    assert "A * w" in result.hint and "A @ w" in result.hint


# ------------------------------------------------------------------ generic hints
@pytest.mark.parametrize("ex_id, factor", [
    ("ch02.directional_derivative", 3.0),
    ("ch03.condition_number", 3.0),
    ("ch04.largest_stable_lr", 3.0),
    ("ch02.directional_derivative", 2.0),
])
def test_generic_hints_never_speak_of_samples_where_there_are_none(ex_id, factor):
    ref = reference(ex_id)
    result = check(ex_id, lambda *args: factor * ref(*args))
    assert not result.passed and result.hint
    assert "sample" not in result.hint and "1/(2m)" not in result.hint
    assert "on every failing test" in result.hint


def test_m_times_speaks_of_samples_only_when_the_factor_is_the_number_of_samples():
    from gdcourse.grading.diagnosis import generic_hint
    from gdcourse.grading.exercise import Case

    rng = np.random.default_rng(0)
    cases = [Case((rng.standard_normal((m, 2)),)) for m in (3, 7)]
    expected = [rng.standard_normal(2) for _ in cases]
    samples = lambda case: len(case.args[0])                        # noqa: E731
    summed = [(c, len(c.args[0]) * e, e) for c, e in zip(cases, expected)]
    assert "m the number of samples: did you sum" in generic_hint(summed, samples)
    assert generic_hint(summed) is None          # 3x and 7x: no one factor, no samples known
    tripled = [(c, 3 * e, e) for c, e in zip(cases, expected)]
    assert "exactly 3 times the expected one on every failing test" in generic_hint(tripled)


def test_a_generic_hint_only_when_it_explains_every_failing_test():
    ref = reference("ch01.quadratic_grad")

    def half_wrong(A, b, w):
        return 2 * ref(A, b, w) if len(w) > 2 else ref(A, b, w) + 0.5

    result = check("ch01.quadratic_grad", half_wrong)
    assert not result.passed and result.hint is None


# ------------------------------------------------------------------ catalogued hints
@pytest.mark.parametrize("ex_id, answer, mistake", [
    ("ch01.linreg_gradient",
     lambda X, y, t: np.r_[X.T @ (X @ t[1:] + t[0] - y) / len(y), np.mean(X @ t[1:] + t[0] - y)],
     "bias entry last"),
    ("ch01.linreg_gradient",
     lambda X, y, t: np.r_[np.mean(X @ t[1:] - y), X.T @ (X @ t[1:] - y) / len(y)],
     "bias missing from the residual"),
    ("ch06.polyak_parameters",
     lambda L, mu: reference("ch06.polyak_parameters")(L, mu)[::-1], "pair in the other order"),
    ("ch06.momentum_step",
     lambda *args: reference("ch06.momentum_step")(*args)[::-1], "pair in the other order"),
    ("ch04.largest_stable_lr",
     lambda A: 2 / (np.linalg.eigvalsh(A).max() + np.linalg.eigvalsh(A).min()), "the optimal step"),
    ("ch05.gradient_variance",
     lambda G, B: float(np.var(G, axis=0, ddof=1).sum() / B * (len(G) - B) / (len(G) - 1)),
     "sample variance (ddof=1)"),
    ("ch05.gradient_variance",
     lambda G, B: float((G ** 2).sum(axis=1).mean() / B * (len(G) - B) / (len(G) - 1)),
     "not centred"),
])
def test_frequent_mistakes_get_their_own_hint(ex_id, answer, mistake):
    result = check(ex_id, answer)
    assert not result.passed and result.hint == hint_of(ex_id, mistake)


def test_adam_returning_the_bias_corrected_state_is_told_so():
    def adam_step(w, m, v, grad, t, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad ** 2
        m = m / (1 - beta1 ** t)
        v = v / (1 - beta2 ** t)
        return w - lr * m / (np.sqrt(v) + eps), m, v

    result = check("ch06.adam_step", adam_step)
    assert result.hint == hint_of("ch06.adam_step", "bias-corrected state returned")


def test_constant_column_with_round_off_standard_deviation():
    X_train = np.column_stack([np.full(6, 0.1), np.arange(6.0)])
    train, _ = reference("ch07.standardize_train_test")(X_train, X_train[:2])
    assert np.allclose(train[:, 0], 0.0) and np.allclose(train[:, 1].std(), 1.0)

    def standardize_train_test(X_train, X_test):
        mean, std = X_train.mean(axis=0), X_train.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        return (X_train - mean) / std, (X_test - mean) / std

    result = check("ch07.standardize_train_test", standardize_train_test)
    assert not result.passed and "0.1" in result.summary
    assert result.hint == hint_of("ch07.standardize_train_test", "constant column found by std > 0")


# ------------------------------------------------------------------ formats
@pytest.mark.parametrize("ex_id, answer", [
    ("ch01.gd_step", lambda w, g, lr: (w - lr * g).astype(np.float32)),
    ("ch01.mse_loss", lambda X, y, w, b: np.float32(reference("ch01.mse_loss")(X, y, w, b))),
    ("ch06.momentum_step",
     lambda *args: tuple(a.astype(np.float32) for a in reference("ch06.momentum_step")(*args))),
])
def test_float32_answers_are_told_it_is_a_precision_problem(ex_id, answer):
    result = check(ex_id, answer)
    assert not result.passed
    assert "float32 numbers, which keep only about 7 significant digits" in result.summary
    assert result.hint is None          # right but for the precision: no mistake to point at


def test_a_list_is_refused_where_a_numpy_array_is_asked_for():
    ref = reference("ch01.linreg_gradient")
    result = check("ch01.linreg_gradient", lambda X, y, t: list(ref(X, y, t)))
    assert "returned a list; return a NumPy array" in result.summary and result.hint is None


def test_every_statement_names_the_form_of_its_answer():
    """The one rule, stated in each exercise: "NumPy array" where the grader requires one,
    "a Python `int`" for counts, "number" for single numbers."""
    from pathlib import Path

    from gdcourse.grading import exercises

    words = {"array": "NumPy array", "int": "Python `int`", "scalar": "number"}
    book = Path(__file__).resolve().parents[1] / "book" / "_src"
    text = "\n".join(p.read_text() for p in sorted(book.glob("[0-9][0-9]_*.md")))
    statements = [" ".join(block.split("````")[0].split())
                  for block in text.split("````{exercise}")[1:]]
    for exercise in (get(ex_id) for ex_id in exercises()):
        if exercise.output in words:
            statement = next(s for s in statements if f"`{exercise.name}(" in s)
            assert words[exercise.output] in statement, f"{exercise.id}: {statement[:90]}"
