"""``lightning-lint schema``: a JSON Schema (draft-07) for LightningCLI YAML configs.

yaml-language-server (VS Code's YAML extension, Neovim, Helix, ...) uses it for completion,
hover and validation: every Trainer argument with its type, default, description and allowed
values, and `callbacks` as class_path/init_args with the init_args of Lightning's own
callbacks. It is built from ``model/lightning_api.py`` (the annotations, defaults and choices that
tests compare with the installed Lightning), never by importing lightning.

What the schema accepts follows what jsonargparse (LightningCLI's parser) accepts, read
through PyYAML's YAML 1.1: ``enable_progress_bar: yes`` and ``max_steps: 100_000`` are valid
although a YAML 1.2 reader sees strings. It is stricter than jsonargparse only where Lightning
itself then raises (``profiler: bogus``, an unknown ``mode`` of ModelCheckpoint) or where
the annotation does not admit the value (``max_steps: null``). Values spelled ``1e4`` for an int
pass (JSON numbers have no spelling); rule LL308 catches them.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

from packaging.version import Version

from lightning_lint import __version__
from lightning_lint.model import lightning_api as data
from lightning_lint.model.lightning_api import Param, TypeExpr, parse_type

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
MODERN = Version("2.0.0")  # the annotations describe 2.x; for 1.x only the names are checked

# PyYAML (YAML 1.1) reads these plain scalars as booleans; a YAML 1.2 reader sees strings, and
# jsonargparse accepts them quoted too.
YAML11_BOOLEANS = [
    "yes",
    "Yes",
    "YES",
    "no",
    "No",
    "NO",
    "true",
    "True",
    "TRUE",
    "false",
    "False",
    "FALSE",
    "on",
    "On",
    "ON",
    "off",
    "Off",
    "OFF",
]
# Strings jsonargparse reads as an int or a float (PyYAML's int forms: 1_000, 0x1F, +5, 1:30;
# floats also as 1e-3). Surrounding spaces are stripped by the YAML reader.
_INT = r"[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|(?:0|[1-9][0-9_]*)|[1-9][0-9_]*(?::[0-5]?[0-9])+)"
_FLOAT = (
    r"[-+]?(?:[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[0-9][0-9_]*[eE][-+]?[0-9]+|\.[0-9_]+(?:[eE][-+][0-9]+)?"
    r"|[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|\.(?:inf|Inf|INF))|\.(?:nan|NaN|NAN)"
)
INT_STRING = f"^ *(?:{_INT}) *$"
NUMBER_STRING = f"^ *(?:{_INT}|{_FLOAT}) *$"
# jsonargparse's timedelta: "h:m:s" or "d days, h:m:s" (matched at the start).
TIMEDELTA_STRING = r"^(?:[-0-9]+ days*, )?[0-9]+:[0-9]+:[0-9]"
# A class named by its import path or bare name (jsonargparse resolves names it has seen):
# the last part capitalised, so that `profiler: bogus` is not taken for a class.
CLASS_NAME = r"^(?:[A-Za-z_][A-Za-z0-9_]*\.)*[A-Z][A-Za-z0-9_]*$"
# Where the CLI's classes live, for class_path values of Lightning's callbacks.
_ROOTS = ("lightning.pytorch", "pytorch_lightning")

_CLASS_REF = {"$ref": "#/definitions/class"}


# -- type annotations to JSON Schema --------------------------------------------------------


def _is_string_only(schema: Dict[str, Any]) -> bool:
    """A branch that only admits some strings (made redundant by an unrestricted string)."""
    if schema.get("type") == "string" and ("pattern" in schema or "enum" in schema):
        return True
    return "enum" in schema and "type" not in schema and all(isinstance(v, str) for v in schema["enum"])


def _combine(branches: List[Dict[str, Any]]) -> Dict[str, Any]:
    """One schema that admits what any branch admits, written compactly."""
    if any(b == {} for b in branches):
        return {}
    if {"type": "string"} in branches:
        branches = [b for b in branches if not _is_string_only(b)]
    if {"type": "number"} in branches:
        branches = [b for b in branches if b != {"type": "integer"}]
    types: List[str] = []
    enum: List[Any] = []
    others: List[Dict[str, Any]] = []
    for branch in branches:
        if set(branch) == {"type"} and isinstance(branch["type"], str):
            if branch["type"] not in types:
                types.append(branch["type"])
        elif set(branch) == {"enum"}:
            enum.extend(v for v in branch["enum"] if not any(v == e and type(v) is type(e) for e in enum))
        elif branch not in others:
            others.append(branch)
    merged: List[Dict[str, Any]] = []
    if types:
        merged.append({"type": types[0] if len(types) == 1 else types})
    if enum:
        merged.append({"enum": enum})
    merged.extend(others)
    return merged[0] if len(merged) == 1 else {"anyOf": merged}


def _branches(expr: TypeExpr) -> List[Dict[str, Any]]:
    """The JSON Schema alternatives for one annotation, as jsonargparse reads YAML values."""
    name = expr.name
    if name == "Union":
        return [b for arg in expr.args for b in _branches(arg)]
    if name == "None":
        return [{"type": "null"}]
    if name == "bool":
        return [{"type": "boolean"}, {"enum": YAML11_BOOLEANS}]
    if name == "int":
        return [{"type": "integer"}, _pattern(INT_STRING, "Expected an integer")]
    if name == "float":
        return [{"type": "number"}, _pattern(NUMBER_STRING, "Expected a number")]
    if name in ("str", "Path", "device"):  # a torch.device by its name
        return [{"type": "string"}]
    if name == "timedelta":
        return [_pattern(TIMEDELTA_STRING, 'Expected a duration "h:m:s" or "d days, h:m:s"')]
    if name == "Literal":
        return [{"enum": list(expr.args)}]
    if name in ("list", "tuple", "Sequence", "Iterable"):
        if len(expr.args) == 1:
            return [{"type": "array", "items": _combine(_branches(expr.args[0]))}]
        return [{"type": "array"}]
    if name == "dict":
        schema: Dict[str, Any] = {"type": "object"}
        if len(expr.args) == 2:
            if expr.args[0].name == "int":  # YAML keys 0: or "0":
                schema["propertyNames"] = _pattern(INT_STRING, "Expected an integer key")
            values = _combine(_branches(expr.args[1]))
            if values:
                schema["additionalProperties"] = values
        return [schema]
    if name == "Any":
        return [{}]
    if name == "Callable":
        return [{"type": "string"}, {"$ref": "#/definitions/class_spec"}]  # a function's import path, or a class
    if name in data.DATACLASS_TYPES:
        # the field names only: jsonargparse prints null for a field whose class (rich's Style)
        # is not installed
        fields = {f: {"description": f"{name}.{f}: {t}"} for f, t in data.DATACLASS_TYPES[name].items()}
        return [
            {"type": "object", "description": f"Fields of {name}.", "properties": fields, "additionalProperties": False}
        ]
    if name == "Callback":
        return [{"$ref": "#/definitions/callback"}]
    return [_CLASS_REF]  # Accelerator, Strategy, Logger, Profiler, plugins: any subclass


def _pattern(pattern: str, message: str) -> Dict[str, Any]:
    # patternErrorMessage: yaml-language-server shows it instead of the regular expression
    return {"type": "string", "pattern": pattern, "patternErrorMessage": message}


def _value_schema(
    annotation: str, choices: Iterable[Any] = (), ignore_case: bool = False, suggestions: Iterable[str] = ()
) -> Dict[str, Any]:
    """The schema of one parameter's value: its annotation, narrowed to ``choices`` (checked
    by Lightning at run time), with open ``suggestions`` offered for completion."""
    branches = _branches(parse_type(annotation))
    choices = list(choices)
    strings = [c for c in choices if isinstance(c, str)]
    ints = [c for c in choices if isinstance(c, int) and not isinstance(c, bool)]
    if strings and {"type": "string"} in branches:
        position = branches.index({"type": "string"})
        narrowed = [{"enum": strings}]
        if ignore_case:
            narrowed.append(
                _pattern(
                    "^(?:" + "|".join(_any_case(s) for s in strings) + ")$",
                    "Expected one of " + ", ".join(strings) + " (any case)",
                )
            )
        # a class-typed alternative still admits class names: `profiler: SimpleProfiler`
        branches[position : position + 1] = narrowed
    if ints and {"type": "integer"} in branches:
        branches[branches.index({"type": "integer"})] = {"enum": ints}
    schema = _combine(branches)
    suggestions = sorted(suggestions)
    if suggestions:  # listed first so that editors offer them; any other string stays valid
        schema = {"anyOf": [{"enum": suggestions}, *schema.get("anyOf", [schema])]}
    return schema


def _any_case(text: str) -> str:
    """A regular expression (ECMA-262, no flags) matching ``text`` in any case."""
    return "".join(
        f"[{c.lower()}{c.upper()}]" if c.isalpha() else ("\\" + c if c in "\\^$.|?*+()[]{}" else c) for c in text
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_json_default(v) for v in value]
    return value


def _describe(schema: Dict[str, Any], param: Param, with_default: bool) -> Dict[str, Any]:
    described = {"description": param.doc}
    if with_default and not param.required:
        described["default"] = _json_default(param.default)
    described.update(schema)
    return described


# -- the parts of a config ------------------------------------------------------------------


def _trainer_schema(version: Version) -> Dict[str, Any]:
    modern = version >= MODERN
    accepted = data.trainer_args_accepted(version)
    properties: Dict[str, Any] = {}
    for param in data.TRAINER_PARAM_LIST:
        if param.name not in accepted:
            continue
        if not modern:
            properties[param.name] = {"description": param.doc}
            continue
        choices: Iterable[Any] = param.choices
        suggestions: Iterable[str] = ()
        if param.name == "precision":
            choices = data.precisions_for(version)
        elif param.name == "accelerator":
            choices, suggestions = (), data.accelerators_for(version)
        elif param.name == "strategy":
            choices, suggestions = (), data.strategies_for(version) or ()
        schema = _value_schema(
            data.TRAINER_TYPES[param.name],
            _ordered(choices, param.choices),
            ignore_case=f"Trainer.{param.name}" in data.CHOICES_IGNORE_CASE,
            suggestions=suggestions,
        )
        properties[param.name] = _describe(schema, param, with_default=True)
    for removed in data.REMOVED_TRAINER_ARGS.values():
        if removed.name in accepted:  # still accepted by the target release
            note = f"Removed in Lightning {removed.removed_in}: use {removed.replacement}."
            if removed.deprecated_in and Version(removed.deprecated_in) <= version:
                note = f"Deprecated since {removed.deprecated_in}. " + note
            properties[removed.name] = {"description": note}
    return {
        "type": "object",
        "description": f"Arguments of lightning.pytorch.Trainer (Lightning {version}).",
        "properties": properties,
        "additionalProperties": False,
    }


def _ordered(values: Iterable[Any], preferred: Iterable[Any]) -> List[Any]:
    """``values`` in the data's order where it lists them (stable output), the rest sorted."""
    values = list(values)
    first = [v for v in preferred if any(v == x and type(v) is type(x) for x in values)]
    rest = [v for v in values if not any(v == x and type(v) is type(x) for x in first)]
    return first + sorted(rest, key=lambda v: (type(v).__name__, str(v)))


