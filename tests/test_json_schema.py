"""`lightning-lint schema`: the JSON Schema for LightningCLI configs.

The schema is checked against the metaschema, against real configs (the bundled example and
what a real LightningCLI prints with --print_config), and value by value against what
jsonargparse (LightningCLI's parser) accepts."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import warnings
from typing import Any, Dict

import pytest
import yaml
from packaging.version import Version

from conftest import REPO, write_files
from lightning_lint.model import lightning_api as data
from lightning_lint.report.json_schema import build_schema, callback_class_paths

jsonschema = pytest.importorskip("jsonschema")
from jsonschema.exceptions import best_match  # noqa: E402

NEWEST = Version(data.NEWEST_KNOWN)


@pytest.fixture(scope="module")
def schema() -> Dict[str, Any]:
    return build_schema(NEWEST)


@pytest.fixture(scope="module")
def validator(schema):
    return jsonschema.Draft7Validator(schema)


def errors(validator, document) -> list:
    return [best_match([e]).message for e in validator.iter_errors(document)]


# -- reading YAML as jsonargparse does (YAML 1.1) and as an editor does (YAML 1.2) ----------


def load_like_jsonargparse(text: str) -> Any:
    jsonargparse = pytest.importorskip("jsonargparse")
    return jsonargparse.get_loader("yaml")(text)


class _Yaml12Loader(yaml.SafeLoader):
    """PyYAML with YAML 1.2's core schema, as yaml-language-server reads files by default:
    `yes`, `on` and `100_000` are strings, `1e4` is a number."""


_Yaml12Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
        r"|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
):
    _Yaml12Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first))


def load_like_an_editor(text: str) -> Any:
    return yaml.load(text, Loader=_Yaml12Loader)


# -- the schema itself -------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2.6.6", "2.0.0", "1.9.5", "1.4.9"])
@pytest.mark.parametrize("subcommands", [False, True])
def test_the_schema_is_valid_draft_07(version, subcommands):
    schema = build_schema(Version(version), subcommands=subcommands)
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    json.dumps(schema)  # plain JSON


def test_every_trainer_parameter_of_the_installed_lightning_is_described(schema):
    lightning = pytest.importorskip("lightning.pytorch")
    import inspect

    real = [
        n
        for n, p in inspect.signature(lightning.Trainer.__init__).parameters.items()
        if n != "self" and p.kind is p.KEYWORD_ONLY
    ]
    properties = schema["definitions"]["trainer"]["properties"]
    assert real and set(real) <= set(properties)
    for name in real:
        assert properties[name]["description"], name
        assert "default" in properties[name], name


def test_trainer_parameters_have_types_defaults_and_choices(schema):
    trainer = schema["definitions"]["trainer"]["properties"]
    assert trainer["max_steps"]["default"] == -1
    assert trainer["precision"]["default"] is None
    assert {"bf16-mixed", 16, "16"} <= set(_enum_values(trainer["precision"]))
    assert set(_enum_values(trainer["gradient_clip_algorithm"])) == {"norm", "value"}
    assert {"auto", "cpu", "gpu"} <= set(_enum_values(trainer["accelerator"]))  # offered for completion
    callbacks = schema["definitions"]["init_args.ModelCheckpoint"]["properties"]
    assert callbacks["save_top_k"]["default"] == 1 and set(_enum_values(callbacks["mode"])) == {"min", "max"}


def _enum_values(schema) -> list:
    found = list(schema.get("enum", []))
    for branch in schema.get("anyOf", []):
        found += _enum_values(branch)
    return found


# -- real configs -----------------------------------------------------------------------------


def test_the_example_config_is_accepted_as_jsonargparse_and_an_editor_read_it(validator):
    text = (REPO / "examples" / "configs" / "fit.yaml").read_text()
    assert errors(validator, load_like_jsonargparse(text)) == []
    assert errors(validator, load_like_an_editor(text)) == []


def test_yaml_1_1_spellings_are_accepted_as_an_editor_reads_them(validator):
    text = (
        "trainer:\n  enable_progress_bar: yes\n  max_steps: 100_000\n  gradient_clip_val: 1e-3\n"
        "  deterministic: warn\n  devices: [0, 1]\n"
    )
    assert isinstance(load_like_an_editor(text)["trainer"]["enable_progress_bar"], str)
    assert errors(validator, load_like_an_editor(text)) == []
    assert errors(validator, load_like_jsonargparse(text)) == []


@pytest.mark.parametrize(
    "text,expected",
    [
        ("trainer:\n  max_epoch: 3\n", "'max_epoch' was unexpected"),
        ("trainer:\n  max_epochs: three\n", "three"),
        ("trainer:\n  gpus: 2\n", "'gpus' was unexpected"),
        ("trainer:\n  precision: 8\n", "8"),
        ("trainer:\n  enable_checkpointing: 1\n", "1"),
        ("trainer:\n  profiler: bogus\n", "bogus"),
        (
            "trainer:\n  callbacks:\n    - class_path: ModelCheckpoint\n      init_args:\n        monitr: val_loss\n",
            "'monitr' was unexpected",
        ),
        (
            "trainer:\n  callbacks:\n    - class_path: lightning.pytorch.callbacks.ModelCheckpoint\n      monitor: val_loss\n",
            "'monitor' was unexpected",
        ),
        ("trainer:\n  callbacks:\n    - class_path: EarlyStopping\n", "'init_args' is a required property"),
        (
            "trainer:\n  callbacks:\n    - class_path: EarlyStopping\n      init_args: {patience: 3}\n",
            "'monitor' is a required property",
        ),
        ("trainer:\n  callbacks:\n    - class_path: ModelCheckpoint\n      init_args: {mode: maximum}\n", "maximum"),
    ],
)
def test_mistakes_are_rejected(validator, text, expected):
    found = errors(validator, load_like_jsonargparse(text))
    assert found and any(expected in message for message in found), found


def test_callback_class_paths_cover_the_import_paths():
    paths = callback_class_paths("TQDMProgressBar")
    assert {
        "TQDMProgressBar",
        "lightning.pytorch.callbacks.TQDMProgressBar",
        "lightning.pytorch.callbacks.progress.TQDMProgressBar",
        "lightning.pytorch.callbacks.progress.tqdm_progress.TQDMProgressBar",
        "pytorch_lightning.callbacks.TQDMProgressBar",
    } <= set(paths)
    pytest.importorskip("lightning")
    import importlib

    from lightning.pytorch import callbacks as pl_callbacks

    for name in data.CALLBACKS:
        for path in callback_class_paths(name):
            if path.startswith("lightning."):
                module, _, attr = path.rpartition(".")
                assert getattr(importlib.import_module(module), attr) is getattr(pl_callbacks, name), path


# Every Lightning callback, with the arguments each requires; LightningCLI prints them with all
# their init_args, so the printed config shows every argument's real default.
ALL_CALLBACKS = """\
seed_everything: 7
trainer:
  max_epochs: 2
  logger:
    class_path: lightning.pytorch.loggers.CSVLogger
    init_args: {save_dir: logs}
  profiler: simple
  callbacks:
    - ModelCheckpoint
    - class_path: EarlyStopping
      init_args: {monitor: val_loss}
    - LearningRateMonitor
    - class_path: Timer
      init_args: {interval: step}  # the enum default cannot be printed (jsonargparse)
    - class_path: StochasticWeightAveraging
      init_args: {swa_lrs: 0.01}
    - class_path: GradientAccumulationScheduler
      init_args: {scheduling: {0: 2}}
    - TQDMProgressBar
    - ProgressBar
    - RichProgressBar
    - ModelSummary
    - RichModelSummary
    - DeviceStatsMonitor
    - BatchSizeFinder
    - LearningRateFinder
    - class_path: OnExceptionCheckpoint
      init_args: {dirpath: checkpoints}
    - BasePredictionWriter
    - class_path: ModelPruning
      init_args: {pruning_fn: l1_unstructured}
    - BackboneFinetuning
    - LambdaCallback
    - class_path: ThroughputMonitor
      init_args: {batch_size_fn: builtins.len}
    - WeightAveraging
    - EMAWeightAveraging
    - SpikeDetection
