"""The ``target``/``params`` convention of latent-diffusion and its descendants.

CompVis latent-diffusion, stable-diffusion, Stability-AI generative-models, ControlNet and
their forks train from a ``main.py`` that reads a YAML config of this shape::

    model: {target: ldm.models.diffusion.ddpm.LatentDiffusion, params: {...}}
    data:  {target: main.DataModuleFromConfig, params: {batch_size: 8, train: {...}}}
    lightning:
      trainer: {max_epochs: 10, ...}                     # Trainer(**trainer_config, ...)
      modelcheckpoint: {params: {every_n_train_steps: 5000}}
      callbacks:
        image_logger: {target: main.ImageLogger, params: {...}}
        metrics_over_trainsteps_checkpoint: {params: {every_n_train_steps: 25000}}
      logger: {...}

``main.py`` holds the defaults as dict literals (``default_modelckpt_cfg = {"target":
"pytorch_lightning.callbacks.ModelCheckpoint", "params": {...}}``, ``default_callbacks_cfg
= {"setup_callback": {...}, ...}``, a conditional ``{"metrics_over_trainsteps_checkpoint":
{...}}``), merges the YAML over them with ``OmegaConf.merge`` and instantiates each
``{target, params}`` node. This module reads those defaults from the entry point (without
running it), merges the YAML the same way and gives the Trainer spec its real callbacks,
each value at the YAML key that sets or selects it, and the fit graph of ``model:`` and
``data:``. When no entry point with such defaults is found, the callbacks the YAML names
with a ``target`` are kept and the list is marked open: the entry point's own are not seen.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Protocol, Tuple

from lightning_lint.extract import fit_graph
from lightning_lint.extract.yaml import YNode
from lightning_lint.model import dependencies, lightning_api
from lightning_lint.model.spec import CallbackSpec, Extraction, Loc, TrainerSpec, Value, known, unknown

_ENTRY_NAMES = ("main.py", "train.py")
_MAX_UP = 4
_MAX_BYTES = 2_000_000


class _ValueBuilder(Protocol):
    """What this module needs of the config extractor's builder."""

    def value(self, node: YNode, key_path: str) -> Value: ...


@dataclass(frozen=True)
class _Runtime:
    """A default the entry point computes at run time (``ckptdir``, ``opt.resume``)."""

    text: str


@dataclass
class EntryPoint:
    """The defaults an entry point merges the ``lightning:`` section into."""

    path: str
    checkpoint: Optional[Tuple[str, Dict[str, Any]]] = None  # target, params
    checkpoint_runtime: List[str] = field(default_factory=list)  # params set by code (``monitor``)
    always: Dict[str, Tuple[str, Dict[str, Any]]] = field(default_factory=dict)
    by_name: Dict[str, Tuple[str, Dict[str, Any]]] = field(default_factory=dict)


def is_target_params(root: YNode) -> bool:
    lightning = root.get("lightning") if root.kind == "map" else None
    return lightning is not None and lightning.kind == "map"


# -- the entry point ------------------------------------------------------------------------

_CACHE: Dict[Path, Tuple[float, Optional[EntryPoint]]] = {}


def find_entry_point(config: Path) -> Optional[EntryPoint]:
    """The nearest ``main.py``/``train.py`` above the config that merges a
    ``lightning:`` section into ``{target, params}`` defaults."""
    folder = Path(os.path.abspath(config)).parent
    for _ in range(_MAX_UP + 1):
        for name in _ENTRY_NAMES:
            candidate = folder / name
            if dependencies.is_file(candidate):
                entry = _read_entry(candidate)
                if entry is not None:
                    return entry
        if folder.parent == folder:
            break
        folder = folder.parent
    return None


def _read_entry(path: Path) -> Optional[EntryPoint]:
    dependencies.note_file(path)
    try:
        mtime = path.stat().st_mtime
        cached = _CACHE.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        data = path.read_bytes()[:_MAX_BYTES]
    except OSError:
        return None
    entry: Optional[EntryPoint] = None
    text = data.decode("utf-8", "replace")
    if "lightning_config" in text and "target" in text:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            tree = None
        if tree is not None:
            entry = _entry_from(tree, _display(path))
    _CACHE[path] = (mtime, entry)
    return entry


def _display(path: Path) -> str:
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _target_dict(node: ast.AST) -> Optional[Tuple[str, Dict[str, Any]]]:
    """``{"target": "a.B", "params": {...}}`` as (target, params)."""
    if not isinstance(node, ast.Dict):
        return None
    target: Optional[str] = None
    params: Dict[str, Any] = {}
    for key, value in zip(node.keys, node.values):
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None
        if key.value == "target" and isinstance(value, ast.Constant) and isinstance(value.value, str):
            target = value.value
        elif key.value == "params" and isinstance(value, ast.Dict):
            for pkey, pvalue in zip(value.keys, value.values):
                if isinstance(pkey, ast.Constant) and isinstance(pkey.value, str):
                    params[pkey.value] = _literal(pvalue)
    return (target, params) if target is not None else None


def _literal(node: ast.AST) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _Runtime(ast.unparse(node))


