"""Files whose rules wait for the project facts (linter/runner.py, ``_Pool``).

A cold run lints a file before the facts are gathered; a file whose rules need them is set
aside where it was linted, its extraction kept there, and finished by that process once the
facts are in. Sequential, pooled, cached and uncached runs say the same; a result that waited
is cached with the facts' digest, so that an edit of another module that changes the answer
invalidates it; a large run starts its workers while it still reads its files."""

from __future__ import annotations

import io
import multiprocessing
import os
import time
from pathlib import Path
from typing import List

import pytest

from conftest import write_files
from lightning_lint.linter import engine, runner
from lightning_lint.linter.engine import Linter
from lightning_lint.linter.settings import SettingsResolver

USER = {
    "pyproject.toml": "[project]\nname = 'example'\n",
    "models.py": "class LoopTrainer:\n    def __init__(self, **kwargs):\n        self.kwargs = kwargs\n",
    "train.py": "from models import LoopTrainer\n\ntrainer = LoopTrainer(device=[0], max_epochs=3)\n",
    # a second file to parse: a cold run then defers the facts (one file alone gathers them)
    "data.py": "from torch.utils.data import DataLoader\n\nloader = DataLoader([1, 2])\n",
}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_result_that_waited_for_the_facts_is_cached_with_them(in_tmp, jobs):
    """``LoopTrainer`` (a name the prefilter lets through) extends nothing: a cold run lints
    train.py once the facts say so and caches the result with their digest, so an unchanged
    run reuses it, and making ``LoopTrainer`` a Trainer in another module brings the finding."""
    from lightning_lint.linter import run as checker
    from lightning_lint.linter.run import CheckOptions

    write_files(in_tmp, USER)

    def check():
        options = CheckOptions(paths=["."], select=("LL301",), jobs=jobs)
        return checker.lint(options, cwd=in_tmp, log=io.StringIO())

    first = check()
    assert first.diagnostics == []
    again = check()
    assert again.cache_hits == again.files_checked and again.cache_misses == 0
    models = in_tmp / "models.py"
    models.write_text(
        "import lightning.pytorch as pl\n\n\nclass LoopTrainer(pl.Trainer):\n    pass\n", encoding="utf-8"
    )
    later = time.time() + 5
    os.utime(models, (later, later))
    found = check().diagnostics
    assert [(d.path, d.code, d.span.start_line) for d in found] == [("train.py", "LL301", 3)]


def test_the_runner_keeps_no_pending_record(in_tmp):
    from lightning_lint.linter import run as checker
    from lightning_lint.linter.run import CheckOptions
    from lightning_lint.model import dependencies

    write_files(in_tmp, USER)
    run = checker.lint(CheckOptions(paths=["."], select=("LL301",), jobs=1), cwd=in_tmp, log=io.StringIO())
    [train] = [r for r in run.results if r.path == "train.py"]
    facts = [value for (kind, _), value in train.deps.items() if kind == dependencies.FACTS]
    assert facts and dependencies.PENDING not in facts  # the digest, filled in once gathered


MODULES = {
    "pyproject.toml": "[project]\nname = 'example'\n",
    "a.py": "import lightning.pytorch as pl\n\n\nclass A(pl.LightningModule):\n    def configure_optimizers(self):\n        pass\n",
    "b.py": "import lightning.pytorch as pl\n\n\nclass B(pl.LightningModule):\n    def configure_optimizers(self):\n        pass\n",
}


def _linter_with_listing(root):
    """A linter that knows the project's files as a run's discovery lists them, and the project."""
    from lightning_lint.linter.discovery import discover, facts_file

    resolver = SettingsResolver(root)
    linter = Linter(resolver)
    for found, listing in discover(["."], resolver, facts_accept=facts_file).listings.items():
        linter.projects.provide_listing(found, listing)
    return linter, linter.projects.for_root(root.resolve())


