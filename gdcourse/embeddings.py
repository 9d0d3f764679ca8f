r"""Word embeddings: skip-gram with negative sampling (SGNS), trained by SGD.

Every word :math:`w` of a vocabulary of :math:`V` words gets two vectors of dimension
:math:`d`: an *input* vector :math:`v_w` (row :math:`w` of ``W_in``), used when :math:`w`
is the centre word, and an *output* vector :math:`u_w` (row :math:`w` of ``W_out``), used
when it is a context word.  The skip-gram model of Mikolov et al. (2013) predicts the
words around each centre word :math:`c` within a window; for one pair :math:`(c, o)` of a
centre word and one of its context words, with :math:`k` *negative* words
:math:`n_1, \dots, n_k` drawn from the noise distribution :math:`P_n`, the loss of
negative sampling is

.. math::
    \ell(c, o) = -\log \sigma(u_o^\top v_c) - \sum_{j=1}^k \log \sigma(-u_{n_j}^\top v_c),
    \qquad \sigma(s) = \frac{1}{1 + e^{-s}},

and its gradients, with :math:`g_o = \sigma(u_o^\top v_c) - 1` and
:math:`g_j = \sigma(u_{n_j}^\top v_c)`, are

.. math::
    \frac{\partial \ell}{\partial v_c} = g_o u_o + \sum_j g_j u_{n_j}, \qquad
    \frac{\partial \ell}{\partial u_o} = g_o v_c, \qquad
    \frac{\partial \ell}{\partial u_{n_j}} = g_j v_c.

A pair touches :math:`k + 2` rows of the :math:`2V` rows of parameters: an SGD step
changes only those (:func:`sgd_step`, with ``np.add.at`` so that a row that occurs twice
in a batch gets both contributions).  The noise distribution is the unigram distribution
raised to the power 3/4, :math:`P_n(w) \propto \text{count}(w)^{3/4}`; frequent words are
*subsampled* (kept with probability :math:`\min(1, \sqrt{t / f_w})` for a word of
frequency :math:`f_w`); the learning rate falls linearly to :math:`10^{-4}` of its start
over the run, as in Word2Vec.

For comparison, :func:`softmax_loss_and_grads` is the full softmax of the skip-gram model,
whose cost per pair grows with :math:`V`.

The corpus of chapter 13, :func:`load_course_prose`, is a frozen copy of the prose of the
course's chapters 1-8 and 11, shipped with the package (``gdcourse/data/course_prose.txt``,
made by ``tools/freeze_corpus.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from ._validation import InvalidParameterError, check_number, check_positive_int

__all__ = ["load_course_prose", "tokenize", "Vocabulary", "build_vocabulary", "encode",
           "keep_probabilities", "subsample", "noise_distribution", "skipgram_pairs",
           "draw_negatives", "sgns_loss_and_grads", "sgd_step", "sgd_step_fast",
           "linear_decay", "init_embeddings", "train_sgns", "SGNSRun", "cosine_similarities",
           "nearest", "analogy", "softmax_loss_and_grads"]


# ------------------------------------------------------------------------ the corpus

def load_course_prose() -> str:
    """The frozen corpus of chapter 13: the prose of chapters 1-8 and 11, one paragraph
    per line (about 31 400 words)."""
    return resources.files("gdcourse").joinpath("data/course_prose.txt").read_text("utf-8")


def tokenize(text: str) -> list[str]:
    """The words of ``text``, lower-cased: runs of the letters a-z (digits, signs and
    punctuation separate words; "it's" gives "it" and "s")."""
    return re.findall(r"[a-z]+", text.lower())


@dataclass(frozen=True)
class Vocabulary:
    """The words kept, most frequent first (ties in alphabetical order), their counts, and
    each word's index."""

    words: tuple
    counts: np.ndarray
    index: dict = field(repr=False)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word) -> bool:
        return word in self.index


def build_vocabulary(tokens, min_count: int = 5) -> Vocabulary:
    """The words that occur at least ``min_count`` times in ``tokens``."""
    min_count = check_positive_int(min_count, "min_count")
    words, counts = np.unique(np.asarray(tokens, dtype=str), return_counts=True)
    order = np.lexsort((words, -counts))            # by count, down; ties alphabetical
    kept = order[counts[order] >= min_count]
    if kept.size == 0:
        raise InvalidParameterError(f"min_count leaves no word: no word occurs "
                                    f"{min_count} times")
    words = tuple(str(w) for w in words[kept])
    return Vocabulary(words, counts[kept].astype(np.int64),
                      {w: i for i, w in enumerate(words)})


