"""Running the engine over many files."""

from __future__ import annotations

from typing import TYPE_CHECKING, List, TextIO

from lightning_lint.linter.engine import FileResult, Linter

if TYPE_CHECKING:
    from lightning_lint.linter.checker import CheckOptions
    from lightning_lint.linter.discovery import Candidate


def lint_files(linter: Linter, files: "List[Candidate]", options: "CheckOptions", log: TextIO) -> List[FileResult]:
    return [linter.lint_path(candidate.path, str(candidate.path)) for candidate in files]
