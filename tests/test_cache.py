"""The results cache and the process pool change how fast a run is, never what it says.

Every test compares with a run that has no cache (``--no-cache``) or no pool (``-j 1``):
the same report, byte for byte, in the text and JSON formats. Invalidation is checked by
counting the files linted again (``CheckRun.cache_misses``).
"""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path
from typing import List

import pytest

from conftest import write_files
from lightning_lint.linter import run as checker
from lightning_lint.linter.run import CheckOptions

TRAIN = """\
import lightning as L
from lightning.pytorch.callbacks import ModelCheckpoint

from data import make_loader

checkpoint = ModelCheckpoint(monitor="val_loss", every_n_train_steps=100)
trainer = L.Trainer(gpus=2, max_epochs=3, precision=16, callbacks=[checkpoint])
trainer.fit(None, train_dataloaders=make_loader())
"""
PLAIN_LOADER = """\
from torch.utils.data import DataLoader

def make_loader(dataset=None):
    train_loader = DataLoader(dataset, batch_size=32, shuffle=True)
    return train_loader
"""
STATEFUL_LOADER = """\
from torchdata.stateful_dataloader import StatefulDataLoader

def make_loader(dataset=None):
    train_loader = StatefulDataLoader(dataset, batch_size=32, shuffle=True)
    return train_loader
"""
PROJECT = {
    "pyproject.toml": "[project]\nname = 'example'\n\n[tool.lightning-lint]\n",
    "train.py": TRAIN,
    "data.py": PLAIN_LOADER,
    "other.py": "import lightning as L\nL.Trainer(max_epochs=3, replace_sampler_ddp=False)  # a fix\n",
    "utils.py": "def add(a, b):\n    return a + b\n",
    "broken.py": "import lightning\ndef f(:\n    return lightning.Trainer()\n",
    "config.yaml": "trainer:\n  max_epochs: 5\n  max_steps: 500000\n  gpus: 2\n  precision: 16\nmodel:\n  lr: 0.1\n",
    "conf/train.yaml": "defaults:\n  - _self_\n  - trainer: gpu\n\nseed: 1\n",
    "conf/trainer/default.yaml": "_target_: lightning.pytorch.Trainer\nmax_epochs: 10\naccelerator: cpu\n",
    "conf/trainer/gpu.yaml": "# the trainer on one GPU\ndefaults:\n  - default\naccelerator: gpu\ndevices: 1\n"
    "max_steps: 500000\n",
    ".github/workflows/ci.yml": "on: [push]\njobs: {}\n",
}
FILES = 10  # linted files in PROJECT (pyproject.toml is not one)


def edit(root: Path, name: str, text: str) -> None:
    """Write a file and move its modification time on (the in-process Hydra loader
    remembers files by modification time; a real edit moves it too)."""
    path = root / name
    path.write_text(text, encoding="utf-8")
    later = time.time() + 5
    os.utime(path, (later, later))


def check(root: Path, *, fmt: str = "json", **options):
    """Run ``check .`` in ``root``: (CheckRun, report text, exit code)."""
    from lightning_lint.report.formats import ReportContext, render

    opts = CheckOptions(paths=options.pop("paths", ["."]), output_format=fmt, color=False, **options)
    run = checker.lint(opts, cwd=root, log=io.StringIO())
    context = ReportContext(
        cwd=root,
        sources={r.path: r.source for r in run.results if r.source is not None},
        files_checked=run.files_checked,
    )
    return run, render(fmt, run.diagnostics, context)


def relinted(run) -> set:
    return {r.path for r in run.results if not r.cached}


def report(root: Path, *args: str) -> tuple:
    """The whole command (report and exit code), as the command line runs it."""
    out = io.StringIO()
    from lightning_lint.commands.cli import build_parser, run_check

    args_ns = build_parser().parse_args(["check", *args])
    saved = os.getcwd()
    os.chdir(root)
    try:
        import contextlib

        with contextlib.redirect_stdout(out):
            code = run_check(args_ns)
    finally:
        os.chdir(saved)
    return code, out.getvalue()


@pytest.fixture
def project(in_tmp):
    write_files(in_tmp, PROJECT)
    return in_tmp


