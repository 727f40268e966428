"""Values followed through the program (extract/flow.py, extract/python.py, model/variants.py):
branches give candidate sets, dicts are followed through their updates, helpers through
their returns, and a rule says under which condition a candidate is wrong. The shapes are
those of public scripts: argparse-driven Trainers, kwargs dicts, helper functions."""

from __future__ import annotations

import ast
import textwrap

import pytest

from lightning_lint.extract import python
from lightning_lint.model import variants
from lightning_lint.model.sources import SourceFile


def extract(code: str):
    src = SourceFile("train.py", textwrap.dedent(code).lstrip("\n"), "python")
    return python.extract(ast.parse(src.text), src)


def trainer(code: str):
    trainers = extract(code).trainers
    assert len(trainers) == 1, trainers
    return trainers[0]


def candidates(value):
    return {
        (c.value.data if c.value.known else ("absent" if c.value.absent else "?")): c.when for c in value.candidates
    }


# -- branches -------------------------------------------------------------------------------


def test_conditional_expression_gives_both_arms_with_their_conditions():
    spec = trainer("""
        from lightning import Trainer
        def main(args):
            Trainer(strategy="ddp" if args.gpus > 1 else "dp")
    """)
    value = spec.args["strategy"]
    assert value.unknown and not value.decidable  # rules that do not expand see an unknown
    assert candidates(value) == {"ddp": (("args.gpus > 1", True),), "dp": (("args.gpus > 1", False),)}


def test_equal_arms_are_one_known_value():
    spec = trainer("""
        from lightning import Trainer
        def main(args):
            Trainer(max_epochs=10 if args.long else 10)
    """)
    assert spec.args["max_epochs"].known and spec.args["max_epochs"].data == 10


def test_if_elif_else_assignments_reach_the_use_each_under_its_branch():
    spec = trainer("""
        from lightning import Trainer
        def main(args):
            if args.fp16:
                precision = 16
            elif args.bf16:
                precision = "bf16"
            else:
                precision = 32
            Trainer(precision=precision)
    """)
    assert candidates(spec.args["precision"]) == {
        16: (("args.fp16", True),),
        "bf16": (("args.fp16", False), ("args.bf16", True)),
        32: (("args.fp16", False), ("args.bf16", False)),
    }


def test_assignment_under_if_without_else_keeps_the_earlier_one_under_the_negation():
    spec = trainer("""
        from lightning import Trainer
        def main(args):
            strategy = "auto"
            if args.gpus > 1:
                strategy = "ddp_spawn"
            Trainer(strategy=strategy)
    """)
    assert candidates(spec.args["strategy"]) == {
        "auto": (("args.gpus > 1", False),),
        "ddp_spawn": (("args.gpus > 1", True),),
    }


def test_reassignment_hides_the_earlier_value():
    spec = trainer("""
        from lightning import Trainer
        epochs = 1
        epochs = 20
        Trainer(max_epochs=epochs)
    """)
    assert spec.args["max_epochs"].known and spec.args["max_epochs"].data == 20


def test_a_later_assignment_after_the_use_does_not_reach_it():
    spec = trainer("""
        from lightning import Trainer
        epochs = 5
        Trainer(max_epochs=epochs)
        epochs = 99
    """)
    assert spec.args["max_epochs"].data == 5


def test_try_except_assignments_are_candidates():
    spec = trainer("""
        from lightning import Trainer
        try:
            import deepspeed
            strategy = "deepspeed_stage_2"
        except ImportError:
            strategy = "ddp"
        Trainer(strategy=strategy)
    """)
    found = candidates(spec.args["strategy"])
    assert set(found) == {"deepspeed_stage_2", "ddp"}
    assert found["ddp"] == (("~try:2", False),)