def callback_class_paths(name: str) -> List[str]:
    """Every spelling of a Lightning callback's class_path: the bare name LightningCLI
    resolves, and its import paths under lightning.pytorch and pytorch_lightning."""
    module = data.CALLBACKS[name].module.split(".")
    paths = [name]
    for root in _ROOTS:
        for depth in range(len(module) + 1):
            paths.append(".".join([root, "callbacks", *module[:depth], name]))
    return paths


def _init_args_schema(name: str, version: Version) -> Dict[str, Any]:
    info = data.CALLBACKS[name]
    accepted = data.callback_args_accepted(name, version)
    modern = version >= MODERN
    properties: Dict[str, Any] = {}
    for param in info.params.values():
        if param.name not in accepted:
            continue
        if not modern:
            properties[param.name] = {"description": param.doc}
            continue
        schema = _value_schema(
            data.CALLBACK_TYPES[name][param.name],
            param.choices,
            ignore_case=f"{name}.{param.name}" in data.CHOICES_IGNORE_CASE,
        )
        properties[param.name] = _describe(schema, param, with_default=True)
    for removed in info.removed_params.values():
        if removed.name in accepted:
            properties[removed.name] = {
                "description": f"Removed in Lightning {removed.removed_in}: use {removed.replacement}."
            }
    # With **kwargs, jsonargparse may accept more: it follows them into the callee's signature
    # (ThroughputMonitor's window_size), and LambdaCallback's hooks are not listed.
    schema = {
        "type": "object",
        "description": f"Arguments of {name}.",
        "properties": properties,
        "additionalProperties": info.var_kwargs,
    }
    required = [p.name for p in info.params.values() if p.required and p.name in accepted]
    if required:
        schema["required"] = required
    return schema


