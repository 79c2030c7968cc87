"""Engine speed: steps per second with and without history recording, and against PyTorch on the CPU.

    python benchmarks/engine.py [--steps 3000] [--repeats 3]

Prints one row per configuration. Figures are best-of-N in this process, so ratios between rows
are comparable even on a busy machine; absolute numbers are not. PyTorch is optional: when it
is installed, the same network, optimizer and batches run in it for the ratio.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from weightviz import MLP, Trainer, datasets  # noqa: E402

CONFIGS = {
    # name: (dataset, hidden sizes, activation, batch size)
    "playground 2-8-8-1, batch 32": ("moons", [8, 8], "tanh", 32),
    "digits 64-128-64-10, batch 128": ("digits", [128, 64], "relu", 128),
    "linear 8-1, batch 32": ("linear", [], "relu", 32),
}


def best_rate(fn, steps, repeats):
    """Best steps/second over ``repeats`` timed calls of fn(steps)."""
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(steps)
        rates.append(steps / (time.perf_counter() - start))
    return max(rates)


def weightviz_run(ds, hidden, activation, batch, record):
    model = MLP(ds.layer_sizes(hidden), activation=activation, task=ds.task, init="he_normal", seed=0)
    trainer = Trainer(
        model,
        ds.X_train,
        ds.y_train,
        X_test=ds.X_test,
        y_test=ds.y_test,
        optimizer="adam",
        lr=0.001,
        batch_size=batch,
        record=record,
    )
    return trainer.run


def torch_run(ds, hidden, activation, batch, dtype_name):
    import torch

    dtype = getattr(torch, dtype_name)
    torch.manual_seed(0)
    sizes = ds.layer_sizes(hidden)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(torch.nn.Linear(a, b, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append({"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[activation]())
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(net.parameters(), lr=0.001)
    X = torch.tensor(ds.X_train, dtype=dtype)
    if ds.task == "multiclass":
        y, loss_fn = torch.tensor(ds.y_train, dtype=torch.long), torch.nn.CrossEntropyLoss()
    elif ds.task == "binary":
        y, loss_fn = torch.tensor(ds.y_train, dtype=dtype)[:, None], torch.nn.BCEWithLogitsLoss()
    else:
        y, loss_fn = torch.tensor(ds.y_train, dtype=dtype)[:, None], torch.nn.MSELoss()
    rng = np.random.default_rng(0)

    def run(steps):
        order, cursor = np.empty(0, dtype=np.int64), 0
        for _ in range(steps):
            if cursor >= len(order):
                order, cursor = torch.from_numpy(rng.permutation(len(X))), 0
            idx = order[cursor : cursor + batch]
            cursor += batch
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(X[idx]), y[idx])
            loss.backward()
            opt.step()

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    try:
        import torch

        torch_version = f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads)"
    except ImportError:
        torch = None
        torch_version = "PyTorch not installed: no comparison"
    print(f"numpy {np.__version__}; {torch_version}; {args.steps} steps, best of {args.repeats}\n")
    header = f"{'configuration':34} {'bare':>9} {'recorded':>9} {'record cost':>11}"
    header += f" {'torch f32':>9} {'torch f64':>9} {'vs f32':>7}" if torch else ""
    print(header)
    for name, (dataset, hidden, activation, batch) in CONFIGS.items():
        ds = datasets.load(dataset, **({"n_samples": 500} if dataset == "moons" else {}))
        bare = best_rate(weightviz_run(ds, hidden, activation, batch, False), args.steps, args.repeats)
        recorded = best_rate(weightviz_run(ds, hidden, activation, batch, True), args.steps, args.repeats)
        cost = bare / recorded - 1  # extra time per step, as a share of a bare step
        row = f"{name:34} {bare:9.0f} {recorded:9.0f} {cost:11.1%}"
        if torch:
            f32 = best_rate(torch_run(ds, hidden, activation, batch, "float32"), args.steps, args.repeats)
            f64 = best_rate(torch_run(ds, hidden, activation, batch, "float64"), args.steps, args.repeats)
            row += f" {f32:9.0f} {f64:9.0f} {recorded / f32:6.1f}x"
        print(row)
    print("\nsteps/second; 'record cost' = extra time of a recorded step over a bare one;")
    print("'vs f32' = weightviz *with* recording over PyTorch float32 without any.")


if __name__ == "__main__":
    main()
