"""Subclasses of Lightning classes (model/subclasses.py, extract/subclasses.py): a project's
``class MyTrainer(pl.Trainer)`` (in another module, through other project classes, named
by a Hydra ``_target_``) and NeMo 2's ``nl.Trainer``/``nl.ModelCheckpoint`` are the class they
extend: keywords their ``__init__`` consumes are theirs, keywords forwarded with ``**kwargs``
are checked as the base's, and defaults they pass join the spec."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest

from conftest import write_files
from lightning_lint.extract import python
from lightning_lint.linter.engine import EXTRACTORS, Linter
from lightning_lint.linter.settings import Overrides, SettingsResolver
from lightning_lint.model.sources import read_source
from lightning_lint.model.subclasses import InitInfo, map_call

TRAINER_MODULE = """
import pytorch_lightning as pl


class MyTrainer(pl.Trainer):
    def __init__(self, ckpt_dir=None, log_every=50, **kwargs):
        self.ckpt_dir = ckpt_dir
        super().__init__(log_every_n_steps=log_every, **kwargs)
"""


def lint(root: Path, files, target: str, select=None):
    files = dict(files)
    files.setdefault("pyproject.toml", "[project]\nname = 'example'\n")
    write_files(root, files)
    overrides = Overrides(select=tuple(select) if select is not None else None)
    linter = Linter(SettingsResolver(root, overrides))
    return linter.lint_path(root / target, target).diagnostics


def extraction(root: Path, files, target: str):
    files = dict(files)
    files.setdefault("pyproject.toml", "[project]\nname = 'example'\n")
    write_files(root, files)
    linter = Linter(SettingsResolver(root, Overrides()))
    path = root / target
    source = read_source(path, target)
    settings = linter.resolver.for_path(path)
    return EXTRACTORS[source.kind](source, settings, path, linter.projects.for_path(path))


def codes(diagnostics):
    return sorted((d.code, d.span.start_line) for d in diagnostics)


# -- the Trainer, in Python --------------------------------------------------------------------


def test_a_project_trainer_subclass_in_another_module_is_a_trainer(in_tmp):
    files = {
        "utils/__init__.py": "",
        "utils/trainer.py": TRAINER_MODULE,
        "train.py": """
            from utils.trainer import MyTrainer

            trainer = MyTrainer(ckpt_dir="ckpts", device=[0], max_epochs=3)
            trainer.fit(None)
        """,
    }
    found = lint(in_tmp, files, "train.py", select=["LL301"])
    assert codes(found) == [("LL301", 3)]
    assert "`device`" in found[0].message and "devices" in found[0].message
    [spec] = extraction(in_tmp, files, "train.py").trainers
    assert "ckpt_dir" not in spec.args  # consumed by MyTrainer: never "unknown"
    assert spec.get("log_every_n_steps").absent and spec.get("log_every_n_steps").data == 50  # its default
    assert spec.get("max_epochs").data == 3
    assert "MyTrainer" in spec.extras["subclass"]


def test_a_chain_of_project_classes_across_modules(in_tmp):
    files = {
        "pkg/__init__.py": "",
        "pkg/base.py": """
            import lightning.pytorch as pl

            class BaseTrainer(pl.Trainer):
                def __init__(self, run_name, **kwargs):
                    self.run_name = run_name
                    kwargs.setdefault("accelerator", "gpu")
                    extra = kwargs.pop("extra", None)
                    super().__init__(**kwargs)
        """,
        "pkg/trainer.py": """
            from .base import BaseTrainer

            class ExpTrainer(BaseTrainer):
                def __init__(self, seed=0, **kwargs):
                    super().__init__(**kwargs)
        """,
        "train.py": """
            from pkg.trainer import ExpTrainer

            ExpTrainer(run_name="a", seed=1, extra=2, max_epoch=3).fit(None)
        """,
    }
    found = lint(in_tmp, files, "train.py", select=["LL301"])
    assert [d.message.split(";")[0] for d in found] == ["unknown Trainer argument `max_epoch`"]
    [spec] = extraction(in_tmp, files, "train.py").trainers
    assert spec.get("accelerator").data == "gpu"  # kwargs.setdefault in BaseTrainer
    assert set(spec.extras["own_args"]) == {"run_name", "seed", "extra"}


def test_a_subclass_defined_in_the_same_file(lint):
    code = """
        from lightning.pytorch import Trainer
        from lightning.pytorch.callbacks import ModelCheckpoint

        class Ckpt(ModelCheckpoint):
            def __init__(self, keep=3, **kwargs):
                super().__init__(save_top_k=keep, **kwargs)

        class T(Trainer):
            pass

        T(max_epochs=2, callbacks=[Ckpt(keep=2, monitr="val_loss")]).fit(None)
    """
    found = lint({"train.py": code}, select=["LL301"])
    assert [d.message.split(";")[0] for d in found] == ["unknown ModelCheckpoint argument `monitr`"]


def test_a_literal_passed_to_super_is_set_by_the_subclass(in_tmp):
    files = {
        "train.py": """
            import lightning as L

            class GpuTrainer(L.Trainer):
                def __init__(self, **kwargs):
                    super().__init__(accelerator="gpu", max_epochs=5, **kwargs)

            GpuTrainer(devices=2).fit(None)
        """
    }
    [spec] = extraction(in_tmp, files, "train.py").trainers
    assert spec.get("accelerator").data == "gpu" and spec.get("max_epochs").data == 5
    assert spec.get("accelerator").value_loc is None  # no fix may edit the call for it
    assert codes(lint(in_tmp, files, "train.py", select=["LL001"])) == []  # max_epochs=5 is a limit


# -- negatives ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "init",
    [
        # builds the arguments itself: what reaches the Trainer is unknown
        "def __init__(self, cfg):\n        super().__init__(**build(cfg))",
        "def __init__(self, *args, **kwargs):\n        super().__init__(*args, **kwargs)",
        "def __init__(self, **kwargs):\n        kwargs.update(defaults())\n        super().__init__(**kwargs)",
        "def __init__(self, **kwargs):\n        if kwargs:\n            super().__init__(**kwargs)\n"
        "        else:\n            super().__init__(max_epochs=1)",
    ],
)
def test_a_subclass_whose_arguments_cannot_be_read_is_open(in_tmp, init):
    files = {
        "utils/trainer.py": f"import lightning as L\n\nclass MyTrainer(L.Trainer):\n    {init}\n",
        "train.py": "from utils.trainer import MyTrainer\n\nMyTrainer(cfg=1).fit(None)\n",
    }
    found = lint(in_tmp, files, "train.py", select=["LL001", "LL301"])
    assert [d for d in found if d.code == "LL001"] == []  # the limit may be set inside
    [spec] = extraction(in_tmp, files, "train.py").trainers
    assert spec.open_reason


@pytest.mark.parametrize(
    "files",
    [
        # a project class named Trainer that is not Lightning's
        {"utils/trainer.py": "class Trainer:\n    def __init__(self, **kw):\n        pass\n"},
        # another library's Trainer, with a project class of the same name elsewhere
        {"other/trainer.py": "import lightning as L\n\nclass Trainer(L.Trainer):\n    pass\n"},
    ],
)
def test_classes_that_do_not_extend_lightning_are_not_trainers(in_tmp, files):
    importer = (
        "from utils.trainer import Trainer\n" if "utils/trainer.py" in files else "from transformers import Trainer\n"
    )
    files = dict(files, **{"train.py": importer + "Trainer(max_epoch=3)\n"})
    assert extraction(in_tmp, files, "train.py").trainers == []


def test_two_project_classes_of_one_name_are_told_apart_by_module(in_tmp):
    files = {
        "a/trainer.py": "import lightning as L\n\nclass Runner(L.Trainer):\n    pass\n",
        "b/trainer.py": "class Runner:\n    def __init__(self, **kw):\n        pass\n",
        "train.py": "from b.trainer import Runner\nRunner(max_epoch=3)\n",
        "train_a.py": "from a.trainer import Runner\nRunner(max_epoch=3).fit(None)\n",
    }
    assert extraction(in_tmp, files, "train.py").trainers == []
    assert len(extraction(in_tmp, files, "train_a.py").trainers) == 1


def test_kwargs_of_unknown_origin_keep_the_subclass_open(in_tmp):
    files = {
        "utils/trainer.py": TRAINER_MODULE,
        "train.py": "from utils.trainer import MyTrainer\n\ndef main(kw):\n    MyTrainer(**kw).fit(None)\n",
    }
    assert codes(lint(in_tmp, files, "train.py", select=["LL001", "LL301"])) == []


def test_without_a_project_only_the_files_own_classes_are_known():
    """The project scan's own extraction (facts fragments) resolves no imported class."""
    from lightning_lint.model.sources import SourceFile

    src = SourceFile("train.py", "from utils.trainer import MyTrainer\nMyTrainer(device=1)\n", "python")
    import ast

    assert python.extract(ast.parse(src.text), src).trainers == []