def encode(tokens, vocabulary: Vocabulary) -> np.ndarray:
    """The indices of the tokens that are in the vocabulary (the others are dropped, as
    Word2Vec drops rare words before it forms windows)."""
    index = vocabulary.index
    return np.array([index[t] for t in tokens if t in index], dtype=np.int64)


# ------------------------------------------------------------------ sampling the data

def keep_probabilities(counts, t: float = 1e-3) -> np.ndarray:
    r"""Probability of keeping each occurrence of a word in subsampling,
    :math:`\min\big(1, \sqrt{t / f_w}\big)` with :math:`f_w` the word's share of the
    tokens: a word more frequent than :math:`t` loses occurrences, the rarer ones keep all.
    """
    t = check_number(t, "t", low=0.0, low_open=True)
    counts = np.asarray(counts, dtype=np.float64)
    frequencies = counts / counts.sum()
    return np.minimum(1.0, np.sqrt(t / frequencies))


def subsample(ids, counts, t: float, rng) -> np.ndarray:
    """``ids`` without the occurrences that subsampling drops (one coin per token)."""
    keep = keep_probabilities(counts, t)[ids]
    return ids[rng.random(len(ids)) < keep]


def noise_distribution(counts, power: float = 0.75) -> np.ndarray:
    r"""The distribution negative words are drawn from,
    :math:`P_n(w) = \text{count}(w)^{p} / \sum_{w'} \text{count}(w')^{p}` with
    :math:`p = 3/4`: between the unigram distribution (:math:`p = 1`) and the uniform one
    (:math:`p = 0`), it draws rare words more often than their frequency."""
    power = check_number(power, "power", low=0.0)
    weights = np.asarray(counts, dtype=np.float64) ** power
    return weights / weights.sum()


def skipgram_pairs(ids, window: int, rng=None) -> np.ndarray:
    """Every pair ``(centre, context)`` of word indices at most ``window`` positions apart,
    as an array of shape ``(n_pairs, 2)``, grouped by offset.

    With ``rng``, each centre word uses a window of its own, drawn uniformly from 1 to
    ``window`` (Word2Vec's dynamic window: a context word at distance ``s`` is used with
    probability ``(window - s + 1) / window``, so near words weigh more)."""
    window = check_positive_int(window, "window")
    ids = np.asarray(ids)
    n = len(ids)
    reach = np.full(n, window) if rng is None else rng.integers(1, window + 1, n)
    pairs = []
    for offset in range(1, window + 1):
        centres = np.arange(n - offset)                 # centre i, context i + offset
        right = centres[reach[centres] >= offset]
        left = centres[reach[centres + offset] >= offset] + offset   # context i - offset
        pairs.append(np.column_stack([ids[right], ids[right + offset]]))
        pairs.append(np.column_stack([ids[left], ids[left - offset]]))
    return np.concatenate(pairs)


def draw_negatives(cdf, shape, rng) -> np.ndarray:
    """Word indices drawn from the distribution with cumulative sums ``cdf``."""
    drawn = np.searchsorted(cdf, rng.random(shape) * cdf[-1], side="right")
    return np.minimum(drawn, len(cdf) - 1)


# ------------------------------------------------------------- the loss and its gradient

def _sigmoid(s):
    return 0.5 * (1.0 + np.tanh(0.5 * s))               # no overflow for large |s|


def sgns_loss_and_grads(W_in, W_out, centres, contexts, negatives):
    r"""The SGNS losses of a batch of pairs and their gradients, row by row.

    ``centres`` and ``contexts`` hold the :math:`B` pairs, ``negatives``
    (:math:`B \times k`) the negative words of each pair.  Returns the :math:`B` losses
    :math:`\ell = -\log\sigma(u_o^\top v_c) - \sum_j \log\sigma(-u_{n_j}^\top v_c)`, and
    the gradients :math:`\partial\ell/\partial v_c` (:math:`B \times d`),
    :math:`\partial\ell/\partial u_o` (:math:`B \times d`) and
    :math:`\partial\ell/\partial u_{n_j}` (:math:`B \times k \times d`)."""
    v = W_in[centres]                                   # B x d
    u_o = W_out[contexts]                               # B x d
    u_n = W_out[negatives]                              # B x k x d
    s_o = np.einsum("bd,bd->b", u_o, v)                 # scores of the true pairs
    s_n = np.einsum("bkd,bd->bk", u_n, v)               # scores of the negative pairs
    losses = np.logaddexp(0.0, -s_o) + np.logaddexp(0.0, s_n).sum(axis=1)
    g_o = _sigmoid(s_o) - 1.0                           # d loss / d s_o
    g_n = _sigmoid(s_n)                                 # d loss / d s_n
    grad_v = g_o[:, None] * u_o + np.einsum("bk,bkd->bd", g_n, u_n)
    grad_u_o = g_o[:, None] * v
    grad_u_n = g_n[:, :, None] * v[:, None, :]
    return losses, grad_v, grad_u_o, grad_u_n


