"""``--fix`` never loses data: atomic writes, mode, line endings, encoding and BOM kept,
a file changed since it was read is left alone, a symbolic link stays a link; over the
bundled examples and real configs, fixing adds no finding and a second ``--fix`` is a
no-op."""

from __future__ import annotations

import collections
import io
import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from conftest import REPO, write_files
from lightning_lint.commands import check as checker
from lightning_lint.linter import fixer
from lightning_lint.linter.run import CheckOptions

SCRIPT = b"import lightning as L\nL.Trainer(gpus=2, max_epochs=3, precision=16)\n"
FIXED = b'import lightning as L\nL.Trainer(accelerator="gpu", devices=2, max_epochs=3, precision="16-mixed")\n'
CONFIG = b"trainer:\n  gpus: 2  # all of them\n  max_epochs: 3\n  precision: 16\n"
FIXED_CONFIG = b'trainer:\n  accelerator: gpu\n  devices: 2  # all of them\n  max_epochs: 3\n  precision: "16-mixed"\n'
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def run(*paths: str, **options) -> int:
    options.setdefault("fix", True)
    return checker.run(
        CheckOptions(paths=list(paths), color=False, no_cache=True, quiet=True, **options), stdout=io.StringIO()
    )


@pytest.fixture
def project(tmp_path, monkeypatch):
    write_files(tmp_path, {"pyproject.toml": "[project]\nname = 'safety'\n"})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def leftovers(folder: Path):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".lightning-lint.tmp"))


# -- atomic writes ----------------------------------------------------------------------------


def test_a_failed_rename_leaves_the_original_intact(project, monkeypatch, capsys):
    (project / "train.py").write_bytes(SCRIPT)

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fixer.os, "replace", failing_replace)
    assert run("train.py") == 1
    assert (project / "train.py").read_bytes() == SCRIPT
    assert leftovers(project) == []
    assert "train.py: not fixed: No space left on device" in capsys.readouterr().err


def test_a_failed_write_leaves_the_original_intact(project, monkeypatch, capsys):
    """The temporary file is written in full and synced before the rename."""
    (project / "train.py").write_bytes(SCRIPT)

    def failing_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(fixer.os, "fsync", failing_fsync)
    assert run("train.py") == 1
    assert (project / "train.py").read_bytes() == SCRIPT
    assert leftovers(project) == []
    assert "not fixed: Input/output error" in capsys.readouterr().err


def test_an_interrupt_mid_write_leaves_the_original_intact(project, monkeypatch):
    (project / "train.py").write_bytes(SCRIPT)
    renamed = []

    def interrupted_replace(src, dst):
        renamed.append((src, dst))
        raise KeyboardInterrupt

    monkeypatch.setattr(fixer.os, "replace", interrupted_replace)
    with pytest.raises(KeyboardInterrupt):
        run("train.py")
    assert renamed and Path(renamed[0][0]).parent == project  # the temporary file is beside the target
    assert (project / "train.py").read_bytes() == SCRIPT
    assert leftovers(project) == []


def test_a_read_only_folder_is_reported_not_raised(project, capsys):
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    folder = project / "locked"
    folder.mkdir()
    (folder / "train.py").write_bytes(SCRIPT)
    folder.chmod(0o555)
    try:
        assert run("locked/train.py") == 1
    finally:
        folder.chmod(0o755)
    assert (folder / "train.py").read_bytes() == SCRIPT
    assert "not fixed" in capsys.readouterr().err


