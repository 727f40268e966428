"""``lightning-lint schema``: the JSON Schema of LightningCLI configs for the target
Lightning version (built by ``report/json_schema.py``), on standard output or into a file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional

from packaging.version import Version

from lightning_lint.model import lightning_api as data
from lightning_lint.report.json_schema import build_schema


def _target_version(setting: Optional[str], cwd: Path):
    """--target-version, else the configuration's target-version, else the project's pins."""
    from lightning_lint.linter import versions
    from lightning_lint.linter.discovery import find_project_root
    from lightning_lint.linter.settings import SettingsResolver

    if setting is None:
        setting = SettingsResolver(cwd).for_path(cwd).target_version
    return versions.resolve(setting, find_project_root(cwd) or cwd)


def main(args: argparse.Namespace) -> int:
    from lightning_lint.linter.settings import ConfigError

    try:
        target = _target_version(args.target_version, Path.cwd())
    except (ValueError, ConfigError) as exc:
        print(f"lightning-lint: error: {exc}", file=sys.stderr)
        return 2
    newest = Version(data.NEWEST_KNOWN)
    if target.version > newest:
        print(
            f"lightning-lint: note: Lightning {target.version} is newer than the newest release lightning-lint "
            f"knows ({newest}); the schema describes {newest}",
            file=sys.stderr,
        )
    text = (
        json.dumps(
            build_schema(min(target.version, newest), subcommands=args.subcommands), indent=2, ensure_ascii=False
        )
        + "\n"
    )
    if not args.output_file or args.output_file == "-":
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output_file).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"lightning-lint: error: cannot write {args.output_file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0
