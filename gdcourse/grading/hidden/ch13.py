"""Hidden tests for chapter 13, Word embeddings."""

import numpy as np

from ...solutions import ch13 as sol
from ..exercise import Case, Exercise, Mistake, register
from ._common import ArrayTuple


def _logistic(s):
    return 0.5 * (1.0 + np.tanh(0.5 * s))


# ------------------------------------------------------------------------ noise_probabilities
def _noise_cases(rng):
    for n in (3, 10, 40):
        counts = rng.integers(1, 500, n)
        yield Case((counts, 0.75), label=f"random counts of {n} words, power 0.75")
    yield Case((rng.integers(1, 10**6, 25), 0.75), label="counts as large as a million")
    yield Case((rng.integers(1, 50, 8), 0.5), label="random counts, power 0.5")


def _unigram(counts, power):
    counts = np.asarray(counts, dtype=float)
    return counts / counts.sum()


def _weights_unnormalised(counts, power):
    return np.asarray(counts, dtype=float) ** power


def _power_of_frequencies(counts, power):
    return _unigram(counts, power) ** power


def _divided_by_total_count(counts, power):
    counts = np.asarray(counts, dtype=float)
    return counts ** power / counts.sum()


def _uniform(counts, power):
    return np.full(len(counts), 1 / len(counts))


register(Exercise(
    id="ch13.noise_probabilities",
    title="The noise distribution",
    reference=sol.noise_probabilities,
    what="the probabilities count**power / sum for random counts with powers 0.75 and 0.5, "
         "counts as large as a million, power 1 (the unigram distribution), power 0 (the "
         "uniform one), a single word and equal counts; the input must not be changed.",
    cases=_noise_cases,
    edge_cases=[Case((np.array([10, 1, 1, 1]), 1.0), label="power 1"),
                Case((np.array([10, 1, 5, 1]), 0.0), label="power 0"),
                Case((np.array([7]), 0.75), label="a single word"),
                Case((np.array([4, 4, 4]), 0.75), label="equal counts")],
    mistakes=[
        Mistake("power ignored", _unigram,
                "You returned the word frequencies count / total: raise the counts to "
                "the power first, then divide by the sum of the powers."),
        Mistake("not normalised", _weights_unnormalised,
                "Your values do not sum to 1: divide count**power by the sum of "
                "count**power over all words."),
        Mistake("power of the frequencies", _power_of_frequencies,
                "You raised the frequencies to the power but did not divide again: "
                "(count / total)**power does not sum to 1. Normalise after the power."),
        Mistake("divided by the total count", _divided_by_total_count,
                "You divided count**power by the sum of the counts. Divide by the sum of "
                "the powers, sum of count**power, so that the probabilities sum to 1."),
        Mistake("uniform", _uniform,
                "You gave every word the same probability. The noise distribution "
                "depends on the counts: count**power, normalised."),
    ],
    forbid_mutation=True,
))


# ------------------------------------------------------------------------------ context_pairs
def _pairs_cases(rng):
    for n, window in ((6, 1), (9, 2), (15, 3), (20, 5)):
        yield Case((rng.integers(0, 30, n), window),
                   label=f"{n} random words, window {window}")


def _pairs_by_offsets(offsets):
    """The pairs of the given offsets, in the order of the statement."""
    def pairs(ids, window):
        n = len(ids)
        rows = [(ids[i], ids[i + s]) for i in range(n) for s in offsets(window)
                if 0 <= i + s < n]
        return np.array(rows).reshape(-1, 2)
    return pairs


def _pairs_wrapped(ids, window):
    n = len(ids)
    rows = [(ids[i], ids[(i + s) % n]) for i in range(n)
            for s in range(-window, window + 1) if s != 0]
    return np.array(rows)


def _pairs_swapped(ids, window):
    return sol.context_pairs(ids, window)[:, ::-1]


register(Exercise(
    id="ch13.context_pairs",
    title="Skip-gram pairs",
    reference=sol.context_pairs,
    what="the array of (centre, context) pairs for random sentences and windows, a window "
         "of 1, a window longer than the sentence, a sentence of two words and a word that "
         "repeats; the input must not be changed.",
    cases=_pairs_cases,
    edge_cases=[Case((np.array([3, 1, 4, 1, 5]), 1), label="a window of 1"),
                Case((np.array([2, 7, 1]), 5), label="a window longer than the sentence"),
                Case((np.array([8, 9]), 2), label="a sentence of two words"),
                Case((np.array([5, 5, 2, 5]), 2), label="a word that repeats")],
    mistakes=[
        Mistake("the centre as its own context",
                _pairs_by_offsets(lambda w: range(-w, w + 1)),
                "Your pairs include (word, word) for every position: a word is not its own "
                "context, skip the offset 0."),
        Mistake("only the words after", _pairs_by_offsets(lambda w: range(1, w + 1)),
                "You paired each word only with the words after it. The window reaches "
                "`window` words on both sides of the centre."),
        Mistake("window one too short", _pairs_by_offsets(
                    lambda w: [s for s in range(-w + 1, w) if s != 0]),
                "Your window stops one word short: offsets run from -window to +window, "
                "both included (range(i - window, i + window + 1))."),
        Mistake("wrapped around", _pairs_wrapped,
                "Near the ends of the sentence your window wraps around to the other end. "
                "Positions outside the sentence have no word: clip the window at 0 and "
                "n - 1."),
        Mistake("columns swapped", _pairs_swapped,
                "Your columns are swapped: each row is (centre, context), the centre word "
                "first."),
    ],
    forbid_mutation=True,
))


