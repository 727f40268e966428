"""YAML -> Trainer and callback specs, for LightningCLI, Hydra and OmegaConf configs.

Which YAML is a Lightning config is decided from the content: a top-level ``trainer:``
mapping (LightningCLI, NeMo-style ``Trainer(**cfg.trainer)``, CompVis-style
``lightning: trainer:``), subcommand nesting (``fit: trainer: ...``), a mapping whose
``_target_`` is the Trainer or a callback (Hydra), or a file inside a Hydra config group
(``configs/trainer/*.yaml``). Everything else is skipped.

Values are typed the way their consumer types them (see ``extract/yaml.py``), and LightningCLI's
own coercions are applied (``limit_train_batches: 1`` reaches the Trainer as ``1.0``), so
rules see what Lightning will see; ``raw`` keeps what was written.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Protocol, Tuple

import yaml

from lightning_lint.extract import fit_graph, optimizers, target_params, trainer_sections
from lightning_lint.extract.failure import ParseFailure
from lightning_lint.extract.yaml import (
    CONSUMER_JSONARGPARSE,
    CONSUMER_OMEGACONF,
    CONSUMER_PYYAML,
    Document,
    YamlError,
    YNode,
    load,
)
from lightning_lint.model import lightning_api
from lightning_lint.model import subclasses as subclass_data
from lightning_lint.model.sources import SourceFile
from lightning_lint.model.spec import (
    FLAVOR_HYDRA,
    FLAVOR_LIGHTNING_CLI,
    FLAVOR_OMEGACONF,
    Call,
    CallbackSpec,
    Extraction,
    Loc,
    RunCall,
    Span,
    TrainerSpec,
    Value,
    known,
    unknown,
)

CLI_TOP_KEYS = frozenset(
    {
        "seed_everything",
        "trainer",
        "model",
        "data",
        "optimizer",
        "lr_scheduler",
        "ckpt_path",
        "weights_only",
        "verbose",
        "return_predictions",
        "config",
        "print_config",
    }
)
SUBCOMMANDS = ("fit", "validate", "test", "predict")
# jsonargparse reads these Trainer parameters as float first (research §5.1.6): 1 -> 1.0
CLI_FLOAT_FIRST = frozenset(
    {"limit_train_batches", "limit_val_batches", "limit_test_batches", "limit_predict_batches", "gradient_clip_val"}
)
_INTERPOLATION = re.compile(r"\$\{")
_CONSUMER = {
    FLAVOR_LIGHTNING_CLI: CONSUMER_JSONARGPARSE,
    FLAVOR_HYDRA: CONSUMER_OMEGACONF,
    FLAVOR_OMEGACONF: CONSUMER_OMEGACONF,
}


_SAFE_TAGS = frozenset(tag for tag in yaml.constructor.SafeConstructor.yaml_constructors if tag)


def _show_tag(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:") :] if tag.startswith("tag:yaml.org,2002:") else tag


def _span_from(first: Span, last: Span) -> Span:
    return Span(first.start_line, first.start_col, last.end_line, last.end_col)


class _Builder:
    """Builds Values and specs from YAML nodes for one flavor."""

    def __init__(
        self, flavor: str, extraction: Extraction, classes: Optional[Callable[[str], List[Any]]] = None
    ) -> None:
        self.flavor = flavor
        self.consumer = _CONSUMER.get(flavor, CONSUMER_PYYAML)
        self.extraction = extraction
        self.index = subclass_data.Index(classes)
        self.cli_trainer_class: Optional[Callable[[], Optional[str]]] = None

    # -- subclasses of Lightning classes (model/subclasses.py) ---------------------------
    def subclass(self, target: str) -> Optional[subclass_data.Resolved]:
        """The Lightning class a ``_target_``/``class_path`` extends, when it is a subclass."""
        if lightning_api.canonical_symbol(target) is not None:
            return None
        from lightning_lint.extract.subclasses import may_be_project_class

        if target in subclass_data.LIBRARY_SUBCLASSES or (
            self.index.project is not None and may_be_project_class(target)
        ):
            found = self.index.resolve(target)
            return found if found is not None and found.chain else None
        return None

    def symbol(self, node: YNode) -> Optional[str]:
        """``_target(node)``, or the Lightning class a subclass ``_target_`` extends."""
        found = _target(node)
        target = node.get("_target_")
        if found is None and target is not None and target.kind == "scalar" and isinstance(target.raw, str):
            resolved = self.subclass(target.raw)
            found = resolved.symbol if resolved is not None else None
        return found

    def map_subclass(self, call: Call, anchor: Loc) -> Tuple[Optional[subclass_data.Resolved], Dict[str, Value], Any]:
        resolved = self.subclass(call.qualname) if self.flavor != FLAVOR_LIGHTNING_CLI or "." in call.qualname else None
        if resolved is None:
            return None, dict(call.args), None
        mapped = subclass_data.map_call(resolved.chain, call.args, call.positional)
        args: Dict[str, Value] = dict(mapped.args)
        for name, (literal, owner) in mapped.fixed.items():
            args[name] = known(literal, loc=anchor, raw=f"{literal!r} (passed by `{owner}.__init__`)", key_path=name)
        for name, owner in mapped.computed.items():
            args[name] = unknown(f"`{owner}.__init__` passes `{name}` a value computed at run time", loc=anchor)
        return resolved, args, mapped

    # -- values ------------------------------------------------------------------------
    def where(self, node: YNode, key_path: str) -> Dict[str, Any]:
        value_loc: Optional[Loc] = Loc(node.path, node.span)
        if node.key_span is not None and (node.span.start_line, node.span.start_col) < (
            node.key_span.start_line,
            node.key_span.start_col,
        ):
            # `key: *alias`: the value is written at its anchor, above; point at the key,
            # and offer no edit of the shared value
            return {
                "loc": Loc(node.path, node.key_span),
                "key_loc": Loc(node.path, node.key_span),
                "value_loc": None,
                "key_path": key_path,
            }
        if node.kind == "scalar" and (node.source_text or "").startswith("&"):
            value_loc = None  # `key: &anchor value` is shared with its aliases: no edit of it
        if node.key_span is not None:
            return {
                "loc": Loc(node.path, _span_from(node.key_span, node.span)),
                "key_loc": Loc(node.path, node.key_span),
                "value_loc": value_loc,
                "key_path": key_path,
            }
        return {"loc": Loc(node.path, node.span), "value_loc": value_loc, "key_path": key_path}

    def value(self, node: YNode, key_path: str) -> Value:
        where = self.where(node, key_path)
        if node.tag is not None and node.tag not in _SAFE_TAGS:
            # LightningCLI and Hydra load YAML safely: ``!!python/object`` and custom tags fail there
            raw = node.source_text if node.kind == "scalar" else None
            return unknown(
                f"the YAML tag `{_show_tag(node.tag)}` is not loaded by a safe loader", raw=raw, tag=node.tag, **where
            )
        if node.kind == "scalar":
            return self.scalar(node, key_path, where)
        if node.kind == "seq":
            return known(
                tuple(self.value(item, f"{key_path}[{i}]") for i, item in enumerate(node.items)), tag=node.tag, **where
            )
        call = self.call(node, key_path)
        if call is not None:
            return known(call, **where)
        return known(
            {key: self.value(child, f"{key_path}.{key}" if key_path else key) for key, child in node.entries.items()},
            **where,
        )

    def scalar(self, node: YNode, key_path: str, where: Dict[str, Any]) -> Value:
        raw = node.source_text if node.source_text is not None else node.raw
        data = node.scalar(self.consumer)
        if isinstance(data, str):
            if data.strip() == "???":
                return unknown("`???` marks a mandatory value given on the command line", raw=raw, **where)
            if _INTERPOLATION.search(data):
                reason = (
                    "an environment lookup"
                    if "oc.env" in data or "env:" in data
                    else "an interpolation resolved when the config is loaded"
                )
                return unknown(f"`{data}` is {reason}", raw=raw, **where)
        return known(data, raw=raw, **where)

    def call(self, node: YNode, key_path: str) -> Optional[Call]:
        """A ``_target_`` or ``class_path`` node, as the call it stands for."""
        target = node.get("_target_")
        if target is not None and target.kind == "scalar" and self.flavor != FLAVOR_LIGHTNING_CLI:
            args: Dict[str, Value] = {
                key: self.value(child, f"{key_path}.{key}" if key_path else key)
                for key, child in node.entries.items()
                if not key.startswith("_")
            }
            partial = node.get("_partial_")
            open_reason = (
                "`_partial_: true`: the remaining arguments are given in code"
                if (partial is not None and partial.kind == "scalar" and partial.scalar(self.consumer) is True)
                else None
            )
            args_node = node.get("_args_")
            positional = (
                tuple(self.value(item, f"{key_path}._args_[{i}]") for i, item in enumerate(args_node.items))
                if args_node is not None and args_node.kind == "seq"
                else ()
            )
            return Call(str(target.raw), args, positional, open_reason)
        class_path = node.get("class_path")
        if class_path is not None and class_path.kind == "scalar":
            args = {}
            for section in ("init_args", "dict_kwargs"):
                block = node.get(section)
                if block is not None and block.kind == "map":
                    prefix = f"{key_path}.{section}" if key_path else section
                    args.update({key: self.value(child, f"{prefix}.{key}") for key, child in block.entries.items()})
            return Call(str(class_path.raw), args)
        return None

    # -- specs -------------------------------------------------------------------------
    def trainer(
        self,
        node: YNode,
        key_prefix: str,
        description: str,
        anchor: Optional[Loc] = None,
        runs: Optional[List[RunCall]] = None,
    ) -> TrainerSpec:
        args: Dict[str, Value] = {}
        for key, child in node.entries.items():
            if self.flavor != FLAVOR_LIGHTNING_CLI and key.startswith("_"):
                continue
            value = self.value(child, key_prefix + key)
            if self.flavor == FLAVOR_LIGHTNING_CLI and key in CLI_FLOAT_FIRST and value.is_int():
                value = _with_data(value, float(value.data))
            args[key.rstrip("+")] = value
        loc = anchor or self._anchor(node)
        target = node.get("_target_")
        resolved, mapped = None, None
        if (
            target is not None
            and target.kind == "scalar"
            and isinstance(target.raw, str)
            and self.flavor != FLAVOR_LIGHTNING_CLI
        ):
            resolved, args, mapped = self.map_subclass(Call(target.raw, args), loc)
        elif self.flavor == FLAVOR_LIGHTNING_CLI and self.cli_trainer_class is not None:
            trainer_class = self.cli_trainer_class()  # LightningCLI(trainer_class=MyTrainer)
            if trainer_class:
                resolved, args, mapped = self.map_subclass(Call(trainer_class, args), loc)
        spec = TrainerSpec(
            path=node.path,
            flavor=self.flavor,
            loc=loc,
            args=args,
            key_prefix=key_prefix,
            description=description,
            runs=list(runs or []),
        )
        if mapped is not None and resolved is not None:
            spec.open_reason = spec.open_reason or mapped.open_reason
            spec.defaults.update(mapped.defaults)
            spec.extras["subclass"] = resolved.describe()
            spec.extras["own_args"] = mapped.own
        self.attach_callbacks(spec, node.get("callbacks"), key_prefix + "callbacks")
        appended = node.get("callbacks+")
        if appended is not None:
            self.attach_callbacks(spec, appended, key_prefix + "callbacks+")
            spec.callbacks_open = "`callbacks+` appends to callbacks given in other configs"
        return spec

    def _anchor(self, node: YNode) -> Loc:
        target = node.get("_target_")
        if target is not None and target.key_span is not None:
            return Loc(target.path, target.key_span)
        if node.key_span is not None:
            return Loc(node.path, node.key_span)
        first = next(iter(node.entries.values()), None)
        if first is not None and first.key_span is not None:
            return Loc(first.path, first.key_span)
        if node.kind == "scalar":  # ``- LearningRateMonitor``: the class name
            return Loc(node.path, node.span)
        return Loc(
            node.path, Span(node.span.start_line, node.span.start_col, node.span.start_line, node.span.start_col + 1)
        )

    def attach_callbacks(self, spec: TrainerSpec, node: Optional[YNode], key_path: str) -> None:
        if node is None or node.is_null(self.consumer):
            return
        items: List[Tuple[Optional[int], YNode]]
        if node.kind == "seq":
            items = list(enumerate(node.items))
        elif node.kind == "map" and (node.get("class_path") or node.get("_target_")):
            items = [(None, node)]
        else:
            value = self.value(node, key_path)
            spec.callbacks_open = spec.callbacks_open or (value.reason or "the callbacks are not a list")
            return
        for index, item in items:
            path = key_path if index is None else f"{key_path}[{index}]"
            callback = self.callback(item, path)
            if callback is None:
                spec.callbacks_open = spec.callbacks_open or f"`{path}` is not a callback the linter can read"
            else:
                spec.callbacks.append(callback)

    def callback(self, node: YNode, key_path: str) -> Optional[CallbackSpec]:
        if node.kind == "scalar" and self.flavor == FLAVOR_LIGHTNING_CLI and isinstance(node.raw, str):
            call: Optional[Call] = Call(node.raw, {})  # `- ModelCheckpoint` (a class name, no arguments)
        elif node.kind == "map":
            call = self.call(node, key_path)
        else:
            call = None
        if call is None:
            return None
        kind = lightning_api.short_callback_name(call.qualname) or ""
        args = dict(call.args)
        resolved, mapped = None, None
        if not kind:
            resolved, args, mapped = self.map_subclass(call, self._anchor(node))
            if resolved is not None and resolved.symbol.startswith("callbacks."):
                kind = resolved.kind
        prefix = key_path + (".init_args" if self.flavor == FLAVOR_LIGHTNING_CLI else "")
        spec = CallbackSpec(
            kind=kind,
            qualname=call.qualname,
            args=args,
            loc=self._anchor(node),
            open_reason=call.open_reason,
            key_path=prefix,
            flavor=self.flavor,
        )
        if mapped is not None and resolved is not None:
            spec.open_reason = spec.open_reason or mapped.open_reason
            spec.defaults.update(mapped.defaults)
            spec.extras["subclass"] = resolved.describe()
            spec.extras["own_args"] = mapped.own
        self.extraction.callbacks.append(spec)
        return spec


def _with_data(value: Value, data: Any) -> Value:
    from dataclasses import replace

    return replace(value, data=data)


# -- recognising the kind of config ---------------------------------------------------------


def _target(node: YNode) -> Optional[str]:
    target = node.get("_target_")
    if target is not None and target.kind == "scalar" and isinstance(target.raw, str):
        return lightning_api.canonical_symbol(target.raw)
    return None


def detect_flavor(root: YNode, header: str) -> Optional[str]:
    """LightningCLI, Hydra, plain OmegaConf, or None for YAML that is not a Lightning config."""
    if root.kind != "map":
        return None
    keys = set(root.entries)
    has_class_path = any(key.endswith("class_path") for key, _ in root.walk())
    if (
        "defaults" in keys
        or "# @package" in header
        or "hydra" in keys
        or any(key.endswith("._target_") or key == "_target_" for key, _ in root.walk())
    ):
        if not has_class_path:
            return FLAVOR_HYDRA
    if any(
        isinstance(section := root.get(cmd), YNode)
        and section.kind == "map"
        and (set(section.entries) & {"trainer", "model", "data", "ckpt_path"})
        for cmd in SUBCOMMANDS
    ):
        return FLAVOR_LIGHTNING_CLI
    trainer = root.get("trainer")
    if trainer is None and (lightning := root.get("lightning")) is not None and lightning.kind == "map":
        trainer = lightning.get("trainer")  # CompVis-style `lightning: trainer:`
        if trainer is not None and trainer.kind == "map":
            return FLAVOR_OMEGACONF
    if trainer is None or trainer.kind != "map":
        return None
    if (
        has_class_path
        or "seed_everything" in keys
        or header.lstrip("# ").startswith("lightning.pytorch==")
        or (keys <= CLI_TOP_KEYS)
    ):
        return FLAVOR_LIGHTNING_CLI
    # Other tools have `trainer:` sections too (HuggingFace's TrainingArguments:
    # `per_device_train_batch_size`, `num_train_epochs`): mostly Lightning's names, or not ours.
    return FLAVOR_OMEGACONF if _looks_like_trainer_arguments(trainer) else None


class IncludeSettings(Protocol):
    """What the extractor reads of the settings: the ``include`` patterns (``linter.settings.Settings``)."""

    @property
    def include(self) -> Tuple[str, ...]: ...

    def matches_any(self, path: Path, patterns: Tuple[str, ...]) -> bool: ...


def extract(
    source: SourceFile,
    settings: IncludeSettings,
    path: Path,
    classes: Optional[Callable[[str], List[Any]]] = None,
    cli_trainer_class: Optional[Callable[[], Optional[str]]] = None,
) -> Extraction:
    """``classes`` finds the project's classes of a name (subclasses of Lightning classes);
    ``cli_trainer_class`` names the ``trainer_class`` the project's LightningCLI uses."""
    try:
        documents = load(source)
    except YamlError as exc:
        raise ParseFailure(exc.message, exc.line, exc.col) from None
    extraction = Extraction(source.path, "yaml")
    extraction.facts["duplicates"] = [d for doc in documents for d in doc.duplicates]
    extraction.facts["documents"] = documents
    included = bool(settings.include) and settings.matches_any(path, settings.include)
    from lightning_lint.extract import hydra

    with hydra.remembering():
        for document in documents:
            _extract_document(document, extraction, path, included, classes, cli_trainer_class)
    return extraction