def test_warm_run_reports_exactly_what_a_cold_run_reports(project):
    for fmt in ("json", "full", "sarif"):
        uncached = report(project, "--no-cache", "--output-format", fmt, ".")
        cold = report(project, "--output-format", fmt, ".")
        warm = report(project, "--output-format", fmt, ".")
        assert cold == uncached and warm == uncached, fmt
    found = json.loads(report(project, "--output-format", "json", ".")[1])
    codes = {(d["path"], d["code"]) for d in found}
    assert {
        ("train.py", "LL302"),
        ("train.py", "LL101"),
        ("broken.py", "LL900"),
        ("config.yaml", "LL302"),
        ("other.py", "LL302"),
    } <= codes, codes
    run, _ = check(project)
    assert (run.cache_hits, run.cache_misses) == (FILES, 0)


def test_editing_a_file_relints_only_that_file(project):
    check(project)
    edit(project, "utils.py", "def add(a, b):\n    return b + a\n")
    run, _ = check(project)
    assert (run.cache_hits, run.cache_misses) == (FILES - 1, 1)
    edit(project, "other.py", "import lightning as L\nL.Trainer(max_epochs=3, gpus=1)\n")
    run, text = check(project)
    assert (run.cache_hits, run.cache_misses) == (FILES - 1, 1)
    assert text == check(project, no_cache=True)[1]
    assert any(d["path"] == "other.py" and d["code"] == "LL302" for d in json.loads(text))


def test_findings_that_depend_on_other_files_are_relinted(project):
    """LL101 in train.py depends on the loader in data.py (the project facts)."""
    _, before = check(project)
    assert any(d["path"] == "train.py" and d["code"] == "LL101" for d in json.loads(before))
    edit(project, "data.py", STATEFUL_LOADER)
    run, after = check(project)
    assert after == check(project, no_cache=True)[1]
    assert not any(d["code"] == "LL101" for d in json.loads(after))
    # data.py itself, and the configurations whose rules read the project facts
    configs = {"config.yaml", "conf/train.yaml", "conf/trainer/default.yaml", "conf/trainer/gpu.yaml"}
    assert {"data.py", "train.py"} <= relinted(run) <= {"data.py", "train.py", "other.py"} | configs


def test_a_composed_hydra_config_follows_the_files_it_composes(project):
    check(project)
    edit(project, "conf/trainer/default.yaml", "_target_: lightning.pytorch.Trainer\nmax_epochs: -1\ngpus: 1\n")
    run, text = check(project)
    # default.yaml itself, and gpu.yaml and train.yaml, whose composition reads it
    assert relinted(run) == {"conf/trainer/default.yaml", "conf/trainer/gpu.yaml", "conf/train.yaml"}
    assert text == check(project, no_cache=True)[1]


def test_a_new_version_pin_relints_what_depends_on_it(project):
    check(project)
    edit(project, "requirements.txt", "pytorch-lightning==1.9.5\n")
    run, text = check(project)
    assert text == check(project, no_cache=True)[1]
    assert not any(d["code"] == "LL302" and d["path"] == "train.py" for d in json.loads(text))  # gpus=2 is fine in 1.9
    assert run.cache_misses >= 3 and run.cache_hits >= 1  # utils.py and the CI workflow are not parsed


def test_changing_the_settings_relints_everything(project):
    check(project)
    edit(project, "pyproject.toml", PROJECT["pyproject.toml"] + 'ignore = ["LL306"]\n')
    run, text = check(project)
    assert (run.cache_hits, run.cache_misses) == (0, FILES)
    assert "LL306" not in text and text == check(project, no_cache=True)[1]
    run, _ = check(project, ignore=("LL302",))  # options on the command line: a cache of their own
    assert run.cache_hits == 0
    run, _ = check(project)
    assert (run.cache_hits, run.cache_misses) == (FILES, 0)


def test_a_new_tool_version_relints_everything(project, monkeypatch):
    check(project)
    import lightning_lint

    monkeypatch.setattr(lightning_lint, "__version__", lightning_lint.__version__ + ".post1")
    run, _ = check(project)
    assert (run.cache_hits, run.cache_misses) == (0, FILES)


def test_no_cache_writes_nothing(project):
    check(project, no_cache=True)
    assert not (project / ".lightning-lint-cache").exists()
    code, _ = report(project, "--no-cache", ".")
    assert code == 1 and not (project / ".lightning-lint-cache").exists()


def test_cache_directory_choices(project, monkeypatch):
    check(project, cache_dir="elsewhere")
    assert (project / "elsewhere").is_dir() and not (project / ".lightning-lint-cache").exists()
    assert (project / "elsewhere" / ".gitignore").read_text().strip().endswith("*")
    monkeypatch.setenv("LIGHTNING_LINT_CACHE_DIR", str(project / "from-env"))
    run, _ = check(project)
    assert (project / "from-env").is_dir() and run.cache_misses == FILES


