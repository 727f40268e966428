"""The child side of ``lightning-lint confirm``: runs inside the user's Python process.

Run as ``python probe.py CONFIG.json`` with the interpreter that runs the user's code. It
must work without lightning-lint installed there, so it imports nothing but the standard
library at start; torch and Lightning are the user's own imports.

What it does:

1. checks that torch and Lightning can be imported (else it says so and exits);
2. installs an import hook that patches ``Trainer.__init__`` and ``Trainer.fit`` of
   ``lightning.pytorch`` and ``pytorch_lightning`` when the user's code imports them, and
   ``hydra.main`` so that a Hydra app writes its run folder into a temporary directory;
3. runs the entry point as ``python script.py ARGS`` / ``python -m module ARGS`` would;
4. at ``Trainer(...)``: records the arguments the user's code passed, then builds the
   Trainer for a dry run (``fast_dev_run``, a temporary ``default_root_dir``, the target
   device); an exception here is the user's configuration error;
5. at ``fit``: runs the dry fit, measuring the train dataloaders as soon as Lightning has
   set them up, then stops the process with ``os._exit`` so that nothing after ``fit``
   (saving, exporting, a long second phase) runs.

Everything it learns goes to the results file as JSON lines (never to stdout, which is
the user's); the parent (``runner.py``) reads them as they come for its progress display.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.util
import json
import math
import os
import re
import runpy
import sys
import sysconfig
import time
import traceback
import warnings
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

if TYPE_CHECKING:
    from types import FrameType

EXIT_MISSING = 3  # torch or Lightning cannot be imported
EXIT_SETUP = 4  # the requested device does not exist here

TRAINER_MODULES = ("lightning.pytorch.trainer.trainer", "pytorch_lightning.trainer.trainer")
HYDRA_MAIN = "hydra.main"

MAX_TEXT = 4000
MAX_WARNINGS = 60
MAX_DEPTH = 4


class _State:
    config: Dict[str, Any] = {}
    results: Any = None
    started = time.monotonic()
    trainers = 0
    fitting = False
    building = False
    warnings: List[Dict[str, Any]] = []


STATE = _State()


# -- reporting ---------------------------------------------------------------------------------


def emit(event: str, **data: Any) -> None:
    """One JSON line in the results file, flushed at once (the parent reads it live)."""
    data["event"] = event
    data["t"] = round(time.monotonic() - STATE.started, 3)
    try:
        line = json.dumps(data, default=repr)
    except (TypeError, ValueError):
        line = json.dumps({"event": event, "t": data["t"], "unserializable": repr(data)[:MAX_TEXT]})
    STATE.results.write(line + "\n")
    STATE.results.flush()


def finish(code: int) -> None:
    """Stop the whole process now: nothing the entry point would do next runs (no
    ``finally`` blocks, no atexit handlers, no rest of the script)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a closed or broken stream must not stop the exit
            pass
    try:
        STATE.results.close()
    except Exception:  # noqa: BLE001
        pass
    os._exit(code)


# -- where things happen -----------------------------------------------------------------------


def _library_roots() -> Tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths.get(key) for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    roots.add(os.path.dirname(os.path.abspath(__file__)))
    return tuple(sorted(os.path.abspath(r) + os.sep for r in roots if r))


_LIBRARY_ROOTS: Tuple[str, ...] = ()


def is_library(filename: str) -> bool:
    """Code that is not the user's: the standard library, installed packages, this probe."""
    global _LIBRARY_ROOTS
    if not _LIBRARY_ROOTS:
        _LIBRARY_ROOTS = _library_roots()
    if not filename or filename.startswith("<"):
        return True
    return os.path.abspath(filename).startswith(_LIBRARY_ROOTS)


def _frame_dict(filename: str, line: int, function: str, self_type: Optional[type] = None) -> Dict[str, Any]:
    frame = {
        "file": os.path.abspath(filename) if not filename.startswith("<") else filename,
        "line": line,
        "function": function,
        "library": is_library(filename),
    }
    if self_type is not None:
        frame["self_type"] = self_type.__name__
        frame["self_module"] = getattr(self_type, "__module__", "")
    return frame


