"""What lightning-lint knows about Lightning's API, as data.

The tables describe Lightning 2.6.6 (the newest release the tool knows) and the history of
the arguments that earlier releases accepted. ``tests/test_lightning_data.py`` compares
them with the installed ``lightning``, so a new release is a data change here.

Where a version history is given it was read from the released wheels' signatures
(``scripts/lightning_history.py``): 1.4.9, 1.8.6, 1.9.0, 1.9.5 and every 2.x minor; the
1.5-1.7 removals come from Lightning's CHANGELOG.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, Optional, Tuple

if TYPE_CHECKING:
    from packaging.version import Version

NEWEST_KNOWN = "2.6.6"

# Releases a project can pin, newest last (lightning and pytorch-lightning share them).
KNOWN_VERSIONS: Tuple[str, ...] = (
    "1.0.8",
    "1.1.8",
    "1.2.10",
    "1.3.8",
    "1.4.9",
    "1.5.10",
    "1.6.5",
    "1.7.7",
    "1.8.6",
    "1.9.0",
    "1.9.5",
    "2.0.0",
    "2.0.9",
    "2.1.0",
    "2.1.4",
    "2.2.0",
    "2.2.5",
    "2.3.0",
    "2.3.3",
    "2.4.0",
    "2.5.0",
    "2.5.1",
    "2.5.3",
    "2.5.6",
    "2.6.0",
    "2.6.6",
)

# Distribution names whose version pins decide the target version.
LIGHTNING_DISTRIBUTIONS = ("lightning", "pytorch-lightning", "pytorch_lightning")


# -- types, for schemas and type checks ----------------------------------------------------
# A value "kind" is one of: int, float, str, bool, null, list, dict, object (a constructed
# class instance: a Call in Python, class_path/_target_ in YAML).


@dataclass(frozen=True)
class Param:
    name: str
    default: Any
    kinds: Tuple[str, ...]
    doc: str
    added_in: str = "1.0.0"
    choices: Tuple[Any, ...] = ()
    required: bool = False


def _p(
    name: str,
    default: Any,
    kinds: str,
    doc: str,
    added_in: str = "1.0.0",
    choices: Tuple[Any, ...] = (),
    required: bool = False,
) -> Param:
    return Param(name, default, tuple(kinds.split("|")), doc, added_in, choices, required)


TRAINER_PARAM_LIST: Tuple[Param, ...] = (
    _p(
        "accelerator",
        "auto",
        "str|object",
        "Hardware to run on: cpu, cuda, gpu, mps, tpu or auto.",
        choices=("auto", "cpu", "cuda", "gpu", "mps", "tpu"),
    ),
    _p(
        "strategy",
        "auto",
        "str|object",
        "Distribution strategy: a registered name such as ddp, fsdp or deepspeed, or a Strategy instance.",
        added_in="1.5.0",
    ),
    _p("devices", "auto", "int|str|list", "Number of devices, a list of device ids, -1 for all GPUs, or auto."),
    _p("num_nodes", 1, "int", "Number of machines for distributed training."),
    _p(
        "precision",
        None,
        "int|str|null",
        "Numerical precision: 16-mixed, bf16-mixed, 32-true, 64-true, 16-true, bf16-true, transformer-engine.",
        choices=(
            "transformer-engine",
            "transformer-engine-float16",
            "16-true",
            "16-mixed",
            "bf16-true",
            "bf16-mixed",
            "32-true",
            "64-true",
            64,
            32,
            16,
            "64",
            "32",
            "16",
            "bf16",
        ),
    ),
    _p(
        "logger",
        None,
        "bool|object|list|null",
        "A logger, a list of loggers, True for the default (TensorBoard or CSV), or False to disable logging.",
    ),
    _p("callbacks", None, "object|list|null", "Callbacks to add to the default ones."),
    _p(
        "fast_dev_run",
        False,
        "bool|int",
        "Run n batches of train, val and test (True = 1) to find bugs; disables logging, checkpoints and every limit.",
    ),
    _p(
        "max_epochs",
        None,
        "int|null",
        "Stop after this many epochs; -1 for no limit. When neither "
        "max_epochs, max_steps nor max_time is set, Lightning trains 1000 epochs.",
    ),
    _p("min_epochs", None, "int|null", "Do not let early stopping end training before this many epochs."),
    _p("max_steps", -1, "int", "Stop after this many optimizer steps; -1 for no limit."),
    _p("min_steps", None, "int|null", "Do not let early stopping end training before this many optimizer steps."),
    _p(
        "max_time",
        None,
        "str|dict|object|null",
        'Stop after this wall-clock time: "DD:HH:MM:SS", a timedelta, or a dict of timedelta arguments.',
    ),
    _p(
        "limit_train_batches",
        None,
        "int|float|null",
        "Training batches per epoch: a fraction (float) or a count (int).",
    ),
    _p(
        "limit_val_batches",
        None,
        "int|float|null",
        "Validation batches: a fraction (float) or a count (int); 0 disables validation.",
    ),
    _p("limit_test_batches", None, "int|float|null", "Test batches: a fraction (float) or a count (int)."),
    _p("limit_predict_batches", None, "int|float|null", "Prediction batches: a fraction (float) or a count (int)."),
    _p(
        "overfit_batches",
        0.0,
        "int|float",
        "Train and validate on this many (or this fraction of) training batches, without shuffling.",
    ),
    _p(
        "val_check_interval",
        None,
        "int|float|str|dict|object|null",
        "Validate after this fraction of an epoch (float), "
        'every n training batches (int), or after a duration ("DD:HH:MM:SS").',
    ),
    _p(
        "check_val_every_n_epoch",
        1,
        "int|null",
        "Validate every n epochs; None to count val_check_interval across epochs.",
    ),
    _p("num_sanity_val_steps", None, "int|null", "Validation batches to run before training (default 2; -1 for all)."),
    _p("log_every_n_steps", None, "int|null", "Log training metrics every n optimizer steps (default 50)."),
    _p(
        "enable_checkpointing",
        None,
        "bool|null",
        "Add a default ModelCheckpoint when none is given (default True).",
        added_in="1.5.0",
    ),
    _p("enable_progress_bar", None, "bool|null", "Show a progress bar (default True).", added_in="1.5.0"),
    _p(
        "enable_model_summary",
        None,
        "bool|null",
        "Print a model summary at the start of fit (default True).",
        added_in="1.5.0",
    ),
    _p("accumulate_grad_batches", 1, "int", "Accumulate gradients over k batches before each optimizer step."),
    _p("gradient_clip_val", None, "int|float|null", "Clip gradients at this value; None disables clipping."),
    _p("gradient_clip_algorithm", None, "str|null", "How to clip: norm (default) or value.", choices=("norm", "value")),
    _p("deterministic", None, "bool|str|null", 'Use deterministic algorithms: True, False or "warn".'),
    _p("benchmark", None, "bool|null", "Set torch.backends.cudnn.benchmark."),
    _p("inference_mode", True, "bool", "Use torch.inference_mode (else no_grad) during evaluation.", added_in="1.7.0"),
    _p(
        "use_distributed_sampler",
        True,
        "bool",
        "Wrap dataloaders in a DistributedSampler when training on several devices.",
        added_in="2.0.0",
    ),
    _p(
        "profiler",
        None,
        "str|object|null",
        "Profile the run: simple, advanced, pytorch, xla or a Profiler.",
        choices=("simple", "advanced", "pytorch", "xla"),
    ),
    _p("detect_anomaly", False, "bool", "Enable autograd anomaly detection (slow).", added_in="1.5.0"),
    _p(
        "barebones",
        False,
        "bool",
        "Disable every feature that costs speed (logging, checkpoints, progress bar, summaries).",
        added_in="2.0.0",
    ),
    _p("plugins", None, "object|list|null", "Precision, CheckpointIO, ClusterEnvironment or LayerSync plugins."),
    _p("sync_batchnorm", False, "bool", "Synchronise batch norm layers across devices."),
    _p("reload_dataloaders_every_n_epochs", 0, "int", "Recreate the dataloaders every n epochs."),
    _p(
        "default_root_dir",
        None,
        "str|null",
        "Default folder for logs and checkpoints (default: the working directory).",
    ),
    _p(
        "enable_autolog_hparams", True, "bool", "Log the hyperparameters of the model and datamodule.", added_in="2.6.0"
    ),
    _p(
        "model_registry",
        None,
        "str|null",
        "Name (and version) of a model in the Lightning model registry.",
        added_in="2.5.1",
    ),
)

TRAINER_PARAMS: Dict[str, Param] = {p.name: p for p in TRAINER_PARAM_LIST}

# Where Lightning resolves a None default at run time (research §4.1).
EFFECTIVE_DEFAULTS: Dict[str, Any] = {
    "limit_train_batches": 1.0,
    "limit_val_batches": 1.0,
    "limit_test_batches": 1.0,
    "limit_predict_batches": 1.0,
    "val_check_interval": 1.0,
    "num_sanity_val_steps": 2,
    "log_every_n_steps": 50,
    "enable_checkpointing": True,
    "enable_progress_bar": True,
    "enable_model_summary": True,
    "precision": "32-true",
}


@dataclass(frozen=True)
class RemovedArg:
    """An argument Lightning used to accept.

    ``rename_to`` is set when the new argument takes the same value (a mechanical,
    safe rewrite); ``replacement`` says what to write instead in words."""

    name: str
    removed_in: str
    replacement: str
    deprecated_in: Optional[str] = None
    rename_to: Optional[str] = None
    added_in: str = "0.1.0"


def _r(
    name: str, removed_in: str, replacement: str, deprecated_in: Optional[str] = None, rename_to: Optional[str] = None
) -> RemovedArg:
    return RemovedArg(name, removed_in, replacement, deprecated_in, rename_to)


REMOVED_TRAINER_ARGS: Dict[str, RemovedArg] = {
    r.name: r
    for r in (
        # removed in 2.0 (present in 1.9.5, absent in 2.0.0)
        _r("gpus", "2.0.0", '`accelerator="gpu", devices=N`', "1.7.0"),
        _r("tpu_cores", "2.0.0", '`accelerator="tpu", devices=N`', "1.7.0"),
        _r("ipus", "2.0.0", "the lightning-graphcore package (IPU support left Lightning's core)", "1.7.0"),
        _r("num_processes", "2.0.0", '`accelerator="cpu", devices=N`', "1.7.0"),
        _r(
            "auto_select_gpus",
            "2.0.0",
            "`devices=find_usable_cuda_devices(N)` from `lightning.pytorch.accelerators`",
            "1.9.0",
        ),
        _r(
            "resume_from_checkpoint",
            "2.0.0",
            "`trainer.fit(model, ckpt_path=...)` (in LightningCLI the `ckpt_path` key)",
            "1.5.0",
        ),
        _r("auto_lr_find", "2.0.0", "`Tuner(trainer).lr_find(model)` or the `LearningRateFinder` callback"),
        _r(
            "auto_scale_batch_size",
            "2.0.0",
            "`Tuner(trainer).scale_batch_size(model)` or the `BatchSizeFinder` callback",
        ),
        _r(
            "track_grad_norm",
            "2.0.0",
            "`grad_norm` from `lightning.pytorch.utilities` in `on_before_optimizer_step`, logged with `self.log_dict`",
        ),
        _r("replace_sampler_ddp", "2.0.0", "`use_distributed_sampler`", rename_to="use_distributed_sampler"),
        _r(
            "amp_backend",
            "2.0.0",
            'nothing: native AMP is the only backend; choose it with `precision="16-mixed"`',
            "1.9.0",
        ),
        _r("amp_level", "2.0.0", "nothing: apex support was removed", "1.9.0"),
        _r("move_metrics_to_cpu", "2.0.0", "nothing: the option was removed"),
        _r(
            "multiple_trainloader_mode",
            "2.0.0",
            "a `CombinedLoader(iterables, mode=...)` returned from `train_dataloader`",
        ),
        # removed in 1.5-1.8 (present in 1.4.9, absent in 1.8.6; versions from the CHANGELOG)
        _r("hpus", "1.8.0", '`accelerator="hpu", devices=N` (1.x only; HPU support later left Lightning)', "1.7.0"),
        _r("checkpoint_callback", "1.7.0", "`enable_checkpointing`", "1.5.0", rename_to="enable_checkpointing"),
        _r(
            "progress_bar_refresh_rate",
            "1.7.0",
            "`callbacks=[TQDMProgressBar(refresh_rate=N)]` (or `enable_progress_bar=False` for 0)",
            "1.5.0",
        ),
        _r("process_position", "1.7.0", "`callbacks=[TQDMProgressBar(process_position=N)]`", "1.5.0"),
        _r(
            "weights_summary",
            "1.7.0",
            "`callbacks=[ModelSummary(max_depth=...)]` (or `enable_model_summary=False` for None)",
            "1.5.0",
        ),
        _r(
            "flush_logs_every_n_steps",
            "1.7.0",
            "the logger's own option, e.g. `CSVLogger(flush_logs_every_n_steps=N)`",
            "1.5.0",
        ),
        _r(
            "terminate_on_nan",
            "1.7.0",
            "`detect_anomaly=True` (different semantics) or a check of the loss in `training_step`",
            "1.5.0",
        ),
        _r("stochastic_weight_avg", "1.7.0", "`callbacks=[StochasticWeightAveraging(swa_lrs=...)]`", "1.5.0"),
        _r(
            "prepare_data_per_node",
            "1.7.0",
            "the `prepare_data_per_node` attribute of the LightningModule or LightningDataModule",
            "1.5.0",
        ),
        _r("log_gpu_memory", "1.7.0", "`callbacks=[DeviceStatsMonitor()]`", "1.5.0"),
        _r(
            "truncated_bptt_steps",
            "1.7.0",
            "the LightningModule attribute in 1.x; Lightning 2 has no TBPTT: implement it with manual optimization",
            "1.5.0",
        ),
        _r("weights_save_path", "1.8.0", "`ModelCheckpoint(dirpath=...)`", "1.6.0"),
        _r("reload_dataloaders_every_epoch", "1.6.0", "`reload_dataloaders_every_n_epochs=1`", "1.4.0"),
        _r("distributed_backend", "1.5.0", "`strategy=...` (with `accelerator=...`)", "1.3.0", rename_to="strategy"),
        # 0.x names
        _r("row_log_interval", "1.0.0", "`log_every_n_steps`", rename_to="log_every_n_steps"),
        _r("log_save_interval", "1.0.0", "the logger's flush option (the Trainer option was removed)"),
        _r("overfit_pct", "1.0.0", "`overfit_batches`", rename_to="overfit_batches"),
        _r("train_percent_check", "1.0.0", "`limit_train_batches`", rename_to="limit_train_batches"),
        _r("val_percent_check", "1.0.0", "`limit_val_batches`", rename_to="limit_val_batches"),
        _r("test_percent_check", "1.0.0", "`limit_test_batches`", rename_to="limit_test_batches"),
        _r("early_stop_callback", "1.0.0", "`callbacks=[EarlyStopping(monitor=...)]`"),
        _r("default_save_path", "1.0.0", "`default_root_dir`", rename_to="default_root_dir"),
        _r("max_nb_epochs", "1.0.0", "`max_epochs`", rename_to="max_epochs"),
        _r("min_nb_epochs", "1.0.0", "`min_epochs`", rename_to="min_epochs"),
        _r("nb_sanity_val_steps", "1.0.0", "`num_sanity_val_steps`", rename_to="num_sanity_val_steps"),
        _r("nb_gpu_nodes", "1.0.0", "`num_nodes`", rename_to="num_nodes"),
        _r("gradient_clip", "1.0.0", "`gradient_clip_val`", rename_to="gradient_clip_val"),
        _r("add_row_log_interval", "1.0.0", "`log_every_n_steps`", rename_to="log_every_n_steps"),
        _r("show_progress_bar", "1.0.0", "`enable_progress_bar`", rename_to="enable_progress_bar"),
        _r("use_amp", "1.0.0", '`precision="16-mixed"`'),
        _r("print_nan_grads", "1.0.0", "nothing: the option was removed"),
    )
}


# -- callbacks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackInfo:
    name: str
    module: str  # where it lives under lightning.pytorch.callbacks
    params: Dict[str, Param]
    var_kwargs: bool = False  # accepts **kwargs (ModelSummary, ThroughputMonitor, ...)
    removed_params: Dict[str, RemovedArg] = field(default_factory=dict)
    added_in: str = "1.0.0"


def _cb(
    name: str,
    module: str,
    params: Tuple[Param, ...],
    var_kwargs: bool = False,
    removed: Tuple[RemovedArg, ...] = (),
    added_in: str = "1.0.0",
) -> CallbackInfo:
    return CallbackInfo(name, module, {p.name: p for p in params}, var_kwargs, {r.name: r for r in removed}, added_in)


CALLBACK_LIST: Tuple[CallbackInfo, ...] = (
    _cb(
        "ModelCheckpoint",
        "model_checkpoint",
        (
            _p("dirpath", None, "str|null", "Folder for the checkpoints (default: the logger's folder)."),
            _p("filename", None, "str|null", 'Checkpoint file name template, e.g. "{epoch}-{val_loss:.2f}".'),
            _p("monitor", None, "str|null", "Logged metric that ranks checkpoints; None keeps the latest."),
            _p("verbose", False, "bool", "Print a message for each save."),
            _p("save_last", None, "bool|str|null", 'Also write last.ckpt (True) or a symlink to the latest ("link").'),
            _p("save_top_k", 1, "int", "Keep the k best checkpoints; -1 keeps all, 0 none."),
            _p("save_on_exception", False, "bool", "Save a checkpoint when training raises.", added_in="2.5.3"),
            _p("save_weights_only", False, "bool", "Save only the weights (such checkpoints cannot resume training)."),
            _p(
                "mode",
                "min",
                "str",
                "Whether a lower (min) or higher (max) monitored value is better.",
                choices=("min", "max"),
            ),
            _p("auto_insert_metric_name", True, "bool", "Insert metric names into the file name."),
            _p("every_n_train_steps", None, "int|null", "Save every n optimizer steps (mid-epoch)."),
            _p("train_time_interval", None, "object|null", "Save after this much training time (a timedelta)."),
            _p("every_n_epochs", None, "int|null", "Save every n epochs."),
            _p(
                "save_on_train_epoch_end",
                None,
                "bool|null",
                "Save at the end of the training epoch instead of after validation.",
            ),
            _p("enable_version_counter", True, "bool", "Append -v1, -v2 to clashing file names.", added_in="2.1.0"),
        ),
        removed=(
            _r("period", "1.5.0", "`every_n_epochs`", "1.3.0", rename_to="every_n_epochs"),
            _r("every_n_val_epochs", "1.6.0", "`every_n_epochs`", "1.4.0", rename_to="every_n_epochs"),
            _r("prefix", "1.4.0", "the `filename` template", "1.1.0"),
        ),
    ),
    _cb(
        "EarlyStopping",
        "early_stopping",
        (
            _p("monitor", None, "str", "Logged metric to watch.", required=True),
            _p("min_delta", 0.0, "float|int", "Smallest change that counts as an improvement."),
            _p("patience", 3, "int", "Checks without improvement before stopping (checks, not epochs)."),
            _p("verbose", False, "bool", "Print a message for each check."),
            _p("mode", "min", "str", "Whether a lower (min) or higher (max) value is better.", choices=("min", "max")),
            _p("strict", True, "bool", "Raise when the monitored metric is missing."),
            _p("check_finite", True, "bool", "Stop when the metric becomes NaN or infinite."),
            _p("stopping_threshold", None, "float|int|null", "Stop as soon as the metric reaches this value."),
            _p("divergence_threshold", None, "float|int|null", "Stop as soon as the metric is worse than this value."),
            _p(
                "check_on_train_epoch_end",
                None,
                "bool|null",
                "Check at the end of the training epoch instead of after validation.",
            ),
            _p("log_rank_zero_only", False, "bool", "Log the stopping message on rank 0 only.", added_in="1.8.0"),
        ),
    ),
    _cb(
        "LearningRateMonitor",
        "lr_monitor",
        (
            _p(
                "logging_interval",
                None,
                "str|null",
                "Log every step, every epoch, or at each scheduler's interval (None).",
                choices=("step", "epoch", None),
            ),
            _p("log_momentum", False, "bool", "Also log the momentum."),
            _p("log_weight_decay", False, "bool", "Also log the weight decay.", added_in="2.1.0"),
        ),
    ),
    _cb(
        "Timer",
        "timer",
        (
            _p("duration", None, "str|dict|object|null", 'Stop after this time: "DD:HH:MM:SS", a timedelta or a dict.'),
            _p("interval", "step", "str", "Check the time after every step or every epoch.", choices=("step", "epoch")),
            _p("verbose", True, "bool", "Print when the time is up."),
        ),
    ),
    _cb(
        "StochasticWeightAveraging",
        "stochastic_weight_avg",
        (
            _p(
                "swa_lrs",
                None,
                "float|list",
                "SWA learning rate(s): a positive float or a list of them.",
                required=True,
            ),
            _p("swa_epoch_start", 0.8, "int|float", "Epoch (int) or fraction of max_epochs (float) where SWA starts."),
            _p("annealing_epochs", 10, "int", "Epochs of learning-rate annealing."),
            _p("annealing_strategy", "cos", "str", "cos or linear annealing.", choices=("cos", "linear")),
            _p("avg_fn", None, "object|null", "Custom averaging function."),
            _p("device", "cpu", "str|object|null", "Device for the averaged model."),
        ),
    ),
    _cb(
        "GradientAccumulationScheduler",
        "gradient_accumulation_scheduler",
        (_p("scheduling", None, "dict", "Epoch -> accumulation factor.", required=True),),
    ),
    _cb(
        "TQDMProgressBar",
        "progress.tqdm_progress",
        (
            _p("refresh_rate", 1, "int", "Update the bar every n batches; 0 disables it."),
            _p("process_position", 0, "int", "Line offset of the bar."),
            _p("leave", False, "bool", "Keep the bar after each epoch.", added_in="2.4.0"),
        ),
        added_in="1.5.0",
    ),
    _cb(
        "RichProgressBar",
        "progress.rich_progress",
        (
            _p("refresh_rate", 100, "int", "Update the bar every n batches."),
            _p("leave", False, "bool", "Keep the bar after each epoch."),
            _p("theme", None, "object", "A RichProgressBarTheme."),
            _p("console_kwargs", None, "dict|null", "Arguments for rich's Console."),
        ),
        added_in="1.5.0",
    ),
    _cb("ProgressBar", "progress.progress_bar", (), added_in="2.0.0"),
    _cb(
        "ModelSummary",
        "model_summary",
        (_p("max_depth", 1, "int", "Depth of layer nesting to show; -1 shows all."),),
        var_kwargs=True,
        added_in="1.5.0",
    ),
    _cb(
        "RichModelSummary",
        "rich_model_summary",
        (_p("max_depth", 1, "int", "Depth of layer nesting to show; -1 shows all."),),
        var_kwargs=True,
        added_in="1.5.0",
    ),
    _cb(
        "DeviceStatsMonitor",
        "device_stats_monitor",
        (_p("cpu_stats", None, "bool|null", "Also log CPU statistics."),),
        added_in="1.5.0",
    ),
    _cb(
        "BatchSizeFinder",
        "batch_size_finder",
        (
            _p("mode", "power", "str", "power or binsearch.", choices=("power", "binsearch")),
            _p("steps_per_trial", 3, "int", "Steps per trial batch size."),
            _p("init_val", 2, "int", "First batch size to try."),
            _p("max_trials", 25, "int", "Most batch sizes to try."),
            _p("batch_arg_name", "batch_size", "str", "Attribute that holds the batch size."),
            _p("margin", 0.05, "float", "Safety margin for binsearch.", added_in="2.6.0"),
            _p("max_val", 8192, "int", "Largest batch size to try.", added_in="2.6.0"),
        ),
        added_in="1.8.0",
    ),
    _cb(
        "LearningRateFinder",
        "lr_finder",
        (
            _p("min_lr", 1e-08, "float", "Smallest learning rate to try."),
            _p("max_lr", 1, "float|int", "Largest learning rate to try."),
            _p("num_training_steps", 100, "int", "Steps to run."),
            _p("mode", "exponential", "str", "exponential or linear.", choices=("linear", "exponential")),
            _p("early_stop_threshold", 4.0, "float|null", "Stop when the loss exceeds this multiple of the best."),
            _p("update_attr", True, "bool", "Set the found learning rate on the model."),
            _p("attr_name", "", "str", "Attribute that holds the learning rate.", added_in="2.0.0"),
        ),
        added_in="1.8.0",
    ),
    _cb(
        "OnExceptionCheckpoint",
        "on_exception_checkpoint",
        (
            _p("dirpath", None, "str", "Folder for the checkpoint.", required=True),
            _p("filename", "on_exception", "str", "File name of the checkpoint."),
        ),
        added_in="2.0.0",
    ),
    _cb(
        "BasePredictionWriter",
        "prediction_writer",
        (
            _p(
                "write_interval",
                "batch",
                "str",
                "batch, epoch or batch_and_epoch.",
                choices=("batch", "epoch", "batch_and_epoch"),
            ),
        ),
    ),
    _cb(
        "ModelPruning",
        "pruning",
        (
            _p("pruning_fn", None, "str|object", "Pruning function or its name.", required=True),
            _p("parameters_to_prune", (), "list", "(module, name) pairs to prune."),
            _p("parameter_names", None, "list|null", "Parameter names to prune (weight, bias)."),
            _p("use_global_unstructured", True, "bool", "Prune globally."),
            _p("amount", 0.5, "int|float|object", "Amount to prune."),
            _p("apply_pruning", True, "bool|object", "Whether to prune in this epoch."),
            _p("make_pruning_permanent", True, "bool", "Make pruning permanent at the end of training."),
            _p("use_lottery_ticket_hypothesis", True, "bool|object", "Reset the remaining weights."),
            _p("resample_parameters", False, "bool", "Resample the reset weights."),
            _p("pruning_dim", None, "int|null", "Dimension for structured pruning."),
            _p("pruning_norm", None, "int|null", "Norm for ln_structured pruning."),
            _p("verbose", 0, "int", "0, 1 or 2.", choices=(0, 1, 2)),
            _p("prune_on_train_epoch_end", True, "bool", "Prune at the end of the training epoch."),
        ),
    ),
    _cb(
        "BackboneFinetuning",
        "finetuning",
        (
            _p("unfreeze_backbone_at_epoch", 10, "int", "Epoch at which to unfreeze the backbone."),
            _p("lambda_func", None, "object", "Learning-rate multiplier function."),
            _p("backbone_initial_ratio_lr", 0.1, "float", "Initial backbone learning-rate ratio."),
            _p("backbone_initial_lr", None, "float|null", "Initial backbone learning rate."),
            _p("should_align", True, "bool", "Align the backbone learning rate with the head."),
            _p("initial_denom_lr", 10.0, "float", "Denominator for the initial learning rate."),
            _p("train_bn", True, "bool", "Train batch-norm layers."),
            _p("verbose", False, "bool", "Print learning rates."),
            _p("rounding", 12, "int", "Decimals for printed learning rates."),
        ),
    ),
    _cb("LambdaCallback", "lambda_function", (), var_kwargs=True),
    _cb(
        "ThroughputMonitor",
        "throughput_monitor",
        (
            _p("batch_size_fn", None, "object", "Function returning a batch's size.", required=True),
            _p("length_fn", None, "object|null", "Function returning a batch's length."),
        ),
        var_kwargs=True,
        added_in="2.2.0",
    ),
    _cb(
        "WeightAveraging",
        "weight_averaging",
        (
            _p("device", None, "int|str|object|null", "Device for the averaged model."),
            _p("use_buffers", True, "bool", "Also average buffers."),
        ),
        var_kwargs=True,
        added_in="2.6.0",
    ),
    _cb(
        "EMAWeightAveraging",
        "weight_averaging",
        (
            _p("device", None, "int|str|object|null", "Device for the averaged model."),
            _p("use_buffers", True, "bool", "Also average buffers."),
            _p("decay", 0.999, "float", "EMA decay."),
            _p("update_every_n_steps", 1, "int", "Update the average every n steps."),
            _p("update_starting_at_step", None, "int|null", "First step to average."),
            _p("update_starting_at_epoch", None, "int|null", "First epoch to average."),
        ),
        var_kwargs=True,
        added_in="2.6.0",
    ),
    _cb(
        "SpikeDetection",
        "spike",
        (
            _p("mode", "min", "str", "Whether lower (min) or higher (max) loss is better.", choices=("min", "max")),
            _p("window", 10, "int", "Window of losses to compare with."),
            _p("warmup", 1, "int", "Steps before detection starts."),
            _p("atol", None, "float|null", "Absolute tolerance."),
            _p("rtol", 2.0, "float|null", "Relative tolerance."),
            _p("exclude_batches_path", None, "str|null", "File that lists excluded batches."),
            _p("finite_only", True, "bool", "Only consider finite losses."),
        ),
        added_in="2.1.0",
    ),
)

CALLBACKS: Dict[str, CallbackInfo] = {c.name: c for c in CALLBACK_LIST}

# Callbacks that are progress bars / stateful / need a logger (used by several rules).
PROGRESS_BARS: FrozenSet[str] = frozenset({"TQDMProgressBar", "RichProgressBar", "ProgressBar"})
CHECKPOINT_CALLBACKS: FrozenSet[str] = frozenset({"ModelCheckpoint", "OnExceptionCheckpoint"})


def callback_default(kind: str, name: str) -> Any:
    info = CALLBACKS.get(kind)
    if info is None or name not in info.params:
        return None
    return info.params[name].default


# -- annotations, for the JSON Schema of LightningCLI configs ------------------------------
# The parameters' type annotations in Lightning 2.6.6, written as type expressions: builtin
# names, None, typing forms (Union, Optional, Literal, list, dict, tuple, Sequence, Iterable,
# Callable, Any) and bare class names. `lightning-lint schema` turns them into JSON Schema;
# tests/test_lightning_data.py compares them with `typing.get_type_hints` of the installed
# release, so they cannot drift from Lightning.

TRAINER_TYPES: Dict[str, str] = {
    "accelerator": "Union[str, Accelerator]",
    "strategy": "Union[str, Strategy]",
    "devices": "Union[list[int], str, int]",
    "num_nodes": "int",
    "precision": "Optional[Literal[64, 32, 16, 'transformer-engine', 'transformer-engine-float16', '16-true', "
    "'16-mixed', 'bf16-true', 'bf16-mixed', '32-true', '64-true', '64', '32', '16', 'bf16']]",
    "logger": "Union[Logger, Iterable[Logger], bool, None]",
    "callbacks": "Union[list[Callback], Callback, None]",
    "fast_dev_run": "Union[int, bool]",
    "max_epochs": "Optional[int]",
    "min_epochs": "Optional[int]",
    "max_steps": "int",
    "min_steps": "Optional[int]",
    "max_time": "Union[str, timedelta, dict[str, int], None]",
    "limit_train_batches": "Union[float, int, None]",
    "limit_val_batches": "Union[float, int, None]",
    "limit_test_batches": "Union[float, int, None]",
    "limit_predict_batches": "Union[float, int, None]",
    "overfit_batches": "Union[int, float]",
    "val_check_interval": "Union[int, float, str, timedelta, dict[str, int], None]",
    "check_val_every_n_epoch": "Optional[int]",
    "num_sanity_val_steps": "Optional[int]",
    "log_every_n_steps": "Optional[int]",
    "enable_checkpointing": "Optional[bool]",
    "enable_progress_bar": "Optional[bool]",
    "enable_model_summary": "Optional[bool]",
    "accumulate_grad_batches": "int",
    "gradient_clip_val": "Union[float, int, None]",
    "gradient_clip_algorithm": "Optional[str]",
    "deterministic": "Union[Literal['warn'], bool, None]",
    "benchmark": "Optional[bool]",
    "inference_mode": "bool",
    "use_distributed_sampler": "bool",
    "profiler": "Union[Profiler, str, None]",
    "detect_anomaly": "bool",
    "barebones": "bool",
    "plugins": "Union[Precision, ClusterEnvironment, CheckpointIO, LayerSync, "
    "list[Union[Precision, ClusterEnvironment, CheckpointIO, LayerSync]], None]",
    "sync_batchnorm": "bool",
    "reload_dataloaders_every_n_epochs": "int",
    "default_root_dir": "Union[str, Path, None]",
    "enable_autolog_hparams": "bool",
    "model_registry": "Optional[str]",
}

CALLBACK_TYPES: Dict[str, Dict[str, str]] = {
    "ModelCheckpoint": {
        "dirpath": "Union[str, Path, None]",
        "filename": "Optional[str]",
        "monitor": "Optional[str]",
        "verbose": "bool",
        "save_last": "Union[Literal['link'], bool, None]",
        "save_top_k": "int",
        "save_on_exception": "bool",
        "save_weights_only": "bool",
        "mode": "str",
        "auto_insert_metric_name": "bool",
        "every_n_train_steps": "Optional[int]",
        "train_time_interval": "Optional[timedelta]",
        "every_n_epochs": "Optional[int]",
        "save_on_train_epoch_end": "Optional[bool]",
        "enable_version_counter": "bool",
    },
    "EarlyStopping": {
        "monitor": "str",
        "min_delta": "float",
        "patience": "int",
        "verbose": "bool",
        "mode": "str",
        "strict": "bool",
        "check_finite": "bool",
        "stopping_threshold": "Optional[float]",
        "divergence_threshold": "Optional[float]",
        "check_on_train_epoch_end": "Optional[bool]",
        "log_rank_zero_only": "bool",
    },
    "LearningRateMonitor": {
        "logging_interval": "Optional[Literal['step', 'epoch']]",
        "log_momentum": "bool",
        "log_weight_decay": "bool",
    },
    "Timer": {"duration": "Union[str, timedelta, dict[str, int], None]", "interval": "str", "verbose": "bool"},
    "StochasticWeightAveraging": {
        "swa_lrs": "Union[float, list[float]]",
        "swa_epoch_start": "Union[int, float]",
        "annealing_epochs": "int",
        "annealing_strategy": "Literal['cos', 'linear']",
        "avg_fn": "Optional[Callable]",
        "device": "Union[device, str, None]",
    },
    "GradientAccumulationScheduler": {"scheduling": "dict[int, int]"},
    "TQDMProgressBar": {"refresh_rate": "int", "process_position": "int", "leave": "bool"},
    "RichProgressBar": {
        "refresh_rate": "int",
        "leave": "bool",
        "theme": "RichProgressBarTheme",
        "console_kwargs": "Optional[dict[str, Any]]",
    },
    "ProgressBar": {},
    "ModelSummary": {"max_depth": "int"},
    "RichModelSummary": {"max_depth": "int"},
    "DeviceStatsMonitor": {"cpu_stats": "Optional[bool]"},
    "BatchSizeFinder": {
        "mode": "str",
        "steps_per_trial": "int",
        "init_val": "int",
        "max_trials": "int",
        "batch_arg_name": "str",
        "margin": "float",
        "max_val": "int",
    },
    "LearningRateFinder": {
        "min_lr": "float",
        "max_lr": "float",
        "num_training_steps": "int",
        "mode": "str",
        "early_stop_threshold": "Optional[float]",
        "update_attr": "bool",
        "attr_name": "str",
    },
    "OnExceptionCheckpoint": {"dirpath": "Union[str, Path]", "filename": "str"},
    "BasePredictionWriter": {"write_interval": "Literal['batch', 'epoch', 'batch_and_epoch']"},
    "ModelPruning": {
        "pruning_fn": "Union[Callable, str]",
        "parameters_to_prune": "Sequence[tuple[Module, str]]",
        "parameter_names": "Optional[list[str]]",
        "use_global_unstructured": "bool",
        "amount": "Union[int, float, Callable]",
        "apply_pruning": "Union[bool, Callable]",
        "make_pruning_permanent": "bool",
        "use_lottery_ticket_hypothesis": "Union[bool, Callable]",
        "resample_parameters": "bool",
        "pruning_dim": "Optional[int]",
        "pruning_norm": "Optional[int]",
        "verbose": "int",
        "prune_on_train_epoch_end": "bool",
    },
    "BackboneFinetuning": {
        "unfreeze_backbone_at_epoch": "int",
        "lambda_func": "Callable",
        "backbone_initial_ratio_lr": "float",
        "backbone_initial_lr": "Optional[float]",
        "should_align": "bool",
        "initial_denom_lr": "float",
        "train_bn": "bool",
        "verbose": "bool",
        "rounding": "int",
    },
    "LambdaCallback": {},
    "ThroughputMonitor": {"batch_size_fn": "Callable", "length_fn": "Optional[Callable]"},
    "WeightAveraging": {"device": "Union[device, str, int, None]", "use_buffers": "bool"},
    "EMAWeightAveraging": {
        "device": "Union[device, str, int, None]",
        "use_buffers": "bool",
        "decay": "float",
        "update_every_n_steps": "int",
        "update_starting_at_step": "Optional[int]",
        "update_starting_at_epoch": "Optional[int]",
    },
    "SpikeDetection": {
        "mode": "Literal['min', 'max']",
        "window": "int",
        "warmup": "int",
        "atol": "Optional[float]",
        "rtol": "Optional[float]",
        "exclude_batches_path": "Union[str, Path, None]",
        "finite_only": "bool",
    },
}

# Classes that jsonargparse reads as a mapping of their fields (dataclasses), not as
# class_path/init_args: field -> annotation.
DATACLASS_TYPES: Dict[str, Dict[str, str]] = {
    "RichProgressBarTheme": {
        "description": "Union[str, Style]",
        "progress_bar": "Union[str, Style]",
        "progress_bar_finished": "Union[str, Style]",
        "progress_bar_pulse": "Union[str, Style]",
        "batch_progress": "Union[str, Style]",
        "time": "Union[str, Style]",
        "processing_speed": "Union[str, Style]",
        "metrics": "Union[str, Style]",
        "metrics_text_delimiter": "str",
        "metrics_format": "str",
    },
}

# String choices that Lightning lowercases before checking (`profiler: Simple` works), as
# "Owner.parameter"; every other choice is case-sensitive.
CHOICES_IGNORE_CASE: FrozenSet[str] = frozenset(
    {
        "Trainer.gradient_clip_algorithm",
        "Trainer.profiler",
        "BatchSizeFinder.mode",
        "LearningRateFinder.mode",
    }
)
# Trainer arguments whose names come from a registry that other packages extend (the
# lightning-habana package registers "hpu"): the known names are suggestions, not a closed set.
REGISTRY_ARGS: FrozenSet[str] = frozenset({"accelerator", "strategy"})


# -- LightningCLI ---------------------------------------------------------------------------

# The LightningCLI argument besides the classes' own (LightningCLI(seed_everything_default=...)).
CLI_SEED_EVERYTHING = _p(
    "seed_everything",
    True,
    "bool|int",
    "Seed every random generator with this int; True picks a random seed (and records it), False does not seed.",
)
CLI_SEED_EVERYTHING_TYPE = "Union[bool, int]"

# The arguments of Trainer.fit/validate/test/predict that a LightningCLI subcommand reads from
# the config (LightningCLI supplies the model, datamodule and dataloaders itself).
_CKPT_PATH = _p(
    "ckpt_path",
    None,
    "str|null",
    "Checkpoint to resume from (fit) or to load (validate, test, "
    'predict): a path, or "last", "best", "hpc" or "registry".',
)
_WEIGHTS_ONLY = _p(
    "weights_only",
    None,
    "bool|null",
    "Load the checkpoint with torch.load(weights_only=...): True "
    "allows only plain tensors and containers; None keeps torch's default.",
    added_in="2.6.0",
)
_VERBOSE = _p("verbose", True, "bool", "Print the metrics at the end.")
_RETURN_PREDICTIONS = _p(
    "return_predictions",
    None,
    "bool|null",
    "Keep the predictions and return them (default: True unless a spawn-based strategy is used).",
)
SUBCOMMAND_PARAMS: Dict[str, Tuple[Param, ...]] = {
    "fit": (_CKPT_PATH, _WEIGHTS_ONLY),
    "validate": (_CKPT_PATH, _VERBOSE, _WEIGHTS_ONLY),
    "test": (_CKPT_PATH, _VERBOSE, _WEIGHTS_ONLY),
    "predict": (_RETURN_PREDICTIONS, _CKPT_PATH, _WEIGHTS_ONLY),
}
SUBCOMMAND_TYPES: Dict[str, str] = {
    "ckpt_path": "Union[str, Path, None]",
    "weights_only": "Optional[bool]",
    "verbose": "bool",
    "return_predictions": "Optional[bool]",
}


@dataclass(frozen=True)
class TypeExpr:
    """A parsed annotation: ``name`` is a builtin (int, str, ...), None, a typing form (Union,
    Literal, list, dict, tuple, Sequence, Iterable, Callable, Any) or a class name; ``args``
    are TypeExprs, or a Literal's values. ``Optional[X]`` reads as ``Union[X, None]``."""

    name: str
    args: Tuple[Any, ...] = ()


