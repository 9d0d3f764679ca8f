"""gdcourse.embeddings: the SGNS gradient by finite differences, sparse updates that touch
only the batch's rows, the fast path equal to the readable one bit for bit, the loss
falling on the course's corpus, the neighbours and analogies chapter 13 prints, and
hyperparameters checked by name."""

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from gdcourse.embeddings import (analogy, build_vocabulary, draw_negatives, encode,
                                 keep_probabilities, linear_decay, load_course_prose,
                                 nearest, noise_distribution, sgd_step, sgd_step_fast,
                                 sgns_loss_and_grads, skipgram_pairs,
                                 softmax_loss_and_grads, subsample, tokenize, train_sgns)
from gdcourse.gradcheck import check_gradient, numerical_gradient
from gdcourse.solutions import ch13

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "13_word_embeddings.ipynb"
SETTINGS = dict(dim=50, window=5, negatives=5, epochs=30, lr=0.05, batch_size=256,
                t=1e-3)


def random_batch(seed, n_words=15, dim=4, batch=8, k=3):
    rng = np.random.default_rng(seed)
    W_in, W_out = rng.normal(0, 0.6, (n_words, dim)), rng.normal(0, 0.6, (n_words, dim))
    return (W_in, W_out, rng.integers(0, n_words, batch), rng.integers(0, n_words, batch),
            rng.integers(0, n_words, (batch, k)))


def dense(W_in, W_out, centres, contexts, negatives):
    losses, g_v, g_o, g_n = sgns_loss_and_grads(W_in, W_out, centres, contexts, negatives)
    G_in, G_out = np.zeros_like(W_in), np.zeros_like(W_out)
    np.add.at(G_in, centres, g_v)
    np.add.at(G_out, contexts, g_o)
    np.add.at(G_out, negatives, g_n)
    return losses.sum(), np.concatenate([G_in.ravel(), G_out.ravel()])


@pytest.fixture(scope="module")
def corpus():
    tokens = tokenize(load_course_prose())
    vocab = build_vocabulary(tokens, min_count=5)
    return vocab, encode(tokens, vocab)


@pytest.fixture(scope="module")
def chapter_run(corpus):
    vocab, ids = corpus
    return train_sgns(ids, vocab.counts, seed=0, **SETTINGS)


# ----------------------------------------------------------------------- loss, gradient

@pytest.mark.parametrize("seed", range(5))
def test_sgns_gradient_matches_finite_differences(seed):
    W_in, W_out, c, o, n = random_batch(seed)
    shape = W_in.shape

    def loss(theta):
        return dense(*theta.reshape(2, *shape), c, o, n)[0]

    def grad(theta):
        return dense(*theta.reshape(2, *shape), c, o, n)[1]

    theta = np.concatenate([W_in.ravel(), W_out.ravel()])
    result = check_gradient(loss, grad, theta, tol=1e-7)
    assert result.passed, result


def test_sgns_loss_is_the_formula():
    W_in, W_out, c, o, n = random_batch(7)
    losses = sgns_loss_and_grads(W_in, W_out, c, o, n)[0]
    sigma = lambda s: 1 / (1 + np.exp(-s))                          # noqa: E731
    for b in range(len(c)):
        v = W_in[c[b]]
        expected = -np.log(sigma(W_out[o[b]] @ v)) - np.log(sigma(-W_out[n[b]] @ v)).sum()
        assert losses[b] == pytest.approx(expected, rel=1e-12)


def test_sgns_is_finite_for_huge_scores():
    W_in, W_out = np.full((3, 2), 30.0), np.full((3, 2), -30.0)
    losses, *grads = sgns_loss_and_grads(W_in, W_out, np.array([0]), np.array([1]),
                                         np.array([[2, 2]]))
    assert np.isfinite(losses).all() and all(np.isfinite(g).all() for g in grads)
    assert losses[0] == pytest.approx(1800.0, rel=1e-12)


