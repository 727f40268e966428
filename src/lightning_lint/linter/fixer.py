"""Applying fixes: ``--fix``, ``--unsafe-fixes``, ``--diff`` and ``--add-noqa``.

Fixes are span edits on the original text, for Python and YAML alike, so formatting,
comments, quoting and line endings survive byte for byte outside the edited spans.
After each pass the new text is re-parsed and re-linted; a pass whose result no longer
parses is reverted with a message. Passes repeat until nothing is left to fix (a fix may
uncover another), so a second ``--fix`` changes nothing.

Files are written atomically (a temporary file in the same folder, then a rename), keep
their mode, encoding and BOM, and are left alone when they changed since they were read.
"""

from __future__ import annotations

import difflib
import os
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, TextIO, Tuple

from lightning_lint.model.diagnostics import Applicability, Diagnostic, Edit
from lightning_lint.model.sources import PYTHON, SourceFile

MAX_PASSES = 10


@dataclass
class FixOutcome:
    """What fixing one file produced."""

    path: str
    original: str
    text: str
    applied: List[Diagnostic] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)  # reverted passes, skipped writes

    @property
    def changed(self) -> bool:
        return self.text != self.original


def applicable(diagnostic: Diagnostic, unsafe: bool) -> bool:
    fix = diagnostic.fix
    if fix is None or not fix.edits:
        return False
    if fix.applicability == Applicability.SAFE:
        return True
    return unsafe and fix.applicability == Applicability.UNSAFE


def apply_edits(source: SourceFile, edits: Sequence[Edit]) -> str:
    """Apply non-overlapping edits to the text (in characters). Inserted line breaks take
    the file's own line ending."""
    newline = source.newline
    pieces = []
    last = 0
    text = source.text
    for start, end, content in sorted(
        (source.offset(e.span.start_line, e.span.start_col), source.offset(e.span.end_line, e.span.end_col), e.content)
        for e in edits
    ):
        if newline != "\n":
            content = content.replace("\r\n", "\n").replace("\n", newline)
        pieces.append(text[last:start])
        pieces.append(content)
        last = max(end, start)
    pieces.append(text[last:])
    return "".join(pieces)


def choose(diagnostics: Sequence[Diagnostic], source: SourceFile, unsafe: bool) -> List[Diagnostic]:
    """The fixes of one pass: applicable, in file order, none overlapping another."""
    taken: List[Tuple[int, int]] = []
    chosen = []
    for diagnostic in sorted(diagnostics, key=Diagnostic.sort_key):
        if not applicable(diagnostic, unsafe):
            continue
        assert diagnostic.fix is not None  # applicable() checked it
        ranges = [
            (source.offset(e.span.start_line, e.span.start_col), source.offset(e.span.end_line, e.span.end_col))
            for e in diagnostic.fix.edits
        ]
        if any(_overlaps(r, t) for r in ranges for t in taken):
            continue  # the next pass sees it again, on the new text
        taken.extend(ranges)
        chosen.append(diagnostic)
    return chosen


def _overlaps(a: Tuple[int, int], b: Tuple[int, int]) -> bool:
    if a[0] == a[1] == b[0] == b[1]:
        return True  # two insertions at one place
    return a[0] < b[1] and b[0] < a[1]


def parses(text: str, kind: str, strict: bool = True) -> Optional[str]:
    """None when ``text`` parses, else the parser's complaint. ``strict`` also asks for
    what only a full check finds: Python that compiles (a repeated keyword argument
    parses but does not compile; compiling runs nothing), YAML without a repeated key."""
    try:
        if kind == PYTHON:
            from lightning_lint.model.sources import parse_ast

            tree = parse_ast(text)
            if strict:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # the file's own SyntaxWarnings are not ours to print
                    compile(tree, "<fixed>", "exec", dont_inherit=True)
        else:
            from lightning_lint.extract import yaml

            documents = yaml.load(SourceFile("<fixed>", text, kind))
            repeated = [d for document in documents for d in document.duplicates]
            if strict and repeated:
                return f"the key `{repeated[0].key_path}` is repeated (line {repeated[0].span.start_line})"
    except SyntaxError as exc:
        return f"SyntaxError: {exc.msg} (line {exc.lineno})"
    except Exception as exc:  # noqa: BLE001 - any loader failure means "does not parse"
        return f"{type(exc).__name__}: {exc}"
    return None