def _extract_document(
    document: Document,
    extraction: Extraction,
    path: Path,
    included: bool,
    classes: Optional[Callable[[str], List[Any]]] = None,
    cli_trainer_class: Optional[Callable[[], Optional[str]]] = None,
) -> None:
    from lightning_lint.extract import hydra

    composed = hydra.compose_for(path, document, extraction)
    flavor: Optional[str]
    if composed is not None:
        root, flavor = composed
    else:
        root, flavor = document.root, detect_flavor(document.root, document.header)
        group = hydra.group_of(path) if flavor in (None, FLAVOR_HYDRA) else None
        if flavor == FLAVOR_HYDRA or group is not None:
            root = hydra.strip_defaults(root)  # Hydra consumes the defaults list: it never reaches the Trainer
        if group is not None and root.kind == "map":
            root, flavor = hydra.place_in_package(root, group, document.header), FLAVOR_HYDRA
    if flavor is None and included and root.kind == "map":
        flavor = FLAVOR_OMEGACONF
        if root.get("trainer") is None and _looks_like_trainer_arguments(root):
            # an included file of bare Trainer arguments is a trainer section on its own
            root = hydra.place_in_package(root, "trainer", "")
    passed = trainer_sections.sections_for(path) if root.kind == "map" else set()
    if flavor is None and any(root.get(key) is not None for key in passed):
        flavor = FLAVOR_OMEGACONF  # a section the project's Python passes to `Trainer(**...)`
    if flavor is None:
        return
    from lightning_lint.extract.yaml_tags import refused_tag

    refused = refused_tag(document.root, _CONSUMER.get(flavor, CONSUMER_PYYAML))
    if refused is not None:
        raise ParseFailure(*refused)  # the run's own loader stops on this file
    extraction.facts.setdefault("flavors", []).append(flavor)
    builder = _Builder(flavor, extraction, classes)
    builder.cli_trainer_class = cli_trainer_class
    before = len(extraction.trainers)
    if flavor == FLAVOR_LIGHTNING_CLI:
        _lightning_cli(root, builder, extraction)
    elif flavor == FLAVOR_HYDRA:
        _hydra(root, builder, extraction)
    else:
        _omegaconf(root, builder, extraction, path)
    if len(extraction.trainers) == before:
        for key in sorted(passed):
            node = root.get(key)
            if node is not None and node.kind == "map" and node.get("_target_") is None:
                description = f"`{key}` of {node.path}, passed to `Trainer(**...)` by the project's code"
                extraction.trainers.append(builder.trainer(node, f"{key}.", description))
    evidence = training_evidence(root, flavor, path, builder.consumer)
    if evidence is not None:
        for spec in extraction.trainers[before:]:
            spec.extras.setdefault("trains", evidence)


