"""Unit tests of extract/yaml.py: positions, duplicate keys, anchors and aliases, refused tags,
several documents, and how each consumer (PyYAML, jsonargparse, OmegaConf) types a plain
scalar, checked against the real loaders."""

from __future__ import annotations

import textwrap
import time

import pytest
import yaml

from lightning_lint.extract import yaml as yaml_load
from lightning_lint.extract.yaml import (
    CONSUMER_JSONARGPARSE,
    CONSUMER_OMEGACONF,
    CONSUMER_PYYAML,
    YamlError,
    load,
)
from lightning_lint.model.sources import SourceFile
from lightning_lint.model.spec import Span


def source(text: str) -> SourceFile:
    return SourceFile("config.yaml", textwrap.dedent(text).lstrip("\n"), "yaml")


def load_one(text: str):
    documents = load(source(text))
    assert len(documents) == 1
    return documents[0]


# -- positions ------------------------------------------------------------------------------


def test_spans_of_keys_and_values():
    src = source("""
        trainer:
          max_epochs: 10
          precision: "16-mixed"
          devices: [0, 1]
          callbacks:
            - class_path: ModelCheckpoint

        model: {}
    """)
    root = load(src)[0].root
    trainer = root.get("trainer")
    epochs = trainer.get("max_epochs")
    assert epochs.key_span == Span(2, 3, 2, 13)
    assert epochs.span == Span(2, 15, 2, 17)
    assert src.text_of(epochs.span) == "10"
    precision = trainer.get("precision")
    assert src.text_of(precision.span) == '"16-mixed"'
    assert precision.raw == "16-mixed" and precision.source_text == '"16-mixed"' and precision.style == '"'
    assert src.text_of(trainer.get("devices").span) == "[0, 1]"
    # a block collection ends on its last line, not at the start of the next one
    assert trainer.key_span == Span(1, 1, 1, 8)
    assert trainer.span.end_line == 6
    assert trainer.get("callbacks").span.end_line == 6
    item = trainer.get("callbacks").items[0]
    assert item.key_span is None and item.get("class_path").raw == "ModelCheckpoint"
    assert [path for path, _ in root.walk()] == [
        "",
        "trainer",
        "trainer.max_epochs",
        "trainer.precision",
        "trainer.devices",
        "trainer.devices[0]",
        "trainer.devices[1]",
        "trainer.callbacks",
        "trainer.callbacks[0]",
        "trainer.callbacks[0].class_path",
        "model",
    ]


def test_columns_count_characters_and_crlf_is_one_break():
    root = load_one("name: é€\r\nmax_epochs: 3\r\n").root
    assert root.get("max_epochs").span == Span(2, 13, 2, 14)
    root = load_one("a: ü\nb: 1\n").root
    assert root.get("b").key_span == Span(2, 1, 2, 2)
    assert root.get("a").span == Span(1, 4, 1, 5)


def test_block_scalar_span_and_text():
    src = source("""
        note: |
          line one
          line two
        max_epochs: 1
    """)
    root = load(src)[0].root
    note = root.get("note")
    assert note.style == "|" and note.scalar() == "line one\nline two\n"
    assert note.span.start_line == 1 and note.span.end_line == 3
    assert root.get("max_epochs").key_span.start_line == 4


# -- duplicates, anchors, merge keys --------------------------------------------------------


def test_duplicate_keys_are_recorded_and_the_last_wins():
    document = load_one("""
        trainer:
          max_epochs: 1
          precision: 16
          max_epochs: 2
        trainer2: {a: 1, a: 2}
    """)
    assert document.root.get("trainer").get("max_epochs").raw == "2"  # PyYAML keeps the last
    assert [(d.key_path, d.span, d.first) for d in document.duplicates] == [
        ("trainer.max_epochs", Span(4, 3, 4, 13), Span(2, 3, 2, 13)),
        ("trainer2.a", Span(5, 18, 5, 19), Span(5, 12, 5, 13)),
    ]


def test_anchors_aliases_and_merge_keys():
    root = load_one("""
        base: &base
          max_epochs: 3
          precision: 16
        trainer:
          <<: *base
          precision: 32
        copy: *base
    """).root
    trainer = root.get("trainer")
    # keys written beside the merge win over merged ones, whatever their order
    assert {k: v.scalar() for k, v in trainer.entries.items()} == {"precision": 32, "max_epochs": 3}
    # a merged value still points where it was written (in the anchored mapping)
    assert trainer.get("max_epochs").span.start_line == 2
    assert trainer.get("precision").span.start_line == 6
    copy = root.get("copy")
    assert copy.key_span == Span(7, 1, 7, 5)
    assert {k: v.scalar() for k, v in copy.entries.items()} == {"max_epochs": 3, "precision": 16}