def test_reference_solution_gives_the_rows_of_the_package():
    W_in, W_out, c, o, n = random_batch(3)
    _, g_v, g_o, g_n = sgns_loss_and_grads(W_in, W_out, c, o, n)
    for b in range(len(c)):
        ours = ch13.sgns_pair_gradients(W_in[c[b]], W_out[o[b]], W_out[n[b]])
        np.testing.assert_allclose(ours[0], g_v[b], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(ours[1], g_o[b], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(ours[2], g_n[b], rtol=1e-12, atol=1e-15)


def test_full_softmax_gradient_matches_finite_differences():
    W_in, W_out, c, o, _ = random_batch(4)
    losses, g_v, G_out = softmax_loss_and_grads(W_in, W_out, c, o)
    S = W_in[c] @ W_out.T
    expected = np.log(np.exp(S).sum(axis=1)) - S[np.arange(len(c)), o]
    np.testing.assert_allclose(losses, expected, rtol=1e-12)
    G_in = np.zeros_like(W_in)
    np.add.at(G_in, c, g_v)
    numeric_out = numerical_gradient(
        lambda w: softmax_loss_and_grads(W_in, w.reshape(W_out.shape), c, o)[0].sum(),
        W_out.ravel())
    numeric_in = numerical_gradient(
        lambda w: softmax_loss_and_grads(w.reshape(W_in.shape), W_out, c, o)[0].sum(),
        W_in.ravel())
    np.testing.assert_allclose(G_out.ravel(), numeric_out, atol=1e-8)
    np.testing.assert_allclose(G_in.ravel(), numeric_in, atol=1e-8)


# ------------------------------------------------------------------------- sparse steps

@pytest.mark.parametrize("seed", range(3))
def test_a_step_changes_only_the_rows_of_the_batch(seed):
    W_in, W_out, c, o, n = random_batch(seed, n_words=40, batch=6)
    new_in, new_out = W_in.copy(), W_out.copy()
    sgd_step(new_in, new_out, c, o, n, lr=0.1)
    changed_in = np.flatnonzero((new_in != W_in).any(axis=1))
    changed_out = np.flatnonzero((new_out != W_out).any(axis=1))
    assert np.array_equal(changed_in, np.unique(c))
    assert np.array_equal(changed_out, np.union1d(o, n))
    assert changed_in.size < len(W_in) and changed_out.size < len(W_out)


def test_a_step_is_a_gradient_step_on_the_summed_loss_with_repeated_words():
    W_in, W_out, c, o, n = random_batch(5, n_words=4, batch=10)     # words repeat
    assert len(np.unique(c)) < len(c)
    theta = np.concatenate([W_in.ravel(), W_out.ravel()])
    expected = theta - 0.05 * dense(W_in, W_out, c, o, n)[1]
    sgd_step(W_in, W_out, c, o, n, lr=0.05)
    np.testing.assert_allclose(np.concatenate([W_in.ravel(), W_out.ravel()]), expected,
                               rtol=1e-13, atol=1e-15)


def test_fast_step_equals_the_readable_one_bit_for_bit(corpus):
    vocab, ids = corpus
    small = ids[:3000]
    runs = [train_sgns(small, vocab.counts, dim=16, epochs=2, lr=0.05, batch_size=128,
                       seed=3, fast=fast) for fast in (False, True)]
    assert np.array_equal(runs[0].W_in, runs[1].W_in)
    assert np.array_equal(runs[0].W_out, runs[1].W_out)
    assert np.array_equal(runs[0].batch_losses, runs[1].batch_losses)


def test_fast_step_on_a_non_contiguous_matrix():
    W_in, W_out, c, o, n = random_batch(6)
    F_in = np.asfortranarray(W_in)
    a_in, a_out = W_in.copy(), W_out.copy()
    sgd_step(a_in, a_out, c, o, n, lr=0.1)
    sgd_step_fast(F_in, W_out, c, o, n, lr=0.1)
    assert np.array_equal(F_in, a_in) and np.array_equal(W_out, a_out)


# ------------------------------------------------------------------------- sampling

def test_vocabulary_is_sorted_by_count_then_alphabet():
    vocab = build_vocabulary("b a c b a d b c e".split(), min_count=2)
    assert vocab.words == ("b", "a", "c") and list(vocab.counts) == [3, 2, 2]
    assert list(encode("e a b x c".split(), vocab)) == [1, 0, 2]


def test_noise_distribution_and_subsampling():
    counts = np.array([1000, 100, 10, 1])
    p = noise_distribution(counts)
    np.testing.assert_allclose(p, counts ** 0.75 / (counts ** 0.75).sum(), rtol=1e-14)
    np.testing.assert_allclose(noise_distribution(counts, 1.0), counts / counts.sum())
    keep = keep_probabilities(counts, t=0.01)
    np.testing.assert_allclose(keep, np.minimum(1, np.sqrt(0.01 * 1111 / counts)))
    ids = np.repeat(np.arange(4), counts)
    kept = subsample(ids, counts, 0.01, np.random.default_rng(0))
    shares = np.bincount(kept, minlength=4) / counts
    np.testing.assert_allclose(shares, keep, atol=0.05)


def test_negatives_follow_the_noise_distribution():
    p = noise_distribution(np.array([500, 50, 5, 1]))
    drawn = draw_negatives(np.cumsum(p), (200_000,), np.random.default_rng(0))
    np.testing.assert_allclose(np.bincount(drawn, minlength=4) / drawn.size, p, atol=0.005)


@pytest.mark.parametrize("window", [1, 2, 3, 7])
def test_pairs_are_those_of_the_reference_solution(window):
    ids = np.random.default_rng(window).integers(0, 20, 12)
    ours = sorted(map(tuple, skipgram_pairs(ids, window)))
    assert ours == sorted(map(tuple, ch13.context_pairs(ids, window)))


def test_dynamic_window_uses_near_words_more():
    ids = np.arange(20_000)
    pairs = skipgram_pairs(ids, 4, np.random.default_rng(0))
    distance = np.abs(pairs[:, 1] - pairs[:, 0])
    shares = np.bincount(distance, minlength=5)[1:] / (2 * len(ids))
    np.testing.assert_allclose(shares, [1, 0.75, 0.5, 0.25], atol=0.01)


def test_linear_decay():
    assert linear_decay(0.025, 0, 100) == 0.025
    assert linear_decay(0.025, 50, 100) == pytest.approx(0.0125)
    assert linear_decay(0.025, 100, 100) == linear_decay(0.025, 500, 100) == 0.025 * 1e-4


# ------------------------------------------------------------------ the chapter's run

def test_loss_falls_on_the_corpus(chapter_run):
    losses = chapter_run.epoch_losses
    assert losses[-1] < 0.75 * losses[0]
    assert losses[5:].mean() < losses[:5].mean()
    assert chapter_run.batch_losses[0] == pytest.approx(6 * np.log(2), rel=1e-12)


def _printed(cell_start):
    nb = nbformat.read(CHAPTER, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code"
                and c.source.startswith(cell_start))
    return "".join(o.get("text", "") for o in cell.outputs)


def test_the_neighbours_printed_in_the_chapter(chapter_run, corpus):
    vocab, _ = corpus
    printed = _printed("E = run.W_in")
    lines = dict(line.split(maxsplit=1) for line in printed.strip().splitlines())
    assert set(lines) == {"adam", "batch", "matrix", "network", "convex", "training"}
    for word, text in lines.items():
        expected = ", ".join(f"{w} ({c:.2f})"
                             for w, c in nearest(chapter_run.W_in, vocab, word))
        assert text == expected
    assert re.match(r"adamw \(\S+\), rmsprop", lines["adam"])
    assert lines["batch"].startswith("mini") and "stochastic" in lines["batch"]
    assert lines["network"].startswith("neural")


def test_the_analogies_printed_in_the_chapter(chapter_run, corpus):
    vocab, _ = corpus
    printed = _printed("analogies = [")
    assert printed.count("is answer 1 of 5") == 3
    for a, b, c, expected in [("relu", "he", "tanh", "xavier"),
                              ("tanh", "xavier", "relu", "he"),
                              ("epoch", "epochs", "step", "steps")]:
        assert analogy(chapter_run.W_in, vocab, a, b, c, k=1)[0][0] == expected


@pytest.mark.parametrize("seed", [1, 2])
def test_the_activation_analogy_holds_for_other_seeds(corpus, seed):
    vocab, ids = corpus
    run = train_sgns(ids, vocab.counts, seed=seed, **SETTINGS)
    assert analogy(run.W_in, vocab, "relu", "he", "tanh", k=1)[0][0] == "xavier"
    assert analogy(run.W_in, vocab, "tanh", "xavier", "relu", k=1)[0][0] == "he"
    assert nearest(run.W_in, vocab, "batch", k=1)[0][0] == "mini"


def test_corpus_is_frozen():
    text = load_course_prose()
    assert len(text.splitlines()) == 733 and len(tokenize(text)) == 30304


# ------------------------------------------------------------------- hyperparameters

@pytest.mark.parametrize("name, value", [
    ("dim", 0), ("window", 0), ("negatives", -1), ("epochs", 1.5), ("lr", 0.0),
    ("lr", float("nan")), ("batch_size", 0), ("t", -1e-3)])
def test_bad_hyperparameters_raise_naming_them(corpus, name, value):
    vocab, ids = corpus
    with pytest.raises(ValueError, match=f"^{name} "):
        train_sgns(ids[:100], vocab.counts, **{name: value})


def test_other_bad_arguments_raise_naming_them():
    with pytest.raises(ValueError, match="^min_count "):
        build_vocabulary(["a", "b"], min_count=0)
    with pytest.raises(ValueError, match="^min_count "):
        build_vocabulary(["a", "b"], min_count=3)
    with pytest.raises(ValueError, match="^power "):
        noise_distribution([1, 2], power=-1)
    with pytest.raises(ValueError, match="^window "):
        skipgram_pairs([1, 2, 3], window=0)
    with pytest.raises(ValueError, match="^t "):
        keep_probabilities([1, 2], t=0)