def broken_by_fix(before: str, after: str, kind: str) -> Optional[str]:
    """Why ``after`` is broken where ``before`` was not; None when it is no worse."""
    for strict in (True, False):
        if parses(before, kind, strict) is None:
            return parses(after, kind, strict)
    return None


def _apply_chosen(
    source: SourceFile, chosen: List[Diagnostic], kind: str, parsed_as: Callable[[str], str] = str
) -> Tuple[List[Diagnostic], str, Optional[str]]:
    """Apply the chosen fixes to ``source``: (the fixes applied, the new text, why it no
    longer parses or None); ``parsed_as`` gives the text the parser sees (a notebook cell's,
    magics masked). Fixes that are right alone may clash together (two of them adding
    `devices`): then the first is applied alone; the next pass sees the others."""
    before = parsed_as(source.text)
    new_text = apply_edits(source, [e for d in chosen for e in d.fix.edits])  # type: ignore[union-attr]
    problem = broken_by_fix(before, parsed_as(new_text), kind)
    if problem is not None and len(chosen) > 1:
        chosen = chosen[:1]
        new_text = apply_edits(source, chosen[0].fix.edits)  # type: ignore[union-attr]
        problem = broken_by_fix(before, parsed_as(new_text), kind)
    return chosen, new_text, problem


def fix_source(linter, source: SourceFile, path: Path, unsafe: bool) -> FixOutcome:
    """Fix one file's text until no applicable fix is left."""
    outcome = FixOutcome(source.path, source.text, source.text)
    current = source
    for _ in range(MAX_PASSES):
        result = linter.lint_source(current, path)
        chosen = choose(result.diagnostics, current, unsafe)
        if not chosen:
            break
        chosen, new_text, broken = _apply_chosen(current, chosen, current.kind)
        if new_text == current.text:
            break
        if broken is not None:
            codes = ", ".join(sorted({d.code for d in chosen}))
            outcome.problems.append(
                f"{source.path}: reverted fixes for {codes}: the result would not parse "
                f"({broken}). Please report this at "
                "https://github.com/lightning-lint/lightning-lint/issues"
            )
            break
        outcome.applied.extend(chosen)
        current = SourceFile(source.path, new_text, source.kind, encoding=source.encoding, bom=source.bom)
    outcome.text = current.text
    return outcome


def fix_notebook(linter, source: SourceFile, path: Path, unsafe: bool) -> FixOutcome:
    """Fix a notebook: each pass edits one cell's source inside the notebook JSON (see
    ``model/notebook.replace_cell_source``); outputs, metadata, indentation and key order
    are kept byte for byte. The outcome's texts are the notebook's JSON."""
    from lightning_lint.model.notebook import NotebookError, mask, replace_cell_source
    from lightning_lint.model.sources import UnreadableSource, notebook_source

    assert source.notebook is not None
    outcome = FixOutcome(source.path, source.notebook.json_text, source.notebook.json_text)
    current = source
    for _ in range(MAX_PASSES):
        notebook = current.notebook
        assert notebook is not None
        result = linter.lint_source(current, path)
        fixable = [d for d in result.diagnostics if d.cell is not None and applicable(d, unsafe)]
        if not fixable:
            break
        number = min(d.cell for d in fixable if d.cell is not None)
        cell = notebook.cell(number)
        if cell is None:
            break
        cell_source = SourceFile(source.path, cell.text, PYTHON)
        chosen = choose([d for d in fixable if d.cell == number], cell_source, unsafe)
        chosen, new_text, broken = _apply_chosen(cell_source, chosen, PYTHON, lambda text: mask(text)[0])
        if new_text == cell.text:
            break
        if broken is not None:
            codes = ", ".join(sorted({d.code for d in chosen}))
            outcome.problems.append(
                f"{source.path}: reverted fixes for {codes} in cell {number}: the result would not parse "
                f"({broken}). Please report this at https://github.com/lightning-lint/lightning-lint/issues"
            )
            break
        try:
            new_json = replace_cell_source(notebook, number, new_text)
            current = notebook_source(new_json, source.path, new_json.encode("utf-8"), source.bom)
        except (NotebookError, UnreadableSource) as exc:
            outcome.problems.append(f"{source.path}: not fixed: {exc}")
            break
        outcome.applied.extend(chosen)
    assert current.notebook is not None
    outcome.text = current.notebook.json_text
    return outcome