optimizer:
  class_path: torch.optim.Adam
  init_args: {lr: 0.01}
lr_scheduler:
  class_path: torch.optim.lr_scheduler.StepLR
  init_args: {step_size: 1}
"""


def print_config(args) -> str:
    """What `python main.py <args> --print_config` prints, run in-process."""
    pytest.importorskip("lightning")
    from lightning.pytorch.cli import LightningCLI

    from tiny import TinyModel

    out = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(out):
        warnings.simplefilter("ignore")
        try:
            LightningCLI(TinyModel, args=[*args, "--print_config"], save_config_callback=None)
        except SystemExit as exc:
            assert exc.code in (0, None), out.getvalue()
    return out.getvalue()


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    (root / "all.yaml").write_text(ALL_CALLBACKS)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return {
            "fit": print_config(["fit", "--config", "all.yaml"]),
            "validate": print_config(["validate"]),
            "test": print_config(["test", "--trainer.callbacks+=ModelCheckpoint", "--ckpt_path=best"]),
            "predict": print_config(["predict"]),
        }
    finally:
        os.chdir(cwd)


@pytest.mark.lightning
def test_the_config_printed_by_lightning_cli_is_accepted(validator, printed):
    fit = load_like_jsonargparse(printed["fit"])
    assert len(fit["trainer"]["callbacks"]) == len(data.CALLBACKS)  # every callback, with all its init_args
    assert errors(validator, fit) == []
    for subcommand in ("validate", "test", "predict"):
        assert errors(validator, load_like_jsonargparse(printed[subcommand])) == [], subcommand


@pytest.mark.lightning
def test_printed_keys_are_all_described(schema, printed):
    """Every key LightningCLI prints, at the top and in trainer:, is a property of the schema
    (the top level is open, so this is not implied by the validation above)."""
    top = schema["properties"]
    for subcommand, text in printed.items():
        config = load_like_jsonargparse(text)
        assert set(config) <= set(top), (subcommand, set(config) - set(top))
        assert set(config["trainer"]) == set(schema["definitions"]["trainer"]["properties"])


@pytest.mark.lightning
def test_the_subcommand_schema_accepts_nested_configs(printed):
    nested_schema = build_schema(NEWEST, subcommands=True)
    validator = jsonschema.Draft7Validator(nested_schema)
    nested = {sub: load_like_jsonargparse(text) for sub, text in printed.items()}
    assert errors(validator, nested) == []
    for sub, config in nested.items():
        assert set(config) <= set(nested_schema["definitions"][sub]["properties"]), sub
    assert errors(validator, {"trainer": {"max_epochs": 3}})  # top-level keys belong under fit: etc.
    assert errors(validator, {"fit": {"trainer": {"max_epoch": 3}}})


def test_versions_change_the_argument_names():
    old = build_schema(Version("1.9.5"))["definitions"]["trainer"]["properties"]
    new = build_schema(NEWEST)["definitions"]["trainer"]["properties"]
    assert "gpus" in old and "barebones" not in old and "Deprecated since 1.7.0" in old["gpus"]["description"]
    assert "gpus" not in new and "barebones" in new
    assert "type" not in json.dumps(old["max_epochs"])  # 1.x annotations are not known: names only
    validator = jsonschema.Draft7Validator(build_schema(Version("1.9.5")))
    assert errors(validator, {"trainer": {"gpus": 2, "accumulate_grad_batches": {0: 2}}}) == []
    assert errors(validator, {"trainer": {"gpu": 2}})


# -- value by value against jsonargparse ------------------------------------------------------

# Values of every kind, including the strings jsonargparse converts (YAML 1.1 spellings).
PROBES = [
    0,
    1,
    -1,
    0.5,
    "x",
    "auto",
    "SimpleProfiler",
    True,
    False,
    None,
    "yes",
    " 2 ",
    "1_000",
    "1e-3",
    "1:00:00",
    [0, 1],
    ["x"],
    {"hours": 1},
    {"x": 1},
]
CALLBACK_REQUIRED = {
    "EarlyStopping": {"monitor": "x"},
    "StochasticWeightAveraging": {"swa_lrs": 0.1},
    "OnExceptionCheckpoint": {"dirpath": "x"},
    "ModelPruning": {"pruning_fn": "l1_unstructured"},
    "GradientAccumulationScheduler": {"scheduling": {0: 1}},
    "ThroughputMonitor": {"batch_size_fn": "builtins.len"},
}


@pytest.fixture(scope="module")
def parser():
    pytest.importorskip("lightning")
    from lightning.pytorch import Trainer
    from lightning.pytorch.cli import LightningArgumentParser

    parser = LightningArgumentParser(exit_on_error=False)
    parser.add_lightning_class_args(Trainer, "trainer")
    return parser


def _jsonargparse(parser, config):
    """The parsed config, or None when jsonargparse rejects it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return parser.parse_object(config)
        except Exception:  # noqa: BLE001 - jsonargparse's ArgumentError, or whatever a type check raises
            return None


