"""gdcourse.schedules: formulas, torch.optim.lr_scheduler step for step, scheduled optimizers."""

import math

import numpy as np
import pytest

from gdcourse import optim
from gdcourse import schedules as S

torch = pytest.importorskip("torch")
lr_scheduler = torch.optim.lr_scheduler

N = 120


def torch_rates(make_scheduler, n=N, lr=0.1):
    """The rates torch uses for its first n steps (scheduler.step() after optimizer.step())."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    scheduler = make_scheduler(opt)
    rates = []
    for _ in range(n):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return np.array(rates)


TORCH_EQUIVALENTS = [
    ("step", S.StepDecay(0.1, step_size=7, gamma=0.5),
     lambda o: lr_scheduler.StepLR(o, step_size=7, gamma=0.5)),
    ("exponential", S.ExponentialDecay(0.1, gamma=0.97),
     lambda o: lr_scheduler.ExponentialLR(o, gamma=0.97)),
    ("exponential-from-rate", S.ExponentialDecay.from_rate(0.1, k=0.05),
     lambda o: lr_scheduler.ExponentialLR(o, gamma=math.exp(-0.05))),
    ("inverse-time", S.InverseTimeDecay(0.1, k=0.3),
     lambda o: lr_scheduler.LambdaLR(o, lambda t: 1 / (1 + 0.3 * t))),
    ("cosine", S.CosineAnnealing(0.1, T_max=50),
     lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=50)),
    ("cosine-eta-min", S.CosineAnnealing(0.1, T_max=50, eta_min=1e-3),
     lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=50, eta_min=1e-3)),
    ("linear", S.LinearDecay(0.1, total_steps=40, eta_min=0.01),
     lambda o: lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=40)),
    ("warmup-cosine", S.WarmupThenDecay(0.1, 10, "cosine", total_steps=60, start_factor=0.2),
     lambda o: lr_scheduler.SequentialLR(o, [
         lr_scheduler.LinearLR(o, start_factor=0.2, total_iters=10),
         lr_scheduler.CosineAnnealingLR(o, T_max=50)], milestones=[10])),
    ("warmup-linear", S.WarmupThenDecay(0.1, 10, "linear", total_steps=60, start_factor=0.2,
                                        eta_min=0.01),
     lambda o: lr_scheduler.SequentialLR(o, [
         lr_scheduler.LinearLR(o, start_factor=0.2, total_iters=10),
         lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=50)],
         milestones=[10])),
    ("warmup-then-exponential", S.WarmupThenDecay(0.1, 10, S.ExponentialDecay(0.1, 0.9)),
     lambda o: lr_scheduler.SequentialLR(o, [
         lr_scheduler.LinearLR(o, start_factor=1 / 3, total_iters=10),
         lr_scheduler.ExponentialLR(o, gamma=0.9)], milestones=[10])),
    ("warmup-lambda", S.WarmupThenDecay(0.1, 10, "cosine", total_steps=60, start_factor=0.2),
     lambda o: lr_scheduler.LambdaLR(o, lambda t: 0.2 + 0.8 * t / 10 if t < 10
                                     else 0.5 * (1 + math.cos(math.pi * (t - 10) / 50)))),
]


@pytest.mark.parametrize("schedule, make_scheduler", [c[1:] for c in TORCH_EQUIVALENTS],
                         ids=[c[0] for c in TORCH_EQUIVALENTS])
def test_schedule_matches_torch_scheduler_step_for_step(schedule, make_scheduler):
    np.testing.assert_allclose(S.values(schedule, N), torch_rates(make_scheduler),
                               rtol=1e-13, atol=1e-16)


# --------------------------------------------------------------------------- chapter 10's schedules

N_LONG = 400           # >= 300 steps: several restarts, cycles and both one-cycle phases

CYCLIC_TORCH = dict(cycle_momentum=False)     # torch's momentum cycling is not a rate

RESTARTING_EQUIVALENTS = [
    ("restarts-T0=10", S.CosineWarmRestarts(0.1, T_0=10),
     lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=10)),
    ("restarts-T0=7-Tmult=2-eta_min", S.CosineWarmRestarts(0.1, T_0=7, T_mult=2, eta_min=1e-3),
     lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=7, T_mult=2, eta_min=1e-3)),
    ("restarts-T0=3-Tmult=3", S.CosineWarmRestarts(0.1, T_0=3, T_mult=3, eta_min=0.05),
     lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=3, eta_min=0.05)),
    ("restarts-T0=1-Tmult=2", S.CosineWarmRestarts(0.1, T_0=1, T_mult=2, eta_min=0.02),
     lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=1, T_mult=2, eta_min=0.02)),
    ("cyclic-triangular", S.Cyclic(0.01, 0.1, step_size_up=25),
     lambda o: lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=25, **CYCLIC_TORCH)),
    ("cyclic-triangular-asymmetric", S.Cyclic(0.002, 0.05, step_size_up=9, step_size_down=31),
     lambda o: lr_scheduler.CyclicLR(o, 0.002, 0.05, step_size_up=9, step_size_down=31,
                                     **CYCLIC_TORCH)),
    ("cyclic-triangular2", S.Cyclic(0.01, 0.1, 20, 37, mode="triangular2"),
     lambda o: lr_scheduler.CyclicLR(o, 0.01, 0.1, 20, 37, mode="triangular2",
                                     **CYCLIC_TORCH)),
    ("cyclic-exp_range", S.Cyclic(0.01, 0.1, 13, mode="exp_range", gamma=0.995),
     lambda o: lr_scheduler.CyclicLR(o, 0.01, 0.1, 13, mode="exp_range", gamma=0.995,
                                     **CYCLIC_TORCH)),
    ("cyclic-exp_range-asymmetric", S.Cyclic(0.03, 0.3, 40, 10, "exp_range", 0.999),
     lambda o: lr_scheduler.CyclicLR(o, 0.03, 0.3, 40, 10, "exp_range", 0.999,
                                     **CYCLIC_TORCH)),
    ("one-cycle-defaults", S.OneCycle(0.1, total_steps=N_LONG),
     lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=N_LONG, cycle_momentum=False)),
    ("one-cycle-linear", S.OneCycle(0.5, N_LONG, pct_start=0.45, anneal_strategy="linear",
                                    div_factor=10.0, final_div_factor=100.0),
     lambda o: lr_scheduler.OneCycleLR(o, 0.5, total_steps=N_LONG, pct_start=0.45,
                                       anneal_strategy="linear", div_factor=10.0,
                                       final_div_factor=100.0, cycle_momentum=False)),
    ("one-cycle-three-phase", S.OneCycle(0.1, N_LONG, pct_start=0.25, three_phase=True),
     lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=N_LONG, pct_start=0.25,
                                       three_phase=True, cycle_momentum=False)),
    ("one-cycle-three-phase-linear",
     S.OneCycle(0.2, N_LONG, 0.4, "linear", div_factor=5.0, final_div_factor=50.0,
                three_phase=True),
     lambda o: lr_scheduler.OneCycleLR(o, 0.2, total_steps=N_LONG, pct_start=0.4,
                                       anneal_strategy="linear", div_factor=5.0,
                                       final_div_factor=50.0, three_phase=True,
                                       cycle_momentum=False)),
]


@pytest.mark.parametrize("schedule, make_scheduler", [c[1:] for c in RESTARTING_EQUIVALENTS],
                         ids=[c[0] for c in RESTARTING_EQUIVALENTS])
def test_restarting_schedule_matches_torch_to_1e_12_relative(schedule, make_scheduler):
    ours = S.values(schedule, N_LONG)
    reference = torch_rates(make_scheduler, N_LONG)
    assert np.all(reference > 0)
    assert np.max(np.abs(ours - reference) / reference) <= 1e-12
    assert len(np.unique(reference)) >= 8                        # the rate really moves


PLATEAU_CONFIGURATIONS = [
    dict(),
    dict(patience=3, factor=0.5),
    dict(patience=0, factor=0.3, threshold=0.0),
    dict(patience=2, threshold=0.01, threshold_mode="abs", cooldown=3, min_lr=1e-4),
    dict(mode="max", patience=4, factor=0.2, cooldown=2),
    dict(mode="max", patience=1, threshold=0.02, threshold_mode="abs", min_lr=5e-3),
    dict(patience=1, factor=0.5, min_lr=0.0999),                     # stops at min_lr
    dict(patience=1, factor=0.9, eps=5e-3),                          # eps stops it early
]


def plateau_metrics(mode, n=N_LONG, seed=0):
    """A noisy validation curve that flattens out: falls in "min" mode, rises in "max"."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    curve = 1 / (1 + 0.05 * t) + 0.01 * rng.standard_normal(n)
    curve[n // 2:n // 2 + 20] = curve[n // 2]                        # an exact plateau
    return curve if mode == "min" else 1 - curve


@pytest.mark.parametrize("kwargs", PLATEAU_CONFIGURATIONS, ids=str)
def test_reduce_on_plateau_matches_torch_epoch_for_epoch(kwargs):
    for seed in (0, 1):
        metrics = plateau_metrics(kwargs.get("mode", "min"), seed=seed)
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=0.1)
        scheduler = lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        ours = S.ReduceOnPlateau(0.1, **kwargs)
        theirs, mine = [], []
        for metric in metrics:
            scheduler.step(metric)
            theirs.append(opt.param_groups[0]["lr"])
            mine.append(ours.step(metric))
            assert ours(7) == mine[-1]                  # the rate an optimizer would use
        assert np.max(np.abs(np.array(mine) / np.array(theirs) - 1)) <= 1e-12
        assert ours.best == scheduler.best and ours.num_bad_epochs == scheduler.num_bad_epochs


