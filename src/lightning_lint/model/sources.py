"""Reading a file into text the linter can trust, or saying why it cannot.

Every problem here becomes one LL901 finding for that file; nothing raises past
``read_source``. Line and column arithmetic lives here too, so that extractors, rules,
fixes and reporters agree on what "line 3, column 5" means.
"""

from __future__ import annotations

import bisect
import codecs
import errno
import io
import itertools
import os
import re
import stat
import sys
import tokenize
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, Tuple, Union

from lightning_lint.model.spec import Span

if TYPE_CHECKING:
    import ast

    from lightning_lint.model.notebook import Notebook

PYTHON = "python"
YAML = "yaml"

PYTHON_SUFFIXES = (".py",)
YAML_SUFFIXES = (".yaml", ".yml")
NOTEBOOK = "notebook"  # a Jupyter notebook: read as the Python module of its code cells (model/notebook.py)

DEFAULT_MAX_BYTES = 4 * 1024 * 1024

# Python and most tools break lines on these; PyYAML also breaks on NEL, LS and PS.
_PY_BREAK = re.compile(r"\r\n|\r|\n")
_YAML_BREAK = re.compile("\r\n|\r|\n|\x85|\u2028|\u2029")
_YAML_ONLY_BREAKS = re.compile("[\x85\u2028\u2029]")  # line breaks to YAML, not to Python


def kind_of(path: Union[str, Path]) -> Optional[str]:
    name = str(path).lower()
    if name.endswith(PYTHON_SUFFIXES):
        return PYTHON
    if name.endswith(YAML_SUFFIXES):
        return YAML
    if name.endswith(".ipynb"):
        return NOTEBOOK
    return None


class UnreadableSource(Exception):
    """The file cannot be linted as text; the message says why (becomes LL901)."""


@dataclass(eq=False)
class SourceFile:
    """A decoded file. ``path`` is the display path used in findings."""

    path: str
    text: str
    kind: str
    encoding: str = "utf-8"
    bom: bool = False
    raw: bytes = b""
    notebook: Optional["Notebook"] = field(default=None, repr=False)  # set for a notebook
    _starts: Optional[List[int]] = field(default=None, repr=False)
    _lines: Optional[List[str]] = field(default=None, repr=False)

    # -- lines -------------------------------------------------------------------------
    def _breaks(self) -> "re.Pattern[str]":
        return _YAML_BREAK if self.kind == YAML else _PY_BREAK

    @property
    def line_starts(self) -> List[int]:
        """Character offset of the start of each line (index 0 is line 1)."""
        if self._starts is None:
            if "\r" in self.text or (self.kind == YAML and _YAML_ONLY_BREAKS.search(self.text)):
                starts = [0]
                starts.extend(m.end() for m in self._breaks().finditer(self.text))
            else:  # every break is one "\n": each line starts one past the previous one's end
                lines = self.lines
                starts = list(itertools.accumulate(map((1).__add__, map(len, lines)), initial=0))[: len(lines)]
            self._starts = starts
        return self._starts

    @property
    def lines(self) -> List[str]:
        """The lines without their line breaks."""
        if self._lines is None:
            self._lines = self._breaks().split(self.text)
        return self._lines

    def line(self, number: int) -> str:
        """Line ``number`` (1-based), empty past the end."""
        lines = self.lines
        return lines[number - 1] if 1 <= number <= len(lines) else ""

    @property
    def line_count(self) -> int:
        return len(self.lines)

    def offset(self, line: int, col: int) -> int:
        """Character offset of 1-based (line, column), clamped into the text."""
        starts = self.line_starts
        if line < 1:
            return 0
        if line > len(starts):
            return len(self.text)
        start = starts[line - 1]
        end = starts[line] if line < len(starts) else len(self.text)
        return min(start + max(col - 1, 0), end)

    def position(self, offset: int) -> Tuple[int, int]:
        """1-based (line, column) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1

    def text_of(self, span: Span) -> str:
        return self.text[self.offset(span.start_line, span.start_col) : self.offset(span.end_line, span.end_col)]

    def span_of_offsets(self, start: int, end: int) -> Span:
        sl, sc = self.position(start)
        el, ec = self.position(end)
        return Span(sl, sc, el, ec)

    @property
    def newline(self) -> str:
        match = self._breaks().search(self.text)
        return match.group(0) if match else "\n"


def read_source(
    path: Union[str, Path], display: Optional[str] = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> SourceFile:
    """Read and decode a file; raises ``UnreadableSource`` with a reason."""
    path = Path(path)
    display = display or str(path)
    kind = kind_of(path)
    if kind is None:
        raise UnreadableSource("not a Python or YAML file or a Jupyter notebook")
    return decode_source(read_bytes(path, max_bytes), display, kind)


def read_bytes(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """A file's bytes; raises ``UnreadableSource`` when the file cannot be read (these
    reasons depend on the file system, not on the content)."""
    try:
        if path.is_symlink():
            _check_link(path)
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            raise UnreadableSource("is a directory, not a file")
        if not stat.S_ISREG(status.st_mode):
            # a FIFO or a device would block the read or never end
            raise UnreadableSource("not a regular file (a pipe, socket or device)")
        size = status.st_size
        if size > max_bytes:
            raise UnreadableSource(
                f"file is {_megabytes(size)}, larger than the {_megabytes(max_bytes)} limit "
                "(raise `max-file-size` in the settings to lint it)"
            )
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except UnreadableSource:
        raise
    except FileNotFoundError:
        raise UnreadableSource("file does not exist (it may have been deleted during the run)") from None
    except PermissionError:
        raise UnreadableSource("permission denied") from None
    except OSError as exc:
        raise UnreadableSource(f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise UnreadableSource(f"file is larger than the {_megabytes(max_bytes)} limit")
    return data


def _check_link(path: Path) -> None:
    """Say why a symbolic link cannot be followed, if it cannot."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnreadableSource("symbolic link loop") from None
        if exc.errno == errno.ENOENT:
            raise UnreadableSource(f"broken symbolic link (points to {os.readlink(path)})") from None
        raise