def _lightning_raises(parser, parsed, tmp_path) -> bool:
    """Building the callbacks and the Trainer from the parsed config fails, as LightningCLI
    builds them (jsonargparse instantiates the classes inside; the CLI calls Trainer(**config))."""
    from lightning.pytorch import Trainer

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Trainer(**parser.instantiate_classes(parsed).trainer)
    except Exception:  # noqa: BLE001 - whatever the Trainer raises, the config is rejected
        return True
    finally:
        os.chdir(cwd)
    return False


def _names_a_class(annotation: str) -> bool:
    """The annotation admits an import path (a class or a function), which the schema cannot
    check exists."""
    plain = {
        "Union",
        "None",
        "int",
        "float",
        "str",
        "bool",
        "Path",
        "Literal",
        "list",
        "tuple",
        "Sequence",
        "Iterable",
        "dict",
        "Any",
        "timedelta",
        "device",
    } | set(data.DATACLASS_TYPES)
    stack = [data.parse_type(annotation)]
    while stack:
        expr = stack.pop()
        if expr.name not in plain:
            return True
        stack.extend(a for a in expr.args if isinstance(a, data.TypeExpr))
    return False


def _disagreements(parser, validator, tmp_path, cases):
    """(label, value, why) for each value the schema and jsonargparse + Lightning judge differently.

    The schema may reject what jsonargparse accepts only when Lightning then fails to build the
    Trainer, or for a null the annotation does not admit; it may accept what jsonargparse rejects
    only for an import path (it cannot know which modules exist)."""
    found = []
    for label, annotation, config_of, value in cases:
        config = config_of(value)
        schema_ok = not list(validator.iter_errors(config))
        parsed = _jsonargparse(parser, config)
        if schema_ok and parsed is None and not (isinstance(value, str) and _names_a_class(annotation)):
            found.append((label, value, "schema accepts, jsonargparse rejects"))
        if not schema_ok and parsed is not None:
            if value is None and "None" not in annotation:
                continue  # jsonargparse lets null through for any argument; the annotation does not
            if not _lightning_raises(parser, parsed, tmp_path):
                found.append((label, value, "schema rejects, jsonargparse and Lightning accept"))
    return found


