"""Claims of the value, hardware, barebones, plugin and SWA rules (LL304, LL312, LL403,
LL405-LL408, LL410), checked against the installed lightning on the CPU.

Hardware that this machine lacks (CUDA, MPS, TPU, DeepSpeed, torch_xla) is simulated at
the narrowest point: the availability check is patched, or Lightning's own method is
called with the object it would receive, so the check under test is Lightning's code.
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace
from unittest import mock

import pytest

pytest.importorskip("lightning")
pytestmark = pytest.mark.lightning

import lightning.pytorch as pl  # noqa: E402
import torch  # noqa: E402
from lightning.fabric.utilities.exceptions import MisconfigurationException  # noqa: E402
from lightning.pytorch import callbacks as cb  # noqa: E402
from lightning.pytorch import plugins  # noqa: E402
from lightning.pytorch.plugins import environments  # noqa: E402

from claims import claim  # noqa: E402
from conftest import lint_files  # noqa: E402
from tiny import TinyModel, fit, trainer  # noqa: E402

BAD_LIMIT = "it has to be in \\[0.0, 1.0\\] or an int"


def _cli_trainer(tmp_path, text: str) -> pl.Trainer:
    """The Trainer LightningCLI builds from a config (run=False: parse and build only)."""
    pytest.importorskip("jsonargparse")
    from lightning.pytorch.cli import LightningCLI

    path = tmp_path / "config.yaml"
    path.write_text(text)
    cli = LightningCLI(
        TinyModel,
        run=False,
        args=["--config", str(path)],
        save_config_callback=None,
        trainer_defaults={
            "default_root_dir": str(tmp_path),
            "logger": False,
            "enable_progress_bar": False,
            "max_epochs": 1,
        },
    )
    return cli.trainer


# -- LL304 ---------------------------------------------------------------------------------


@claim("LL304")
@pytest.mark.parametrize(
    "name",
    [
        "limit_train_batches",
        "limit_val_batches",
        "limit_test_batches",
        "limit_predict_batches",
        "overfit_batches",
        "val_check_interval",
    ],
)
def test_batch_limits_must_be_fractions_or_counts(tmp_path, name):
    for bad in (1.5, -1, -0.1):
        with pytest.raises(MisconfigurationException, match=BAD_LIMIT):
            trainer(tmp_path, **{name: bad})
    assert getattr(trainer(tmp_path, **{name: 2.0}), name) == 2  # a whole float is a count


@claim("LL304")
def test_fast_dev_run_and_overfit_replace_limits_before_the_check(tmp_path):
    t = trainer(tmp_path, fast_dev_run=True, limit_train_batches=1.5, val_check_interval=7.5)
    assert t.limit_train_batches == 1
    t = trainer(tmp_path, overfit_batches=2, limit_train_batches=1.5, limit_val_batches=-1)
    assert t.limit_train_batches == 2 and t.limit_val_batches == 2
    with pytest.raises(MisconfigurationException, match=BAD_LIMIT):  # but not limit_test_batches
        trainer(tmp_path, overfit_batches=2, limit_test_batches=1.5)


@claim("LL304")
def test_trainer_argument_types(tmp_path):
    with pytest.raises(MisconfigurationException, match="should be an integer"):
        trainer(tmp_path, check_val_every_n_epoch=1.0)
    for bad in (-1, None, 1.0):
        with pytest.raises(MisconfigurationException, match="should be an int >= 0"):
            trainer(tmp_path, reload_dataloaders_every_n_epochs=bad)
    with pytest.raises(MisconfigurationException, match="It should be >= 0"):
        trainer(tmp_path, fast_dev_run=-1)
    with pytest.raises(TypeError, match="should be an int or a float"):
        trainer(tmp_path, gradient_clip_val="0.5")
    with pytest.raises(AttributeError):
        trainer(tmp_path, callbacks="ModelCheckpoint")
    # accepted by the constructor, fails at the first batch
    with pytest.raises(TypeError, match="'int' and 'dict'"):
        fit(tmp_path, max_epochs=1, limit_val_batches=0, accumulate_grad_batches={0: 8, 4: 2})


@claim("LL304")
def test_trainer_string_choices(tmp_path):
    with pytest.raises(MisconfigurationException, match="simple"):
        trainer(tmp_path, profiler="cprofile")
    with pytest.raises(MisconfigurationException, match="Allowed algorithms"):
        trainer(tmp_path, gradient_clip_algorithm="l2")
    # profiler and gradient_clip_algorithm are case-insensitive
    assert trainer(tmp_path, profiler="Simple").profiler.__class__.__name__ == "SimpleProfiler"
    assert trainer(tmp_path, gradient_clip_algorithm="VALUE").gradient_clip_algorithm == "value"


@claim("LL304")
def test_callback_choices():
    with pytest.raises(MisconfigurationException, match="logging_interval"):
        cb.LearningRateMonitor(logging_interval="Step")  # case-sensitive
    for bad in ("batch", "Step"):
        with pytest.raises(MisconfigurationException, match="Timer"):
            cb.Timer(interval=bad)
    with pytest.raises(ValueError, match="mode"):
        cb.BatchSizeFinder(mode="linear")
    cb.BatchSizeFinder(mode="POWER")  # lower-cased
    with pytest.raises(ValueError, match="mode"):
        cb.LearningRateFinder(mode="power")
    with pytest.raises(TypeError, match="Empty dict"):
        cb.GradientAccumulationScheduler({})
    for bad in ({0: 0}, {0: 2.0}):
        with pytest.raises(MisconfigurationException, match="Accumulation factor"):
            cb.GradientAccumulationScheduler(bad)
    cb.GradientAccumulationScheduler({0: 8, 4: 2})


@claim("LL304", "LL410")
def test_lightning_cli_converts_quoted_numbers_and_int_learning_rates(tmp_path):
    t = _cli_trainer(
        tmp_path,
        "trainer:\n  gradient_clip_val: '1.0'\n  check_val_every_n_epoch: '2'\n"
        "  callbacks:\n    - class_path: lightning.pytorch.callbacks.StochasticWeightAveraging\n"
        "      init_args:\n        swa_lrs: 1\n",
    )
    assert t.gradient_clip_val == 1.0 and t.check_val_every_n_epoch == 2
    swa = next(c for c in t.callbacks if isinstance(c, cb.StochasticWeightAveraging))
    assert swa._swa_lrs == 1.0 and isinstance(swa._swa_lrs, float)


# -- LL312 ---------------------------------------------------------------------------------


@claim("LL312")
def test_fraction_of_too_few_batches_raises(tmp_path):
    with pytest.raises(MisconfigurationException, match=r"0.05 \* 13 < 1"):
        fit(tmp_path, TinyModel(batches=13), max_epochs=1, limit_train_batches=0.05, limit_val_batches=0)
    with pytest.raises(MisconfigurationException, match="val_dataloader"):
        fit(tmp_path, TinyModel(batches=4, val_batches=4), max_epochs=1, limit_val_batches=0.2)
    # a float overfit_batches also limits validation: 0.1 x 13 train batches is fine, 0.1 x 2 val batches is not
    with pytest.raises(MisconfigurationException, match="val_dataloader"):
        fit(tmp_path, TinyModel(batches=13, val_batches=2), max_epochs=1, overfit_batches=0.1)


@claim("LL312")
@pytest.mark.parametrize("batches,fraction", [(13, 0.05), (13, 0.077), (4, 0.2), (4, 0.25), (50, 0.01), (50, 0.02)])
def test_rule_fires_exactly_when_lightning_raises(tmp_path, batches, fraction):
    try:
        fit(
            tmp_path / "run",
            TinyModel(batches=batches),
            max_epochs=1,
            limit_train_batches=fraction,
            limit_val_batches=0,
        )
        raised = False
    except MisconfigurationException:
        raised = True
    files = {
        "train.py": f"from lightning import Trainer\nTrainer(limit_train_batches={fraction})\n",
        "pyproject.toml": f'[tool.lightning-lint.facts."train.py"]\ntrain-batches-per-epoch = {batches}\n',
    }
    found = list(lint_files(tmp_path / "lint", files, "train.py", select=["LL312"]).diagnostics)
    assert bool(found) == raised


# -- LL403 ---------------------------------------------------------------------------------


@claim("LL403")
def test_fsdp_requires_cuda(tmp_path):
    from lightning.pytorch.strategies import FSDPStrategy

    for strategy in ("fsdp", "fsdp_cpu_offload", FSDPStrategy()):
        with pytest.raises(ValueError, match="requires a GPU accelerator"):
            trainer(tmp_path, strategy=strategy)


@claim("LL403")
def test_deepspeed_requires_cuda(tmp_path):
    from lightning.pytorch.accelerators import CPUAccelerator
    from lightning.pytorch.strategies import DeepSpeedStrategy

    # the check DeepSpeed runs when fit starts (here deepspeed is not even installed)
    with pytest.raises(RuntimeError, match="only supported on CUDA GPUs"):
        DeepSpeedStrategy.setup_environment(SimpleNamespace(accelerator=CPUAccelerator()))
    with pytest.raises((MisconfigurationException, RuntimeError)):
        trainer(tmp_path, strategy="deepspeed").fit(TinyModel())


@claim("LL403")
def test_ddp_family_rejected_on_mps():
    from lightning.pytorch.accelerators import MPSAccelerator

    with mock.patch.object(MPSAccelerator, "is_available", return_value=True):
        for strategy in ("ddp", "ddp_spawn", "deepspeed_stage_2"):
            with pytest.raises(ValueError, match="DDP family are not supported on the MPS"):
                pl.Trainer(accelerator="mps", strategy=strategy, logger=False)
    with pytest.raises(MisconfigurationException):  # and without Apple hardware MPS itself is refused
        pl.Trainer(accelerator="mps", strategy="ddp", logger=False)


@claim("LL403")
def test_xla_strategies_need_a_tpu_and_tpus_need_xla_strategies(tmp_path):
    from lightning.pytorch.accelerators import CPUAccelerator, CUDAAccelerator, XLAAccelerator

    for strategy in ("xla", "single_xla"):
        with pytest.raises((ModuleNotFoundError, TypeError)):  # no torch_xla here
            trainer(tmp_path, strategy=strategy)
    # with torch_xla installed the strategy's XLA device reaches the accelerator, which refuses it
    with pytest.raises(MisconfigurationException, match="Device should be CPU"):
        CPUAccelerator().setup_device(torch.device("xla", 0))
    with pytest.raises(MisconfigurationException, match="Device should be GPU"):
        CUDAAccelerator().setup_device(torch.device("xla", 0))
    # a TPU (simulated) with a non-XLA strategy
    tpu = XLAAccelerator.__new__(XLAAccelerator)
    with (
        mock.patch.object(XLAAccelerator, "is_available", return_value=True),
        mock.patch.object(XLAAccelerator, "parse_devices", return_value=2),
        mock.patch.object(XLAAccelerator, "get_parallel_devices", return_value=[torch.device("cpu")] * 2),
    ):
        for strategy in ("ddp", "ddp_spawn"):
            with pytest.raises(ValueError, match="can only be used with a `SingleDeviceXLAStrategy`"):
                pl.Trainer(accelerator=tpu, strategy=strategy, devices=2, logger=False)


# -- LL405 ---------------------------------------------------------------------------------


class _AutocastProbe(TinyModel):
    def training_step(self, batch, batch_idx):
        self.autocast = (torch.is_autocast_enabled("cpu"), torch.get_autocast_dtype("cpu"))
        return super().training_step(batch, batch_idx)


@claim("LL405")
def test_fp16_mixed_on_cpu_trains_in_bf16(tmp_path):
    for precision in ("16-mixed", 16, "16"):
        model = _AutocastProbe(batches=1)
        t, _, caught = fit(tmp_path, model, precision=precision, max_epochs=1, limit_val_batches=0)
        assert t.precision == "bf16-mixed", precision
        assert model.autocast == (True, torch.bfloat16)
        assert any("AMP with fp16 is not supported on CPU. Using `precision='bf16-mixed'`" in m for m in caught)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert trainer(tmp_path, precision="bf16-mixed").precision == "bf16-mixed"
    assert not any("fp16" in str(w.message) for w in caught)


# -- LL406 ---------------------------------------------------------------------------------


@pytest.fixture
def torch_flags():
    """Lightning sets global torch flags; put them back."""
    benchmark = torch.backends.cudnn.benchmark
    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    yield
    torch.backends.cudnn.benchmark = benchmark
    torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)


@claim("LL406")
def test_deterministic_with_benchmark_warns_and_keeps_benchmark(tmp_path, torch_flags):
    for deterministic in (True, "warn"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            trainer(tmp_path, deterministic=deterministic, benchmark=True)
        assert any("PyTorch ignores torch.backends.cudnn.deterministic=True" in str(w.message) for w in caught)
        assert torch.backends.cudnn.benchmark is True
    trainer(tmp_path, deterministic=True)  # without benchmark, Lightning turns benchmarking off
    assert torch.backends.cudnn.benchmark is False


# -- LL407 ---------------------------------------------------------------------------------


def _barebones(tmp_path, **kwargs):
    """A barebones Trainer: tiny.trainer's defaults would themselves conflict."""
    base = dict(barebones=True, accelerator="cpu", devices=1, default_root_dir=str(tmp_path))
    base.update(kwargs)
    return pl.Trainer(**base)