# ------------------------------------------------------------------------ sgns_pair_gradients
_SGNS_GRADS = ArrayTuple(
    ("grad_v", "grad_u_o", "grad_U_n"),
    lambda case: (case.args[0].shape, case.args[1].shape, case.args[2].shape),
    lambda name: "that of the vector(s) it is the gradient for.")


def _sgns_vectors(rng, d, k, scale=0.5):
    return (rng.normal(0.0, scale, d), rng.normal(0.0, scale, d),
            rng.normal(0.0, scale, (k, d)))


def _sgns_cases(rng):
    for d, k in ((4, 2), (10, 5), (25, 15)):
        yield Case(_sgns_vectors(rng, d, k), label=f"random vectors of {d} entries, {k} "
                                                   f"negative words")
    yield Case(_sgns_vectors(rng, 6, 3, scale=4.0), label="long vectors (scores of "
                                                          "size about 30)")


def _sgns_grads(*, positive=lambda s: _logistic(s) - 1.0, negative=_logistic,
                negatives_in_v=True, context_times_u=False):
    """The three gradients with one typical mistake switched on."""
    def grads(v, u_o, U_n):
        g_o, g_n = positive(u_o @ v), negative(U_n @ v)
        grad_v = g_o * u_o + (g_n @ U_n if negatives_in_v else 0.0)
        grad_u_o = g_o * (u_o if context_times_u else v)
        return grad_v, grad_u_o, np.outer(g_n, v)
    return grads


def _sgns_all_negated(v, u_o, U_n):
    return tuple(-g for g in sol.sgns_pair_gradients(v, u_o, U_n))


register(Exercise(
    id="ch13.sgns_pair_gradients",
    title="The gradient of negative sampling",
    reference=sol.sgns_pair_gradients,
    what="the tuple (grad_v, grad_u_o, grad_U_n) for random vectors with 2 to 15 negative "
         "words, a single negative word, zero vectors, and scores of size 30 to 40; the "
         "inputs must not be changed.",
    output="any",
    run=_SGNS_GRADS.run,
    compare=_SGNS_GRADS.compare,
    cases=_sgns_cases,
    edge_cases=[Case(_sgns_vectors(np.random.default_rng(1), 5, 1),
                     label="a single negative word"),
                Case((np.zeros(3), np.array([0.5, -1.0, 2.0]), np.ones((2, 3))),
                     label="a zero centre vector"),
                Case((np.full(4, 3.0), np.full(4, 3.0), np.full((2, 4), -3.0)),
                     label="scores of +36 and -36")],
    mistakes=[
        Mistake("sigma instead of sigma - 1", _sgns_grads(positive=_logistic),
                "For the true pair the derivative of -log sigma(s) is sigma(s) - 1, not "
                "sigma(s): your step would push the true context away."),
        Mistake("sigma(-s) for the negatives",
                _sgns_grads(negative=lambda s: _logistic(-s)),
                "For a negative word the derivative of -log sigma(-s) with respect to s "
                "is sigma(s) (the chain rule flips the sign of -s twice), not sigma(-s)."),
        Mistake("negatives left out of grad_v", _sgns_grads(negatives_in_v=False),
                "Your grad_v has only the true pair's term. v also appears in every "
                "negative pair: add sum_j sigma(u_j . v) u_j."),
        Mistake("grad_u_o along u_o", _sgns_grads(context_times_u=True),
                "Your grad_u_o points along u_o. The score u_o . v changes with u_o at "
                "the rate v: grad_u_o = (sigma(s_o) - 1) v."),
        Mistake("all signs flipped", _sgns_all_negated,
                "All three of your gradients have the opposite sign: they point up the "
                "loss, toward a larger loss."),
    ],
    forbid_mutation=True,
))


# ------------------------------------------------------------------------------- top_k_cosine
def _embeddings_of_varied_norms(rng, n, d):
    """Rows of lengths from 0.1 to 10, so that a dot product ranks otherwise."""
    E = rng.standard_normal((n, d))
    return E * np.exp(rng.uniform(np.log(0.1), np.log(10.0), (n, 1)))