def decode_source(data: bytes, display: str, kind: str) -> SourceFile:
    """Decode bytes read from a file (or standard input) into a ``SourceFile``."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableSource("UTF-16 text; Python and YAML files must be UTF-8 (or declare their encoding)")
    if b"\x00" in data:
        raise UnreadableSource("binary file (contains NUL bytes)")
    bom = data.startswith(codecs.BOM_UTF8)
    encoding = "utf-8"
    if kind == NOTEBOOK:
        try:
            text = data[len(codecs.BOM_UTF8) if bom else 0 :].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableSource(f"not valid UTF-8 (byte 0x{data[exc.start]:02x})") from None
        return notebook_source(text, display, data, bom)
    if kind == PYTHON:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as exc:
            raise UnreadableSource(f"invalid encoding declaration: {exc}") from None
        if encoding == "utf-8-sig":
            encoding = "utf-8"
    body = data[len(codecs.BOM_UTF8) :] if bom else data
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise UnreadableSource(f"not valid {encoding.upper()} (byte 0x{body[exc.start]:02x} on line {line})") from None
    except LookupError:
        raise UnreadableSource(f"unknown encoding {encoding!r}") from None
    return SourceFile(display, text, kind, encoding=encoding, bom=bom, raw=data)


def may_hold_suppressions(data: bytes) -> bool:
    """Whether a file's bytes may hold a ``noqa`` or ``lightning-lint:`` comment (any case):
    else no suppression in it can be reported unused, nor anything be hidden."""
    lowered = data.lower()
    return b"noqa" in lowered or b"lightning-lint:" in lowered


def plainly_decodable(data: bytes) -> bool:
    """Whether ``decode_source`` surely decodes a Python file's bytes, judged without
    decoding them (which costs ten times as much): ASCII without NUL bytes or a coding
    declaration (on the first or second line)."""
    end = data.find(b"\n")
    end = data.find(b"\n", end + 1) if end >= 0 else -1
    return data.isascii() and b"\x00" not in data and b"coding" not in (data if end < 0 else data[:end])


def source_from_text(text: str, display: str, kind: str) -> SourceFile:
    """A ``SourceFile`` for text that is already decoded (an editor buffer, standard
    input): a Python coding declaration does not apply to it a second time."""
    if "\x00" in text:
        raise UnreadableSource("binary file (contains NUL bytes)")
    bom = text.startswith("\ufeff")
    if kind == NOTEBOOK:
        return notebook_source(text[1:] if bom else text, display, text.encode("utf-8", errors="replace"), bom)
    return SourceFile(
        display, text[1:] if bom else text, kind, bom=bom, raw=text.encode("utf-8", errors="surrogatepass")
    )


def notebook_source(json_text: str, display: str, raw: bytes, bom: bool = False) -> SourceFile:
    """A notebook read as a Python source: its text is the module of its code cells."""
    from lightning_lint.model.notebook import NotebookError, read_notebook

    try:
        notebook = read_notebook(json_text, parse_ast)
    except NotebookError as exc:
        raise UnreadableSource(f"not a readable notebook: {exc}") from None
    return SourceFile(display, notebook.module, PYTHON, bom=bom, raw=raw, notebook=notebook)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def utf8_col_to_char(line: str, byte_col: int) -> int:
    """Convert a UTF-8 byte offset within ``line`` (what ``ast`` reports) to characters."""
    if line.isascii():
        return byte_col
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))


# -- parsing Python safely -------------------------------------------------------


def parse_ast(text: str, filename: str = "<unknown>") -> "ast.Module":
    """``ast.parse`` without the SyntaxWarnings Python 3.12+ prints about the file itself
    (an invalid escape in a regex string): they are not lightning-lint's to report.
    Raises RecursionError for a chain that would crash Python 3.9/3.10 (see below)."""
    if _too_long_a_chain(text):
        raise RecursionError("an expression chain too long to parse safely")
    import ast

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=filename)


def shallow(text: str, max_brackets: int, max_indent: int, max_operators: int) -> bool:
    """Whether no bracket, indentation or operator chain of ``text`` goes past the
    limits. Counted with the pure-Python tokenizer, which does not recurse; a tokenizer
    error just ends the count."""
    brackets = indent = operators = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text, newline=None).readline):
            kind, string = token.type, token.string
            if kind == tokenize.NEWLINE:
                operators = 0
            elif kind == tokenize.INDENT:
                indent += 1
            elif kind == tokenize.DEDENT:
                indent -= 1
            elif kind == tokenize.OP:
                if string in "([{":
                    brackets += 1
                elif string in ")]}":
                    brackets = max(brackets - 1, 0)
                if string not in (",", ":", ";", "=", ")", "]", "}"):
                    operators += 1
            elif kind == tokenize.NAME and string in ("not", "await", "lambda", "if"):
                operators += 1
            if brackets > max_brackets or indent > max_indent or operators > max_operators:
                return False
    except (tokenize.TokenError, SyntaxError):
        pass
    return True


# Python 3.9 and 3.10 convert a parsed chain (`a.b.c...`, `1 + 1 + ...`, `f()()...`) into
# ast objects recursively in C, with no depth check: past about 150000 links the
# interpreter crashes. Such a file is reported instead of parsed.
_AST_MAX_CHAIN = 100_000 if sys.version_info < (3, 11) else None
_CHAIN_CHARACTERS = "+-*/%@&|^<>.[(~"


def _too_long_a_chain(text: str) -> bool:
    if _AST_MAX_CHAIN is None or sum(text.count(c) for c in _CHAIN_CHARACTERS) <= _AST_MAX_CHAIN:
        return False  # the common case: not even that many operators in the whole file
    return not shallow(text, sys.maxsize, sys.maxsize, _AST_MAX_CHAIN)
