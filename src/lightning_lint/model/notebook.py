"""Reading a Jupyter notebook (nbformat 4) as one Python module.

The code cells, in order, are joined into one module (a name bound in cell 2 is known in
cell 5, as when the notebook runs top to bottom). IPython syntax that is not Python
(``!pip install``, ``%matplotlib inline``, ``%%bash`` cells, ``obj?`` help) is masked:
the line becomes ``pass`` at its indentation, so the line count and every other line's
columns stay as they were. A cell that still does not parse on its own is left out of
the module (its lines become empty) and reported as broken.

Every line of the module maps back to (cell number, line in cell), cells counted from 1
over all cells, markdown and raw included, as a notebook shows them. The JSON is read by
a small scanner that records where each cell's ``source`` value lies in the file, so a
fix can rewrite just that value and leave every other byte alone, and so CI formats can
point at the file line that holds a code line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

if TYPE_CHECKING:
    from lightning_lint.model.diagnostics import Diagnostic

NOTEBOOK = "notebook"
NOTEBOOK_SUFFIXES = (".ipynb",)

MAX_DEPTH = 64  # nesting of the notebook JSON; nbformat 4 needs about 8

_BREAK = re.compile(r"\r\n|\r|\n")
_WS = " \t\n\r"


class NotebookError(Exception):
    """The file is not a notebook this linter can read (becomes LL901)."""


# -- a JSON scanner that keeps positions ---------------------------------------------------


@dataclass
class JNode:
    start: int
    end: int
    value: Any = None  # a scalar's value
    items: Optional[List["JNode"]] = None  # an array's elements
    entries: Optional[Dict[str, "JNode"]] = None  # an object's members (last one wins)

    def get(self, key: str) -> Optional["JNode"]:
        return self.entries.get(key) if self.entries is not None else None


_DECODER = json.JSONDecoder()


def scan_json(text: str) -> JNode:
    position = _skip(text, 0)
    node, position = _value(text, position, 0)
    if _skip(text, position) != len(text):
        raise NotebookError(f"not valid JSON: extra data at {_where(text, position)}")
    return node


_WS_RUN = re.compile(f"[{_WS}]*")


def _skip(text: str, position: int) -> int:
    return _WS_RUN.match(text, position).end()  # type: ignore[union-attr]  # (``*`` always matches)


def _where(text: str, position: int) -> str:
    line = text.count("\n", 0, position) + 1
    return f"line {line}"


def _value(text: str, position: int, depth: int) -> Tuple[JNode, int]:
    if depth > MAX_DEPTH:
        raise NotebookError(f"the JSON is nested deeper than {MAX_DEPTH} levels")
    if position >= len(text):
        raise NotebookError("not valid JSON: the file ends early")
    char = text[position]
    if char == "{":
        start = position
        entries: Dict[str, JNode] = {}
        position = _skip(text, position + 1)
        if position < len(text) and text[position] == "}":
            return JNode(start, position + 1, entries=entries), position + 1
        while True:
            position = _skip(text, position)
            if position >= len(text) or text[position] != '"':
                raise NotebookError(f"not valid JSON: expected a key at {_where(text, position)}")
            key, position = _scalar(text, position)
            position = _skip(text, position)
            if position >= len(text) or text[position] != ":":
                raise NotebookError(f"not valid JSON: expected ':' at {_where(text, position)}")
            position = _skip(text, position + 1)
            if key.value in _UNREAD:
                node, position = _opaque(text, position)
            else:
                node, position = _value(text, position, depth + 1)
            entries[str(key.value)] = node
            position = _skip(text, position)
            if position < len(text) and text[position] == ",":
                position += 1
                continue
            if position < len(text) and text[position] == "}":
                return JNode(start, position + 1, entries=entries), position + 1
            raise NotebookError(f"not valid JSON: expected ',' or '}}' at {_where(text, position)}")
    if char == "[":
        start = position
        items: List[JNode] = []
        position = _skip(text, position + 1)
        if position < len(text) and text[position] == "]":
            return JNode(start, position + 1, items=items), position + 1
        while True:
            node, position = _value(text, _skip(text, position), depth + 1)
            items.append(node)
            position = _skip(text, position)
            if position < len(text) and text[position] == ",":
                position += 1
                continue
            if position < len(text) and text[position] == "]":
                return JNode(start, position + 1, items=items), position + 1
            raise NotebookError(f"not valid JSON: expected ',' or ']' at {_where(text, position)}")
    return _scalar(text, position)


# Members nothing reads (a cell's outputs: images, logs, tables, most of a run notebook's
# bytes): decoded whole by the C decoder, which checks them as strictly, without positions.
_UNREAD = frozenset({"outputs", "attachments"})


def _opaque(text: str, position: int) -> Tuple[JNode, int]:
    try:
        value, end = _DECODER.raw_decode(text, position)
    except (ValueError, RecursionError) as exc:
        raise NotebookError(f"not valid JSON at {_where(text, position)}: {getattr(exc, 'msg', exc)}") from None
    return JNode(position, end, value=value), end


def _scalar(text: str, position: int) -> Tuple[JNode, int]:
    node, end = _opaque(text, position)
    if isinstance(node.value, (dict, list)):  # raw_decode only sees a scalar here; be sure
        raise NotebookError(f"not valid JSON at {_where(text, position)}")
    return node, end


# -- cells -----------------------------------------------------------------------------------

# cell magics whose body is Python (only the magic line is masked)
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "pypy", "python", "python3"})

# cell magics whose body is another language or a file's text (the whole cell is masked);
# an unknown cell magic's body counts as Python when it parses
OTHER_LANGUAGE_CELL_MAGICS = frozenset(
    {"bash", "sh", "script", "writefile", "file", "html", "javascript", "js", "latex", "markdown", "svg", "perl"}
    | {"ruby", "system", "sx", "cmd", "powershell", "sql", "R", "dot"}
)
# IPython's automagic: `ls ./data`, `cd ..` as statements (only in a cell that fails to parse)
_AUTOMAGIC = re.compile(
    r"^\s*(ls|cd|pwd|cat|mkdir|rmdir|rm|cp|mv|less|man|env|pip|conda|load_ext|matplotlib)(\s+[^=(\s].*)?$"
)
_ASSIGN_MAGIC = re.compile(r"^\s*[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[!%]")
# "at line 57", "on line 57": a line of the same file, in messages built from module lines
_AT_LINE = re.compile(r"\b(at|on) line (\d+)\b(?![.:]\d)")
_HELP = re.compile(r"^\s*(\?{1,2}[\w.]+(\(\))?|[\w.]+(\(\))?\?{1,2})\s*$")


@dataclass
class Cell:
    number: int  # counted from 1 over all cells
    kind: str  # "code", "markdown", "raw"
    text: str  # the source, joined
    node: Optional[JNode] = None  # the "source" value in the file
    masked: List[int] = field(default_factory=list)  # lines (1-based) masked as IPython syntax
    broken: Optional[Tuple[int, int, str]] = None  # (line, column, message) when it does not parse
    first_line: int = 0  # its first line in the joined module (0: not in it)

    @property
    def lines(self) -> List[str]:
        return _BREAK.split(self.text)


@dataclass
class Notebook:
    json_text: str
    cells: List[Cell]
    module: str  # the joined code cells
    line_map: List[Tuple[int, int]]  # module line - 1 -> (cell number, line in cell)
    python: bool = True  # False: a notebook of another language (nothing is linted)

    def cell(self, number: int) -> Optional[Cell]:
        return self.cells[number - 1] if 1 <= number <= len(self.cells) else None

    def locate(self, line: int) -> Tuple[int, int]:
        """(cell, line in cell) of a module line; past the end: the last line."""
        if not self.line_map:
            return 1, line
        return self.line_map[max(0, min(line, len(self.line_map)) - 1)]

    def module_line(self, cell: int, line: int) -> int:
        found = self.cell(cell)
        return found.first_line + line - 1 if found is not None and found.first_line else line

    def file_line(self, cell: int, line: int) -> int:
        """The line of the notebook file that holds line ``line`` of cell ``cell`` (for
        outputs that point into the file itself)."""
        found = self.cell(cell)
        if found is None or found.node is None:
            return 1
        node = found.node
        if node.items:
            item = node.items[max(0, min(line, len(node.items)) - 1)]
            return self.json_text.count("\n", 0, item.start) + 1
        # one string: count the escaped line breaks before the line
        value_text = self.json_text[node.start : node.end]
        before = self.json_text.count("\n", 0, node.start) + 1
        return before + min(line - 1, value_text.count("\\n")) * (1 if "\n" in value_text else 0)

    def where(self, line: int) -> str:
        """A module line as a reader of the notebook names it: ``cell 4, line 3``."""
        cell, in_cell = self.locate(line)
        return f"cell {cell}, line {in_cell}"

    def cell_text(self, text: str, names: Tuple[str, ...] = ()) -> str:
        """``text`` (a message, a help, a summary) with the module lines it names given as
        cell lines: ``train.ipynb:57`` (any of ``names``) becomes ``train.ipynb:cell 4:3``,
        ``at line 57`` becomes ``at cell 4, line 3``. Text already by cell is left as it is."""
        if not text or not self.line_map:
            return text

        def in_file(match: "re.Match[str]") -> str:
            cell, in_cell = self.locate(int(match.group(2)))
            return f"{match.group(1)}:cell {cell}:{in_cell}"

        for name in sorted({n for n in names if n}, key=len, reverse=True):
            text = re.sub(rf"(?<![\w./-])({re.escape(name)}):(\d+)(?![\d.])", in_file, text)
        return _AT_LINE.sub(lambda m: f"{m.group(1)} {self.where(int(m.group(2)))}", text)

    def magic_lines(self) -> List[Tuple[int, int, str]]:
        """(cell, line, text) of every masked IPython line (``!pip install ...``)."""
        return [(c.number, n, c.lines[n - 1]) for c in self.cells if c.kind == "code" for n in c.masked]


def in_file(d: "Diagnostic", notebook: Optional[Notebook]) -> "Diagnostic":
    """A finding of a notebook placed in the notebook file itself: at the file line that
    holds the flagged code line, the cell and the line within it at the head of the
    message, without its fix (whose edits are within the cell). For the outputs that
    point into files (SARIF, GitHub, GitLab, JUnit) and editors that show the JSON."""
    if d.cell is None:
        return d
    from lightning_lint.model.spec import Loc, Span

    line = notebook.file_line(d.cell, d.line) if notebook is not None else 1
    related = d.related
    if notebook is not None and related:
        # related locations in this notebook are lines of its joined module: to file lines
        related = tuple(
            Loc(d.path, Span(*(2 * (notebook.file_line(*notebook.locate(loc.span.start_line)), 1))))
            if _same_file(loc.path, d.path)
            else loc
            for loc in related
        )
    return d.with_changes(
        span=Span(line, 1, line, 1),
        cell=None,
        fix=None,
        related=related,
        message=f"cell {d.cell}, line {d.line}, column {d.column}: {d.message}",
    )


def _same_file(one: str, other: str) -> bool:
    """Two names of one file (a related location is named relative to the project, the
    finding may be named by its absolute path)."""
    one, other = one.replace("\\", "/"), other.replace("\\", "/")
    return one == other or one.endswith("/" + other.lstrip("./")) or other.endswith("/" + one.lstrip("./"))


def read_notebook(json_text: str, parse: Optional[Callable[[str], Any]] = None) -> Notebook:
    """Parse a notebook's JSON text; raises ``NotebookError`` with a reason. ``parse``
    parses a cell's Python (``sources.parse_ast``; ``ast.parse`` by default)."""
    root = scan_json(json_text)
    if root.entries is None:
        raise NotebookError("not a Jupyter notebook: the JSON is not an object")
    version = root.get("nbformat")
    if version is None or version.value != 4:
        shown = "missing" if version is None else json.dumps(version.value)
        raise NotebookError(f"not an nbformat 4 notebook (nbformat is {shown})")
    cells_node = root.get("cells")
    if cells_node is None or cells_node.items is None:
        raise NotebookError("not a Jupyter notebook: no list of cells")
    cells: List[Cell] = []
    for number, node in enumerate(cells_node.items, 1):
        kind_node = node.get("cell_type")
        source = node.get("source")
        if node.entries is None or kind_node is None or not isinstance(kind_node.value, str):
            raise NotebookError(f"cell {number} has no cell_type")
        text = _source_text(source, number)
        cells.append(Cell(number, kind_node.value, text, source))
    notebook = Notebook(json_text, cells, "", [], python=_is_python(root))
    if notebook.python:
        _join(notebook, parse or _parse)
    return notebook