def parse_type(text: str) -> TypeExpr:
    import ast

    def convert(node: "ast.expr") -> TypeExpr:
        if isinstance(node, ast.Constant) and node.value is None:
            return TypeExpr("None")
        if isinstance(node, ast.Name):
            return TypeExpr(node.id)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            form = node.value.id
            if form == "Literal":
                return TypeExpr("Literal", tuple(ast.literal_eval(e) for e in elements))
            args = tuple(convert(e) for e in elements)
            if form == "Optional":
                return TypeExpr("Union", args + (TypeExpr("None"),))
            return TypeExpr(form, args)
        raise ValueError(f"unsupported type expression: {ast.unparse(node)}")

    return convert(ast.parse(text, mode="eval").body)


# -- loaders --------------------------------------------------------------------------------

LOADER_DEFAULTS: Dict[str, Any] = {
    "batch_size": 1,
    "shuffle": None,
    "sampler": None,
    "batch_sampler": None,
    "num_workers": 0,
    "pin_memory": False,
    "drop_last": False,
    "persistent_workers": False,
}

# Loaders that keep their position in a checkpoint (state_dict / load_state_dict).
STATEFUL_LOADERS: FrozenSet[str] = frozenset({"StatefulDataLoader", "StreamingDataLoader"})


# -- strategies, accelerators, precision ----------------------------------------------------

