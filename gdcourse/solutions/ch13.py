"""Reference solutions for chapter 13, Word embeddings."""

import numpy as np


def noise_probabilities(counts, power):
    """P_n(w) = counts[w]**power / sum of counts**power: the distribution negative words
    are drawn from (power 3/4 in Word2Vec)."""
    weights = np.asarray(counts, dtype=float) ** power
    return weights / weights.sum()


def context_pairs(ids, window):
    """Every (centre, context) pair of words at most `window` positions apart, one row
    per pair: by centre position, then by context position."""
    n = len(ids)
    pairs = []
    for i in range(n):
        for j in range(max(0, i - window), min(n, i + window + 1)):
            if j != i:                          # a word is not its own context
                pairs.append((ids[i], ids[j]))
    return np.array(pairs)


def sgns_pair_gradients(v, u_o, U_n):
    """The gradients of -log sigma(u_o.v) - sum_j log sigma(-u_j.v) with respect to v,
    u_o and the rows u_j of U_n."""
    def sigmoid(s):
        return 0.5 * (1.0 + np.tanh(0.5 * s))   # 1 / (1 + exp(-s)), without overflow
    g_o = sigmoid(u_o @ v) - 1.0                # d loss / d (u_o . v)
    g_n = sigmoid(U_n @ v)                      # d loss / d (u_j . v), one per row
    grad_v = g_o * u_o + g_n @ U_n
    return grad_v, g_o * v, np.outer(g_n, v)


def top_k_cosine(E, i, k):
    """The indices of the k rows of E with the largest cosine similarity to row i,
    row i left out, most similar first (ties: the smaller index first)."""
    unit = E / np.linalg.norm(E, axis=1, keepdims=True)
    similarity = unit @ unit[i]
    similarity[i] = -np.inf                     # never the word itself
    return np.argsort(-similarity, kind="stable")[:k]


def word2vec_lr(lr0, t, total):
    """Word2Vec's learning rate after t of total steps: a straight line from lr0 down,
    never below lr0 / 10_000."""
    return lr0 * max(1.0 - t / total, 1e-4)
