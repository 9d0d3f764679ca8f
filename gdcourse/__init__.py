"""gdcourse: the companion package of the book "Gradient Descent, Step by Step".

The chapters import their code from here, and the book shows this code, so what a reader sees
is what the test suite tests.

Modules
-------
objectives    loss functions with exact gradients: Quadratic, LinearRegression,
              LogisticRegression, LinearSVM (hinge loss, subgradient), Rosenbrock, Function
descent       gradient_descent with stopping criteria, and the History of a run
optim         optimizers with torch.optim's names and update rules (SGD, Adam, ...)
schedules     learning-rate schedules (step, exponential, 1/t, cosine, warm-up, warm
              restarts, cyclical, one cycle, reduce-on-plateau)
variants      batch, stochastic and mini-batch gradient descent on data
estimators    scikit-learn estimators GDRegressor and GDClassifier
gradcheck     gradient checking with finite differences
nn            a two-layer network with backpropagation
mlp           a multilayer perceptron for classification, its training loop, its PyTorch twin
convergence   condition numbers, linear rates, early stopping
lr_finder     the learning-rate range test
batching      per-sample gradients and mini-batch gradient noise
second_order  Newton's method
theory        the guarantees of chapter 8: rate bounds, worst-case functions, SGD theory
linesearch    step sizes chosen on the way: Armijo backtracking, Polyak, Barzilai-Borwein
variance_reduction  SVRG and SAGA, with the work counted in passes over the data
proximal      soft-thresholding, ISTA and FISTA for the lasso and the elastic net
stability     numerically stable log-sum-exp, softplus, sigmoid, logistic loss, clipping
diagnose      reading a run's history: diverging, oscillating, too slow, NaN, ...
plotting      figures of the book (colour-blind-safe palette)
animation     self-contained HTML animations for the static book
interactive   ipywidgets sliders with a static fallback
scale         beyond one machine: fit_blocks (out-of-core partial_fit on Dask blocks),
              data-parallel SGD on torch.distributed workers, local SGD, stale gradients
grading       check(...), progress() and the hidden tests of every exercise
"""

__version__ = "0.1.0"