# StrategyRegistry.available_strategies() in 2.6.6, plus "auto" (matched case-insensitively).
STRATEGIES: FrozenSet[str] = frozenset(
    {
        "auto",
        "ddp",
        "ddp_find_unused_parameters_false",
        "ddp_find_unused_parameters_true",
        "ddp_fork",
        "ddp_fork_find_unused_parameters_false",
        "ddp_fork_find_unused_parameters_true",
        "ddp_notebook",
        "ddp_notebook_find_unused_parameters_false",
        "ddp_notebook_find_unused_parameters_true",
        "ddp_spawn",
        "ddp_spawn_find_unused_parameters_false",
        "ddp_spawn_find_unused_parameters_true",
        "deepspeed",
        "deepspeed_stage_1",
        "deepspeed_stage_2",
        "deepspeed_stage_2_offload",
        "deepspeed_stage_3",
        "deepspeed_stage_3_offload",
        "deepspeed_stage_3_offload_nvme",
        "fsdp",
        "fsdp_cpu_offload",
        "single_device",
        "single_tpu",
        "single_xla",
        "xla",
        "xla_debug",
    }
)

# StrategyRegistry.available_strategies() in pytorch-lightning 1.9.5.
STRATEGIES_1_9: FrozenSet[str] = frozenset(
    {
        "auto",
        "bagua",
        "colossalai",
        "ddp",
        "ddp_find_unused_parameters_false",
        "ddp_fork",
        "ddp_fork_find_unused_parameters_false",
        "ddp_fully_sharded",
        "ddp_notebook",
        "ddp_notebook_find_unused_parameters_false",
        "ddp_sharded",
        "ddp_sharded_find_unused_parameters_false",
        "ddp_sharded_spawn",
        "ddp_sharded_spawn_find_unused_parameters_false",
        "ddp_spawn",
        "ddp_spawn_find_unused_parameters_false",
        "deepspeed",
        "deepspeed_stage_1",
        "deepspeed_stage_2",
        "deepspeed_stage_2_offload",
        "deepspeed_stage_3",
        "deepspeed_stage_3_offload",
        "deepspeed_stage_3_offload_nvme",
        "dp",
        "fsdp",
        "fsdp_native",
        "fsdp_native_full_shard_offload",
        "horovod",
        "hpu_parallel",
        "hpu_single",
        "ipu_strategy",
        "single_device",
        "single_tpu",
        "tpu_spawn",
        "tpu_spawn_debug",
    }
)