def _callback_schema(version: Version) -> Dict[str, Any]:
    """A callback: a class name, or class_path/init_args, with the init_args of Lightning's
    own callbacks checked (``if class_path is ModelCheckpoint then init_args ...``)."""
    rules: List[Dict[str, Any]] = []
    known: List[str] = []
    for name, info in data.CALLBACKS.items():
        if Version(info.added_in) > version:
            continue
        paths = callback_class_paths(name)
        known.append(paths[1])
        then: Dict[str, Any] = {"properties": {"init_args": {"$ref": f"#/definitions/init_args.{name}"}}}
        if not info.var_kwargs:
            then["properties"]["dict_kwargs"] = {
                "type": "object",
                "maxProperties": 0,
                "description": f"{name} takes no **kwargs.",
            }
        if any(p.required for p in info.params.values()):
            then["required"] = ["init_args"]
        rules.append({"if": {"properties": {"class_path": {"enum": paths}}, "required": ["class_path"]}, "then": then})
    spec = {
        "allOf": [{"$ref": "#/definitions/class_spec"}, *rules],
        "properties": {
            "class_path": {
                "anyOf": [{"enum": known}, {"type": "string"}],
                "description": "The callback class: an import path, or the name of a Lightning callback.",
            }
        },
    }
    return _string_or(spec)


