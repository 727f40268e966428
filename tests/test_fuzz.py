"""Property-based fuzzing of the whole per-file pipeline (read, parse, extract, rules,
suppressions, fixes) with generated Trainer calls and configs, valid and mangled.

Properties, for every input:
* no exception escapes, and no rule or extractor fails (no LL905);
* every finding, related location and fix edit lies inside the file;
* the findings are the same when the input is linted again by a fresh linter;
* ``--fix`` (safe and unsafe fixes) gives text that still parses when the input did, no
  fix pass is reverted, and fixing the result again changes nothing.

Profiles: ``ci`` (the default, ~120 examples per test) and ``long`` (run it with
``HYPOTHESIS_PROFILE=long``; ``HYPOTHESIS_LONG_EXAMPLES`` sets the count, default 5000).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lightning_lint.linter import fixer
from lightning_lint.linter.engine import Linter
from lightning_lint.linter.settings import Overrides, SettingsResolver
from lightning_lint.model.lightning_api import CALLBACKS, REMOVED_TRAINER_ARGS, TRAINER_PARAMS
from lightning_lint.model.sources import SourceFile
from lightning_lint.model.spec import Span

_COMMON = dict(
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
# CI replays the same examples every run (a merge is never blocked by the luck of a draw);
# the long profile explores new ones.
settings.register_profile("ci", max_examples=120, derandomize=True, **_COMMON)
settings.register_profile("long", max_examples=int(os.environ.get("HYPOTHESIS_LONG_EXAMPLES", "5000")), **_COMMON)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# -- values -----------------------------------------------------------------------------------

WORDS = [
    "16-mixed",
    "bf16-mixed",
    "bf16",
    "16",
    "32",
    "64",
    "fp16",
    "mixed",
    "32-true",
    "transformer-engine",
    "ddp",
    "dp",
    "ddp_spawn",
    "ddp_sharded",
    "fsdp",
    "fsdp_native",
    "deepspeed_stage_2",
    "horovod",
    "auto",
    "gpu",
    "cpu",
    "cuda",
    "mps",
    "tpu",
    "hpu",
    "CPU",
    "0",
    "0,1",
    "-1",
    "1,",
    "00:01:00:00",
    "01:00:00",
    "1:2:3:4:5",
    "00:00:00:00",
    "val_loss",
    "val/loss",
    "train_loss",
    "val_acc",
    "max",
    "min",
    "last",
    "best",
    "norm",
    "value",
    "simple",
    "advanced",
    "warn",
    "1e4",
    "0.5",
    "",
    " ",
    "${x}",
    "${trainer.max_epochs}",
    "${oc.env:EPOCHS,3}",
    "{epoch}-{val_loss:.2f}",
    "\u00e9\u8a13",
    "a\nb",
    "\t",
]
NAMES = [
    "x",
    "EPOCHS",
    "args.epochs",
    "cfg.trainer.max_epochs",
    "config['steps']",
    "os.environ['N']",
    "len(loader)",
    "steps // 2",
    "-EPOCHS",
    "not flag",
    "f(x)[0]",
]
SPECIAL = [
    "float('inf')",
    "float('nan')",
    "1e400",
    "-0.0",
    "1e-300",
    "10**20",
    "2**63",
    "0x10",
    "1_000",
    "timedelta(hours=1)",
    "{'hours': 1}",
    "...",
    "b'16'",
    "16j",
    "(1, 2)",
    "{1, 2}",
    "lambda: 3",
    "[*xs]",
    "{**d}",
    "1 if x else 2",
    "-(-1)",
    "+3",
    "~0",
    "True + 1",
]
PY_CALLBACKS = sorted(CALLBACKS)
TRAINER_KEYS = (
    sorted(TRAINER_PARAMS)
    + sorted(REMOVED_TRAINER_ARGS)
    + ["maxepochs", "max_epoch", "devices_", "callback", "strategy"]
)

ints = st.one_of(st.integers(-3, 200), st.sampled_from([0, -1, -2, 1, 2, 1000, 10**6, 2**31, 10**20]))
floats = st.one_of(
    st.sampled_from([0.0, 0.25, 0.5, 1.0, 1.5, -0.5, 1e-9, 2.0]),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
scalars = st.one_of(ints, floats, st.sampled_from(WORDS), st.text(max_size=8), st.none(), st.booleans())


def py_scalar() -> st.SearchStrategy[str]:
    return st.one_of(scalars.map(repr), st.sampled_from(NAMES), st.sampled_from(SPECIAL))


def py_call(names: List[str], value: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda name, kwargs: f"{name}({', '.join(f'{k}={v}' for k, v in kwargs)})",
        st.sampled_from(names),
        st.lists(st.tuples(st.sampled_from(_keys_of(names)), value), max_size=4),
    )


def _keys_of(names: List[str]) -> List[str]:
    keys = {
        "period",
        "monitor",
        "mode",
        "save_top_k",
        "every_n_train_steps",
        "every_n_epochs",
        "patience",
        "train_time_interval",
        "save_last",
        "duration",
        "logging_interval",
        "refresh_rate",
        "swa_lrs",
    }
    for name in names:
        info = CALLBACKS.get(name)
        if info is not None:
            keys.update(info.params)
            keys.update(info.removed_params)
    return sorted(keys)


py_value = st.recursive(
    py_scalar(),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        py_call(PY_CALLBACKS, inner),
        py_call(["DataLoader", "StatefulDataLoader", "TensorBoardLogger", "DDPStrategy", "f"], inner),
        st.tuples(st.sampled_from(["ModelCheckpoint", "EarlyStopping"]), inner).map(
            lambda t: f"[{t[0]}(monitor={t[1]}), {t[0]}(monitor={t[1]})]"
        ),
    ),
    max_leaves=6,
)

# -- Python programs --------------------------------------------------------------------------

PY_HEADER = (
    "import os\nimport lightning as L\nimport pytorch_lightning as pl\nfrom datetime import timedelta\n"
    "from lightning import Trainer\nfrom lightning.pytorch.callbacks import *\n"
    "from torch.utils.data import DataLoader\n"
)


@st.composite
def python_programs(draw) -> str:
    trainer = draw(st.sampled_from(["Trainer", "L.Trainer", "pl.Trainer", "lightning.pytorch.Trainer"]))
    kwargs = draw(st.lists(st.tuples(st.sampled_from(TRAINER_KEYS), py_value), max_size=7))
    args = [f"{k}={v}" for k, v in kwargs]
    if draw(st.booleans()):
        args.append(
            draw(st.sampled_from(["**config", "**{'max_epochs': 3, 'gpus': 2}", "*extra", "**dict(max_steps=10)"]))
        )
    layout = "".join(f"\n    {a}," for a in args) + "\n" if draw(st.booleans()) else ", ".join(args)
    lines = [PY_HEADER]
    for name in draw(st.lists(st.sampled_from(["EPOCHS", "x", "config", "steps"]), max_size=2, unique=True)):
        lines.append(f"{name} = {draw(py_value)}\n")
    if draw(st.booleans()):
        metric = draw(st.sampled_from(WORDS))
        manual = draw(st.sampled_from(["", "        self.automatic_optimization = False\n"]))
        lines.append(
            f"class Model(L.LightningModule):\n    def __init__(self):\n        super().__init__()\n{manual}"
            f"    def training_step(self, batch, i):\n        self.log({metric!r}, 1.0)\n"
            f"    def validation_epoch_end(self, outs):\n        pass\n"
        )
    call = f"trainer = {trainer}({layout})"
    if draw(st.booleans()):
        call += draw(
            st.sampled_from(["  # noqa: LL302", "  # noqa", "  # lightning-lint: ignore[LL0]", "  # noqa: LL999, E501"])
        )
    indent = draw(st.sampled_from(["", "    "]))
    body = [call + "\n"]
    if draw(st.booleans()):
        ckpt = draw(st.sampled_from(["", ", ckpt_path='last'", ", ckpt_path='best'", ", ckpt_path=None"]))
        loader = draw(st.sampled_from(["", ", train_dataloaders=DataLoader(ds, batch_size=32)"]))
        body.append(f"trainer.fit(model{loader}{ckpt})\n")
    if indent:
        lines.append("def main(args, model, ds):\n" + "".join(indent + b for b in body))
    else:
        lines.extend(body)
    return "".join(lines)


# -- YAML configs -----------------------------------------------------------------------------

yaml_scalar = st.one_of(ints, floats, st.sampled_from(WORDS), st.none(), st.booleans())
yaml_value = st.recursive(
    yaml_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "_target_", "class_path"]), inner, max_size=2),
    ),
    max_leaves=5,
)


@st.composite
def callback_nodes(draw, hydra: bool) -> Dict[str, Any]:
    name = draw(st.sampled_from(PY_CALLBACKS + ["my.module.Custom"]))
    path = (
        name
        if "." in name
        else draw(st.sampled_from([name, f"lightning.pytorch.callbacks.{name}", f"pytorch_lightning.callbacks.{name}"]))
    )
    args = draw(st.dictionaries(st.sampled_from(_keys_of([name])), yaml_value, max_size=4))
    if hydra:
        return dict({"_target_": path}, **args) if draw(st.booleans()) else args
    return {"class_path": path, "init_args": args} if draw(st.booleans()) else {"class_path": path, **args}


@st.composite
def yaml_configs(draw) -> str:
    hydra = draw(st.booleans())
    trainer: Dict[str, Any] = draw(st.dictionaries(st.sampled_from(TRAINER_KEYS), yaml_value, max_size=7))
    callbacks = draw(st.lists(callback_nodes(hydra), max_size=3))
    if callbacks and draw(st.booleans()):
        callbacks.append(callbacks[0])  # the same node twice: the dump writes an anchor and an alias
    doc: Dict[str, Any]
    if hydra:
        if draw(st.booleans()):
            trainer = dict({"_target_": "lightning.pytorch.trainer.Trainer"}, **trainer)
        doc = {"trainer": trainer}
        if callbacks:
            doc["callbacks"] = {f"cb{i}": c for i, c in enumerate(callbacks)}
        if draw(st.booleans()):
            doc = dict({"defaults": ["_self_", {"trainer": "default"}]}, **doc)
    else:
        if callbacks:
            trainer["callbacks"] = callbacks
        doc = {"trainer": trainer}
        for key in draw(
            st.lists(
                st.sampled_from(["model", "data", "ckpt_path", "optimizer", "seed_everything"]), max_size=2, unique=True
            )
        ):
            doc[key] = draw(yaml_value)
        if draw(st.booleans()):
            doc = {
                draw(st.sampled_from(["fit", "test"])): doc,
                **({"trainer": {"max_epochs": 1}} if draw(st.booleans()) else {}),
            }
    text = yaml.safe_dump(
        doc,
        default_flow_style=draw(st.sampled_from([False, None, True])),
        sort_keys=False,
        allow_unicode=draw(st.booleans()),
    )
    header = draw(st.sampled_from(["", "# @package _global_\n", "# lightning-lint: file-ignore[LL3]\n"]))
    return header + text


# -- mangling ---------------------------------------------------------------------------------

JUNK = [
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    "'",
    '"',
    '"""',
    "\t",
    "\r",
    "\r\n",
    "\n",
    "  ",
    "#",
    "\\",
    "=",
    "*",
    "&a",
    "*a",
    "!",
    "!!python/object:os.getcwd",
    "|",
    ">",
    "- ",
    "---\n",
    "\x00",
    "\ufeff",
    "\u00e9",
    "\u2028",
    "\x85",
    "\x0c",
    "\x07",
    "${",
    "...",
    "lambda",
    ":=",
    "@",
    "0x",
    "1e",
    "\ud800",
    "# noqa: LL302",
    "# noqa:",
    "  # lightning-lint: ignore[",
    "<<: *a",
    "? ",
    "%YAML 1.1\n",
]


