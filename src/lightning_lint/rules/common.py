"""Small helpers shared by the rule modules (no rules live here)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, List, Optional

from lightning_lint.model.spec import CallbackSpec, TrainerSpec, Value

_VALIDATION_METRIC = re.compile(
    r"^(val|valid|validation)(?![a-z])|(^|[/_.\-])(val|valid|validation)([/_.\-]|$)", re.IGNORECASE
)


def fast_dev_run_on(spec: TrainerSpec) -> bool:
    """Whether ``fast_dev_run`` is, or may be, on (it replaces every limit of the run, so
    nothing about the run's length can be proved while it is unknown)."""
    value = spec.get("fast_dev_run")
    return value.unknown or (value.known and value.data not in (False, 0, None))


# Words in an enclosing ``if`` or function name that mark a debugging branch.
_DEBUG_CONTEXT = re.compile(r"debug|fast_dev_run|overfit|smoke|dry_?run|profil|sanity", re.IGNORECASE)


def debug_context(spec: TrainerSpec, ctx: Any, *values: Value) -> Optional[str]:
    """Why debugging settings are expected here (None: they are not): the file, or the
    file a value comes from, matches ``debug-paths``, or the Trainer is built in a
    debugging branch (``if args.debug:``) or in a test function."""
    if ctx.settings.is_debug_path(ctx.path, ctx.project.root):
        return "the file matches `debug-paths`"
    for value in values:
        anchor = value.anchor
        if anchor is not None and ctx.settings.is_debug_path(Path(os.path.abspath(anchor.path)), ctx.project.root):
            return f"`{anchor.path}` matches `debug-paths`"
    for where in spec.extras.get("enclosing", ()):
        if _DEBUG_CONTEXT.search(where) or where.startswith(("def test", "def Test")):  # pytest's names
            return f"the Trainer is built under `{where}`"
    return None


def int_of(value: Value) -> Optional[int]:
    """The int a known or absent value holds (bools are not ints here)."""
    if value.decidable and isinstance(value.data, int) and not isinstance(value.data, bool):
        return value.data
    return None


def number_of(value: Value) -> Optional[float]:
    if value.decidable and isinstance(value.data, (int, float)) and not isinstance(value.data, bool):
        return value.data
    return None


def str_of(value: Value) -> Optional[str]:
    return value.data if value.decidable and isinstance(value.data, str) else None


def is_validation_metric(name: str) -> bool:
    """``val_loss``, ``val/acc``, ``valid_f1``, ``validation/loss``, ``loss/val``: logged in
    the validation loop by the usual naming convention."""
    return bool(_VALIDATION_METRIC.search(name))


def checkpoints(spec: TrainerSpec) -> List[CallbackSpec]:
    return spec.callbacks_of("ModelCheckpoint")


def default_checkpoint_active(spec: TrainerSpec) -> Optional[bool]:
    """Whether Lightning adds its own ``ModelCheckpoint()`` (enable_checkpointing not
    False and no checkpoint callback given). None when it cannot be told."""
    enable = spec.get("enable_checkpointing")
    if not enable.decidable or spec.callbacks_open:
        return None
    if enable.data is False:
        return False
    barebones = spec.get("barebones")
    if barebones.known and barebones.data is True:
        return False
    return not any(cb.kind in ("ModelCheckpoint",) for cb in spec.callbacks)


def plural(count: Any, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")
