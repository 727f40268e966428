"""Project-shaped tests for the resume rules: LL111 (last.ckpt follows the top-k
checkpoint), LL101 by kind of training data, and LL302 on the Trainer methods' keywords."""

from __future__ import annotations

HYDRA_TEMPLATE = {
    "configs/train.yaml": """
        defaults:
          - _self_
          - callbacks: default
          - trainer: default
        """,
    "configs/trainer/default.yaml": """
        _target_: lightning.pytorch.trainer.Trainer
        max_epochs: 10
        """,
    "configs/callbacks/default.yaml": """
        defaults:
          - model_checkpoint
          - _self_

        model_checkpoint:
          dirpath: ${paths.output_dir}/checkpoints
          monitor: "val/acc"
          mode: "max"
          save_last: True
        """,
    "configs/callbacks/model_checkpoint.yaml": """
        model_checkpoint:
          _target_: lightning.pytorch.callbacks.ModelCheckpoint
          monitor: null
          save_last: null
          save_top_k: 1
        """,
}


def _codes(diagnostics, code):
    return [d for d in diagnostics if d.code == code]


def test_ll111_hydra_template_on_a_2_6_pin(lint):
    files = dict(HYDRA_TEMPLATE, **{"requirements.txt": "lightning>=2.6.0\n"})
    found = _codes(lint(files, "configs/callbacks/default.yaml", select=["LL111"]), "LL111")
    assert len(found) == 1 and found[0].span.start_line == 9
    assert "val/acc" in found[0].message and "last improvement" in found[0].message


def test_ll111_quiet_below_2_6_and_without_monitor(lint):
    files = dict(HYDRA_TEMPLATE, **{"requirements.txt": "lightning==2.5.6\n"})
    assert not _codes(lint(files, "configs/callbacks/default.yaml", select=["LL111"]), "LL111")
    files = dict(HYDRA_TEMPLATE, **{"requirements.txt": "lightning>=2.6.0\n"})
    files["configs/callbacks/default.yaml"] = files["configs/callbacks/default.yaml"].replace(
        'monitor: "val/acc"', "monitor: null"
    )
    assert not _codes(lint(files, "configs/callbacks/default.yaml", select=["LL111"]), "LL111")


def test_ll111_python_unknown_top_k_and_keep_all(lint):
    source = """
        from lightning.pytorch.callbacks import ModelCheckpoint
        def build(k):
            return [ModelCheckpoint(monitor="val_loss", save_top_k=k, save_last=True),
                    ModelCheckpoint(monitor="val_acc", save_top_k=-1, save_last=True)]
        """
    assert not _codes(lint({"train.py": source}, select=["LL111"]), "LL111")


def test_ll111_no_fix_outside_a_list(lint):
    source = """
        from lightning.pytorch.callbacks import ModelCheckpoint
        ckpt = ModelCheckpoint(monitor="val_loss", save_last=True)
        """
    found = _codes(lint({"train.py": source}, select=["LL111"]), "LL111")
    assert len(found) == 1 and found[0].fix is None


OLD_TEMPLATE = """
    import pytorch_lightning as pl
    from project import LitModel, build_loaders

    def main(cfg):
        model = LitModel(cfg)
        train, val, test = build_loaders(cfg)
        trainer = pl.Trainer(gpus=1, max_epochs=cfg.epochs)
        trainer.tune(model, train_dataloader=train)
        trainer.fit(model, train_dataloader=train, val_dataloaders=val)
        trainer.validate(model, val_dataloaders=val)
        trainer.test(test_dataloaders=test, ckpt_path="best")
        trainer.predict(model, dataloaders=test)
    """


def test_method_keywords_on_a_1_9_pin_are_errors_with_a_safe_rename(lint):
    found = lint({"train.py": OLD_TEMPLATE, "requirements.txt": "pytorch-lightning==1.9.5\n"}, "train.py")
    keywords = sorted(
        (d.span.start_line, d.severity.label, d.message.split("`")[1]) for d in found if d.code == "LL302"
    )
    assert keywords == [
        (8, "error", "trainer.tune(train_dataloader=...)"),
        (9, "error", "trainer.fit(train_dataloader=...)"),
        (10, "error", "trainer.validate(val_dataloaders=...)"),
        (11, "error", "trainer.test(test_dataloaders=...)"),
    ]
    test = next(d for d in found if d.code == "LL302" and "test_dataloaders" in d.message)
    assert test.fix is not None and test.fix.applicability.value == "safe"
    assert [e.content for e in test.fix.edits] == ["dataloaders"]
    assert not [d for d in found if d.code == "LL301"]  # fit(val_dataloaders=) and predict(dataloaders=) are fine


def test_method_keywords_on_a_1_5_pin_are_deprecation_warnings(lint):
    found = lint({"train.py": OLD_TEMPLATE, "requirements.txt": "pytorch-lightning==1.5.10\n"}, "train.py")
    ll302 = [d for d in found if d.code == "LL302" and "deprecated since Lightning 1.4 and removed in 1.6" in d.message]
    assert len(ll302) == 4 and {d.severity.label for d in ll302} == {"warning"}
    assert not [d for d in found if d.code == "LL302" and d.severity.label == "error"]  # gpus is fine on 1.5


def test_method_keywords_on_a_1_3_pin_and_on_2_x(lint):
    found = lint({"train.py": OLD_TEMPLATE, "requirements.txt": "pytorch-lightning==1.3.8\n"}, "train.py")
    assert not [d for d in found if d.code in ("LL301", "LL302")]
    found = lint({"train.py": OLD_TEMPLATE, "requirements.txt": "lightning==2.6.6\n"}, "train.py")
    lines = sorted(d.span.start_line for d in found if d.code == "LL302" and "trainer." in d.message)
    assert lines == [9, 10, 11]  # tune itself is LL303 on 2.x, its keywords are not judged
    assert [d.span.start_line for d in found if d.code == "LL303"] == [8]


def test_method_keyword_typo_and_unknown_trainer(lint):
    source = """
        from lightning import Trainer
        def run(trainer, model, loader):
            trainer.test(model, test_dataloaders=loader)  # a Trainer the linter cannot see
        t = Trainer(max_epochs=1)
        t.fit(model, train_loader=loader)
        t.fit(model, weights_only=True)
        """
    found = lint({"train.py": source, "requirements.txt": "lightning==2.5.6\n"}, "train.py")
    assert sorted((d.span.start_line, d.code) for d in found if d.code in ("LL301", "LL302")) == [
        (5, "LL301"),
        (6, "LL301"),
    ]
    assert "did you mean `train_dataloaders`" in next(d.message for d in found if d.span.start_line == 5)
    assert "added to `Trainer.fit` in Lightning 2.6.0" in next(d.message for d in found if d.span.start_line == 6)