# -- what the file keeps -----------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755, 0o751])
def test_the_file_mode_is_kept(project, mode):
    for name, data in (("train.py", SCRIPT), ("fit.yaml", CONFIG)):
        (project / name).write_bytes(data)
        os.chmod(project / name, mode)
    run(".")
    assert (project / "train.py").read_bytes() == FIXED and (project / "fit.yaml").read_bytes() == FIXED_CONFIG
    for name in ("train.py", "fit.yaml"):
        assert stat.S_IMODE(os.stat(project / name).st_mode) == mode


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"])
def test_line_endings_are_kept(project, newline):
    (project / "train.py").write_bytes(SCRIPT.replace(b"\n", newline))
    (project / "fit.yaml").write_bytes(CONFIG.replace(b"\n", newline))
    run(".")
    assert (project / "train.py").read_bytes() == FIXED.replace(b"\n", newline)
    # the inserted line (`accelerator: gpu`) takes the file's own line ending
    assert (project / "fit.yaml").read_bytes() == FIXED_CONFIG.replace(b"\n", newline)


def test_mixed_line_endings_are_kept_line_by_line(project):
    (project / "train.py").write_bytes(b"import lightning as L\r\nL.Trainer(gpus=2,\n          max_epochs=3)\r\n")
    run(".")
    assert (
        project / "train.py"
    ).read_bytes() == b'import lightning as L\r\nL.Trainer(accelerator="gpu", devices=2,\n          max_epochs=3)\r\n'


def test_bom_encoding_and_missing_final_newline_are_kept(project):
    (project / "bom.py").write_bytes(b"\xef\xbb\xbf" + SCRIPT)
    (project / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + CONFIG.replace(b"\n", b"\r\n"))
    (project / "latin1.py").write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + SCRIPT)
    (project / "no_newline.py").write_bytes(SCRIPT.rstrip(b"\n"))
    run(".")
    assert (project / "bom.py").read_bytes() == b"\xef\xbb\xbf" + FIXED
    assert (project / "bom.yaml").read_bytes() == b"\xef\xbb\xbf" + FIXED_CONFIG.replace(b"\n", b"\r\n")
    assert (project / "latin1.py").read_bytes() == b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + FIXED
    assert (project / "no_newline.py").read_bytes() == FIXED.rstrip(b"\n")


def test_fixed_standard_input_keeps_its_bom(project, monkeypatch):
    out = io.StringIO()

    class Stdin(io.StringIO):
        buffer = io.BytesIO(b"\xef\xbb\xbf" + SCRIPT.replace(b"\n", b"\r\n"))

    checker.run(
        CheckOptions(paths=["-"], stdin_filename="train.py", fix=True, no_cache=True), stdin=Stdin(), stdout=out
    )
    assert out.getvalue() == "\ufeff" + FIXED.decode().replace("\n", "\r\n")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_a_symbolic_link_stays_a_link(project):
    (project / "real").mkdir()
    (project / "real" / "train.py").write_bytes(SCRIPT)
    os.symlink(os.path.join("real", "train.py"), project / "link.py")
    run("link.py")
    assert (project / "link.py").is_symlink()
    assert (project / "real" / "train.py").read_bytes() == FIXED


# -- a file that changed since it was read -----------------------------------------------------


def test_a_file_changed_during_the_run_is_not_overwritten(project, monkeypatch, capsys):
    (project / "train.py").write_bytes(SCRIPT)
    (project / "other.py").write_bytes(SCRIPT)
    edited = b"import lightning as L\nL.Trainer(gpus=4, max_epochs=3)  # the user's edit\n"
    real_fix_source = fixer.fix_source

    def fix_while_the_user_edits(linter, source, path, unsafe):
        outcome = real_fix_source(linter, source, path, unsafe)
        if Path(path).name == "train.py":
            (project / "train.py").write_bytes(edited)  # saved in the editor meanwhile
        return outcome

    monkeypatch.setattr(fixer, "fix_source", fix_while_the_user_edits)
    assert run(".") == 1
    assert (project / "train.py").read_bytes() == edited
    assert (project / "other.py").read_bytes() == FIXED  # the other file is still fixed
    assert "train.py: not fixed: the file changed while lightning-lint was running" in capsys.readouterr().err
    assert leftovers(project) == []