def _top_cases(rng):
    for n, d, k in ((8, 3, 3), (30, 5, 5), (100, 10, 7)):
        yield Case((_embeddings_of_varied_norms(rng, n, d), int(rng.integers(0, n)), k),
                   label=f"{n} random vectors of {d} entries, k = {k}")


def _top_dot(E, i, k):
    similarity = E @ E[i]
    similarity[i] = -np.inf
    return np.argsort(-similarity, kind="stable")[:k]


def _top_with_itself(E, i, k):
    unit = E / np.linalg.norm(E, axis=1, keepdims=True)
    return np.argsort(-(unit @ unit[i]), kind="stable")[:k]


def _top_least_similar(E, i, k):
    unit = E / np.linalg.norm(E, axis=1, keepdims=True)
    similarity = unit @ unit[i]
    similarity[i] = np.inf
    return np.argsort(similarity, kind="stable")[:k]


def _top_euclidean(E, i, k):
    distance = np.linalg.norm(E - E[i], axis=1)
    distance[i] = np.inf
    return np.argsort(distance, kind="stable")[:k]


_TIES = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [3.0, 0.1], [0.5, 0.0]])

register(Exercise(
    id="ch13.top_k_cosine",
    title="Nearest neighbours by cosine",
    reference=sol.top_k_cosine,
    what="the indices of the k most similar rows for random vectors of lengths from 0.1 to "
         "10, the first and the last row as the query, k = 1, and rows pointing the same "
         "way (ties, smaller index first); the input must not be changed.",
    cases=_top_cases,
    edge_cases=[Case((_TIES, 0, 3), label="rows pointing the same way (ties)"),
                Case((_embeddings_of_varied_norms(np.random.default_rng(2), 12, 4), 11, 1),
                     label="the last row as the query, k = 1"),
                Case((_embeddings_of_varied_norms(np.random.default_rng(3), 10, 3), 0, 4),
                     label="the first row as the query")],
    mistakes=[
        Mistake("dot product", _top_dot,
                "You ranked by the dot product, which favours long vectors. The cosine "
                "divides by both lengths: normalise the rows first."),
        Mistake("the word itself", _top_with_itself,
                "Your list starts with row i itself (cosine 1). Leave the query out, e.g. "
                "by setting its similarity to -inf before sorting."),
        Mistake("least similar first", _top_least_similar,
                "You returned the least similar rows. Sort the cosines in decreasing "
                "order: np.argsort(-similarity, kind='stable')."),
        Mistake("Euclidean distance", _top_euclidean,
                "You ranked by Euclidean distance, which depends on the lengths of the "
                "vectors. The cosine compares directions only."),
    ],
    forbid_mutation=True,
))


# -------------------------------------------------------------------------------- word2vec_lr
def _lr_cases(rng):
    for _ in range(4):
        total = int(rng.integers(10, 10**6))
        yield Case((float(rng.uniform(0.001, 0.2)), int(rng.integers(0, total)), total),
                   label="a random step of a random run")


def _lr_no_floor(lr0, t, total):
    return lr0 * (1.0 - t / total)


def _lr_absolute_floor(lr0, t, total):
    return max(lr0 * (1.0 - t / total), 1e-4)


def _lr_rising(lr0, t, total):
    return lr0 * max(t / total, 1e-4)


def _lr_floor_zero(lr0, t, total):
    return lr0 * max(1.0 - t / total, 0.0)


register(Exercise(
    id="ch13.word2vec_lr",
    title="Word2Vec's learning rate",
    reference=sol.word2vec_lr,
    what="the rate at random steps of random runs, the first step, the last step, a step "
         "past the end and a small starting rate.",
    output="scalar",
    cases=_lr_cases,
    edge_cases=[Case((0.025, 0, 1000), label="the first step"),
                Case((0.025, 999, 1000), label="the last step, close to the floor"),
                Case((0.05, 1000, 1000), label="t = total"),
                Case((0.05, 1500, 1000), label="a step past the end"),
                Case((1e-5, 500, 1000), label="a small starting rate")],
    mistakes=[
        Mistake("no floor", _lr_no_floor,
                "Your rate reaches 0 at the end (and turns negative after): Word2Vec keeps "
                "it at least lr0 * 1e-4, max(1 - t / total, 1e-4)."),
        Mistake("an absolute floor", _lr_absolute_floor,
                "Your floor is the number 1e-4. It is relative: the rate never falls below "
                "lr0 * 1e-4, a ten-thousandth of where it started."),
        Mistake("rising", _lr_rising,
                "Your rate grows from 0 to lr0. Word2Vec's falls: it starts at lr0 and "
                "decreases linearly, lr0 * (1 - t / total)."),
        Mistake("floor at 0", _lr_floor_zero,
                "You clipped the rate at 0. Word2Vec clips it at lr0 * 1e-4, so that the "
                "last steps still move the vectors a little."),
    ],
))