# -- NeMo 2 ------------------------------------------------------------------------------------

NEMO_SCRIPT = """
from nemo import lightning as nl
from nemo.collections import llm


def main():
    trainer = nl.Trainer(
        devices=8,
        max_step=1000,
        strategy=nl.MegatronStrategy(tensor_model_parallel_size=2),
        callbacks=[nl.ModelCheckpoint(every_n_train_steps=100, save_optim_on_train_end=True, save_top_k=2)],
    )
    llm.train(model, data, trainer)
"""


def test_nemo2_trainer_and_checkpoint_are_lightning_classes(in_tmp):
    found = lint(in_tmp, {"pretrain.py": NEMO_SCRIPT}, "pretrain.py", select=["LL301"])
    assert [d.message.split(";")[0] for d in found] == ["unknown Trainer argument `max_step`"]
    ex = extraction(in_tmp, {"pretrain.py": NEMO_SCRIPT}, "pretrain.py")
    [spec] = ex.trainers
    [checkpoint] = spec.callbacks
    assert checkpoint.kind == "ModelCheckpoint"
    assert "save_optim_on_train_end" not in checkpoint.args  # NeMo's own keyword
    # NeMo's defaults, not Lightning's (nemo/lightning/pytorch/callbacks/model_checkpoint.py)
    assert checkpoint.get("monitor").data == "val_loss"
    assert checkpoint.get("save_last").data is True
    assert checkpoint.get("save_on_train_epoch_end").data is False
    assert checkpoint.get("save_top_k").data == 2


