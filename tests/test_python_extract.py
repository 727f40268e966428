"""Unit tests of extract/python.py: which calls are Lightning's Trainer (through the module's
own imports), what their arguments are worth, and where each one was written."""

from __future__ import annotations

import ast
import textwrap

import pytest

from lightning_lint.extract import python
from lightning_lint.extract.failure import ParseFailure
from lightning_lint.linter.engine import Linter, _extract_python
from lightning_lint.linter.settings import Settings, SettingsResolver
from lightning_lint.model.sources import SourceFile
from lightning_lint.model.spec import Span


def source(code: str) -> SourceFile:
    return SourceFile("train.py", textwrap.dedent(code).lstrip("\n"), "python")


def extract(code: str):
    src = source(code)
    return python.extract(ast.parse(src.text), src)


def trainer(code: str):
    trainers = extract(code).trainers
    assert len(trainers) == 1, trainers
    return trainers[0]


# -- which calls are the Trainer ------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "import lightning\nlightning.Trainer(max_epochs=3)\n",
        "import lightning.pytorch\nlightning.pytorch.Trainer(max_epochs=3)\n",
        "import pytorch_lightning\npytorch_lightning.Trainer(max_epochs=3)\n",
        "import lightning as L\nL.Trainer(max_epochs=3)\n",
        "import pytorch_lightning as pl\npl.Trainer(max_epochs=3)\n",
        "import lightning.pytorch as pl\npl.Trainer(max_epochs=3)\n",
        "from lightning import Trainer\nTrainer(max_epochs=3)\n",
        "from lightning.pytorch import Trainer as T\nT(max_epochs=3)\n",
        "from lightning.pytorch.trainer.trainer import Trainer\nTrainer(max_epochs=3)\n",
        "from pytorch_lightning.trainer import Trainer\nTrainer(max_epochs=3)\n",
        "from lightning.pytorch import trainer\ntrainer.Trainer(max_epochs=3)\n",
        "from lightning.pytorch import *\nTrainer(max_epochs=3)\n",
        "from lightning import Trainer\nMyTrainer = Trainer\nMyTrainer(max_epochs=3)\n",
        # the usual compatibility import: both bind the same Lightning symbol
        "try:\n    from lightning import Trainer\nexcept ImportError:\n    from pytorch_lightning import Trainer\n"
        "Trainer(max_epochs=3)\n",
        # a function sees the module's import
        "import lightning as L\ndef main():\n    return L.Trainer(max_epochs=3)\n",
    ],
)
def test_trainer_is_found_through_the_imports(code):
    spec = trainer(code)
    assert spec.args["max_epochs"].data == 3
    assert spec.flavor == "python"


@pytest.mark.parametrize(
    "code",
    [
        # a local class that happens to be called Trainer
        "class Trainer:\n    def __init__(self, **kw): pass\nTrainer(max_epochs=3)\n",
        # never imported
        "Trainer(max_epochs=3)\n",
        # another library's Trainer
        "from transformers import Trainer\nTrainer(max_epochs=3)\n",
        "from .trainer import Trainer\nTrainer(max_epochs=3)\n",
        "from mylib import *\nTrainer(max_epochs=3)\n",
        # shadowed after the import: the name may be either
        "from lightning import Trainer\nTrainer = object\nTrainer(max_epochs=3)\n",
        "from lightning import Trainer\ndef Trainer(**kw): pass\nTrainer(max_epochs=3)\n",
        "import lightning as L\nL = make()\nL.Trainer(max_epochs=3)\n",
        # a parameter of the same name hides the import inside the function
        "from lightning import Trainer\ndef f(Trainer):\n    return Trainer(max_epochs=3)\n",
        # functools.partial is a call of partial, not of the Trainer: no guess is made
        "import functools\nfrom lightning import Trainer\nmake = functools.partial(Trainer, max_epochs=3)\nmake()\n",
    ],
)
def test_calls_that_are_not_lightnings_trainer_are_not_extracted(code):
    assert extract(code).trainers == []


def test_local_rebinding_in_a_function_does_not_hide_the_module_trainer():
    extraction = extract("""
        from lightning import Trainer
        def custom():
            Trainer = MyTrainer
            return Trainer(max_epochs=1)
        Trainer(max_epochs=2)
    """)
    assert [spec.args["max_epochs"].data for spec in extraction.trainers] == [2]