def plainly_readable(data: bytes) -> bool:
    """Whether ``read_notebook`` surely accepts these bytes, judged with the C JSON
    decoder: for notebooks the prefilter rejects, whose cells are never parsed. False:
    decode them properly, to find out (and say why, if they are not readable)."""
    try:
        text = data[3:].decode("utf-8") if data.startswith(b"\xef\xbb\xbf") else data.decode("utf-8")
        root = json.loads(text)
    except (ValueError, RecursionError):
        return False
    if not isinstance(root, dict) or root.get("nbformat") != 4:
        return False
    cells = root.get("cells")
    if not isinstance(cells, list) or _depth(root) > MAX_DEPTH:
        return False
    for cell in cells:
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            return False
        source = cell.get("source", "")
        if not isinstance(source, str) and not (
            isinstance(source, list) and all(isinstance(line, str) for line in source)
        ):
            return False
    return True


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in decoded JSON (a scalar: 0)."""
    deepest, level = 0, [(value, 1)]
    while level:
        item, depth = level.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        level.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _source_text(node: Optional[JNode], number: int) -> str:
    if node is None:
        return ""
    if isinstance(node.value, str):
        return node.value
    if node.items is not None and all(isinstance(item.value, str) for item in node.items):
        return "".join(item.value for item in node.items)
    raise NotebookError(f"cell {number}: its source is not text")


def _is_python(root: JNode) -> bool:
    metadata = root.get("metadata")
    if metadata is None:
        return True
    for outer, inner in (("kernelspec", "language"), ("language_info", "name")):
        holder = metadata.get(outer)
        found = holder.get(inner) if holder is not None else None
        if found is not None and isinstance(found.value, str):
            return found.value.lower() in ("python", "python3", "ipython", "ipython3")
    return True


def mask(text: str) -> Tuple[str, List[int]]:
    """The cell's text with IPython-only lines replaced by ``pass`` (same indentation),
    and the masked line numbers."""
    lines = _BREAK.split(text)
    masked: List[int] = []
    continuations = set()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        name = lines[first].lstrip()[2:].split(None, 1)[0] if lines[first].lstrip()[2:].strip() else ""
        masked.append(first + 1)
        if name in OTHER_LANGUAGE_CELL_MAGICS or (
            name not in PYTHON_CELL_MAGICS and not _parses("\n".join(lines[first + 1 :]))
        ):
            # the body is not Python (a shell script, a file written out): its lines are emptied
            masked = [i + 1 for i, line in enumerate(lines) if line.strip()]
            continuations.update(masked[1:])
    if not masked or len(masked) == 1:  # no cell magic, or one whose body is Python
        continued = False
        for index, line in enumerate(lines):
            if index + 1 in masked:
                continue
            stripped = line.lstrip()
            if continued:
                continuations.add(index + 1)
            if (
                continued
                or stripped.startswith(("!", "%"))
                or _ASSIGN_MAGIC.match(line)
                or _HELP.match(line)
                or _AUTOMAGIC.match(line)
            ):
                masked.append(index + 1)
                continued = line.rstrip().endswith("\\")
    for number in masked:
        line = lines[number - 1]
        indent = line[: len(line) - len(line.lstrip())]
        # a continuation of a masked line (`!pip install \`) becomes an empty line
        lines[number - 1] = "" if number in continuations else (f"{indent}pass" if line.strip() else line)
    return "\n".join(lines), masked


def _parse(text: str) -> Any:
    import ast

    return ast.parse(text)


def _parses(text: str) -> bool:
    import ast

    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _join(notebook: Notebook, parse_ast: Callable[[str], Any]) -> None:
    parts: List[str] = []
    line_map: List[Tuple[int, int]] = []
    for cell in notebook.cells:
        if cell.kind != "code" or not cell.text.strip():
            continue
        original = cell.text
        try:
            parse_ast(original)
            code = "\n".join(_BREAK.split(original))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            code, cell.masked = mask(original)
            try:
                parse_ast(code)
            except SyntaxError as exc:
                cell.broken = (exc.lineno or 1, exc.offset or 1, exc.msg or "invalid syntax")
            except (ValueError, RecursionError, MemoryError) as exc:
                cell.broken = (1, 1, str(exc) or type(exc).__name__)
        lines = _BREAK.split(code)
        if lines and lines[-1] == "":
            lines.pop()  # the cell's own trailing newline
        if cell.broken is not None:
            lines = [""] * len(lines)
        cell.first_line = len(line_map) + 1
        parts.extend(lines)
        line_map.extend((cell.number, n) for n in range(1, len(lines) + 1))
    notebook.module = "\n".join(parts) + ("\n" if parts else "")
    notebook.line_map = line_map


# -- writing a cell back --------------------------------------------------------------------


def replace_cell_source(notebook: Notebook, number: int, new_text: str) -> str:
    """The notebook's JSON text with cell ``number``'s source replaced by ``new_text``;
    everything outside that source value is kept byte for byte, and so is every source
    line that did not change."""
    cell = notebook.cell(number)
    if cell is None or cell.node is None:
        raise NotebookError(f"cell {number} has no source to edit")
    node, text = cell.node, notebook.json_text
    ascii_only = _is_ascii_escaped(text)
    if node.items is None:
        value = json.dumps(new_text, ensure_ascii=ascii_only)
    else:
        new_lines = new_text.splitlines(keepends=True)
        old = [(item.value, text[item.start : item.end]) for item in node.items]
        raw_of: Dict[str, str] = {}
        for value_, raw in old:
            raw_of.setdefault(value_, raw)
        encoded = [raw_of.get(line) or json.dumps(line, ensure_ascii=ascii_only) for line in new_lines]
        if node.items:
            opening = text[node.start + 1 : node.items[0].start]
            closing = text[node.items[-1].end : node.end - 1]
            separator = (
                text[node.items[0].end : node.items[1].start] if len(node.items) > 1 else "," + opening.lstrip(",")
            )
        else:
            opening, closing, separator = "", "", ", "
        value = "[" + opening + separator.join(encoded) + closing + "]" if encoded else "[]"
    return text[: node.start] + value + text[node.end :]


def _is_ascii_escaped(text: str) -> bool:
    """Whether the file writes non-ASCII text as ``\\uXXXX`` escapes (nbformat does not)."""
    return text.isascii() and "\\u" in text