def encode(source: SourceFile, text: str) -> bytes:
    data = text.encode(source.encoding)
    return (b"\xef\xbb\xbf" + data) if source.bom else data


def write_atomically(path: Path, data: bytes, expected: bytes) -> Optional[str]:
    """Replace ``path`` with ``data`` unless its content is no longer ``expected``.
    Returns a problem message, or None when written."""
    target = Path(os.path.realpath(path))  # through a symbolic link: replace its target, keep the link
    try:
        with open(target, "rb") as handle:
            if handle.read(len(expected) + 1) != expected:
                return f"{path}: not fixed: the file changed while lightning-lint was running"
        mode = os.stat(target).st_mode
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".lightning-lint.tmp", dir=str(target.parent))
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, mode & 0o7777)
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError as exc:
        return f"{path}: not fixed: {exc.strerror or exc}"
    return None


def unified_diff(outcome: FixOutcome) -> str:
    lines = difflib.unified_diff(
        outcome.original.splitlines(keepends=True),
        outcome.text.splitlines(keepends=True),
        fromfile=f"a/{outcome.path}",
        tofile=f"b/{outcome.path}",
    )
    out = []
    for line in lines:
        out.append(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def apply_to_run(run, options, resolver, stdout: TextIO) -> Optional[int]:
    """Fix (or diff, or add noqa to) the files of a finished run. Returns an exit code
    when the command ends here (``--diff``, ``--add-noqa``), else None after updating
    ``run`` with the re-linted results."""
    from lightning_lint.linter.engine import Linter

    linter = Linter(resolver)
    if options.add_noqa:
        return _add_noqa(run, linter, stdout)
    changed = 0
    problems: List[str] = []
    for index, result in enumerate(run.results):
        source = result.source
        stdin = _is_stdin(result.path, options)
        if stdin and source is not None and not options.diff:
            run.stdin_fixed = _with_bom(source, source.text)  # printed even when nothing is fixed, like ruff
        if source is None or not any(applicable(d, options.unsafe_fixes) for d in result.diagnostics):
            continue
        path = Path(options.stdin_filename or "<stdin>.py") if stdin else Path(result.path)
        if source.notebook is not None:
            outcome = fix_notebook(linter, source, path, options.unsafe_fixes)
        else:
            outcome = fix_source(linter, source, path, options.unsafe_fixes)
        problems.extend(outcome.problems)
        if not outcome.changed:
            continue
        if options.diff:
            stdout.write(unified_diff(outcome))
            changed += 1
            continue
        if stdin:
            run.stdin_fixed = _with_bom(source, outcome.text)
        elif source.notebook is not None:
            problem = write_atomically(path, encode(source, outcome.text), source.raw)
            if problem:
                problems.append(problem)
                continue
        else:
            problem = write_atomically(path, encode(source, outcome.text), source.raw or encode(source, source.text))
            if problem:
                problems.append(problem)
                continue
        run.fixed += len(outcome.applied)
        changed += 1
        if source.notebook is not None:
            from lightning_lint.model.sources import notebook_source

            run.results[index] = linter.lint_source(
                notebook_source(outcome.text, source.path, encode(source, outcome.text), source.bom), path
            )
            continue
        fixed_source = SourceFile(
            source.path,
            outcome.text,
            source.kind,
            encoding=source.encoding,
            bom=source.bom,
            raw=encode(source, outcome.text),
        )
        run.results[index] = linter.lint_source(fixed_source, path)
    for problem in problems:
        print(f"lightning-lint: {problem}", file=sys.stderr)
    if options.diff:
        if changed:
            print(f"Would fix {changed} file{'s' if changed != 1 else ''}.", file=sys.stderr)
        return 1 if changed else 0
    run.diagnostics = sorted((d for r in run.results for d in r.diagnostics), key=Diagnostic.sort_key)
    return None


def notebook_noqa(diagnostics: List[Diagnostic], source: SourceFile) -> Tuple[Optional[str], int]:
    """``--add-noqa`` on a notebook: its JSON text with ``# noqa: CODES`` added at the end
    of each flagged line inside the cell sources (merged into a ``# noqa`` already there),
    every other byte kept (``model/notebook.replace_cell_source``), and the number of lines
    that get one. The text is None when nothing is added, or (with a count) when a cell
    would no longer parse."""
    from lightning_lint.linter import suppressions
    from lightning_lint.linter.notebooks import to_module
    from lightning_lint.model.notebook import mask, replace_cell_source
    from lightning_lint.model.sources import notebook_source
    from lightning_lint.model.spec import Span

    notebook = source.notebook
    assert notebook is not None
    here = os.path.abspath(source.path)
    in_module = [to_module(d, source) for d in diagnostics if d.cell is not None and os.path.abspath(d.path) == here]
    by_cell: Dict[int, List[Edit]] = {}
    for edit in suppressions.noqa_edits(in_module, source):
        number, line = notebook.locate(edit.span.start_line)
        by_cell.setdefault(number, []).append(
            Edit(Span(line, edit.span.start_col, line, edit.span.end_col), edit.content)
        )
    current, added = source, 0
    for number, edits in sorted(by_cell.items()):
        cell = notebook.cell(number)
        if cell is None or current.notebook is None:
            return None, 0
        text = apply_edits(SourceFile(source.path, cell.text, PYTHON), edits)
        if broken_by_fix(mask(cell.text)[0], mask(text)[0], PYTHON) is not None:
            return None, len(edits)
        new_json = replace_cell_source(current.notebook, number, text)
        current = notebook_source(new_json, source.path, new_json.encode("utf-8"), source.bom)
        added += len(edits)
    assert current.notebook is not None
    return (current.notebook.json_text if added else None), added


def _with_bom(source: SourceFile, text: str) -> str:
    return ("\ufeff" + text) if source.bom else text


def _is_stdin(display: str, options) -> bool:
    return "-" in options.paths or (
        options.stdin_filename is not None and not options.paths and display in (options.stdin_filename, "<stdin>")
    )


def _add_noqa(run, linter, stdout: TextIO) -> int:
    from lightning_lint.linter import suppressions

    added = 0
    for result in run.results:
        source = result.source
        if source is None or not result.diagnostics or not source.raw:
            continue
        text: Optional[str]
        if source.notebook is not None:  # the comments go into the cell sources of the JSON
            text, count = notebook_noqa(result.diagnostics, source)
        else:
            edits = suppressions.noqa_edits(result.diagnostics, source)
            count = len(edits)
            text = apply_edits(source, edits) if edits else None
            if text is not None and broken_by_fix(source.text, text, source.kind) is not None:
                text = None
        if not count:
            continue
        if text is None:
            print(
                f"lightning-lint: {source.path}: could not add noqa comments without breaking the file", file=sys.stderr
            )
            continue
        problem = write_atomically(Path(result.path), encode(source, text), source.raw)
        if problem:
            print(f"lightning-lint: {problem}", file=sys.stderr)
            continue
        added += count
    stdout.write(f"Added {added} noqa directive{'s' if added != 1 else ''}.\n")
    return 0