def test_parameter_reassigned_in_a_branch_keeps_the_parameter_as_unknown_candidate():
    spec = trainer("""
        from lightning import Trainer
        def main(strategy=None, gpus=1):
            if gpus > 1:
                strategy = "ddp"
            Trainer(strategy=strategy)
    """)
    value = spec.args["strategy"]
    assert value.unknown
    found = candidates(value)
    assert found["ddp"] == (("gpus > 1", True),) and found["?"] == (("gpus > 1", False),)


def test_use_inside_a_nested_function_stays_unknown():
    spec = trainer("""
        from lightning import Trainer
        strategy = "ddp"
        strategy = "dp"
        def build():
            return Trainer(strategy=strategy)
    """)
    assert spec.args["strategy"].unknown and not spec.args["strategy"].candidates


# -- dicts ---------------------------------------------------------------------------------


def test_kwargs_dict_updated_before_the_call_is_followed():
    spec = trainer("""
        from lightning import Trainer
        def main(args):
            kwargs = {"max_epochs": 10}
            kwargs["devices"] = 2
            kwargs.update(accelerator="gpu", max_steps=100)
            kwargs.update({"precision": "bf16-mixed"})
            kwargs.setdefault("max_epochs", 99)
            kwargs.pop("max_steps")
            Trainer(**kwargs)
            kwargs["gpus"] = 4  # after the call: does not reach it
    """)
    assert {k: v.data for k, v in spec.args.items()} == {
        "max_epochs": 10,
        "devices": 2,
        "accelerator": "gpu",
        "precision": "bf16-mixed",
    }
    assert spec.open_reason is None


def test_conditional_dict_update_makes_the_key_a_candidate_set():
    spec = trainer("""
        from lightning import Trainer
        def main(args):
            kwargs = dict(max_epochs=10)
            if args.resume:
                kwargs["resume_from_checkpoint"] = args.ckpt
            Trainer(**kwargs)
    """)
    value = spec.args["resume_from_checkpoint"]
    assert value.unknown
    found = candidates(value)
    assert found["absent"] == (("args.resume", False),) and found["?"] == (("args.resume", True),)


def test_dict_merges_and_dict_call_with_a_base():
    spec = trainer("""
        from lightning import Trainer
        base = {"max_epochs": 3, "devices": 1}
        extra = {"devices": 4}
        merged = dict({**base, **extra}, precision="16-mixed")
        Trainer(**merged)
    """)
    assert {k: v.data for k, v in spec.args.items()} == {"max_epochs": 3, "devices": 4, "precision": "16-mixed"}


def test_dict_comprehension_over_known_keys_has_optional_unknown_values():
    # openfold's shape: the Trainer's arguments picked out of argparse by a key list
    spec = trainer("""
        import pytorch_lightning as pl
        def main(args):
            keys = ['num_nodes', 'precision', 'max_epochs', 'flush_logs_ever_n_steps']
            trainer_args = {k: v for k, v in vars(args).items() if k in keys}
            trainer_args.update({'default_root_dir': args.output_dir})
            pl.Trainer(**trainer_args)
    """)
    assert spec.open_reason is None  # the other arguments are known to be absent
    assert spec.args["max_epochs"].unknown and spec.args["max_epochs"].optional
    assert not spec.args["default_root_dir"].optional


def test_a_dict_changed_in_another_function_stays_unknown():
    spec = trainer("""
        from lightning import Trainer
        kwargs = {"max_epochs": 1}
        def tweak():
            kwargs["max_epochs"] = 5
        Trainer(**kwargs)
    """)
    assert spec.open_reason is not None


# -- helpers -------------------------------------------------------------------------------


def test_kwargs_returned_by_a_helper_are_followed():
    spec = trainer("""
        from lightning import Trainer
        def trainer_kwargs(args):
            if args.debug:
                return {"max_epochs": 1, "gpus": 1}
            return {"max_epochs": args.epochs, "accelerator": "gpu"}
        def main(args):
            Trainer(**trainer_kwargs(args))
    """)
    assert spec.open_reason is None
    assert candidates(spec.args["gpus"]) == {1: (("args.debug", True),), "absent": (("args.debug", False),)}
    assert candidates(spec.args["accelerator"]) == {"absent": (("args.debug", True),), "gpu": (("args.debug", False),)}


