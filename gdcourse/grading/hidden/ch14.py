"""Hidden tests for chapter 14, Gradient descent beyond one machine."""

import math

import numpy as np

from ...solutions import ch14 as sol
from ..exercise import Case, Exercise, Mistake, register


# ----------------------------------------------------------------------- ring_allreduce_bytes
def _ring_cases(rng):
    for _ in range(4):
        yield Case((int(rng.integers(10, 10**8)), int(rng.integers(2, 300)),
                    int(rng.choice([2, 4, 8]))), label="a random model on random workers")


def _ring_no_two(n_params, world_size, bytes_per_param):
    return (world_size - 1) / world_size * n_params * bytes_per_param


def _ring_not_divided(n_params, world_size, bytes_per_param):
    return 2 * (world_size - 1) * n_params * bytes_per_param


def _ring_twice_the_model(n_params, world_size, bytes_per_param):
    return 2 * n_params * bytes_per_param


def _ring_values_not_bytes(n_params, world_size, bytes_per_param):
    return 2 * (world_size - 1) / world_size * n_params


def _ring_all_to_all(n_params, world_size, bytes_per_param):
    return (world_size - 1) * n_params * bytes_per_param


register(Exercise(
    id="ch14.ring_allreduce_bytes",
    title="The volume of a ring all-reduce",
    reference=sol.ring_allreduce_bytes,
    what="the bytes each worker sends for random model sizes, 2 to 300 workers and 2, 4 or "
         "8 bytes per value, one worker, two workers, and a single parameter.",
    output="scalar",
    cases=_ring_cases,
    edge_cases=[Case((10**6, 1, 4), label="one worker"),
                Case((10**6, 2, 4), label="two workers"),
                Case((1, 8, 8), label="a single parameter on 8 workers"),
                Case((25 * 10**6, 64, 4), label="25 million float32 values on 64 workers")],
    mistakes=[
        Mistake("no factor 2", _ring_no_two,
                "You counted one phase. A ring all-reduce has two: reduce-scatter and "
                "all-gather, W - 1 rounds each."),
        Mistake("chunks not divided by W", _ring_not_divided,
                "Each round sends one chunk, 1/W of the vector, not the whole vector: "
                "2 (W - 1) chunks of n / W values."),
        Mistake("twice the model", _ring_twice_the_model,
                "2 n is the limit for many workers; with W workers it is 2 (W - 1) / W "
                "times the bytes, and 0 for a single worker."),
        Mistake("values, not bytes", _ring_values_not_bytes,
                "You counted values: multiply by bytes_per_param to get bytes."),
        Mistake("everyone sends to everyone", _ring_all_to_all,
                "You sent the whole vector to every other worker. The ring sends chunks "
                "of 1/W to one neighbour per round: 2 (W - 1) / W times the bytes."),
    ],
))


# ---------------------------------------------------------------------------------- scaled_lr
def _scaled_cases(rng):
    for _ in range(5):
        warmup = int(rng.integers(1, 2000))
        yield Case((int(rng.integers(0, 3 * warmup)), float(rng.uniform(1e-3, 0.5)),
                    int(rng.choice([32, 64, 256])), int(rng.choice([16, 32, 64, 128])),
                    int(rng.integers(1, 65)), warmup),
                   label="a random step of a random configuration")


def _scaled_per_worker(step, base_lr, base_batch, batch_per_worker, world_size,
                       warmup_steps):
    k = batch_per_worker / base_batch
    return base_lr * (1 + (k - 1) * min(step / warmup_steps, 1.0))


def _scaled_no_warmup(step, base_lr, base_batch, batch_per_worker, world_size,
                      warmup_steps):
    return base_lr * world_size * batch_per_worker / base_batch


def _scaled_from_zero(step, base_lr, base_batch, batch_per_worker, world_size,
                      warmup_steps):
    k = world_size * batch_per_worker / base_batch
    return base_lr * k * min(step / warmup_steps, 1.0)


def _scaled_sqrt(step, base_lr, base_batch, batch_per_worker, world_size, warmup_steps):
    k = math.sqrt(world_size * batch_per_worker / base_batch)
    return base_lr * (1 + (k - 1) * min(step / warmup_steps, 1.0))


def _scaled_keeps_rising(step, base_lr, base_batch, batch_per_worker, world_size,
                         warmup_steps):
    k = world_size * batch_per_worker / base_batch
    return base_lr * (1 + (k - 1) * step / warmup_steps)