def test_reduce_on_plateau_configurations_reduce_differently():
    """The configurations above are not all alike: they reduce at different epochs."""
    finals = set()
    for kwargs in PLATEAU_CONFIGURATIONS:
        schedule = S.ReduceOnPlateau(0.1, **kwargs)
        rates = [schedule.step(m) for m in plateau_metrics(kwargs.get("mode", "min"))]
        finals.add(tuple(np.flatnonzero(np.diff(rates))))
    assert len(finals) >= 6


def test_restarts_cycles_and_one_cycle_at_chosen_steps():
    restarts = S.CosineWarmRestarts(1.0, T_0=4, T_mult=2, eta_min=0.2)
    assert [restarts.position(t) for t in (0, 3, 4, 11, 12, 27, 28)] == [
        (0, 4), (3, 4), (0, 8), (7, 8), (0, 16), (15, 16), (0, 32)]
    assert restarts(2) == pytest.approx(0.6, rel=1e-15)               # half-way down
    assert restarts(4) == 1.0 and restarts(12) == 1.0                 # restarts
    assert S.CosineWarmRestarts(1.0, T_0=5).position(23) == (3, 5)
    cyclic = S.Cyclic(1.0, 3.0, step_size_up=2, step_size_down=4)
    np.testing.assert_allclose(S.values(cyclic, 8),
                               [1.0, 2.0, 3.0, 2.5, 2.0, 1.5, 1.0, 2.0], rtol=1e-15)
    halving = S.Cyclic(1.0, 3.0, step_size_up=2, mode="triangular2")
    assert halving(2) == 3.0 and halving(6) == 2.0 and halving(10) == 1.5
    shrinking = S.Cyclic(1.0, 3.0, step_size_up=2, mode="exp_range", gamma=0.5)
    assert shrinking(2) == pytest.approx(1.0 + 2.0 * 0.25, rel=1e-15)
    one_cycle = S.OneCycle(1.0, total_steps=100, pct_start=0.5, anneal_strategy="linear",
                           div_factor=4.0, final_div_factor=5.0)
    assert one_cycle(0) == 0.25 and one_cycle.min_lr == 0.05
    assert one_cycle(49) == 1.0                                       # the end of the rise
    assert one_cycle(74) == pytest.approx(0.525, rel=1e-15)           # half-way down
    assert one_cycle(99) == pytest.approx(0.05, rel=1e-14)
    with pytest.raises(ValueError, match="^t "):
        one_cycle(100)
    three = S.OneCycle(1.0, total_steps=100, pct_start=0.25, three_phase=True)
    assert three(24) == pytest.approx(1.0, rel=1e-15)
    assert three(48) == pytest.approx(three.initial_lr, rel=1e-15)
    assert three(99) == pytest.approx(three.min_lr, rel=1e-12)


