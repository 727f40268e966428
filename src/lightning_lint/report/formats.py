"""Reporters turn diagnostics into text. They only format: every output carries the same
fields (code, name, severity, message, path, start/end line and column, and the fix)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

from lightning_lint.model.diagnostics import Diagnostic
from lightning_lint.model.sources import SourceFile


@dataclass
class ReportContext:
    cwd: Path
    sources: Dict[str, SourceFile] = field(default_factory=dict)  # display path -> source, for snippets
    files_checked: int = 0
    color: bool = False
    show_fixes: bool = False
    fixed: int = 0  # fixes applied by --fix
    unsafe_hidden: int = 0  # fixable with --unsafe-fixes
    quiet: bool = False
    fix_mode: bool = False

    def source(self, path: str) -> Optional[SourceFile]:
        """The linted text of ``path``: kept from the run, else read again (a result that came
        from a cache or a worker process may not carry it); None if unreadable."""
        found = self.sources.get(path)
        if found is None:
            from lightning_lint.model.sources import UnreadableSource, read_source

            try:
                found = self.sources[path] = read_source(path)
            except UnreadableSource:
                return None
        return found

    def relpath(self, path: str) -> str:
        """A path relative to the working directory when it is inside it (POSIX form)."""
        absolute = Path(os.path.abspath(path))
        try:
            return absolute.relative_to(self.cwd).as_posix()
        except ValueError:
            return absolute.as_posix()


def in_file(d: Diagnostic, context: ReportContext) -> Diagnostic:
    """A notebook finding as the CI formats show it: at the line of the notebook file that
    holds the flagged code line (what a pull request's diff and an editor show), with the
    cell and the line within it at the head of the message. Other findings are unchanged."""
    if d.cell is None:
        return d
    from lightning_lint.model import notebook

    source = context.source(d.path)
    return notebook.in_file(d, source.notebook if source is not None else None)


Renderer = Callable[[List[Diagnostic], ReportContext], str]


# format -> (module, function); a module is imported only when its format is used
_RENDERERS = {
    "full": ("text", "full"),
    "concise": ("text", "concise"),
    "json": ("json", "render"),
    "json-lines": ("json", "render_lines"),
    "sarif": ("sarif", "render"),
    "github": ("ci", "github"),
    "gitlab": ("ci", "gitlab"),
    "junit": ("ci", "junit"),
}


def renderer(fmt: str) -> Renderer:
    import importlib

    module, function = _RENDERERS[fmt]
    return getattr(importlib.import_module(f"lightning_lint.report.{module}"), function)


def renderers() -> Dict[str, Renderer]:
    return {fmt: renderer(fmt) for fmt in _RENDERERS}


FORMATS = tuple(_RENDERERS)


def render(fmt: str, diagnostics: List[Diagnostic], context: ReportContext) -> str:
    return renderer(fmt)(diagnostics, context)


def fix_dict(diagnostic: Diagnostic) -> Optional[dict]:
    fix = diagnostic.fix
    if fix is None:
        return None
    return {
        "message": fix.message,
        "applicability": fix.applicability.value,
        "edits": [
            {
                "content": edit.content,
                "line": edit.span.start_line,
                "column": edit.span.start_col,
                "end_line": edit.span.end_line,
                "end_column": edit.span.end_col,
            }
            for edit in fix.edits
        ],
    }