def test_two_modules_seen_before_the_facts_are_enough(in_tmp):
    """The fallback "the project's only LightningModule" needs the facts only while fewer
    than two modules are known: the facts only add to what the files linted so far show."""
    from lightning_lint.linter.engine import FactsNeeded
    from lightning_lint.model import dependencies

    write_files(in_tmp, MODULES)
    linter, project = _linter_with_listing(in_tmp)
    linter.projects.defer_facts(True)
    linter.lint_path(in_tmp / "a.py", "a.py")
    with pytest.raises(FactsNeeded):
        project.lightning_modules_at_least(2)  # one seen: the facts may hold no other
    linter.lint_path(in_tmp / "b.py", "b.py")
    dependencies.start()
    assert project.lightning_modules_at_least(2)
    assert dependencies.stop() == {(dependencies.FACTS, str(in_tmp.resolve())): dependencies.PENDING}
    assert project._facts is None  # nothing was gathered
    linter.projects.defer_facts(False)
    assert project.lightning_modules_at_least(2) and not project.lightning_modules_at_least(3)


def _large_project(root) -> None:
    """Enough files to parse for a pool: scripts that call a project Trainer subclass or a
    plain project class, modules, and Hydra trainer configs."""
    files = {
        "pyproject.toml": "[project]\nname = 'example'\n",
        "pkg/__init__.py": "",
        "pkg/trainers.py": (
            "import lightning.pytorch as pl\n\n\nclass MyTrainer(pl.Trainer):\n"
            "    def __init__(self, name='x', **kwargs):\n        super().__init__(**kwargs)\n"
        ),
        "pkg/helpers.py": "class RunTrainer:\n    def __init__(self, **kwargs):\n        self.kwargs = kwargs\n",
    }
    for i in range(60):
        cls = "MyTrainer" if i % 2 else "RunTrainer"
        module = "trainers" if i % 2 else "helpers"
        files[f"scripts/train_{i}.py"] = (
            f"from pkg.{module} import {cls}\n\ntrainer = {cls}(device=[0], max_epochs=1)\n"
        )
    for i in range(40):
        files[f"pkg/model_{i}.py"] = (
            "import lightning.pytorch as pl\n\n\n"
            f"class Model{i}(pl.LightningModule):\n    def configure_optimizers(self):\n        return None\n"
        )
    files["pkg/manual.py"] = (
        "import lightning.pytorch as pl\n\n\nclass ManualModel(pl.LightningModule):\n"
        "    def __init__(self):\n        super().__init__()\n        self.automatic_optimization = False\n"
    )
    for name, model in (("fit_manual", "manual import ManualModel"), ("fit_auto", "model_0 import Model0")):
        files[f"scripts/{name}.py"] = (
            f"import lightning.pytorch as pl\nfrom pkg.{model}\n\n"
            "trainer = pl.Trainer(accumulate_grad_batches=2, max_epochs=1)\n"
            f"trainer.fit({model.rsplit(' ', 1)[-1]}())\n"
        )
    for i in range(20):
        files[f"configs/trainer/t{i}.yaml"] = "accelerator: gpu\ndevice: 1\nmax_epochs: 3\naccumulate_grad_batches: 2\n"
    write_files(root, files)


def test_sequential_pooled_and_uncached_runs_agree_on_a_large_project(in_tmp):
    from lightning_lint.linter import run as checker
    from lightning_lint.linter.run import CheckOptions

    _large_project(in_tmp)

    def found(**options):
        run = checker.lint(CheckOptions(paths=["."], **options), cwd=in_tmp, log=io.StringIO())
        return sorted((d.path, d.code, d.span.start_line, d.message) for d in run.diagnostics)

    sequential = found(jobs=1, no_cache=True)
    assert sequential == found(jobs=2, no_cache=True)
    assert sequential == found(jobs=2)  # cold, with the results cache
    assert sequential == found(jobs=2)  # warm
    assert sequential == found(jobs=1)
    subclass_calls = {p for p, code, _, _ in sequential if code == "LL301" and p.startswith("scripts/")}
    assert subclass_calls == {f"scripts/train_{i}.py" for i in range(1, 60, 2)}  # MyTrainer's, not RunTrainer's
    # LL409 where the fitted module optimizes manually; not for the configs (not every
    # module of the project does) nor for the automatic one
    assert [(p, line) for p, code, line, _ in sequential if code == "LL409"] == [("scripts/fit_manual.py", 4)]