def _probes(param) -> list:
    return PROBES + [c for c in param.choices if c not in PROBES]


@pytest.mark.lightning
def test_trainer_values_agree_with_jsonargparse(parser, validator, tmp_path):
    cases = [
        (f"trainer.{name}", data.TRAINER_TYPES[name], lambda v, n=name: {"trainer": {n: v}}, value)
        for name, param in data.TRAINER_PARAMS.items()
        for value in _probes(param)
    ]
    assert _disagreements(parser, validator, tmp_path, cases) == []


@pytest.mark.lightning
@pytest.mark.parametrize("callback", sorted(n for n, info in data.CALLBACKS.items() if info.params))
def test_callback_values_agree_with_jsonargparse(parser, validator, tmp_path, callback):
    required = CALLBACK_REQUIRED.get(callback, {})

    def config_of(value, name):
        return {"trainer": {"callbacks": [{"class_path": callback, "init_args": {**required, name: value}}]}}

    cases = [
        (f"{callback}.{name}", data.CALLBACK_TYPES[callback][name], lambda v, n=name: config_of(v, n), value)
        for name, param in data.CALLBACKS[callback].params.items()
        for value in _probes(param)
    ]
    assert _disagreements(parser, validator, tmp_path, cases) == []


# -- the command --------------------------------------------------------------------------------


def run(*args, cwd):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "lightning_lint", "schema", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_the_command_writes_the_schema(tmp_path):
    result = run(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == build_schema(NEWEST)
    written = run("-o", "schema.json", "--subcommands", cwd=tmp_path)
    assert written.returncode == 0 and written.stdout == ""
    assert json.loads((tmp_path / "schema.json").read_text()) == build_schema(NEWEST, subcommands=True)


def test_the_command_uses_the_projects_lightning_pin(tmp_path):
    write_files(tmp_path, {"requirements.txt": "pytorch-lightning==1.9.5\n"})
    result = run(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "gpus" in json.loads(result.stdout)["definitions"]["trainer"]["properties"]
    pinned = run("--target-version", "2.6", cwd=tmp_path)
    assert "gpus" not in json.loads(pinned.stdout)["definitions"]["trainer"]["properties"]


def test_the_command_exit_codes(tmp_path):
    bad_version = run("--target-version", "banana", cwd=tmp_path)
    assert bad_version.returncode == 2 and "banana" in bad_version.stderr and "Traceback" not in bad_version.stderr
    unwritable = run("-o", str(tmp_path / "missing" / "schema.json"), cwd=tmp_path)
    assert unwritable.returncode == 2 and "cannot write" in unwritable.stderr
    newer = run("--target-version", "9.0", cwd=tmp_path)
    assert newer.returncode == 0 and "newer than" in newer.stderr
    assert json.loads(newer.stdout) == build_schema(NEWEST)
    write_files(tmp_path, {"pyproject.toml": "[tool.lightning-lint]\nselect = 3\n"})
    broken = run(cwd=tmp_path)
    assert broken.returncode == 2 and "Traceback" not in broken.stderr and broken.stdout == ""


def test_the_command_imports_neither_torch_nor_lightning(tmp_path):
    code = (
        "import sys\nfrom lightning_lint.commands.cli import main\n"
        "rc = main(['schema', '-o', 'schema.json'])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'lightning', 'pytorch_lightning', "
        "'jsonargparse', 'jsonschema'))\n"
        "print(rc, heavy)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120
    )
    assert result.stdout.strip() == "0 []", result.stdout + result.stderr