@claim("LL407")
@pytest.mark.parametrize(
    "name,value",
    [
        ("enable_checkpointing", True),
        ("logger", True),
        ("logger", []),
        ("enable_progress_bar", True),
        ("log_every_n_steps", 50),
        ("enable_model_summary", True),
        ("num_sanity_val_steps", 2),
        ("fast_dev_run", True),
        ("detect_anomaly", True),
        ("profiler", "simple"),
    ],
)
def test_barebones_refuses_speed_costly_features(tmp_path, name, value):
    with pytest.raises(ValueError, match="barebones mode"):
        _barebones(tmp_path, **{name: value})


@claim("LL407")
def test_barebones_refuses_checkpoint_and_progress_bar_callbacks(tmp_path):
    for callback in (cb.ModelCheckpoint(), cb.TQDMProgressBar()):
        with pytest.raises(MisconfigurationException, match="in callbacks list"):
            _barebones(tmp_path, callbacks=[callback])
    # what stays allowed
    _barebones(
        tmp_path,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        log_every_n_steps=0,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        fast_dev_run=False,
        callbacks=[cb.ModelSummary()],
    )


# -- LL408 ---------------------------------------------------------------------------------


@claim("LL408")
def test_plugin_conflicts(tmp_path):
    with pytest.raises(MisconfigurationException, match="invalid type for plugin d\\."):
        trainer(tmp_path, plugins="ddp_sharded")  # iterated character by character
    with pytest.raises(MisconfigurationException, match="invalid type for plugin deepspeed"):
        trainer(tmp_path, plugins=["deepspeed"])
    for pair, kind in (
        ((plugins.DoublePrecision(), plugins.HalfPrecision()), "Precision"),
        ((plugins.TorchCheckpointIO(), plugins.AsyncCheckpointIO()), "CheckpointIO"),
        ((environments.SLURMEnvironment(), environments.LightningEnvironment()), "ClusterEnvironment"),
    ):
        with pytest.raises(MisconfigurationException, match=f"multiple values for {kind} flags"):
            trainer(tmp_path, plugins=list(pair))
    for precision in ("32-true", "16-mixed"):
        with pytest.raises(ValueError, match="Received both `precision="):
            trainer(tmp_path, precision=precision, plugins=[plugins.DoublePrecision()])
    assert trainer(tmp_path, precision=None, plugins=plugins.DoublePrecision()).precision == "64-true"
    assert trainer(tmp_path, precision="16-mixed", plugins=[environments.LightningEnvironment()])