def _string_or(spec: Dict[str, Any]) -> Dict[str, Any]:
    """A class name (a string) or a mapping; if/then/else instead of anyOf so that an editor
    reports the mapping's own error ("'monitor' was unexpected"), not "no alternative matched"."""
    return {"if": {"type": "string"}, "then": {"$ref": "#/definitions/class_name"}, "else": spec}


def _class_definitions() -> Dict[str, Any]:
    keys = {
        "class_path": {
            "type": "string",
            "description": "The class to instantiate: an import path such as "
            "lightning.pytorch.callbacks.ModelCheckpoint, or a class "
            "name LightningCLI knows.",
        },
        "init_args": {"type": "object", "description": "Arguments of the class's __init__."},
        "dict_kwargs": {"type": "object", "description": "Arguments passed through the class's **kwargs."},
    }
    return {
        "class_name": {
            "type": "string",
            "pattern": CLASS_NAME,
            "patternErrorMessage": "Expected a class name",
            "description": "A class name or import path, instantiated without arguments.",
        },
        "class_spec": {
            "type": "object",
            "description": "A class to instantiate: class_path and init_args (init_args alone when an earlier "
            "config gave the class_path).",
            "properties": keys,
            "additionalProperties": False,  # init args written next to class_path instead of under init_args
            "anyOf": [{"required": ["class_path"]}, {"required": ["init_args"]}],
        },
        "class": _string_or({"$ref": "#/definitions/class_spec"}),
    }


