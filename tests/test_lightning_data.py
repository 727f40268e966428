"""The Lightning knowledge in ``model/lightning_api.py`` matches the installed lightning.

If this fails after a Lightning upgrade, update ``model/lightning_api.py`` (a data change)."""

from __future__ import annotations

import collections.abc
import inspect
import typing

import pytest

pytest.importorskip("lightning")

import lightning.pytorch as pl
from lightning.pytorch import callbacks as pl_callbacks

from lightning_lint.model import lightning_api as data

EMPTY = inspect.Parameter.empty


def _params(func):
    return {
        name: p
        for name, p in inspect.signature(func).parameters.items()
        if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    }


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
    import lightning.pytorch.trainer.trainer as trainer_module
    from lightning.pytorch.trainer.connectors import accelerator_connector  # noqa: F401
    from lightning.pytorch.trainer.connectors.accelerator_connector import _AcceleratorConnector  # noqa: F401

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
    for name in data.REMOVED_APIS:
        if name.startswith("Trainer."):
            assert not hasattr(pl.Trainer, name.split(".", 1)[1]), name


def test_loader_defaults_match_torch():
    from torch.utils.data import DataLoader

    real = _params(DataLoader.__init__)
    for name, default in data.LOADER_DEFAULTS.items():
        assert real[name].default == default, name


def test_canonical_symbols_resolve():
    import importlib

    for dotted in (
        "lightning.Trainer",
        "lightning.pytorch.Trainer",
        "pytorch_lightning.Trainer",
        "lightning.pytorch.callbacks.ModelCheckpoint",
        "lightning.pytorch.cli.LightningCLI",
    ):
        module, _, attr = dotted.rpartition(".")
        assert hasattr(importlib.import_module(module), attr)
        assert data.canonical_symbol(dotted) is not None


def test_plugin_kinds_match_the_classes():
    from lightning.fabric.plugins import CheckpointIO, ClusterEnvironment
    from lightning.pytorch import plugins
    from lightning.pytorch.plugins import environments
    from lightning.pytorch.plugins.layer_sync import LayerSync
    from lightning.pytorch.plugins.precision import Precision

    bases = {
        "Precision": Precision,
        "CheckpointIO": CheckpointIO,
        "ClusterEnvironment": ClusterEnvironment,
        "LayerSync": LayerSync,
    }
    for name, kind in data.PLUGIN_KINDS.items():
        cls = getattr(plugins, name, None) or getattr(environments, name)
        assert issubclass(cls, bases[kind]), name
        others = [k for k, base in bases.items() if k != kind and issubclass(cls, base)]
        assert not others, (name, others)


def test_strategy_families_match_the_registry():
    from lightning.pytorch import strategies
    from lightning.pytorch.strategies import StrategyRegistry

    for name, (_, parallel) in data.STRATEGY_CLASSES.items():
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


# -- annotations (the JSON Schema of `lightning-lint schema` is built from them) ------------

_ORIGINS = {
    list: "list",
    dict: "dict",
    tuple: "tuple",
    collections.abc.Iterable: "Iterable",
    collections.abc.Sequence: "Sequence",
}


def _canonical_union(members, literal_values):
    """Unions compare as sets, with every Literal member merged into one."""
    flat = set(members)
    if literal_values:
        flat.add(("Literal", frozenset((type(v).__name__, v) for v in literal_values)))
    return ("Union", frozenset(flat)) if len(flat) > 1 else next(iter(flat))


def _canonical_data(expr):
    """A TypeExpr of lightning_data in a comparable form."""
    if expr.name == "Union":
        members, literals = [], []
        for arg in expr.args:
            canon = _canonical_data(arg)
            if canon[0] == "Union":
                members.extend(canon[1])
            elif arg.name == "Literal":
                literals.extend(arg.args)
            else:
                members.append(canon)
        return _canonical_union(members, literals)
    if expr.name == "Literal":
        return ("Literal", frozenset((type(v).__name__, v) for v in expr.args))
    return (expr.name, tuple(_canonical_data(a) for a in expr.args))


def _canonical_real(hint):
    """An annotation of the installed lightning in the same form (class names without modules,
    Callable without its signature)."""
    if hint is type(None) or hint is None:
        return ("None", ())
    if hint is typing.Any:
        return ("Any", ())
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union:
        members, literals = [], []
        for arg in args:
            if typing.get_origin(arg) is typing.Literal:
                literals.extend(typing.get_args(arg))
            else:
                members.append(_canonical_real(arg))
        return _canonical_union(members, literals)
    if origin is typing.Literal:
        return ("Literal", frozenset((type(v).__name__, v) for v in args))
    if origin is collections.abc.Callable or hint is typing.Callable:
        return ("Callable", ())
    if origin in _ORIGINS:
        return (_ORIGINS[origin], tuple(_canonical_real(a) for a in args))
    if isinstance(hint, typing.ForwardRef):
        return (hint.__forward_arg__, ())
    assert isinstance(hint, type), hint
    return (hint.__name__, ())