def _module(name: str, manual: bool) -> str:
    body = "        self.automatic_optimization = False\n" if manual else "        self.lr = 0.1\n"
    return (
        f"import lightning.pytorch as pl\n\n\nclass {name}(pl.LightningModule):\n"
        f"    def __init__(self):\n        super().__init__()\n{body}\n"
        "    def configure_optimizers(self):\n        return None\n"
    )


@pytest.mark.parametrize(
    "modules, manual",
    [
        ({"a.py": ("A", True), "b.py": ("B", False)}, False),  # B optimizes automatically: not all are manual
        ({"a.py": ("A", False), "b.py": ("B", False)}, False),
        ({"a.py": ("A", True), "b.py": ("B", True)}, True),  # every module is manual
    ],
)
def test_a_config_waits_for_the_facts_to_say_whether_its_module_is_manual(in_tmp, modules, manual):
    """LL409 on a config without a fit: every module of the project optimizes manually.
    While the facts are deferred the config waits; once they are in, it gets their answer."""
    from lightning_lint.linter.engine import FactsNeeded

    files = {"pyproject.toml": "[project]\nname = 'example'\n", "conf/trainer/default.yaml": TRAINER_CONFIG}
    files.update({path: _module(name, is_manual) for path, (name, is_manual) in modules.items()})
    write_files(in_tmp, files)
    linter, _ = _linter_with_listing(in_tmp)
    linter.projects.defer_facts(True)
    for path in modules:
        linter.lint_path(in_tmp / path, path)
    config = in_tmp / "conf/trainer/default.yaml"
    with pytest.raises(FactsNeeded):
        linter.lint_path(config, "conf/trainer/default.yaml")
    linter.projects.defer_facts(False)
    found = linter.lint_path(config, "conf/trainer/default.yaml").diagnostics
    assert ("LL409" in [d.code for d in found]) == manual


TRAINER_CONFIG = "max_epochs: 3\naccumulate_grad_batches: 2\n"


def _found(root, **options):
    from lightning_lint.linter import run as checker
    from lightning_lint.linter.run import CheckOptions

    run = checker.lint(CheckOptions(paths=["."], no_cache=True, **options), cwd=root, log=io.StringIO())
    return sorted((d.path, d.code, d.span.start_line, d.message) for d in run.diagnostics)


def _by_name(function, name):
    """``function`` pickled by the name of the runner's function it replaces: the pool
    sends a task's function to a worker by name, and a forked worker has the patch."""
    function.__module__, function.__qualname__ = runner.__name__, name
    return function


forking = pytest.mark.skipif(
    runner._context(multiprocessing).get_start_method() != "fork",
    reason="the workers see this process's patches only when forked",
)


def test_a_large_run_hands_files_to_the_workers_while_it_reads(in_tmp, monkeypatch):
    _large_project(in_tmp)
    sequential = _found(in_tmp, jobs=1)
    monkeypatch.setattr(runner, "EARLY_POOL_FILES", 10)
    monkeypatch.setattr(runner, "BATCH_FILES", 5)
    handed: List[int] = []
    real = runner._Pool.hand

    def hand(self, batch):
        taken = real(self, batch)
        if taken:
            handed.append(len(batch))
        return taken

    monkeypatch.setattr(runner._Pool, "hand", hand)
    assert _found(in_tmp, jobs=2) == sequential
    assert handed and sum(handed) < 100  # some files before the reading ended, not all