# Strategy names that worked in 1.x and what to write in 2.x.
REMOVED_STRATEGIES: Dict[str, str] = {
    "dp": "ddp",
    "ddp2": "ddp",
    "ddp_cpu": "ddp",  # with accelerator="cpu"
    "horovod": "ddp",
    "ddp_sharded": "fsdp",
    "ddp_sharded_spawn": "fsdp",
    "ddp_sharded_find_unused_parameters_false": "fsdp",
    "ddp_sharded_spawn_find_unused_parameters_false": "fsdp",
    "ddp_fully_sharded": "fsdp",
    "fsdp_native": "fsdp",
    "fsdp_native_full_shard_offload": "fsdp_cpu_offload",
    "tpu_spawn": "xla",
    "tpu_spawn_debug": "xla_debug",
    "bagua": "ddp",
    "colossalai": "fsdp",
    "hpu_parallel": "",
    "hpu_single": "",
    "ipu_strategy": "",
    "ipu": "",
}

# Accelerator names (case-sensitive in Lightning) and the aliases "auto" and "gpu".
ACCELERATORS: FrozenSet[str] = frozenset({"auto", "cpu", "cuda", "gpu", "mps", "tpu"})
ACCELERATORS_1_9: FrozenSet[str] = frozenset({"auto", "cpu", "cuda", "gpu", "mps", "tpu", "hpu", "ipu"})

