"""LL4xx: hardware, precision, strategy."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Iterable, Optional

from lightning_lint.model import lightning_api as data
from lightning_lint.model.diagnostics import Applicability, Diagnostic, Severity
from lightning_lint.model.spec import TrainerSpec, Value
from lightning_lint.rules.base import Rule, example
from lightning_lint.rules.fixes import replace_value

if TYPE_CHECKING:
    from lightning_lint.rules.context import RuleContext


def accelerator_name(spec: TrainerSpec) -> Optional[str]:
    """The accelerator when it is a literal string ("auto" when absent), else None."""
    value = spec.get("accelerator")
    if value.decidable and isinstance(value.data, str):
        return value.data
    return None


def owner(spec: TrainerSpec) -> str:
    """Who reads the arguments, for messages: "Fabric" for a ``Fabric(...)`` call."""
    return "Fabric" if spec.extras.get("kind") == "fabric" else "Trainer"


def refused_none(rule: Rule, spec: TrainerSpec, name: str, ctx: "RuleContext") -> Iterable[Diagnostic]:
    """``name=None`` where the target release's signature takes no None (the annotations
    in ``lightning_api``): ``strategy``, ``accelerator`` and ``devices`` defaulted to None in
    1.x and raise in 2.x."""
    value = spec.args.get(name)
    if value is None or not value.known or not value.is_none():
        return
    if data.accepts_none(name, ctx.target.version, fabric=owner(spec) == "Fabric") is not False:
        return
    yield rule.report(
        value,
        f"`{spec.show(name)}`: `{name}` takes no None in Lightning {ctx.target} (None was the 1.x default); "
        f"the {owner(spec)} raises",
        help=f'leave `{name}` out, or write `{name}="auto"`',
    )


class InvalidStrategy(Rule):
    """
    ## What it does
    Flags a `strategy` name that the target Lightning does not register: removed ones
    such as `dp`, `ddp_sharded`, `horovod`, `fsdp_native`, `ddp2`, `ddp_cpu`, `tpu_spawn`,
    and misspellings. The message names the 2.x replacement or the closest valid name.
    `Fabric(strategy=...)` is checked against Fabric's own registry, which still has
    `dp` and `xla_fsdp`. `strategy=None` (the 1.x default) is flagged where the target
    release's signature takes no None (2.x): it raises `ValueError`.

    ## Why is this bad?
    `Trainer(strategy="dp")` raises `ValueError: You selected an invalid strategy name:
    strategy='dp'`.

    ## How to fix
    Use a registered name (`ddp`, `ddp_spawn`, `fsdp`, `deepspeed_stage_2`, ...) or a
    `Strategy` instance.

    ## Fix safety
    Renames of the same strategy (`fsdp_native` -> `fsdp`, `tpu_spawn` -> `xla`) are safe.
    Other successors are unsafe (`dp` becomes `ddp`, a different execution model), and so
    is a did-you-mean for a misspelled name: `--unsafe-fixes` applies them.
    """

    code = "LL401"
    name = "invalid-strategy"
    severity = Severity.ERROR
    fix_availability = "sometimes"
    summary = "A strategy name Lightning does not register (dp, ddp_sharded, horovod, fsdp_native, ...)."
    VALID = [
        "from lightning import Trainer\nTrainer(strategy='ddp')\n",
        "from lightning import Trainer\nTrainer(strategy='DDP_Spawn')\n",
        "from lightning import Trainer\nfrom lightning.pytorch.strategies import DDPStrategy\n"
        "Trainer(strategy=DDPStrategy(find_unused_parameters=True))\n",
        example(
            "import pytorch_lightning as pl\npl.Trainer(strategy='dp')\n",
            files={"requirements.txt": "pytorch-lightning==1.9.5\n"},
        ),
        example(
            "import pytorch_lightning as pl\npl.Trainer(strategy=None, accelerator=None, devices=None)\n",
            files={"requirements.txt": "pytorch-lightning==1.9.5\n"},
            note="None was the 1.x default",
        ),
    ]
    INVALID = [
        example("from lightning import Trainer\nTrainer(strategy='dp')\n", message='`strategy="ddp"`'),
        example(
            "from lightning import Trainer\nTrainer(strategy='fsdp_native')\n",
            fixed="from lightning import Trainer\nTrainer(strategy='fsdp')\n",
        ),
        example("from lightning import Trainer\nTrainer(strategy='ddp_spwan')\n", message="did you mean `ddp_spawn`"),
        example("trainer:\n  strategy: horovod\n", path="config.yaml"),
        example("import lightning as L\nL.Fabric(strategy='ddp_sharded')\n", message="not a Fabric strategy"),
        example("from lightning import Trainer\nTrainer(strategy=None)\n", message="takes no None"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        yield from refused_none(self, spec, "strategy", ctx)
        value = spec.args.get("strategy")
        if value is None or not value.is_str():
            return
        registered = data.strategies_for(ctx.target.version)
        if registered is None:
            return
        name = value.data.lower()
        if name in registered:
            return
        replacement = data.REMOVED_STRATEGIES.get(name)
        fix = None
        if replacement is not None:
            if replacement:
                removed = (
                    "was removed in Lightning 2.0"
                    if name in data.STRATEGIES_1_9
                    else f"is gone in Lightning {ctx.target}"
                )
                message = f'`{spec.show("strategy")}` {removed}; use `strategy="{replacement}"`'
                # same role under a new name: fsdp_native -> fsdp, tpu_spawn -> xla
                if name in ("fsdp_native", "fsdp_native_full_shard_offload", "tpu_spawn", "tpu_spawn_debug"):
                    fix = replace_value(value, replacement, spec.flavor, f"Replace with `{replacement}`")
                else:
                    fix = replace_value(
                        value, replacement, spec.flavor, f"Replace with `{replacement}`", Applicability.UNSAFE
                    )
            else:
                message = f"`{spec.show('strategy')}` is no longer part of Lightning"
        else:
            close = difflib.get_close_matches(name, sorted(registered), n=1, cutoff=0.6)
            message = f"unknown strategy `{value.data}`" + (f"; did you mean `{close[0]}`?" if close else "")
            if close:
                fix = replace_value(value, close[0], spec.flavor, f"Replace with `{close[0]}`", Applicability.UNSAFE)
        yield self.report(
            value, message, fix=fix, help="registered strategies include ddp, ddp_spawn, fsdp, deepspeed_stage_2, xla"
        )

    def check_fabric(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        yield from refused_none(self, spec, "strategy", ctx)
        value = spec.args.get("strategy")
        if value is None or not value.is_str():
            return
        registered = data.fabric_strategies_for(ctx.target.version)
        if registered is None or value.data.lower() in registered:
            return
        name = value.data.lower()
        replacement = data.REMOVED_STRATEGIES.get(name)
        close = difflib.get_close_matches(name, sorted(registered), n=1, cutoff=0.6)
        message = f"`{spec.show('strategy')}` is not a Fabric strategy: Fabric raises ValueError"
        if replacement:
            message += f'; use `strategy="{replacement}"`'
        elif close:
            message += f"; did you mean `{close[0]}`?"
        yield self.report(value, message, help="Fabric's strategies include dp, ddp, ddp_spawn, fsdp, deepspeed, xla")


class InvalidAccelerator(Rule):
    """
    ## What it does
    Flags an `accelerator` that is not `auto`, `cpu`, `cuda`, `gpu`, `mps` or `tpu`:
    strategy names passed as the accelerator (`"ddp"`, the 1.x style), capitalised names
    (`"CPU"`: accelerator names are case-sensitive) and accelerators that left
    Lightning's core (`"hpu"`, `"ipu"`); and `accelerator=None` (the 1.x default) where
    the target release's signature takes no None (2.x), which raises `ValueError`. The
    same for `Fabric(accelerator=...)`.

    ## Why is this bad?
    `Trainer(accelerator="ddp")` raises `ValueError: You selected an invalid accelerator
    name: accelerator='ddp'`.

    ## How to fix
    Put the device type in `accelerator` and the distribution in `strategy`:
    `Trainer(accelerator="gpu", strategy="ddp")`.

    ## Fix safety
    Lower-casing an accelerator name (`"GPU"` -> `"gpu"`) is safe; other suggestions are
    unsafe.
    """

    code = "LL402"
    name = "invalid-accelerator"
    severity = Severity.ERROR
    fix_availability = "sometimes"
    summary = 'An accelerator Lightning does not know ("ddp", "CPU", "hpu").'
    VALID = [
        "from lightning import Trainer\nTrainer(accelerator='gpu')\n",
        "from lightning import Trainer\nTrainer(accelerator='auto')\n",
        "from lightning import Trainer\nfrom lightning.pytorch.accelerators import CPUAccelerator\n"
        "Trainer(accelerator=CPUAccelerator())\n",
    ]
    INVALID = [
        example("from lightning import Trainer\nTrainer(accelerator='ddp')\n", message="strategy"),
        example(
            "from lightning import Trainer\nTrainer(accelerator='CPU')\n",
            fixed="from lightning import Trainer\nTrainer(accelerator='cpu')\n",
        ),
        example("trainer:\n  accelerator: hpu\n", path="config.yaml"),
        example("trainer:\n  accelerator: null\n", path="config.yaml", message="takes no None"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        yield from refused_none(self, spec, "accelerator", ctx)
        value = spec.args.get("accelerator")
        if value is None or not value.is_str():
            return
        allowed = data.accelerators_for(ctx.target.version)
        name = value.data
        if name in allowed:
            return
        fix = None
        lowered = name.lower()
        if lowered in allowed:
            message = f"`{spec.show('accelerator')}`: accelerator names are case-sensitive; use `{lowered}`"
            fix = replace_value(value, lowered, spec.flavor, f"Replace with `{lowered}`")
        elif lowered in data.STRATEGIES or lowered in data.REMOVED_STRATEGIES or lowered.startswith("ddp"):
            message = (
                f"`{spec.show('accelerator')}` names a strategy, not a device: write "
                f'`accelerator="gpu", strategy="{data.REMOVED_STRATEGIES.get(lowered) or lowered}"` '
                '(or accelerator="cpu")'
            )
        elif lowered in ("hpu", "ipu"):
            message = f"`{spec.show('accelerator')}`: {lowered.upper()} support is no longer part of Lightning"
        else:
            close = difflib.get_close_matches(lowered, sorted(allowed), n=1, cutoff=0.6)
            message = f"unknown accelerator `{name}`" + (f"; did you mean `{close[0]}`?" if close else "")
        yield self.report(value, message, fix=fix, help="accelerators: auto, cpu, cuda, gpu, mps, tpu")

    def check_fabric(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if ctx.target.at_least("2.0.0"):  # Fabric shares the Trainer's accelerator names
            yield from self.check_trainer(spec, ctx)


class InvalidDevices(Rule):
    """
    ## What it does
    Flags `devices` values that cannot work: `0`, `"0"` or `[]` (no device); a device
    list with repeated ids; `devices` below -1; with `accelerator="cpu"`, anything but a
    positive count (`-1`, a list, `"0,1"`); `num_nodes` below 1; and `devices=None` (the
    1.x default) where the target release's signature takes no None (2.x: `TypeError`).
    The same for `Fabric(devices=...)`.

    ## Why is this bad?
    The Trainer raises while it is being built, for example "`Trainer(devices=0)` value
    is not a valid input using cpu accelerator" or "`devices` selected with
    `CPUAccelerator` should be an int > 0".

    ## How to fix
    To train on the CPU write `accelerator="cpu"` (and `devices=1`, or a number of
    processes); on GPUs use a count, a list of distinct ids, or `-1` for all of them.
    """

    code = "LL404"
    name = "invalid-devices"
    severity = Severity.ERROR
    summary = 'devices 0, "0" or []; CPU with -1, a list or "0,1"; duplicate ids; num_nodes < 1.'
    VALID = [
        "from lightning import Trainer\nTrainer(accelerator='gpu', devices=[0, 1])\n",
        "from lightning import Trainer\nTrainer(accelerator='cpu', devices=4)\n",
        "from lightning import Trainer\nTrainer(accelerator='gpu', devices=-1)\n",
        "from lightning import Trainer\nTrainer(devices='auto', num_nodes=2)\n",
        "from lightning import Trainer\nTrainer(accelerator='cpu', devices='2')\n",
        example(
            "from lightning import Trainer\nTrainer(num_nodes=max(tp * pp // 8, 1))\n",
            note="a value computed by a call is not judged",
        ),
    ]
    INVALID = [
        example("from lightning import Trainer\nTrainer(devices=0)\n", message="no device"),
        example("from lightning import Trainer\nTrainer(accelerator='cpu', devices=-1)\n", message="int > 0"),
        example("from lightning import Trainer\nTrainer(accelerator='gpu', devices=[0, 0])\n", message="unique"),
        example("from lightning import Trainer\nTrainer(num_nodes=0)\n", message="num_nodes"),
        example("trainer:\n  accelerator: cpu\n  devices: 0,1\n", path="config.yaml"),
        example("from lightning import Trainer\nTrainer(devices=None)\n", message="takes no None"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        yield from refused_none(self, spec, "devices", ctx)
        devices = spec.args.get("devices")
        if devices is not None and devices.known and not devices.is_none():
            message = self._devices_problem(spec, devices)
            if message:
                yield self.report(devices, message)
        nodes = spec.args.get("num_nodes")
        if nodes is not None and nodes.known and not nodes.is_call() and not (nodes.is_int() and nodes.data >= 1):
            yield self.report(nodes, f"`{spec.show('num_nodes')}`: `num_nodes` must be a positive integer")

    def check_fabric(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if ctx.target.at_least("2.0.0"):  # Fabric's connector parses devices like the Trainer's
            yield from self.check_trainer(spec, ctx)

    @staticmethod
    def _devices_problem(spec: TrainerSpec, devices: Value) -> Optional[str]:
        shown = spec.show("devices")
        value = devices.data
        if isinstance(value, bool) or devices.is_call():
            return None
        if value == 0 or value == "0" or (isinstance(value, tuple) and not value):
            return f'`{shown}` selects no device; for CPU training write `accelerator="cpu"`'
        if isinstance(value, int) and value < -1:
            return f"`{shown}` is not valid: use a positive count, a list of ids, or -1 for every GPU"
        if isinstance(value, tuple):
            try:
                ids = devices.plain()
            except Exception:  # noqa: BLE001 - an element is not a literal
                ids = None
            if ids is not None and len(ids) != len(set(map(str, ids))):
                return f"`{shown}` repeats a device id: device ids must be unique"
        if accelerator_name(spec) == "cpu":
            if isinstance(value, int) and value > 0:
                return None
            if isinstance(value, str) and (value.isdigit() or value == "auto"):
                return None if value != "0" else f"`{shown}` selects no device"
            return (
                f'`{shown}` with `accelerator="cpu"`: `devices` selected with `CPUAccelerator` should be an '
                "int > 0 (the number of processes)"
            )
        return None
