"""Training loops: a small PyTorch :class:`Trainer` and a thin Keras :func:`fit_keras`.

Introduced in chapter 05, where the loop is first written out by hand and then packed
into these helpers; chapter 06 and later chapters use them. Both return a history in
the same form, one value per epoch under the keys ``train_loss``, ``train_acc``,
``val_loss`` and ``val_acc``, so :func:`neurodl.plot.training_curves` draws either.

The module imports PyTorch (the Trainer is built on it). Keras is imported only when
:func:`fit_keras` (or :func:`import_keras`) is first called, so a PyTorch-only chapter
never loads TensorFlow.

Mixed precision on the CPU
--------------------------
``precision="auto"`` chooses what a practitioner would: ``bf16`` autocast on a CPU with
native bfloat16 instructions (AVX-512 BF16 or AMX), bfloat16 or half precision on a CUDA
GPU, and plain ``fp32`` everywhere else. :func:`best_precision` tells which one a device
gets; ``NEURODL_PRECISION=fp32|bf16|fp16`` overrides it.
"""

from __future__ import annotations

import copy
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from neurodl._validate import check_bool, check_choice, check_float, check_int

__all__ = ["Trainer", "best_precision", "cpu_flags", "fit_keras", "import_keras", "keras_history"]

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
MONITORS = ("val_loss", "val_acc")
HISTORY_KEYS = ("train_loss", "train_acc", "val_loss", "val_acc")


def _device(value: Any, name: str = "device") -> torch.device:
    if value is None:
        from neurodl.core import device as best_device

        return best_device()
    if isinstance(value, torch.device):
        return value
    if isinstance(value, str):
        try:
            return torch.device(value)
        except RuntimeError as exc:
            raise ValueError(f"{name} must name a torch device such as 'cpu' or 'cuda', got {value!r}") from exc
    raise TypeError(f"{name} must be None, a string such as 'cpu', or a torch.device, got {type(value).__name__}")


#: Environment variable that overrides :func:`best_precision` (``fp32``, ``bf16`` or ``fp16``).
PRECISION_ENV = "NEURODL_PRECISION"

#: CPU flags (as Linux lists them in /proc/cpuinfo) of native bfloat16 arithmetic.
NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags as Linux reports them (``/proc/cpuinfo``); empty elsewhere.

    Introduced in chapter 06, to tell whether this processor computes in bfloat16 natively.
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith(("flags", "Features")):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def _native_cpu_bf16() -> bool:
    """True where the CPU has bfloat16 instructions that oneDNN can use for training."""
    if not any(flag in cpu_flags() for flag in NATIVE_BF16_FLAGS):
        return False
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # pragma: no cover - builds without oneDNN
        return False


def best_precision(device: str | torch.device | None = None) -> str:
    """The fastest safe training precision on ``device``: ``"bf16"``, ``"fp16"`` or ``"fp32"``.

    Introduced in chapter 06. A CUDA GPU gets ``"bf16"`` where it supports bfloat16,
    else ``"fp16"`` (autocast plus a gradient scaler). A CPU gets ``"bf16"`` only where
    it has native bfloat16 arithmetic (the ``avx512_bf16`` or ``amx_bf16`` flags: Intel
    Cooper Lake, Sapphire Rapids and later, AMD Zen 4 and later); without them bfloat16
    is emulated and slower than float32, so every other CPU, and Apple's MPS, gets
    ``"fp32"``.

    The environment variable ``NEURODL_PRECISION`` (``fp32``, ``bf16`` or ``fp16``)
    overrides the choice, for example to run a whole chapter on the float32 path of a
    bf16 machine (``NEURODL_PRECISION=fp32``); ``fp16`` is accepted only for CUDA.
    """
    dev = _device(device)
    override = os.environ.get(PRECISION_ENV, "").strip().lower()
    if override:
        if override not in PRECISIONS[1:]:
            raise ValueError(
                f"the environment variable {PRECISION_ENV} must be one of "
                f"{', '.join(PRECISIONS[1:])} (or unset for the automatic choice), got {override!r}"
            )
        if override == "fp16" and dev.type != "cuda":
            raise ValueError(
                f"{PRECISION_ENV}=fp16 needs a CUDA device, but the device is {dev}; use bf16 or fp32"
            )
        return override
    if dev.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if dev.type == "cpu":
        return "bf16" if _native_cpu_bf16() else "fp32"
    return "fp32"


