import io

import numpy as np
import pytest

from weightviz import MLP, Trainer, checkpoints, datasets
from weightviz.checkpoints import CheckpointError


@pytest.fixture
def trained():
    ds = datasets.moons(seed=0)
    model = MLP(ds.layer_sizes([5, 4]), activation="elu", task="binary", batch_norm=True, seed=1)
    Trainer(model, ds.X_train, ds.y_train).run(30)
    return model, ds


def test_round_trip_restores_predictions_exactly(trained, tmp_path):
    model, ds = trained
    path = tmp_path / "w.npz"
    checkpoints.save(model, path)
    loaded = checkpoints.load_model(path)
    np.testing.assert_array_equal(loaded.predict(ds.X_test), model.predict(ds.X_test))
    assert loaded.config["activation"] == ["elu", "elu"] and loaded.config["seed"] == 1
    fresh = MLP(ds.layer_sizes([5, 4]), activation="elu", task="binary", batch_norm=True, seed=9)
    checkpoints.load_into(fresh, io.BytesIO(checkpoints.save_bytes(model)))
    np.testing.assert_array_equal(fresh.params, model.params)


def test_wrong_shape_is_refused_and_model_untouched(trained):
    model, _ = trained
    other = MLP([2, 7, 1], task="binary")
    before = other.params.copy()
    with pytest.raises(CheckpointError, match="does not fit|shape"):
        checkpoints.load_into(other, checkpoints.save_bytes(model))
    np.testing.assert_array_equal(other.params, before)


def test_same_names_different_shapes(trained):
    model, _ = trained
    data = dict(np.load(io.BytesIO(checkpoints.save_bytes(model))))
    data["W1"] = np.zeros((5, 3))
    buffer = io.BytesIO()
    np.savez(buffer, **data)
    with pytest.raises(CheckpointError, match="W1"):
        checkpoints.load_into(model, buffer.getvalue())


@pytest.mark.parametrize("payload", [b"", b"not a zip at all", b"PK\x03\x04garbage"])
def test_garbage_is_refused(payload):
    with pytest.raises(CheckpointError):
        checkpoints.load_model(payload)


def test_pickled_objects_are_never_loaded(trained):
    model, _ = trained
    buffer = io.BytesIO()
    np.savez(buffer, architecture=np.array("{}"), W0=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(CheckpointError, match="safely"):
        checkpoints.load_into(model, buffer.getvalue())


def test_nan_weights_and_missing_architecture_are_refused(trained):
    model, _ = trained
    arrays = {k: v.copy() for k, v in model.named_arrays().items()}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    with pytest.raises(CheckpointError, match="architecture"):
        checkpoints.load_into(model, buffer.getvalue())
    data = dict(np.load(io.BytesIO(checkpoints.save_bytes(model))))
    data["b0"] = np.full_like(data["b0"], np.nan)
    buffer = io.BytesIO()
    np.savez(buffer, **data)
    with pytest.raises(CheckpointError, match="finite"):
        checkpoints.load_into(model, buffer.getvalue())


def test_a_single_array_npy_is_refused(trained):
    model, _ = trained
    buffer = io.BytesIO()
    np.save(buffer, np.zeros(3))
    with pytest.raises(CheckpointError, match="single array"):
        checkpoints.load_into(model, buffer.getvalue())


def test_loaded_weights_become_step_zero_and_bad_files_change_nothing(trained):
    model, ds = trained
    saved = checkpoints.save_bytes(model)
    fresh = MLP(ds.layer_sizes([5, 4]), activation="elu", task="binary", batch_norm=True, seed=7)
    trainer = Trainer(fresh, ds.X_train, ds.y_train)
    trainer.run(5)
    trainer.start_from(checkpoints.checked_state(fresh, saved))
    assert trainer.step_count == 0 and len(trainer.history) == 1
    np.testing.assert_array_equal(fresh.params, model.params)
    trainer.run(3)
    trainer.reset()  # reset now returns to the loaded weights
    np.testing.assert_array_equal(fresh.params, model.params)
    with pytest.raises(CheckpointError):
        checkpoints.checked_state(MLP([2, 3, 1], task="binary"), saved)