# precision: Literal values of _PRECISION_INPUT in lightning.fabric 2.6.6.
PRECISIONS: FrozenSet[Any] = frozenset(
    {
        "transformer-engine",
        "transformer-engine-float16",
        "16-true",
        "16-mixed",
        "bf16-true",
        "bf16-mixed",
        "32-true",
        "64-true",
        64,
        32,
        16,
        "64",
        "32",
        "16",
        "bf16",
    }
)
PRECISIONS_1_9: FrozenSet[Any] = frozenset({64, 32, 16, "64", "32", "16", "bf16"})

# Accepted for historical reasons; the modern spelling that means the same.
LEGACY_PRECISIONS: Dict[Any, str] = {
    16: "16-mixed",
    "16": "16-mixed",
    "bf16": "bf16-mixed",
    32: "32-true",
    "32": "32-true",
    64: "64-true",
    "64": "64-true",
}
# Of those, the ones Lightning warns about (the others are mapped silently).
WARNED_LEGACY_PRECISIONS: FrozenSet[Any] = frozenset({16, "16", "bf16"})

PROFILERS: FrozenSet[str] = frozenset({"simple", "advanced", "pytorch", "xla"})

# String choices that Lightning lower-cases before checking them (the others are
# case-sensitive): (owner, argument), owner "Trainer" or a callback class.
CASE_INSENSITIVE_CHOICES: FrozenSet[Tuple[str, str]] = frozenset(
    {
        ("Trainer", "profiler"),
        ("Trainer", "gradient_clip_algorithm"),
        ("BatchSizeFinder", "mode"),
        ("LearningRateFinder", "mode"),
    }
)