def sgd_step(W_in, W_out, centres, contexts, negatives, lr):
    """One SGD step on the summed loss of a batch of pairs, in place: only the rows
    of the batch's words change.  Returns the mean loss of the pairs (before the
    step)."""
    losses, grad_v, grad_u_o, grad_u_n = sgns_loss_and_grads(
        W_in, W_out, centres, contexts, negatives)
    np.add.at(W_in, centres, -lr * grad_v)          # a row met twice gets both steps
    np.add.at(W_out, contexts, -lr * grad_u_o)
    np.add.at(W_out, negatives, -lr * grad_u_n)
    return losses.mean()


def _add_rows(W, rows, updates):
    """``np.add.at(W, rows, updates)`` for a 2-D ``W``, through NumPy's faster path for
    1-D indices: entry ``(r, j)`` of ``W`` is entry ``r * d + j`` of ``W.ravel()``.  The
    additions happen in the same order, so the result is the same to the last bit."""
    if not W.flags.c_contiguous:                    # W.reshape(-1) would be a copy
        np.add.at(W, rows, updates)
        return
    d = W.shape[1]
    flat = (rows.reshape(-1, 1) * d + np.arange(d)).ravel()
    np.add.at(W.reshape(-1), flat, updates.ravel())


def sgd_step_fast(W_in, W_out, centres, contexts, negatives, lr):
    """:func:`sgd_step`, with the sparse additions of :func:`_add_rows`: the same steps,
    to the last bit, about four times faster."""
    losses, grad_v, grad_u_o, grad_u_n = sgns_loss_and_grads(
        W_in, W_out, centres, contexts, negatives)
    _add_rows(W_in, centres, -lr * grad_v)
    _add_rows(W_out, contexts, -lr * grad_u_o)
    _add_rows(W_out, negatives, -lr * grad_u_n)
    return losses.mean()


def linear_decay(lr0: float, t: int, total: int, floor: float = 1e-4) -> float:
    r"""Word2Vec's learning rate after ``t`` of ``total`` steps:
    :math:`\eta_t = \eta_0 \max\big(1 - t / T, 10^{-4}\big)`, a straight line from
    :math:`\eta_0` down to a ten-thousandth of it."""
    return lr0 * max(1.0 - t / total, floor)


# ------------------------------------------------------------------------- training

def init_embeddings(n_words: int, dim: int, rng):
    """Word2Vec's start: input vectors uniform in :math:`[-1/(2d), 1/(2d)]`, output vectors
    zero (so every score starts at 0, every probability at 1/2)."""
    W_in = (rng.random((n_words, dim)) - 0.5) / dim
    return W_in, np.zeros((n_words, dim))


@dataclass
class SGNSRun:
    """A training run: the two embedding matrices, the mean loss of each batch and the
    learning rate it was trained with, and the loss of each epoch (mean over its pairs)."""

    W_in: np.ndarray
    W_out: np.ndarray
    batch_losses: np.ndarray
    lrs: np.ndarray
    epoch_losses: np.ndarray


def _check_training(dim, window, negatives, epochs, lr, batch_size, t):
    check_positive_int(dim, "dim")
    check_positive_int(window, "window")
    check_positive_int(negatives, "negatives")
    check_positive_int(epochs, "epochs")
    check_positive_int(batch_size, "batch_size")
    check_number(lr, "lr", low=0.0, low_open=True)
    if t is not None:
        check_number(t, "t", low=0.0, low_open=True)


