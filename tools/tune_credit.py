"""Repeat chapter 10's choice of learning rates for its credit-assignment table.

Chapter 10 trains one network (784-128-128-10, tanh) with five credit-assignment rules for
1 500 SGD steps of 50 Fashion-MNIST images, each rule at the learning rate (and, for the
perturbation rules, the noise level sigma) that gave the best accuracy on 2 000 held-out
*validation* images, never the test set. This script searches the same grid, for one seed,
and prints every setting's validation accuracy, best first per rule. It takes a few minutes
on two cores and is not part of the tests:

    .venv/bin/python tools/tune_credit.py [--seed 0]
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

from neurodl.brain import credit
from neurodl.data import load_fashion_mnist

GRID: dict[str, dict[str, tuple[float, ...]]] = {
    "backprop": {"lr": (0.03, 0.1, 0.3, 1.0)},
    "feedback alignment": {"lr": (0.03, 0.1, 0.3, 1.0)},
    "direct feedback alignment": {"lr": (0.03, 0.1, 0.3, 1.0)},
    "node perturbation": {"lr": (1e-3, 2e-3, 3e-3, 1e-2), "sigma": (0.01, 0.1)},
    "weight perturbation": {"lr": (3e-4, 1e-3, 3e-3), "sigma": (0.01, 0.1)},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed of the data subset and of the runs")
    args = parser.parse_args()
    data = load_fashion_mnist(n_train=12_000, n_test=2_000, flatten=True, seed=args.seed)
    X, y = data.X_train[:10_000], data.y_train[:10_000]
    X_val, y_val = data.X_train[10_000:], data.y_train[10_000:]
    for rule, grid in GRID.items():
        scores = []
        for values in itertools.product(*grid.values()):
            settings = dict(zip(grid, values, strict=True))
            run = credit.train(rule, X, y, X_val, y_val, sizes=(784, 128, 128, 10), steps=1500, batch_size=50,
                               rng=np.random.default_rng(args.seed), **settings)
            scores.append((run.val_accuracy[-1], settings))
        for accuracy, settings in sorted(scores, key=lambda s: -s[0]):
            print(f"{rule:26s} {settings}  validation accuracy {accuracy:.3f}")


if __name__ == "__main__":
    main()
