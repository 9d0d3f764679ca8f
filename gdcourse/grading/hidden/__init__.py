"""Hidden tests of every exercise, one module per chapter (``ch01.py``, ``ch02.py``, ...).

Importing this package imports every chapter module, which registers its exercises.
"""

import importlib
import pkgutil

CHAPTERS = {
    1: "Basics",
    2: "Deriving the gradient",
    3: "Convergence",
    4: "The learning rate",
    5: "Batch, stochastic and mini-batch gradient descent",
    6: "Advanced optimizers",
    7: "Pitfalls and how to diagnose them",
    8: "What the theory guarantees",
    9: "When the step is not fixed",
    10: "Schedules and hyperparameters at scale",
    11: "Image classification with a neural network",
    12: "A recommender by matrix factorization",
    13: "Word embeddings",
    14: "Gradient descent beyond one machine",
}

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("ch")):
    importlib.import_module(f"{__name__}.{_module}")
