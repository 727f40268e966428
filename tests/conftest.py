"""Shared helpers: write a little project to a temporary folder and lint it."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import pytest

from lightning_lint.linter.engine import Linter
from lightning_lint.linter.settings import Overrides, SettingsResolver

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
# The official SARIF 2.1.0 schema (a copy of ../shared/schemas/, so that CI needs nothing outside the repo).
SARIF_SCHEMA = REPO / "tests" / "fixtures" / "sarif-schema-2.1.0.json"


def write_files(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def lint_files(
    root: Path,
    files: Dict[str, str],
    target: str,
    select: Optional[Iterable[str]] = None,
    target_version: Optional[str] = None,
):
    """Write ``files`` under ``root`` (a project: a pyproject.toml is added when missing)
    and lint ``target``; returns the FileResult."""
    files = dict(files)
    files.setdefault("pyproject.toml", "[project]\nname = 'example'\n")
    write_files(root, files)
    overrides = Overrides(select=tuple(select) if select is not None else None, target_version=target_version)
    linter = Linter(SettingsResolver(root, overrides))
    return linter.lint_path(root / target, target)


@pytest.fixture
def lint(tmp_path):
    """``lint({"train.py": "..."}, "train.py", select=["LL001"])`` -> list of diagnostics."""

    def run(
        files: Dict[str, str],
        target: Optional[str] = None,
        select: Optional[Iterable[str]] = None,
        target_version: Optional[str] = None,
    ) -> List:
        target = target or next(iter(files))
        return lint_files(tmp_path, files, target, select, target_version).diagnostics

    return run


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path
