"""``lightning-lint config [PATH] --show``: the settings that apply to a path, and why.

Shows which configuration file was chosen (closest wins, as in ruff), every resolved
setting, the rules enabled for the path after ``select``/``ignore``/``per-file-ignores``,
and the Lightning version the rules check against with where that version came from.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, List

from lightning_lint.linter.run import CheckOptions, UsageError, make_resolver
from lightning_lint.linter.settings import DEFAULT_EXCLUDE, ConfigError, Settings


def main(args) -> int:
    try:
        report = resolve(Path(args.path), args.config)
    except UsageError as exc:
        print(f"lightning-lint: error: {exc}", file=sys.stderr)
        return 2
    if args.output_format == "json":
        print(json.dumps(report, indent=2))
    else:
        print(render(report))
    return 0


def resolve(path: Path, config: "str | None" = None) -> Dict[str, Any]:
    """The resolved settings for ``path`` as a JSON-ready dict."""
    from lightning_lint import rules
    from lightning_lint.linter.discovery import find_project_root
    from lightning_lint.linter.engine import Linter

    if not path.exists():
        raise UsageError(f"`{path}` does not exist")
    resolver = make_resolver(CheckOptions(paths=[str(path)], config=config), Path.cwd())
    try:
        settings = resolver.for_path(path)
    except ConfigError as exc:  # a broken configuration file found on the way up
        raise UsageError(str(exc)) from None
    linter = Linter(resolver)
    enabled = linter.enabled_codes(settings, Path(os.path.abspath(path)))
    target = linter.projects.for_root(find_project_root(path)).target(settings)
    off_by_default = [
        r.code
        for r in rules.all_rules()
        if r.code not in enabled and r.code not in rules.resolve_selection(None, (), ())
    ]
    return {
        "path": str(path),
        "config_file": str(settings.config_path) if settings.config_path else None,
        "root": str(settings.root),
        "settings": _settings_dict(settings),
        "target_version": {"version": str(target.version), "source": target.source},
        "enabled_rules": list(enabled),
        "ignored_here": list(settings.ignored_codes_for(Path(os.path.abspath(path)))),
        "available_opt_in": off_by_default,
    }


def _settings_dict(settings: Settings) -> Dict[str, Any]:
    extra_exclude = [p for p in settings.exclude if p not in DEFAULT_EXCLUDE]
    return {
        "select": list(settings.select) if settings.select is not None else None,
        "extend-select": list(settings.extend_select),
        "ignore": list(settings.ignore),
        "per-file-ignores": {pattern: list(codes) for pattern, codes in settings.per_file_ignores},
        "exclude": "default"
        if not extra_exclude and len(settings.exclude) == len(DEFAULT_EXCLUDE)
        else list(settings.exclude),
        "extend-exclude": list(settings.extend_exclude),
        "include": list(settings.include),
        "respect-gitignore": settings.respect_gitignore,
        "target-version": settings.target_version,
        "fail-on": settings.fail_on,
        "max-file-size": settings.max_file_size,
        "debug-paths": list(settings.debug_paths),
        "facts": {pattern: dict(facts) for pattern, facts in settings.facts},
        "rules": {code: dict(options) for code, options in settings.rule_options},
        "cache-dir": settings.cache_dir,
    }


def render(report: Dict[str, Any]) -> str:
    lines: List[str] = [f"Settings for {report['path']}"]
    config = report["config_file"]
    lines.append(f"  configuration file: {config or 'none found (defaults; command-line options apply)'}")
    lines.append(f"  project root:       {report['root']}")
    target = report["target_version"]
    lines.append(f"  target version:     Lightning {target['version']} ({target['source']})")
    lines.append("")
    lines.append("[tool.lightning-lint]")
    for key, value in report["settings"].items():
        if value in (None, [], {}):
            continue
        if key == "exclude" and value == "default":
            lines.append("# exclude: the defaults (.git, virtualenvs, build folders, ...)")
            continue
        lines.append(f"{key} = {_toml(value)}")
    lines.append("")
    enabled = report["enabled_rules"]
    lines.append(f"Enabled rules ({len(enabled)}): {', '.join(enabled) if enabled else 'none'}")
    if report["ignored_here"]:
        lines.append(f"Ignored for this path by per-file-ignores: {', '.join(report['ignored_here'])}")
    if report["available_opt_in"]:
        lines.append(f"Off (opt-in with extend-select): {', '.join(report['available_opt_in'])}")
    return "\n".join(lines)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)
