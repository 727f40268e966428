"""Character offsets <-> LSP positions.

Our spans are 1-based lines and columns counted in characters (code points), with
YAML's extra line breaks (NEL, LS, PS) where the file is YAML. LSP positions are
0-based, break lines only on ``\\n``, ``\\r\\n`` and ``\\r``, and count columns in the
code units the client and server agreed on (UTF-16 unless told otherwise). Going
through character offsets of the whole text keeps both conventions honest.

No pygls here: this module is plain Python, usable (and tested) without the ``lsp`` extra.
"""

from __future__ import annotations

import bisect
import re
from typing import Tuple

from lightning_lint.model.sources import SourceFile
from lightning_lint.model.spec import Span

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"

_LSP_BREAK = re.compile(r"\r\n|\r|\n")

Position = Tuple[int, int]  # (0-based line, column in code units)


def code_units(text: str, encoding: str = UTF16) -> int:
    """The length of ``text`` in the code units of ``encoding``."""
    if encoding == UTF32:
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", errors="surrogatepass"))
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)  # astral characters take two


class PositionMap:
    """Converts between character offsets of ``text`` and LSP positions."""

    def __init__(self, text: str, encoding: str = UTF16) -> None:
        self.text = text
        self.encoding = encoding if encoding in (UTF8, UTF16, UTF32) else UTF16
        self.starts = [0] + [m.end() for m in _LSP_BREAK.finditer(text)]

    def _line_end(self, line: int) -> int:
        """Offset of the end of ``line``'s content (before its line break)."""
        if line + 1 < len(self.starts):
            end = self.starts[line + 1]
            while end > self.starts[line] and self.text[end - 1] in "\r\n":
                end -= 1
            return end
        return len(self.text)

    def position(self, offset: int) -> Position:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        offset = min(offset, self._line_end(line))  # inside a "\r\n": the end of the line
        return line, code_units(self.text[self.starts[line] : offset], self.encoding)

    def offset(self, line: int, character: int) -> int:
        """The character offset of an LSP position, clamped into the text (a column past
        the end of a line means the end of the line, as the protocol says)."""
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        start, end = self.starts[line], self._line_end(line)
        units = 0
        for index in range(start, end):
            if units >= character:
                return index
            units += code_units(self.text[index], self.encoding)
        return end


class SourcePositions:
    """LSP positions of a ``SourceFile``'s spans, in the editor's text of that file.

    The editor's text may start with a byte order mark that the linter's text does not
    have; every offset shifts by one then."""

    def __init__(self, source: SourceFile, editor_text: str, encoding: str = UTF16) -> None:
        self.source = source
        self.map = PositionMap(editor_text, encoding)
        self.shift = 1 if editor_text.startswith("\ufeff") and not source.text.startswith("\ufeff") else 0

    def point(self, line: int, col: int) -> Position:
        return self.map.position(self.source.offset(line, col) + self.shift)

    def range(self, span: Span) -> Tuple[Position, Position]:
        return self.point(span.start_line, span.start_col), self.point(span.end_line, span.end_col)