def test_write_atomically_refuses_changed_content(tmp_path):
    target = tmp_path / "train.py"
    target.write_bytes(b"new content")
    problem = fixer.write_atomically(target, FIXED, expected=SCRIPT)
    assert problem == f"{target}: not fixed: the file changed while lightning-lint was running"
    assert target.read_bytes() == b"new content"
    assert fixer.write_atomically(target, FIXED, expected=b"new content") is None
    assert target.read_bytes() == FIXED


def test_add_noqa_is_written_safely_too(project):
    (project / "train.py").write_bytes(SCRIPT.replace(b"\n", b"\r\n"))
    os.chmod(project / "train.py", 0o640)
    run("train.py", fix=False, add_noqa=True)
    data = (project / "train.py").read_bytes()
    assert b"# noqa: LL302" in data and data.count(b"\r\n") == 2 and b"\n" not in data.replace(b"\r\n", b"")
    assert stat.S_IMODE(os.stat(project / "train.py").st_mode) == 0o640


# -- real configurations: fix, re-lint, fix again ----------------------------------------------


def lint_json(root: Path) -> list:
    out = io.StringIO()
    checker.run(
        CheckOptions(paths=["."], output_format="json", select=("ALL",), no_cache=True, color=False), stdout=out
    )
    return json.loads(out.getvalue())


