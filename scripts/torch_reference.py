"""Record PyTorch's Adam (weight_decay: an L2 gradient term) and AdamW (decoupled decay) on a small network,
decay on the weights only, for tests/test_regularization.py to compare the engine against.

    pip install torch && python scripts/torch_reference.py

Writes tests/data/torch_adam.npz: the data, the initial parameters, and the parameters after each of
STEPS full-batch steps for each optimizer. PyTorch is not a dependency of the app or the tests: the
file is checked in, and this script says how it was made (PyTorch's version is stored in it).
"""

from __future__ import annotations

import pathlib

import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "torch_adam.npz"
STEPS = 25
LR, L2, DECAY = 0.05, 0.3, 0.3
SIZES = (3, 5, 2)


def main():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(40, SIZES[0]))
    y = np.column_stack([np.sin(X[:, 0]) + 0.5 * X[:, 1], X[:, 2] ** 2 - 1.0])
    W1, W2 = rng.normal(scale=0.7, size=SIZES[:2]), rng.normal(scale=0.7, size=SIZES[1:])
    b1, b2 = rng.normal(scale=0.1, size=SIZES[1]), rng.normal(scale=0.1, size=SIZES[2])
    out = {"X": X, "y": y, "W1": W1, "b1": b1, "W2": W2, "b2": b2, "lr": LR, "l2": L2, "decay": DECAY}
    for name, make in (
        ("adam_l2", lambda weights, biases: torch.optim.Adam(
            [{"params": weights, "weight_decay": L2}, {"params": biases, "weight_decay": 0.0}], lr=LR)),
        ("adamw", lambda weights, biases: torch.optim.AdamW(
            [{"params": weights, "weight_decay": DECAY}, {"params": biases, "weight_decay": 0.0}], lr=LR)),
    ):  # fmt: skip
        params = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (W1, b1, W2, b2)]
        optimizer = make([params[0], params[2]], [params[1], params[3]])
        Xt, yt = torch.tensor(X), torch.tensor(y)
        trajectory = []
        for _ in range(STEPS):
            optimizer.zero_grad()
            hidden = torch.tanh(Xt @ params[0] + params[1])
            loss = torch.mean((hidden @ params[2] + params[3] - yt) ** 2)  # the engine's MSE: no ½
            loss.backward()
            optimizer.step()
            trajectory.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
        out[name] = np.array(trajectory)  # (STEPS, W1 b1 W2 b2 flattened)
    out["torch_version"] = np.array(torch.__version__)
    OUT.parent.mkdir(exist_ok=True)
    np.savez(OUT, **out)
    print(f"wrote {OUT.relative_to(ROOT)} with PyTorch {torch.__version__}")


if __name__ == "__main__":
    main()