register(Exercise(
    id="ch14.scaled_lr",
    title="The scaled learning rate, with warm-up",
    reference=sol.scaled_lr,
    what="the rate at random steps of random configurations, the first step, the end of "
         "the warm-up, a step long after it, one worker with the base batch, and a "
         "global batch smaller than the base one.",
    output="scalar",
    cases=_scaled_cases,
    edge_cases=[Case((0, 0.1, 256, 32, 32, 100), label="the first step"),
                Case((100, 0.1, 256, 32, 32, 100), label="the end of the warm-up"),
                Case((5000, 0.1, 256, 32, 32, 100), label="long after the warm-up"),
                Case((50, 0.1, 256, 64, 8, 100), label="half-way through the warm-up"),
                Case((30, 0.02, 64, 64, 1, 10), label="one worker with the base batch"),
                Case((5, 0.2, 256, 32, 2, 10),
                     label="a global batch smaller than the base one")],
    mistakes=[
        Mistake("the batch of one worker", _scaled_per_worker,
                "You scaled by the batch of one worker. The workers' gradients are "
                "averaged into one step of the global batch world_size * "
                "batch_per_worker: k is that divided by base_batch."),
        Mistake("no warm-up", _scaled_no_warmup,
                "Your rate is k * base_lr from the first step. The warm-up starts at "
                "base_lr and rises linearly to k * base_lr over warmup_steps updates."),
        Mistake("warm-up from zero", _scaled_from_zero,
                "Your warm-up starts at 0. It starts at the rate tuned for the base batch, "
                "base_lr, and rises from there: base_lr * (1 + (k - 1) * t / warmup)."),
        Mistake("square-root scaling", _scaled_sqrt,
                "You scaled by the square root of k. The linear scaling rule multiplies "
                "the rate by k itself."),
        Mistake("keeps rising", _scaled_keeps_rising,
                "Your rate keeps rising after the warm-up. It stays at k * base_lr once "
                "step reaches warmup_steps."),
    ],
))


# ------------------------------------------------------------------------------ average_every
def _average_every_cases(rng):
    for W, p in ((2, 3), (4, 6), (8, 2)):
        period = int(rng.integers(2, 10))
        thetas = rng.standard_normal((W, p))
        yield Case((thetas, period * int(rng.integers(1, 20)), period),
                   label=f"{W} workers at an averaging step")
        yield Case((thetas, period * int(rng.integers(1, 20)) + 1, period),
                   label=f"{W} workers between two averages")


def _average_always(thetas, step, period):
    return np.tile(thetas.mean(axis=0), (len(thetas), 1))


def _average_never(thetas, step, period):
    return thetas.copy()


def _average_one_late(thetas, step, period):
    return sol.average_every(thetas, step - 1, period)


def _average_sum(thetas, step, period):
    if step % period:
        return thetas.copy()
    return np.tile(thetas.sum(axis=0), (len(thetas), 1))


def _average_over_parameters(thetas, step, period):
    if step % period:
        return thetas.copy()
    return np.tile(thetas.mean(axis=1, keepdims=True), (1, thetas.shape[1]))


_SPREAD = np.array([[1.0, -2.0, 3.0], [5.0, 0.0, -1.0], [0.0, 2.0, 4.0]])

register(Exercise(
    id="ch14.average_every",
    title="Averaging every H steps",
    reference=sol.average_every,
    what="the workers' parameters at averaging steps and between them, for 2 to 8 "
         "workers, a period of 1, the first step and a single worker; the input must not "
         "be changed.",
    cases=_average_every_cases,
    edge_cases=[Case((_SPREAD, 1, 1), label="a period of 1: every step"),
                Case((_SPREAD, 1, 5), label="the first step of a period of 5"),
                Case((_SPREAD, 10, 5), label="step 10 of a period of 5"),
                Case((np.array([[2.0, -1.0]]), 4, 2), label="a single worker")],
    mistakes=[
        Mistake("always averaged", _average_always,
                "You averaged at every step. Local SGD averages only when step is a "
                "multiple of period (step % period == 0); in between each worker keeps "
                "its own parameters."),
        Mistake("never averaged", _average_never,
                "You never averaged. When step is a multiple of period, every row must "
                "become the mean of all the rows."),
        Mistake("one step late", _average_one_late,
                "You averaged one step late (or early): the steps are counted from 1, and "
                "the workers communicate when step % period == 0."),
        Mistake("sum, not mean", _average_sum,
                "You gave every worker the sum of the parameters. Divide by the number of "
                "workers: the mean over axis 0."),
        Mistake("mean over the parameters", _average_over_parameters,
                "You averaged each worker's parameters with each other (axis 1). Average "
                "each parameter over the workers: thetas.mean(axis=0)."),
    ],
    forbid_mutation=True,
))


