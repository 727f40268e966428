"""Reading TOML with the standard library where it has a reader (3.11+), else tomli."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict, Optional

if sys.version_info >= (3, 11):
    import tomllib as _toml
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as _toml

TOMLDecodeError = _toml.TOMLDecodeError


def load_toml(path: Path) -> Optional[Dict[str, Any]]:
    """The parsed file, or None when it does not exist or does not parse."""
    try:
        with open(path, "rb") as handle:
            return _toml.load(handle)
    except (OSError, TOMLDecodeError, UnicodeDecodeError):
        return None


def parse_toml(path: Path) -> Dict[str, Any]:
    """The parsed file; raises OSError or TOMLDecodeError for the caller to report."""
    with open(path, "rb") as handle:
        return _toml.load(handle)
