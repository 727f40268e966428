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
