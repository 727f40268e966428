"""Which files can pin the project's Lightning version (``versions.find_pins`` reads them).

Kept apart from ``versions.py`` so that the results cache can tell whether the pins
changed (``fingerprint``) without importing ``packaging`` on a run that parses nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional


def requirement_files(root: Path) -> List[Path]:
    files = sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt"))
    return [f for f in files if f.is_file()]


def environment_files(root: Path) -> List[Path]:
    return sorted(root.glob("environment*.y*ml"))


def pin_files(root: Path) -> List[Path]:
    """Every file ``versions.find_pins`` may read, existing or not."""
    return [
        root / "pyproject.toml",
        *requirement_files(root),
        root / "setup.cfg",
        root / "setup.py",
        *environment_files(root),
    ]


def fingerprint(root: Optional[Path], setting: Optional[str]) -> str:
    """Equal fingerprints resolve to the same target version (for one tool version)."""
    if setting:
        return f"setting {setting}"
    if root is None:
        return "no project"
    from lightning_lint.model import dependencies

    return dependencies.digest(repr([(str(p), dependencies.file_state(p)) for p in pin_files(root)]).encode())