def test_from_argparse_args_is_an_api_use_and_an_open_trainer():
    src = source("""
        from pytorch_lightning import Trainer
        trainer = Trainer.from_argparse_args(args, max_epochs=2)
    """)
    extraction = python.extract(ast.parse(src.text), src)
    (spec,) = extraction.trainers  # its explicit keywords are checked; the rest is open
    assert spec.args["max_epochs"].data == 2 and "from_argparse_args" in (spec.open_reason or "")
    assert [use.name for use in extraction.api_uses] == ["Trainer.from_argparse_args"]
    assert src.text_of(extraction.api_uses[0].loc.span) == "Trainer.from_argparse_args"


def test_classmethod_of_another_trainer_is_not_an_api_use():
    extraction = extract("from transformers import Trainer\nTrainer.from_argparse_args(args)\n")
    assert extraction.api_uses == []


# -- argument values ------------------------------------------------------------------------


def test_literal_values():
    spec = trainer("""
        from lightning import Trainer
        Trainer(max_epochs=10, min_epochs=-1, max_steps=1_000, limit_val_batches=0.5, val_check_interval=-0.25,
                precision="16-mixed", fast_dev_run=True, strategy=None, devices=[0, 1], gradient_clip_val=2 * 0.5,
                default_root_dir="runs/" + "a", logger=f"plain")
    """)
    values = {name: value.data for name, value in spec.args.items() if not value.is_list()}
    assert values == {
        "max_epochs": 10,
        "min_epochs": -1,
        "max_steps": 1000,
        "limit_val_batches": 0.5,
        "val_check_interval": -0.25,
        "precision": "16-mixed",
        "fast_dev_run": True,
        "strategy": None,
        "gradient_clip_val": 1.0,
        "default_root_dir": "runs/a",
        "logger": "plain",
    }
    assert [item.data for item in spec.args["devices"].items()] == [0, 1]
    assert spec.args["max_steps"].is_int() and spec.args["max_steps"].raw == "1_000"
    assert spec.args["fast_dev_run"].is_bool() and not spec.args["fast_dev_run"].is_int()
    assert all(value.known for value in spec.args.values())
    assert spec.open_reason is None


def test_module_constants_are_followed():
    spec = trainer("""
        from lightning import Trainer
        EPOCHS = 10
        STEPS: int = 1_000
        CFG = {"precision": "bf16-mixed"}
        ALIAS = EPOCHS
        Trainer(max_epochs=ALIAS, max_steps=STEPS, precision=CFG["precision"])
    """)
    assert spec.args["max_epochs"].data == 10
    assert spec.args["max_steps"].data == 1000
    assert spec.args["precision"].data == "bf16-mixed"


@pytest.mark.parametrize(
    "expr, reason",
    [
        ('f"runs/{name}"', "f-string"),
        ("undefined_name", "not defined in this file"),
        ("args.epochs", "only known at run time"),
        ("int(os.environ['EPOCHS'])", None),
        ("os.environ['EPOCHS']", "environment variable"),
        ("imported", "imported from `config`"),
        ("changed_elsewhere", "modified after it is assigned"),
    ],
)
def test_values_that_cannot_be_known(expr, reason):
    spec = trainer(f"""
        import os
        from lightning import Trainer
        from config import imported
        name = "x"
        twice = 1
        twice = 2
        changed = {{"a": 1}}
        changed["a"] = 2
        changed_elsewhere = {{"a": 1}}
        def tweak():
            changed_elsewhere.update(a=2)
        Trainer(default_root_dir={expr})
    """)
    value = spec.args["default_root_dir"]
    if reason is None:  # a call: known as a call, not as a number
        assert value.is_call() and not value.is_number()
    else:
        assert value.unknown and not value.decidable
        assert reason in value.reason
    assert value.raw == expr


def test_parameter_values_are_unknown():
    spec = trainer("""
        from lightning import Trainer
        def build(epochs=3):
            return Trainer(max_epochs=epochs)
    """)
    assert spec.args["max_epochs"].unknown
    assert "parameter of `build()`" in spec.args["max_epochs"].reason


def test_closure_and_class_scopes():
    extraction = extract("""
        from lightning import Trainer
        def main():
            epochs = 3
            def inner():
                return Trainer(max_epochs=epochs)
            return inner()
        class Config:
            epochs = 4
            trainer = Trainer(max_epochs=epochs)
            def build(self):
                return Trainer(max_epochs=epochs)  # class attributes are not visible here
    """)
    values = [spec.args["max_epochs"] for spec in extraction.trainers]
    assert [v.data for v in values[:2]] == [3, 4]
    assert values[2].unknown


