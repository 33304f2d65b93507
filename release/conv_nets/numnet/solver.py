"""Minibatch training of a classification model.

A model is any object with

- ``params``: dict from parameter name to ndarray;
- ``loss(X, y)``: returns ``(loss, grads)`` with ``grads`` keyed like ``params``
  (training mode);
- ``loss(X)``: returns class scores of shape (N, C) (test mode).

Checkpoints are written without pickle: ``<name>_epoch_<k>.npz`` holds the
parameters (``np.load(path, allow_pickle=False)`` reads it) and
``<name>_epoch_<k>.json`` the settings and histories.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from rich.progress import Progress

from . import optim

UpdateRule = Callable[[np.ndarray, np.ndarray, dict], tuple[np.ndarray, dict]]

DATA_KEYS = ("X_train", "y_train", "X_val", "y_val")
DEFAULTS: dict[str, Any] = {
    "update_rule": "sgd",
    "optim_config": None,
    "lr_decay": 1.0,
    "batch_size": 100,
    "num_epochs": 10,
    "num_train_samples": 1000,
    "num_val_samples": None,
    "checkpoint_name": None,
    "print_every": 10,
    "verbose": True,
    "seed": None,
}


def resolve_update_rule(rule: str | UpdateRule) -> UpdateRule:
    """Return the update rule named ``rule`` in :mod:`numnet.optim`, or ``rule`` itself if callable."""
    if callable(rule):
        return rule
    if rule not in optim.__all__:
        raise ValueError(f"unknown update_rule {rule!r}; choose one of {optim.__all__} or pass a callable")
    return getattr(optim, rule)


class Solver:
    """Train ``model`` on ``data`` with minibatch gradient descent.

    Parameters
    ----------
    model : object
        See the module docstring.
    data : mapping
        ``X_train``, ``y_train``, ``X_val``, ``y_val``.
    update_rule : str or callable
        Name of a rule in :mod:`numnet.optim` (default ``'sgd'``) or a function
        with the same signature.
    optim_config : dict
        Hyperparameters handed to the rule; each parameter gets its own copy.
    lr_decay : float
        ``learning_rate`` is multiplied by this after every epoch.
    batch_size : int
        Examples per step (default 100).
    num_epochs : int
        Passes over the training data (default 10).
    num_train_samples : int or None
        Training examples sampled to measure training accuracy (default 1000; None: all).
    num_val_samples : int or None
        Validation examples sampled to measure validation accuracy (default None: all).
    checkpoint_name : str or None
        Path prefix of the per-epoch checkpoints; None writes none.
    print_every : int
        Iterations between printed losses.
    verbose : bool
        Print progress lines and show a progress bar.
    seed : int or None
        Seed of minibatch and subsample draws; None uses NumPy's global state.

    Attributes
    ----------
    loss_history : list of float
        Loss of every iteration.
    train_acc_history, val_acc_history : list of float
        Accuracies measured at the start and at the end of every epoch.
    best_val_acc : float
    best_params : dict
        Copy of the parameters with the best validation accuracy; ``train`` puts
        them back into the model when it finishes.
    """

    def __init__(self, model: Any, data: Mapping[str, np.ndarray], **kwargs: Any) -> None:
        unknown = sorted(set(kwargs) - set(DEFAULTS))
        if unknown:
            raise ValueError(f"unrecognized arguments {unknown}; Solver accepts {sorted(DEFAULTS)}")
        missing = [key for key in DATA_KEYS if key not in data]
        if missing:
            raise ValueError(f"data is missing {missing}; it needs {list(DATA_KEYS)}")
        settings = {**DEFAULTS, **kwargs}
        self.model = model
        self.X_train, self.y_train, self.X_val, self.y_val = (data[key] for key in DATA_KEYS)
        self.update_rule = resolve_update_rule(settings["update_rule"])
        self.optim_config = dict(settings["optim_config"] or {})
        self.lr_decay = settings["lr_decay"]
        self.batch_size = settings["batch_size"]
        self.num_epochs = settings["num_epochs"]
        self.num_train_samples = settings["num_train_samples"]
        self.num_val_samples = settings["num_val_samples"]
        self.checkpoint_name = settings["checkpoint_name"]
        self.print_every = settings["print_every"]
        self.verbose = settings["verbose"]
        self._rng = np.random.RandomState(settings["seed"]) if settings["seed"] is not None else np.random
        self._reset()

    def _reset(self) -> None:
        """Clear the bookkeeping; called by ``__init__``."""
        self.epoch = 0
        self.best_val_acc = 0.0
        self.best_params: dict[str, np.ndarray] = {}
        self.loss_history: list[float] = []
        self.train_acc_history: list[float] = []
        self.val_acc_history: list[float] = []
        self.optim_configs = {name: dict(self.optim_config) for name in self.model.params}

    def _step(self) -> None:
        """One update of every parameter from a random minibatch."""
        num_train = self.X_train.shape[0]
        batch = self._rng.choice(num_train, self.batch_size)
        loss, grads = self.model.loss(self.X_train[batch], self.y_train[batch])
        self.loss_history.append(float(loss))
        for name, value in self.model.params.items():
            next_value, self.optim_configs[name] = self.update_rule(value, grads[name], self.optim_configs[name])
            self.model.params[name] = next_value

    def check_accuracy(
        self, X: np.ndarray, y: np.ndarray, num_samples: int | None = None, batch_size: int = 100
    ) -> float:
        """Fraction of ``X`` the model classifies as ``y``.

        Parameters
        ----------
        X : ndarray, shape (N, ...)
        y : ndarray of int, shape (N,)
        num_samples : int or None
            Score a random subset of this many examples instead of all of them.
        batch_size : int
            Examples per forward pass (bounds memory use).
        """
        if num_samples is not None and X.shape[0] > num_samples:
            subset = self._rng.choice(X.shape[0], num_samples)
            X, y = X[subset], y[subset]
        predictions = [
            np.argmax(self.model.loss(X[start : start + batch_size]), axis=1)
            for start in range(0, X.shape[0], batch_size)
        ]
        accuracy = float(np.mean(np.concatenate(predictions) == y))
        return accuracy

    def _record_accuracies(self) -> None:
        """Measure both accuracies, keep a copy of the best parameters so far."""
        train_acc = self.check_accuracy(self.X_train, self.y_train, num_samples=self.num_train_samples)
        val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        self._save_checkpoint()
        self._log(f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:f}; val_acc: {val_acc:f}")
        if val_acc > self.best_val_acc or not self.best_params:
            self.best_val_acc = val_acc
            self.best_params = {name: value.copy() for name, value in self.model.params.items()}

    def _save_checkpoint(self) -> None:
        """Write the parameters (``.npz``) and the run's state (``.json``) for this epoch."""
        if self.checkpoint_name is None:
            return
        prefix = f"{self.checkpoint_name}_epoch_{self.epoch}"
        np.savez(f"{prefix}.npz", **self.model.params)
        rule = self.update_rule
        metadata = {
            "epoch": self.epoch,
            "update_rule": getattr(rule, "__name__", type(rule).__name__),
            "optim_config": {k: v for k, v in self.optim_config.items() if np.isscalar(v)},
            "lr_decay": self.lr_decay,
            "batch_size": self.batch_size,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
        }
        with open(f"{prefix}.json", "w", encoding="utf-8") as handle:
            json.dump(metadata, handle, indent=1, default=float)

    def _log(self, line: str) -> None:
        if self.verbose:
            print(line)

    def train(self) -> None:
        """Run the optimisation, then restore the best parameters into the model."""
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch
        with Progress(disable=not self.verbose, transient=True) as progress:
            task = progress.add_task("training", total=num_iterations)
            for t in range(num_iterations):
                self._step()
                progress.advance(task)
                if t % self.print_every == 0:
                    self._log(f"(Iteration {t + 1} / {num_iterations}) loss: {self.loss_history[-1]:f}")
                epoch_end = (t + 1) % iterations_per_epoch == 0
                if epoch_end:
                    self.epoch += 1
                    for config in self.optim_configs.values():
                        if "learning_rate" in config:
                            config["learning_rate"] *= self.lr_decay
                if t == 0 or t == num_iterations - 1 or epoch_end:
                    self._record_accuracies()
        self.model.params = self.best_params
