"""The scikit-learn estimators GDRegressor and GDClassifier (gdcourse.estimators)."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression, SGDRegressor
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from gdcourse.estimators import OPTIMIZERS, GDClassifier, GDRegressor
from gdcourse.optim import SGD, Adam
from gdcourse.proximal import ProximalSGD


@parametrize_with_checks([GDRegressor(), GDClassifier()])
def test_scikit_learn_estimator_contract(estimator, check):
    with warnings.catch_warnings():
        # the checks fit the defaults (lr=0.01, full batch) on separable or unscaled toy data,
        # where the tol criterion rarely fires within max_iter; the warning is expected there
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def split(loader, seed=0, **kw):
    X, y = loader(return_X_y=True)
    return train_test_split(X, y, random_state=seed, **kw)


@pytest.fixture(scope="module")
def diabetes():
    return split(load_diabetes)


# ----------------------------------------------------------------------- against scikit-learn

@pytest.mark.parametrize("params", [
    dict(lr=0.4, max_iter=5000), dict(batch_size=32, random_state=0),
    dict(optimizer="adam", lr=0.5, batch_size=32, random_state=0)])
def test_regressor_scores_like_sgdregressor_on_diabetes(diabetes, params):
    """Test R^2 of both is about 0.35 on this split; allow 0.02 (a few percent of it).

    Full batch needs a large lr and many epochs: the standardized features are correlated
    (condition number of Z'Z about 440).
    """
    Xtr, Xte, ytr, yte = diabetes
    ours = make_pipeline(StandardScaler(), GDRegressor(**params)).fit(Xtr, ytr)
    theirs = make_pipeline(StandardScaler(), SGDRegressor(random_state=0)).fit(Xtr, ytr)
    assert ours.score(Xte, yte) == pytest.approx(theirs.score(Xte, yte), abs=0.02)
    assert ours[-1].n_iter_ < ours[-1].max_iter                # the tol criterion stopped it


def test_batch_regressor_reaches_least_squares(diabetes):
    Xtr, _, ytr, _ = diabetes
    X = StandardScaler().fit_transform(Xtr)
    gd = GDRegressor(lr=0.4, max_iter=20000, tol=None).fit(X, ytr)      # lr < 2 / L = 0.48
    ols = LinearRegression().fit(X, ytr)
    np.testing.assert_allclose(gd.coef_, ols.coef_, rtol=1e-6, atol=1e-6)
    assert gd.intercept_ == pytest.approx(ols.intercept_, rel=1e-10)


@pytest.mark.parametrize("batch_size", [None, 16])
def test_classifier_accuracy_like_logistic_regression_on_iris(batch_size):
    """Multiclass (softmax).  38 test samples: allow one more mistake (1/38 = 0.026)."""
    Xtr, Xte, ytr, yte = split(load_iris, stratify=load_iris().target)
    # nearly separable: the loss keeps decreasing slowly, so run a fixed budget of epochs
    ours = make_pipeline(StandardScaler(), GDClassifier(lr=0.1, batch_size=batch_size,
                                                        random_state=0, max_iter=1000, tol=None))
    theirs = make_pipeline(StandardScaler(), LogisticRegression())
    ours.fit(Xtr, ytr)
    theirs.fit(Xtr, ytr)
    assert ours.score(Xte, yte) >= theirs.score(Xte, yte) - 1 / 38 - 1e-12
    assert ours[-1].coef_.shape == (3, 4) and ours[-1].intercept_.shape == (3,)
    np.testing.assert_allclose(ours.predict_proba(Xte).sum(axis=1), 1.0)


@pytest.mark.parametrize("batch_size", [None, 32])
def test_classifier_accuracy_like_logistic_regression_on_breast_cancer(batch_size):
    """Binary (sigmoid).  143 test samples: allow 0.02 (about three samples)."""
    Xtr, Xte, ytr, yte = split(load_breast_cancer, stratify=load_breast_cancer().target)
    ours = make_pipeline(StandardScaler(), GDClassifier(lr=0.1, batch_size=batch_size,
                                                        random_state=0))
    theirs = make_pipeline(StandardScaler(), LogisticRegression())
    ours.fit(Xtr, ytr)
    theirs.fit(Xtr, ytr)
    assert ours.score(Xte, yte) == pytest.approx(theirs.score(Xte, yte), abs=0.02)
    clf = ours[-1]
    assert clf.coef_.shape == (1, 30) and clf.decision_function(Xte).shape == (len(Xte),)
    proba = ours.predict_proba(Xte)
    np.testing.assert_array_equal(ours.predict(Xte), clf.classes_[np.argmax(proba, axis=1)])


# ----------------------------------------------------------------------- model selection

def test_pipeline_cross_val_score_matches_least_squares():
    X, y = load_diabetes(return_X_y=True)
    cv = KFold(5, shuffle=True, random_state=0)
    gd = make_pipeline(StandardScaler(), GDRegressor(batch_size=32, random_state=0))
    ours = cross_val_score(gd, X, y, cv=cv)
    ols = cross_val_score(make_pipeline(StandardScaler(), LinearRegression()), X, y, cv=cv)
    assert ours.shape == (5,)
    assert ours.mean() == pytest.approx(ols.mean(), abs=0.02)


def test_grid_search_over_lr_and_batch_size():
    X, y = load_diabetes(return_X_y=True)
    pipe = Pipeline([("scale", StandardScaler()), ("gd", GDRegressor(random_state=0))])
    grid = {"gd__lr": [0.001, 0.1], "gd__batch_size": [None, 32]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)    # lr=0.001 is meant to be too slow
        search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    scores = {(p["gd__lr"], p["gd__batch_size"]): s
              for p, s in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"])}
    # full-batch descent with lr=0.001 is far from converged after 1000 epochs
    assert scores[(0.001, None)] < scores[(0.1, None)] - 0.1
    assert search.best_params_["gd__lr"] == 0.1
    assert search.best_score_ > 0.45
    assert isinstance(search.best_estimator_["gd"], GDRegressor)


# ----------------------------------------------------------------------- optimizers

def easy_regression(m=200, seed=0):
    """Targets of order one: y = X w + 1 + small noise, w = (1, -2, 0.5, 3, -1)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, 5))
    return X, X @ np.array([1.0, -2.0, 0.5, 3.0, -1.0]) + 1.0 + 0.1 * rng.standard_normal(m)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_name_fits(name):
    X, y = easy_regression()
    lr = {"adadelta": 1.0, "adagrad": 0.5}.get(name, 0.05)
    est = GDRegressor(optimizer=name, lr=lr, batch_size=16, random_state=0, max_iter=300).fit(X, y)
    assert est.score(X, y) > 0.998           # noise variance 0.01 against a variance of ~16
    assert est.optimizer_.t == est.n_iter_ * 13               # ceil(200 / 16) updates per epoch


