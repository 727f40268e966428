"""LL3xx: arguments and API."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, AbstractSet, Any, Container, Iterable, Optional

from lightning_lint.model import lightning_api as data
from lightning_lint.model.diagnostics import Applicability, Diagnostic, Edit, Fix, Severity
from lightning_lint.model.spec import CallbackSpec, ClassSpec, Extraction, TrainerSpec, Value
from lightning_lint.rules.base import Rule, example
from lightning_lint.rules.fixes import (
    import_edit,
    insert_argument,
    removal_edit,
    rename_key,
    replace_argument,
    replace_value,
)

if TYPE_CHECKING:
    from lightning_lint.rules.context import RuleContext


def _target_note(ctx: "RuleContext") -> str:
    target = ctx.target
    return f"Lightning {target}" if "newest" in target.source else f"Lightning {target} (from {target.source})"


def _suggest(name: str, candidates: Iterable[str]) -> Optional[str]:
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return close[0] if close else None


class UnknownArgument(Rule):
    """
    ## What it does
    Flags a Trainer or built-in callback argument that the target Lightning version does
    not accept and never accepted: a typo, such as `max_epoch` for `max_epochs`. The
    message suggests the closest valid name. An argument that only a newer release
    accepts (e.g. `barebones` on a project pinned to 1.9) is flagged with the release
    that added it.

    ## Why is this bad?
    In Python the Trainer raises `TypeError: Trainer.__init__() got an unexpected
    keyword argument 'max_epoch'`; LightningCLI exits with "Group 'trainer' does not
    accept option". Both happen only after the model and data code has been imported,
    and a Hydra job may have been queued for hours before it fails.

    ## How to fix
    Use the suggested name.

    ## Fix safety
    Renaming to the closest valid name is unsafe: the closest name may not be the one you
    meant, and the value may need to change too.
    """

    code = "LL301"
    name = "unknown-argument"
    severity = Severity.ERROR
    fix_availability = "sometimes"
    summary = "A Trainer or callback argument that the target Lightning never accepted (a typo)."
    VALID = [
        "from lightning import Trainer\nTrainer(max_epochs=3)\n",
        "from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(monitor='val_loss')\n",
        example(
            "from lightning.pytorch.callbacks import ModelSummary\nModelSummary(max_depth=2, extra=1)\n",
            note="ModelSummary accepts **kwargs",
        ),
        example("from lightning import Trainer\ncfg = get()\nTrainer(**cfg)\n"),
        example(
            "from lightning import Trainer\nTrainer(gpus=2)\n",
            files={"requirements.txt": "pytorch-lightning==1.9.5\n"},
            note="1.9 still accepts gpus",
        ),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(max_epoch=3)\n",
            message="did you mean `max_epochs`",
            fixed="from lightning import Trainer\nTrainer(max_epochs=3)\n",
            unsafe=True,
        ),
        example(
            "from lightning.pytorch.callbacks import EarlyStopping\nEarlyStopping(monitor='val_loss', patiance=3)\n",
            message="did you mean `patience`",
        ),
        example(
            "import pytorch_lightning as pl\npl.Trainer(barebones=True)\n",
            files={"requirements.txt": "pytorch-lightning==1.9.5\n"},
            message="added to `Trainer` in Lightning 2.0.0",
        ),
        example("trainer:\n  max_epoch: 3\n", path="config.yaml", message="did you mean `max_epochs`"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        accepted = data.trainer_args_accepted(ctx.target.version)
        for name, value in spec.args.items():
            if name in accepted or value.optional:  # a key that may never be passed
                continue
            removed = data.REMOVED_TRAINER_ARGS.get(name)
            if removed is not None and ctx.target.at_least(removed.removed_in):
                continue  # LL302
            yield self._report(
                spec.show(name), name, value, "Trainer", accepted, data.TRAINER_PARAMS.get(name), ctx, given=spec.args
            )
        for run, name, value in _method_keywords(spec, ctx):
            param = data.method_param(run.method, name)
            if param is not None and param.removed_in and ctx.target.at_least(param.removed_in):
                continue  # LL302
            accepted = data.method_args_accepted(run.method, ctx.target.version)
            added = data.Param(name, None, (), "", param.added_in) if param is not None else None
            yield self._report(f"`{name}`", name, value, f"Trainer.{run.method}", accepted, added, ctx, given=run.args)

    def check_callback(self, callback: CallbackSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        info = data.CALLBACKS.get(callback.kind)
        if info is None or info.var_kwargs:
            return
        accepted = data.callback_args_accepted(callback.kind, ctx.target.version)
        for name, value in callback.args.items():
            if name in accepted or value.key_loc is None:
                continue
            removed = info.removed_params.get(name)
            if removed is not None and ctx.target.at_least(removed.removed_in):
                continue  # LL302
            yield self._report(
                f"`{name}`", name, value, callback.kind, accepted, info.params.get(name), ctx, given=callback.args
            )

    def _report(
        self,
        shown: str,
        name: str,
        value: Value,
        owner: str,
        accepted: AbstractSet[str],
        param: Optional[data.Param],
        ctx: "RuleContext",
        given: Container[str] = (),
    ) -> Diagnostic:
        if param is not None:  # a real argument of a newer release
            return self.report(
                value,
                f"`{name}` is not accepted by {_target_note(ctx)}: it was added to "
                f"`{owner}` in Lightning {param.added_in}",
                help="upgrade Lightning, or remove the argument",
            )
        suggestion = _suggest(name, accepted)
        message = f"unknown {owner} argument `{name}`"
        fix = None
        if suggestion:
            message += f"; did you mean `{suggestion}`?"
        if suggestion and suggestion not in given:  # never a second `max_epochs`
            fix = rename_key(
                value, suggestion, f"Rename `{name}` to `{suggestion}`", Applicability.UNSAFE, source=ctx.source
            )
        return self.report(value, message, fix=fix, help=f"`{owner}` raises TypeError for arguments it does not know")


class RemovedArgument(Rule):
    """
    ## What it does
    Flags an argument that the target Lightning version removed or renamed: `gpus`,
    `tpu_cores`, `resume_from_checkpoint`, `replace_sampler_ddp`,
    `progress_bar_refresh_rate`, `ModelCheckpoint(period=...)` and the other 1.x and 0.x
    names. The message names the replacement. The check is version-aware: a project
    pinned to `pytorch-lightning==1.9.5` is not told that `gpus` is removed.

    The keywords of the Trainer's run methods are checked the same way, from their
    signatures in each release: `fit(train_dataloader=...)`, `validate(val_dataloaders=...)`,
    `test(test_dataloaders=...)` and `tune(train_dataloader=...)` were deprecated in 1.4 and
    removed in 1.6.0 (`predict` never renamed its keyword). On a target that removed them
    this is an error; on a 1.4 or 1.5 target, where they still work with a deprecation
    warning, it is a warning naming the release that removes them. (A keyword that was
    removed belongs here, LL302, like a removed Trainer argument; LL303 is for APIs that are
    gone as a whole, such as `trainer.tune()` itself on 2.x. A run-method keyword that no
    release accepted is LL301.)

    ## Why is this bad?
    Lightning 2 raises `TypeError: Trainer.__init__() got an unexpected keyword argument
    'gpus'` (LightningCLI: "Group 'trainer' does not accept option 'gpus'").

    ## How to fix
    Write the replacement the message names. Renames with the same meaning (for example
    `replace_sampler_ddp` -> `use_distributed_sampler`) are fixed automatically.

    ## Fix safety
    Renames are safe (the run methods' keywords too: the new name takes the same value
    since 1.4), and so are `gpus=N` -> `accelerator="gpu", devices=N` (also
    `tpu_cores`, `num_processes`) and `weights_summary=None` ->
    `enable_model_summary=False`. Moving `resume_from_checkpoint` to
    `trainer.fit(..., ckpt_path=...)` and `progress_bar_refresh_rate=N` to a
    `TQDMProgressBar(refresh_rate=N)` callback are unsafe (another code path may call
    `fit`; 1.x chose the bar differently): `--unsafe-fixes` applies them. The rest are
    shown in the message.
    """

    code = "LL302"
    name = "removed-argument"
    severity = Severity.ERROR
    fix_availability = "sometimes"
    summary = (
        "An argument (or a run-method keyword) removed or renamed by the target Lightning version; "
        "the message names the replacement."
    )
    VALID = [
        "from lightning import Trainer\nTrainer(accelerator='gpu', devices=2)\n",
        example(
            "import pytorch_lightning as pl\ntrainer = pl.Trainer(max_epochs=3)\n"
            "trainer.test(model, test_dataloaders=loader)\n",
            files={"requirements.txt": "pytorch-lightning==1.3.8\n"},
            note="1.3 knows only test_dataloaders",
        ),
        example(
            "import pytorch_lightning as pl\ntrainer = pl.Trainer(max_epochs=3)\n"
            "trainer.predict(model, dataloaders=loader)\n",
            files={"requirements.txt": "pytorch-lightning==1.5.10\n"},
            note="predict never renamed its keyword",
        ),
        example(
            "import pytorch_lightning as pl\npl.Trainer(gpus=2)\n",
            files={"pyproject.toml": "[project]\nname='x'\ndependencies=['pytorch-lightning==1.9.5']\n"},
        ),
        example(
            "from lightning import Trainer\nTrainer(gpus=2)\n",
            files={"pyproject.toml": "[tool.lightning-lint]\ntarget-version = '1.9'\n"},
        ),
    ]
    INVALID = [
        example("from lightning import Trainer\nTrainer(gpus=2)\n", message='`accelerator="gpu", devices=N`'),
        example(
            "import pytorch_lightning as pl\ntrainer = pl.Trainer(max_epochs=3)\n"
            "trainer.test(model, test_dataloaders=loader)\n",
            files={"requirements.txt": "pytorch-lightning==1.9.5\n"},
            message="removed in Lightning 1.6",
            fixed="import pytorch_lightning as pl\ntrainer = pl.Trainer(max_epochs=3)\n"
            "trainer.test(model, dataloaders=loader)\n",
        ),
        example(
            "import pytorch_lightning as pl\ntrainer = pl.Trainer(max_epochs=3)\n"
            "trainer.fit(model, train_dataloader=loader)\n",
            files={"requirements.txt": "pytorch-lightning==1.5.10\n"},
            message="deprecated since Lightning 1.4 and removed in 1.6",
        ),
        example(
            "from lightning import Trainer\nTrainer(replace_sampler_ddp=False)\n",
            fixed="from lightning import Trainer\nTrainer(use_distributed_sampler=False)\n",
        ),
        example(
            "from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(period=2)\n",
            fixed="from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(every_n_epochs=2)\n",
        ),
        example("trainer:\n  resume_from_checkpoint: last.ckpt\n", path="config.yaml", message="ckpt_path"),
        example(
            "import pytorch_lightning as pl\npl.Trainer(gpus=2, max_epochs=3)\n",
            fixed='import pytorch_lightning as pl\npl.Trainer(accelerator="gpu", devices=2, max_epochs=3)\n',
        ),
        example(
            "trainer:\n  gpus: 4  # all of them\n  max_epochs: 3\n",
            path="config.yaml",
            fixed="trainer:\n  accelerator: gpu\n  devices: 4  # all of them\n  max_epochs: 3\n",
        ),
        example(
            "from lightning import Trainer\nTrainer(weights_summary=None)\n",
            fixed="from lightning import Trainer\nTrainer(enable_model_summary=False)\n",
        ),
        example(
            "from lightning import Trainer\nt = Trainer(max_epochs=3, resume_from_checkpoint='last.ckpt')\n"
            "t.fit(model)\n",
            unsafe=True,
            fixed="from lightning import Trainer\nt = Trainer(max_epochs=3)\nt.fit(model, ckpt_path='last.ckpt')\n",
        ),
        example(
            "import pytorch_lightning as pl\n\ntrainer = pl.Trainer(progress_bar_refresh_rate=20)\n",
            unsafe=True,
            fixed="import pytorch_lightning as pl\nfrom pytorch_lightning.callbacks import TQDMProgressBar\n\n"
            "trainer = pl.Trainer(callbacks=[TQDMProgressBar(refresh_rate=20)])\n",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        accepted = data.trainer_args_accepted(ctx.target.version)
        for name, value in spec.args.items():
            removed = data.REMOVED_TRAINER_ARGS.get(name)
            if removed is None or name in accepted or value.optional or not ctx.target.at_least(removed.removed_in):
                continue
            yield self._report(spec, name, value, removed, "Trainer", ctx, given=spec.args)
        yield from self._method_keywords(spec, ctx)

    def check_callback(self, callback: CallbackSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        info = data.CALLBACKS.get(callback.kind)
        if info is None:
            return
        for name, value in callback.args.items():
            removed = info.removed_params.get(name)
            if removed is not None and value.key_loc is not None and ctx.target.at_least(removed.removed_in):
                yield self._report(None, name, value, removed, callback.kind, ctx, given=callback.args)

    def _method_keywords(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        """``trainer.fit(train_dataloader=...)`` and the other keywords renamed in 1.4 and
        removed in 1.6.0: an error where the target no longer accepts them, a warning
        naming the removing release where it only deprecates them."""
        for run, name, value in _method_keywords(spec, ctx, accepted_too=True):
            param = data.method_param(run.method, name)
            if param is None or param.rename_to is None or param.removed_in is None:
                continue
            removed = ctx.target.at_least(param.removed_in)
            if not removed and not (param.deprecated_in and ctx.target.at_least(param.deprecated_in)):
                continue
            fix = None
            if param.rename_to not in run.args:
                fix = rename_key(value, param.rename_to, f"Rename `{name}` to `{param.rename_to}`", source=ctx.source)
            gone, since = _short(param.removed_in), _short(param.deprecated_in or param.removed_in)
            if removed:
                yield self.report(
                    value,
                    f"`trainer.{run.method}({name}=...)` was removed in Lightning {gone} (deprecated since "
                    f"{since}): `{run.method}()` raises TypeError; use `{param.rename_to}=`",
                    fix=fix,
                    help=f"{_target_note(ctx)} does not accept `{name}`",
                )
            else:
                yield self.report(
                    value,
                    f"`trainer.{run.method}({name}=...)` is deprecated since Lightning {since} and removed in "
                    f"{gone}, where `{run.method}()` raises TypeError; use `{param.rename_to}=`",
                    fix=fix,
                    severity=Severity.WARNING,
                    help=f"{_target_note(ctx)} still accepts `{name}` with a deprecation warning",
                )

    def _report(
        self,
        spec: Optional[TrainerSpec],
        name: str,
        value: Value,
        removed: data.RemovedArg,
        owner: str,
        ctx: "RuleContext",
        given: Container[str] = (),
    ) -> Diagnostic:
        fix = self.fix_for(spec, name, value, removed, ctx, given)
        version = removed.removed_in[:-2] if removed.removed_in.endswith(".0") else removed.removed_in
        return self.report(
            value,
            f"`{owner}({name}=...)` was removed in Lightning {version}; use {removed.replacement}",
            fix=fix,
            help=f"{_target_note(ctx)} does not accept `{name}`",
        )

    def fix_for(
        self,
        spec: Optional[TrainerSpec],
        name: str,
        value: Value,
        removed: data.RemovedArg,
        ctx: "RuleContext",
        given: Container[str] = (),
    ) -> Optional[Fix]:
        if removed.rename_to and removed.rename_to in given:
            return None  # the new name is given too: which value to keep is the user's call
        if removed.rename_to:
            return rename_key(value, removed.rename_to, f"Rename `{name}` to `{removed.rename_to}`", source=ctx.source)
        if spec is None or not value.known:
            return None
        accelerator = _DEVICE_ARGS.get(name)
        if accelerator is not None:
            devices = value.data
            if spec.has("accelerator") or spec.has("devices") or isinstance(devices, bool) or devices is None:
                return None
            if isinstance(devices, tuple):
                try:
                    devices = value.plain()
                except Exception:  # noqa: BLE001 - a list with unknown items
                    return None
            if not isinstance(devices, (int, str, list)) or devices == 0:
                return None
            return replace_argument(
                value,
                [("accelerator", accelerator), ("devices", devices)],
                spec.flavor,
                ctx.source,
                f'Replace with `accelerator="{accelerator}", devices={devices!r}`',
            )
        if name == "weights_summary" and value.is_none() and not spec.has("enable_model_summary"):
            return replace_argument(
                value,
                [("enable_model_summary", False)],
                spec.flavor,
                ctx.source,
                "Replace with `enable_model_summary=False`",
            )
        if spec.flavor != "python":
            return None
        if name == "resume_from_checkpoint":
            return _move_to_fit(spec, value, ctx)
        if name == "progress_bar_refresh_rate" and value.is_int() and not spec.has("callbacks"):
            return _progress_bar_callback(spec, value, ctx)
        return None


def _short(version: str) -> str:
    return version[:-2] if version.endswith(".0") else version


def _method_keywords(spec: TrainerSpec, ctx: "RuleContext", accepted_too: bool = False) -> Iterable[Any]:
    """``(run, keyword, value)`` for the keywords written in the Trainer's Python run-method
    calls (``fit``, ``validate``, ``test``, ``predict``, ``tune``) that the target release
    does not accept (all of them with ``accepted_too``); calls of a method the release does
    not have are left to LL303."""
    if spec.flavor != "python" or spec.extras.get("subclass"):
        return  # a subclass of the Trainer may override the method (flash's `predict(output=...)`)
    version = ctx.target.version
    for run in spec.runs:
        if not data.method_exists(run.method, version):
            continue
        accepted = data.method_args_accepted(run.method, version)
        for name, value in run.args.items():
            if value.key_loc is not None and (accepted_too or name not in accepted):
                yield run, name, value


# Removed device arguments and the accelerator their count now goes with.
_DEVICE_ARGS = {"gpus": "gpu", "tpu_cores": "tpu", "num_processes": "cpu"}


def _move_to_fit(spec: TrainerSpec, value: Value, ctx: "RuleContext") -> Optional[Fix]:
    """``Trainer(resume_from_checkpoint=p)`` -> ``trainer.fit(..., ckpt_path=p)`` when
    exactly one ``fit`` call is seen (unsafe: another code path may fit too)."""
    fits = [run for run in spec.runs if run.method == "fit"]
    if len(fits) != 1 or "ckpt_path" in fits[0].args or value.value_loc is None:
        return None
    remove = removal_edit(value, ctx.source)
    insert = insert_argument(fits[0].loc, fits[0].args, "ckpt_path", None, spec.flavor, ctx.source, "")
    if remove is None or insert is None:
        return None
    path_text = ctx.source.text_of(value.value_loc.span)
    (edit,) = insert.edits
    moved = Edit(edit.span, edit.content.replace("ckpt_path=None", f"ckpt_path={path_text}"))
    return Fix("Move it to `trainer.fit(..., ckpt_path=...)`", Applicability.UNSAFE, (remove, moved))


def _progress_bar_callback(spec: TrainerSpec, value: Value, ctx: "RuleContext") -> Optional[Fix]:
    """``progress_bar_refresh_rate=N`` -> ``callbacks=[TQDMProgressBar(refresh_rate=N)]``
    (unsafe: 1.x also disabled the bar with 0, and chose the bar class differently)."""
    if value.data <= 0:
        return None
    package = (
        "pytorch_lightning"
        if "pytorch_lightning" in ctx.source.text
        and "lightning.pytorch" not in ctx.source.text
        and "import lightning" not in ctx.source.text
        else "lightning.pytorch"
    )
    replace = replace_argument(value, [("callbacks", None)], spec.flavor, ctx.source, "")
    imported = import_edit(ctx.source, f"{package}.callbacks", "TQDMProgressBar")
    if replace is None or imported is None:
        return None
    (edit,) = replace.edits
    callback = Edit(edit.span, f"callbacks=[TQDMProgressBar(refresh_rate={value.data})]")
    edits = (callback,) + ((imported,) if imported.content else ())
    return Fix("Replace with a `TQDMProgressBar(refresh_rate=...)` callback", Applicability.UNSAFE, edits)


class RemovedApi(Rule):
    """
    ## What it does
    Flags Lightning APIs that 2.0 removed, used on a 2.x target:
    `Trainer.from_argparse_args`, `Trainer.add_argparse_args`, `Trainer.parse_argparser`,
    `Trainer.default_attributes`, `trainer.tune(...)`, the LightningModule hooks
    `training_epoch_end`, `validation_epoch_end` and `test_epoch_end`, and the callback
    classes `ProgressBarBase`, `GPUStatsMonitor`, `XLAStatsMonitor` and
    `QuantizationAwareTraining`.

    ## Why is this bad?
    The classmethods and classes no longer exist (`AttributeError` / `ImportError`), and
    `fit` raises `NotImplementedError: Support for training_epoch_end has been removed in
    v2.0.0` when a module still defines the old hooks.

    ## How to fix
    The message names the replacement: `LightningCLI` or your own `argparse` for the
    argparse helpers, `Tuner(trainer)` for `tune`, `on_train_epoch_end` (keeping step
    outputs in an attribute) for the epoch-end hooks.
    """

    code = "LL303"
    name = "removed-api"
    severity = Severity.ERROR
    summary = "APIs removed in Lightning 2.0 (argparse helpers, trainer.tune, *_epoch_end hooks) on a 2.x target."
    VALID = [
        "import lightning as L\nclass M(L.LightningModule):\n    def on_train_epoch_end(self):\n        pass\n",
        "class NotLightning:\n    def training_epoch_end(self, outputs):\n        pass\n",
        example(
            "import pytorch_lightning as pl\nclass M(pl.LightningModule):\n"
            "    def training_epoch_end(self, outputs):\n        pass\n",
            files={"requirements.txt": "pytorch-lightning<2\n"},
        ),
    ]
    INVALID = [
        example(
            "from lightning.pytorch import Trainer\ntrainer = Trainer.from_argparse_args(args)\n",
            message="LightningCLI",
        ),
        example(
            "import lightning as L\nclass M(L.LightningModule):\n    def validation_epoch_end(self, outs):\n"
            "        pass\n",
            message="on_validation_epoch_end",
        ),
        example("import lightning as L\ntrainer = L.Trainer(max_epochs=1)\ntrainer.tune(model)\n", message="Tuner"),
        example(
            "from pytorch_lightning.callbacks import ProgressBarBase\nclass Bar(ProgressBarBase):\n    pass\n",
            message="`ProgressBar`",
        ),
    ]

    def check_file(self, extraction: Extraction, ctx: "RuleContext") -> Iterable[Diagnostic]:
        for use in extraction.api_uses:
            removed = data.REMOVED_APIS.get(use.name)
            if removed is not None and ctx.target.at_least(removed.removed_in):
                yield self.report(
                    use.loc,
                    f"`{use.name}` was removed in Lightning {removed.removed_in[:3]}; use {removed.replacement}",
                )

    def check_class(self, cls: ClassSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        for base in cls.bases:
            symbol = data.canonical_symbol(base) if base else None
            if symbol and symbol.startswith("callbacks."):
                name = symbol.split(".", 1)[1]
                removed = data.REMOVED_CALLBACK_CLASSES.get(name)
                if removed is not None and ctx.target.at_least(removed.removed_in):
                    yield self.report(
                        cls.loc,
                        f"`{cls.name}` derives from `{name}`, removed in Lightning "
                        f"{removed.removed_in[:3]}; use {removed.replacement}",
                    )
        if cls.lightning_base != "LightningModule":
            return
        for method, loc in cls.methods.items():
            removed = data.REMOVED_APIS.get(f"hook:{method}")
            if removed is not None and ctx.target.at_least(removed.removed_in):
                yield self.report(
                    loc,
                    f"`{cls.name}.{method}` is no longer called: the hook was removed in "
                    f"Lightning {removed.removed_in[:3]} and `{'test' if method == 'test_epoch_end' else 'fit'}` "
                    "raises NotImplementedError; "
                    f"use {removed.replacement}",
                )

    def check_callback(self, callback: CallbackSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        removed = data.REMOVED_CALLBACK_CLASSES.get(callback.kind)
        if removed is not None and ctx.target.at_least(removed.removed_in):
            yield self.report(
                callback.loc,
                f"`{callback.kind}` was removed in Lightning {removed.removed_in[:3]}; use {removed.replacement}",
            )


_PRECISION_SUGGESTIONS = {
    "fp16": "16-mixed",
    "float16": "16-mixed",
    "half": "16-mixed",
    "16bit": "16-mixed",
    "mixed": "16-mixed",
    "amp": "16-mixed",
    "16-bit": "16-mixed",
    "bfloat16": "bf16-mixed",
    "bf16mixed": "bf16-mixed",
    "fp32": "32-true",
    "float32": "32-true",
    "full": "32-true",
    "32bit": "32-true",
    "fp64": "64-true",
    "float64": "64-true",
    "double": "64-true",
    "fp8": "transformer-engine",
}


class InvalidPrecision(Rule):
    """
    ## What it does
    Flags a `precision` value Lightning does not accept, such as `"fp16"`, `"mixed"`,
    `"half"` or the float `16.0`, and suggests the accepted spelling.

    ## Why is this bad?
    `Trainer(precision="fp16")` raises `ValueError: Precision 'fp16' is invalid`.
    `precision=16.0` passes that check (16.0 == 16) and then fails with `RuntimeError:
    No precision set`.

    ## How to fix
    Use one of `"16-mixed"`, `"bf16-mixed"`, `"32-true"`, `"64-true"`, `"16-true"`,
    `"bf16-true"` or `"transformer-engine"`.

    ## Fix safety
    Replacing with the suggested precision is unsafe: `"fp16"` could mean `"16-mixed"` or
    `"16-true"`.
    """

    code = "LL305"
    name = "invalid-precision"
    severity = Severity.ERROR
    fix_availability = "sometimes"
    summary = 'A precision value Lightning does not accept ("fp16", "mixed", 16.0).'
    VALID = [
        "from lightning import Trainer\nTrainer(precision='bf16-mixed')\n",
        "from lightning import Trainer\nTrainer(precision=16)\n",
        "trainer:\n  precision: 16-mixed\n",
        "from lightning import Trainer\ndef f(p):\n    Trainer(precision=p)\n",
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(precision='fp16')\n",
            message='"16-mixed"',
            fixed="from lightning import Trainer\nTrainer(precision='16-mixed')\n",
            unsafe=True,
        ),
        example("from lightning import Trainer\nTrainer(precision=16.0)\n", message="No precision set"),
        example("trainer:\n  precision: mixed\n", path="config.yaml"),
        example(
            "import pytorch_lightning as pl\npl.Trainer(precision='16-mixed')\n",
            files={"requirements.txt": "pytorch-lightning==1.9.5\n"},
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        value = spec.args.get("precision")
        if value is None or not value.known or value.data is None or value.is_call():
            return
        allowed = data.precisions_for(ctx.target.version)
        precision = value.data
        if isinstance(precision, (int, str)) and not isinstance(precision, bool) and precision in allowed:
            return
        suggestion = None
        if isinstance(precision, float) and not isinstance(precision, bool) and precision in (16.0, 32.0, 64.0):
            suggestion = data.LEGACY_PRECISIONS[int(precision)]
            problem = "is a float; it passes the first check and then fails with `RuntimeError: No precision set`"
        elif isinstance(precision, str):
            cleaned = precision.strip().lower()
            suggestion = cleaned if cleaned in allowed else _PRECISION_SUGGESTIONS.get(cleaned.replace("_", ""))
            problem = "is not a valid precision"
        else:
            problem = "is not a valid precision"
        if suggestion is not None and suggestion not in allowed:
            suggestion = None
        message = f"`{spec.show('precision')}` {problem}"
        fix = None
        if suggestion is not None:
            message += f"; did you mean `{describe_literal(suggestion)}`?"
            fix = replace_value(
                value, suggestion, spec.flavor, f"Replace with {describe_literal(suggestion)}", Applicability.UNSAFE
            )
        yield self.report(
            value,
            message,
            fix=fix,
            help="accepted: "
            + ", ".join(describe_literal(p) for p in sorted(allowed, key=str) if isinstance(p, str) and "-" in p),
        )

    def check_fabric(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if ctx.target.at_least("2.0.0"):  # the same _PRECISION_INPUT values
            yield from self.check_trainer(spec, ctx)


def describe_literal(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


class LegacyPrecision(Rule):
    """
    ## What it does
    Flags the 1.x precision spellings `16`, `"16"` and `"bf16"` on a Lightning 2 target.
    `32` and `64` (and `"32"`, `"64"`) are left alone: Lightning 2 maps them to `"32-true"`
    and `"64-true"` silently, without a warning.

    ## Why is this bad?
    They still work, but Lightning logs "precision=16 is supported for historical
    reasons but its usage is discouraged", and the short forms hide the difference
    between mixed precision (`"16-mixed"`: weights in float32, compute in float16) and
    true half precision (`"16-true"`).

    ## How to fix
    Write `"16-mixed"` or `"bf16-mixed"`; the fix does it.

    ## Fix safety
    Safe: Lightning maps the old spelling to exactly this value.
    """

    code = "LL306"
    name = "legacy-precision"
    severity = Severity.INFO
    fix_availability = "always"
    summary = 'precision 16 or "bf16": the 1.x spellings Lightning warns about; write "16-mixed", "bf16-mixed"'
    VALID = [
        "from lightning import Trainer\nTrainer(precision='16-mixed')\n",
        "from lightning import Trainer\nTrainer(precision=32)\n",
        example("trainer:\n  precision: 64\n", path="config.yaml"),
        example(
            "import pytorch_lightning as pl\npl.Trainer(precision=16)\n",
            files={"requirements.txt": "pytorch-lightning==1.9.5\n"},
        ),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(precision=16)\n",
            fixed='from lightning import Trainer\nTrainer(precision="16-mixed")\n',
        ),
        example(
            "from lightning import Trainer\nTrainer(precision='bf16')\n",
            fixed="from lightning import Trainer\nTrainer(precision='bf16-mixed')\n",
        ),
        example(
            "trainer:\n  precision: 16  # half\n",
            path="config.yaml",
            fixed='trainer:\n  precision: "16-mixed"  # half\n',
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        value = spec.args.get("precision")
        if value is None or not value.known or isinstance(value.data, bool) or not ctx.target.at_least("2.0.0"):
            return
        if not isinstance(value.data, (int, str)):
            return
        if value.data not in data.WARNED_LEGACY_PRECISIONS:
            return  # 32 and 64 are mapped without a warning
        modern = data.LEGACY_PRECISIONS[value.data]
        yield self.report(
            value,
            f"`{spec.show('precision')}` is the Lightning 1.x spelling; write `{describe_literal(modern)}`"
            " (the same setting)",
            fix=replace_value(value, modern, spec.flavor, f"Replace with {describe_literal(modern)}"),
        )

    def check_fabric(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        yield from self.check_trainer(spec, ctx)  # Fabric warns about the same spellings