@forking
def test_a_file_set_aside_is_finished_where_it_was_extracted(in_tmp, monkeypatch):
    """No extraction crosses processes: a file set aside is linted again by the process
    that extracted it, from the extraction it kept (extracted once, unless the facts change
    what it asked: ``MyTrainer`` turns out to be a Trainer)."""
    _large_project(in_tmp)
    sequential = _found(in_tmp, jobs=1)
    log = in_tmp.parent / "extractions.log"
    real_extract = engine.EXTRACTORS["python"]
    real_finish = runner._finish_kept

    def extract(source, settings, path, project=None):
        with open(log, "a") as out:
            out.write(f"extract {os.getpid()} {Path(path).as_posix()}\n")
        return real_extract(source, settings, path, project)

    def finish(facts, linter=None, kept=None):
        waiting = len(kept if kept is not None else runner._worker_kept)
        with open(log, "a") as out:
            out.write(f"finish {os.getpid()} {waiting}\n")
        return real_finish(facts, linter, kept)

    monkeypatch.setitem(engine.EXTRACTORS, "python", extract)
    monkeypatch.setattr(runner, "_finish_kept", _by_name(finish, "_finish_kept"))
    assert _found(in_tmp, jobs=2) == sequential
    lines = [line.split() for line in log.read_text().splitlines()]
    finishes = {pid: int(count) for kind, pid, count in lines if kind == "finish"}
    assert len(finishes) == 2 and all(finishes.values())  # both processes set files aside
    by_file: dict = {}
    for kind, pid, path in lines:
        if kind == "extract":
            by_file.setdefault(path, []).append(pid)
    plain = [p for p in by_file if p.endswith(tuple(f"/train_{i}.py" for i in range(0, 60, 2)))]
    assert len(plain) == 30 and all(len(by_file[p]) == 1 for p in plain)  # RunTrainer: extracted once
    assert all(len(set(pids)) == 1 for pids in by_file.values())  # never again elsewhere


@forking
def test_the_files_of_a_worker_lost_before_the_facts_are_linted_here(in_tmp, monkeypatch):
    _large_project(in_tmp)
    sequential = _found(in_tmp, jobs=1)
    real_finish = runner._finish_kept

    log = in_tmp.parent / "lost.log"

    def lost(facts, linter=None, kept=None):
        if linter is None:  # in the worker: its files never come back
            log.write_text(str(len(runner._worker_kept)))
            raise RuntimeError("worker lost")
        return real_finish(facts, linter, kept)

    monkeypatch.setattr(runner, "_finish_kept", _by_name(lost, "_finish_kept"))
    assert _found(in_tmp, jobs=2) == sequential
    assert int(log.read_text()) > 0  # the worker had files waiting


def test_projects_met_after_the_pool_started_get_their_facts_too(in_tmp, monkeypatch):
    """Two projects side by side: the pool starts while only the first one's files were
    read; the second one's files wait for its facts like the first one's."""
    _large_project(in_tmp / "first")
    _large_project(in_tmp / "second")
    monkeypatch.setattr(runner, "EARLY_POOL_FILES", 20)
    sequential = _found(in_tmp, jobs=1)
    assert {p.split("/", 1)[0] for p, code, _, _ in sequential if code == "LL301"} == {"first", "second"}
    assert _found(in_tmp, jobs=2) == sequential
    assert _found(in_tmp, jobs=3) == sequential


def test_a_spawned_pool_says_what_a_forked_one_says(in_tmp, monkeypatch):
    """Where ``fork`` is not used (macOS, Windows), workers start afresh: the facts, the
    listings and the barrier reach them as arguments."""
    _large_project(in_tmp)
    sequential = _found(in_tmp, jobs=1)
    monkeypatch.setattr(runner, "_context", lambda multiprocessing: multiprocessing.get_context("spawn"))
    assert _found(in_tmp, jobs=2) == sequential