def _looks_like_trainer_arguments(root: YNode) -> bool:
    """The threshold of recognition by shape: most (more than half) of the mapping's keys
    are Trainer parameters of some Lightning release, current or removed (Hydra's own
    ``_...`` keys and a ``callbacks+`` append do not count either way). HuggingFace's
    ``trainer:`` (``per_device_train_batch_size``, ``num_train_epochs``, ``max_steps``)
    shares one name in three: not ours."""
    keys = [key.rstrip("+") for key in root.entries if isinstance(key, str) and not key.startswith("_")]
    known = [key for key in keys if key in lightning_api.TRAINER_PARAMS or key in lightning_api.REMOVED_TRAINER_ARGS]
    return bool(known) and len(known) * 2 > len(keys)


_NOT_TRAINING_STEM = re.compile(
    r"(^|[_\-.])(infer|inference|predict|prediction|eval|evaluate|evaluation|test|"
    r"export|validate|validation|deploy|serve|demo|generate|generation)([_\-.]|$)",
    re.IGNORECASE,
)


def training_evidence(root: YNode, flavor: str, path: Path, consumer: str) -> Any:
    """Whether a YAML config trains, from its content: a reason string (it trains),
    False (named and shaped as an inference or evaluation config), or None (cannot
    tell). A config without visible ``fit`` still trains when it carries what only
    training reads: an optimizer, a training dataset, Hydra's ``train: true``."""
    if root.kind != "map":
        return None
    if _NOT_TRAINING_STEM.search(path.stem):
        return False
    train = root.get("train")
    if train is not None and train.kind == "scalar":
        data = train.scalar(consumer)
        if data is True:
            return "it sets `train: true`"
        if data is False:
            return False
    for key in ("optimizer", "lr_scheduler"):
        if root.get(key) is not None:
            return f"it configures `{key}` (read only by `fit`)"
    data = root.get("data")
    params = data.get("params") if data is not None and data.kind == "map" else None
    if params is not None and params.kind == "map" and params.get("train") is not None:
        return "it configures `data.params.train`"  # the target/params convention's training set
    model = root.get("model")
    if model is not None and model.kind == "map":
        for key in ("train_ds", "optim", "optimizer"):
            if model.get(key) is not None:
                return f"it configures `model.{key}`"
        init = model.get("init_args")
        if init is not None and init.kind == "map":
            for key in ("optimizer", "lr", "learning_rate"):
                if init.get(key) is not None:
                    return f"it configures `model.init_args.{key}`"
    return None