# -- LL410 ---------------------------------------------------------------------------------


@claim("LL410")
def test_swa_constructor_checks():
    for start in (0, -1, 1.5):
        with pytest.raises(MisconfigurationException, match="swa_epoch_start should be a >0 integer"):
            cb.StochasticWeightAveraging(swa_lrs=0.01, swa_epoch_start=start)
    for lrs in (1, 0.0, [0.01, 1], [0.01, 0.0]):
        with pytest.raises(MisconfigurationException, match="positive float"):
            cb.StochasticWeightAveraging(swa_lrs=lrs)
    cb.StochasticWeightAveraging(swa_lrs=1.0, swa_epoch_start=1)


@claim("LL410")
def test_swa_float_start_needs_bounded_epochs(tmp_path):
    for limits in (dict(max_steps=4), dict(max_epochs=-1, max_steps=4), dict(max_time={"seconds": 30}, max_steps=4)):
        with pytest.raises(MisconfigurationException, match="not supported when `max_epochs=-1`"):
            fit(
                tmp_path,
                TinyModel(batches=2),
                callbacks=[cb.StochasticWeightAveraging(swa_lrs=0.01)],
                limit_val_batches=0,
                **limits,
            )


@claim("LL410")
def test_swa_starting_after_the_last_epoch_never_runs(tmp_path):
    runs = {}
    for start in (2, 3, 4):
        swa = cb.StochasticWeightAveraging(swa_lrs=0.01, swa_epoch_start=start)
        fit(tmp_path, TinyModel(batches=2), max_epochs=3, callbacks=[swa], limit_val_batches=0)
        runs[start] = 0 if swa.n_averaged is None else int(swa.n_averaged)
    assert runs == {2: 2, 3: 1, 4: 0}  # start == max_epochs still averages the last epoch


@claim("LL410")
def test_swa_refuses_sharded_strategies():
    from lightning.pytorch.strategies import DDPStrategy, FSDPStrategy

    swa = cb.StochasticWeightAveraging(swa_lrs=0.01)
    with pytest.raises(MisconfigurationException, match="sharded models"):
        swa.setup(SimpleNamespace(strategy=FSDPStrategy()), TinyModel(), "fit")
    swa.setup(SimpleNamespace(strategy=DDPStrategy()), TinyModel(), "fit")