def test_recursive_helpers_are_cut():
    spec = trainer("""
        from lightning import Trainer
        def a(n):
            return b(n)
        def b(n):
            return a(n)
        Trainer(**a(1))
    """)
    assert spec.open_reason is not None


# -- variants ------------------------------------------------------------------------------


def test_variants_choose_arms_of_the_same_test_together():
    spec = trainer("""
        from lightning import Trainer
        def main(args):
            Trainer(
                accelerator="cpu" if args.cpu else "gpu",
                precision="32-true" if args.cpu else "16-mixed",
            )
    """)
    combos = {(v.spec.args["accelerator"].data, v.spec.args["precision"].data) for v in variants.expand(spec)}
    assert combos == {("cpu", "32-true"), ("gpu", "16-mixed")}


@pytest.mark.parametrize(
    "test, holds, words",
    [
        ("args.gpus > 1", False, "args.gpus <= 1"),
        ("n == 0", False, "n != 0"),
        ("not args.cpu", False, "args.cpu"),
        ("args.ckpt is None", False, "args.ckpt is not None"),
        ("args.fast", False, "not args.fast"),
        ("a and b", False, "not (a and b)"),
        ("~try:3", False, "the `try` block at line 3 raises"),
    ],
)
def test_conditions_in_words(test, holds, words):
    assert variants.phrase(test, holds) == words


# -- end to end: a rule fires on the certainly wrong candidate and says when -----------------


def test_rule_fires_on_the_wrong_arm_and_says_when(lint):
    # lightning-bolts' shape: accelerator="ddp" only on multi-GPU runs
    found = lint(
        {
            "train.py": textwrap.dedent("""
                from pytorch_lightning import Trainer
                def main(args):
                    trainer = Trainer(
                        max_epochs=args.max_epochs,
                        max_steps=None if args.max_steps == -1 else args.max_steps,
                        accelerator="ddp" if args.gpus > 1 else None,
                    )
                    trainer.fit(model)
            """),
            "requirements.txt": "pytorch-lightning==1.9.5\n",
        },
        "train.py",
    )
    messages = {d.code: d.message for d in found}
    assert messages["LL402"].startswith("when args.gpus > 1: ")
    assert all(d.fix is None for d in found if d.message.startswith("when "))


def test_unknown_candidates_stay_quiet(lint):
    found = lint(
        {
            "train.py": textwrap.dedent("""
                from lightning import Trainer
                def main(args):
                    trainer = Trainer(max_epochs=3, strategy=args.strategy if args.custom else "ddp")
                    trainer.fit(model)
            """)
        },
        "train.py",
    )
    assert found == []


def test_a_finding_on_every_arm_has_no_condition(lint):
    found = lint(
        {
            "train.py": textwrap.dedent("""
                from lightning import Trainer
                def main(args):
                    trainer = Trainer(max_epochs=3, gpus=2 if args.big else 1)
                    trainer.fit(model)
            """)
        },
        "train.py",
        select=["LL302"],
    )
    assert found and all(not d.message.startswith("when ") for d in found)


def test_explicit_keywords_next_to_from_argparse_args_are_checked(lint):
    # lightning-bolts' cpc_finetuner: a 0.x argument passed explicitly on a 1.x pin
    code = textwrap.dedent("""
        from pytorch_lightning import Trainer
        def cli_main(args):
            trainer = Trainer.from_argparse_args(args, early_stop_callback=True)
            trainer.fit(tuner, dm)
    """)
    found = lint({"train.py": code, "requirements.txt": "pytorch-lightning==1.9.5\n"}, "train.py")
    assert [(d.code, d.span.start_line) for d in found if d.code in ("LL301", "LL302")] == [("LL302", 3)]
    assert not [d for d in found if d.code == "LL001"]  # the command line may set the limits