def _hints(func):
    return typing.get_type_hints(func)


def test_trainer_types_match_the_annotations():
    real = _hints(pl.Trainer.__init__)
    assert set(data.TRAINER_TYPES) == set(data.TRAINER_PARAMS)
    for name, text in data.TRAINER_TYPES.items():
        assert _canonical_data(data.parse_type(text)) == _canonical_real(real[name]), name


@pytest.mark.parametrize("name", sorted(data.CALLBACKS))
def test_callback_types_match_the_annotations(name):
    real = _hints(getattr(pl_callbacks, name).__init__)
    types = data.CALLBACK_TYPES[name]
    assert set(types) == set(data.CALLBACKS[name].params)
    for pname, text in types.items():
        assert _canonical_data(data.parse_type(text)) == _canonical_real(real[pname]), (name, pname)


def test_subcommand_parameters():
    from lightning.pytorch.cli import LightningCLI

    supplied = {"model", "datamodule", "dataloaders", "train_dataloaders", "val_dataloaders"}
    for subcommand, params in data.SUBCOMMAND_PARAMS.items():
        method = getattr(pl.Trainer, subcommand)
        real = {n: p for n, p in _params(method).items() if n not in supplied}
        assert [p.name for p in params] == list(real), subcommand
        hints = _hints(method)
        for param in params:
            assert param.default == real[param.name].default, (subcommand, param.name)
            assert _canonical_data(data.parse_type(data.SUBCOMMAND_TYPES[param.name])) == _canonical_real(
                hints[param.name]
            ), (subcommand, param.name)
    # LightningCLI subcommands are exactly these
    assert set(LightningCLI.subcommands()) == set(data.SUBCOMMAND_PARAMS)
    seed = inspect.signature(LightningCLI.__init__).parameters["seed_everything_default"]
    assert seed.default == data.CLI_SEED_EVERYTHING.default
    assert _canonical_data(data.parse_type(data.CLI_SEED_EVERYTHING_TYPE)) == _canonical_real(
        _hints(LightningCLI.__init__)["seed_everything_default"]
    )


def _kinds_of(expr):
    """The value kinds (lightning_data's vocabulary) an annotation admits."""
    if expr.name == "Union":
        return set().union(*(_kinds_of(a) for a in expr.args))
    if expr.name == "Literal":
        return {"null" if v is None else type(v).__name__ for v in expr.args}
    simple = {
        "None": "null",
        "int": "int",
        "float": "float",
        "str": "str",
        "bool": "bool",
        "Path": "str",
        "list": "list",
        "tuple": "list",
        "Sequence": "list",
        "Iterable": "list",
        "dict": "dict",
    }
    return {simple.get(expr.name, "object")}


def test_kinds_agree_with_the_annotations():
    """The hand-written `kinds` (used by rules) say what the annotation says; an int may be
    listed where a float is accepted."""
    pairs = [(f"Trainer.{n}", p, data.TRAINER_TYPES[n]) for n, p in data.TRAINER_PARAMS.items()]
    pairs += [
        (f"{c}.{n}", p, data.CALLBACK_TYPES[c][n]) for c, info in data.CALLBACKS.items() for n, p in info.params.items()
    ]
    for label, param, text in pairs:
        derived = _kinds_of(data.parse_type(text))
        listed = set(param.kinds)
        if "float" in derived and "int" not in derived:
            listed.discard("int")
        assert listed == derived, label


def test_dataclass_types():
    import dataclasses

    from lightning.pytorch.callbacks.progress import rich_progress

    for name, fields in data.DATACLASS_TYPES.items():
        cls = getattr(rich_progress, name)
        assert dataclasses.is_dataclass(cls)
        real = {f.name: f.type for f in dataclasses.fields(cls)}
        assert list(real) == list(fields), name
        for field_name, text in fields.items():  # annotations as written: Union[str, "Style"]
            assert _canonical_data(data.parse_type(text)) == _canonical_real(real[field_name]), (name, field_name)
    named = set()
    for types in data.CALLBACK_TYPES.values():
        for text in types.values():
            stack = [data.parse_type(text)]
            while stack:
                expr = stack.pop()
                named.add(expr.name)
                stack.extend(a for a in expr.args if isinstance(a, data.TypeExpr))
    assert set(data.DATACLASS_TYPES) <= named


_REQUIRED = {
    "EarlyStopping": {"monitor": "x"},
    "StochasticWeightAveraging": {"swa_lrs": 0.1},
    "OnExceptionCheckpoint": {"dirpath": "x"},
    "ModelPruning": {"pruning_fn": "l1_unstructured"},
    "GradientAccumulationScheduler": {"scheduling": {0: 1}},
}