class _Checked(tuple):
    """A pair ``(X, y)`` that :func:`_as_tensors` has already checked and converted."""


def _as_tensors(name: str, data: Any) -> tuple[torch.Tensor, torch.Tensor] | None:
    """``(X, y)`` arrays or tensors as tensors; ``None`` for an iterable of batches.

    ``X`` becomes float32, except that uint8 pixels stay uint8 (a quarter of the memory)
    and are scaled to [0, 1] batch by batch, on the device, by ``Trainer._to_device``, and
    integer ``X`` (token ids for a model that starts with ``nn.Embedding``, chapter 07)
    becomes int64; ``y`` becomes int64. The checks read every value, so :meth:`Trainer.fit` runs them
    once per call, not once per epoch: the result is marked as checked.
    """
    if isinstance(data, _Checked):
        return data
    if isinstance(data, tuple) and len(data) == 2:
        X, y = data
        try:
            X = torch.as_tensor(np.asarray(X) if not isinstance(X, torch.Tensor) else X)
            y = torch.as_tensor(np.asarray(y) if not isinstance(y, torch.Tensor) else y)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise TypeError(f"{name} must be a pair (X, y) of arrays or tensors, or a DataLoader: {exc}") from exc
        if X.ndim < 2:
            raise ValueError(f"{name}: X must have a batch dimension and features, got shape {tuple(X.shape)}")
        if y.ndim != 1 or len(y) != len(X):
            raise ValueError(
                f"{name}: y must be one integer label per example, shape ({len(X)},), got {tuple(y.shape)}"
            )
        if len(X) == 0:
            raise ValueError(f"{name} must hold at least one example")
        token_ids = X.dtype in (torch.int16, torch.int32, torch.int64)
        if not (X.is_floating_point() or X.dtype == torch.uint8 or token_ids):
            raise TypeError(
                f"{name}: X must hold floating-point values, uint8 pixels or integer token ids, got {X.dtype}"
            )
        if token_ids and X.numel() and X.min() < 0:
            raise ValueError(f"{name}: integer X holds token ids, which must be >= 0, got {int(X.min())}")
        if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
            raise TypeError(f"{name}: y must hold integer class labels, got {y.dtype}")
        if X.is_floating_point() and not bool(torch.isfinite(X).all()):
            raise ValueError(f"{name}: X contains NaN or infinity")
        if y.min() < 0:
            raise ValueError(f"{name}: y must hold class labels 0, 1, ..., got {int(y.min())}")
        if token_ids:
            return _Checked((X.long(), y.long()))
        return _Checked((X if X.dtype == torch.uint8 else X.float(), y.long()))
    if isinstance(data, (str, bytes, Mapping, np.ndarray, torch.Tensor)) or not isinstance(data, Iterable):
        raise TypeError(
            f"{name} must be a pair (X, y) of arrays or tensors, or an iterable of (X, y) batches "
            f"such as a DataLoader; got {type(data).__name__}"
        )
    return None