def test_reduce_on_plateau_waits_patience_epochs_then_divides():
    schedule = S.ReduceOnPlateau(1.0, patience=2, factor=0.5, threshold=0.0, cooldown=1)
    rates = [schedule.step(m) for m in [5.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 3.0]]
    # epochs 3-5 do not improve on 4.0: the third of them (> patience) halves the rate;
    # the next epoch is the cooldown, then it counts again from zero.
    assert rates == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5]
    assert repr(schedule).startswith("ReduceOnPlateau(lr=1.0, mode='min', factor=0.5")
    w = optim.SGD(lr=schedule).step(np.ones(2), np.ones(2))        # an optimizer's lr
    np.testing.assert_array_equal(w, [0.5, 0.5])


# --------------------------------------------------------------------------- scheduled optimizers

A = np.diag(np.geomspace(1.0, 50.0, 5))
B = np.linspace(-1.0, 2.0, 5)
W0 = np.linspace(1.0, -1.0, 5)


def grad(w):
    return A @ w - B


SCHEDULED_RUNS = [
    ("SGD", dict(lr=0.02, momentum=0.9), S.StepDecay(0.02, step_size=30, gamma=0.5),
     lambda o: lr_scheduler.StepLR(o, step_size=30, gamma=0.5)),
    ("Adagrad", dict(lr=0.3, lr_decay=0.01), S.InverseTimeDecay(0.3, k=0.02),
     lambda o: lr_scheduler.LambdaLR(o, lambda t: 1 / (1 + 0.02 * t))),
    ("Adam", dict(lr=0.05), S.WarmupThenDecay(0.05, 20, "cosine", total_steps=150),
     lambda o: lr_scheduler.SequentialLR(o, [
         lr_scheduler.LinearLR(o, start_factor=1 / 3, total_iters=20),
         lr_scheduler.CosineAnnealingLR(o, T_max=130)], milestones=[20])),
    ("AdamW", dict(lr=0.05, weight_decay=0.1), S.ExponentialDecay(0.05, gamma=0.98),
     lambda o: lr_scheduler.ExponentialLR(o, gamma=0.98)),
]