def current_stack(skip: int = 2, building: Any = None) -> List[Dict[str, Any]]:
    """The calling frames, innermost first. The ``__init__`` of a Trainer subclass that
    is building ``building`` counts as library code: the user's ``MyTrainer(...)`` call
    is the place to report."""
    frames: List[Dict[str, Any]] = []
    frame: Optional[FrameType] = sys._getframe(skip)
    while frame is not None and len(frames) < 200:
        entry = _frame_dict(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)
        if building is not None and frame.f_code.co_name == "__init__" and frame.f_locals.get("self") is building:
            entry["library"] = True
        frames.append(entry)
        frame = frame.f_back
    return frames


def describe_exception(exc: BaseException) -> Dict[str, Any]:
    frames = []
    for frame, line in traceback.walk_tb(exc.__traceback__):
        self_obj = frame.f_locals.get("self") if frame.f_code.co_name == "__init__" else None
        frames.append(
            _frame_dict(
                frame.f_code.co_filename, line, frame.f_code.co_name, type(self_obj) if self_obj is not None else None
            )
        )
    frames.reverse()  # innermost first, like current_stack
    message = str(exc)
    return {
        "type": type(exc).__name__,
        "module": type(exc).__module__,
        "message": message[:MAX_TEXT],
        "frames": frames[:200],
        "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-MAX_TEXT:],
    }


# -- values ------------------------------------------------------------------------------------


def qualname(obj_type: type) -> str:
    return f"{getattr(obj_type, '__module__', '')}.{getattr(obj_type, '__qualname__', obj_type.__name__)}"


