"""Suppression comments in Python and YAML, unused suppressions (LL904), and --add-noqa."""

from __future__ import annotations

import json

import pytest

from conftest import lint_files, write_files
from lightning_lint.commands import cli

# Line 2 has LL302 (removed argument) and LL306 (1.x precision spelling).
SCRIPT = "import lightning as L\nL.Trainer(max_epochs=3, replace_sampler_ddp=False, precision=16){comment}\n"
CONFIG = "trainer:\n  max_epochs: 3\n  replace_sampler_ddp: false{comment}\n"


def codes(result):
    return sorted(d.code for d in result.diagnostics)


@pytest.mark.parametrize(
    "comment, expected",
    [
        ("", ["LL302", "LL306"]),
        ("  # noqa: LL302", ["LL306"]),  # silences exactly that code
        ("  # noqa: LL302, LL306", []),
        ("  # noqa", []),  # bare noqa: everything on the line
        ("  # lightning-lint: ignore[LL306]", ["LL302"]),
        ("  # NOQA:LL302", ["LL306"]),
        ("  # noqa: E501", ["LL302", "LL306"]),  # another tool's code is not ours to judge
    ],
)
def test_python_line_suppressions(tmp_path, comment, expected):
    result = lint_files(tmp_path, {"train.py": SCRIPT.format(comment=comment)}, "train.py")
    assert codes(result) == expected


def test_python_ignore_on_the_line_before_and_file_ignore(tmp_path):
    before = (
        "import lightning as L\n# lightning-lint: ignore[LL302]\nL.Trainer(max_epochs=3, replace_sampler_ddp=False)\n"
    )
    assert codes(lint_files(tmp_path, {"train.py": before}, "train.py")) == []
    whole = (
        "# lightning-lint: file-ignore[LL302]\nimport lightning as L\n"
        "L.Trainer(max_epochs=3, replace_sampler_ddp=False)\nL.Trainer(max_epochs=3, gpus=2)\n"
    )
    assert codes(lint_files(tmp_path, {"train.py": whole}, "train.py")) == []


def test_a_suppression_inside_a_string_is_not_a_comment(tmp_path):
    text = 'import lightning as L\nL.Trainer(max_epochs=3, replace_sampler_ddp=False, default_root_dir="# noqa")\n'
    assert codes(lint_files(tmp_path, {"train.py": text}, "train.py")) == ["LL302"]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_the_last_directive_of_a_long_file_is_read_whatever_the_line_endings(tmp_path, newline):
    # comments are read up to the last line that may hold a directive, no further: that
    # line must be found with Python's own line breaks (a lone "\r" ends a line too)
    lines = ["import lightning as L", 'DOC = """a string that says # noqa', '"""']
    lines += [f"x{n} = {n}" for n in range(200)]
    lines += ["L.Trainer(max_epochs=3, replace_sampler_ddp=False)  # noqa: LL302", "y = 1  # a last comment"]
    text = newline.join(lines) + newline
    (tmp_path / "train.py").write_bytes(text.encode())
    assert codes(lint_files(tmp_path, {}, "train.py")) == []
    unsilenced = text.replace("  # noqa: LL302", "")
    (tmp_path / "train.py").write_bytes(unsilenced.encode())
    assert codes(lint_files(tmp_path, {}, "train.py")) == ["LL302"]


@pytest.mark.parametrize(
    "comment, before, expected",
    [
        ("", "", ["LL302"]),
        ("  # noqa: LL302", "", []),
        ("", "  # lightning-lint: ignore[LL302]\n", []),
        ("  # noqa: LL101", "", ["LL302", "LL904"]),  # the wrong code: nothing silenced, and said so
    ],
)
def test_yaml_suppressions(tmp_path, comment, before, expected):
    lines = CONFIG.format(comment=comment).splitlines(keepends=True)
    text = "".join(lines[:2]) + before + "".join(lines[2:])
    assert codes(lint_files(tmp_path, {"config.yaml": text}, "config.yaml")) == expected


def test_unused_suppression_is_reported_with_a_fix(tmp_path):
    text = "import lightning as L\nL.Trainer(max_epochs=3)  # noqa: LL302\n"
    result = lint_files(tmp_path, {"train.py": text}, "train.py")
    [unused] = result.diagnostics
    assert unused.code == "LL904" and "LL302" in unused.message and unused.line == 2
    assert unused.fix is not None  # removing the comment


def test_unused_suppression_of_a_disabled_rule_is_not_reported(tmp_path):
    text = "import lightning as L\nL.Trainer(max_epochs=3)  # noqa: LL302\n"
    result = lint_files(tmp_path, {"train.py": text}, "train.py", select=["LL0", "LL9"])
    assert codes(result) == []


def test_add_noqa_adopts_an_existing_project(tmp_path, monkeypatch, capsys):
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            "train.py": SCRIPT.format(comment="  # keep this comment"),
            "config.yaml": CONFIG.format(comment=""),
        },
    )
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check", "--add-noqa", "."]) == 0
    capsys.readouterr()
    script = (tmp_path / "train.py").read_text()
    assert "# keep this comment" in script and "noqa: LL302, LL306" in script
    assert "# noqa: LL302" in (tmp_path / "config.yaml").read_text()
    assert cli.main(["check", "--output-format", "json", "."]) == 0  # clean now
    assert json.loads(capsys.readouterr().out) == []
    before = (tmp_path / "train.py").read_text()
    assert cli.main(["check", "--add-noqa", "."]) == 0  # nothing more to add
    assert "Added 0 noqa directives" in capsys.readouterr().out
    assert (tmp_path / "train.py").read_text() == before
    # a new problem still fails the run
    with open(tmp_path / "train.py", "a") as handle:
        handle.write("L.Trainer(max_epochs=3, gpus=2)\n")
    assert cli.main(["check", "--output-format", "json", "."]) == 1
    assert [d["code"] for d in json.loads(capsys.readouterr().out)] == ["LL302"]
