"""How an extractor says that a file cannot be read as a configuration."""

from __future__ import annotations


class ParseFailure(Exception):
    def __init__(
        self, message: str, line: int = 1, col: int = 1, newer_syntax: bool = False, environmental: bool = False
    ) -> None:
        super().__init__(message)
        self.message, self.line, self.col, self.newer_syntax = message, line, col, newer_syntax
        self.environmental = environmental  # the interpreter's limits, not the text, made it fail