def train_sgns(ids, counts, *, dim=50, window=5, negatives=5, epochs=5, lr=0.025,
               batch_size=64, t=1e-3, seed=0, fast=True) -> SGNSRun:
    """Skip-gram with negative sampling, trained by mini-batch SGD.

    Every epoch subsamples the corpus ``ids`` anew (``t=None``: no subsampling), forms the
    pairs of a dynamic window, shuffles them, and takes one :func:`sgd_step` per batch of
    ``batch_size`` pairs with ``negatives`` noise words each, at the learning rate of
    :func:`linear_decay` (its total is estimated from the first epoch's number of
    batches).  ``fast`` takes :func:`sgd_step_fast` (the same steps, to the last bit)."""
    _check_training(dim, window, negatives, epochs, lr, batch_size, t)
    ids = np.asarray(ids, dtype=np.int64)
    rng = np.random.default_rng(seed)
    W_in, W_out = init_embeddings(len(counts), dim, rng)
    cdf = np.cumsum(noise_distribution(counts))
    step = sgd_step_fast if fast else sgd_step
    losses, lrs, epoch_losses, total = [], [], [], None
    for _ in range(epochs):
        kept = ids if t is None else subsample(ids, counts, t, rng)
        pairs = rng.permutation(skipgram_pairs(kept, window, rng))
        n_batches = -(-len(pairs) // batch_size)
        total = total or epochs * n_batches
        for start in range(0, len(pairs), batch_size):
            batch = pairs[start:start + batch_size]
            rate = linear_decay(lr, len(losses), total)
            noise = draw_negatives(cdf, (len(batch), negatives), rng)
            losses.append(step(W_in, W_out, batch[:, 0], batch[:, 1], noise, rate))
            lrs.append(rate)
        epoch_losses.append(np.mean(losses[-n_batches:]))
    return SGNSRun(W_in, W_out, np.array(losses), np.array(lrs), np.array(epoch_losses))


# ----------------------------------------------------------------- using the vectors

def cosine_similarities(E, query) -> np.ndarray:
    r"""The cosine :math:`e_w^\top q / (\|e_w\| \|q\|)` of every row of ``E`` with the
    vector ``query``."""
    norms = np.linalg.norm(E, axis=1) * np.linalg.norm(query)
    return (E @ query) / norms


def _top(similarities, k, exclude):
    similarities = similarities.copy()
    similarities[list(exclude)] = -np.inf
    order = np.argsort(-similarities, kind="stable")     # ties: the smaller index first
    return order[:k]


def nearest(E, vocabulary: Vocabulary, word: str, k: int = 5):
    """The ``k`` words whose rows of ``E`` have the largest cosine with ``word``'s, and
    their cosines (the word itself left out)."""
    i = vocabulary.index[word]
    similarities = cosine_similarities(E, E[i])
    top = _top(similarities, k, [i])
    return [(vocabulary.words[j], float(similarities[j])) for j in top]


def analogy(E, vocabulary: Vocabulary, a: str, b: str, c: str, k: int = 5):
    r"""``a`` is to ``b`` as ``c`` is to ...: the ``k`` words closest (cosine) to
    :math:`e_b - e_a + e_c` among those other than ``a``, ``b``, ``c``."""
    rows = [vocabulary.index[w] for w in (a, b, c)]
    unit = E / np.linalg.norm(E, axis=1, keepdims=True)
    similarities = cosine_similarities(E, unit[rows[1]] - unit[rows[0]] + unit[rows[2]])
    top = _top(similarities, k, rows)
    return [(vocabulary.words[j], float(similarities[j])) for j in top]


# ------------------------------------------------------------- the full softmax, to compare

def softmax_loss_and_grads(W_in, W_out, centres, contexts):
    r"""The skip-gram loss with a full softmax over the vocabulary,
    :math:`\ell = -u_o^\top v_c + \log \sum_{w=1}^V e^{u_w^\top v_c}`, for a batch of
    pairs, and its gradients :math:`\partial\ell/\partial v_c` (:math:`B \times d`) and
    with respect to all of ``W_out`` (:math:`V \times d`, summed over the batch): every
    pair touches every output vector, a cost of order :math:`V d` per pair."""
    v = W_in[centres]                                   # B x d
    S = v @ W_out.T                                     # B x V scores: the costly part
    S_max = S.max(axis=1, keepdims=True)
    P = np.exp(S - S_max)
    total = P.sum(axis=1, keepdims=True)
    P /= total
    rows = np.arange(len(centres))
    losses = np.log(total[:, 0]) + S_max[:, 0] - S[rows, contexts]
    G = P                                               # d loss / d S = P - one-hot
    G[rows, contexts] -= 1.0
    return losses, G @ W_out, G.T @ v
