"""Claims of issue 17 checked against the installed lightning, omegaconf and jsonargparse:
Fabric's connector (what LL305/LL306/LL401-LL405/LL408 say about ``Fabric(...)``), the
legacy precisions Lightning warns about (LL306), and which ``None`` values raise."""

from __future__ import annotations

import inspect
import typing
import warnings

import pytest

pytest.importorskip("lightning")
pytestmark = pytest.mark.lightning

import lightning as L  # noqa: E402

from claims import claim  # noqa: E402
from lightning_lint.model import lightning_api as data  # noqa: E402
from tiny import trainer  # noqa: E402


def _messages(build):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = build()
    return result, [str(w.message) for w in caught]


@claim("LL306")
def test_only_16_and_bf16_warn(tmp_path):
    """Lightning 2 maps 32/64 silently; 16 and "bf16" log "supported for historical reasons"."""
    for value in (32, "32", 64, "64"):
        built, caught = _messages(lambda value=value: trainer(tmp_path, precision=value))
        assert built.precision == data.LEGACY_PRECISIONS[value]
        assert not any("historical reasons" in m for m in caught), value
        assert value not in data.WARNED_LEGACY_PRECISIONS
    for value in (16, "16", "bf16"):
        _, caught = _messages(lambda value=value: trainer(tmp_path, precision=value))
        assert any("historical reasons" in m for m in caught), value
        assert value in data.WARNED_LEGACY_PRECISIONS
        _, caught = _messages(lambda value=value: L.Fabric(accelerator="cpu", devices=1, precision=value))
        assert any("historical reasons" in m for m in caught), value


@claim("LL305", "LL401", "LL402", "LL403", "LL404")
def test_fabric_rejects_what_the_rules_say():
    for kwargs, error in (
        (dict(strategy="ddp_sharded"), ValueError),
        (dict(strategy="horovod"), ValueError),
        (dict(accelerator="CPU"), ValueError),
        (dict(accelerator="cpu", devices=0), ValueError),
        (dict(accelerator="cpu", devices=-1), TypeError),
        (dict(accelerator="cpu", num_nodes=0), ValueError),
        (dict(accelerator="cpu", precision="fp16"), ValueError),
        (dict(accelerator="cpu", strategy="fsdp"), ValueError),
    ):
        with pytest.raises(error):
            L.Fabric(**kwargs)
    fabric, _ = _messages(lambda: L.Fabric(accelerator="cpu", strategy="dp"))  # Fabric still has "dp"
    assert fabric is not None


@claim("LL405", "LL408")
def test_fabric_fp16_on_cpu_and_plugin_conflicts():
    from lightning.fabric.plugins import DoublePrecision, HalfPrecision, MixedPrecision

    fabric, caught = _messages(lambda: L.Fabric(accelerator="cpu", devices=1, precision="16-mixed"))
    assert any("AMP with fp16 is not supported on CPU" in m for m in caught)
    assert fabric._precision.precision == "bf16-mixed"
    with pytest.raises(ValueError, match="Choose one"):
        L.Fabric(accelerator="cpu", precision="16-mixed", plugins=[MixedPrecision("16-mixed", "cuda")])
    with pytest.raises(ValueError, match="multiple values for Precision"):
        L.Fabric(accelerator="cpu", plugins=[DoublePrecision(), HalfPrecision()])
    with pytest.raises(TypeError, match="Found invalid type for plugin"):
        L.Fabric(accelerator="cpu", plugins="ddp_sharded")


@claim("LL401", "LL402", "LL404")
def test_none_is_refused_where_the_annotation_refuses_it(tmp_path):
    """strategy/accelerator/devices=None (the 1.x defaults) raise in Lightning 2; the
    rules decide from the annotations (``data.accepts_none``), which agree with the
    installed release."""
    from lightning import pytorch as pl
    from packaging.version import Version

    hints = typing.get_type_hints(pl.Trainer.__init__)
    newest = Version(data.NEWEST_KNOWN)
    for name in inspect.signature(pl.Trainer.__init__).parameters:
        if name == "self":
            continue
        admits = type(None) in typing.get_args(hints[name]) or hints[name] is type(None)
        assert data.accepts_none(name, newest) == admits, name
    for name, error in (("strategy", ValueError), ("accelerator", ValueError), ("devices", TypeError)):
        assert data.accepts_none(name, newest) is False
        assert data.accepts_none(name, Version("1.9.5")) is True  # the 1.x default
        kwargs = dict(accelerator="cpu", devices=1)
        kwargs[name] = None
        with pytest.raises(error):
            trainer(tmp_path, **kwargs)
        with pytest.raises(error):
            L.Fabric(**kwargs)
    for name in ("precision", "max_epochs"):
        assert data.accepts_none(name, newest) is True
        trainer(tmp_path, **{name: None})
