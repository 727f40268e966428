"""The Lightning knowledge in ``lightning_data`` matches the installed lightning.

If this fails after a Lightning upgrade, update ``lightning_data.py`` (a data change)."""

from __future__ import annotations

import inspect
import typing

import pytest

pytest.importorskip("lightning")

import lightning.pytorch as pl  # noqa: E402
from lightning.pytorch import callbacks as pl_callbacks  # noqa: E402

from lightning_lint.linter import lightning_data as data  # noqa: E402

EMPTY = inspect.Parameter.empty


def _params(func):
    return {name: p for name, p in inspect.signature(func).parameters.items()
            if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}


def test_newest_known_is_installed():
    assert pl.__version__ == data.NEWEST_KNOWN


def test_trainer_parameters_and_defaults():
    real = _params(pl.Trainer.__init__)
    assert set(real) == set(data.TRAINER_PARAMS)
    for name, param in real.items():
        expected = param.default if param.default is not EMPTY else None
        assert data.TRAINER_PARAMS[name].default == expected, name


def test_removed_arguments_are_not_accepted():
    real = _params(pl.Trainer.__init__)
    for name, removed in data.REMOVED_TRAINER_ARGS.items():
        assert name not in real, f"{name} is listed as removed but Trainer accepts it"
        if removed.rename_to:
            assert removed.rename_to in real, removed


@pytest.mark.parametrize("name", sorted(data.CALLBACKS))
def test_callback_parameters(name):
    info = data.CALLBACKS[name]
    cls = getattr(pl_callbacks, name)
    real = _params(cls.__init__)
    if name == "LambdaCallback":
        # one optional argument per Callback hook; the data treats it as open (any hook name)
        assert info.var_kwargs and all(hasattr(pl_callbacks.Callback, hook) for hook in real)
        return
    assert set(real) == set(info.params), name
    has_var_kwargs = any(p.kind == p.VAR_KEYWORD for p in inspect.signature(cls.__init__).parameters.values())
    assert has_var_kwargs == info.var_kwargs, name
    for pname, param in real.items():
        if param.default is not EMPTY and isinstance(param.default, (int, float, str, bool, type(None))):
            assert info.params[pname].default == param.default, (name, pname)
    for removed in info.removed_params:
        assert removed not in real


def test_strategies_match_the_registry():
    from lightning.pytorch.strategies import StrategyRegistry
    assert set(StrategyRegistry.available_strategies()) | {"auto"} == set(data.STRATEGIES)
    for old in data.REMOVED_STRATEGIES:
        assert old not in StrategyRegistry.available_strategies()


def test_accelerators_match_the_registry():
    from lightning.pytorch.accelerators import AcceleratorRegistry
    assert set(AcceleratorRegistry.available_accelerators()) | {"auto", "gpu"} == set(data.ACCELERATORS)


def test_precisions_match_lightning():
    from lightning.fabric.connector import _PRECISION_INPUT
    values = set()
    for arg in typing.get_args(_PRECISION_INPUT):
        values.update(typing.get_args(arg))
    assert values == set(data.PRECISIONS)
    assert set(data.LEGACY_PRECISIONS) <= values


def test_profiler_names():
    from lightning.pytorch.trainer.connectors import accelerator_connector  # noqa: F401
    from lightning.pytorch.trainer.connectors.accelerator_connector import _AcceleratorConnector  # noqa: F401
    import lightning.pytorch.trainer.trainer as trainer_module
    source = inspect.getsource(trainer_module)
    assert "_init_profiler" in source or "profiler" in source
    from lightning.pytorch.trainer.connectors.accelerator_connector import _AcceleratorConnector as _  # noqa
    from lightning.pytorch.trainer import setup
    names = set(setup.__dict__.get("PROFILERS", {}) or {})
    if not names:
        src = inspect.getsource(setup._init_profiler)
        names = {n for n in data.PROFILERS if f'"{n}"' in src}
    assert names == set(data.PROFILERS)


def test_removed_apis_are_gone():
    for name, api in data.REMOVED_APIS.items():
        if name.startswith("Trainer."):
            assert not hasattr(pl.Trainer, name.split(".", 1)[1]), name


def test_loader_defaults_match_torch():
    from torch.utils.data import DataLoader
    real = _params(DataLoader.__init__)
    for name, default in data.LOADER_DEFAULTS.items():
        assert real[name].default == default, name


def test_canonical_symbols_resolve():
    import importlib
    for dotted in ("lightning.Trainer", "lightning.pytorch.Trainer", "pytorch_lightning.Trainer",
                   "lightning.pytorch.callbacks.ModelCheckpoint", "lightning.pytorch.cli.LightningCLI"):
        module, _, attr = dotted.rpartition(".")
        assert hasattr(importlib.import_module(module), attr)
        assert data.canonical_symbol(dotted) is not None


def test_plugin_kinds_match_the_classes():
    from lightning.fabric.plugins import CheckpointIO, ClusterEnvironment
    from lightning.pytorch import plugins
    from lightning.pytorch.plugins import environments
    from lightning.pytorch.plugins.layer_sync import LayerSync
    from lightning.pytorch.plugins.precision import Precision
    bases = {"Precision": Precision, "CheckpointIO": CheckpointIO, "ClusterEnvironment": ClusterEnvironment,
             "LayerSync": LayerSync}
    for name, kind in data.PLUGIN_KINDS.items():
        cls = getattr(plugins, name, None) or getattr(environments, name)
        assert issubclass(cls, bases[kind]), name
        others = [k for k, base in bases.items() if k != kind and issubclass(cls, base)]
        assert not others, (name, others)


def test_strategy_families_match_the_registry():
    from lightning.pytorch import strategies
    from lightning.pytorch.strategies import StrategyRegistry
    for name, (family, parallel) in data.STRATEGY_CLASSES.items():
        cls = getattr(strategies, name)
        assert issubclass(cls, strategies.ParallelStrategy) == parallel, name
    by_class = {getattr(strategies, n): fam for n, (fam, _) in data.STRATEGY_CLASSES.items()}
    for name in StrategyRegistry.available_strategies():
        cls = StrategyRegistry[name]["strategy"]
        expected = next((by_class[c] for c in cls.__mro__ if c in by_class), None)  # the nearest known class
        assert data.strategy_family(name) == expected, (name, cls)
    assert set(data.FSDP_STRATEGY_NAMES) == set(strategies.FSDPStrategy.get_registered_strategies())


def test_case_insensitive_choices_are_lower_cased_by_lightning():
    from lightning.pytorch.callbacks import BatchSizeFinder, LearningRateFinder
    from lightning.pytorch.trainer import setup
    assert ".lower()" in inspect.getsource(setup._init_profiler)
    assert "gradient_clip_algorithm.lower()" in inspect.getsource(pl.Trainer.__init__)
    for cls in (BatchSizeFinder, LearningRateFinder):
        assert "mode = mode.lower()" in inspect.getsource(cls.__init__)
