"""Write the Inspect page's sample: a digits network trained by weightviz (weightviz/samples/).

    python scripts/make_sample_weights.py

64 → 64 → 32 → 10 ReLU, He normal from seed 0, Adam η = 0.01, batches of 32, 1 500 steps on the digits'
training split (seed 0): every training image right. The same command writes the same weights.
"""

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from weightviz import MLP, Trainer, checkpoints, datasets  # noqa: E402

SAMPLE = ROOT / "weightviz" / "samples" / "digits-64-64-32-10.npz"
HIDDEN, STEPS = (64, 32), 1500


def trained():
    ds = datasets.load("digits", seed=0)
    model = MLP(ds.layer_sizes(HIDDEN), "relu", "multiclass", "he_normal", seed=0)
    Trainer(model, ds.X_train, ds.y_train, "adam", 0.01, 32, seed=0, record=False).run(STEPS)
    return model, ds


if __name__ == "__main__":
    model, ds = trained()
    SAMPLE.parent.mkdir(parents=True, exist_ok=True)
    checkpoints.save(model, SAMPLE)
    print(f"{SAMPLE.relative_to(ROOT)}: train {model.score(ds.X_train, ds.y_train):.1%}, "
          f"test {model.score(ds.X_test, ds.y_test):.1%}")  # fmt: skip