@st.composite
def mangled(draw, texts: st.SearchStrategy[str]) -> bytes:
    text = draw(texts)
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        operation = draw(st.sampled_from(["insert", "insert", "delete", "duplicate", "truncate"]))
        if operation == "insert":
            text = text[:position] + draw(st.one_of(st.sampled_from(JUNK), st.text(max_size=4))) + text[position:]
        elif operation == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 12)) :]
        elif operation == "duplicate":
            end = min(len(text), position + draw(st.integers(1, 40)))
            text = text[:end] + text[position:end] + text[end:]
        else:
            text = text[:position]
    data = text.encode("utf-8", errors="surrogatepass")
    encoding = draw(st.sampled_from(["plain", "plain", "plain", "bom", "crlf", "cr"]))
    if encoding == "bom":
        data = b"\xef\xbb\xbf" + data
    elif encoding == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif encoding == "cr":
        data = data.replace(b"\n", b"\r")
    return data


# -- the properties ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    files = {
        "pyproject.toml": "[project]\nname = 'fuzz'\n",
        "configs/train.yaml": "defaults:\n  - _self_\n  - trainer: default\n  - callbacks: default\nseed: 1\n",
        "configs/trainer/default.yaml": "_target_: lightning.pytorch.trainer.Trainer\nmax_epochs: 10\n",
        "configs/callbacks/default.yaml": "model_checkpoint:\n  _target_: lightning.pytorch.callbacks.ModelCheckpoint\n"
        "  monitor: val/loss\n",
        "model.py": "import lightning as L\nclass M(L.LightningModule):\n    def training_step(self, b, i):\n"
        "        self.log('val_loss', 1.0)\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def linter_for(root: Path) -> Linter:
    return Linter(SettingsResolver(root, Overrides(select=("ALL",))))


