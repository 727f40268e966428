"""Loading YAML safely, with positions.

PyYAML composes the document into nodes with marks (nothing is constructed, so no
``!!python/object`` ever runs); we convert them into ``YNode`` trees that remember the file
and span of every key and value. Scalars are typed the way the consumer of the file
types them, because they differ:

* LightningCLI (jsonargparse 4.x): PyYAML's YAML 1.1 rules without timestamps, and a
  float pattern that also reads ``1e4`` (jsonargparse's ``DefaultLoader``);
* Hydra / OmegaConf: the same float pattern, added after PyYAML's (``get_yaml_loader``);
* plain PyYAML (``yaml.safe_load``) for anything else.

Duplicate keys are kept as facts (rule LL313), merge keys (``<<: *base``) are applied,
and alias expansion is bounded so that a "billion laughs" file cannot eat memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Tuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lightning_lint.model.sources import SourceFile
from lightning_lint.model.spec import Span

MAX_NODES = 200_000  # node visits per document, aliases counted each time they are expanded
MAX_DEPTH = 100  # nesting levels; every consumer of the tree recurses, configs use far fewer

_FLOAT_1E4 = re.compile(
    r"""^(?:
     [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):
    """The safe loader, its implicit tags remembered by scalar text: configs repeat the
    same few scalars (``true``, ``null``, ``1``) thousands of times, and PyYAML resolves
    each with a row of regular expressions, in Python, also under libyaml."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode:
            return _resolve_scalar(CONSUMER_PYYAML, value, implicit)
        return super().resolve(kind, value, implicit)


def _resolver(drop_float: bool, add_float: bool) -> yaml.resolver.Resolver:
    class _R(yaml.resolver.Resolver):
        pass

    _R.yaml_implicit_resolvers = {
        key: [
            (tag, rx)
            for tag, rx in value
            if tag != "tag:yaml.org,2002:timestamp" and not (drop_float and tag == "tag:yaml.org,2002:float")
        ]
        for key, value in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
    }
    if add_float:
        _R.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_1E4, list("-+0123456789."))
    return _R()


# Who reads the file decides what a plain scalar means.
CONSUMER_PYYAML = "pyyaml"
CONSUMER_JSONARGPARSE = "jsonargparse"
CONSUMER_OMEGACONF = "omegaconf"
_RESOLVERS = {
    CONSUMER_PYYAML: yaml.resolver.Resolver(),
    CONSUMER_JSONARGPARSE: _resolver(drop_float=True, add_float=True),
    CONSUMER_OMEGACONF: _resolver(drop_float=False, add_float=True),
}
_RESOLVED: Dict[Tuple[str, str, Any], str] = {}


def _resolve_scalar(consumer: str, value: str, implicit: Any = (True, False)) -> str:
    """The tag ``consumer``'s resolver gives a scalar (remembered: a pure function of these)."""
    key = (consumer, value, implicit)
    tag = _RESOLVED.get(key)
    if tag is None:
        if len(_RESOLVED) > 100_000:
            _RESOLVED.clear()
        tag = _RESOLVED[key] = _RESOLVERS[consumer].resolve(ScalarNode, value, implicit)
    return tag


_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}


