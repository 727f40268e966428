"""The Lightning release a configuration is checked against, and why that one."""

from __future__ import annotations

from dataclasses import dataclass

from packaging.version import Version

from lightning_lint.model import lightning_api


@dataclass(frozen=True)
class TargetVersion:
    version: Version
    source: str  # why this version: "settings", "requirements.txt: lightning>=2.1", ...

    def at_least(self, version: str) -> bool:
        return self.version >= Version(version)

    def __str__(self) -> str:
        return str(self.version)


NEWEST = TargetVersion(Version(lightning_api.NEWEST_KNOWN), "newest release known to lightning-lint")
