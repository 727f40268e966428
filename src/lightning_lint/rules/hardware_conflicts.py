"""LL403, LL405, LL406, LL408: hardware, precision and plugin settings that contradict
each other."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Iterable, List, Optional, Tuple

from lightning_lint.model import lightning_api as data
from lightning_lint.model.diagnostics import Applicability, Diagnostic, Severity
from lightning_lint.model.spec import FLAVOR_LIGHTNING_CLI, TrainerSpec, Value, describe
from lightning_lint.rules.base import Rule, example
from lightning_lint.rules.fixes import replace_value
from lightning_lint.rules.hardware import accelerator_name, owner

if TYPE_CHECKING:
    from lightning_lint.rules.context import RuleContext

_FSDP_CPU = "from lightning import Trainer\nTrainer(accelerator='cpu', strategy='fsdp')\n"


def literal_accelerator(spec: TrainerSpec) -> Optional[str]:
    """The accelerator when it is written as a string (not "auto", not absent)."""
    name = accelerator_name(spec)
    return name if name in data.ACCELERATORS and name != "auto" else None


def strategy_kind(spec: TrainerSpec) -> Tuple[Optional[str], bool]:
    """(family, parallel) of the strategy when it can be told: a registered name, or a
    Lightning strategy class. Family None: "auto", absent, unknown or a user class.
    ``parallel`` is what Lightning's MPS check counts as the DDP family: a name
    containing "ddp" or "deepspeed", or a ParallelStrategy instance."""
    value = spec.args.get("strategy")
    if value is None or not value.known:
        return None, False
    if value.is_str():
        name = value.data.lower()
        return data.strategy_family(name), "ddp" in name or "deepspeed" in name
    if value.is_call():
        cls = data.lightning_class(value.data.qualname, bare_names=spec.flavor == FLAVOR_LIGHTNING_CLI)
        if cls in data.STRATEGY_CLASSES:
            return data.STRATEGY_CLASSES[cls]
    return None, False


def strategy_known(spec: TrainerSpec) -> bool:
    """The strategy is absent, a literal name, or a call we can see (not hidden)."""
    return spec.get("strategy").decidable


class StrategyAcceleratorMismatch(Rule):
    """
    ## What it does
    Flags a strategy that cannot run on the accelerator written next to it: FSDP or
    DeepSpeed with `accelerator="cpu"`, `"mps"` or `"tpu"`; an XLA strategy (`xla`,
    `single_xla`) without `accelerator="tpu"`; a non-XLA strategy (`ddp`, `fsdp`,
    `single_device`, ...) with `accelerator="tpu"`; and the DDP family (any name with
    `ddp`, DeepSpeed, or a `ParallelStrategy` object) with `accelerator="mps"`. It fires
    only when the accelerator is written literally: with `"auto"` or `"gpu"` the outcome
    depends on the machine.

    ## Why is this bad?
    The run fails before the first batch: "The strategy `fsdp` requires a GPU
    accelerator, but received `accelerator='cpu'`", "The DeepSpeed strategy is only
    supported on CUDA GPUs", "The `XLAAccelerator` can only be used with a
    `SingleDeviceXLAStrategy` or `XLAStrategy`", "strategies from the DDP family are not
    supported on the MPS accelerator".

    ## What Lightning does
    `_AcceleratorConnector` raises ValueError in `Trainer.__init__` (FSDP, XLA, MPS);
    `DeepSpeedStrategy.setup_environment` raises RuntimeError when `fit` starts; an XLA
    strategy needs `torch_xla`, and its XLA device is rejected by the CPU and CUDA
    accelerators ("Device should be CPU, got xla:0 instead").

    ## Example
    ```python
    Trainer(accelerator="cpu", strategy="fsdp")
    ```

    ## How to fix
    Run FSDP and DeepSpeed with `accelerator="gpu"`, XLA with `accelerator="tpu"`; on CPU
    or MPS use `strategy="ddp"` (CPU) or the default single-device strategy.
    """

    code = "LL403"
    name = "strategy-accelerator-mismatch"
    severity = Severity.ERROR
    summary = "FSDP or DeepSpeed on CPU/MPS, an XLA strategy without a TPU, a non-XLA strategy on TPU, DDP on MPS."
    VALID = [
        "from lightning import Trainer\nTrainer(accelerator='gpu', strategy='fsdp')\n",
        "from lightning import Trainer\nTrainer(accelerator='cpu', strategy='ddp', devices=2)\n",
        "from lightning import Trainer\nTrainer(accelerator='tpu', strategy='xla')\n",
        "from lightning import Trainer\nTrainer(accelerator='mps', strategy='auto')\n",
        example(
            "from lightning import Trainer\nTrainer(strategy='fsdp')\n", note="accelerator auto: depends on the machine"
        ),
        example(
            "from lightning import Trainer\nTrainer(accelerator='gpu', strategy='ddp')\n",
            note="gpu is MPS only on Apple machines",
        ),
        example(
            "from lightning import Trainer\ndef main(acc):\n    Trainer(accelerator=acc, strategy='deepspeed')\n",
            note="unknown accelerator",
        ),
        example(
            "from lightning import Trainer\nfrom my_strategies import FSDPStrategy\n"
            "Trainer(accelerator='cpu', strategy=FSDPStrategy())\n",
            note="not Lightning's class",
        ),
        example("trainer:\n  accelerator: ${device}\n  strategy: fsdp\n", path="config.yaml", note="interpolation"),
    ]
    INVALID = [
        example(_FSDP_CPU, message="requires a GPU accelerator"),
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.strategies import FSDPStrategy\n"
            "Trainer(accelerator='cpu', strategy=FSDPStrategy(sharding_strategy='FULL_SHARD'))\n"
        ),
        example(
            "from lightning import Trainer\nTrainer(accelerator='cpu', strategy='deepspeed_stage_2')\n",
            message="CUDA GPUs",
        ),
        example("from lightning import Trainer\nTrainer(accelerator='cuda', strategy='xla')\n", message="TPU"),
        example(
            "from lightning import Trainer\nTrainer(accelerator='tpu', strategy='ddp')\n", message="XLAAccelerator"
        ),
        example("from lightning import Trainer\nTrainer(accelerator='mps', strategy='ddp_spawn')\n", message="MPS"),
        example("trainer:\n  accelerator: cpu\n  strategy: fsdp_cpu_offload\n", path="config.yaml"),
        example("trainer:\n  accelerator: mps\n  strategy:\n    class_path: DDPStrategy\n", path="config.yaml"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        accelerator = literal_accelerator(spec)
        if accelerator is None or not ctx.target.at_least("2.0.0"):
            return
        family, parallel = strategy_kind(spec)
        problem = self._problem(accelerator, family, parallel)
        if problem is None:
            return
        strategy = spec.args["strategy"]
        yield self.report(
            strategy,
            f"`{spec.show('strategy')}` with `{spec.show('accelerator')}`: {problem[0]}",
            help=problem[1],
            related=[spec.args["accelerator"].anchor],
        )

    def check_fabric(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        # Fabric: only FSDP on the CPU is proven to raise (tests/test_lightning_behaviour_fabric.py)
        if literal_accelerator(spec) != "cpu" or not ctx.target.at_least("2.0.0"):
            return
        if strategy_kind(spec)[0] == "fsdp":
            yield self.report(
                spec.args["strategy"],
                f"`{spec.show('strategy')}` with `{spec.show('accelerator')}`: FSDP is only available on GPU; "
                "Fabric raises ValueError",
                help='use accelerator="gpu" (CUDA), or strategy="ddp" on CPU',
                related=[spec.args["accelerator"].anchor],
            )

    @staticmethod
    def _problem(accelerator: str, family: Optional[str], parallel: bool) -> Optional[Tuple[str, str]]:
        if family == "fsdp" and accelerator in ("cpu", "mps", "tpu"):
            return (
                "the strategy `fsdp` requires a GPU accelerator; the Trainer raises ValueError",
                'use accelerator="gpu" (CUDA), or strategy="ddp" on CPU',
            )
        if family == "deepspeed" and accelerator in ("cpu", "mps", "tpu"):
            return (
                "the DeepSpeed strategy is only supported on CUDA GPUs; training fails before the first batch",
                'use accelerator="gpu" (CUDA), or strategy="ddp" on CPU',
            )
        if family == "xla" and accelerator != "tpu":
            return (
                'an XLA strategy runs only on a TPU (`accelerator="tpu"`); with another accelerator the run fails',
                'use accelerator="tpu", or a strategy for this accelerator',
            )
        if accelerator == "tpu" and family in ("ddp", "single_device", "model_parallel"):
            return (
                "the `XLAAccelerator` can only be used with a `SingleDeviceXLAStrategy` or `XLAStrategy`; the "
                "Trainer raises ValueError",
                'use strategy="xla" (or "auto") with accelerator="tpu"',
            )
        if accelerator == "mps" and parallel:
            return (
                "strategies from the DDP family are not supported on the MPS accelerator; the Trainer raises "
                "ValueError",
                'use the default strategy on MPS, or accelerator="cpu" for DDP',
            )
        return None


_FP16 = (16, "16", "16-mixed")


def _precision_plugins(spec: TrainerSpec) -> Optional[List[Value]]:
    """The precision plugins among ``plugins`` (None when the plugins cannot be seen)."""
    value = spec.get("plugins")
    if not value.decidable:
        return None
    if value.data is None:
        return []
    items = list(value.items()) if value.is_list() else [value]
    found = []
    for item in items:
        if not item.known:
            return None
        if item.is_call() and _plugin_kind(spec, item) == "Precision":
            found.append(item)
    return found


def _plugin_kind(spec: TrainerSpec, item: Value) -> Optional[str]:
    cls = data.lightning_class(item.data.qualname, bare_names=spec.flavor == FLAVOR_LIGHTNING_CLI)
    return data.PLUGIN_KINDS.get(cls) if cls else None


class Fp16OnCpu(Rule):
    """
    ## What it does
    Flags `precision="16-mixed"` (or the legacy `16` / `"16"`) together with
    `accelerator="cpu"`.

    ## Why is this bad?
    The run does not use float16: CPUs have no float16 mixed precision in PyTorch's AMP,
    so Lightning switches to bfloat16 (`"bf16-mixed"`), which has a different range and
    precision. Results, speed and memory differ from what the config says, and the only
    sign is a warning at start-up.

    ## What Lightning does
    `_AcceleratorConnector._check_and_init_precision` warns "You passed
    `Trainer(accelerator='cpu', precision='16-mixed')` but AMP with fp16 is not supported
    on CPU. Using `precision='bf16-mixed'` instead." and trains with `bf16-mixed`
    (`trainer.precision == "bf16-mixed"`).

    ## Example
    ```python
    Trainer(accelerator="cpu", precision="16-mixed")
    ```

    ## How to fix
    Write `precision="bf16-mixed"` (what runs anyway) or `"32-true"` for CPU runs, and
    keep `"16-mixed"` for GPU configs.

    ## Fix safety
    The fix writes `"bf16-mixed"`, exactly what Lightning runs on the CPU. It is unsafe
    because the config may be meant for a GPU later, where `"16-mixed"` is float16.
    """

    code = "LL405"
    name = "fp16-on-cpu"
    severity = Severity.WARNING
    fix_availability = "always"
    summary = "precision 16-mixed with accelerator='cpu': Lightning trains in bf16-mixed instead (a start-up warning)."
    VALID = [
        "from lightning import Trainer\nTrainer(accelerator='cpu', precision='bf16-mixed')\n",
        "from lightning import Trainer\nTrainer(accelerator='gpu', precision='16-mixed')\n",
        example("from lightning import Trainer\nTrainer(precision='16-mixed')\n", note="auto: a GPU machine uses fp16"),
        "from lightning import Trainer\nTrainer(accelerator='cpu', precision='16-true')\n",
        example(
            "from lightning import Trainer\ndef main(p):\n    Trainer(accelerator='cpu', precision=p)\n",
            note="unknown precision",
        ),
        example(
            "from lightning import Trainer\ndef main(s):\n    Trainer(accelerator='cpu', precision=16, strategy=s)\n",
            note="an unknown strategy may bring its own precision plugin",
        ),
        example("trainer:\n  accelerator: cpu\n  precision: ${precision}\n", path="config.yaml"),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(accelerator='cpu', precision='16-mixed')\n",
            message="bf16-mixed",
            fixed="from lightning import Trainer\nTrainer(accelerator='cpu', precision='bf16-mixed')\n",
            unsafe=True,
        ),
        example(
            "from lightning import Trainer\nTrainer(accelerator='cpu', precision=16, devices=2, strategy='ddp')\n",
            fixed="from lightning import Trainer\n"
            "Trainer(accelerator='cpu', precision=\"bf16-mixed\", devices=2, strategy='ddp')\n",
            unsafe=True,
        ),
        example(
            "trainer:\n  accelerator: cpu\n  precision: 16-mixed\n",
            path="config.yaml",
            fixed="trainer:\n  accelerator: cpu\n  precision: bf16-mixed\n",
            unsafe=True,
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        precision = spec.args.get("precision")
        if (
            precision is None
            or not precision.known
            or isinstance(precision.data, bool)
            or precision.data not in _FP16
            or literal_accelerator(spec) != "cpu"
        ):
            return
        if not ctx.target.at_least("2.0.0") or not strategy_known(spec):
            return
        family, _ = strategy_kind(spec)
        if family in ("deepspeed", "fsdp", "xla") or (spec.get("strategy").is_call() and family is None):
            return  # these strategies (or an unknown Strategy class) choose their own precision plugin
        if _precision_plugins(spec) != []:
            return  # a precision plugin decides instead (a conflict is LL408's)
        yield self.report(
            precision,
            f"`{spec.show('precision')}` with `{spec.show('accelerator')}`: AMP with fp16 is "
            "not supported on CPU; Lightning warns and trains with `bf16-mixed` instead",
            fix=replace_value(
                precision, "bf16-mixed", spec.flavor, "Write `bf16-mixed`, what runs on the CPU", Applicability.UNSAFE
            ),
            related=[spec.args["accelerator"].anchor],
            help='write precision="bf16-mixed" (or "32-true") for CPU runs',
        )

    def check_fabric(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        yield from self.check_trainer(spec, ctx)  # Fabric warns and falls back the same way


class DeterministicWithBenchmark(Rule):
    """
    ## What it does
    Flags `deterministic=True` (or `"warn"`) together with `benchmark=True`.

    ## Why is this bad?
    The two ask for opposite things. `benchmark=True` lets cuDNN time several
    convolution algorithms and keep the fastest, a choice that can differ from run to
    run; PyTorch ignores `torch.backends.cudnn.deterministic=True` while
    `cudnn.benchmark` is on. The run is not reproducible although the config says it is.

    ## What Lightning does
    `_set_torch_flags` warns "You passed `deterministic=True` and `benchmark=True`. Note
    that PyTorch ignores torch.backends.cudnn.deterministic=True when
    torch.backends.cudnn.benchmark=True." and sets both flags as given.

    ## Example
    ```python
    Trainer(deterministic=True, benchmark=True)
    ```

    ## How to fix
    Keep one: drop `benchmark` for reproducible runs (Lightning then turns benchmarking
    off), or drop `deterministic` for speed.
    """

    code = "LL406"
    name = "deterministic-with-benchmark"
    severity = Severity.WARNING
    summary = "deterministic=True with benchmark=True: cuDNN benchmarking makes the run non-deterministic."
    VALID = [
        "from lightning import Trainer\nTrainer(deterministic=True)\n",
        "from lightning import Trainer\nTrainer(deterministic=True, benchmark=False)\n",
        "from lightning import Trainer\nTrainer(deterministic=False, benchmark=True)\n",
        example(
            "from lightning import Trainer\ndef main(fast):\n    Trainer(deterministic=True, benchmark=fast)\n",
            note="unknown",
        ),
        example("trainer:\n  deterministic: ${reproducible}\n  benchmark: true\n", path="config.yaml"),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(deterministic=True, benchmark=True)\n",
            message="torch.backends.cudnn.deterministic",
        ),
        example("from lightning import Trainer\nTrainer(deterministic='warn', benchmark=True)\n"),
        example("trainer:\n  deterministic: true\n  benchmark: true\n", path="config.yaml"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        deterministic, benchmark = spec.args.get("deterministic"), spec.args.get("benchmark")
        if deterministic is None or benchmark is None or not ctx.target.at_least("2.0.0"):
            return
        if not (
            deterministic.known
            and deterministic.data in (True, "warn")
            and benchmark.is_bool()
            and benchmark.data is True
        ):
            return
        yield self.report(
            benchmark,
            f"`{spec.show('benchmark')}` with `{spec.show('deterministic')}`: PyTorch "
            "ignores torch.backends.cudnn.deterministic=True when "
            "torch.backends.cudnn.benchmark=True, so the run is not reproducible",
            related=[deterministic.anchor],
            help="drop benchmark for reproducible runs, or deterministic for speed",
        )


class PluginsConflict(Rule):
    """
    ## What it does
    Flags `plugins` that the Trainer refuses: a string (a strategy or precision name put
    in `plugins`), two plugins of one kind (two precision plugins, two CheckpointIO, two
    cluster environments, two LayerSync), and a precision plugin together with
    `precision=`.

    ## Why is this bad?
    The Trainer cannot be built: "Found invalid type for plugin d. Expected one of:
    Precision, CheckpointIO, ClusterEnvironment, or LayerSync." (a string is iterated
    character by character), "Received multiple values for Precision flags in
    `plugins`", "Received both `precision=16-mixed` and `plugins=...`. Choose one."

    ## What Lightning does
    `_AcceleratorConnector._check_config_and_set_final_flags` counts the plugins by kind
    and raises MisconfigurationException or ValueError. `precision=None` (the default)
    does not conflict; any written precision, even `"32-true"`, does. A LightningCLI
    config with a string plugin fails in jsonargparse instead.

    ## Example
    ```python
    Trainer(precision="16-mixed", plugins=[MixedPrecision("16-mixed", "cuda")])
    ```

    ## How to fix
    Give each plugin kind once; set the precision either with `precision=` or with a
    precision plugin; put strategy names in `strategy=`.
    """

    code = "LL408"
    name = "plugins-conflict"
    severity = Severity.ERROR
    summary = "A string plugin, two plugins of one kind, or a precision plugin together with precision=."
    _IMPORTS = "from lightning import Trainer\nfrom lightning.pytorch.plugins import "
    VALID = [
        _IMPORTS + "MixedPrecision\nTrainer(plugins=[MixedPrecision('bf16-mixed', 'cpu')])\n",
        _IMPORTS + "TorchCheckpointIO, MixedPrecision\n"
        "Trainer(plugins=[TorchCheckpointIO(), MixedPrecision('16-mixed', 'cuda')])\n",
        _IMPORTS + "DoublePrecision\nTrainer(precision=None, plugins=DoublePrecision())\n",
        "from lightning import Trainer\nfrom lightning.pytorch.plugins.environments import SLURMEnvironment\n"
        "Trainer(precision='16-mixed', plugins=[SLURMEnvironment(auto_requeue=False)])\n",
        example(
            "from lightning import Trainer\nfrom my_plugins import MyPrecision, OtherPrecision\n"
            "Trainer(plugins=[MyPrecision(), OtherPrecision()])\n",
            note="user classes: kind unknown",
        ),
        example(
            "from lightning import Trainer\ndef main(plugins):\n    Trainer(precision=16, plugins=plugins)\n",
            note="unknown plugins",
        ),
        example("trainer:\n  plugins: ${plugins}\n  precision: 16-mixed\n", path="config.yaml"),
    ]
    INVALID = [
        example(
            _IMPORTS + "MixedPrecision\nTrainer(precision='16-mixed', plugins=[MixedPrecision('16-mixed', 'cuda')])\n",
            message="Choose one",
        ),
        example(
            _IMPORTS + "DoublePrecision, HalfPrecision\nTrainer(plugins=[DoublePrecision(), HalfPrecision()])\n",
            message="multiple values for Precision",
        ),
        example("from lightning import Trainer\nTrainer(plugins='ddp_sharded')\n", message="strategy"),
        example("from lightning import Trainer\nTrainer(plugins=['deepspeed'])\n", message="invalid type"),
        example(
            "trainer:\n  precision: bf16-mixed\n  plugins:\n    - class_path: lightning.pytorch.plugins.MixedPrecision\n"
            "      init_args:\n        precision: bf16-mixed\n        device: cuda\n",
            path="config.yaml",
        ),
        example(
            "trainer:\n  _target_: lightning.pytorch.Trainer\n  plugins:\n"
            "    - _target_: lightning.pytorch.plugins.environments.SLURMEnvironment\n"
            "    - _target_: lightning.pytorch.plugins.environments.LightningEnvironment\n",
            path="configs/train.yaml",
            message="ClusterEnvironment",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        plugins = spec.args.get("plugins")
        if plugins is None or not plugins.known or plugins.data is None or not ctx.target.at_least("2.0.0"):
            return
        if plugins.is_str():
            yield self.report(plugins, self._string_message(spec, plugins, whole=True), help=self._string_help(plugins))
            return
        items = list(plugins.items()) if plugins.is_list() else [plugins]
        kinds: Counter[str] = Counter()
        precision_plugin = None
        for item in items:
            if item.is_str():
                yield self.report(item, self._string_message(spec, item, whole=False), help=self._string_help(item))
                continue
            if not item.is_call():
                continue
            kind = _plugin_kind(spec, item)
            if kind is None:
                continue
            kinds[kind] += 1
            if kinds[kind] == 2:
                yield self.report(
                    item,
                    f"Received multiple values for {kind} flags in `plugins`: the {owner(spec)} accepts "
                    f"one plugin of each kind and raises "
                    + ("ValueError" if owner(spec) == "Fabric" else "MisconfigurationException"),
                    help=f"keep one {kind} plugin",
                )
            if kind == "Precision" and precision_plugin is None:
                precision_plugin = item
        precision = spec.args.get("precision")
        if precision_plugin is not None and precision is not None and precision.known and precision.data is not None:
            yield self.report(
                precision,
                f"Received both `{spec.show('precision')}` and the precision plugin "
                f"`{describe(precision_plugin)}` in `plugins`: the {owner(spec)} raises ValueError "
                "(Choose one)",
                related=[precision_plugin.anchor],
                help="remove `precision` (the plugin sets it) or remove the plugin",
            )

    def check_fabric(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        yield from self.check_trainer(spec, ctx)  # Fabric's connector checks plugins the same way

    @staticmethod
    def _string_message(spec: TrainerSpec, value: Value, whole: bool) -> str:
        shown = f"`{spec.show('plugins')}`" if whole else f"the plugin `{describe(value)}` in `plugins`"
        if spec.flavor == FLAVOR_LIGHTNING_CLI:
            message = f"{shown}: plugins must be plugin objects (class_path), not names; LightningCLI rejects it"
        else:
            first = value.data[:1] if whole else value.data
            message = (
                f'{shown} is a string: plugins must be plugin objects, and the {owner(spec)} raises "Found invalid '
                f'type for plugin {first}"' + (" (it reads the string character by character)" if whole else "")
            )
        if _strategy_name(value.data):
            message += f"; `{value.data}` is a strategy name"
        return message

    @staticmethod
    def _string_help(value: Value) -> str:
        name = value.data.lower()
        if _strategy_name(name):
            replacement = data.REMOVED_STRATEGIES.get(name) or name
            return f'write strategy="{replacement}"'
        if name in {str(p) for p in data.PRECISIONS} or name in ("native_amp", "apex_amp", "amp"):
            return 'a precision is set with precision=... (e.g. "16-mixed")'
        return "give Precision, CheckpointIO, ClusterEnvironment or LayerSync objects"


def _strategy_name(text: str) -> bool:
    name = text.lower()
    return (name in data.STRATEGIES and name != "auto") or name in data.REMOVED_STRATEGIES