def _component(what: str) -> Dict[str, Any]:
    """``model:`` / ``data:``: the class's own arguments, or class_path/init_args in subclass mode."""
    return {
        "description": f"The {what}: its __init__ arguments, or class_path and init_args when LightningCLI runs "
        f"in subclass mode.",
        "anyOf": [
            {
                "type": "object",
                "properties": {
                    "class_path": {"type": "string", "description": f"The {what} class (subclass mode)."},
                    "init_args": {"type": "object", "description": f"Arguments of the {what} class."},
                    "dict_kwargs": {"type": "object", "description": "Arguments passed through **kwargs."},
                },
            },
            {"type": "string", "description": f"The {what} class's import path (subclass mode)."},
            {"type": "null"},
        ],
    }


def _config_properties(version: Version, subcommand: Optional[str]) -> Dict[str, Any]:
    modern = version >= MODERN
    seed = data.CLI_SEED_EVERYTHING
    properties: Dict[str, Any] = {
        "seed_everything": _describe(_value_schema(data.CLI_SEED_EVERYTHING_TYPE) if modern else {}, seed, modern),
        "trainer": {"$ref": "#/definitions/trainer"},
        "model": _component("LightningModule"),
        "data": _component("LightningDataModule"),
        "optimizer": {
            "description": "The optimizer LightningCLI adds (class_path torch.optim.Adam and its "
            "init_args, or a class name).",
            "anyOf": [_CLASS_REF, {"type": "null"}],
        },
        "lr_scheduler": {
            "description": "The learning-rate scheduler LightningCLI adds (class_path and init_args, or a class name).",
            "anyOf": [_CLASS_REF, {"type": "null"}],
        },
    }
    subcommands = [subcommand] if subcommand else list(data.SUBCOMMAND_PARAMS)
    for sub in subcommands:
        for param in data.SUBCOMMAND_PARAMS[sub]:
            if param.name in properties or Version(param.added_in) > version:
                continue
            users = [s for s in subcommands if any(p.name == param.name for p in data.SUBCOMMAND_PARAMS[s])]
            doc = (
                param.doc
                if subcommand or len(users) == len(data.SUBCOMMAND_PARAMS)
                else f"{param.doc} ({', '.join(users)} only)"
            )
            schema = _value_schema(data.SUBCOMMAND_TYPES[param.name]) if modern else {}
            properties[param.name] = _describe(schema, Param(param.name, param.default, param.kinds, doc), modern)
    return properties


def build_schema(version: Version, subcommands: bool = False) -> Dict[str, Any]:
    """The JSON Schema of a LightningCLI config for a Lightning release.

    Without ``subcommands`` it describes the file given after the subcommand
    (``python main.py fit --config c.yaml``); with it, the file given before
    (``python main.py --config c.yaml fit``), keyed by fit/validate/test/predict. The top level
    stays open: ``add_arguments_to_parser`` can add keys there."""
    definitions: Dict[str, Any] = {"trainer": _trainer_schema(version)}
    definitions.update(_class_definitions())
    definitions["callback"] = _callback_schema(version)
    for name, info in data.CALLBACKS.items():
        if Version(info.added_in) <= version:
            definitions[f"init_args.{name}"] = _init_args_schema(name, version)
    root: Dict[str, Any] = {
        "$schema": DRAFT_07,
        "title": f"LightningCLI config (Lightning {version})",
        "description": f"Generated by lightning-lint {__version__} from its Lightning data for Lightning {version}.",
    }
    if subcommands:
        for sub in data.SUBCOMMAND_PARAMS:
            definitions[sub] = {
                "type": "object",
                "description": f"The config of `{sub}`.",
                "properties": _config_properties(version, sub),
            }
        root.update(
            {
                "type": "object",
                "properties": {sub: {"$ref": f"#/definitions/{sub}"} for sub in data.SUBCOMMAND_PARAMS},
                "additionalProperties": False,
            }
        )
    else:
        root.update({"type": "object", "properties": _config_properties(version, None)})
    root["definitions"] = definitions
    return root