def test_double_star_kwargs_open_the_spec():
    spec = trainer("""
        from lightning import Trainer
        Trainer(max_epochs=1, **kwargs)
    """)
    assert spec.args["max_epochs"].data == 1  # written explicitly: **kwargs cannot also set it
    assert "**kwargs" in spec.open_reason
    assert spec.get("max_steps").unknown  # not written: **kwargs may set it
    assert spec.callbacks_open == spec.open_reason


def test_star_args_and_positional_arguments_open_the_spec():
    assert "*args" in trainer("from lightning import Trainer\nTrainer(*args, max_epochs=1)\n").open_reason
    spec = trainer("from lightning import Trainer\nTrainer('auto')\n")
    assert spec.open_reason == "positional arguments may set any argument"
    assert spec.get("accelerator").unknown


def test_double_star_of_a_literal_dict_is_read():
    src = source("""
        from lightning import Trainer
        config = {"max_epochs": 3, "precision": "16-mixed"}
        Trainer(**config, devices=2)
    """)
    spec = python.extract(ast.parse(src.text), src).trainers[0]
    assert spec.open_reason is None
    assert {k: v.data for k, v in spec.args.items()} == {"max_epochs": 3, "precision": "16-mixed", "devices": 2}
    epochs = spec.args["max_epochs"]  # points into the dict literal
    assert epochs.key_loc.span == Span(2, 11, 2, 23)
    assert src.text_of(epochs.loc.span) == '"max_epochs": 3'
    assert src.text_of(epochs.key_loc.span) == '"max_epochs"'


def test_absent_arguments_carry_the_trainer_default():
    spec = trainer("from lightning import Trainer\nTrainer()\n")
    assert spec.get("max_epochs").absent and spec.get("max_epochs").data is None
    assert spec.get("max_steps").absent and spec.get("max_steps").data == -1
    assert spec.get("accelerator").absent and spec.get("accelerator").data == "auto"
    assert spec.get("accelerator").key_path == "accelerator"


# -- positions ------------------------------------------------------------------------------


def test_positions_of_key_value_and_whole_argument():
    src = source("""
        from lightning import Trainer
        trainer = Trainer(
            max_epochs=(
                10
            ),
            precision="é-mixed", devices=2,
        )
    """)
    spec = python.extract(ast.parse(src.text), src).trainers[0]
    epochs = spec.args["max_epochs"]
    assert epochs.loc.span == Span(3, 5, 5, 6)
    assert epochs.key_loc.span == Span(3, 5, 3, 15)
    assert epochs.value_loc.span == Span(4, 9, 4, 11)
    assert src.text_of(epochs.value_loc.span) == "10"
    # columns count characters, not UTF-8 bytes
    devices = spec.args["devices"]
    assert src.text_of(devices.loc.span) == "devices=2"
    assert devices.key_loc.span == Span(6, 26, 6, 33)
    assert src.text_of(spec.args["precision"].value_loc.span) == '"é-mixed"'
    assert spec.loc.span == Span(2, 11, 2, 18)  # the callee, what a Trainer-wide finding points at
    assert spec.extras["call_loc"].span == Span(2, 11, 7, 2)
    assert spec.args["max_epochs"].key_path == "max_epochs"


def test_a_followed_constant_points_at_the_argument_and_at_its_literal():
    src = source("""
        from lightning import Trainer
        EPOCHS = 10
        Trainer(max_epochs=EPOCHS)
    """)
    value = python.extract(ast.parse(src.text), src).trainers[0].args["max_epochs"]
    assert src.text_of(value.loc.span) == "max_epochs=EPOCHS"
    assert src.text_of(value.value_loc.span) == "10"


# -- callbacks ------------------------------------------------------------------------------


def test_callbacks_list_with_lightning_local_and_foreign_classes():
    src = source("""
        import lightning.pytorch as pl
        from lightning.pytorch.callbacks import Callback, ModelCheckpoint
        class Mine(Callback):
            pass
        class Derived(Mine):
            pass
        class NotACallback:
            pass
        pl.Trainer(callbacks=[ModelCheckpoint(monitor="val_loss", save_top_k=2), pl.callbacks.EarlyStopping("val_acc"),
                              Mine(), Derived(), NotACallback()])
    """)
    spec = python.extract(ast.parse(src.text), src).trainers[0]
    assert [(cb.kind, cb.qualname) for cb in spec.callbacks] == [
        ("ModelCheckpoint", "lightning.pytorch.callbacks.ModelCheckpoint"),
        ("EarlyStopping", "lightning.pytorch.callbacks.EarlyStopping"),
        ("", "<local>.Mine"),
        ("", "<local>.Derived"),
    ]
    checkpoint, early = spec.callbacks[:2]
    assert {k: v.data for k, v in checkpoint.args.items()} == {"monitor": "val_loss", "save_top_k": 2}
    assert early.args["monitor"].data == "val_acc"  # positional, mapped to the first parameter
    assert early.get("patience").absent and early.get("patience").data == 3  # EarlyStopping's default
    assert src.text_of(checkpoint.loc.span) == 'ModelCheckpoint(monitor="val_loss", save_top_k=2)'
    assert spec.callbacks_open == "`NotACallback()` may return any callbacks"


