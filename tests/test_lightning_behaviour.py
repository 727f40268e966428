"""Every rule's claim about Lightning, checked against the installed lightning.

Each rule says what Lightning does (raises, warns, silently ignores, stops early). These
tests build the real Trainer or callback, or run a tiny fit on the CPU, and observe it.
``CLAIMS`` maps each rule to its test; a rule without one fails ``test_every_rule_has_a_claim``.
"""

from __future__ import annotations

import logging
import warnings

import pytest

pytest.importorskip("lightning")
pytestmark = pytest.mark.lightning

import lightning.pytorch as pl  # noqa: E402

from lightning_lint import rules  # noqa: E402

from tiny import TinyModel, fit, trainer  # noqa: E402

from claims import CLAIMS, claim  # noqa: E402


def test_every_rule_has_a_claim():
    import importlib
    from pathlib import Path
    for module in sorted(Path(__file__).parent.glob("test_lightning_behaviour*.py")):
        importlib.import_module(module.stem)  # registers its claims
    missing = [r.code for r in rules.all_rules() if not r.code.startswith("LL9") and r.code not in CLAIMS]
    assert not missing, f"rules whose claim about Lightning is not tested: {missing}"


@claim("LL001")
def test_no_limit_means_1000_epochs(tmp_path):
    class Record(pl.Callback):
        def on_train_start(self, trainer, pl_module):
            self.max_epochs = trainer.max_epochs
            trainer.should_stop = True

    record = Record()
    _, _, caught = fit(tmp_path, TinyModel(batches=1), callbacks=[record], limit_val_batches=0)
    assert record.max_epochs == 1000
    assert any("`max_epochs` was not set. Setting it to 1000 epochs" in message for message in caught)


@claim("LL003")
def test_first_limit_wins(tmp_path):
    t, _, _ = fit(tmp_path, max_steps=1000, max_epochs=2, limit_val_batches=0)
    assert t.global_step == 16  # 2 epochs x 8 batches: max_epochs ended it
    t, _, _ = fit(tmp_path, max_steps=3, max_epochs=5, accumulate_grad_batches=3, limit_val_batches=0)
    assert t.global_step == 3 and t.current_epoch == 1  # ceil(8/3)=3 steps per epoch


@claim("LL005")
def test_zero_limits_train_nothing(tmp_path):
    for kwargs in (dict(max_epochs=0), dict(max_steps=0, max_epochs=3), dict(limit_train_batches=0, max_epochs=2)):
        t, _, _ = fit(tmp_path, limit_val_batches=0, **kwargs)
        assert t.global_step == 0, kwargs


@claim("LL006")
def test_invalid_loop_limits_raise(tmp_path):
    from lightning.fabric.utilities.exceptions import MisconfigurationException
    for kwargs in (dict(max_epochs=-2), dict(max_steps=-5)):
        with pytest.raises(MisconfigurationException, match="must be a non-negative integer or -1"):
            trainer(tmp_path, **kwargs)
    with pytest.raises(TypeError):
        t = trainer(tmp_path, max_steps=None, max_epochs=1)
        t.fit(TinyModel(batches=1), )


@claim("LL301", "LL302")
def test_unknown_and_removed_arguments_raise_type_error(tmp_path):
    for name in ("max_epoch", "gpus", "replace_sampler_ddp", "resume_from_checkpoint"):
        with pytest.raises(TypeError, match="unexpected keyword argument"):
            pl.Trainer(**{name: 1})
    from lightning.pytorch.callbacks import ModelCheckpoint
    with pytest.raises(TypeError):
        ModelCheckpoint(period=2)


@claim("LL303")
def test_removed_apis(tmp_path):
    assert not hasattr(pl.Trainer, "from_argparse_args")
    assert not hasattr(pl.Trainer, "add_argparse_args")

    class Old(TinyModel):
        def training_epoch_end(self, outputs):
            pass

    with pytest.raises(NotImplementedError, match="training_epoch_end"):
        fit(tmp_path, model=Old(), max_epochs=1)


@claim("LL305", "LL306")
def test_precision_values(tmp_path):
    from lightning.fabric.utilities.exceptions import MisconfigurationException
    for bad in ("fp16", "mixed", 16.0):
        with pytest.raises((MisconfigurationException, ValueError, RuntimeError)):
            trainer(tmp_path, precision=bad)
    for legacy, modern in ((32, "32-true"), ("bf16", "bf16-mixed"), (64, "64-true")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = trainer(tmp_path, precision=legacy)
        assert t.precision == modern, legacy


@claim("LL401")
def test_unregistered_strategies_raise(tmp_path):
    from lightning.fabric.utilities.exceptions import MisconfigurationException
    for name in ("dp", "ddp_sharded", "horovod", "fsdp_native", "ddp2", "tpu_spawn"):
        with pytest.raises((MisconfigurationException, ValueError)):
            trainer(tmp_path, strategy=name)


@claim("LL402")
def test_unknown_accelerators_raise(tmp_path):
    from lightning.fabric.utilities.exceptions import MisconfigurationException
    for name in ("ddp", "CPU", "hpu"):
        with pytest.raises((MisconfigurationException, ValueError)):
            trainer(tmp_path, accelerator=name)


@claim("LL404")
def test_invalid_devices_raise(tmp_path):
    from lightning.fabric.utilities.exceptions import MisconfigurationException
    for devices in (0, "0", []):
        with pytest.raises((MisconfigurationException, ValueError, TypeError)):
            trainer(tmp_path, devices=devices)
    with pytest.raises((MisconfigurationException, ValueError, TypeError)):
        trainer(tmp_path, num_nodes=0)
