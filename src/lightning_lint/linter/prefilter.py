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
# One regex for the words that start with a capital (few positions of a file can start a
# match), a substring search for the others (a regex would try every ``a``, ``c`` and ``_``):
# twice as fast as one regex over a repository that is mostly not Lightning code.
_PYTHON = re.compile(b"|".join(re.escape(w.encode()) for w in _PY_WORDS if w[:1].isupper()))
_PYTHON_LOWER = tuple(w.encode() for w in _PY_WORDS if not w[:1].isupper())

# YAML that can configure Lightning mentions a trainer, a Hydra target or a LightningCLI
# class path; anything else (CI workflows, docker-compose, conda environments) is skipped.
_YAML = re.compile(
    rb"trainer|Trainer|_target_|class_path|callbacks|"
    + b"|".join(re.escape(name.encode()) for name in sorted(lightning_api.CALLBACKS, key=len, reverse=True))
)


def python_may_matter(data: bytes) -> bool:
    return any(word in data for word in _PYTHON_LOWER) or _PYTHON.search(data) is not None


def yaml_may_matter(data: bytes) -> bool:
    return _YAML.search(data) is not None
