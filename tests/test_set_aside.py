"""The class prescan (linter/subclass_prescan.py): which names of a project may extend a
Trainer or a callback, read from the text before the facts are gathered. Its "no" must be
the class index's answer (a name it rules out never resolves to a Lightning class), so
that a cold run can lint such a file at once; and a result that relied on it is cached
with the facts' digest, so that an edit of another module that changes the answer
invalidates it."""

from __future__ import annotations

import io
import json
import os
import time
from typing import List

import pytest

from conftest import write_files
from lightning_lint.linter.engine import Linter
from lightning_lint.linter.settings import SettingsResolver
from lightning_lint.linter.subclass_prescan import Prescan
from lightning_lint.model.subclasses import Index


def prescan(*texts: str) -> Prescan:
    scan = Prescan()
    for text in texts:
        scan.add(text.encode())
    return scan


@pytest.mark.parametrize(
    "text, name",
    [
        ("import lightning.pytorch as pl\nclass MyTrainer(pl.Trainer): pass\n", "pkg.MyTrainer"),
        ("from lightning.pytorch import Trainer as T\nclass MyTrainer(T): pass\n", "MyTrainer"),
        ("import lightning.pytorch as pl\nT = pl.Trainer\nclass MyTrainer(T): pass\n", "MyTrainer"),
        ("from pytorch_lightning.callbacks import ModelCheckpoint as MC\nclass Ckpt(MC): pass\n", "Ckpt"),
        ('class MyTrainer(Generic["T"], pl.Trainer): pass\n', "MyTrainer"),
        ("class MyTrainer(\n    # a base (that is all\n    pl.Trainer,\n):\n    pass\n", "MyTrainer"),
        ("class MyTrainer(pl . Trainer, metaclass=Meta): pass\n", "MyTrainer"),
        ("class Ckpt(nl.ModelCheckpoint): pass\n", "Ckpt"),  # NeMo 2's, a library subclass
        ("class Odd(make('a, b):\n    pass\n", "Odd"),  # an unclosed string: may extend anything
    ],
)
def test_names_that_may_extend_a_lightning_class(text, name):
    assert prescan(text).may_extend(name)


@pytest.mark.parametrize(
    "text, name",
    [
        ("class Dataset(torch.utils.data.Dataset): pass\n", "Dataset"),
        ("class Model(pl.LightningModule): pass\n", "Model"),  # not a Trainer or a callback
        ("class Base: pass\nclass Child(Base): pass\n", "Child"),
        ("class G(Generic[T]): pass\n", "G"),  # a subscript resolves to no class
        ("x = Trainer(max_epochs=1)\n", "Helper"),  # no class of that name at all
        ("class MyTrainerNotes: pass  # extends pl.Trainer in spirit\n", "MyTrainerNotes"),
    ],
)
def test_names_that_cannot(text, name):
    assert not prescan(text).may_extend(name)


def test_a_chain_across_files_and_an_alias_seen_only_in_its_own_file():
    scan = prescan(
        "import lightning.pytorch as pl\nclass Base(pl.Trainer): pass\n",
        "from base import Base\nclass Mid(Base): pass\n",
        "from mid import Mid as M\nclass Leaf(M): pass\n",
        # an alias made in one module and imported into another is not followed by the
        # index either: ``other.T`` names no class
        "import lightning.pytorch as pl\nT = pl.Trainer\n",
        "from other import T\nclass Far(T): pass\n",
    )
    assert scan.may_extend("Base") and scan.may_extend("Mid") and scan.may_extend("Leaf")
    assert not scan.may_extend("Far")


def test_a_notebook_is_read_cell_by_cell():
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": ["import lightning.pytorch as pl\n"]},
            {"cell_type": "code", "metadata": {}, "source": ["class NbTrainer(pl.Trainer):\n", "    pass\n"]},
        ],
    }
    scan = Prescan()
    scan.add(json.dumps(notebook).encode(), notebook=True)
    assert scan.may_extend("NbTrainer")