# -- across modules ----------------------------------------------------------------------------

HELPER_PROJECT = {
    "pyproject.toml": "[project]\nname = 'app'\n",
    "app/__init__.py": "",
    "app/config.py": textwrap.dedent("""
        def trainer_kwargs(args):
            if args.multi_gpu:
                return {"max_epochs": 10, "strategy": "dp"}
            return {"max_epochs": 10}
    """),
    "app/train.py": textwrap.dedent("""
        from lightning import Trainer
        from .config import trainer_kwargs

        def main(args):
            trainer = Trainer(**trainer_kwargs(args))
            trainer.fit(model)
    """),
    "scripts/run.py": textwrap.dedent("""
        from lightning import Trainer
        from app.config import trainer_kwargs
        Trainer(**trainer_kwargs(args)).fit(model)
    """),
}


@pytest.mark.parametrize("target", ["app/train.py", "scripts/run.py"])
def test_kwargs_from_a_helper_in_another_module_are_followed(lint, target):
    found = lint(HELPER_PROJECT, target, select=["LL401"])
    assert len(found) == 1
    (finding,) = found
    assert finding.path.endswith(target.split("/")[-1])  # reported at this file's Trainer
    assert finding.message.startswith("when args.multi_gpu: ")
    assert "written at app/config.py:3" in finding.message
    assert finding.fix is None and finding.related


def test_helpers_outside_the_project_are_not_read(lint, tmp_path):
    files = dict(HELPER_PROJECT)
    files["app/train.py"] = "from lightning import Trainer\nfrom os.path import join\nTrainer(**join(a)).fit(m)\n"
    assert lint(files, "app/train.py", select=["LL401", "LL001"]) == []


def test_callbacks_chosen_by_a_branch_then_appended():
    # lightning-bolts' simclr_module: the list depends on a flag, then grows
    spec = trainer("""
        from pytorch_lightning import Trainer
        from pytorch_lightning.callbacks import LearningRateMonitor, ModelCheckpoint
        def main(args):
            online_evaluator = SSLOnlineEvaluator(z_dim=args.hidden_mlp)
            lr_monitor = LearningRateMonitor(logging_interval="step")
            model_checkpoint = ModelCheckpoint(save_last=True, save_top_k=1, monitor="val_loss")
            callbacks = [model_checkpoint, online_evaluator] if args.online_ft else [model_checkpoint]
            callbacks.append(lr_monitor)
            Trainer(max_epochs=args.max_epochs, callbacks=callbacks).fit(model)
    """)
    kinds = {cb.kind: cb.conditional for cb in spec.callbacks}
    assert kinds == {"ModelCheckpoint": False, "LearningRateMonitor": False}
    assert spec.callbacks_open  # the evaluator is a class of another module


def test_loaders_passed_by_variable_through_branches_and_helpers(lint):
    code = textwrap.dedent("""
        from lightning import Trainer
        from torch.utils.data import DataLoader

        def make_loader(ds, shuffle):
            return DataLoader(ds, batch_size=32, shuffle=True)

        def main(args):
            if args.small:
                val_loader = DataLoader(small_val, batch_size=8, shuffle=True)
            else:
                val_loader = make_loader(val_set, shuffle=False)
            train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
            trainer = Trainer(max_epochs=3)
            trainer.fit(model, train_loader, val_dataloaders=val_loader)
    """)
    found = lint({"train.py": code}, "train.py", select=["LL601"])
    assert sorted(d.span.start_line for d in found) == [5, 9]  # both validation loaders, not the train one


def test_match_arms_are_candidates():
    spec = trainer("""
        from lightning import Trainer
        def main(args):
            match args.mode:
                case "debug":
                    epochs = 1
                case _:
                    epochs = 100
            Trainer(max_epochs=epochs)
    """)
    found = candidates(spec.args["max_epochs"])
    assert set(found) == {1, 100}
    assert all(test.startswith("~case:") for when in found.values() for test, _ in when)