def test_a_corrupted_cache_is_ignored_and_replaced(project):
    _, expected = check(project, no_cache=True)
    check(project)
    [cache_file] = (project / ".lightning-lint-cache").rglob("*.json")
    for garbage in (b"\x00\xffnot json", b'{"format": 1, "results": [1, 2]}', b""):
        cache_file.write_bytes(garbage)
        run, text = check(project)
        assert text == expected and run.cache_misses == FILES
    data = json.loads(cache_file.read_text())
    for entry in data["results"].values():
        entry[6] = [["LL999", "x"]]  # a finding of the wrong shape
    cache_file.write_text(json.dumps(data))
    run, text = check(project)
    assert text == expected and run.cache_misses > 0


def test_unreadable_files_are_not_cached(project):
    """Why a file cannot be read depends on the file system, not on its content."""
    if not hasattr(os, "symlink"):
        pytest.skip("needs symbolic links")
    os.symlink(project / "missing.py", project / "link.py")  # a broken link
    _, text = check(project)
    assert any(d["path"] == "link.py" and d["code"] == "LL901" for d in json.loads(text))
    (project / "missing.py").write_text("def nothing():\n    pass\n")
    _, text = check(project)
    assert not any(d["path"] == "link.py" for d in json.loads(text))
    assert text == check(project, no_cache=True)[1]


def test_fix_and_diff_use_the_cache_correctly(project):
    check(project)
    code, diff = report(project, "--diff", "other.py")
    assert code == 1 and "use_distributed_sampler=False" in diff
    code, _ = report(project, "--fix", "other.py")
    assert "use_distributed_sampler=False" in (project / "other.py").read_text()
    assert report(project, "--output-format", "json", ".") == report(
        project, "--no-cache", "--output-format", "json", "."
    )


def test_parallel_run_reports_exactly_what_a_sequential_run_reports(in_tmp):
    files = dict(PROJECT)
    for number in range(30):  # enough files to parse for a pool
        files[f"pkg/train_{number}.py"] = TRAIN.replace("gpus=2", f"gpus={number % 3 + 1}")
        files[f"pkg/model_{number}.py"] = "import lightning as L\nL.Trainer(max_epochs=3, precision=16)\n"
    write_files(in_tmp, files)
    sequential_run, sequential = check(in_tmp, no_cache=True, jobs=1)
    parallel_run, parallel = check(in_tmp, no_cache=True, jobs=3)
    assert parallel_run.workers == 2 and sequential_run.workers == 0  # this process and two workers
    assert parallel == sequential
    assert check(in_tmp, no_cache=True, jobs=2, fmt="full")[1] == check(in_tmp, no_cache=True, jobs=1, fmt="full")[1]
    # a cold cached run in parallel, then a warm one: the same again
    assert check(in_tmp, jobs=3)[1] == sequential and check(in_tmp, jobs=3)[1] == sequential


def test_no_pool_under_pre_commit_or_when_disabled(in_tmp, monkeypatch):
    from lightning_lint.linter.runner import worker_count

    options = CheckOptions()
    monkeypatch.setattr("lightning_lint.linter.runner.available_cores", lambda: 8)
    assert worker_count(options, 1000) == 8
    assert worker_count(options, 5) == 1  # a handful of files: not worth a pool
    monkeypatch.setenv("PRE_COMMIT", "1")
    assert worker_count(options, 1000) == 1
    assert worker_count(CheckOptions(jobs=3), 1000) == 3  # asked for explicitly
    monkeypatch.delenv("PRE_COMMIT")
    monkeypatch.setenv("LIGHTNING_LINT_NO_PARALLEL", "1")
    assert worker_count(options, 1000) == 1


def test_a_crashing_rule_is_never_cached(project, monkeypatch):
    from lightning_lint.rules.arguments import RemovedArgument

    def crash(self, spec, ctx):
        raise RecursionError("maximum recursion depth exceeded")

    with monkeypatch.context() as patch:
        patch.setattr(RemovedArgument, "check_trainer", crash)
        run, text = check(project)
    assert any(d["code"] == "LL905" for d in json.loads(text))
    crashed = {d["path"] for d in json.loads(text) if d["code"] == "LL905"}
    run, text = check(project)
    assert crashed <= relinted(run)
    assert not any(d["code"] == "LL905" for d in json.loads(text))


