"""Engine speed: steps per second with and without history recording, and against PyTorch on the CPU.

    python benchmarks/engine.py [--steps 3000] [--repeats 5]

Prints one row per configuration. Figures are best-of-N in this process, the runs of a configuration
taking turns within each round, so ratios are comparable even on a busy machine; absolute numbers
are not. PyTorch is optional: when it
is installed, the same network, optimizer and batches run in it for the ratio.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from weightviz import MLP, Trainer, datasets  # noqa: E402

CONFIGS = {
    # name: (dataset, hidden sizes, activation, batch size, weightviz dtype)
    "playground 2-8-8-1, batch 32": ("moons", [8, 8], "tanh", 32, "float64"),
    "digits 64-128-64-10, batch 128": ("digits", [128, 64], "relu", 128, "float64"),
    "  the same in float32": ("digits", [128, 64], "relu", 128, "float32"),
    "linear 8-1, batch 32": ("linear", [], "relu", 32, "float64"),
}


def best_rates(runs, steps, repeats):
    """{name: best steps/second} over ``repeats`` rounds; each round times every run once, in turn, so
    that all of them meet the same moments of a shared machine's load (one warm-up call each first)."""
    for run in runs.values():
        run(steps // 10)
    best = dict.fromkeys(runs, 0.0)
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run(steps)
            best[name] = max(best[name], steps / (time.perf_counter() - start))
    return best


def weightviz_run(ds, hidden, activation, batch, record, dtype="float64"):
    """Trainer.run of a fresh trainer, with one BLAS thread per call as in the app (ui/nav.py)."""
    model = MLP(ds.layer_sizes(hidden), activation=activation, task=ds.task, init="he_normal", seed=0, dtype=dtype)
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

    def run(steps):
        with threadpool_limits(limits=1, user_api="blas"):
            trainer.run(steps)

    run.trainer = trainer
    return run


def torch_run(ds, hidden, activation, batch, dtype_name, threads=None, eval_every=None):
    """A PyTorch loop over the same network, optimizer and batches; ``threads`` sets torch's intra-op threads
    for the timed calls (None: its default). Every ``eval_every`` steps it measures the loss and the metric
    on the train and test sets, as a weightviz trainer does (its evaluation is in both columns)."""
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
    eval_sets = [(X, y), (torch.tensor(ds.X_test, dtype=dtype), None)]
    if ds.task == "multiclass":
        eval_sets[1] = (eval_sets[1][0], torch.tensor(ds.y_test, dtype=torch.long))
    else:
        eval_sets[1] = (eval_sets[1][0], torch.tensor(ds.y_test, dtype=dtype)[:, None])

    def evaluate():
        with torch.no_grad():
            for X_eval, y_eval in eval_sets:
                z = net(X_eval)
                loss_fn(z, y_eval).item()
                if ds.task == "multiclass":
                    (z.argmax(dim=1) == y_eval).float().mean().item()
                elif ds.task == "binary":
                    ((z > 0).to(dtype) == y_eval).float().mean().item()
                else:  # R²
                    (1 - ((y_eval - z) ** 2).sum() / ((y_eval - y_eval.mean()) ** 2).sum()).item()

    def run(steps):
        default_threads = torch.get_num_threads()
        torch.set_num_threads(threads or default_threads)
        try:
            loop(steps)
        finally:
            torch.set_num_threads(default_threads)

    def loop(steps):
        order, cursor = np.empty(0, dtype=np.int64), 0
        for t in range(1, steps + 1):
            if cursor >= len(order):
                order, cursor = torch.from_numpy(rng.permutation(len(X))), 0
            idx = order[cursor : cursor + batch]
            cursor += batch
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(X[idx]), y[idx])
            loss.backward()
            opt.step()
            if eval_every and (t % eval_every == 0 or t == steps):
                evaluate()

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5)
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
    for name, (dataset, hidden, activation, batch, dtype) in CONFIGS.items():
        ds = datasets.load(dataset, **({"n_samples": 500} if dataset == "moons" else {}))
        runs = {
            "bare": weightviz_run(ds, hidden, activation, batch, False, dtype),
            "recorded": weightviz_run(ds, hidden, activation, batch, True, dtype),
        }
        every = runs["bare"].trainer.eval_every
        if torch:  # PyTorch at its default threads and at one thread: the faster of the two counts
            for dtype in ("float32", "float64"):
                runs[f"{dtype}/default"] = torch_run(ds, hidden, activation, batch, dtype, eval_every=every)
                runs[f"{dtype}/1"] = torch_run(ds, hidden, activation, batch, dtype, threads=1, eval_every=every)
        rate = best_rates(runs, args.steps, args.repeats)
        bare, recorded = rate["bare"], rate["recorded"]
        cost = bare / recorded - 1  # extra time per step, as a share of a bare step
        row = f"{name:34} {bare:9.0f} {recorded:9.0f} {cost:11.1%}"
        if torch:
            f32 = max(rate["float32/default"], rate["float32/1"])
            f64 = max(rate["float64/default"], rate["float64/1"])
            row += f" {f32:9.0f} {f64:9.0f} {recorded / f32:6.2f}x"
        print(row)
    print("\nsteps/second; 'record cost' = extra time of a recorded step over a bare one;")
    print("'vs f32' = weightviz *with* recording over PyTorch float32 without any. weightviz uses one BLAS")
    print("thread per call (as the app); PyTorch counts at the faster of its default threads and one thread.")
    print("Both evaluate the train and test loss and metric at the trainer's cadence (eval_every steps).")
    print("weightviz computes in float64 unless a row says float32 (MLP(..., dtype='float32')).")


if __name__ == "__main__":
    main()
