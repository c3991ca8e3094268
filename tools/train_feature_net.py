#!/usr/bin/env python
"""Train the feature network of neurodl.generative on Fashion-MNIST and store its weights.

    .venv/bin/python tools/train_feature_net.py               # 4 epochs, seed 0
    .venv/bin/python tools/train_feature_net.py --epochs 6

Chapter 09 measures generated images by the features of a classifier (Fréchet and kernel
distances, class shares), and this script makes that classifier: ``train_feature_net`` on
all 60 000 training images (float32, on the CPU, seed 0), then its accuracy on the 10 000
test images. The weights go to ``neurodl/weights/fashion_features.pt``, shipped as package
data, and the script prints the file's SHA-256: copy it into
``neurodl.generative.FEATURE_NET_SHA256`` so that ``load_feature_net()`` checks the file.

The digest pins the file, not the training: another machine may train weights that differ
in the last bits (other kernels), so rebuild on one machine and commit the file.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

import numpy as np

from neurodl.data import load_fashion_mnist
from neurodl.generative import FEATURE_NET_PATH, image_predictions, save_feature_net, train_feature_net


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--epochs", type=int, default=4, help="passes over the training set (default 4)")
    parser.add_argument(
        "--output", type=Path, default=FEATURE_NET_PATH, help=f"where to write (default {FEATURE_NET_PATH})"
    )
    args = parser.parse_args(argv)

    X_train, y_train, X_test, y_test, _ = load_fashion_mnist(seed=0)  # all images, floats in [0, 1]
    start = time.perf_counter()
    net = train_feature_net(X_train, y_train, epochs=args.epochs, seed=0)
    minutes = (time.perf_counter() - start) / 60
    accuracy = float(np.mean(image_predictions(net, X_test) == y_test))
    path = save_feature_net(net, args.output)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    print(f"trained {args.epochs} epochs on {len(X_train)} images in {minutes:.1f} min")
    print(f"test accuracy: {accuracy:.4f}")
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    print(f"SHA-256: {digest}")
    if path.resolve() == FEATURE_NET_PATH:
        print(f'set neurodl.generative.FEATURE_NET_SHA256 = "{digest}"')


if __name__ == "__main__":
    main()