def test_merge_of_a_list_of_mappings():
    text = """
        a: &a {max_epochs: 1, devices: 1}
        b: &b {precision: 16}
        trainer:
          <<: [*a, *b]
          devices: 2
    """
    trainer = load_one(text).root.get("trainer")
    expected = yaml.safe_load(textwrap.dedent(text))["trainer"]
    assert (
        {k: v.scalar() for k, v in trainer.entries.items()}
        == expected
        == {"max_epochs": 1, "devices": 2, "precision": 16}
    )


def test_alias_expansion_is_bounded(monkeypatch):
    """A "billion laughs" file: 10**9 nodes once aliases are expanded."""
    monkeypatch.setattr(yaml_load, "MAX_NODES", 20_000)  # the real bound is 10x that: slower, same path
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    started = time.perf_counter()
    with pytest.raises(YamlError, match="alias expansion exceeds"):
        load(source("\n".join(lines) + "\n"))
    assert time.perf_counter() - started < 10


def test_moderate_alias_use_is_fine():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 4):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")  # 10**4 nodes
    root = load(source("\n".join(lines) + "\n"))[0].root
    assert len(root.get("a3").items) == 10


def test_deep_nesting_is_an_error_not_a_crash():
    depth = 990  # below libyaml's own limit, beyond Python's recursion limit if walked naively
    with pytest.raises(YamlError, match="nested more than"):
        load(source("trainer: " + "[" * depth + "]" * depth + "\n"))
    nested = "".join("  " * i + f"k{i}:\n" for i in range(150))
    with pytest.raises(YamlError, match="nested more than"):
        load(source(nested))
    reasonable = "".join("  " * i + f"k{i}:\n" for i in range(40)) + "  " * 40 + "leaf: 1\n"
    assert load(source(reasonable))[0].root.get("k0") is not None


# -- tags -----------------------------------------------------------------------------------


def test_python_tags_are_never_constructed():
    document = load_one("""
        a: !!python/object/apply:os.system ["echo hacked > /tmp/lightning-lint-pwned"]
        b: !!python/name:os.system
        c: !!python/object:collections.OrderedDict {x: 1}
        d: !!str 5
        e: !custom 3
    """)
    root = document.root
    assert root.get("a").kind == "seq" and root.get("a").tag == "tag:yaml.org,2002:python/object/apply:os.system"
    assert root.get("b").tag == "tag:yaml.org,2002:python/name:os.system"
    assert (
        root.get("c").kind == "map" and root.get("c").tag == "tag:yaml.org,2002:python/object:collections.OrderedDict"
    )
    assert root.get("d").tag == "tag:yaml.org,2002:str" and root.get("d").scalar() == "5"
    assert root.get("e").tag == "!custom" and root.get("e").scalar() == "3"  # never a number: unknown tag


def test_implicit_tags_are_not_reported_as_explicit():
    root = load_one("a: 1\nb: '1'\nc: [1]\nd: {x: 1}\ne: !!int 7\n").root
    assert [root.get(k).tag for k in "abcd"] == [None, None, None, None]
    assert root.get("e").tag is None and root.get("e").scalar() == 7  # the same as the implicit tag


# -- several documents, empty files, errors -------------------------------------------------


def test_multi_document_file_and_header():
    documents = load(
        source("""
        # @package _global_
        # second comment

        trainer: {max_epochs: 1}
        ---
        trainer: {max_epochs: 2}
        ---
    """)
    )
    assert [d.root.get("trainer").get("max_epochs").scalar() for d in documents[:2]] == [1, 2]
    assert documents[2].root.is_null()  # the empty document after the last `---`, as PyYAML reads it
    assert documents[0].header == "# @package _global_\n# second comment\n"
    assert documents[1].root.get("trainer").get("max_epochs").span.start_line == 6


@pytest.mark.parametrize("text", ["", "# just a comment\n", "\n\n"])
def test_files_without_documents(text):
    assert load(source(text)) == []


@pytest.mark.parametrize(
    "text, line, col, message",
    [
        ("a: [1, 2\n", 2, 1, "did not find expected ',' or ']'"),
        ("a: b: c\n", 1, 5, "mapping values are not allowed"),
        ("a: *nope\n", 1, 4, "found undefined alias"),
        ("key: 'open\n", 2, 1, "found unexpected end of stream"),
    ],
)
def test_syntax_errors_say_where(text, line, col, message):
    with pytest.raises(YamlError) as info:
        load(source(text))
    assert (info.value.line, info.value.col) == (line, col)
    assert info.value.message.startswith("YAML error: ") and message in info.value.message