# Strategy families, for the accelerator checks (accelerator_connector.py): the FSDP
# strategies need CUDA, DeepSpeed needs CUDA, XLA needs a TPU, and the DDP family (any
# name containing "ddp", DeepSpeed, any ParallelStrategy) cannot run on MPS.
FSDP_STRATEGY_NAMES: FrozenSet[str] = frozenset({"fsdp", "fsdp_cpu_offload"})
XLA_STRATEGY_NAMES: FrozenSet[str] = frozenset({"xla", "xla_debug", "single_xla", "single_tpu"})

# Strategy classes of lightning.pytorch.strategies and their family; ``parallel`` marks
# the ParallelStrategy subclasses.
STRATEGY_CLASSES: Dict[str, Tuple[str, bool]] = {
    "DDPStrategy": ("ddp", True),
    "FSDPStrategy": ("fsdp", True),
    "DeepSpeedStrategy": ("deepspeed", True),
    "XLAStrategy": ("xla", True),
    "SingleDeviceXLAStrategy": ("xla", False),
    "ModelParallelStrategy": ("model_parallel", True),
    "SingleDeviceStrategy": ("single_device", False),
}


def strategy_family(name: str) -> Optional[str]:
    """The family of a registered strategy name (case-insensitive, as Lightning reads it):
    fsdp, deepspeed, xla, ddp or single_device; None for "auto" and unknown names."""
    name = name.lower()
    if name in FSDP_STRATEGY_NAMES:
        return "fsdp"
    if name in XLA_STRATEGY_NAMES:
        return "xla"
    if name not in STRATEGIES or name == "auto":
        return None
    if name.startswith("deepspeed"):
        return "deepspeed"
    if "ddp" in name:
        return "ddp"
    return "single_device" if name == "single_device" else None


# Plugin classes of lightning.pytorch.plugins by the kind Lightning counts them as
# (accelerator_connector.py: at most one of each kind; a Precision plugin excludes
# `precision=`). The *Plugin names are the deprecated 2.0 aliases that still import.
PLUGIN_KINDS: Dict[str, str] = {
    **dict.fromkeys(
        (
            "Precision",
            "MixedPrecision",
            "HalfPrecision",
            "DoublePrecision",
            "BitsandbytesPrecision",
            "TransformerEnginePrecision",
            "FSDPPrecision",
            "DeepSpeedPrecision",
            "XLAPrecision",
            "PrecisionPlugin",
            "MixedPrecisionPlugin",
            "HalfPrecisionPlugin",
            "DoublePrecisionPlugin",
            "BitsandbytesPrecisionPlugin",
            "TransformerEnginePrecisionPlugin",
            "FSDPPrecisionPlugin",
            "FSDPMixedPrecisionPlugin",
            "DeepSpeedPrecisionPlugin",
            "XLAPrecisionPlugin",
            "TPUPrecisionPlugin",
            "TPUBf16PrecisionPlugin",
            "XLABf16PrecisionPlugin",
        ),
        "Precision",
    ),
    **dict.fromkeys(("CheckpointIO", "TorchCheckpointIO", "AsyncCheckpointIO", "XLACheckpointIO"), "CheckpointIO"),
    **dict.fromkeys(
        (
            "ClusterEnvironment",
            "LightningEnvironment",
            "SLURMEnvironment",
            "TorchElasticEnvironment",
            "KubeflowEnvironment",
            "LSFEnvironment",
            "MPIEnvironment",
            "XLAEnvironment",
        ),
        "ClusterEnvironment",
    ),
    **dict.fromkeys(("LayerSync", "TorchSyncBatchNorm"), "LayerSync"),
}