def run_ours(opt, w0, n=150):
    w, iterates = w0.copy(), []
    for _ in range(n):
        w = opt.step(w, grad(w))
        iterates.append(w.copy())
    return np.array(iterates)


def run_torch(name, kwargs, make_scheduler, n=150):
    p = torch.tensor(W0, dtype=torch.float64)
    opt = getattr(torch.optim, name)([p], **kwargs)
    scheduler = make_scheduler(opt)
    iterates = []
    for _ in range(n):
        p.grad = torch.from_numpy(grad(p.numpy().copy()))
        opt.step()
        scheduler.step()
        iterates.append(p.numpy().copy())
    return np.array(iterates)


@pytest.mark.parametrize("name, kwargs, schedule, make_scheduler", SCHEDULED_RUNS,
                         ids=[run[0] for run in SCHEDULED_RUNS])
def test_scheduled_optimizer_matches_torch_optimizer_with_scheduler(name, kwargs, schedule,
                                                                    make_scheduler):
    ours = run_ours(getattr(optim, name)(**{**kwargs, "lr": schedule}), W0)
    reference = run_torch(name, kwargs, make_scheduler)
    relative = np.abs(ours - reference).max(axis=1) / np.abs(reference).max(axis=1)
    assert relative.max() <= 1e-10
    # ...and the run is not chaotic: a 1e-13 change of w0 stays small.
    perturbed = run_ours(getattr(optim, name)(**{**kwargs, "lr": schedule}), W0 + 1e-13)
    assert np.abs(perturbed - ours).max() <= 20 * 1e-13


def test_schedule_is_called_with_the_number_of_steps_taken():
    calls = []
    opt = optim.SGD(lr=lambda t: calls.append(t) or 0.1)
    w = np.ones(2)
    for _ in range(4):
        w = opt.step(w, w)
    assert calls == [0, 1, 2, 3]


# --------------------------------------------------------------------------- formulas

def test_formulas_at_chosen_steps():
    assert S.Constant(0.3)(1000) == 0.3
    assert S.StepDecay(1.0, 10, 0.5)(9) == 1.0
    assert S.StepDecay(1.0, 10, 0.5)(10) == 0.5
    assert S.StepDecay(1.0, 10, 0.5)(25) == 0.25
    assert S.ExponentialDecay(2.0, 0.5)(3) == 0.25
    assert S.ExponentialDecay.from_rate(2.0, 0.1)(5) == pytest.approx(2.0 * math.exp(-0.5),
                                                                      rel=1e-15)
    assert S.InverseTimeDecay(1.0, 0.5)(4) == pytest.approx(1 / 3, rel=1e-15)
    cosine = S.CosineAnnealing(1.0, T_max=10, eta_min=0.2)
    assert cosine(0) == 1.0
    assert cosine(5) == pytest.approx(0.6, rel=1e-15)
    assert cosine(10) == pytest.approx(0.2, rel=1e-15)
    assert cosine(20) == pytest.approx(1.0, rel=1e-15)          # climbs back, as in torch
    linear = S.LinearDecay(1.0, total_steps=4, eta_min=0.2)
    np.testing.assert_allclose(S.values(linear, 7), [1.0, 0.8, 0.6, 0.4, 0.2, 0.2, 0.2],
                               rtol=1e-15)