class YamlError(Exception):
    """The document cannot be loaded; ``line``/``col`` are 1-based."""

    def __init__(self, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


@dataclass(eq=False)
class YNode:
    """A YAML value with where it was written. ``key_span`` is the span of the key it is
    the value of (None for documents and list items)."""

    kind: str  # map | seq | scalar
    path: str
    span: Span
    key_span: Optional[Span] = None
    entries: Dict[str, "YNode"] = field(default_factory=dict)  # map (insertion-ordered)
    items: List["YNode"] = field(default_factory=list)  # seq
    raw: Optional[str] = None  # scalar text as written (unquoted)
    style: Optional[str] = None  # None plain, ' " | >
    tag: Optional[str] = None  # an explicit tag (None when resolved implicitly)
    source_text: Optional[str] = None  # the scalar exactly as in the file (quotes included)
    # ``walk()``'s answer, kept: a config is walked by several readers (the flavour, the
    # Hydra nodes, the tags). Nodes are not changed once built (``dataclasses.replace``
    # makes a new one, without it).
    _walked: Optional[List[Tuple[str, "YNode"]]] = field(default=None, init=False, repr=False)

    def get(self, key: str) -> Optional["YNode"]:
        return self.entries.get(key) if self.kind == "map" else None

    def scalar(self, consumer: str = CONSUMER_PYYAML) -> Any:
        """The Python value a consumer reads from a scalar node."""
        return scalar_value(self, consumer)

    def is_null(self, consumer: str = CONSUMER_PYYAML) -> bool:
        return self.kind == "scalar" and self.tag is None and self.scalar(consumer) is None

    def walk(self, prefix: str = "") -> Iterator[Tuple[str, "YNode"]]:
        """(key path, node) for this node and every node below it, in document order."""
        if prefix:
            return self._walk(prefix)
        if self._walked is None:
            self._walked = list(self._walk(""))
        return iter(self._walked)

    def _walk(self, prefix: str) -> Iterator[Tuple[str, "YNode"]]:
        stack: List[Tuple[str, YNode]] = [(prefix, self)]  # not recursive: a ``yield from``
        while stack:  # chain costs each node the depth it sits at
            path, node = stack.pop()
            yield path, node
            if node.kind == "map":
                stack.extend(reversed([(f"{path}.{key}" if path else key, c) for key, c in node.entries.items()]))
            elif node.kind == "seq":
                stack.extend(reversed([(f"{path}[{i}]", c) for i, c in enumerate(node.items)]))


def scalar_value(node: YNode, consumer: str) -> Any:
    if node.kind != "scalar":
        raise ValueError("not a scalar")
    raw = node.raw or ""
    if node.tag is not None:
        tag = node.tag
    elif node.style is not None:
        return raw
    else:
        tag = _resolve_scalar(consumer, raw)
    if tag == "tag:yaml.org,2002:str":
        return raw
    if tag not in _PLAIN_TAGS:
        return raw
    constructor = {
        "tag:yaml.org,2002:int": _CONSTRUCTOR.construct_yaml_int,
        "tag:yaml.org,2002:float": _CONSTRUCTOR.construct_yaml_float,
        "tag:yaml.org,2002:bool": _CONSTRUCTOR.construct_yaml_bool,
        "tag:yaml.org,2002:null": _CONSTRUCTOR.construct_yaml_null,
    }[tag]
    try:
        return constructor(ScalarNode(tag, raw))
    except (ValueError, yaml.YAMLError):
        return raw


@dataclass
class Duplicate:
    key_path: str
    span: Span  # the repeated key
    first: Span  # where it was first given


@dataclass
class Document:
    root: YNode
    duplicates: List[Duplicate]
    header: str  # the comment lines before the first content (``# @package _global_``)


def load(source: SourceFile) -> List[Document]:
    """Every document in the file; raises YamlError."""
    text = source.text
    _check_flow_depth(source)
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(f"YAML error: {problem}", line, col) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        raise YamlError(
            f"YAML error: {exc.reason} ({_codepoint(exc.character)})",
            *source.position(_char_offset(text, exc.position)),
        ) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    except RecursionError:
        raise YamlError("the YAML is too deeply nested to load") from None
    documents = []
    header = _header(text)
    for node in nodes:
        if node is None:
            continue
        converter = _Converter(source)
        try:
            root = converter.convert(node, "")
        except RecursionError:
            raise YamlError("the YAML is too deeply nested to load") from None
        documents.append(Document(root, converter.duplicates, header))
    return documents


_MAX_FLOW_DEPTH = 1000  # the limit of recent libyaml builds


def _check_flow_depth(source: SourceFile) -> None:
    """Older libyaml builds (PyYAML < 6.0.4) compose nested ``[[[...`` recursively in C
    and crash the interpreter past some ten thousand levels: refuse such text first.
    Counted roughly (brackets inside quotes count too), which only matters past the limit."""
    text = source.text
    if text.count("[") + text.count("{") <= _MAX_FLOW_DEPTH:
        return  # the common case, at C speed
    depth = 0
    for index, char in enumerate(text):
        if char in "[{":
            depth += 1
            if depth > _MAX_FLOW_DEPTH:
                raise YamlError(
                    f"the YAML is nested more than {_MAX_FLOW_DEPTH} levels deep; lightning-lint does not analyse it",
                    *source.position(index),
                )
        elif char in "]}" and depth:
            depth -= 1


def _codepoint(character: Any) -> str:
    code = character if isinstance(character, int) else ord(character) if character else 0
    return f"U+{code:04X}"


def _char_offset(text: str, position: int) -> int:
    """libyaml reports a byte offset into the UTF-8 text, PyYAML a character offset."""
    if _BaseLoader is yaml.SafeLoader:
        return position
    return len(text.encode("utf-8", errors="surrogatepass")[:position].decode("utf-8", errors="ignore"))


def _header(text: str) -> str:
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or not stripped:
            lines.append(stripped)
            continue
        break
    return "\n".join(lines)


class _Converter:
    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.path = source.path
        self.visits = 0
        self.duplicates: List[Duplicate] = []

    def span(self, node: Node) -> Span:
        start, end = node.start_mark, node.end_mark
        end_line, end_col = end.line + 1, end.column + 1
        if end.line > start.line and not self.source.line(end.line + 1)[: end.column].strip():
            # a block collection ends where the next token starts (the start of a line, or
            # the key of the enclosing mapping, indented less): end at its own last line
            end_line = end.line
            end_col = len(self.source.line(end_line)) + 1
            while end_line > start.line + 1 and not self.source.line(end_line).strip():
                end_line -= 1
                end_col = len(self.source.line(end_line)) + 1
        return Span(start.line + 1, start.column + 1, end_line, end_col)

    def convert(self, node: Node, key_path: str, key_span: Optional[Span] = None, depth: int = 0) -> YNode:
        self.visits += 1
        mark = node.start_mark
        if self.visits > MAX_NODES:
            raise YamlError(
                f'YAML alias expansion exceeds {MAX_NODES} nodes (a "billion laughs" file?)',
                mark.line + 1,
                mark.column + 1,
            )
        if depth > MAX_DEPTH:
            mark = node.start_mark
            raise YamlError(
                f"the YAML is nested more than {MAX_DEPTH} levels deep; lightning-lint does not analyse it",
                mark.line + 1,
                mark.column + 1,
            )
        if isinstance(node, ScalarNode):
            default = _resolve_scalar(CONSUMER_PYYAML, node.value)
            style = node.style or None  # libyaml reports plain scalars with style "", PyYAML with None
            explicit = (
                node.tag
                if (style is not None and node.tag != "tag:yaml.org,2002:str")
                or (style is None and node.tag != default)
                else None
            )
            span = self.span(node)
            return YNode(
                "scalar",
                self.path,
                span,
                key_span,
                raw=node.value,
                style=node.style or None,
                tag=explicit,
                source_text=self.source.text[node.start_mark.index : node.end_mark.index],
            )
        if isinstance(node, SequenceNode):
            result = YNode("seq", self.path, self.span(node), key_span, tag=_explicit(node, "seq"))
            for i, child in enumerate(node.value):
                result.items.append(self.convert(child, f"{key_path}[{i}]", depth=depth + 1))
            return result
        if isinstance(node, MappingNode):
            result = YNode("map", self.path, self.span(node), key_span, tag=_explicit(node, "map"))
            first_seen: Dict[str, Span] = {}
            merged: Dict[str, YNode] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    for source in value_node.value if isinstance(value_node, SequenceNode) else [value_node]:
                        base = self.convert(source, key_path, depth=depth + 1)
                        for key, child in base.entries.items():
                            merged.setdefault(key, child)
                    continue
                if not isinstance(key_node, ScalarNode):
                    continue  # complex keys: never Lightning configuration
                key = key_node.value
                k_span = self.span(key_node)
                child_path = f"{key_path}.{key}" if key_path else key
                if key in first_seen:
                    self.duplicates.append(Duplicate(child_path, k_span, first_seen[key]))
                first_seen[key] = k_span
                result.entries[key] = self.convert(value_node, child_path, k_span, depth + 1)
            for key, child in merged.items():
                result.entries.setdefault(key, child)
            return result
        raise YamlError("unsupported YAML node")


def _explicit(node: Node, kind: str) -> Optional[str]:
    default = "tag:yaml.org,2002:" + kind
    return None if node.tag == default else node.tag
