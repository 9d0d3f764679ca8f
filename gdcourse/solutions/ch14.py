"""Reference solutions for chapter 14, Gradient descent beyond one machine."""

import numpy as np


def ring_allreduce_bytes(n_params, world_size, bytes_per_param):
    """Bytes each worker sends in a ring all-reduce: 2 (W - 1) chunks of 1/W of the
    vector (W - 1 rounds of reduce-scatter, W - 1 of all-gather)."""
    W = world_size
    return 2 * (W - 1) / W * n_params * bytes_per_param


def scaled_lr(step, base_lr, base_batch, batch_per_worker, world_size, warmup_steps):
    """The linear scaling rule with a linear warm-up: from base_lr to k * base_lr over
    warmup_steps updates, k = global batch / base_batch."""
    k = world_size * batch_per_worker / base_batch
    progress = min(step / warmup_steps, 1.0) if warmup_steps > 0 else 1.0
    return base_lr * (1 + (k - 1) * progress)


def average_every(thetas, step, period):
    """Local SGD's communication: every period steps, each worker gets the average."""
    if step % period != 0:
        return thetas.copy()
    average = thetas.mean(axis=0)
    return np.tile(average, (len(thetas), 1))


def block_order(n_blocks, epochs, seed):
    """The blocks in the order fit_blocks visits them: a new permutation every epoch,
    all drawn from one generator."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.permutation(n_blocks) for _ in range(epochs)])


def delayed_lr_limit(L, delay):
    """The largest stable rate with gradients `delay` steps old:
    2 sin(pi / (4 tau + 2)) / L."""
    return 2 * np.sin(np.pi / (2 * (2 * delay + 1))) / L