def plain(value: Any, depth: int = 0) -> Any:
    """A JSON form of an argument: scalars as they are, containers tagged, objects as
    their class (and, for Lightning callbacks, the arguments that matter)."""
    import datetime
    from collections.abc import Mapping, Sequence

    if value is None or isinstance(value, (bool, int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return {"t": "float", "v": repr(value)}
        return value
    if isinstance(value, str):
        return str.__str__(value)[:MAX_TEXT]  # the text itself, also for a str-valued Enum
    if isinstance(value, datetime.timedelta):
        return {"t": "obj", "qualname": "datetime.timedelta", "seconds": value.total_seconds()}
    if depth >= MAX_DEPTH:
        return {"t": "obj", "qualname": qualname(type(value)), "repr": repr(value)[:200]}
    if isinstance(value, Mapping):
        return {"t": "dict", "v": {str(k): plain(v, depth + 1) for k, v in list(value.items())[:200]}}
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return {"t": "list", "v": [plain(v, depth + 1) for v in list(value)[:200]]}
    out: Dict[str, Any] = {"t": "obj", "qualname": qualname(type(value))}
    try:
        out["repr"] = repr(value)[:200]
    except Exception:  # noqa: BLE001 - a broken __repr__ is not our business
        out["repr"] = "?"
    callback = _callback_args(value)
    if callback is not None:
        out["callback"] = callback
    return out


# The arguments of Lightning's callbacks that the rules read, and where each callback
# object keeps them after __init__ (names checked against Lightning 2.6).
CALLBACK_ATTRIBUTES: Dict[str, Dict[str, str]] = {
    "ModelCheckpoint": {
        "dirpath": "dirpath",
        "filename": "filename",
        "monitor": "monitor",
        "save_last": "save_last",
        "save_top_k": "save_top_k",
        "mode": "mode",
        "save_weights_only": "save_weights_only",
        "every_n_train_steps": "_every_n_train_steps",
        "every_n_epochs": "_every_n_epochs",
        "train_time_interval": "_train_time_interval",
        "save_on_train_epoch_end": "_save_on_train_epoch_end",
    },
    "EarlyStopping": {
        "monitor": "monitor",
        "patience": "patience",
        "mode": "mode",
        "strict": "strict",
        "check_finite": "check_finite",
        "stopping_threshold": "stopping_threshold",
        "divergence_threshold": "divergence_threshold",
        "check_on_train_epoch_end": "_check_on_train_epoch_end",
    },
    "Timer": {"interval": "_interval"},
    "LearningRateMonitor": {"logging_interval": "logging_interval", "log_momentum": "log_momentum"},
    "StochasticWeightAveraging": {
        "swa_epoch_start": "_swa_epoch_start",
        "swa_lrs": "_swa_lrs",
        "annealing_epochs": "_annealing_epochs",
    },
}


def _lightning_class(obj_type: type) -> bool:
    return getattr(obj_type, "__module__", "").split(".")[0] in ("lightning", "pytorch_lightning")


def _callback_args(value: Any) -> Optional[Dict[str, Any]]:
    names = [cls.__name__ for cls in type(value).__mro__]
    if "Callback" not in names:
        return None
    kind = type(value).__name__ if _lightning_class(type(value)) else ""
    args: Dict[str, Any] = {}
    for name, attribute in CALLBACK_ATTRIBUTES.get(kind, {}).items():
        if hasattr(value, attribute):
            args[name] = plain(getattr(value, attribute), MAX_DEPTH - 1)
    if kind == "Timer":
        duration = getattr(value, "_duration", None)
        args["duration"] = (
            None if duration is None else {"t": "obj", "qualname": "datetime.timedelta", "seconds": duration}
        )
    return {"kind": kind, "args": args}


# -- the device the dry run uses ----------------------------------------------------------------


def _mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def accelerator_available(accelerator: Any) -> bool:
    """Whether ``accelerator`` (as the user wrote it) can run here. Unknown names count
    as available: Lightning's own error about them is the finding."""
    import torch

    if isinstance(accelerator, str):
        name = accelerator.lower()
        if name == "cuda":
            return torch.cuda.is_available()
        if name == "gpu":
            return torch.cuda.is_available() or _mps_available()
        if name == "mps":
            return _mps_available()
        if name == "tpu":
            return importlib.util.find_spec("torch_xla") is not None
        return True
    checker = getattr(type(accelerator), "is_available", None)
    try:
        return bool(checker()) if callable(checker) else True
    except Exception:  # noqa: BLE001
        return True


def device_count(devices: Any, accelerator: Any) -> Optional[int]:
    """How many devices ``devices`` asks for on ``accelerator``; None when it depends on
    hardware that is not here."""
    import torch

    if isinstance(devices, bool):
        return None
    if isinstance(devices, int):
        if devices > 0:
            return devices
        devices = "auto" if devices == -1 else devices
    if isinstance(devices, (list, tuple)):
        return len(devices)
    if isinstance(devices, str):
        text = devices.strip()
        if "," in text:
            return len([part for part in text.split(",") if part.strip()])
        if text.isdigit() and int(text) > 0:
            return int(text)
        if text in ("auto", "-1"):
            name = accelerator.lower() if isinstance(accelerator, str) else type(accelerator).__name__.lower()
            if name == "cpu" or (name == "auto" and not torch.cuda.is_available() and not _mps_available()):
                return 1 if text == "auto" else None
            if name in ("cuda", "gpu", "auto") and torch.cuda.is_available():
                return torch.cuda.device_count()
            if name in ("mps", "gpu", "auto") and _mps_available():
                return 1
    return None


def configured_world_size(kwargs: Dict[str, Any]) -> Tuple[Optional[int], str]:
    """The number of processes the user's own configuration trains with."""
    accelerator = kwargs.get("accelerator", "auto")
    devices = kwargs.get("devices", "auto")
    nodes = kwargs.get("num_nodes", 1)
    count = device_count(devices, accelerator)
    override = str(STATE.config.get("devices") or "")
    if count is None and override.isdigit() and int(override) > 0:
        count = int(override)  # the user says how many devices the configuration means
    if count is None:
        return None, (
            f"devices={devices!r} on accelerator={accelerator!r} depends on hardware that is not here; "
            "pass --devices N to say how many devices it means"
        )
    if not isinstance(nodes, int) or isinstance(nodes, bool) or nodes < 1:
        return None, f"num_nodes={nodes!r}"
    return count * nodes, ""


def _devices_override(text: str) -> Any:
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        return [int(part) for part in text[1:-1].split(",") if part.strip().isdigit()]
    return int(text) if text.isdigit() else text


def _redirect_checkpoints(callback: Any, directory: str) -> None:
    """A checkpoint callback with its own folder saves there even in a dry run
    (``save_last=True`` saves at the end of a fast_dev_run fit; OnExceptionCheckpoint saves
    when the fit fails): point it at the temporary directory. The process ends after the
    fit, so changing the user's object is harmless."""
    names = [cls.__name__ for cls in type(callback).__mro__]
    if not ({"ModelCheckpoint", "OnExceptionCheckpoint"} & set(names)) or not getattr(callback, "dirpath", None):
        return
    callback.dirpath = directory
    if hasattr(callback, "_fs"):
        for module in ("lightning.fabric.utilities.cloud_io", "lightning_fabric.utilities.cloud_io"):
            try:
                callback._fs = importlib.import_module(module).get_filesystem(directory)
                break
            except Exception:  # noqa: BLE001 - the other package, or an older Lightning
                continue


# Registered strategy names that launch or coordinate several processes.
MULTI_PROCESS_STRATEGIES = ("ddp", "fsdp", "deepspeed", "xla", "hpu_parallel")


def _single_device(devices: str) -> bool:
    """``--devices 1``, ``--devices 3,`` (GPU 3) or ``--devices [3]``: one device."""
    text = devices.strip().strip("[]").strip()
    if text.isdigit():
        return int(text) == 1 or devices.strip().endswith((",", "]"))
    parts = [part.strip() for part in text.split(",") if part.strip()]
    return len(parts) == 1 and parts[0].isdigit()


def plan_dry_run(kwargs: Dict[str, Any]) -> Tuple[Dict[str, Any], List[str]]:
    """The Trainer arguments of the dry run: the user's, with ``fast_dev_run``, a temporary
    ``default_root_dir`` and the target device."""
    config = STATE.config
    dry = dict(kwargs)
    notes: List[str] = []
    batches = int(config.get("batches", 2))
    dry["default_root_dir"] = os.path.join(config["tmpdir"], "root")
    if kwargs.get("barebones") is True:
        # barebones refuses fast_dev_run; the same limits, spelled out
        dry.update(
            limit_train_batches=batches,
            limit_val_batches=batches,
            max_steps=batches,
            max_epochs=1,
            val_check_interval=1.0,
            check_val_every_n_epoch=1,
        )
        dry.pop("max_time", None)
    else:
        dry["fast_dev_run"] = batches
    callbacks = kwargs.get("callbacks")
    if isinstance(callbacks, list):
        # LightningCLI's SaveConfigCallback writes the config next to the logs; fast_dev_run has none
        kept = [cb for cb in callbacks if "SaveConfigCallback" not in [c.__name__ for c in type(cb).__mro__]]
        if len(kept) != len(callbacks):
            dry["callbacks"] = kept
    for index, callback in enumerate(callbacks if isinstance(callbacks, list) else [callbacks]):
        _redirect_checkpoints(callback, os.path.join(config["tmpdir"], "checkpoints", str(index)))

    accelerator = kwargs.get("accelerator", "auto")
    if config.get("accelerator"):
        dry["accelerator"] = config["accelerator"]
    elif not accelerator_available(accelerator):
        dry["accelerator"] = "cpu"
        notes.append(
            f"accelerator={accelerator!r} is not available on this machine: the dry run was moved "
            "to the CPU (use --accelerator to choose)"
        )
    # One process, always: a launcher for several devices would start the user's script
    # again, without this probe, and run all of it.
    devices = kwargs.get("devices", "auto")
    override = config.get("devices")
    if override and _single_device(override):
        dry["devices"] = _devices_override(override)
    elif (
        not override and dry.get("accelerator", accelerator) == accelerator and device_count(devices, accelerator) == 1
    ):
        pass  # the configured single device (`devices=[3]` stays GPU 3)
    else:
        dry["devices"] = 1
        wanted = override or devices
        count = device_count(wanted, dry.get("accelerator", accelerator))
        if count is not None and count > 1:
            notes.append(
                f"devices={wanted!r}: the dry run uses one device (confirm runs a single process); "
                "the schedule is computed for the configured devices"
            )
    nodes = kwargs.get("num_nodes", 1)
    if nodes != 1:
        dry["num_nodes"] = 1
        notes.append(f"num_nodes={nodes!r}: the dry run uses one node")
    strategy = kwargs.get("strategy", "auto")
    if isinstance(strategy, str) and strategy.lower().startswith(MULTI_PROCESS_STRATEGIES):
        dry["strategy"] = "auto"  # an unregistered name stays: Lightning's error about it is a finding
        notes.append(f"strategy={strategy!r}: the dry run uses Lightning's default strategy on one device")
    return dry, notes


# -- the Trainer hooks -------------------------------------------------------------------------


def _record_warning(message: Any, category: type, filename: str, lineno: int, *args: Any, **kwargs: Any) -> None:
    if len(STATE.warnings) < MAX_WARNINGS:
        entry = {"category": category.__name__, "message": str(message)[:MAX_TEXT], "file": filename, "line": lineno}
        STATE.warnings.append(entry)
        emit("warning", **entry)


def _install_warning_recorder() -> None:
    shown = warnings.showwarning

    def showwarning(message: Any, category: type, filename: str, lineno: int, *args: Any, **kwargs: Any) -> None:
        _record_warning(message, category, filename, lineno)
        shown(message, category, filename, lineno, *args, **kwargs)

    warnings.showwarning = showwarning


def describe_loader(loader: Any) -> Dict[str, Any]:
    """What a train dataloader says about the size of an epoch."""
    out: Dict[str, Any] = {"type": qualname(type(loader))}
    try:
        out["len"] = len(loader)
    except Exception as exc:  # noqa: BLE001 - an IterableDataset has no length
        out["len"] = None
        out["len_error"] = f"{type(exc).__name__}: {exc}"[:300]
    dataset = getattr(loader, "dataset", None)
    if dataset is not None:
        out["dataset_type"] = qualname(type(dataset))
        try:
            out["dataset_len"] = len(dataset)
        except Exception:  # noqa: BLE001
            out["dataset_len"] = None
        try:
            from torch.utils.data import IterableDataset

            out["iterable"] = isinstance(dataset, IterableDataset)
        except Exception:  # noqa: BLE001
            pass
    batch_size = getattr(loader, "batch_size", None)
    batch_sampler = getattr(loader, "batch_sampler", None)
    if batch_size is None and batch_sampler is not None:
        batch_size = getattr(batch_sampler, "batch_size", None)
    out["batch_size"] = batch_size if isinstance(batch_size, int) else None
    drop_last = getattr(loader, "drop_last", None)
    out["drop_last"] = drop_last if isinstance(drop_last, bool) else None
    sampler = getattr(loader, "sampler", None)
    out["sampler"] = qualname(type(sampler)) if sampler is not None else None
    out["batch_sampler"] = qualname(type(batch_sampler)) if batch_sampler is not None else None
    out["num_workers"] = getattr(loader, "num_workers", None)
    out["stateful"] = callable(getattr(loader, "state_dict", None)) and callable(
        getattr(loader, "load_state_dict", None)
    )
    return out


def _measure(loop: Any, event: str) -> bool:
    combined = getattr(loop, "_combined_loader", None)
    if combined is None:
        return False
    try:
        loaders = [describe_loader(dl) for dl in combined.flattened]
        emit(event, mode=getattr(combined, "_mode", None), loaders=loaders)
    except Exception as exc:  # noqa: BLE001 - measuring must never break the dry run
        emit(event + "_failed", error=f"{type(exc).__name__}: {exc}"[:MAX_TEXT])
    return True


def _wrap_setup_data(loop: Any, event: str, done: Dict[str, bool]) -> None:
    """Measure the loaders right after Lightning sets them up (before the first batch)."""
    original = loop.setup_data

    def setup_data(*args: Any, **kwargs: Any) -> Any:
        try:
            return original(*args, **kwargs)
        finally:
            if not done.get(event):
                done[event] = _measure(loop, event)

    loop.setup_data = setup_data


def patch_trainer(module: Any) -> None:
    trainer_class = getattr(module, "Trainer", None)
    if trainer_class is None or getattr(trainer_class, "_lightning_lint_probe", False):
        return
    original_init = trainer_class.__init__
    original_fit = trainer_class.fit
    package = module.__name__.split(".")[0]

    @functools.wraps(original_init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if STATE.building:  # a subclass calling super().__init__: the outer call is recorded
            return original_init(self, *args, **kwargs)
        STATE.trainers += 1
        index = STATE.trainers
        stack = current_stack(building=self)
        via = "python"
        for frame in stack:
            path = frame["file"].replace(os.sep, "/")
            if path.endswith(("/lightning/pytorch/cli.py", "/pytorch_lightning/cli.py")):
                via = "lightningcli"
                break
            if "/hydra/_internal/instantiate/" in path:
                via = "hydra"
                break
        user = [f for f in stack if not f["library"]]
        world, world_reason = configured_world_size(kwargs)
        recorded = {k: plain(v) for k, v in kwargs.items()}  # before the dry run changes any object
        dry, notes = plan_dry_run(kwargs)
        emit(
            "trainer",
            index=index,
            package=package,
            kwargs=recorded,
            positional=len(args),
            via=via,
            site=user[0] if user else (stack[0] if stack else None),
            stack=user[:8],
            world_size=world,
            world_size_reason=world_reason,
            notes=notes,
            dry={k: plain(v) for k, v in dry.items() if k not in kwargs or dry[k] is not kwargs[k]},
        )
        STATE.building = True
        try:
            original_init(self, *args, **dry)
        except BaseException as exc:  # noqa: BLE001 - the user's configuration error is the finding
            emit("error", stage="trainer", index=index, **describe_exception(exc))
            finish(0)
        finally:
            STATE.building = False
        self._lightning_lint_index = index
        built: Dict[str, Any] = {"index": index}
        for name, getter in (
            ("accelerator", lambda: type(self.accelerator).__name__),
            ("strategy", lambda: type(self.strategy).__name__),
            ("precision", lambda: str(self.precision)),
            ("device", lambda: str(self.strategy.root_device)),
            ("world_size", lambda: self.world_size),
        ):
            try:
                built[name] = getter()
            except Exception:  # noqa: BLE001
                built[name] = None
        emit("trainer_built", **built)

    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        if STATE.fitting:
            return original_fit(self, *args, **kwargs)
        STATE.fitting = True
        index = getattr(self, "_lightning_lint_index", None)
        emit("fit", index=index, site=next((f for f in current_stack() if not f["library"]), None))
        done: Dict[str, bool] = {}
        try:
            _wrap_setup_data(self.fit_loop, "measured", done)
            _wrap_setup_data(self.fit_loop.epoch_loop.val_loop, "measured_val", done)
        except Exception as exc:  # noqa: BLE001 - a Lightning without these loops: measure after the fit
            emit("note", message=f"cannot hook the data setup: {type(exc).__name__}: {exc}")
        started = time.monotonic()
        try:
            original_fit(self, *args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - the dry fit failed: that is the finding
            if not done.get("measured"):
                _measure(self.fit_loop, "measured")
            emit("error", stage="fit", index=index, **describe_exception(exc))
            finish(0)
        if not done.get("measured") and not _measure(self.fit_loop, "measured"):
            emit("note", message="Lightning did not set up a train dataloader (no training_step, or no batches)")
        emit_schedulers(self)
        emit(
            "fit_done",
            index=index,
            seconds=round(time.monotonic() - started, 3),
            global_step=getattr(self, "global_step", None),
            current_epoch=getattr(self, "current_epoch", None),
        )
        finish(0)

    trainer_class.__init__ = __init__
    trainer_class.fit = functools.wraps(original_fit)(fit)
    trainer_class._lightning_lint_probe = True
    emit("lightning", package=package)


# -- LR schedulers ------------------------------------------------------------------------------

# The attribute that holds each torch scheduler's horizon after construction (torch 2.x).
SCHEDULER_HORIZONS = {
    "OneCycleLR": "total_steps",
    "CosineAnnealingLR": "T_max",
    "PolynomialLR": "total_iters",
    "LinearLR": "total_iters",
    "ConstantLR": "total_iters",
}


def describe_scheduler(scheduler: Any, depth: int = 0) -> Dict[str, Any]:
    """A scheduler object as built by the user's ``configure_optimizers``: its class, its
    horizon where one can be read, how often the dry run stepped it, and its parts
    (SequentialLR, ChainedScheduler). A LambdaLR's horizon is readable only when its
    ``lr_lambda`` is a ``functools.partial`` with ``num_training_steps`` (transformers'
    ``get_*_schedule_with_warmup``)."""
    out: Dict[str, Any] = {"kind": type(scheduler).__name__, "qualname": qualname(type(scheduler))}
    last = getattr(scheduler, "last_epoch", None)
    out["last_epoch"] = last if isinstance(last, int) else None
    attribute = SCHEDULER_HORIZONS.get(type(scheduler).__name__)
    horizon = getattr(scheduler, attribute, None) if attribute is not None else None
    if isinstance(horizon, (int, float)) and not isinstance(horizon, bool) and math.isfinite(horizon):
        out["horizon_arg"], out["horizon"] = attribute, int(horizon)  # T_max may be a float
    lambdas = getattr(scheduler, "lr_lambdas", None)
    if isinstance(lambdas, list):
        functions = []
        for function in lambdas[:8]:
            keywords = getattr(function, "keywords", None)
            inner = getattr(function, "func", function)
            entry: Dict[str, Any] = {"name": getattr(inner, "__name__", type(inner).__name__)}
            if isinstance(keywords, dict):
                entry["keywords"] = {k: v for k, v in keywords.items() if isinstance(v, (int, float, str, bool))}
            functions.append(entry)
        out["lambdas"] = functions
    milestones = getattr(scheduler, "_milestones", None)
    if isinstance(milestones, list):
        out["milestones"] = [m for m in milestones if isinstance(m, int)]
    parts = getattr(scheduler, "_schedulers", None)
    if isinstance(parts, (list, tuple)) and depth < MAX_DEPTH:
        out["parts"] = [describe_scheduler(part, depth + 1) for part in parts[:8]]
    return out


def emit_schedulers(trainer: Any) -> None:
    """``trainer.lr_scheduler_configs`` after the dry fit, with the dry run's own figures
    (a horizon computed from ``trainer.estimated_stepping_batches`` during the dry run is
    the dry run's figure, not the real run's: the parent tells them apart)."""
    try:
        configs = [
            {
                "scheduler": describe_scheduler(config.scheduler),
                "interval": config.interval,
                "frequency": config.frequency,
                "monitor": config.monitor,
                "reduce_on_plateau": bool(config.reduce_on_plateau),
            }
            for config in list(getattr(trainer, "lr_scheduler_configs", None) or [])
        ]
        dry: Dict[str, Any] = {}
        for name in ("max_steps", "max_epochs", "num_training_batches", "accumulate_grad_batches", "global_step"):
            value = getattr(trainer, name, None)
            dry[name] = value if isinstance(value, int) else None
        try:
            estimated = trainer.estimated_stepping_batches
            dry["estimated_stepping_batches"] = estimated if isinstance(estimated, int) else None
        except Exception:  # noqa: BLE001 - Lightning refuses to estimate in some setups
            dry["estimated_stepping_batches"] = None
        emit("schedulers", configs=configs, dry=dry)
    except Exception as exc:  # noqa: BLE001 - reading must never break the report
        emit("note", message=f"cannot read the LR schedulers: {type(exc).__name__}: {exc}")


# -- Hydra ---------------------------------------------------------------------------------------

_HYDRA_RUN_KEYS = ("hydra.run.dir=", "hydra.sweep.dir=", "+hydra.run.dir=", "++hydra.run.dir=")


def _hydra_value(path: str) -> str:
    return path if re.fullmatch(r"[\w/.\-]+", path) else "'" + path.replace("'", "\\'") + "'"


def patch_hydra(module: Any) -> None:
    original_main = getattr(module, "main", None)
    if original_main is None or getattr(original_main, "_lightning_lint_probe", False):
        return

    @functools.wraps(original_main)
    def main(*args: Any, **kwargs: Any) -> Any:
        decorator = original_main(*args, **kwargs)
        config_path = kwargs.get("config_path", args[0] if args else None)
        config_name = kwargs.get("config_name", args[1] if len(args) > 1 else None)

        def wrap(task_function: Any) -> Any:
            decorated = decorator(task_function)
            task_file = getattr(getattr(task_function, "__code__", None), "co_filename", None)

            @functools.wraps(decorated)
            def run(*run_args: Any, **run_kwargs: Any) -> Any:
                if not run_args and not run_kwargs:  # called as the app: Hydra reads sys.argv
                    _hydra_started(config_path, config_name, task_file)
                return decorated(*run_args, **run_kwargs)

            return run

        return wrap

    main._lightning_lint_probe = True  # type: ignore[attr-defined]
    module.main = main


def _hydra_started(config_path: Any, config_name: Any, task_file: Optional[str]) -> None:
    """Hydra writes a run folder (outputs/DATE/TIME) in the working directory: point it
    at the temporary directory instead."""
    tmp = STATE.config["tmpdir"]
    sys.argv[:] = [a for a in sys.argv if not a.startswith(_HYDRA_RUN_KEYS)] + [
        f"hydra.run.dir={_hydra_value(os.path.join(tmp, 'hydra', 'run'))}",
        f"hydra.sweep.dir={_hydra_value(os.path.join(tmp, 'hydra', 'multirun'))}",
    ]
    config_file = None
    if isinstance(config_path, str) and task_file and not config_path.startswith(("pkg://", "file://")):
        base = os.path.join(os.path.dirname(os.path.abspath(task_file)), config_path)
        name = config_name if isinstance(config_name, str) else "config"
        for candidate in (name, name + ".yaml", name + ".yml"):
            path = os.path.join(base, candidate)
            if os.path.isfile(path):
                config_file = os.path.abspath(path)
                break
    emit(
        "hydra",
        config_path=config_path if isinstance(config_path, str) else None,
        config_name=config_name if isinstance(config_name, str) else None,
        config_file=config_file,
        task_file=task_file,
    )


# -- the import hook -----------------------------------------------------------------------------

PATCHES = dict.fromkeys(TRAINER_MODULES, patch_trainer)
PATCHES[HYDRA_MAIN] = patch_hydra


class PatchingFinder(importlib.abc.MetaPathFinder):
    """Finds nothing itself: for the few modules it patches, it asks the other finders
    for the real spec and wraps the loader so the patch runs right after the module."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        patch = PATCHES.get(fullname)
        if patch is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        original_exec = loader.exec_module

        def exec_module(module: Any) -> None:
            original_exec(module)
            try:
                patch(module)
            except Exception as exc:  # noqa: BLE001 - never break the user's import
                emit("note", message=f"cannot patch {fullname}: {type(exc).__name__}: {exc}")

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install_hooks() -> None:
    for name, patch in PATCHES.items():
        if name in sys.modules:
            patch(sys.modules[name])
    sys.meta_path.insert(0, PatchingFinder())
    _install_warning_recorder()


# -- main ----------------------------------------------------------------------------------------


def check_requirements() -> List[str]:
    missing = []
    if importlib.util.find_spec("torch") is None:
        missing.append("torch")
    if importlib.util.find_spec("lightning") is None and importlib.util.find_spec("pytorch_lightning") is None:
        missing.append("lightning")
    return missing


def check_accelerator(name: str) -> Optional[str]:
    if accelerator_available(name):
        return None
    return (
        f"--accelerator {name}: no {name} device is available on this machine; leave --accelerator out to "
        "use the configured device (or the CPU when it is not here), or pass --accelerator cpu"
    )


def _set_first_path(path: str) -> None:
    """Put on sys.path what Python would have put there for the entry point, in place of
    this probe's folder (which is not there under ``-P`` / PYTHONSAFEPATH)."""
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or os.curdir) == here:
        sys.path[0] = path
    else:
        sys.path.insert(0, path)


def run_entry(config: Dict[str, Any]) -> None:
    args = [str(a) for a in config.get("args", [])]
    if config.get("module"):
        module = config["module"]
        sys.argv[:] = [module] + args
        _set_first_path(os.getcwd())  # as `python -m` does
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    else:
        script = os.path.abspath(config["script"])
        sys.argv[:] = [config.get("argv0") or config["script"]] + args
        _set_first_path(config.get("script_dir") or os.path.dirname(script))  # as `python script.py` does
        runpy.run_path(script, run_name="__main__")


def main(argv: List[str]) -> int:
    with open(argv[1], encoding="utf-8") as handle:
        STATE.config = json.load(handle)
    STATE.results = open(STATE.config["results"], "a", encoding="utf-8")
    sys.dont_write_bytecode = True  # no __pycache__ in the user's tree
    emit("start", python=sys.executable, version=list(sys.version_info[:3]), pid=os.getpid())
    missing = check_requirements()
    if missing:
        emit("missing", modules=missing)
        finish(EXIT_MISSING)
    if STATE.config.get("accelerator"):
        problem = check_accelerator(STATE.config["accelerator"])
        if problem:
            emit("setup_error", message=problem)
            finish(EXIT_SETUP)
    install_hooks()
    emit("running")
    try:
        run_entry(STATE.config)
    except SystemExit as exc:
        code = exc.code
        emit("exit", code=code if isinstance(code, int) or code is None else str(code)[:MAX_TEXT])
        finish(code if isinstance(code, int) else (0 if code is None else 1))
    except BaseException as exc:  # noqa: BLE001 - report whatever ended the entry point
        emit("crash", **describe_exception(exc))
        finish(1)
    emit("exit", code=0)
    finish(0)
    return 0


if __name__ == "__main__":
    main(sys.argv)