PROJECT = {
    "pyproject.toml": "[project]\nname = 'example'\n",
    "pkg/__init__.py": "",
    "pkg/trainers.py": """
        import lightning.pytorch as pl
        from lightning.pytorch.callbacks import ModelCheckpoint as Checkpoint
        from pkg.data import Loaderish

        Alias = pl.Trainer


        class Base(pl.Trainer):
            pass


        class FromAlias(Alias):
            pass


        class Ckpt(Checkpoint):
            pass


        class Mixed(Loaderish, Base):
            pass
    """,
    "pkg/data.py": """
        import torch
        from typing import Generic, TypeVar

        T = TypeVar("T")


        class Loaderish(torch.utils.data.Dataset):
            pass


        class Typed(Generic[T]):
            pass


        class Plain:
            pass


        class Child(Plain, Typed):
            pass
    """,
}


def test_every_name_ruled_out_is_one_the_class_index_does_not_resolve(in_tmp):
    write_files(in_tmp, PROJECT)
    project = Linter(SettingsResolver(in_tmp)).projects.for_root(in_tmp)
    index = Index(project.classes_named)
    names = ["Base", "FromAlias", "Ckpt", "Mixed", "Loaderish", "Typed", "Plain", "Child", "Missing"]
    module = {"Loaderish": "data", "Typed": "data", "Plain": "data", "Child": "data"}
    resolved = {name for name in names if index.resolve(f"pkg.{module.get(name, 'trainers')}.{name}") is not None}
    assert resolved == {"Base", "FromAlias", "Ckpt", "Mixed"}  # the facts' answer
    scan = project.prescan()
    assert {name for name in names if scan.may_extend(name)} >= resolved
    assert not {"Loaderish", "Typed", "Plain", "Child", "Missing"} & {n for n in names if scan.may_extend(n)}


USER = {
    "pyproject.toml": "[project]\nname = 'example'\n",
    "models.py": "class LoopTrainer:\n    def __init__(self, **kwargs):\n        self.kwargs = kwargs\n",
    "train.py": "from models import LoopTrainer\n\ntrainer = LoopTrainer(device=[0], max_epochs=3)\n",
    # a second file to parse: a cold run then defers the facts (one file alone gathers them)
    "data.py": "from torch.utils.data import DataLoader\n\nloader = DataLoader([1, 2])\n",
}


@pytest.fixture
def prescan_always(monkeypatch):
    from lightning_lint.linter import runner

    monkeypatch.setattr(runner, "PRESCAN_MIN_FILES", 2)  # these projects are small


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_result_the_prescan_decided_is_cached_with_the_facts(in_tmp, jobs, prescan_always):
    """``LoopTrainer`` (a name the prefilter lets through) extends nothing: a cold run lints train.py without waiting for the facts
    and caches the result with their digest, so an unchanged run reuses it, and making
    ``LoopTrainer`` a Trainer in another module brings the finding."""
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


def test_the_runner_keeps_no_pending_record(in_tmp, prescan_always):
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


@pytest.mark.parametrize("threshold, reads", [(100, 0), (2, 1)])
def test_the_prescan_is_read_for_a_large_run_only(in_tmp, monkeypatch, threshold, reads):
    """Reading a project's text costs more than waiting for the facts with a few files
    (pre-commit): a run reads it only from ``PRESCAN_MIN_FILES`` files to parse on."""
    from lightning_lint.linter import project_facts, runner
    from lightning_lint.linter import run as checker
    from lightning_lint.linter.run import CheckOptions

    write_files(in_tmp, USER)
    monkeypatch.setattr(runner, "PRESCAN_MIN_FILES", threshold)
    calls = []
    original = project_facts.prescan_classes
    monkeypatch.setattr(project_facts, "prescan_classes", lambda *a: calls.append(a) or original(*a))
    run = checker.lint(CheckOptions(paths=["."], select=("LL301",), jobs=1), cwd=in_tmp, log=io.StringIO())
    assert len(calls) == reads and run.diagnostics == []