def test_an_optimizer_instance_is_copied_not_mutated():
    X, y = make_regression(100, 3, noise=1.0, random_state=0)
    opt = Adam(lr=0.1)
    used = SGD(lr=0.05, momentum=0.9)
    used.step(np.zeros(7), np.ones(7))                        # state of another problem
    for optimizer in (opt, used):
        before = (optimizer.t, {k: np.copy(v) for k, v in optimizer.state.items()})
        est = GDRegressor(optimizer=optimizer, batch_size=10, random_state=0).fit(X, y)
        assert est.optimizer is optimizer and est.optimizer_ is not optimizer
        assert optimizer.t == before[0] and optimizer.state.keys() == before[1].keys()
        for key, value in before[1].items():
            np.testing.assert_array_equal(optimizer.state[key], value)
        assert est.optimizer_.t == est.n_iter_ * 10
        assert est.score(X, y) > 0.999
    assert opt.t == 0 and opt.state == {}


def test_lr_schedule():
    X, y = make_regression(100, 3, noise=1.0, random_state=0)
    est = GDRegressor(lr=lambda t: 0.2 / (1 + t / 100), batch_size=10, random_state=0).fit(X, y)
    assert est.score(X, y) > 0.999


# ----------------------------------------------------------------------- partial_fit

def test_regressor_partial_fit_streaming_reaches_the_batch_score(diabetes):
    Xtr, Xte, ytr, yte = diabetes
    scaler = StandardScaler().fit(Xtr)
    Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
    stream = GDRegressor(optimizer="adam", lr=0.5, batch_size=16, random_state=0)
    for _ in range(30):
        for start in range(0, len(Xtr), 50):
            stream.partial_fit(Xtr[start:start + 50], ytr[start:start + 50])
    n_chunks = -(-len(Xtr) // 50)
    assert stream.n_iter_ == 30 * n_chunks == len(stream.loss_curve_)
    assert stream.optimizer_.t == 30 * sum(-(-min(50, len(Xtr) - s) // 16)
                                           for s in range(0, len(Xtr), 50))
    ols = LinearRegression().fit(Xtr, ytr)
    assert stream.score(Xte, yte) == pytest.approx(ols.score(Xte, yte), abs=0.02)


def test_classifier_partial_fit_streaming():
    Xtr, Xte, ytr, yte = split(load_iris, stratify=load_iris().target)
    scaler = StandardScaler().fit(Xtr)
    Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
    clf = GDClassifier(lr=0.1, batch_size=8, random_state=0)
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(Xtr[:10], ytr[:10])
    for epoch in range(50):
        for start in range(0, len(Xtr), 30):
            clf.partial_fit(Xtr[start:start + 30], ytr[start:start + 30], classes=[0, 1, 2])
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.score(Xte, yte) >= 0.9
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(Xtr[:5], ytr[:5], classes=[0, 1])
    with pytest.raises(ValueError, match="labels"):
        clf.partial_fit(Xtr[:5], np.full(5, 7))


def test_partial_fit_keeps_the_optimizer_state():
    X, y = make_regression(60, 3, random_state=0)
    est = GDRegressor(optimizer="momentum", batch_size=20, random_state=0)
    est.partial_fit(X, y)
    optimizer = est.optimizer_
    est.partial_fit(X, y)
    assert est.optimizer_ is optimizer and optimizer.t == 6
    assert np.any(optimizer.state["b"] != 0)


# ----------------------------------------------------------------------- fitting behaviour

def test_convergence_warning_only_when_tol_is_set():
    X, y = make_regression(100, 3, noise=1.0, random_state=0)
    with pytest.warns(ConvergenceWarning, match="max_iter=5"):
        GDRegressor(max_iter=5).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = GDRegressor(max_iter=5, tol=None).fit(X, y)
    assert est.n_iter_ == 5 == len(est.loss_curve_)


def test_tol_stops_early_and_the_loss_curve_decreases():
    X, y = make_regression(100, 3, noise=1.0, random_state=0)
    est = GDRegressor(lr=0.5, max_iter=1000, tol=1e-6, n_iter_no_change=3).fit(X, y)
    assert 3 < est.n_iter_ < 200 and len(est.loss_curve_) == est.n_iter_
    assert np.all(np.diff(est.loss_curve_) <= 0)
    assert np.all(np.diff(est.loss_curve_[-3:]) > -1e-6)


def test_warm_start_continues_from_the_previous_fit():
    X, y = make_regression(100, 3, noise=1.0, random_state=0)
    cold = GDRegressor(lr=0.05, max_iter=10, tol=None).fit(X, y)
    warm = GDRegressor(lr=0.05, max_iter=10, tol=None, warm_start=True).fit(X, y)
    first_curve = list(warm.loss_curve_)
    warm.fit(X, y)
    assert warm.loss_curve_[0] < first_curve[-1] and cold.loss_curve_ == first_curve
    with pytest.raises(ValueError, match="warm_start"):
        warm.fit(X[:, :2], y)


def test_fit_intercept_false():
    X, y = make_regression(100, 3, noise=1.0, random_state=0)
    est = GDRegressor(lr=0.3, fit_intercept=False).fit(X, y)
    assert est.intercept_ == 0.0
    np.testing.assert_allclose(est.coef_, LinearRegression(fit_intercept=False).fit(X, y).coef_,
                               rtol=1e-3)
    clf = GDClassifier(fit_intercept=False, lr=0.1, max_iter=100, tol=None).fit(X, y > 0)
    np.testing.assert_array_equal(clf.intercept_, [0.0])
    assert clf.score(X, y > 0) > 0.9


def test_l2_penalty_shrinks_the_weights():
    X, y = make_regression(100, 3, noise=1.0, random_state=0)
    plain = GDRegressor(lr=0.3).fit(X, y)
    ridge = GDRegressor(lr=0.3, alpha=1.0).fit(X, y)
    assert np.linalg.norm(ridge.coef_) < 0.6 * np.linalg.norm(plain.coef_)


def test_divergence_is_reported_with_the_learning_rate():
    X, y = make_regression(100, 3, noise=1.0, random_state=0)
    with pytest.raises(ValueError, match=r"diverged: the full-data loss became NaN.*lr=50"):
        GDRegressor(lr=50.0, tol=None).fit(X * 10, y)
    # with tol, the growing loss stops the run early (no improvement), which is no success
    with pytest.warns(ConvergenceWarning, match=r"loss grew from .* in 5 epochs with lr=50"):
        GDRegressor(lr=50.0).fit(X * 10, y)


@pytest.mark.parametrize("params, name", [
    (dict(lr=-1.0), "lr"), (dict(lr="fast"), "lr"), (dict(batch_size=0), "batch_size"),
    (dict(max_iter=0), "max_iter"), (dict(tol=-1.0), "tol"),
    (dict(n_iter_no_change=0), "n_iter_no_change"), (dict(alpha=-0.1), "alpha"),
    (dict(optimizer="lbfgs"), "optimizer"), (dict(optimizer=3), "optimizer"),
    (dict(shuffle="yes"), "shuffle"), (dict(random_state="seed"), "random_state"),
])
def test_bad_parameters_raise_value_errors_naming_them(params, name):
    X, y = make_regression(20, 2, random_state=0)
    for est in (GDRegressor(**params), GDClassifier(**params)):
        with pytest.raises(ValueError, match=name):
            est.fit(X, y if isinstance(est, GDRegressor) else y > 0)


# ----------------------------------------------------------------------- penalty and l1_ratio

def _elastic_net_loss(X, y, est, alpha, l1_ratio):
    """scikit-learn's objective of ElasticNet (and Lasso, l1_ratio = 1)."""
    residual = X @ est.coef_ + est.intercept_ - y
    coef = est.coef_
    return (residual @ residual / (2 * len(y))
            + alpha * (l1_ratio * np.abs(coef).sum() + (1 - l1_ratio) / 2 * coef @ coef))


@pytest.mark.parametrize("penalty, alpha, l1_ratio", [
    ("l1", 0.5, 1.0), ("l1", 3.0, 1.0), ("elasticnet", 1.0, 0.5), ("elasticnet", 0.3, 0.7),
    ("elasticnet", 2.0, 0.15)])
def test_batch_proximal_steps_reach_the_lasso_and_elastic_net_optimum(penalty, alpha, l1_ratio):
    """On the bundled diabetes data (standardized features, raw targets): the same objective
    value as scikit-learn's coordinate descent to 1e-6 relative, zeros in the same places."""
    from sklearn.linear_model import ElasticNet, Lasso
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    peer = (Lasso(alpha=alpha, tol=1e-12, max_iter=10 ** 6) if penalty == "l1" else
            ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=10 ** 6)).fit(X, y)
    ours = GDRegressor(penalty=penalty, alpha=alpha, l1_ratio=l1_ratio, lr=0.24, max_iter=5000,
                       tol=None).fit(X, y)                               # lr < 1/L = 0.2485
    theirs_value = _elastic_net_loss(X, y, peer, alpha, l1_ratio)
    ours_value = _elastic_net_loss(X, y, ours, alpha, l1_ratio)
    assert ours_value == pytest.approx(theirs_value, rel=1e-6)
    assert ours_value <= theirs_value * (1 + 1e-12)
    assert ours.loss_curve_[-1] == pytest.approx(ours_value, rel=1e-12)  # the loss includes R
    np.testing.assert_array_equal(ours.coef_ == 0, peer.coef_ == 0)
    assert isinstance(ours.optimizer_, ProximalSGD)


def test_the_penalties_are_scikit_learns_special_cases():
    X, y = make_regression(80, 5, noise=5.0, random_state=1)
    X = StandardScaler().fit_transform(X)

    def fit(**params):
        return GDRegressor(lr=0.2, max_iter=300, tol=None, **params).fit(X, y).coef_

    np.testing.assert_array_equal(fit(alpha=0.5), fit(alpha=0.5, penalty="l2"))   # default
    np.testing.assert_array_equal(fit(alpha=0.5, penalty=None), fit())   # no penalty at all
    np.testing.assert_allclose(fit(alpha=0.5, penalty="elasticnet", l1_ratio=0.0),
                               fit(alpha=0.5, penalty="l2"), rtol=1e-13)
    np.testing.assert_allclose(fit(alpha=5.0, penalty="elasticnet", l1_ratio=1.0),
                               fit(alpha=5.0, penalty="l1"), rtol=1e-13)
    np.testing.assert_array_equal(fit(alpha=5.0, penalty="l2", l1_ratio=0.9),
                                  fit(alpha=5.0, penalty="l2"))          # l1_ratio unused


def test_optimizers_without_proximal_steps_take_the_subgradient():
    """Adam on the lasso: close to the optimum, but no weight reaches exactly zero."""
    from sklearn.linear_model import Lasso
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    peer = Lasso(alpha=3.0, tol=1e-12).fit(X, y)
    adam = GDRegressor(optimizer="adam", lr=0.5, penalty="l1", alpha=3.0, max_iter=2000,
                       tol=None).fit(X, y)
    assert np.all(adam.coef_ != 0) and np.any(peer.coef_ == 0)
    assert _elastic_net_loss(X, y, adam, 3.0, 1.0) == pytest.approx(
        _elastic_net_loss(X, y, peer, 3.0, 1.0), rel=1e-2)
    momentum = GDRegressor(optimizer=SGD(lr=0.1, momentum=0.9), penalty="l1", alpha=3.0)
    assert not isinstance(momentum.fit(X, y).optimizer_, ProximalSGD)
    plain = GDRegressor(optimizer=SGD(lr=0.1), penalty="l1", alpha=3.0, max_iter=20, tol=None)
    assert isinstance(plain.fit(X, y).optimizer_, ProximalSGD)


def test_mini_batches_take_stochastic_proximal_steps():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    est = GDRegressor(penalty="l1", alpha=10.0, lr=0.005, batch_size=16, max_iter=50, tol=None,
                      random_state=0).fit(X, y)
    assert np.any(est.coef_ == 0)                        # soft-thresholding leaves exact zeros
    assert est.partial_fit(X, y).n_iter_ == 51


@pytest.mark.parametrize("params, name", [
    (dict(penalty="lasso"), "penalty"), (dict(penalty=1), "penalty"),
    (dict(l1_ratio=1.5), "l1_ratio"), (dict(l1_ratio=-0.1), "l1_ratio"),
    (dict(l1_ratio="half"), "l1_ratio")])
def test_bad_penalties_raise_value_errors_naming_them(params, name):
    X, y = make_regression(20, 2, random_state=0)
    with pytest.raises(ValueError, match=name):
        GDRegressor(**params).fit(X, y)