def _lightning_cli(root: YNode, builder: _Builder, extraction: Extraction) -> None:
    sections: List[Tuple[str, YNode, Optional[str]]] = []
    for subcommand in SUBCOMMANDS:
        nested = root.get(subcommand)
        if nested is not None and nested.kind == "map":
            sections.append((f"{subcommand}.", nested, subcommand))
    if root.get("trainer") is not None or not sections:
        sections.insert(0, ("", root, None))
    extraction.facts["cli_sections"] = [(prefix, command) for prefix, _, command in sections]
    for prefix, node, command in sections:
        trainer = node.get("trainer")
        runs: List[RunCall] = []
        ckpt = node.get("ckpt_path")
        if command is not None or ckpt is not None:
            args = {"ckpt_path": builder.value(ckpt, prefix + "ckpt_path")} if ckpt is not None else {}
            anchor = Loc(ckpt.path, ckpt.key_span) if ckpt is not None and ckpt.key_span else None
            if command is not None:
                runs.append(RunCall(command, args, anchor or Loc(node.path, node.key_span or node.span)))
            elif args:
                extraction.facts["cli_ckpt_path"] = args["ckpt_path"]
        if trainer is None or trainer.kind != "map":
            continue
        spec = builder.trainer(
            trainer,
            f"{prefix}trainer.",
            f"trainer section of {trainer.path}" + (f" ({command})" if command else ""),
            runs=runs,
        )
        if "cli_ckpt_path" in extraction.facts and command is None:
            spec.extras["ckpt_path"] = extraction.facts["cli_ckpt_path"]
        spec.fit_graph = fit_graph.config_graph(node, "class_path")
        scheduler = optimizers.cli_scheduler(node.get("lr_scheduler"), builder, f"{prefix}lr_scheduler")
        if scheduler is not None:
            spec.extras["schedulers"] = [scheduler]
        extraction.trainers.append(spec)