def _large_project(root) -> None:
    """Enough files to parse for the prescan and a pool: scripts that call a project
    Trainer subclass or a plain project class, modules, and Hydra trainer configs."""
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
    "modules, waits",
    [
        ({"a.py": ("A", True), "b.py": ("B", False)}, False),  # B optimizes automatically: not all are manual
        ({"a.py": ("A", False), "b.py": ("B", False)}, False),  # (and no file says so for the config's project)
        ({"a.py": ("A", True), "b.py": ("B", True)}, True),  # all seen are manual: the facts decide
    ],
)
def test_a_config_waits_for_the_facts_only_when_its_module_may_be_manual(in_tmp, modules, waits):
    """LL409 on a config without a fit: the module is the project's only one, or every
    module optimizes manually. Before the facts, a module seen that does not rules it out."""
    from lightning_lint.linter.engine import FactsNeeded

    files = {"pyproject.toml": "[project]\nname = 'example'\n", "conf/trainer/default.yaml": TRAINER_CONFIG}
    files.update({path: _module(name, manual) for path, (name, manual) in modules.items()})
    write_files(in_tmp, files)
    linter, project = _linter_with_listing(in_tmp)
    project.prescan()
    linter.projects.defer_facts(True)
    for path in modules:
        linter.lint_path(in_tmp / path, path)
    config = in_tmp / "conf/trainer/default.yaml"
    if waits:
        with pytest.raises(FactsNeeded):
            linter.lint_path(config, "conf/trainer/default.yaml")
        linter.projects.defer_facts(False)
        found = linter.lint_path(config, "conf/trainer/default.yaml").diagnostics
        assert [d.code for d in found if d.code == "LL409"] == ["LL409"]  # the facts: every module is manual
    else:
        found = linter.lint_path(config, "conf/trainer/default.yaml").diagnostics
        assert "LL409" not in [d.code for d in found] and project._facts is None


TRAINER_CONFIG = "max_epochs: 3\naccumulate_grad_batches: 2\n"


def test_a_pooled_run_reads_the_prescan_in_the_background(in_tmp, monkeypatch):
    """With a pool, a forked process reads the prescan while this one reads the files; it
    is not read here, and the findings are those of a run that read it here. When that
    process fails, it is read here instead."""
    from lightning_lint.linter import project_facts, runner
    from lightning_lint.linter import run as checker
    from lightning_lint.linter.run import CheckOptions

    _large_project(in_tmp)
    here: List[str] = []  # calls in this process (the forked one's are not seen)
    real = project_facts.prescan_classes

    def counted(*args, **kwargs):
        here.append("prescan")
        return real(*args, **kwargs)

    monkeypatch.setattr(project_facts, "prescan_classes", counted)

    def found(**options):
        run = checker.lint(CheckOptions(paths=["."], no_cache=True, **options), cwd=in_tmp, log=io.StringIO())
        return sorted((d.path, d.code, d.span.start_line, d.message) for d in run.diagnostics)

    sequential = found(jobs=1)
    assert here == ["prescan"]  # -j1: no other process, read here
    here.clear()
    assert found(jobs=2) == sequential
    assert here == []  # read by the forked process

    def failing(project, sender):
        sender.close()  # dies without sending

    monkeypatch.setattr(runner, "_send_prescan", failing)
    assert found(jobs=2) == sequential
    assert here == ["prescan"]


def test_a_prescan_nobody_takes_is_stopped(tmp_path):
    from lightning_lint.linter import runner
    from lightning_lint.linter.engine import Linter
    from lightning_lint.linter.run import CheckOptions
    from lightning_lint.linter.settings import SettingsResolver

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    linter = Linter(SettingsResolver(tmp_path))
    background = runner._BackgroundPrescans(linter, CheckOptions(paths=["."], jobs=2))
    background.start({tmp_path})
    ((process, _),) = background.running.values()
    background.close()
    assert not process.is_alive() and background.running == {}
    assert background.take(tmp_path) is None
