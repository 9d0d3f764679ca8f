"""Reference solutions for chapter 11, Image classification with a neural network."""

import numpy as np


def softmax(Z):
    """Row-wise softmax of the scores Z (m x k). Each row is shifted by its own
    maximum, so that exp never overflows and the largest term of each row is 1."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def cross_entropy_grad(Z, y):
    """dJ/dZ = (P - Y) / m for the mean softmax cross-entropy J of the logits Z
    (m x k) and the integer labels y, with P = softmax(Z) and Y one-hot."""
    m = Z.shape[0]
    G = np.exp(Z - Z.max(axis=1, keepdims=True))
    G /= G.sum(axis=1, keepdims=True)           # P
    G[np.arange(m), y] -= 1.0                   # P - Y: 1 off the true class
    return G / m


def relu_layer_backward(A_prev, W, Z, dA):
    """The backward pass of a ReLU layer A = max(Z, 0), Z = A_prev W + b, from
    dA = dJ/dA: dZ = dA * [Z > 0], then dA_prev = dZ W^T, dW = A_prev^T dZ and
    db = the sum of dZ over the rows."""
    dZ = dA * (Z > 0)                    # the ReLU lets the gradient through, or not
    dA_prev = dZ @ W.T
    dW = A_prev.T @ dZ
    db = dZ.sum(axis=0)
    return dA_prev, dW, db


def weight_scale(n_in, n_out, activation):
    """The standard deviation of a layer's initial weights: He's sqrt(2 / n_in)
    for "relu", Glorot and Bengio's (Xavier's) sqrt(2 / (n_in + n_out)) for
    "tanh"."""
    if activation == "relu":
        return np.sqrt(2 / n_in)
    return np.sqrt(2 / (n_in + n_out))


def confusion_matrix(y_true, y_pred, n_classes):
    """C[i, j] = the number of samples of class i that were predicted as class j."""
    C = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(C, (y_true, y_pred), 1)           # adds 1 once per sample, repeats too
    return C