def _hydra(root: YNode, builder: _Builder, extraction: Extraction) -> None:
    trainer_nodes = []
    for key_path, node in root.walk():
        if node.kind == "map" and builder.symbol(node) == "Trainer":
            trainer_nodes.append((key_path, node))
    for key_path, node in trainer_nodes:
        prefix = f"{key_path}." if key_path else ""
        spec = builder.trainer(node, prefix, f"Hydra trainer node `{key_path or '<root>'}` in {node.path}")
        if key_path == "trainer":
            _template_convention(root, spec, builder)
            spec.fit_graph = fit_graph.config_graph(root, "_target_")
            injected = optimizers.hydra_schedulers(root.get("model"), builder, "model")
            if injected:
                spec.extras["injected_schedulers"] = injected  # handed to the module (rules.lr_schedule)
        extraction.trainers.append(spec)
    if not trainer_nodes:
        _untargeted_trainer(root, builder, extraction)
    # callbacks defined on their own (a callbacks group file, or not passed to a Trainer)
    for key_path, node in root.walk():
        if node.kind != "map" or not (builder.symbol(node) or "").startswith("callbacks."):
            continue
        if any(cb.key_path == key_path for cb in extraction.callbacks):
            continue
        builder.callback(node, key_path)


def _untargeted_trainer(root: YNode, builder: _Builder, extraction: Extraction) -> None:
    """A ``trainer:`` mapping with no ``_target_`` whose keys are Trainer arguments: a
    ``trainer/`` option file (``gpus: 2``, ``max_epochs: 30``) or a structured config's
    section, passed to the Trainer by the project's code (``Trainer(**cfg.trainer)``)."""
    from lightning_lint.extract import hydra

    trainer = root.get("trainer")
    if trainer is None or trainer.kind != "map" or trainer.get("_target_") is not None:
        return
    if not _looks_like_trainer_arguments(trainer):
        return
    spec = builder.trainer(trainer, "trainer.", f"Trainer arguments `trainer` in {trainer.path} (no `_target_`)")
    if root.get("exp_manager") is not None:
        spec.callbacks_open = spec.callbacks_open or "NeMo's exp_manager adds callbacks and loggers"
    for key in ("callbacks", "logger"):
        if root.get(key) is not None and spec.callbacks_open is None:
            # the code that builds the Trainer may pass these too: what it adds is not seen
            spec.callbacks_open = f"the config's `{key}:` may be passed to the Trainer by the project's code"
    spec.fit_graph = fit_graph.config_graph(root, "_target_")
    if any(lightning_api.canonical_symbol(t) == "Trainer" for t in hydra.sibling_targets(Path(trainer.path))):
        # the other options of its group are instantiated (`_target_`): this one is not a Trainer
        spec.extras.setdefault("untargeted", []).append(("trainer", trainer))
    extraction.trainers.append(spec)


