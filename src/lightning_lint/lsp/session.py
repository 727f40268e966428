"""What the language server knows between requests: the settings, the linter with its
per-project cache, and how each kind of change refreshes them.

* A keystroke lints the editor's unsaved text with the cached project facts: nothing
  is rescanned.
* A configuration file that changes (``pyproject.toml``, ``lightning-lint.toml``) or a
  new project marker means new settings: a new ``SettingsResolver`` and ``Linter``.
* Any other project file that is saved or changes on disk makes that project's facts
  (loaders, logged metrics, version pins, measured facts) stale: they are gathered again
  on the next lint.

No pygls here: ``lsp.py`` speaks the protocol, this module only lints.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

from lightning_lint.linter import fixer, suppressions
from lightning_lint.linter.discovery import PROJECT_MARKERS
from lightning_lint.linter.engine import FileResult, Linter
from lightning_lint.linter.settings import CONFIG_FILES, SettingsResolver
from lightning_lint.model.diagnostics import Applicability, Diagnostic, Edit
from lightning_lint.model.sources import PYTHON, YAML, SourceFile, kind_of

LANGUAGE_SUFFIXES = {"python": ".py", "yaml": ".yaml"}

SETTINGS = "settings"
PROJECT = "project"


def lint_path_for(path: Path, language_id: Optional[str]) -> Optional[Path]:
    """The path to lint a document as: its own when it is a Python or YAML file; for a
    file the editor calls Python or YAML without such a name, the same name with the
    suffix added; None for anything else."""
    if kind_of(path) is not None:
        return path
    suffix = LANGUAGE_SUFFIXES.get((language_id or "").lower())
    return path.with_name(path.name + suffix) if suffix else None


@dataclass
class Change:
    """What a file change on disk meant: new settings, or stale facts of one project."""

    kind: str
    path: Path


class EditorSession:
    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.abspath(root))
        self.resolver = SettingsResolver(self.root)
        self.linter = Linter(self.resolver)

    def reload_settings(self) -> None:
        """Read the configuration files again; project facts are gathered anew too (they
        depend on the excludes)."""
        self.resolver = SettingsResolver(self.root)
        self.linter = Linter(self.resolver)

    def lint(self, path: Path, text: str) -> FileResult:
        """Lint the editor's text of the file at ``path``. A file the settings exclude
        gets no findings. Raises ``settings.ConfigError`` for a broken configuration."""
        path = Path(os.path.abspath(path))
        if self.resolver.for_path(path).is_excluded(path):
            return FileResult(str(path))
        return self.linter.lint_text(text, path, display=str(path))

    def file_changed(self, path: Path) -> Change:
        """A file was saved or changed on disk: refresh what depends on it."""
        path = Path(os.path.abspath(path))
        if path.name in CONFIG_FILES or path.name in PROJECT_MARKERS:
            self.reload_settings()
            return Change(SETTINGS, path)
        self.linter.projects.forget(path)
        return Change(PROJECT, path)

    def locate(self, display: str, linted: Path) -> Path:
        """The file that a finding's related location names: an absolute path, or one
        relative to the project of the linted file (project facts) or to the workspace."""
        if os.path.isabs(display):
            return Path(display)
        project_root = self.linter.projects.for_path(linted).root
        for base in (project_root, self.root):
            if base is not None and (base / display).exists():
                return base / display
        return (project_root or self.root) / display

    # -- code actions ------------------------------------------------------------------
    def fix_all(self, result: FileResult, path: Path) -> Optional[str]:
        """The text with every safe fix applied (None when nothing changes)."""
        source = result.source
        if source is None or not any(fixer.applicable(d, unsafe=False) for d in result.diagnostics):
            return None
        outcome = fixer.fix_source(self.linter, source, Path(os.path.abspath(path)), unsafe=False)
        return outcome.text if outcome.changed else None


def offered_fix(diagnostic: Diagnostic) -> bool:
    """A fix the editor may apply on request: safe or unsafe, never display-only."""
    fix = diagnostic.fix
    return fix is not None and bool(fix.edits) and fix.applicability != Applicability.DISPLAY_ONLY


def suppression_edits(diagnostic: Diagnostic, source: SourceFile) -> List[Edit]:
    """Edits that silence ``diagnostic`` with ``# noqa: CODE`` on its line (merged into a
    ``# noqa`` already there), as ``--add-noqa`` writes it; a YAML comment reads the same.
    Empty when the line cannot take a comment (it ends inside a string) or the result
    would not parse."""
    if source.kind not in (PYTHON, YAML):
        return []
    edits = suppressions.noqa_edits([diagnostic], source)
    if not edits:
        return []
    if (
        fixer.parses(source.text, source.kind) is None
        and fixer.parses(fixer.apply_edits(source, edits), source.kind) is not None
    ):
        return []
    return edits