def test_map_call_keeps_what_the_chain_does():
    derived = InitInfo(
        "Derived",
        has_init=True,
        params=("epochs", "name"),
        own=("name",),
        renames=(("epochs", "max_epochs"),),
        param_defaults=(("epochs", 7),),
        forwards=True,
    )
    base = InitInfo("Base", has_init=True, params=(), fixed=(("accelerator", "cpu"),), forwards=True)
    mapped = map_call([derived, base], {"name": "x", "devices": 2})
    assert mapped.args == {"devices": 2}
    assert mapped.own == {"name": "x"}
    assert mapped.defaults == {"max_epochs": 7}
    assert mapped.fixed == {"accelerator": ("cpu", "Base")}
    assert map_call([derived, base], {"epochs": 3}).args == {"max_epochs": 3}
    assert map_call([derived], {}, positional=(5,)).args == {"max_epochs": 5}


# -- Hydra _target_ ------------------------------------------------------------------------------

HYDRA_PROJECT = {
    "src/__init__.py": "",
    "src/utils/__init__.py": "",
    "src/utils/trainer.py": TRAINER_MODULE,
    "configs/train.yaml": """
        defaults:
          - _self_
          - trainer: default
        seed: 1
    """,
    "configs/trainer/default.yaml": """
        _target_: src.utils.trainer.MyTrainer
        ckpt_dir: ${paths.output_dir}
        device: [0]
        max_epochs: 10
    """,
}


def test_a_hydra_target_naming_a_project_subclass(in_tmp):
    found = lint(in_tmp, HYDRA_PROJECT, "configs/trainer/default.yaml", select=["LL301"])
    assert [(d.code, d.span.start_line, d.key_path) for d in found] == [("LL301", 3, "trainer.device")]


def test_an_edit_of_the_subclass_module_invalidates_the_cached_findings(in_tmp):
    from lightning_lint.linter import run as checker
    from lightning_lint.linter.run import CheckOptions

    files = dict(HYDRA_PROJECT, **{"pyproject.toml": "[project]\nname = 'example'\n"})
    write_files(in_tmp, files)

    def keys():
        run = checker.lint(CheckOptions(paths=["."], select=("LL301",)), cwd=in_tmp, log=io.StringIO())
        return sorted(d.key_path for d in run.diagnostics)

    assert keys() == ["trainer.device"]
    path = in_tmp / "src/utils/trainer.py"
    path.write_text(TRAINER_MODULE.replace("ckpt_dir=None, ", ""), encoding="utf-8")
    later = time.time() + 5
    os.utime(path, (later, later))
    assert keys() == ["trainer.ckpt_dir", "trainer.device"]  # ckpt_dir now reaches the Trainer