def _builds(owner: str, name: str, value) -> bool:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if owner == "Trainer":
                pl.Trainer(
                    **{name: value},
                    accelerator="cpu",
                    devices=1,
                    logger=False,
                    enable_checkpointing=False,
                    enable_progress_bar=False,
                    enable_model_summary=False,
                )
            else:
                getattr(pl_callbacks, owner)(**_REQUIRED.get(owner, {}), **{name: value})
        except Exception:  # noqa: BLE001 - whatever Lightning raises, the value is rejected
            return False
    return True


def _choice_params():
    for name, param in data.TRAINER_PARAMS.items():
        if param.choices and name not in data.REGISTRY_ARGS:
            yield "Trainer", param, data.TRAINER_TYPES[name]
    for owner, info in data.CALLBACKS.items():
        for param in info.params.values():
            if param.choices:
                yield owner, param, data.CALLBACK_TYPES[owner][param.name]


@pytest.mark.parametrize(
    "owner,param,annotation", [pytest.param(*c, id=f"{c[0]}.{c[1].name}") for c in _choice_params()]
)
def test_choices_are_closed_and_case_is_known(owner, param, annotation):
    """A value outside `choices` fails (a Literal annotation makes jsonargparse reject it, else
    Lightning raises); upper-case spellings work exactly for CHOICES_IGNORE_CASE."""
    expr = data.parse_type(annotation)
    literal = expr.name == "Literal" or any(a.name == "Literal" for a in expr.args)
    key = f"{owner}.{param.name}"
    if literal:
        assert key not in data.CHOICES_IGNORE_CASE  # jsonargparse compares Literal values exactly
        literal_values = (
            set(expr.args) if expr.name == "Literal" else {v for a in expr.args if a.name == "Literal" for v in a.args}
        )
        assert set(param.choices) - {None} == literal_values, key
        return
    assert not _builds(owner, param.name, "bogus"), key
    strings = [c for c in param.choices if isinstance(c, str)]
    if strings:
        cheap = "simple" if key == "Trainer.profiler" else strings[0]
        assert _builds(owner, param.name, cheap), key
        assert _builds(owner, param.name, cheap.upper()) == (key in data.CHOICES_IGNORE_CASE), key


@pytest.mark.parametrize("method", ["fit", "validate", "test", "predict"])
def test_trainer_method_keywords_of_the_installed_release(method):
    from packaging.version import Version

    real = set(_params(getattr(pl.Trainer, method)))
    assert set(data.method_args_accepted(method, Version(pl.__version__))) == real
    assert not hasattr(pl.Trainer, "tune") and not data.method_exists("tune", Version(pl.__version__))


def _tagged_trainer_methods(repo, tag):
    """``{method: keywords}`` of the Trainer at a tag of the Lightning repository."""
    import ast
    import subprocess

    for path in (
        "src/lightning/pytorch/trainer/trainer.py",
        "src/pytorch_lightning/trainer/trainer.py",
        "pytorch_lightning/trainer/trainer.py",
    ):
        shown = subprocess.run(["git", "--git-dir", str(repo), "show", f"{tag}:{path}"], capture_output=True, text=True)
        if shown.returncode == 0:
            break
    else:
        return None
    methods = {}
    for node in ast.parse(shown.stdout).body:
        if isinstance(node, ast.ClassDef) and node.name == "Trainer":
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name in data.TRAINER_METHODS:
                    args = item.args
                    methods[item.name] = {a.arg for a in args.args[1:] + args.kwonlyargs}
    return methods


def test_trainer_method_keywords_of_every_tagged_release():
    """The method data against the signatures in the tagged sources (where the Lightning
    repository is at hand: LIGHTNING_REPO, or the workspace's mirror)."""
    import os
    import subprocess
    from pathlib import Path

    from packaging.version import Version

    repo = Path(os.environ.get("LIGHTNING_REPO", "/work/.mirror/Lightning-AI+pytorch-lightning/repo"))
    if not repo.exists():
        pytest.skip("the Lightning repository is not at hand")
    tags = set(subprocess.run(["git", "--git-dir", str(repo), "tag"], capture_output=True, text=True).stdout.split())
    checked = 0
    for version in data.KNOWN_VERSIONS + ("1.4.0", "1.5.0", "1.6.0", "1.8.0"):
        if version not in tags:
            continue
        real = _tagged_trainer_methods(repo, version)
        assert real is not None, version
        for method in data.TRAINER_METHODS:
            accepted = data.method_args_accepted(method, Version(version))
            assert accepted == real.get(method, set()), (version, method)
        checked += 1
    if not checked:
        pytest.skip("no release tags in the repository")