def test_a_nested_configuration_invalidates_only_its_folder(project):
    write_files(
        project,
        {
            "sub/lightning-lint.toml": "ignore = []\n",
            "sub/train.py": "import lightning as L\nL.Trainer(gpus=1, max_epochs=3)\n",
        },
    )
    check(project)
    edit(project, "sub/lightning-lint.toml", 'ignore = ["LL302"]\n')
    run, text = check(project)
    assert relinted(run) == {"sub/train.py"}
    assert text == check(project, no_cache=True)[1]
    assert not any(d["path"] == "sub/train.py" for d in json.loads(text))


def test_a_helper_module_followed_from_a_script_is_a_dependency(in_tmp):
    write_files(
        in_tmp,
        {
            "pyproject.toml": "[project]\nname = 'app'\n",
            "config.py": "def kwargs():\n    return {'max_epochs': 3, 'strategy': 'dp'}\n",
            "train.py": "import lightning as L\nfrom config import kwargs\nL.Trainer(**kwargs()).fit(model)\n",
        },
    )
    _, before = check(in_tmp)
    assert any(d["path"] == "train.py" and d["code"] == "LL401" for d in json.loads(before))
    edit(in_tmp, "config.py", "def kwargs():\n    return {'max_epochs': 3, 'strategy': 'ddp'}\n")
    run, after = check(in_tmp)
    assert "train.py" in relinted(run)
    assert not any(d["code"] == "LL401" for d in json.loads(after))


# A project whose scripts build the project's own classes: a Trainer subclass (the class
# index must resolve it: the answer needs the project facts) and a model that extends
# nothing Lightning (the deferred answer, "no such class", stays right).
TRAINER_CLASS = """\
import lightning as L

class FastTrainer(L.Trainer):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_epochs", 3)
        super().__init__(**kwargs)
"""
SCRIPT = """\
from trainers import FastTrainer
from helpers import Helper

Helper(1)
trainer = FastTrainer(gpus={n}, max_steps=500000, callbacks=[ModelCheckpoint(every_n_train_steps=100)])
trainer.fit(Net(), DataLoader(ds))
"""
HELPER = "class Helper(Base):\n    def __init__(self, n):\n        super().__init__(n=n)\n"


def test_files_waiting_for_the_facts_are_extracted_again_only_when_the_facts_change_them(in_tmp, monkeypatch):
    from lightning_lint.linter import engine

    files = {"pyproject.toml": "[project]\nname = 'x'\n", "trainers.py": TRAINER_CLASS, "helpers.py": HELPER}
    for number in range(12):
        files[f"run_{number}.py"] = SCRIPT.format(n=number % 2 + 1)
        files[f"plain_{number}.py"] = "from helpers import Helper\nimport lightning as L\nHelper(2)\n" + (
            "L.Trainer(max_epochs=3, gpus=1).fit(Net(), DataLoader(ds))\n"
        )
    write_files(in_tmp, files)
    extracted: List[str] = []
    real = engine.EXTRACTORS[engine.PYTHON]

    def counting(source, *args, **kwargs):
        extracted.append(source.path)
        return real(source, *args, **kwargs)

    monkeypatch.setitem(engine.EXTRACTORS, engine.PYTHON, counting)
    _, sequential = check(in_tmp, no_cache=True, jobs=1)
    findings = json.loads(sequential)
    # the subclass is resolved: its `gpus=` is the Trainer's (removed in 2.0), on every script
    assert {d["path"] for d in findings if d["code"] == "LL302"} >= {f"run_{n}.py" for n in range(12)}
    # the FastTrainer scripts are extracted twice (the facts change their extraction); the
    # others once: their deferred answer holds, and the rules run on the kept extraction
    counts = {path: extracted.count(path) for path in set(extracted)}
    assert all(counts[f"run_{n}.py"] == 2 for n in range(12)), counts
    assert all(counts[f"plain_{n}.py"] == 1 for n in range(12)), counts
    assert check(in_tmp, no_cache=True, jobs=2)[1] == sequential
    assert check(in_tmp, no_cache=True, jobs=3)[1] == sequential
    extracted.clear()
    for number in range(12):  # each file alone, facts gathered first: the same findings
        path = f"plain_{number}.py"
        alone = json.loads(check(in_tmp, no_cache=True, jobs=1, paths=[path])[1])
        assert alone == [d for d in findings if d["path"] == path]