def _entry_from(tree: ast.Module, display: str) -> Optional[EntryPoint]:
    entry = EntryPoint(display)
    checkpoint_names: List[str] = []
    # the defaults are the dicts the YAML is merged into: ``OmegaConf.merge(default, yaml)``
    merged = {
        arg.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "merge"
        for arg in node.args[:1]
        if isinstance(arg, ast.Name)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            single = _target_dict(node.value)
            if single is not None and name in merged:
                if lightning_api.short_callback_name(single[0]) == "ModelCheckpoint":
                    entry.checkpoint = single
                    checkpoint_names.append(name)
            elif isinstance(node.value, ast.Dict) and name in merged:
                entry.always.update(_named_targets(node.value))
        if isinstance(node, ast.Dict):
            entry.by_name.update(_named_targets(node))
    for node in ast.walk(tree):
        # ``default_modelckpt_cfg["params"]["monitor"] = model.monitor``: set by code
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            chain = _subscripts(node.targets[0])
            if chain and chain[0] in checkpoint_names and chain[1:2] == ["params"] and len(chain) == 3:
                entry.checkpoint_runtime.append(chain[2])
    if entry.checkpoint is None and not entry.always:
        return None
    return entry


def _named_targets(node: ast.Dict) -> Dict[str, Tuple[str, Dict[str, Any]]]:
    found = {}
    for key, value in zip(node.keys, node.values):
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            single = _target_dict(value)
            if single is not None:
                found[key.value] = single
    return found


def _subscripts(node: ast.AST) -> List[str]:
    parts: List[str] = []
    while isinstance(node, ast.Subscript):
        index = node.slice
        if not (isinstance(index, ast.Constant) and isinstance(index.value, str)):
            return []
        parts.insert(0, index.value)
        node = node.value
    if isinstance(node, ast.Name) and parts:
        return [node.id, *parts]
    return []


# -- the config -------------------------------------------------------------------------------


def apply(root: YNode, spec: TrainerSpec, builder: _ValueBuilder, extraction: Extraction, path: Path) -> None:
    """Give ``spec`` (built from ``lightning.trainer``) the callbacks the entry point
    builds from the ``lightning:`` section, and the fit graph of ``model:``/``data:``."""
    lightning = root.get("lightning")
    if lightning is None or lightning.kind != "map":
        return
    entry = find_entry_point(path)
    spec.extras["target_params"] = {"entry_point": entry.path if entry else None}
    spec.fit_graph = fit_graph.config_graph(root, "target")
    anchor = _key_loc(lightning)
    # a ModelCheckpoint given explicitly stays; the entry point's are added
    checkpoint = lightning.get("modelcheckpoint")
    default = entry.checkpoint if entry is not None else None
    if default is not None or (checkpoint is not None and checkpoint.get("target") is not None):
        runtime = entry.checkpoint_runtime if entry is not None else []
        callback = _callback(
            "lightning.modelcheckpoint", checkpoint, default, anchor, builder, entry, runtime, extraction
        )
        if callback is not None:
            spec.callbacks.append(callback)
    elif checkpoint is not None:
        spec.callbacks_open = (
            "`lightning.modelcheckpoint` is merged into the entry point's default checkpoint, which was not found"
        )
    callbacks = lightning.get("callbacks")
    named: Dict[str, YNode] = {}
    if callbacks is not None and callbacks.kind == "map":
        named = dict(callbacks.entries)
    elif callbacks is not None and not callbacks.is_null("omegaconf"):
        spec.callbacks_open = spec.callbacks_open or "`lightning.callbacks` is not a mapping of named callbacks"
    names = list(entry.always) if entry is not None else []
    names += [name for name in named if name not in names]
    for name in names:
        node = named.get(name)
        default = None
        if entry is not None:
            default = entry.always.get(name) or entry.by_name.get(name)
        callback = _callback(
            f"lightning.callbacks.{name}",
            node,
            default,
            _key_loc(node) if node is not None else anchor,
            builder,
            entry,
            [],
            extraction,
        )
        if callback is not None:
            spec.callbacks.append(callback)
        elif node is not None and node.kind == "map":
            spec.callbacks_open = spec.callbacks_open or (
                f"`lightning.callbacks.{name}` names no `target` the linter can see"
            )
    if entry is None:
        spec.callbacks_open = spec.callbacks_open or (
            "the `lightning:` section is read by an entry point (`main.py`) that was not found: "
            "its default callbacks are not seen"
        )


def _key_loc(node: YNode) -> Loc:
    return Loc(node.path, node.key_span or node.span)


def _callback(
    key_path: str,
    node: Optional[YNode],
    default: Optional[Tuple[str, Dict[str, Any]]],
    anchor: Loc,
    builder: _ValueBuilder,
    entry: Optional[EntryPoint],
    runtime: List[str],
    extraction: Extraction,
) -> Optional[CallbackSpec]:
    """One ``{target, params}`` callback: the entry point's default merged with the YAML."""
    target: Optional[str] = default[0] if default is not None else None
    args: Dict[str, Value] = {}
    where = f"the default of {entry.path}" if entry is not None else "the entry point's default"
    if default is not None:
        for name, data in default[1].items():
            at = {"loc": anchor, "key_loc": anchor, "key_path": f"{key_path}.params.{name}"}
            if isinstance(data, _Runtime):
                args[name] = unknown(f"`{data.text}` ({where}) is computed at run time", **at)
            else:
                args[name] = known(data, raw=repr(data), **at)
        for name in runtime:
            args[name] = unknown(
                f"{entry.path if entry else 'the entry point'} sets `{name}` at run time",
                loc=anchor,
                key_loc=anchor,
                key_path=f"{key_path}.params.{name}",
            )
    if node is not None and node.kind == "map":
        written = node.get("target")
        if written is not None and written.kind == "scalar" and isinstance(written.raw, str):
            target = written.raw
        params = node.get("params")
        if params is not None and params.kind == "map":
            for name, child in params.entries.items():
                args[name] = builder.value(child, f"{key_path}.params.{name}")
    if target is None or "${" in target:
        return None
    kind = lightning_api.short_callback_name(target) or ""
    callback = CallbackSpec(
        kind=kind,
        qualname=target,
        args=args,
        loc=_key_loc(node) if node is not None else anchor,
        key_path=f"{key_path}.params",
        flavor="omegaconf",
    )
    extraction.callbacks.append(callback)
    return callback