def test_complex_keys_are_skipped_and_scalar_keys_are_text():
    root = load_one("? [a, b]\n: 1\n1: one\ntrue: yes\n").root
    assert list(root.entries) == ["1", "true"]


# -- how each consumer types a plain scalar -------------------------------------------------


@pytest.mark.parametrize(
    "raw, pyyaml, cli, omegaconf",
    [
        ("1", 1, 1, 1),
        ("-1", -1, -1, -1),
        ("1_000", 1000, 1000, 1000),
        ("1.0", 1.0, 1.0, 1.0),
        ("1e4", "1e4", 10000.0, 10000.0),  # YAML 1.1 (PyYAML) needs a dot: a string there
        ("1.0e4", "1.0e4", 10000.0, 10000.0),  # ... and a sign in the exponent
        ("1.0e+4", 10000.0, 10000.0, 10000.0),
        ("yes", True, True, True),
        ("off", False, False, False),
        ("~", None, None, None),
        ("null", None, None, None),
        ("010", 8, 8, 8),  # YAML 1.1 octal
        ("1:30", 90, 90, 90),  # YAML 1.1 base 60
        ("2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01"),
        (".inf", float("inf"), float("inf"), float("inf")),
        ("16-mixed", "16-mixed", "16-mixed", "16-mixed"),
    ],
)
def test_plain_scalar_types_per_consumer(raw, pyyaml, cli, omegaconf):
    node = load_one(f"value: {raw}\n").root.get("value")
    got = (node.scalar(CONSUMER_PYYAML), node.scalar(CONSUMER_JSONARGPARSE), node.scalar(CONSUMER_OMEGACONF))
    assert got == (pyyaml, cli, omegaconf)
    assert [type(v) for v in got] == [type(pyyaml), type(cli), type(omegaconf)]


@pytest.mark.parametrize("raw", ["'1'", '"1e4"', "'yes'", '"~"'])
def test_quoted_scalars_are_strings_for_every_consumer(raw):
    node = load_one(f"value: {raw}\n").root.get("value")
    for consumer in (CONSUMER_PYYAML, CONSUMER_JSONARGPARSE, CONSUMER_OMEGACONF):
        assert node.scalar(consumer) == raw[1:-1]
    assert not node.is_null()


SCALARS = [
    "1",
    "-1",
    "+1",
    "1_000",
    "0x1F",
    "010",
    "0o10",
    "1.0",
    "1.",
    ".5",
    "1e4",
    "1E4",
    "-1e4",
    "1e-3",
    "1.0e4",
    "1.5e+3",
    "1:30",
    "1:30.5",
    ".inf",
    "-.inf",
    ".nan",
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "n",
    "true",
    "False",
    "~",
    "null",
    "Null",
    "",
    "abc",
    "16-mixed",
    "2024-01-01",
]


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True  # nan
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("raw", SCALARS)
def test_scalars_match_jsonargparse_and_omegaconf_loaders(raw):
    """The two consumers' real loaders are the reference (they import neither torch nor Lightning)."""
    from jsonargparse._loaders_dumpers import get_yaml_default_loader
    from omegaconf._utils import get_yaml_loader

    node = load_one(f"value: {raw}\n").root.get("value")
    cli = yaml.load(f"value: {raw}\n", Loader=get_yaml_default_loader())["value"]
    omegaconf = yaml.load(f"value: {raw}\n", Loader=get_yaml_loader())["value"]
    assert _same(node.scalar(CONSUMER_JSONARGPARSE), cli)
    assert _same(node.scalar(CONSUMER_OMEGACONF), omegaconf)
    if raw != "2024-01-01":  # PyYAML makes a date; the linter keeps the text
        assert _same(node.scalar(CONSUMER_PYYAML), yaml.safe_load(f"value: {raw}\n")["value"])


def test_is_null_only_for_untagged_null_scalars():
    root = load_one("a: ~\nb:\nc: 'null'\nd: !!str null\ne: {}\n").root
    assert [root.get(k).is_null() for k in "abcde"] == [True, True, False, False, False]


def test_max_nodes_constant_is_the_bound(monkeypatch):
    monkeypatch.setattr(yaml_load, "MAX_NODES", 5)
    with pytest.raises(YamlError):
        load(source("a: [1, 2, 3, 4, 5, 6]\n"))
    monkeypatch.setattr(yaml_load, "MAX_NODES", 100)
    assert load(source("a: [1, 2, 3, 4, 5, 6]\n"))