class Trainer:
    """Train a PyTorch classifier: epochs of mini-batches, a history, early stopping.

    Introduced in chapter 05 (chapter 01 wrote the same loop out by hand).

    Parameters
    ----------
    model
        The network, a ``torch.nn.Module`` that maps a batch of inputs to class logits.
    optimizer
        A ``torch.optim.Optimizer`` over ``model.parameters()``.
    loss_fn
        Maps ``(logits, y)`` to a scalar; default ``nn.CrossEntropyLoss()``.
    device
        ``None`` for :func:`neurodl.device` (GPU if there is one), or a device name.
    scheduler
        Optional learning-rate scheduler, stepped after every batch (as
        ``OneCycleLR`` expects) or, with ``scheduler_step="epoch"``, after every epoch.
    precision
        ``"fp32"``, ``"bf16"`` (autocast to bfloat16), ``"fp16"`` (CUDA only, with a
        gradient scaler) or ``"auto"`` for :func:`best_precision`.
    channels_last
        Store images as (N, H, W, C) in memory, which convolutions on CPUs and tensor
        cores run faster on. The tensors keep their (N, C, H, W) shape.
    transform
        Optional function applied to each training batch on the device, for data
        augmentation, e.g. a random horizontal flip.
    patience
        Stop when ``monitor`` has not improved by ``min_delta`` for this many epochs
        (needs validation data); ``None`` never stops early.
    monitor
        ``"val_loss"`` (lower is better) or ``"val_acc"`` (higher is better).
    restore_best
        After early stopping, or at the end, put back the weights of the epoch with the
        best ``monitor`` score. ``None`` (the default) does so only when ``patience`` is
        given, as Keras's ``EarlyStopping(restore_best_weights=True)`` does; without
        early stopping the model keeps its last weights, and the validation data only
        watches.
    progress
        Show a tqdm progress bar, one step per epoch, with the latest metrics.
    seed
        Seeds the order of the mini-batches, so two runs see the same batches. ``None``
        (the default) uses the chapter's seed, :func:`neurodl.active_seed`, so that
        ``NEURODL_SEED`` changes the batch order too; pass a different seed to each run of a
        repeated experiment.
    """

    def __init__(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer,
        *,
        loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
        device: str | torch.device | None = None,
        scheduler: Any = None,
        scheduler_step: str = "batch",
        precision: str = "fp32",
        channels_last: bool = False,
        transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
        patience: int | None = None,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        restore_best: bool | None = None,
        progress: bool = True,
        seed: int | None = None,
    ) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
        if loss_fn is not None and not callable(loss_fn):
            raise TypeError(f"loss_fn must be None or a function (logits, y) -> loss, got {type(loss_fn).__name__}")
        if transform is not None and not callable(transform):
            raise TypeError(f"transform must be None or a function of a batch, got {type(transform).__name__}")
        if scheduler is not None and not callable(getattr(scheduler, "step", None)):
            raise TypeError(f"scheduler must be None or a learning-rate scheduler with .step(), got {scheduler!r}")
        self.scheduler_step = check_choice("scheduler_step", scheduler_step, ("batch", "epoch"))
        self.device = _device(device)
        precision = check_choice("precision", precision, PRECISIONS)
        if precision == "auto":
            precision = best_precision(self.device)
        if precision == "fp16" and self.device.type != "cuda":
            raise ValueError(f"precision='fp16' needs a CUDA device (got {self.device}); use 'bf16' or 'fp32'")
        self.precision = precision
        self.channels_last = check_bool("channels_last", channels_last)
        self.patience = check_int("patience", patience, minimum=1, allow_none=True)
        self.monitor = check_choice("monitor", monitor, MONITORS)
        self.min_delta = check_float("min_delta", min_delta, minimum=0.0)
        if restore_best is None:
            restore_best = patience is not None
        self.restore_best = check_bool("restore_best", restore_best)
        self.progress = check_bool("progress", progress)
        from neurodl.core import active_seed

        self.seed = active_seed() if seed is None else check_int("seed", seed, minimum=0)
        self.model = model.to(self.device)
        if self.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.optimizer = optimizer
        self.loss_fn = loss_fn if loss_fn is not None else nn.CrossEntropyLoss()
        self.scheduler = scheduler
        self.transform = transform
        self.scaler = torch.amp.GradScaler("cuda") if precision == "fp16" else None
        self.history: dict[str, list[float]] = {key: [] for key in HISTORY_KEYS}
        self.epoch_seconds: list[float] = []
        self.examples_seen = 0
        self.best_epoch: int | None = None
        self.stopped_early = False

    # ------------------------------------------------------------------ helpers

    def _autocast(self) -> Any:
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.precision)
        return torch.autocast(self.device.type, dtype=dtype, enabled=dtype is not None)

    def _to_device(self, X: torch.Tensor) -> torch.Tensor:
        X = X.to(self.device, non_blocking=True)
        if X.dtype == torch.uint8:
            X = X.float() / 255.0
        if self.channels_last and X.ndim == 4:
            X = X.contiguous(memory_format=torch.channels_last)
        return X

    def _forward(self, X: torch.Tensor) -> torch.Tensor:
        try:
            return self.model(X)
        except RuntimeError as exc:
            if X.is_floating_point() or "dtype" not in str(exc).lower() and "long" not in str(exc).lower():
                raise
            raise TypeError(
                f"X holds integer token ids ({X.dtype}), but the model expects floating-point inputs: "
                "start the model with nn.Embedding, or pass X as floats (e.g. X.astype(np.float32))"
            ) from exc

    def _batches(self, name: str, data: Any, batch_size: int, shuffle: bool, generator: torch.Generator | None):
        tensors = _as_tensors(name, data)
        if tensors is None:
            for batch in data:
                if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
                    raise TypeError(f"{name} must yield (X, y) pairs, got {type(batch).__name__}")
                X, y = batch
                if not (isinstance(X, torch.Tensor) and isinstance(y, torch.Tensor)):
                    raise TypeError(f"{name} must yield (X, y) pairs of tensors, got {type(X).__name__}")
                yield X, y
            return
        X, y = tensors
        order = torch.randperm(len(X), generator=generator) if shuffle else torch.arange(len(X))
        for start in range(0, len(X), batch_size):
            idx = order[start : start + batch_size]
            yield X[idx], y[idx]

    @property
    def train_seconds(self) -> float:
        """Wall-clock seconds spent in training epochs (validation excluded)."""
        return float(sum(self.epoch_seconds))

    @property
    def images_per_second(self) -> float:
        """Training throughput: examples processed per second of training."""
        return self.examples_seen / self.train_seconds if self.epoch_seconds else 0.0

    # ------------------------------------------------------------------ public

    def fit(self, train: Any, *, epochs: int, val: Any = None, batch_size: int = 128) -> dict[str, list[float]]:
        """Train for ``epochs`` epochs (fewer if early stopping triggers) and return the history.

        ``train`` and ``val`` are each a pair ``(X, y)`` of arrays or tensors, batched
        and shuffled here, or any iterable of ``(X, y)`` batches such as a
        ``torch.utils.data.DataLoader``. Calling ``fit`` again continues training and
        extends the history.
        """
        from tqdm.std import tqdm

        epochs = check_int("epochs", epochs, minimum=1)
        batch_size = check_int("batch_size", batch_size, minimum=1)
        # check and convert (X, y) pairs once here, not again in every epoch
        train = _as_tensors("train", train) or train
        if val is not None:
            val = _as_tensors("val", val) or val
        if self.patience is not None and val is None:
            raise ValueError("patience needs validation data: pass val=(X_val, y_val)")
        generator = torch.Generator().manual_seed(self.seed + len(self.epoch_seconds))
        sign = 1.0 if self.monitor == "val_loss" else -1.0
        best = math.inf
        best_state: dict[str, torch.Tensor] | None = None
        waited = 0
        self.stopped_early = False
        bar = tqdm(range(epochs), desc="epochs", unit="epoch", disable=not self.progress, file=sys.stderr)
        for _ in bar:
            start = time.perf_counter()
            total_loss, correct, count = 0.0, 0, 0
            self.model.train()
            for X, y in self._batches("train", train, batch_size, True, generator):
                X, y = self._to_device(X), y.to(self.device, non_blocking=True)
                if self.transform is not None:
                    X = self.transform(X)
                    if self.channels_last and X.ndim == 4:
                        X = X.contiguous(memory_format=torch.channels_last)
                with self._autocast():
                    logits = self._forward(X)
                    loss = self.loss_fn(logits, y)
                self.optimizer.zero_grad(set_to_none=True)
                if self.scaler is not None:
                    self.scaler.scale(loss).backward()
                    self.scaler.step(self.optimizer)
                    self.scaler.update()
                else:
                    loss.backward()
                    self.optimizer.step()
                if self.scheduler is not None and self.scheduler_step == "batch":
                    self.scheduler.step()
                n = len(y)
                total_loss += float(loss.detach()) * n
                correct += int((logits.detach().argmax(1) == y).sum())
                count += n
            if self.scheduler is not None and self.scheduler_step == "epoch":
                self.scheduler.step()
            if self.device.type == "cuda":
                torch.cuda.synchronize()
            self.epoch_seconds.append(time.perf_counter() - start)
            self.examples_seen += count
            self.history["train_loss"].append(total_loss / max(count, 1))
            self.history["train_acc"].append(correct / max(count, 1))
            shown = {"loss": f"{self.history['train_loss'][-1]:.3f}", "acc": f"{self.history['train_acc'][-1]:.3f}"}
            if val is not None:
                scores = self.evaluate(val, batch_size=max(batch_size, 1000))
                self.history["val_loss"].append(scores["loss"])
                self.history["val_acc"].append(scores["acc"])
                shown.update(val_loss=f"{scores['loss']:.3f}", val_acc=f"{scores['acc']:.3f}")
                score = sign * scores[self.monitor[4:]]
                if score < best - self.min_delta:
                    best, waited = score, 0
                    self.best_epoch = len(self.history["val_loss"])
                    best_state = copy.deepcopy(self.model.state_dict())
                else:
                    waited += 1
            bar.set_postfix(shown, refresh=False)
            if self.patience is not None and waited >= self.patience:
                self.stopped_early = True
                break
        bar.close()
        if self.restore_best and best_state is not None:
            self.model.load_state_dict(best_state)
        return {key: list(values) for key, values in self.history.items() if values}

    @torch.no_grad()
    def predict(self, X: Any, *, batch_size: int = 1000) -> np.ndarray:
        """Class logits for the inputs ``X`` (array or tensor), as a float32 NumPy array."""
        batch_size = check_int("batch_size", batch_size, minimum=1)
        if isinstance(X, tuple):
            raise TypeError("X must be an array or tensor of inputs, not a tuple; predict takes no labels")
        if not isinstance(X, torch.Tensor):
            X = np.asarray(X) if isinstance(X, (np.ndarray, list)) else X
        if not isinstance(X, (np.ndarray, torch.Tensor)) or X.ndim < 2:
            raise TypeError(f"X must be an array or tensor of inputs with a batch dimension, got {type(X).__name__}")
        labels = np.zeros(len(X), dtype=np.int64)
        outputs = []
        self.model.eval()
        for xb, _ in self._batches("X", (X, labels), batch_size, False, None):
            with self._autocast():
                outputs.append(self._forward(self._to_device(xb)).float().cpu())
        return torch.cat(outputs).numpy()

    @torch.no_grad()
    def evaluate(self, data: Any, *, batch_size: int = 1000) -> dict[str, float]:
        """Mean loss and accuracy on ``data``, a pair ``(X, y)`` or an iterable of batches."""
        batch_size = check_int("batch_size", batch_size, minimum=1)
        self.model.eval()
        total_loss, correct, count = 0.0, 0, 0
        for X, y in self._batches("data", data, batch_size, False, None):
            X, y = self._to_device(X), y.to(self.device)
            with self._autocast():
                logits = self._forward(X)
                loss = self.loss_fn(logits, y)
            total_loss += float(loss) * len(y)
            correct += int((logits.argmax(1) == y).sum())
            count += len(y)
        if count == 0:
            raise ValueError("data must hold at least one example")
        return {"loss": total_loss / count, "acc": correct / count}


