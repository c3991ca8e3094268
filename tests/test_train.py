"""neurodl.train: the PyTorch Trainer and the Keras fit helper learn, stop early and report."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import neurodl.train as neurodl_train
from neurodl.train import Trainer, best_precision, fit_keras, import_keras, keras_history


def blobs(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three well-separated Gaussian clusters in 4-D: any working classifier gets them right."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    centres = 4.0 * np.eye(3, 4)
    X = (centres[y] + rng.normal(size=(n, 4))).astype(np.float32)
    return X, y


def make(seed: int = 0, lr: float = 0.1, **kwargs) -> Trainer:
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    return Trainer(net, torch.optim.SGD(net.parameters(), lr=lr), device="cpu", progress=False, **kwargs)


def test_trainer_learns_and_records_one_value_per_epoch():
    X, y = blobs()
    Xv, yv = blobs(seed=1)
    trainer = make()
    history = trainer.fit((X, y), val=(Xv, yv), epochs=5, batch_size=32)
    assert set(history) == {"train_loss", "train_acc", "val_loss", "val_acc"}
    assert all(len(v) == 5 for v in history.values())
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert history["val_acc"][-1] > 0.95
    assert len(trainer.epoch_seconds) == 5 and trainer.train_seconds > 0
    assert trainer.examples_seen == 5 * len(X)
    assert trainer.images_per_second > 0


def test_evaluate_agrees_with_predict():
    X, y = blobs()
    trainer = make()
    trainer.fit((X, y), epochs=3)
    logits = trainer.predict(X)
    assert logits.shape == (len(X), 3) and logits.dtype == np.float32
    assert trainer.evaluate((X, y))["acc"] == pytest.approx(np.mean(logits.argmax(1) == y))


def test_same_seed_same_history_and_different_seed_different_batches():
    X, y = blobs()
    a, b, c = make(), make(), make()
    c.seed = 1  # same initial weights, another batch order
    ha, hb, hc = (t.fit((X, y), epochs=2, batch_size=16) for t in (a, b, c))
    assert ha == hb
    assert ha != hc


def test_a_dataloader_works_like_arrays():
    X, y = blobs()
    loader = DataLoader(TensorDataset(torch.tensor(X), torch.tensor(y)), batch_size=32, shuffle=True)
    trainer = make()
    history = trainer.fit(loader, val=loader, epochs=4)
    assert history["val_acc"][-1] > 0.95
    assert trainer.evaluate(loader)["acc"] == pytest.approx(history["val_acc"][-1])


def test_early_stopping_stops_and_restores_the_best_weights():
    X, y = blobs()
    trainer = make(lr=0.0, patience=2)  # lr 0: nothing ever improves after epoch 1
    history = trainer.fit((X, y), val=(X, y), epochs=20)
    assert trainer.stopped_early and len(history["val_loss"]) == 3
    assert trainer.best_epoch == 1

    # With learning, the weights left in the model are those of the best epoch.
    trainer = make(lr=0.5, patience=3, monitor="val_acc")
    history = trainer.fit((X, y), val=blobs(seed=1), epochs=8)
    best = int(np.argmax(history["val_acc"]))
    assert trainer.best_epoch == best + 1
    assert trainer.evaluate(blobs(seed=1))["acc"] == pytest.approx(history["val_acc"][best])


def test_best_weights_are_restored_only_with_early_stopping_unless_asked():
    X, y = blobs()
    val = blobs(seed=1)
    for kwargs, restores in (({}, False), ({"patience": 50}, True), ({"restore_best": True}, True)):
        trainer = make(lr=0.5, monitor="val_acc", **kwargs)
        history = trainer.fit((X, y), val=val, epochs=6)
        assert trainer.restore_best is restores, kwargs
        assert trainer.best_epoch < len(history["val_acc"])  # the best epoch is not the last: the test can tell
        kept = history["val_acc"][trainer.best_epoch - 1] if restores else history["val_acc"][-1]
        assert trainer.evaluate(val)["acc"] == pytest.approx(kept), kwargs


def test_patience_without_validation_data_is_refused():
    with pytest.raises(ValueError, match="patience"):
        make(patience=2).fit(blobs(), epochs=2)


def test_transform_is_applied_to_training_batches_only():
    calls = []

    def spy(X):
        calls.append(len(X))
        return X

    X, y = blobs(100)
    trainer = make(transform=spy)
    trainer.fit((X, y), val=(X, y), epochs=2, batch_size=50)
    trainer.predict(X)
    assert calls == [50, 50, 50, 50]


def test_scheduler_steps_once_per_batch():
    X, y = blobs(100)
    torch.manual_seed(0)
    net = nn.Linear(4, 3)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=2 * 4)
    trainer = Trainer(net, opt, scheduler=sched, device="cpu", progress=False)
    trainer.fit((X, y), epochs=2, batch_size=25)  # exactly total_steps; one more would raise
    assert sched.last_epoch == 8


def test_channels_last_images_and_uint8_pixels():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(64, 1, 8, 8), dtype=np.uint8)
    y = (X.reshape(64, -1).mean(1) > 127).astype(np.int64)
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(256, 2))
    trainer = Trainer(net, torch.optim.Adam(net.parameters()), device="cpu", channels_last=True, progress=False)
    trainer.fit((X, y), epochs=1, batch_size=16)
    assert net[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert trainer.predict(X).shape == (64, 2)


def test_uint8_pixels_are_scaled_to_0_1_like_a_dataloader_does():
    rng = np.random.default_rng(0)
    X8 = rng.integers(0, 256, size=(96, 12), dtype=np.uint8)
    y = (X8[:, :6].mean(1) > X8[:, 6:].mean(1)).astype(np.int64)
    histories, logits = [], []
    for X in (X8, X8.astype(np.float32) / 255):  # the same images, as bytes and as floats
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 2))
        trainer = Trainer(net, torch.optim.SGD(net.parameters(), lr=0.5), device="cpu", progress=False)
        histories.append(trainer.fit((X, y), val=(X, y), epochs=3, batch_size=16))
        logits.append(trainer.predict(X))
    for key in histories[0]:
        assert histories[0][key] == pytest.approx(histories[1][key], abs=1e-6), key
    assert np.allclose(logits[0], logits[1], atol=1e-6)


def test_integer_token_ids_reach_an_embedding_model_unchanged():
    # chapter 07: sequences of token ids, read through nn.Embedding, stay int64
    rng = np.random.default_rng(0)
    X = rng.integers(1, 6, size=(128, 5)).astype(np.int32)
    y = (X[:, 0] > 3).astype(np.int64)  # the first token decides
    torch.manual_seed(0)
    net = nn.Sequential(nn.Embedding(6, 4), nn.Flatten(), nn.Linear(20, 2))
    trainer = Trainer(net, torch.optim.Adam(net.parameters(), lr=0.05), device="cpu", progress=False)
    trainer.fit((X, y), epochs=20, batch_size=32)
    assert trainer.evaluate((X, y))["acc"] == 1.0
    assert trainer.predict(X).shape == (128, 2)
    with pytest.raises(ValueError, match="token ids, which must be >= 0"):
        trainer.fit((X - 3, y), epochs=1)
    with pytest.raises(TypeError, match="integer token ids"):
        trainer.fit((X.astype(np.complex64), y), epochs=1)


def test_fit_checks_the_data_once_not_every_epoch(monkeypatch):
    calls = []
    original = torch.isfinite

    def counting(tensor):
        calls.append(tuple(tensor.shape))
        return original(tensor)

    monkeypatch.setattr(torch, "isfinite", counting)
    X, y = blobs()
    make().fit((X, y), val=blobs(seed=1), epochs=4, batch_size=100)
    assert len(calls) == 2, calls  # the training and the validation inputs, once each


def test_bf16_autocast_learns_as_well():
    # every CPU can autocast to bfloat16 (emulated where it has no native instructions)
    X, y = blobs()
    trainer = make(precision="bf16")
    history = trainer.fit((X, y), val=blobs(seed=1), epochs=5)
    assert history["val_acc"][-1] > 0.95


def test_precision_choices():
    assert best_precision("cpu") in ("bf16", "fp32")
    assert make(precision="auto").precision == best_precision("cpu")
    with pytest.raises(ValueError, match="fp16"):
        make(precision="fp16")
    with pytest.raises(ValueError, match="precision"):
        make(precision="double")


def test_batch_order_follows_the_chapters_seed(monkeypatch):
    import neurodl

    net = nn.Linear(4, 3)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    monkeypatch.delenv("NEURODL_SEED", raising=False)
    neurodl.set_seed(0)
    assert Trainer(net, opt, device="cpu").seed == 0
    monkeypatch.setenv("NEURODL_SEED", "5")
    neurodl.set_seed(0)
    assert Trainer(net, opt, device="cpu").seed == 5          # NEURODL_SEED reaches the batch order
    assert Trainer(net, opt, device="cpu", seed=3).seed == 3  # an explicit seed wins


def test_cpu_bf16_only_with_native_instructions(monkeypatch):
    monkeypatch.delenv("NEURODL_PRECISION", raising=False)
    for flags, expected in ((set(), "fp32"), ({"avx512f", "avx512bw", "avx2"}, "fp32")):
        monkeypatch.setattr(neurodl_train, "cpu_flags", lambda flags=flags: frozenset(flags))
        assert best_precision("cpu") == expected, flags
    monkeypatch.setattr(neurodl_train, "cpu_flags", lambda: frozenset({"avx512_bf16", "avx512f"}))
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True, raising=False)
    assert best_precision("cpu") == "bf16"


def test_cpu_flags_are_this_machines():
    flags = neurodl_train.cpu_flags()
    assert isinstance(flags, frozenset)
    if Path("/proc/cpuinfo").exists() and platform.machine() == "x86_64":
        assert "sse2" in flags, sorted(flags)[:20]


@pytest.mark.parametrize("value", ["fp32", "bf16", "FP32 "])
def test_precision_environment_variable_overrides(monkeypatch, value):
    monkeypatch.setenv("NEURODL_PRECISION", value)
    assert best_precision("cpu") == value.strip().lower()
    assert make(precision="auto").precision == value.strip().lower()


@pytest.mark.parametrize("value, phrase", [("fp64", "must be one of"), ("fp16", "needs a CUDA device")])
def test_precision_environment_variable_is_checked(monkeypatch, value, phrase):
    monkeypatch.setenv("NEURODL_PRECISION", value)
    with pytest.raises(ValueError, match=f"NEURODL_PRECISION.*{phrase}|{phrase}"):
        best_precision("cpu")


def test_bad_data_is_reported_by_name():
    trainer = make()
    X, y = blobs(10)
    with pytest.raises(ValueError, match="train"):
        trainer.fit((X, y[:5]), epochs=1)
    with pytest.raises(TypeError, match="train"):
        trainer.fit((X, y.astype(float)), epochs=1)
    with pytest.raises(ValueError, match="val"):
        trainer.fit((X, y), val=(X[:, 0], y), epochs=1)
    with pytest.raises(TypeError, match="train"):
        trainer.fit("data.csv", epochs=1)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        trainer.fit((X, y), epochs=1)


# ---------------------------------------------------------------------- Keras


def test_keras_history_renames_to_the_book_keys():
    logs = {"loss": [1.0, 0.5], "accuracy": [0.5, 0.8], "val_loss": [1.1, 0.6], "val_accuracy": [0.4, 0.7]}
    assert keras_history(logs) == {
        "train_loss": [1.0, 0.5],
        "train_acc": [0.5, 0.8],
        "val_loss": [1.1, 0.6],
        "val_acc": [0.4, 0.7],
    }
    with pytest.raises(TypeError, match="history"):
        keras_history([1, 2])


def test_fit_keras_learns_prints_one_line_per_epoch_and_stops_early(capsys):
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    X, y = blobs()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3)])
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = fit_keras(model, (X, y), val=blobs(seed=1), epochs=3, batch_size=32)
    assert set(history) == {"train_loss", "train_acc", "val_loss", "val_acc"}
    assert history["val_acc"][-1] > 0.95
    out = capsys.readouterr().out
    assert out.count("Epoch ") == 3 and "val_accuracy" in out

    # learning rate 0: no improvement after the first epoch, so patience 1 stops after two.
    model.optimizer.learning_rate.assign(0.0)
    history = fit_keras(model, (X, y), val=(X, y), epochs=10, patience=1, verbose=0)
    assert len(history["val_loss"]) == 2

    with pytest.raises(ValueError, match="patience"):
        fit_keras(model, (X, y), epochs=1, patience=2)
    with pytest.raises(TypeError, match="model"):
        fit_keras(object(), (X, y), epochs=1)


def test_fit_keras_takes_a_tf_data_pipeline_without_warnings():
    keras = pytest.importorskip("keras")
    import warnings

    import tensorflow as tf

    keras.utils.set_random_seed(0)
    X, y = blobs()
    data = tf.data.Dataset.from_tensor_slices((X, y)).shuffle(len(X), seed=0).batch(32)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.SGD(0.1),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Keras warns if fit's shuffle=True meets a Dataset
        history = fit_keras(model, data, epochs=2, verbose=0)
    assert len(history["train_loss"]) == 2 and history["train_loss"][1] < history["train_loss"][0]


def test_import_keras_keeps_tensorflow_start_up_log_off_standard_error():
    code = (
        "import sys, neurodl.train as t\n"
        "keras = t.import_keras()\n"
        "assert keras is t.import_keras() and 'tensorflow' in sys.modules\n"
        "import os; print(keras.__name__, os.environ['TF_CPP_MIN_LOG_LEVEL'])\n"
        "print('after', file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["keras", "2"]
    assert proc.stderr == "after\n", proc.stderr  # nothing from TensorFlow; standard error restored
