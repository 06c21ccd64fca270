"""Fashion-MNIST from Debian's dataset-fashion-mnist, as the models see it:
float32 [N, 1, 28, 28] standardised with the training set's mean and std
(the constants below), int64 labels."""
import gzip
import os

import numpy as np

ROOT = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
           "Shirt", "Sneaker", "Bag", "Ankle boot")


def _read(name, offset):
    path = os.path.join(ROOT, name)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"{path} is missing: apt-get install dataset-fashion-mnist "
            "(scripts/install-deps.sh installs it)")
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load(split):
    """(images, labels) of split "train" (60,000) or "test" (10,000)."""
    prefix = {"train": "train", "test": "t10k"}[split]
    x = _read(f"{prefix}-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)
    y = _read(f"{prefix}-labels-idx1-ubyte.gz", 8).astype(np.int64)
    x = ((x.astype(np.float32) / 255.0) - MEAN) / STD
    return x, y