def test_explain_names_the_subclass(in_tmp):
    from lightning_lint.commands.cli import main

    write_files(in_tmp, {"pyproject.toml": "[project]\nname='x'\n", "utils/trainer.py": TRAINER_MODULE})
    write_files(in_tmp, {"train.py": "from utils.trainer import MyTrainer\nMyTrainer(ckpt_dir='c', max_epochs=1)\n"})
    import contextlib

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["explain", "train.py"])
    text = out.getvalue()
    assert "MyTrainer" in text and "a subclass of `Trainer`" in text and "`ckpt_dir`" in text
    assert "every 50 optimizer steps" in text  # MyTrainer's log_every default


# -- LightningCLI(trainer_class=...) ------------------------------------------------------------


CLI_PROJECT = {
    "mypkg/__init__.py": "",
    "mypkg/trainer.py": TRAINER_MODULE,
    "cli.py": """
        from lightning.pytorch.cli import LightningCLI
        from mypkg.trainer import MyTrainer

        LightningCLI(trainer_class=MyTrainer, trainer_defaults={"ckpt_dir": "c", "max_epoch": 3})
    """,
    "configs/fit.yaml": """
        trainer:
          ckpt_dir: /tmp/ckpts
          max_epochs: 3
          devic: 1
        model:
          lr: 0.1
    """,
}


def test_lightning_cli_trainer_class_yaml_holds_the_subclass_arguments(in_tmp):
    found = lint(in_tmp, CLI_PROJECT, "configs/fit.yaml", select=["LL301"])
    assert [d.key_path for d in found] == ["trainer.devic"]  # ckpt_dir is MyTrainer's own


def test_lightning_cli_trainer_defaults_go_through_the_subclass(in_tmp):
    found = lint(in_tmp, CLI_PROJECT, "cli.py", select=["LL301"])
    assert [d.message.split(";")[0] for d in found] == ["unknown Trainer argument `max_epoch`"]


def test_a_lightning_cli_with_the_plain_trainer_keeps_the_trainers_arguments(in_tmp):
    files = dict(CLI_PROJECT, **{"cli.py": "from lightning.pytorch.cli import LightningCLI\nLightningCLI()\n"})
    found = lint(in_tmp, files, "configs/fit.yaml", select=["LL301"])
    assert sorted(d.key_path for d in found) == ["trainer.ckpt_dir", "trainer.devic"]


@pytest.mark.parametrize(
    "use",
    [
        "api.generate(path='ckpt', prompts=['hi'], trainer=trainer)",
        "_setup_trainer_and_restore_model(path='ckpt', trainer=trainer, model=model)",
        "fabric = trainer.to_fabric()",
    ],
)
def test_nemo_trainers_used_for_inference_are_not_training_runs(in_tmp, use):
    script = (
        "import nemo.lightning as nl\nfrom nemo.collections.llm import api\n"
        "from nemo.collections.llm.inference.base import _setup_trainer_and_restore_model\n"
        f"trainer = nl.Trainer(devices=1, val_check_interval=1000)\n{use}\n"
    )
    assert lint(in_tmp, {"generate.py": script}, "generate.py", select=["LL001", "LL101"]) == []
    # the same Trainer seen fitting, or a plain Lightning Trainer given to to_fabric(), still trains
    fitted = script + "trainer.fit(model)\n"
    assert [d.code for d in lint(in_tmp, {"generate.py": fitted}, "generate.py", select=["LL001"])] == ["LL001"]


def test_to_fabric_is_nemos_method_only(in_tmp):
    script = (
        "import lightning as L\ntrainer = L.Trainer(devices=1, val_check_interval=100)\nfabric = trainer.to_fabric()\n"
    )
    assert [d.code for d in lint(in_tmp, {"t.py": script}, "t.py", select=["LL001"])] == ["LL001"]


def test_a_trainer_subclass_may_override_the_run_methods(in_tmp):
    # lightning-flash's Trainer: `predict(model, datamodule=..., output=...)` is its own keyword
    files = {
        "flashlike/trainer.py": (
            "import lightning as L\n"
            "class Trainer(L.Trainer):\n"
            "    def predict(self, model=None, dataloaders=None, datamodule=None, output=None):\n"
            "        return super().predict(model, dataloaders, datamodule)\n"
        ),
        "flashlike/__init__.py": "",
        "run.py": (
            "from flashlike.trainer import Trainer\n"
            "trainer = Trainer(max_epochs=1)\n"
            "trainer.predict(model, datamodule=dm, output='labels')\n"
        ),
    }
    assert lint(in_tmp, files, "run.py", select=["LL301"]) == []
