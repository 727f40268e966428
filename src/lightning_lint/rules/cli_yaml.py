"""LL307-LL311, LL313: what LightningCLI (jsonargparse), Hydra and YAML do to a config."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Iterable, Optional, Tuple

from lightning_lint.model import lightning_api as data
from lightning_lint.model.diagnostics import Diagnostic, Severity
from lightning_lint.model.spec import (
    FLAVOR_HYDRA,
    FLAVOR_LIGHTNING_CLI,
    FLAVOR_OMEGACONF,
    CallbackSpec,
    Extraction,
    Loc,
    TrainerSpec,
    Value,
)
from lightning_lint.rules.base import Rule, example
from lightning_lint.rules.fixes import replace_value

if TYPE_CHECKING:
    from lightning_lint.rules.context import RuleContext

_LIMITS = ("limit_train_batches", "limit_val_batches", "limit_test_batches", "limit_predict_batches")
_SCIENTIFIC = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$")
_SUBCOMMANDS = ("fit", "validate", "test", "predict")
_TOP_LEVEL = ("trainer", "model", "data", "ckpt_path", "optimizer", "lr_scheduler", "seed_everything")


class CliIntOneMeansAll(Rule):
    """
    ## What it does
    Flags `limit_train_batches: 1` (and `limit_val_batches`, `limit_test_batches`,
    `limit_predict_batches`) in a LightningCLI config.

    ## Why is this bad?
    In Python, `limit_train_batches=1` means one batch and `1.0` means all of them.
    LightningCLI reads the YAML `1` as the float `1.0`, so a "quick run on one batch"
    trains on the whole dataset.

    ## What Lightning does
    jsonargparse resolves the parameter's type as `Union[float, int, None]` (float first)
    and `float` accepts `1`; Lightning then sees `1.0`, 100% of the batches.

    ## Example
    ```yaml
    trainer:
      limit_train_batches: 1
    ```

    ## How to fix
    For one batch, use `fast_dev_run: 1` or `overfit_batches: 1` (which keep ints), or a
    fraction; for all batches, write `1.0` so the config says what it does.
    """

    code = "LL307"
    name = "cli-int-one-means-all"
    severity = Severity.WARNING
    summary = "limit_*_batches: 1 in a LightningCLI config means all batches (1.0), not one."
    VALID = [
        example("trainer:\n  limit_train_batches: 1.0\n", path="config.yaml"),
        example("trainer:\n  limit_train_batches: 2\n", path="config.yaml", note="2 stays 2 batches"),
        example(
            "trainer:\n  _target_: lightning.pytorch.Trainer\n  limit_train_batches: 1\n",
            path="configs/trainer/debug.yaml",
            note="Hydra keeps the int",
        ),
        "from lightning import Trainer\nTrainer(limit_train_batches=1)\n",
    ]
    INVALID = [
        example("trainer:\n  limit_train_batches: 1\n", path="config.yaml", message="all batches"),
        example("fit:\n  trainer:\n    limit_val_batches: 1  # one batch\n", path="fit.yaml"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if spec.flavor != FLAVOR_LIGHTNING_CLI:
            return
        for name in _LIMITS:
            value = spec.args.get(name)
            if value is not None and value.known and value.raw is not None and value.raw.strip() in ("1", "+1"):
                yield self.report(
                    value,
                    f"`{spec.show(name)}` means all batches in LightningCLI: jsonargparse reads "
                    "the 1 as 1.0 (100%), not as one batch",
                    help="for one batch use `fast_dev_run: 1` or `overfit_batches: 1`; for all batches write 1.0",
                )


def _param_kinds(owner: Optional[str], name: str) -> Optional[Tuple[str, ...]]:
    if owner is None:
        param = data.TRAINER_PARAMS.get(name)
    else:
        info = data.CALLBACKS.get(owner)
        param = info.params.get(name) if info else None
    return param.kinds if param else None


class CliScientificInt(Rule):
    """
    ## What it does
    Flags an integer Trainer or callback argument written in scientific notation
    (`max_steps: 1e6`) in a LightningCLI config.

    ## Why is this bad?
    jsonargparse reads `1e6` as the float `1000000.0` and refuses it for an int
    parameter: the run stops before it starts with "Expected a <class 'int'>. Got value:
    1000000.0".

    ## What Lightning does
    Nothing: jsonargparse validates the config against the signature before the Trainer
    is built.

    ## Example
    ```yaml
    trainer:
      max_steps: 1e6
    ```

    ## How to fix
    Write the integer: `max_steps: 1000000`.

    ## Fix safety
    Rewriting an integral value in plain digits is safe.
    """

    code = "LL308"
    name = "cli-scientific-int"
    severity = Severity.ERROR
    fix_availability = "sometimes"
    summary = "An int argument written as 1e4 in a LightningCLI config: jsonargparse reads a float and errors."
    VALID = [
        example("trainer:\n  max_steps: 10000\n", path="config.yaml"),
        example("trainer:\n  gradient_clip_val: 1e-3\n", path="config.yaml", note="a float parameter"),
        example(
            "trainer:\n  _target_: lightning.pytorch.Trainer\n  max_steps: 1e4\n",
            path="configs/trainer/x.yaml",
            note="Hydra: OmegaConf passes the float on",
        ),
    ]
    INVALID = [
        example(
            "trainer:\n  max_steps: 1e4  # ten thousand\n",
            path="config.yaml",
            message="Expected a <class 'int'>",
            fixed="trainer:\n  max_steps: 10000  # ten thousand\n",
        ),
        example(
            "fit:\n  trainer:\n    callbacks:\n      - class_path: ModelCheckpoint\n        init_args:\n"
            "          every_n_train_steps: 5.0e+3\n",
            path="fit.yaml",
            fixed="fit:\n  trainer:\n    callbacks:\n      - class_path: ModelCheckpoint\n        init_args:\n"
            "          every_n_train_steps: 5000\n",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if spec.flavor == FLAVOR_LIGHTNING_CLI:
            for name, value in spec.args.items():
                yield from self._check(value, _param_kinds(None, name), f"trainer.{name}")

    def check_callback(self, callback: CallbackSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if callback.flavor == FLAVOR_LIGHTNING_CLI and callback.kind:
            for name, value in callback.args.items():
                yield from self._check(value, _param_kinds(callback.kind, name), f"{callback.kind}.{name}")

    def _check(self, value: Value, kinds: Optional[Tuple[str, ...]], label: str) -> Iterable[Diagnostic]:
        if not kinds or "int" not in kinds or "float" in kinds or value.raw is None:
            return
        raw = value.raw.strip()
        if not _SCIENTIFIC.match(raw):
            return
        number = float(raw)
        fix = (
            replace_value(value, int(number), FLAVOR_LIGHTNING_CLI, f"Write {int(number)}")
            if number.is_integer()
            else None
        )
        yield self.report(
            value,
            f"`{raw}` for the int parameter `{label}`: jsonargparse reads a float and stops with "
            f"\"Expected a <class 'int'>. Got value: {number}\"",
            fix=fix,
            help="write the integer in plain digits",
        )


class CliConfigPlacement(Rule):
    """
    ## What it does
    Flags a LightningCLI config that mixes subcommand sections (`fit:`, `validate:`,
    `test:`, `predict:`) with top-level sections (`trainer:`, `model:`, `data:`, ...).

    ## Why is this bad?
    A config is read either before the subcommand (`python main.py --config c.yaml fit`:
    keys must be nested under `fit:`) or after it (`python main.py fit --config c.yaml`:
    keys at the top). A file with both shapes fails either way: "Option
    'trainer.max_epochs' is not accepted before subcommand 'fit'", or the nested section
    is rejected as an unknown key.

    ## What Lightning does
    LightningCLI builds one jsonargparse parser per subcommand; each accepts only its own
    shape.

    ## Example
    ```yaml
    trainer:
      max_epochs: 10
    fit:
      ckpt_path: last
    ```

    ## How to fix
    Keep one shape: everything under `fit:` (config before the subcommand), or everything at
    the top level (config after it).
    """

    code = "LL309"
    name = "cli-config-placement"
    severity = Severity.ERROR
    summary = "A LightningCLI config mixing fit:/test: nesting with top-level trainer:/model: keys."
    VALID = [
        example("fit:\n  trainer:\n    max_epochs: 3\n  ckpt_path: last\n", path="config.yaml"),
        example("trainer:\n  max_epochs: 3\nmodel:\n  lr: 0.1\n", path="config.yaml"),
    ]
    INVALID = [
        example("trainer:\n  max_epochs: 10\nfit:\n  ckpt_path: last\n", path="config.yaml", message="`fit:`"),
    ]

    def check_file(self, extraction: Extraction, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if extraction.kind != "yaml" or FLAVOR_LIGHTNING_CLI not in extraction.facts.get("flavors", ()):
            return
        for document in extraction.facts.get("documents", ()):
            root = document.root
            if root.kind != "map":
                continue
            nested = [k for k in _SUBCOMMANDS if (root.get(k) is not None and root.get(k).kind == "map")]
            flat = [k for k in _TOP_LEVEL if root.get(k) is not None]
            if not nested or not flat:
                continue
            node = root.get(flat[0])
            loc = Loc(node.path, node.key_span or node.span)
            yield self.report(
                loc,
                f"this LightningCLI config mixes `{nested[0]}:` nesting with top-level `{flat[0]}:`: "
                "before the subcommand only the nested keys are accepted, after it only the top-level "
                "ones; either way the run fails",
                related=[Loc(root.get(nested[0]).path, root.get(nested[0]).key_span)]
                if root.get(nested[0]).key_span
                else (),
                help=f"move `{flat[0]}:` under `{nested[0]}:`, or flatten `{nested[0]}:`",
            )


def _sets_callbacks(path: str, ctx: "RuleContext") -> Optional[Loc]:
    """Where a LightningCLI config file sets (replaces) ``trainer.callbacks``."""
    documents = ctx.project.yaml_documents(path)
    if documents is None:
        return None
    for document in documents:
        root = document.root
        for prefix in ("",) + tuple(f"{c}." for c in _SUBCOMMANDS):
            node = root
            for part in (prefix + "trainer").split("."):
                node = node.get(part) if node is not None else None
            callbacks = node.get("callbacks") if node is not None else None
            if callbacks is not None and callbacks.key_span is not None:
                return Loc(callbacks.path, callbacks.key_span)
    return None


class CliListOverride(Rule):
    """
    ## What it does
    Flags a LightningCLI config that sets `trainer.callbacks` when a command line in the
    project (a script, Makefile, README or CI workflow) passes it after another config
    that sets `trainer.callbacks` too.

    ## Why is this bad?
    jsonargparse merges configs left to right and *replaces* lists: the later file's
    callbacks silently drop the earlier file's (a base config's ModelCheckpoint vanishes
    when an experiment config adds an EarlyStopping).

    ## What Lightning does
    LightningCLI passes the merged list to `Trainer(callbacks=...)`.

    ## Example
    ```bash
    python main.py fit --config base.yaml --config experiment.yaml
    ```

    ## How to fix
    Write `callbacks+:` in the later config to append to the list.
    """

    code = "LL310"
    name = "cli-list-override"
    severity = Severity.WARNING
    needs = "S*"
    summary = (
        "Several LightningCLI configs passed together that each set trainer.callbacks: the later replaces the list."
    )
    _BASE = "trainer:\n  callbacks:\n    - class_path: ModelCheckpoint\n"
    VALID = [
        example(
            "trainer:\n  callbacks+:\n    - class_path: EarlyStopping\n      init_args:\n        monitor: val_loss\n",
            path="exp.yaml",
            files={"base.yaml": _BASE, "run.sh": "python main.py fit -c base.yaml -c exp.yaml\n"},
        ),
        example(
            "trainer:\n  callbacks:\n    - class_path: EarlyStopping\n",
            path="exp.yaml",
            files={"base.yaml": _BASE},
            note="never passed together",
        ),
    ]
    INVALID = [
        example(
            "trainer:\n  callbacks:\n    - class_path: EarlyStopping\n      init_args:\n        monitor: val_loss\n",
            path="exp.yaml",
            files={"base.yaml": _BASE, "run.sh": "python main.py fit --config base.yaml --config exp.yaml\n"},
            message="callbacks+",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if spec.flavor != FLAVOR_LIGHTNING_CLI or not ctx.facts.cli_config_sets:
            return
        here = os.path.abspath(ctx.path)
        mine = _sets_callbacks(here, ctx)
        if mine is None:
            return
        for configs, where in ctx.facts.cli_config_sets:
            if here not in configs[1:]:
                continue
            for earlier in configs[: configs.index(here)]:
                theirs = _sets_callbacks(earlier, ctx)
                if theirs is None:
                    continue
                yield self.report(
                    mine,
                    f"`{where.path}:{where.span.start_line}` passes this config after "
                    f"`{os.path.relpath(earlier, os.path.dirname(here))}`, whose trainer.callbacks "
                    "this list replaces (jsonargparse replaces lists); write `callbacks+:` to append",
                    related=[theirs],
                )
                return


class HydraNodeWithoutTarget(Rule):
    """
    ## What it does
    Flags a node in a Hydra `callbacks:` or `logger:` group (the lightning-hydra-template
    convention) that has no `_target_` in the composed config.

    ## Why is this bad?
    The template's `instantiate_callbacks`/`instantiate_loggers` skip nodes without
    `_target_`, silently: the callback you configured is never created. Typical causes
    are an override whose base was renamed, or a missing `defaults:` entry.

    ## What Lightning does
    Nothing: the Trainer never sees the callback.

    ## Example
    ```yaml
    callbacks:
      early_stopping:
        monitor: val/loss
    ```

    ## How to fix
    Add `_target_: lightning.pytorch.callbacks.EarlyStopping`, or include the group option
    that defines it in `defaults:`.
    """

    code = "LL311"
    name = "hydra-node-without-target"
    severity = Severity.WARNING
    summary = "A Hydra callbacks/logger node without _target_: silently not instantiated."
    VALID = [
        example(
            "trainer:\n  _target_: lightning.pytorch.Trainer\ncallbacks:\n  es:\n"
            "    _target_: lightning.pytorch.callbacks.EarlyStopping\n    monitor: val/loss\n",
            path="configs/train.yaml",
        ),
        example("trainer:\n  _target_: lightning.pytorch.Trainer\ncallbacks:\n  es: null\n", path="configs/train.yaml"),
    ]
    INVALID = [
        example(
            "trainer:\n  _target_: lightning.pytorch.Trainer\ncallbacks:\n  early_stopping:\n"
            "    monitor: val/loss\n    patience: 3\n",
            path="configs/train.yaml",
            message="_target_",
        ),
        example(
            "trainer:\n  _target_: lightning.pytorch.Trainer\nlogger:\n  csv:\n    save_dir: logs\n",
            path="configs/train.yaml",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if spec.flavor != FLAVOR_HYDRA:
            return
        for key_path, node in spec.extras.get("untargeted", ()):
            loc = Loc(node.path, node.key_span or node.span)
            yield self.report(
                loc,
                f"`{key_path}` has no `_target_` in the composed config: Hydra does not "
                "instantiate it and the template's instantiate helpers skip it silently",
                key_path=key_path,
                help="add `_target_`, or include the option that defines it",
            )


_CONSUMERS = {
    FLAVOR_LIGHTNING_CLI: "LightningCLI (jsonargparse) keeps the last value silently",
    FLAVOR_HYDRA: "Hydra/OmegaConf refuses to load the file",
    FLAVOR_OMEGACONF: "OmegaConf refuses to load the file, and PyYAML keeps the last value silently",
}


class DuplicateConfigKey(Rule):
    """
    ## What it does
    Flags a key repeated in one YAML mapping of a Lightning config.

    ## Why is this bad?
    Which value wins depends on the reader: PyYAML and LightningCLI keep the last one
    silently (an edit to the first has no effect), OmegaConf and Hydra refuse the file.

    ## What Lightning does
    Nothing; the YAML reader decides before Lightning sees the values.

    ## Example
    ```yaml
    trainer:
      max_epochs: 10
      max_epochs: 100
    ```

    ## How to fix
    Keep one of them.
    """

    code = "LL313"
    name = "duplicate-config-key"
    severity = Severity.WARNING
    summary = "A key repeated in one YAML mapping: LightningCLI keeps the last silently, OmegaConf refuses the file."
    VALID = [example("trainer:\n  max_epochs: 10\nmodel:\n  max_epochs: 3\n", path="config.yaml")]
    INVALID = [
        example(
            "trainer:\n  max_epochs: 10\n  devices: 2\n  max_epochs: 100\n",
            path="config.yaml",
            message="keeps the last value",
        ),
        example(
            "trainer:\n  _target_: lightning.pytorch.Trainer\n  devices: 1\n  devices: 2\n",
            path="configs/trainer/gpu.yaml",
            message="refuses",
        ),
    ]

    def check_file(self, extraction: Extraction, ctx: "RuleContext") -> Iterable[Diagnostic]:
        flavors = extraction.facts.get("flavors") or []
        if extraction.kind != "yaml" or not flavors:
            return
        consumer = _CONSUMERS.get(flavors[0], _CONSUMERS[FLAVOR_OMEGACONF])
        for duplicate in extraction.facts.get("duplicates", ()):
            yield self.report(
                Loc(extraction.path, duplicate.span),
                f"`{duplicate.key_path}` is given twice (first on line {duplicate.first.start_line}): {consumer}",
                key_path=duplicate.key_path,
                related=[Loc(extraction.path, duplicate.first)],
                help="keep one of them",
            )