def test_warmup_rises_linearly_then_hands_over_to_the_decay():
    schedule = S.WarmupThenDecay(1.0, 4, "cosine", total_steps=14, start_factor=0.2)
    np.testing.assert_allclose(S.values(schedule, 5), [0.2, 0.4, 0.6, 0.8, 1.0], rtol=1e-15)
    assert schedule(9) == pytest.approx(0.5, rel=1e-15)       # half-way through the cosine
    assert schedule(14) == pytest.approx(0.0, abs=1e-16)
    custom = S.WarmupThenDecay(1.0, 2, S.StepDecay(0.5, 3), start_factor=0.5)
    np.testing.assert_allclose(S.values(custom, 6), [0.5, 0.75, 0.5, 0.5, 0.5, 0.05],
                               rtol=1e-15)


def test_values_lists_the_first_n_rates():
    rates = S.values(S.ExponentialDecay(1.0, 0.5), 4)
    assert rates.dtype == np.float64
    np.testing.assert_array_equal(rates, [1.0, 0.5, 0.25, 0.125])
    assert S.values(S.Constant(1.0), 0).shape == (0,)
    np.testing.assert_array_equal(S.values(lambda t: t + 1.0, 3), [1.0, 2.0, 3.0])


def test_repr_shows_the_parameters():
    assert repr(S.StepDecay(0.1, 5)) == "StepDecay(lr=0.1, step_size=5, gamma=0.1)"


# --------------------------------------------------------------------------- validation