# ---------------------------------------------------------------------- Keras


def import_keras() -> Any:
    """Import Keras (TensorFlow backend) without TensorFlow's start-up log; return the module.

    Introduced in chapter 05. When it loads, TensorFlow 2.16 and later writes an
    information line about its oneDNN kernels straight to the standard-error file
    descriptor, before it reads ``TF_CPP_MIN_LOG_LEVEL``. Jupyter shows the line under
    the cell, with a time stamp and a process id that change on every run, so a
    notebook's stored outputs could never be reproduced. This function sets
    ``TF_CPP_MIN_LOG_LEVEL=2`` (errors only) unless it is set already, and points that
    descriptor at ``os.devnull`` while TensorFlow loads. Python exceptions still reach
    the caller, and oneDNN stays on (turning it off would halve Keras's speed).
    """
    import os

    if "keras" in sys.modules and "tensorflow" in sys.modules:
        return sys.modules["keras"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):  # no usable standard error: nothing to hide
        import tensorflow  # noqa: F401
        import keras

        return keras
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            try:
                import tensorflow  # noqa: F401  (the part that writes the log)
                import keras
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)
    return keras


def keras_history(history: Any) -> dict[str, list[float]]:
    """A Keras ``History`` (or its ``.history`` dict) renamed to the book's keys.

    Introduced in chapter 05. Keras calls the metrics ``loss``, ``accuracy``,
    ``val_loss`` and ``val_accuracy``; the book (and :class:`Trainer`) calls them
    ``train_loss``, ``train_acc``, ``val_loss`` and ``val_acc``.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, Mapping) or not logs:
        raise TypeError(f"history must be a Keras History or a non-empty dict of lists, got {type(history).__name__}")
    names = {"loss": "train_loss", "accuracy": "train_acc", "val_loss": "val_loss", "val_accuracy": "val_acc"}
    out = {}
    for key, values in logs.items():
        if not isinstance(key, str):
            raise TypeError(f"history keys must be strings, got {key!r}")
        try:
            out[names.get(key, key)] = [float(v) for v in values]
        except (TypeError, ValueError) as exc:
            raise TypeError(f"history[{key!r}] must be a list of numbers") from exc
    return out


def fit_keras(
    model: Any,
    train: tuple[Any, Any] | Any,
    *,
    epochs: int,
    val: tuple[Any, Any] | None = None,
    batch_size: int = 128,
    patience: int | None = None,
    monitor: str = "val_loss",
    callbacks: list[Any] | None = None,
    verbose: int = 2,
) -> dict[str, list[float]]:
    """Train a compiled Keras model with ``model.fit`` and return the book's history dict.

    Introduced in chapter 05. A thin wrapper: it prints one line per epoch
    (``verbose=2``, the form that reads well in a notebook and a log), adds Keras's
    ``EarlyStopping`` (restoring the best weights) when ``patience`` is given, and
    renames the history with :func:`keras_history`. ``train`` is ``(X, y)`` or a
    ``tf.data.Dataset`` of batches (then ``batch_size`` is ignored); compile the model
    with ``metrics=["accuracy"]`` to get accuracies.
    """
    keras = import_keras()

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a compiled keras.Model, got {type(model).__name__}")
    if not getattr(model, "compiled", True):
        raise ValueError("model must be compiled first: model.compile(optimizer=..., loss=..., metrics=['accuracy'])")
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    patience = check_int("patience", patience, minimum=1, allow_none=True)
    monitor = check_choice("monitor", monitor, MONITORS)
    verbose = check_int("verbose", verbose, minimum=0, maximum=2)
    if callbacks is not None and not isinstance(callbacks, list):
        raise TypeError(f"callbacks must be None or a list of Keras callbacks, got {type(callbacks).__name__}")
    if patience is not None and val is None:
        raise ValueError("patience needs validation data: pass val=(X_val, y_val)")
    if val is not None and not (isinstance(val, tuple) and len(val) == 2):
        raise TypeError(f"val must be None or a pair (X_val, y_val), got {type(val).__name__}")
    callbacks = list(callbacks or [])
    if patience is not None:
        keras_monitor = "val_accuracy" if monitor == "val_acc" else "val_loss"
        callbacks.append(
            keras.callbacks.EarlyStopping(monitor=keras_monitor, patience=patience, restore_best_weights=True)
        )
    if isinstance(train, tuple):
        if len(train) != 2:
            raise TypeError(f"train must be a pair (X, y) or a tf.data.Dataset, got a tuple of {len(train)}")
        X, y = (np.asarray(a) for a in train)
        if len(X) != len(y) or len(X) == 0:
            raise ValueError(f"train: X and y must hold the same, non-zero number of examples, got {len(X)} and {len(y)}")
        history = model.fit(X, y, epochs=epochs, batch_size=batch_size, validation_data=val,
                            callbacks=callbacks, verbose=verbose)
    elif hasattr(train, "element_spec"):
        # a Dataset is shuffled by its own pipeline (.shuffle(...)); fit's default shuffle=True only warns
        history = model.fit(train, epochs=epochs, validation_data=val, callbacks=callbacks, verbose=verbose,
                            shuffle=False)
    else:
        raise TypeError(f"train must be a pair (X, y) or a tf.data.Dataset, got {type(train).__name__}")
    return keras_history(history)