# -------------------------------------------------------------------------------- block_order
def _order_cases(rng):
    for _ in range(4):
        yield Case((int(rng.integers(2, 60)), int(rng.integers(1, 5)),
                    int(rng.integers(0, 10**6))), label="random numbers of blocks and epochs")


def _order_same_every_epoch(n_blocks, epochs, seed):
    return np.concatenate([np.random.default_rng(seed).permutation(n_blocks)
                           for _ in range(epochs)])


def _order_stored(n_blocks, epochs, seed):
    return np.tile(np.arange(n_blocks), epochs)


def _order_with_replacement(n_blocks, epochs, seed):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.integers(0, n_blocks, n_blocks) for _ in range(epochs)])


def _order_one_permutation(n_blocks, epochs, seed):
    return np.random.default_rng(seed).permutation(n_blocks * epochs) % n_blocks


register(Exercise(
    id="ch14.block_order",
    title="A shuffled order of blocks",
    reference=sol.block_order,
    what="the order of the blocks for random numbers of blocks, epochs and seeds, one "
         "epoch, a single block, and two blocks over many epochs.",
    cases=_order_cases,
    edge_cases=[Case((10, 1, 0), label="one epoch"),
                Case((1, 3, 5), label="a single block"),
                Case((2, 12, 7), label="two blocks, twelve epochs"),
                Case((20, 3, 42), label="three epochs")],
    mistakes=[
        Mistake("a new generator every epoch", _order_same_every_epoch,
                "Every epoch of yours visits the blocks in the same order: you created "
                "the generator from the seed in each epoch. Create it once and draw a new "
                "permutation from it every epoch."),
        Mistake("not shuffled", _order_stored,
                "You returned the stored order 0, 1, 2, ...; draw rng.permutation(n_blocks) "
                "for each epoch."),
        Mistake("with replacement", _order_with_replacement,
                "Some blocks of yours come twice in an epoch and others never: "
                "rng.integers draws with replacement. A permutation visits each block "
                "exactly once."),
        Mistake("one permutation of all epochs", _order_one_permutation,
                "You permuted all epochs together, so an epoch can visit a block twice. "
                "Each epoch is its own permutation of range(n_blocks)."),
    ],
))


# --------------------------------------------------------------------------- delayed_lr_limit
def _limit_cases(rng):
    for _ in range(4):
        yield Case((float(rng.uniform(0.1, 100.0)), int(rng.integers(0, 50))),
                   label="a random curvature and delay")


def _limit_fresh(L, delay):
    return 2 / L


def _limit_divided_by_delay(L, delay):
    return 2 / (L * (delay + 1))


def _limit_approximation(L, delay):
    return math.pi / ((2 * delay + 1) * L)


def _limit_degrees(L, delay):
    return 2 * math.sin(180 / (2 * (2 * delay + 1))) / L


def _limit_times_L(L, delay):
    return 2 * math.sin(math.pi / (2 * (2 * delay + 1))) * L


register(Exercise(
    id="ch14.delayed_lr_limit",
    title="The stable learning rate with stale gradients",
    reference=sol.delayed_lr_limit,
    what="the limit for random curvatures and delays, no delay, a delay of 1, a long "
         "delay and a large curvature.",
    output="scalar",
    cases=_limit_cases,
    edge_cases=[Case((1.0, 0), label="no delay"), Case((2.0, 1), label="a delay of 1"),
                Case((4.0, 100), label="a delay of 100"),
                Case((1e4, 3), label="a large curvature")],
    mistakes=[
        Mistake("delay ignored", _limit_fresh,
                "You returned 2 / L, the limit of fresh gradients. A delay of tau steps "
                "shrinks it to 2 sin(pi / (2 (2 tau + 1))) / L."),
        Mistake("divided by the delay", _limit_divided_by_delay,
                "2 / (L (tau + 1)) is right for tau = 0 but not beyond: at tau = 1 the "
                "limit is 1 / L. Use 2 sin(pi / (2 (2 tau + 1))) / L."),
        Mistake("the approximation", _limit_approximation,
                "pi / ((2 tau + 1) L) is the approximation for long delays; it is pi / L, "
                "not 2 / L, without delay. Return the exact limit with the sine."),
        Mistake("degrees", _limit_degrees,
                "math.sin takes radians: use math.pi, not 180."),
        Mistake("times L", _limit_times_L,
                "The limit is on the rate times L: divide by L, do not multiply."),
    ],
))