INVALID = [
    (lambda: S.Constant(0.0), "lr"),
    (lambda: S.Constant(-0.1), "lr"),
    (lambda: S.Constant("0.1"), "lr"),
    (lambda: S.StepDecay(0.1, 0), "step_size"),
    (lambda: S.StepDecay(0.1, 2.5), "step_size"),
    (lambda: S.StepDecay(0.1, 5, gamma=0.0), "gamma"),
    (lambda: S.StepDecay(0.1, 5, gamma=1.5), "gamma"),
    (lambda: S.ExponentialDecay(0.1, gamma=-0.9), "gamma"),
    (lambda: S.ExponentialDecay(-0.1, gamma=0.9), "lr"),
    (lambda: S.ExponentialDecay.from_rate(0.1, k=-1.0), "k"),
    (lambda: S.InverseTimeDecay(0.1, k=-0.1), "k"),
    (lambda: S.InverseTimeDecay(0.1, k=None), "k"),
    (lambda: S.CosineAnnealing(0.1, T_max=0), "T_max"),
    (lambda: S.CosineAnnealing(0.1, T_max=10, eta_min=0.2), "eta_min"),
    (lambda: S.CosineAnnealing(0.1, T_max=10, eta_min=-0.01), "eta_min"),
    (lambda: S.LinearDecay(0.1, total_steps=0), "total_steps"),
    (lambda: S.LinearDecay(0.1, total_steps=10, eta_min=1.0), "eta_min"),
    (lambda: S.WarmupThenDecay(0.1, 0, total_steps=10), "warmup_steps"),
    (lambda: S.WarmupThenDecay(0.1, 5, total_steps=10, start_factor=0.0), "start_factor"),
    (lambda: S.WarmupThenDecay(0.1, 5, total_steps=10, start_factor=1.5), "start_factor"),
    (lambda: S.WarmupThenDecay(0.1, 5, "step", total_steps=10), "then"),
    (lambda: S.WarmupThenDecay(0.1, 5, "cosine"), "total_steps"),
    (lambda: S.WarmupThenDecay(0.1, 5, "linear", total_steps=5), "total_steps"),
    (lambda: S.WarmupThenDecay(0.1, 5, S.Constant(0.1), total_steps=20), "total_steps"),
    (lambda: S.CosineWarmRestarts(0.0, T_0=5), "lr"),
    (lambda: S.CosineWarmRestarts(0.1, T_0=0), "T_0"),
    (lambda: S.CosineWarmRestarts(0.1, T_0=5, T_mult=0), "T_mult"),
    (lambda: S.CosineWarmRestarts(0.1, T_0=5, T_mult=1.5), "T_mult"),
    (lambda: S.CosineWarmRestarts(0.1, T_0=5, eta_min=0.2), "eta_min"),
    (lambda: S.CosineWarmRestarts(0.1, T_0=5, eta_min=-1e-3), "eta_min"),
    (lambda: S.Cyclic(0.0, 0.1), "base_lr"),
    (lambda: S.Cyclic(0.1, 0.1), "max_lr"),
    (lambda: S.Cyclic(0.1, 0.05), "max_lr"),
    (lambda: S.Cyclic(0.01, 0.1, step_size_up=0), "step_size_up"),
    (lambda: S.Cyclic(0.01, 0.1, step_size_down=2.5), "step_size_down"),
    (lambda: S.Cyclic(0.01, 0.1, mode="triangle"), "mode"),
    (lambda: S.Cyclic(0.01, 0.1, mode="exp_range", gamma=1.5), "gamma"),
    (lambda: S.Cyclic(0.01, 0.1, mode="exp_range", gamma=0.0), "gamma"),
    (lambda: S.OneCycle(-0.1, 100), "max_lr"),
    (lambda: S.OneCycle(0.1, 100.0), "total_steps"),
    (lambda: S.OneCycle(0.1, 1), "total_steps"),
    (lambda: S.OneCycle(0.1, 100, pct_start=0.0), "pct_start"),
    (lambda: S.OneCycle(0.1, 100, pct_start=1.0), "pct_start"),
    (lambda: S.OneCycle(0.1, 100, pct_start=0.005), "pct_start"),
    (lambda: S.OneCycle(0.1, 100, pct_start=0.6, three_phase=True), "pct_start"),
    (lambda: S.OneCycle(0.1, 100, anneal_strategy="cosine"), "anneal_strategy"),
    (lambda: S.OneCycle(0.1, 100, div_factor=0.0), "div_factor"),
    (lambda: S.OneCycle(0.1, 100, final_div_factor=-1.0), "final_div_factor"),
    (lambda: S.OneCycle(0.1, 100, three_phase="yes"), "three_phase"),
    (lambda: S.OneCycle(0.1, 100)(100), "t"),
    (lambda: S.ReduceOnPlateau(0.0), "lr"),
    (lambda: S.ReduceOnPlateau(0.1, mode="minimum"), "mode"),
    (lambda: S.ReduceOnPlateau(0.1, factor=1.0), "factor"),
    (lambda: S.ReduceOnPlateau(0.1, factor=0.0), "factor"),
    (lambda: S.ReduceOnPlateau(0.1, patience=-1), "patience"),
    (lambda: S.ReduceOnPlateau(0.1, threshold=-1e-4), "threshold"),
    (lambda: S.ReduceOnPlateau(0.1, threshold_mode="relative"), "threshold_mode"),
    (lambda: S.ReduceOnPlateau(0.1, cooldown=1.5), "cooldown"),
    (lambda: S.ReduceOnPlateau(0.1, min_lr=0.2), "min_lr"),
    (lambda: S.ReduceOnPlateau(0.1, min_lr=-0.1), "min_lr"),
    (lambda: S.ReduceOnPlateau(0.1, eps=-1.0), "eps"),
    (lambda: S.ReduceOnPlateau(0.1).step(float("nan")), "metric"),
    (lambda: S.ReduceOnPlateau(0.1).step("low"), "metric"),
    (lambda: S.Constant(0.1)(-1), "t"),
    (lambda: S.Constant(0.1)(1.5), "t"),
    (lambda: S.values(0.1, 5), "schedule"),
    (lambda: S.values(S.Constant(0.1), -1), "n"),
]


@pytest.mark.parametrize("build, parameter", INVALID, ids=[p for _, p in INVALID])
def test_invalid_argument_raises_value_error_naming_it(build, parameter):
    with pytest.raises(ValueError, match=f"^{parameter} "):
        build()


def test_a_schedule_is_a_valid_optimizer_lr():
    opt = optim.Adam(lr=S.CosineAnnealing(0.1, T_max=10))
    assert opt.current_lr == 0.1
    w = opt.step(np.ones(2), np.ones(2))
    assert opt.current_lr == pytest.approx(0.05 * (1 + math.cos(math.pi / 10)), rel=1e-15)
    assert w.shape == (2,)