def lightning_class(qualname: str, bare_names: bool) -> Optional[str]:
    """The class name of a Lightning class written as ``qualname`` (a resolved Python
    import path, a LightningCLI ``class_path`` or a Hydra ``_target_``); None when it is
    not under a Lightning package. ``bare_names``: accept a name without a module, as
    LightningCLI resolves subclasses by their class name."""
    if "." not in qualname:
        return qualname if bare_names else None
    if any(qualname.startswith(root + ".") for root in LIGHTNING_ROOTS):
        return qualname.rsplit(".", 1)[-1]
    return None


# -- removed APIs (LL303) -------------------------------------------------------------------


@dataclass(frozen=True)
class RemovedApi:
    name: str  # what the user wrote, canonical: "Trainer.from_argparse_args", "hook:training_epoch_end"
    removed_in: str
    replacement: str
    raises: bool  # Lightning raises (True) or silently ignores it (False)


REMOVED_APIS: Dict[str, RemovedApi] = {
    a.name: a
    for a in (
        RemovedApi(
            "Trainer.from_argparse_args",
            "2.0.0",
            "`LightningCLI`, or `Trainer(**vars(args))` with your own argparse arguments",
            True,
        ),
        RemovedApi(
            "Trainer.add_argparse_args",
            "2.0.0",
            "`LightningCLI`, or add the arguments you need to your own `ArgumentParser`",
            True,
        ),
        RemovedApi("Trainer.parse_argparser", "2.0.0", "`LightningCLI` or your own `ArgumentParser`", True),
        RemovedApi("Trainer.default_attributes", "2.0.0", "`inspect.signature(Trainer)`", True),
        RemovedApi(
            "Trainer.tune",
            "2.0.0",
            "`Tuner(trainer).lr_find(model)` / `.scale_batch_size(model)` from `lightning.pytorch.tuner`",
            True,
        ),
        RemovedApi(
            "hook:training_epoch_end",
            "2.0.0",
            "`on_train_epoch_end`, keeping the step outputs in an attribute yourself",
            True,
        ),
        RemovedApi(
            "hook:validation_epoch_end",
            "2.0.0",
            "`on_validation_epoch_end`, keeping the step outputs in an attribute yourself",
            True,
        ),
        RemovedApi(
            "hook:test_epoch_end",
            "2.0.0",
            "`on_test_epoch_end`, keeping the step outputs in an attribute yourself",
            True,
        ),
    )
}


# -- import paths ---------------------------------------------------------------------------

# Top-level packages that hold Lightning's PyTorch API.
LIGHTNING_ROOTS = ("lightning.pytorch", "pytorch_lightning", "lightning")

_TRAINER_PATHS = ("Trainer", "trainer.Trainer", "trainer.trainer.Trainer")
_MODULE_PATHS = (
    "LightningModule",
    "core.LightningModule",
    "core.module.LightningModule",
    "core.lightning.LightningModule",
)
_DATAMODULE_PATHS = ("LightningDataModule", "core.LightningDataModule", "core.datamodule.LightningDataModule")
_CLI_PATHS = ("cli.LightningCLI", "utilities.cli.LightningCLI")
_CALLBACK_BASE_PATHS = ("Callback", "callbacks.Callback", "callbacks.callback.Callback")


def canonical_symbol(dotted: str) -> Optional[str]:
    """Map a dotted import path to the Lightning symbol it names, or None.

    ``lightning.pytorch.Trainer``, ``pytorch_lightning.trainer.trainer.Trainer`` and
    ``lightning.Trainer`` all give ``"Trainer"``; callbacks give ``"callbacks.<Name>"``;
    loaders give ``"loader.<Name>"``."""
    loader = LOADER_PATHS.get(dotted)
    if loader:
        return "loader." + loader
    if dotted in FABRIC_PATHS:
        return "Fabric"
    for root in LIGHTNING_ROOTS:
        if dotted == root or not dotted.startswith(root + "."):
            continue
        rest = dotted[len(root) + 1 :]
        if root == "lightning" and rest.startswith("pytorch."):
            continue  # handled by the lightning.pytorch root
        if rest in _TRAINER_PATHS:
            return "Trainer"
        if rest in _MODULE_PATHS:
            return "LightningModule"
        if rest in _DATAMODULE_PATHS:
            return "LightningDataModule"
        if rest in _CLI_PATHS:
            return "LightningCLI"
        if rest in _CALLBACK_BASE_PATHS:
            return "Callback"
        if rest.startswith("callbacks."):
            name = rest.rsplit(".", 1)[-1]
            if name in CALLBACKS or name in REMOVED_CALLBACK_CLASSES:
                return "callbacks." + name
    return None


LOADER_PATHS: Dict[str, str] = {
    "torch.utils.data.DataLoader": "DataLoader",
    "torch.utils.data.dataloader.DataLoader": "DataLoader",
    "torchdata.stateful_dataloader.StatefulDataLoader": "StatefulDataLoader",
    "torchdata.stateful_dataloader.stateful_dataloader.StatefulDataLoader": "StatefulDataLoader",
    "litdata.StreamingDataLoader": "StreamingDataLoader",
    "litdata.streaming.StreamingDataLoader": "StreamingDataLoader",
    "litdata.streaming.dataloader.StreamingDataLoader": "StreamingDataLoader",
}

# Callback classes that earlier releases had, and what replaced them.
REMOVED_CALLBACK_CLASSES: Dict[str, RemovedApi] = {
    a.name: a
    for a in (
        RemovedApi("ProgressBarBase", "2.0.0", "`ProgressBar`", True),
        RemovedApi("GPUStatsMonitor", "1.7.0", "`DeviceStatsMonitor`", True),
        RemovedApi("XLAStatsMonitor", "1.7.0", "`DeviceStatsMonitor`", True),
        RemovedApi("QuantizationAwareTraining", "2.0.0", "PyTorch's own quantization APIs", True),
    )
}


def short_callback_name(class_path: str) -> Optional[str]:
    """The Lightning callback a LightningCLI ``class_path`` or Hydra ``_target_`` names:
    a full path, or a bare class name as LightningCLI accepts."""
    symbol = canonical_symbol(class_path)
    if symbol and symbol.startswith("callbacks."):
        return symbol.split(".", 1)[1]
    if "." not in class_path and (class_path in CALLBACKS or class_path in REMOVED_CALLBACK_CLASSES):
        return class_path
    return None


# -- version-aware views --------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _v(text: str) -> "Version":
    from packaging.version import Version

    return Version(text)


@functools.lru_cache(maxsize=None)  # asked once per Trainer call; the answer depends on the version only
def trainer_args_accepted(version: "Version") -> FrozenSet[str]:
    """The Trainer keyword arguments a release accepts."""
    names = {p.name for p in TRAINER_PARAM_LIST if _v(p.added_in) <= version}
    names |= {r.name for r in REMOVED_TRAINER_ARGS.values() if _v(r.added_in) <= version < _v(r.removed_in)}
    return frozenset(names)


@functools.lru_cache(maxsize=None)
def callback_args_accepted(kind: str, version: "Version") -> FrozenSet[str]:
    info = CALLBACKS[kind]
    names = {p.name for p in info.params.values() if _v(p.added_in) <= version}
    names |= {r.name for r in info.removed_params.values() if _v(r.added_in) <= version < _v(r.removed_in)}
    return frozenset(names)


def strategies_for(version: "Version") -> Optional[FrozenSet[str]]:
    """Registered strategy names of a release (None: not known for releases before 1.9)."""
    if version >= _v("2.0.0"):
        return STRATEGIES
    if version >= _v("1.9.0"):
        return STRATEGIES_1_9
    return None


def accelerators_for(version: "Version") -> FrozenSet[str]:
    return ACCELERATORS if version >= _v("2.0.0") else ACCELERATORS_1_9


def precisions_for(version: "Version") -> FrozenSet[Any]:
    return PRECISIONS if version >= _v("2.0.0") else PRECISIONS_1_9


# -- Lightning Fabric -----------------------------------------------------------------------
# ``Fabric(accelerator, strategy, devices, num_nodes, precision, plugins, callbacks, loggers)``
# in lightning.fabric 2.6.6. Fabric shares the Trainer's accelerator names, precision values
# and devices parsing (lightning/fabric/connector.py) but has its own strategy registry
# and plugin types. tests/test_fabric.py compares these tables with the installed release.

FABRIC_PATHS: FrozenSet[str] = frozenset(
    {
        "lightning.Fabric",
        "lightning.fabric.Fabric",
        "lightning.fabric.fabric.Fabric",
        "lightning_fabric.Fabric",
        "lightning_fabric.fabric.Fabric",
    }
)

FABRIC_DEFAULTS: Dict[str, Any] = {
    "accelerator": "auto",
    "strategy": "auto",
    "devices": "auto",
    "num_nodes": 1,
    "precision": None,
    "plugins": None,
    "callbacks": None,
    "loggers": None,
}

