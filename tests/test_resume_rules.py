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


# -- LL101 by kind of training data ----------------------------------------------------------

STREAMS = """
    import itertools
    import random
    import torch
    from torch.utils.data import IterableDataset, Dataset

    class RandomCameraDataset(IterableDataset):
        # samples a new camera forever, as 3D-generation projects do
        def __iter__(self):
            while True:
                yield torch.randn(3), random.random()

    class EvalCameras(IterableDataset):
        def __init__(self, n):
            self.n = n
        def __iter__(self):
            for i in range(self.n):
                yield torch.randn(3)
    """

CHECKPOINT = """
    from lightning import Trainer
    from lightning.pytorch.callbacks import ModelCheckpoint
    from data import DataModule
    trainer = Trainer(max_steps=10000, callbacks=[ModelCheckpoint(every_n_train_steps=500)])
    trainer.fit(model, datamodule=DataModule())
    """


def _datamodule(train_dataset, extra=""):
    return f"""
    import lightning as L
    from torch.utils.data import DataLoader
    from datasets import RandomCameraDataset, EvalCameras

    class DataModule(L.LightningDataModule):
        def setup(self, stage=None):
            self.train_set = {train_dataset}
            self.val_set = EvalCameras(8)
        def train_dataloader(self):
            return DataLoader(self.train_set, batch_size=4)
        def val_dataloader(self):
            return DataLoader(self.val_set, batch_size=4)
    {extra}
    """


def _ll101(lint, files):
    files = dict(files, **{"train.py": CHECKPOINT})
    return [d for d in lint(files, "train.py", select=["LL101"]) if d.code == "LL101"]


def test_ll101_quiet_on_an_endless_stream_next_to_a_finite_one(lint):
    assert not _ll101(lint, {"datasets.py": STREAMS, "data.py": _datamodule("RandomCameraDataset()")})


def test_ll101_finite_stream_says_it_is_re_read(lint):
    found = _ll101(lint, {"datasets.py": STREAMS, "data.py": _datamodule("EvalCameras(100)")})
    assert len(found) == 1
    assert "`EvalCameras` is a finite iterable" in found[0].message
    assert "re-read from its start" in found[0].message and "skips" not in found[0].message


def test_ll101_map_style_and_unknown_datasets_still_replay_and_skip(lint):
    map_style = STREAMS + "\nclass Images(Dataset):\n    def __getitem__(self, i):\n        return i\n"
    for dataset in ("Images()", "make_dataset()"):
        found = _ll101(lint, {"datasets.py": map_style, "data.py": _datamodule(dataset)})
        assert len(found) == 1 and "replays the first batches of the epoch and skips the rest" in found[0].message


def test_ll101_one_map_style_loader_among_endless_ones_still_fires(lint):
    other = """
        from torch.utils.data import DataLoader, TensorDataset
        def train_dataloader(x):
            return DataLoader(TensorDataset(x), batch_size=4)
        """
    found = _ll101(lint, {"datasets.py": STREAMS, "data.py": _datamodule("RandomCameraDataset()"), "more.py": other})
    assert len(found) == 1 and "replays" in found[0].message


def test_ll101_quiet_when_the_project_saves_the_position(lint):
    saved = _datamodule("RandomCameraDataset()".replace("RandomCameraDataset()", "EvalCameras(100)")).replace(
        "        def train_dataloader(self):",
        "        def state_dict(self):\n            return {'seen': 0}\n"
        "        def load_state_dict(self, state):\n            pass\n        def train_dataloader(self):",
    )
    assert not _ll101(lint, {"datasets.py": STREAMS, "data.py": saved})
    sampler = """
        from torch.utils.data import DataLoader, Sampler
        class ResumableSampler(Sampler):
            def __iter__(self): ...
            def state_dict(self): ...
            def load_state_dict(self, state): ...
        def train_dataloader(ds):
            return DataLoader(ds, batch_size=4, sampler=ResumableSampler())
        """
    assert not _ll101(lint, {"data.py": sampler})


def test_explain_shows_the_kind_of_training_data(tmp_path, capsys):
    from conftest import write_files
    from lightning_lint.commands.cli import main

    files = {
        "pyproject.toml": "[project]\nname = 'x'\n",
        "datasets.py": STREAMS,
        "data.py": _datamodule("RandomCameraDataset()"),
        "train.py": CHECKPOINT,
    }
    write_files(tmp_path, files)
    main(["explain", str(tmp_path / "train.py")])
    out = capsys.readouterr().out
    assert "training data   an endless stream: `RandomCameraDataset` is an endless stream" in out


def _kind(source):
    import ast
    import textwrap

    from lightning_lint.extract import streams

    tree = ast.parse(textwrap.dedent(source))
    node = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    return streams.classify_class(node, streams.itertools_names(tree))


def test_classify_dataset_classes():
    assert _kind("class A:\n    def __iter__(self):\n        while True:\n            yield 1\n") == "endless"
    assert (
        _kind(
            "class A:\n    def __iter__(self):\n        while 1:\n            for x in y:\n                break\n            yield x\n"
        )
        == "endless"
    )
    assert (
        _kind(
            "class A:\n    def __iter__(self):\n        while True:\n            if done:\n                break\n            yield 1\n"
        )
        == "finite"
    )
    assert (
        _kind(
            "class A:\n    def __iter__(self):\n        while True:\n            if done:\n                return\n            yield 1\n"
        )
        == "finite"
    )
    assert (
        _kind(
            "class A:\n    def __iter__(self):\n        while True:\n            yield next(it)\n            raise StopIteration\n"
        )
        == "finite"
    )
    assert (
        _kind("import itertools\nclass A:\n    def __iter__(self):\n        return itertools.cycle(self.items)\n")
        == "endless"
    )
    assert (
        _kind(
            "from itertools import count\nclass A:\n    def __iter__(self):\n        for i in count():\n            yield i\n"
        )
        == "endless"
    )
    assert (
        _kind(
            "class A:\n    def __iter__(self):\n        return iter(self._stream())\n    def _stream(self):\n        while True:\n            yield 1\n"
        )
        == "endless"
    )
    assert (
        _kind(
            "class A:\n    def __iter__(self):\n        def gen():\n            while True:\n                yield 1\n        return iter(self.items)\n"
        )
        == "finite"
    )
    assert _kind("class A:\n    def __getitem__(self, i):\n        return i\n") == "map"
    assert _kind("class A(IterableDataset):\n    pass\n") is None


def test_ll101_loader_built_in_a_helper_method(lint):
    """threestudio's shape: one ``general_loader(self, dataset)`` builds every loader."""
    data = """
        import lightning as L
        from torch.utils.data import DataLoader
        from datasets import RandomCameraDataset, EvalCameras

        class DataModule(L.LightningDataModule):
            def setup(self, stage=None):
                if stage in (None, "fit"):
                    self.train_dataset = {train}
                self.val_dataset = EvalCameras(8)
            def general_loader(self, dataset, batch_size, collate_fn=None):
                return DataLoader(dataset, batch_size=batch_size, collate_fn=collate_fn)
            def train_dataloader(self):
                return self.general_loader(self.train_dataset, batch_size=None)
            def val_dataloader(self):
                return self.general_loader(self.val_dataset, batch_size=1)
        """
    assert not _ll101(lint, {"datasets.py": STREAMS, "data.py": data.replace("{train}", "RandomCameraDataset()")})
    found = _ll101(lint, {"datasets.py": STREAMS, "data.py": data.replace("{train}", "EvalCameras(100)")})
    assert len(found) == 1 and "`EvalCameras` is a finite iterable" in found[0].message
