"""A cheap byte scan that decides whether a file can matter before anything is parsed.

A repository of unrelated Python should cost little more than reading it: a file that
names no Trainer, callback, loader, LightningCLI or removed Lightning hook cannot hold
anything a rule checks.
"""

from __future__ import annotations

import re

from lightning_lint.model import lightning_api

_PY_WORDS = sorted(
    {
        "Trainer",
        "Fabric",
        "LightningCLI",
        "DataLoader",
        "StatefulDataLoader",
        "StreamingDataLoader",
        "_epoch_end",
        "automatic_optimization",
        "configure_optimizers",
    }
    | set(lightning_api.CALLBACKS)
    | set(lightning_api.REMOVED_CALLBACK_CLASSES),
    key=len,
    reverse=True,
)
_PYTHON = re.compile(b"|".join(re.escape(w.encode()) for w in _PY_WORDS))

# YAML that can configure Lightning mentions a trainer, a Hydra target or a LightningCLI
# class path; anything else (CI workflows, docker-compose, conda environments) is skipped.
_YAML = re.compile(
    rb"trainer|Trainer|_target_|class_path|callbacks|"
    + b"|".join(re.escape(name.encode()) for name in sorted(lightning_api.CALLBACKS, key=len, reverse=True))
)


def python_may_matter(data: bytes) -> bool:
    return _PYTHON.search(data) is not None


def yaml_may_matter(data: bytes) -> bool:
    return _YAML.search(data) is not None