# The annotations of Fabric.__init__, written like TRAINER_TYPES.
FABRIC_TYPES: Dict[str, str] = {
    "accelerator": "Union[str, Accelerator]",
    "strategy": "Union[str, Strategy]",
    "devices": "Union[list[int], str, int]",
    "num_nodes": "int",
    "precision": TRAINER_TYPES["precision"],
    "plugins": "Union[Precision, ClusterEnvironment, CheckpointIO, list[Union[Precision, ClusterEnvironment, "
    "CheckpointIO]], None]",
    "callbacks": "Union[list[Any], Any, None]",
    "loggers": "Union[Logger, list[Logger], None]",
}

# lightning.fabric.strategies.STRATEGY_REGISTRY.available_strategies() in 2.6.6, plus "auto".
# Unlike the Trainer's it still has "dp" and "xla_fsdp", and no *_find_unused_parameters_*.
FABRIC_STRATEGIES: FrozenSet[str] = frozenset(
    {
        "auto",
        "ddp",
        "ddp_find_unused_parameters_true",
        "ddp_fork",
        "ddp_notebook",
        "ddp_spawn",
        "deepspeed",
        "deepspeed_stage_1",
        "deepspeed_stage_1_offload",
        "deepspeed_stage_2",
        "deepspeed_stage_2_offload",
        "deepspeed_stage_3",
        "deepspeed_stage_3_offload",
        "deepspeed_stage_3_offload_nvme",
        "dp",
        "fsdp",
        "fsdp_cpu_offload",
        "single_tpu",
        "single_xla",
        "xla",
        "xla_fsdp",
    }
)

# The plugin classes Fabric accepts, by kind (the Trainer also takes LayerSync).
FABRIC_PLUGIN_KINDS: FrozenSet[str] = frozenset({"precision", "environment", "checkpoint_io"})


def fabric_strategies_for(version: "Version") -> Optional[FrozenSet[str]]:
    """Fabric's registered strategy names; None before 2.0 (``lightning.fabric`` came in 1.9
    as ``lightning_lite``'s successor, and its 1.9 registry is not recorded here)."""
    return FABRIC_STRATEGIES if version >= _v("2.0.0") else None


# -- None where a value is required ---------------------------------------------------------
# Parameters whose annotation admitted None (``Optional[...]``, or a None default) in
# pytorch-lightning 1.9.5's Trainer.__init__, read from the released wheel. For 2.x the
# annotations are TRAINER_TYPES (checked against the installed release).
TRAINER_NULLABLE_1_9: FrozenSet[str] = frozenset(
    {
        "accelerator",
        "accumulate_grad_batches",
        "benchmark",
        "callbacks",
        "check_val_every_n_epoch",
        "default_root_dir",
        "deterministic",
        "devices",
        "gradient_clip_algorithm",
        "gradient_clip_val",
        "limit_predict_batches",
        "limit_test_batches",
        "limit_train_batches",
        "limit_val_batches",
        "max_epochs",
        "max_time",
        "min_epochs",
        "min_steps",
        "plugins",
        "profiler",
        "strategy",
        "val_check_interval",
    }
)


def accepts_none(name: str, version: "Version", fabric: bool = False) -> Optional[bool]:
    """Whether the Trainer's (or Fabric's) signature in ``version`` admits ``None`` for
    ``name``: from the annotation, ``Optional[...]`` or a ``None`` member of a Union. None
    when the linter does not know (an unknown parameter, Fabric before 2.0)."""
    if version < _v("2.0.0"):
        if fabric:
            return None
        return name in TRAINER_NULLABLE_1_9 if name in TRAINER_PARAMS else None
    text = (FABRIC_TYPES if fabric else TRAINER_TYPES).get(name)
    if text is None:
        return None
    return _admits_none(parse_type(text))


def _admits_none(expr: "TypeExpr") -> bool:
    if expr.name == "None":
        return True
    if expr.name in ("Optional", "Any"):
        return True
    if expr.name == "Union":
        return any(_admits_none(arg) for arg in expr.args)
    if expr.name == "Literal":
        return any(arg is None for arg in expr.args)
    return False


# -- the Trainer's run methods by release (fit, validate, test, predict, tune) ----------------
# Read from the tagged sources (src/lightning/pytorch/trainer/trainer.py and its 1.x paths):
# every keyword each release's signature accepts. tests/test_lightning_data.py checks this
# against the installed lightning and, where the Lightning repository is at hand, against the
# signatures of every tag in KNOWN_VERSIONS.


@dataclass(frozen=True)
class MethodParam:
    """A keyword of a Trainer run method. ``rename_to`` is the keyword that replaced it
    (the same value, a safe rename); ``deprecated_in`` the release that started warning."""

    name: str
    added_in: str = "1.0.0"
    removed_in: Optional[str] = None
    deprecated_in: Optional[str] = None
    rename_to: Optional[str] = None


def _m(
    name: str,
    added_in: str = "1.0.0",
    removed_in: Optional[str] = None,
    deprecated_in: Optional[str] = None,
    rename_to: Optional[str] = None,
) -> MethodParam:
    return MethodParam(name, added_in, removed_in, deprecated_in, rename_to)


# method -> (added in, removed in or None)
TRAINER_METHODS: Dict[str, Tuple[str, Optional[str]]] = {
    "fit": ("1.0.0", None),
    "validate": ("1.3.0", None),
    "test": ("1.0.0", None),
    "predict": ("1.2.0", None),
    "tune": ("1.0.0", "2.0.0"),  # the method itself: LL303 (REMOVED_APIS["Trainer.tune"])
}

TRAINER_METHOD_PARAMS: Dict[str, Tuple[MethodParam, ...]] = {
    "fit": (
        _m("model"),
        _m("train_dataloader", removed_in="1.6.0", deprecated_in="1.4.0", rename_to="train_dataloaders"),
        _m("train_dataloaders", "1.4.0"),
        _m("val_dataloaders"),
        _m("datamodule"),
        _m("ckpt_path", "1.5.0"),
        _m("weights_only", "2.6.0"),
    ),
    "validate": (
        _m("model", "1.3.0"),
        _m("val_dataloaders", "1.3.0", removed_in="1.6.0", deprecated_in="1.4.0", rename_to="dataloaders"),
        _m("dataloaders", "1.4.0"),
        _m("ckpt_path", "1.3.0"),
        _m("verbose", "1.3.0"),
        _m("datamodule", "1.3.0"),
        _m("weights_only", "2.6.0"),
    ),
    "test": (
        _m("model"),
        _m("test_dataloaders", removed_in="1.6.0", deprecated_in="1.4.0", rename_to="dataloaders"),
        _m("dataloaders", "1.4.0"),
        _m("ckpt_path"),
        _m("verbose"),
        _m("datamodule"),
        _m("weights_only", "2.6.0"),
    ),
    "predict": (
        _m("model", "1.2.0"),
        _m("dataloaders", "1.2.0"),
        _m("datamodule", "1.2.0"),
        _m("return_predictions", "1.3.0"),
        _m("ckpt_path", "1.4.0"),
        _m("weights_only", "2.6.0"),
    ),
    "tune": (
        _m("model"),
        _m("train_dataloader", removed_in="1.6.0", deprecated_in="1.4.0", rename_to="train_dataloaders"),
        _m("train_dataloaders", "1.4.0", removed_in="2.0.0"),
        _m("val_dataloaders", removed_in="2.0.0"),
        _m("dataloaders", "1.8.0", removed_in="2.0.0"),
        _m("datamodule", removed_in="2.0.0"),
        _m("scale_batch_size_kwargs", "1.3.0", removed_in="2.0.0"),
        _m("lr_find_kwargs", "1.3.0", removed_in="2.0.0"),
        _m("method", "1.8.0", removed_in="2.0.0"),
    ),
}


def method_exists(method: str, version: "Version") -> bool:
    """Whether the Trainer of a release has this run method."""
    span = TRAINER_METHODS.get(method)
    return span is not None and _v(span[0]) <= version and (span[1] is None or version < _v(span[1]))


@functools.lru_cache(maxsize=None)
def method_args_accepted(method: str, version: "Version") -> FrozenSet[str]:
    """The keywords ``Trainer.<method>`` accepts in a release (empty when it has no such method)."""
    if not method_exists(method, version):
        return frozenset()
    return frozenset(
        p.name
        for p in TRAINER_METHOD_PARAMS[method]
        if _v(p.added_in) <= version and (p.removed_in is None or version < _v(p.removed_in))
    )


def method_param(method: str, name: str) -> Optional[MethodParam]:
    return next((p for p in TRAINER_METHOD_PARAMS.get(method, ()) if p.name == name), None)
