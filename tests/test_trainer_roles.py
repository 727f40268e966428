"""What each Trainer instance is for (extract/python.py, model/spec.py): the calls that
reach it decide whether it trains. Shapes from public projects: NeMo's inference and
conversion scripts, chemprop's second Trainer for prediction, pytorch-forecasting's
learning-rate finder, helpers that build or fit a Trainer."""

from __future__ import annotations

import ast
import textwrap

from lightning_lint.extract import python
from lightning_lint.model.sources import SourceFile


def trainers(code: str):
    src = SourceFile("train.py", textwrap.dedent(code).lstrip("\n"), "python")
    return python.extract(ast.parse(src.text), src).trainers


def test_reassigned_trainer_is_a_new_instance():
    first, second = trainers("""
        import lightning as L
        def main(model, loaders):
            trainer = L.Trainer(max_epochs=5)
            trainer.fit(model, *loaders)
            trainer = L.Trainer(devices=1)
            trainer.predict(model, dataloaders=loaders[2])
    """)
    assert first.trains is True and first.assumed_training
    assert second.trains is False and not second.assumed_training
    assert "`predict`" in second.role


def test_trainer_handed_to_a_model_for_inference_does_not_train():
    (spec,) = trainers("""
        import pytorch_lightning as pl
        def main(cfg):
            trainer = pl.Trainer(devices=1, accelerator=cfg.accelerator)
            model = ASRModel.restore_from(cfg.model_path, trainer=trainer)
            model.set_trainer(trainer)
            model.transcribe(cfg.files)
    """)
    assert spec.trains is False and not spec.assumed_training
    assert "set_trainer" in spec.role


def test_tuner_only_trainer_does_not_train():
    (spec,) = trainers("""
        import lightning.pytorch as pl
        from lightning.pytorch.tuner import Tuner
        def optimize(model, loaders, clip):
            lr_trainer = pl.Trainer(gradient_clip_val=clip, accelerator="auto", logger=False)
            Tuner(lr_trainer).lr_find(model, train_dataloaders=loaders)
    """)
    assert spec.trains is False and not spec.assumed_training


def test_a_helper_that_fits_its_parameter_makes_the_trainer_train():
    (spec,) = trainers("""
        from lightning import Trainer
        def run(trainer, model):
            trainer.fit(model)
        t = Trainer(devices=1)
        run(t, model)
    """)
    assert spec.trains is True


def test_a_trainer_returned_by_a_helper_is_fit_by_the_caller():
    (spec,) = trainers("""
        from lightning import Trainer
        def build(cfg):
            return Trainer(accelerator="gpu")
        trainer = build(cfg)
        trainer.fit(model)
    """)
    assert spec.trains is True


def test_a_trainer_that_escapes_is_unknown_and_judged_only_with_evidence():
    plain, limited = trainers("""
        from lightning import Trainer
        def build(cfg):
            return Trainer(accelerator="gpu")
        def build_for_training(cfg):
            return Trainer(accelerator="gpu", max_epochs=10)
    """)
    assert plain.trains is None and not plain.assumed_training
    assert limited.trains is None and limited.assumed_training
    assert "max_epochs" in limited.training_assumption()


def test_trainer_in_both_branches_reaches_the_fit():
    first, second = trainers("""
        from lightning import Trainer
        def main(args):
            if args.debug:
                trainer = Trainer(fast_dev_run=True)
            else:
                trainer = Trainer(accelerator="gpu")
            trainer.fit(model)
    """)
    assert first.trains is True and second.trains is True


def test_nemo_conversion_script_lints_quietly(lint):
    # megatron_change_num_partitions' shape: several Trainers, none trains
    code = textwrap.dedent("""
        import pytorch_lightning as pl
        from nemo.collections.nlp.parts.nlp_overrides import NLPDDPStrategy
        def main(args):
            trainer = pl.Trainer(plugins=[], devices=1, strategy=NLPDDPStrategy(), accelerator="cpu")
            model = MegatronGPTModel.restore_from(args.model_file, trainer=trainer)
            model.save_to(args.target_file)
            trainer = pl.Trainer(devices=1, accelerator="cpu", strategy=NLPDDPStrategy())
            model.set_trainer(trainer)
    """)
    assert lint({"convert.py": code}, "convert.py", select=["LL001"]) == []


def test_training_trainer_next_to_inference_ones_is_still_judged(lint):
    code = textwrap.dedent("""
        import lightning as L
        def main():
            trainer = L.Trainer(accelerator="gpu")
            trainer.fit(model)
            trainer = L.Trainer(accelerator="gpu")
            trainer.test(model)
    """)
    found = lint({"train.py": code}, "train.py", select=["LL001"])
    assert [d.span.start_line for d in found] == [3]
    assert "assuming" not in found[0].message


FACTORY_PROJECT = {
    "pyproject.toml": "[project]\nname = 'app'\n",
    "app/__init__.py": "",
    "app/factory.py": textwrap.dedent("""
        import lightning as L
        def build_trainer(cfg):
            trainer = L.Trainer(accelerator="gpu", devices=cfg.devices)
            return trainer
        def build_eval_trainer(cfg):
            return L.Trainer(accelerator="gpu", devices=1)
        def run_training(trainer, model):
            trainer.fit(model)
    """),
    "app/train.py": textwrap.dedent("""
        from app.factory import build_trainer
        def main(cfg, model):
            trainer = build_trainer(cfg)
            trainer.fit(model)
    """),
    "app/evaluate.py": textwrap.dedent("""
        from .factory import build_eval_trainer
        build_eval_trainer(cfg).test(model)
    """),
    "scripts/tune.py": textwrap.dedent("""
        import lightning as L
        from app.factory import run_training
        trainer = L.Trainer(accelerator="gpu")
        run_training(trainer, model)
        other = L.Trainer(accelerator="gpu")
        print(other)
    """),
}


def test_a_trainer_fit_in_another_module_is_judged(lint):
    found = lint(FACTORY_PROJECT, "app/factory.py", select=["LL001"])
    assert [d.span.start_line for d in found] == [3]  # build_trainer's, not build_eval_trainer's
    assert "1000 epochs" in found[0].message


def test_a_trainer_handed_to_a_function_that_fits_it_in_another_module(lint):
    found = lint(FACTORY_PROJECT, "scripts/tune.py", select=["LL001"])
    assert [d.span.start_line for d in found] == [3]  # `other` is only printed