def test_single_callback_and_no_callbacks():
    spec = trainer("""
        from lightning import Trainer
        from lightning.pytorch.callbacks import ModelCheckpoint
        Trainer(callbacks=ModelCheckpoint(dirpath="ckpt"))
    """)
    assert [cb.kind for cb in spec.callbacks] == ["ModelCheckpoint"]
    assert spec.callbacks_open is None
    spec = trainer("from lightning import Trainer\nTrainer(callbacks=None)\n")
    assert spec.callbacks == [] and spec.callbacks_open is None


def test_callbacks_built_in_a_variable():
    spec = trainer("""
        from lightning import Trainer
        from lightning.pytorch.callbacks import EarlyStopping, LearningRateMonitor, ModelCheckpoint
        checkpoint = ModelCheckpoint(dirpath="x")
        callbacks = [checkpoint]
        if use_early_stopping:
            callbacks.append(EarlyStopping(monitor="val_loss"))
        callbacks.extend([LearningRateMonitor()])
        trainer = Trainer(callbacks=callbacks)
        trainer.fit(model, datamodule=dm)
    """)
    assert [(cb.kind, cb.conditional) for cb in spec.callbacks] == [
        ("ModelCheckpoint", False),
        ("EarlyStopping", True),
        ("LearningRateMonitor", False),
    ]
    assert spec.callbacks_open is None
    assert [run.method for run in spec.runs] == ["fit"]
    assert spec.fits is True


def test_callbacks_appended_in_a_helper_function_are_seen():
    # the list is changed in place by a function that may or may not run
    spec = trainer("""
        from lightning import Trainer
        from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
        callbacks = [ModelCheckpoint()]
        def add_early_stopping():
            callbacks.append(EarlyStopping(monitor="val_loss"))
        add_early_stopping()
        Trainer(callbacks=callbacks)
    """)
    assert [(cb.kind, cb.conditional) for cb in spec.callbacks] == [("ModelCheckpoint", False), ("EarlyStopping", True)]


def test_a_function_with_its_own_list_does_not_change_the_module_list():
    spec = trainer("""
        from lightning import Trainer
        from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
        callbacks = [ModelCheckpoint()]
        def other():
            callbacks = []
            callbacks.append(EarlyStopping(monitor="val_loss"))
        Trainer(callbacks=callbacks)
    """)
    assert [cb.kind for cb in spec.callbacks] == ["ModelCheckpoint"]


def test_dict_changed_in_a_helper_function_is_unknown():
    spec = trainer("""
        from lightning import Trainer
        config = {"max_epochs": 5}
        def tweak():
            config["max_epochs"] = 50
        tweak()
        Trainer(**config)
    """)
    assert spec.get("max_epochs").unknown
    assert spec.open_reason == "`**config` may set any argument"


@pytest.mark.parametrize(
    "code, reason",
    [
        ("Trainer(callbacks=make_callbacks())", "`make_callbacks()` may return any callbacks"),
        ("cbs = [ModelCheckpoint()]\ncbs += extra\nTrainer(callbacks=cbs)", "`cbs` is built at run time"),
        ("cbs = [ModelCheckpoint()]\ncbs.pop()\nTrainer(callbacks=cbs)", "`cbs` is built at run time"),
        ("Trainer(callbacks=[ModelCheckpoint(), *extra])", "`*extra` is unpacked at run time"),
        ("Trainer(callbacks=[ModelCheckpoint(), 'oops'])", "`'oops'` is not a callback instance"),
        ("Trainer(callbacks=cfg.callbacks)", "`cfg.callbacks` is only known at run time"),
    ],
)
def test_callback_lists_that_may_hold_more(code, reason):
    spec = trainer(
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n" + code + "\n"
    )
    assert spec.callbacks_open == reason