def _template_convention(root: YNode, spec: TrainerSpec, builder: _Builder) -> None:
    """lightning-hydra-template: top-level ``callbacks:`` and ``logger:`` groups of
    named ``_target_`` nodes are passed to the Trainer (``instantiate(cfg.trainer,
    callbacks=..., logger=...)``), replacing anything under ``trainer:``."""
    callbacks = root.get("callbacks")
    if callbacks is not None:
        spec.callbacks = []
        spec.callbacks_open = None
        if callbacks.kind == "map":
            for name, node in callbacks.entries.items():
                if node.kind == "map" and node.get("_target_") is not None:
                    callback = builder.callback(node, f"callbacks.{name}")
                    if callback is not None:
                        spec.callbacks.append(callback)
                elif node.kind == "map" and name != "defaults":
                    # Hydra's instantiate skips it: recorded for LL311
                    spec.extras.setdefault("untargeted", []).append((f"callbacks.{name}", node))
        elif not callbacks.is_null(builder.consumer):
            spec.callbacks_open = "`callbacks` is not a mapping of named callbacks"
        spec.extras["callbacks_group"] = builder.value(callbacks, "callbacks")
    logger = root.get("logger")
    if logger is not None:
        value = builder.value(logger, "logger")
        if logger.is_null(builder.consumer) or (logger.kind == "map" and not logger.entries):
            # the template instantiates no logger: Trainer(logger=[])
            spec.args["logger"] = known(
                (), loc=value.loc, key_loc=value.key_loc, value_loc=value.value_loc, key_path="logger", raw=value.raw
            )
        elif logger.kind == "map":
            loggers = tuple(
                builder.value(node, f"logger.{name}")
                for name, node in logger.entries.items()
                if node.kind == "map" and node.get("_target_") is not None
            )
            spec.extras.setdefault("untargeted", []).extend(
                (f"logger.{name}", node)
                for name, node in logger.entries.items()
                if node.kind == "map" and node.get("_target_") is None and name != "defaults"
            )
            spec.args["logger"] = known(
                loggers, loc=value.loc, key_loc=value.key_loc, value_loc=value.value_loc, key_path="logger"
            )


def _omegaconf(root: YNode, builder: _Builder, extraction: Extraction, path: Path) -> None:
    trainer = root.get("trainer")
    prefix = "trainer."
    if trainer is None and (lightning := root.get("lightning")) is not None:
        trainer = lightning.get("trainer")
        prefix = "lightning.trainer."
    if trainer is None or trainer.kind != "map":
        return
    spec = builder.trainer(trainer, prefix, f"trainer section of {trainer.path}")
    if root.get("exp_manager") is not None:
        spec.callbacks_open = spec.callbacks_open or "NeMo's exp_manager adds callbacks and loggers"
    if prefix == "lightning.trainer.":
        target_params.apply(root, spec, builder, extraction, path)  # main.py's {target, params} callbacks
    extraction.trainers.append(spec)
