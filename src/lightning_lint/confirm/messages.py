"""Lightning's own errors and warnings that a rule also describes: when the dry run hits
one, the finding of that rule is confirmed by Lightning itself.

Each pattern is a fragment of the message Lightning 2.6 raises or warns with (quoted in
research/lightning-checks.md); tests/test_confirm.py checks some against real runs.
"""

from __future__ import annotations

import re
from typing import Callable, List, Optional, Tuple, Union

from lightning_lint.model import lightning_api


def _unexpected_argument(match: "re.Match[str]") -> str:
    # Trainer.__init__() got an unexpected keyword argument 'gpus'
    return "LL302" if match.group(1) in lightning_api.REMOVED_TRAINER_ARGS else "LL301"


Code = Union[str, Callable[["re.Match[str]"], str]]

ERRORS: List[Tuple["re.Pattern[str]", Code]] = [
    (re.compile(r"Trainer\.__init__\(\) got an unexpected keyword argument '(\w+)'"), _unexpected_argument),
    (re.compile(r"You selected an invalid strategy name"), "LL401"),
    (re.compile(r"You selected an invalid accelerator name"), "LL402"),
    (re.compile(r"Precision .* is invalid"), "LL305"),
    (re.compile(r"`max_(epochs|steps)` must be a non-negative integer or -1"), "LL006"),
    (re.compile(r"`Trainer\(devices=.*` value is not a valid input"), "LL404"),
    (re.compile(r"should be mutually exclusive"), "LL102"),
    (re.compile(r"ModelCheckpoint\(save_top_k=.*is not a valid"), "LL103"),
    (re.compile(r"enable_checkpointing=False` but found `ModelCheckpoint`"), "LL104"),
    (re.compile(r"is not a valid duration"), "LL008"),
    (re.compile(r"`Trainer\(barebones=True"), "LL407"),
    (
        re.compile(r"`val_check_interval` \(\d+\) must be less than or equal to the number of the training batches"),
        "LL201",
    ),
    (re.compile(r"You requested to check .* of the `train_dataloader` but"), "LL312"),
    (re.compile(r"`gradient_clip_algorithm` .* is invalid"), "LL304"),
]

WARNINGS: List[Tuple["re.Pattern[str]", Code]] = [
    (re.compile(r"`max_epochs` was not set\. Setting it to 1000 epochs"), "LL001"),
    (re.compile(r"is smaller than the logging interval Trainer\(log_every_n_steps"), "LL210"),
    (re.compile(r"does not have many workers"), "LL603"),
    (re.compile(r"AMP with fp16 is not supported on CPU"), "LL405"),
]


# Informational messages Lightning emits as warnings on every run: not worth a note.
NOISE = re.compile(
    r"seed set to|No seed found|GPU available:|TPU available:|HPU available:|`tensorboardX` has been removed"
)


def _match(table: List[Tuple["re.Pattern[str]", Code]], message: str) -> Optional[str]:
    for pattern, code in table:
        found = pattern.search(message)
        if found:
            return code(found) if callable(code) else code
    return None


def error_code(message: str) -> Optional[str]:
    """The rule that describes this Lightning exception, if any."""
    return _match(ERRORS, message)


def is_noise(message: str) -> bool:
    return bool(NOISE.search(message))


def warning_code(message: str) -> Optional[str]:
    """The rule that describes this Lightning warning, if any."""
    return _match(WARNINGS, message)