def snapshot(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def fix_round_trip(root: Path, monkeypatch, unsafe: bool) -> None:
    monkeypatch.chdir(root)
    before = lint_json(root)
    original = snapshot(root)
    checker.run(
        CheckOptions(paths=["."], fix=True, unsafe_fixes=unsafe, select=("ALL",), no_cache=True, quiet=True),
        stdout=io.StringIO(),
    )
    fixed = snapshot(root)
    assert fixed.keys() == original.keys()  # nothing created, nothing lost
    changed = {name for name in fixed if fixed[name] != original[name]}
    after = lint_json(root)

    def key(d):
        return (d["path"], d["code"], d["line"], d["column"], d["message"])

    # a file the fixes did not touch has exactly the same findings
    assert sorted(key(d) for d in after if d["path"] not in changed) == sorted(
        key(d) for d in before if d["path"] not in changed
    )
    # in a fixed file no new kind of finding appears, and none of its codes grows in number
    counts_before = collections.Counter((d["path"], d["code"]) for d in before)
    counts_after = collections.Counter((d["path"], d["code"]) for d in after)
    grown = {k: (counts_before[k], n) for k, n in counts_after.items() if n > counts_before[k]}
    assert not grown, grown
    # nothing safe is left to fix, and a second --fix changes no byte
    assert not [
        d
        for d in after
        if d["fix"] and (d["fix"]["applicability"] == "safe" or unsafe) and d["fix"]["applicability"] != "display-only"
    ]
    checker.run(
        CheckOptions(paths=["."], fix=True, unsafe_fixes=unsafe, select=("ALL",), no_cache=True, quiet=True),
        stdout=io.StringIO(),
    )
    assert snapshot(root) == fixed
    assert changed, "the fixes changed nothing: the round trip proves nothing"


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_fix_round_trip_on_the_bundled_examples(tmp_path, monkeypatch, unsafe):
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    fix_round_trip(tmp_path / "examples", monkeypatch, unsafe)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not checked out next to the repository")
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_fix_round_trip_on_the_real_configs(tmp_path, monkeypatch, unsafe):
    shutil.copytree(CORPUS, tmp_path / "corpus")
    fix_round_trip(tmp_path / "corpus", monkeypatch, unsafe)


# -- fixes the fuzzer (tests/test_fuzz.py) found breaking a file ---------------------------------


@pytest.mark.parametrize(
    "name, before, after",
    [
        # a dict literal passed as **kwargs: keys stay strings
        (
            "train.py",
            "from lightning import Trainer\nTrainer(**{'gpus': 2, 'replace_sampler_ddp': False, 'max_epochs': 1})\n",
            "from lightning import Trainer\n"
            "Trainer(**{'accelerator': \"gpu\", 'devices': 2, 'use_distributed_sampler': False, 'max_epochs': 1})\n",
        ),
        # a YAML flow mapping: new entries are comma-separated, not new lines
        (
            "fit.yaml",
            "trainer: {gpus: 2, max_epochs: 1,\n  replace_sampler_ddp: false}\n",
            "trainer: {accelerator: gpu, devices: 2, max_epochs: 1,\n  use_distributed_sampler: false}\n",
        ),
        # two removed device arguments: the first is fixed, the second left for the user to decide
        (
            "train.py",
            "from lightning import Trainer\nTrainer(gpus=2, num_processes=8, max_epochs=1)\n",
            'from lightning import Trainer\nTrainer(accelerator="gpu", devices=2, num_processes=8, max_epochs=1)\n',
        ),
        (
            "fit.yaml",
            "trainer:\n  gpus: 2\n  num_processes: 3\n  max_epochs: 1\n",
            "trainer:\n  accelerator: gpu\n  devices: 2\n  num_processes: 3\n  max_epochs: 1\n",
        ),
        # the new name is already given: no rename (it would repeat a keyword / a key)
        (
            "train.py",
            "from lightning import Trainer\nTrainer(enable_checkpointing=False, checkpoint_callback=True, "
            "max_epochs=1)\n",
            None,
        ),
        ("fit.yaml", "trainer:\n  max_epochs: 1\n  callback: []\n  callbacks: []\n", None),
        # an unused suppression followed by more comment: the rest stays a comment
        (
            "fit.yaml",
            "trainer:\n  max_epochs: 1  # noqa: LL302 because reasons\n",
            "trainer:\n  max_epochs: 1  # because reasons\n",
        ),
        (
            "train.py",
            "from lightning import Trainer\nTrainer(max_epochs=1)  # noqa: LL302  # type: ignore\n",
            "from lightning import Trainer\nTrainer(max_epochs=1)  # type: ignore\n",
        ),
        # lone-CR line endings: the comment is found on its own line
        (
            "train.py",
            "from lightning import Trainer\rTrainer(max_epochs=1)  # noqa: LL302\r",
            "from lightning import Trainer\rTrainer(max_epochs=1)\r",
        ),
        # an unused suppression alone on the last line, with no line break after it
        ("fit.yaml", "trainer:\n  max_epochs: 1\n# noqa: LL302", "trainer:\n  max_epochs: 1"),
        # a key added after a block list that ends where a less indented key starts
        (
            "fit.yaml",
            "trainer:\n  max_epochs: 3\n  val_check_interval: '00:01:00:00'\n  callbacks:\n"
            "  - class_path: EarlyStopping\n    init_args:\n      monitor: val_loss\n      check_finite:\n"
            "      - true\n  logger: false\n",
            "trainer:\n  max_epochs: 3\n  val_check_interval: '00:01:00:00'\n  callbacks:\n"
            "  - class_path: EarlyStopping\n    init_args:\n      monitor: val_loss\n      check_finite:\n"
            "      - true\n      check_on_train_epoch_end: false\n  logger: false\n",
        ),
    ],
    ids=[
        "dict-literal",
        "flow-mapping",
        "two-device-args-py",
        "two-device-args-yaml",
        "rename-onto-given-py",
        "rename-onto-given-yaml",
        "noqa-then-comment-yaml",
        "noqa-then-comment-py",
        "lone-cr",
        "noqa-last-line",
        "after-a-block-list",
    ],
)
def test_fixes_that_once_broke_a_file(project, name, before, after):
    (project / name).write_bytes(before.encode())
    run(name, unsafe_fixes=True, select=("ALL",))
    fixed = (project / name).read_bytes().decode()
    assert fixed == (before if after is None else after)
    assert fixer.broken_by_fix(before, fixed, "python" if name.endswith(".py") else "yaml") is None