def _inside(source: SourceFile, span: Span) -> bool:
    lines = source.line_count
    if not (1 <= span.start_line <= lines and 1 <= span.end_line <= lines):
        return False
    if (span.end_line, span.end_col) < (span.start_line, span.start_col):
        return False
    return (
        1 <= span.start_col <= len(source.line(span.start_line)) + 1
        and 1 <= span.end_col <= len(source.line(span.end_line)) + 1
    )


def _summary(result) -> List[tuple]:
    return [(d.code, d.span, d.message, d.related, d.fix) for d in result.diagnostics]


def check_properties(root: Path, name: str, data: bytes) -> None:
    path = root / name
    result = linter_for(root).lint_text(data, path, display=name)
    failures = [d.message for d in result.diagnostics if d.code == "LL905"]
    assert not failures, failures
    source = result.source
    for d in result.diagnostics:
        if d.path != name:
            continue  # a finding in another file of a Hydra composition
        if source is None:
            assert d.code == "LL901" and d.span == Span(1, 1, 1, 2), d
            continue
        assert _inside(source, d.span), (d.code, d.span, source.line_count)
        for loc in d.related:
            if loc.path == name:
                assert _inside(source, loc.span), (d.code, loc)
        if d.fix is not None:
            for edit in d.fix.edits:
                assert _inside(source, edit.span), (d.code, edit)
    # deterministic: a fresh linter says exactly the same
    assert _summary(linter_for(root).lint_text(data, path, display=name)) == _summary(result)
    if source is None or not any(d.fix for d in result.diagnostics):
        return
    linter = linter_for(root)
    outcome = fixer.fix_source(linter, source, path, unsafe=True)
    assert not outcome.problems, outcome.problems
    if fixer.parses(source.text, source.kind) is None:
        assert fixer.parses(outcome.text, source.kind) is None
    if outcome.changed:
        again = SourceFile(
            name,
            outcome.text,
            source.kind,
            encoding=source.encoding,
            bom=source.bom,
            raw=fixer.encode(source, outcome.text),
        )
        assert fixer.fix_source(linter, again, path, unsafe=True).text == outcome.text  # a second --fix: no-op


@PROFILE
@given(program=python_programs())
def test_fuzz_python_trainer_calls(project, program):
    check_properties(project, "train.py", program.encode("utf-8", errors="surrogatepass"))


@PROFILE
@given(data=mangled(python_programs()))
def test_fuzz_mangled_python(project, data):
    check_properties(project, "train.py", data)


@PROFILE
@given(
    config=yaml_configs(), name=st.sampled_from(["fit.yaml", "configs/trainer/gpu.yaml", "configs/experiment/exp.yaml"])
)
def test_fuzz_yaml_configs(project, config, name):
    check_properties(project, name, config.encode("utf-8", errors="surrogatepass"))


@PROFILE
@given(data=mangled(yaml_configs()), name=st.sampled_from(["fit.yaml", "configs/trainer/gpu.yaml"]))
def test_fuzz_mangled_yaml(project, data, name):
    check_properties(project, name, data)
