"""Reference solutions for chapter 12, A recommender by matrix factorization."""

import numpy as np


def predict(mean, b_user, b_item, P, Q, users, items):
    """The predicted ratings r_hat = mean + b_u + c_i + p_u . q_i of the pairs
    (users[t], items[t]): one dot product per pair, not the whole matrix P Q^T."""
    dots = np.sum(P[users] * Q[items], axis=1)
    return mean + b_user[users] + b_item[items] + dots


def factor_step(p, q, e, lr, lam):
    """One SGD step on the factors of one rating with error e = r - r_hat:
    p += lr (e q - lam p) and q += lr (e p - lam q), both from the old p and q."""
    p_new = p + lr * (e * q - lam * p)
    q_new = q + lr * (e * p - lam * q)
    return p_new, q_new


def ridge_user(Z, y, lam):
    """The ALS update of one user: x = (Z^T Z + lam n I)^{-1} Z^T y, where the n rows
    of Z are the features of the items the user rated."""
    n, d = Z.shape
    return np.linalg.solve(Z.T @ Z + lam * n * np.eye(d), Z.T @ y)


def align_factors(P1, P2):
    """The orthogonal R that minimises ||P1 R - P2|| (Frobenius): with the SVD
    P1^T P2 = U S V^T, R = U V^T (the orthogonal Procrustes problem)."""
    U, _, Vt = np.linalg.svd(P1.T @ P2)
    return U @ Vt