def test_callback_with_double_star_arguments_is_open():
    spec = trainer("""
        from lightning import Trainer
        from lightning.pytorch.callbacks import ModelCheckpoint
        Trainer(callbacks=[ModelCheckpoint(dirpath="x", **opts)])
    """)
    callback = spec.callbacks[0]
    assert callback.args["dirpath"].data == "x"
    assert callback.get("monitor").unknown
    assert "**opts" in callback.open_reason


def test_one_callback_object_shared_by_two_trainers_is_one_spec():
    extraction = extract("""
        from lightning import Trainer
        from lightning.pytorch.callbacks import ModelCheckpoint
        checkpoint = ModelCheckpoint()
        Trainer(callbacks=[checkpoint])
        Trainer(callbacks=[checkpoint])
    """)
    first, second = extraction.trainers
    assert first.callbacks[0] is second.callbacks[0]
    assert len(extraction.callbacks) == 1


def test_run_calls_are_attached_to_their_trainer():
    extraction = extract("""
        from lightning import Trainer
        trainer = Trainer(max_epochs=1)
        trainer.fit(model, train_loader, ckpt_path="last")
        Trainer().test(model, ckpt_path="best")
    """)
    first, second = extraction.trainers
    assert [run.method for run in first.runs] == ["fit"]
    assert first.runs[0].args["ckpt_path"].data == "last"
    assert first.runs[0].args["train_dataloaders"].unknown
    assert [run.method for run in second.runs] == ["test"] and second.fits is False


def test_lightning_cli_trainer_defaults():
    extraction = extract("""
        from lightning.pytorch.cli import LightningCLI
        from lightning.pytorch.callbacks import ModelCheckpoint
        def main():
            LightningCLI(MyModel, trainer_defaults={"max_epochs": 5, "callbacks": [ModelCheckpoint()]}, run=False)
    """)
    (spec,) = extraction.trainers
    assert {name: value.data for name, value in spec.args.items()} == {"max_epochs": 5}
    # the config files and the command line may set everything else
    assert spec.get("devices").unknown and "LightningCLI" in spec.open_reason
    assert spec.callbacks_open == "LightningCLI adds callbacks from its config files and command line"
    assert [cli["run"] for cli in extraction.facts["lightning_cli"]] == [False]


def test_dataloaders_positional_arguments_and_roles():
    loaders = extract("""
        from torch.utils.data import DataLoader
        class Data:
            def train_dataloader(self):
                return DataLoader(self.dataset, 32, shuffle=True)
        val_loader = DataLoader(dataset, batch_size=8)
        loader = DataLoader(dataset, **options)
    """).loaders
    assert [(loader.kind, loader.role) for loader in loaders] == [
        ("DataLoader", "train"),
        ("DataLoader", "val"),
        ("DataLoader", None),
    ]
    train, _, other = loaders
    assert train.args["batch_size"].data == 32 and train.args["shuffle"].data is True
    assert train.get("drop_last").absent and train.get("drop_last").data is False
    assert other.get("drop_last").unknown and "**options" in other.open_reason


# -- robustness -----------------------------------------------------------------------------


def test_deeply_nested_expression_is_a_parse_failure_not_a_crash(tmp_path):
    text = "from lightning import Trainer\nTrainer(max_epochs=x" + "()" * 600 + ")\n"
    src = SourceFile("deep.py", text, "python")  # `ast.parse` accepts it (3.11): the extractor's walk did not
    with pytest.raises(ParseFailure, match="too deeply nested"):
        _extract_python(src, Settings(root=tmp_path), tmp_path / "deep.py")
    (tmp_path / "deep.py").write_text(text)
    result = Linter(SettingsResolver(tmp_path)).lint_path(tmp_path / "deep.py", "deep.py")
    assert [d.code for d in result.diagnostics] == ["LL900"]


def test_a_trainer_built_to_raise_in_a_test_is_not_a_configuration():
    extraction = extract("""
        import pytest
        from lightning import Trainer
        def test_bad():
            with pytest.raises(TypeError, match="unexpected keyword"):
                Trainer(unknown_arg=0)
            Trainer(max_epochs=1)
    """)
    assert [sorted(spec.args) for spec in extraction.trainers] == [["max_epochs"]]


def test_from_argparse_args_namespace_given_by_keyword_is_not_an_argument():
    spec = trainer("""
        from pytorch_lightning import Trainer
        trainer = Trainer.from_argparse_args(args=args, max_epochs=3)
    """)
    assert sorted(spec.args) == ["max_epochs"]
