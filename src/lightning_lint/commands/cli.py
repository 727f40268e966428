"""Command-line interface, in ruff's vocabulary.

``lightning-lint [check] [PATH ...]`` lints (the word ``check`` may be left out);
``rule``, ``explain``, ``config``, ``schema``, ``server`` and ``confirm`` are the other
commands. This module only parses arguments and dispatches; imports are lazy so that
``--version`` and ``--help`` cost almost nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, NoReturn, Optional, Sequence

from lightning_lint import __version__

COMMANDS = ("check", "rule", "explain", "config", "schema", "server", "confirm")
FORMATS = ("full", "concise", "json", "json-lines", "sarif", "github", "gitlab", "junit")
OUTPUT_FORMAT_ENV = "LIGHTNING_LINT_OUTPUT_FORMAT"


def _codes(text: str) -> List[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2 (argparse's usage dump is noise)
        self.exit(2, f"lightning-lint: error: {message}\n(run `lightning-lint {self._command()}--help` for usage)\n")

    def _command(self) -> str:
        parts = self.prog.split()
        return (parts[-1] + " ") if len(parts) > 1 else ""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lightning-lint",
        description="A static linter for PyTorch Lightning training configurations: Trainer(...) calls, "
        "LightningCLI and Hydra YAML.",
        epilog="Run `lightning-lint PATH` to lint (the same as `lightning-lint check PATH`).",
    )
    parser.add_argument("--version", action="version", version=f"lightning-lint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser(
        "check",
        help="lint files and folders (the default command)",
        description="Lint Python and YAML files for Lightning configuration mistakes.",
    )
    add_check_arguments(check)

    rule = sub.add_parser(
        "rule", help="show a rule's documentation", description="Print the documentation of a rule, or of all rules."
    )
    rule.add_argument("rule", nargs="?", help="a rule code (LL101) or name")
    rule.add_argument("--all", action="store_true", help="every rule")
    rule.add_argument("--output-format", choices=("text", "json"), default="text")

    explain = sub.add_parser(
        "explain",
        help="explain when a training run stops, validates and saves",
        description="Print the schedule of each Trainer configuration in a file: limits, "
        "steps per epoch, which limit stops training and when, validation and "
        "checkpoint cadence, and the findings.",
    )
    explain.add_argument("target", metavar="PATH[:LINE]", help="a file, optionally with the line of a Trainer")
    explain.add_argument("--output-format", choices=("text", "json"), default="text")
    explain.add_argument("--config", metavar="FILE", help="use this configuration file")
    explain.add_argument("--target-version", metavar="VERSION", help="the Lightning version to check against")

    config = sub.add_parser(
        "config",
        help="show the settings that apply to a path",
        description="Print the resolved settings for a path (closest configuration file wins, as in ruff).",
    )
    config.add_argument("path", nargs="?", default=".", help="a file or folder (default: .)")
    config.add_argument(
        "--show", "--show-settings", action="store_true", dest="show", help="print the resolved settings (the default)"
    )
    config.add_argument("--output-format", choices=("text", "json"), default="text")
    config.add_argument("--config", metavar="FILE", help="use this configuration file")

    schema = sub.add_parser(
        "schema",
        help="write a JSON Schema for LightningCLI configs",
        description="Write a JSON Schema for LightningCLI YAML configs, for yaml-language-server "
        "completion and hover in editors.",
    )
    schema.add_argument("-o", "--output-file", metavar="FILE", help="write here instead of standard output")
    schema.add_argument("--target-version", metavar="VERSION", help="the Lightning version to describe")
    schema.add_argument(
        "--subcommands", action="store_true", help="describe configs nested under fit:/validate:/test:/predict:"
    )

    server = sub.add_parser(
        "server",
        help="run the language server (LSP over stdio)",
        description="Speak the Language Server Protocol over standard input/output.",
    )
    server.add_argument(
        "--debounce",
        type=float,
        default=0.3,
        metavar="SECONDS",
        help="wait this long after a change before linting (default 0.3)",
    )

    confirm = sub.add_parser(
        "confirm",
        help="prove findings with a dry fast_dev_run fit of your entry point",
        description="Run your training entry point in a subprocess, measure the real "
        "dataloaders, and confirm or withdraw the static findings.",
    )
    confirm.add_argument("entry", nargs="?", metavar="ENTRY", help="a training script (or use -m MODULE)")
    confirm.add_argument("-m", dest="module", metavar="MODULE", help="run a module, like python -m")
    confirm.add_argument(
        "args",
        nargs="*",
        metavar="-- ARGS",
        help="arguments for the entry point, after -- (as you would pass them to it)",
    )
    confirm.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="stop the entry point after this long (default 300)",
    )
    confirm.add_argument("--accelerator", help="run on this accelerator instead of the configured one")
    confirm.add_argument(
        "--devices",
        help="the device of the dry run (1, or 3, for GPU 3); a count above 1 says "
        "how many devices a configured devices=auto means",
    )
    confirm.add_argument(
        "--batches", type=int, default=2, metavar="N", help="batches for the dry fast_dev_run fit (default 2)"
    )
    confirm.add_argument(
        "--save-facts",
        action="store_true",
        help="store the measured batch counts where the static check reads its facts",
    )
    confirm.add_argument("--output-format", choices=FORMATS, default=None)
    confirm.add_argument("-o", "--output-file", metavar="FILE")
    confirm.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    confirm.add_argument("-q", "--quiet", action="store_true", help="findings only: no summary, no progress display")
    confirm.add_argument(
        "--python", metavar="PATH", help="the Python interpreter that runs the entry point (default: this one)"
    )
    return parser


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or folders to lint (default: .); `-` reads standard input"
    )
    rules = parser.add_argument_group("rule selection")
    rules.add_argument(
        "--select",
        type=_codes,
        metavar="CODES",
        help="comma-separated codes, prefixes (LL1), rule names or ALL; replaces the default set",
    )
    rules.add_argument(
        "--extend-select",
        type=_codes,
        default=[],
        metavar="CODES",
        help="enable these in addition to the selected rules",
    )
    rules.add_argument("--ignore", type=_codes, default=[], metavar="CODES", help="disable these rules")
    rules.add_argument(
        "--target-version",
        metavar="VERSION",
        help="the Lightning version to check against (default: from the project's pins)",
    )
    out = parser.add_argument_group("output")
    out.add_argument(
        "--output-format", choices=FORMATS, default=None, help=f"output format (default: full, or ${OUTPUT_FORMAT_ENV})"
    )
    out.add_argument("-o", "--output-file", metavar="FILE", help="write the report to a file")
    out.add_argument("--statistics", action="store_true", help="count the findings of each rule")
    out.add_argument("--show-fixes", action="store_true", help="list the fixes that --fix applied")
    out.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary")
    out.add_argument(
        "-v", "--verbose", action="store_true", help="say which settings and Lightning version were used, and why"
    )
    color = out.add_mutually_exclusive_group()
    color.add_argument("--color", dest="color", action="store_const", const=True, default=None)
    color.add_argument("--no-color", dest="color", action="store_const", const=False)
    status = parser.add_argument_group("exit status")
    status.add_argument("-e", "--exit-zero", action="store_true", help="exit 0 even when there are findings")
    status.add_argument(
        "--fail-on",
        choices=("error", "warning", "info"),
        help="the lowest severity that makes the exit status 1 (default: warning)",
    )
    status.add_argument(
        "--exit-non-zero-on-fix",
        action="store_true",
        help="exit 1 when --fix changed a file, even if nothing is left (for pre-commit)",
    )
    fixes = parser.add_argument_group("fixes")
    fixes.add_argument("--fix", action="store_true", help="apply safe fixes")
    fixes.add_argument("--unsafe-fixes", action="store_true", help="also apply (or show) unsafe fixes")
    fixes.add_argument("--diff", action="store_true", help="print the fixes as a unified diff; change nothing")
    fixes.add_argument(
        "--add-noqa",
        action="store_true",
        help="add `# noqa` comments for every current finding (adopt the linter on an existing project)",
    )
    files = parser.add_argument_group("files")
    files.add_argument("--stdin-filename", metavar="NAME", help="the file name of the text read from standard input")
    files.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply the excludes also to files named on the command line (use in pre-commit)",
    )
    files.add_argument(
        "--extend-exclude", type=_codes, default=[], metavar="PATTERNS", help="more folders and files to skip"
    )
    files.add_argument(
        "--no-respect-gitignore",
        dest="respect_gitignore",
        action="store_const",
        const=False,
        default=None,
        help="lint files that .gitignore ignores",
    )
    files.add_argument("--config", metavar="FILE", help="use this configuration file for every path")
    files.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    perf = parser.add_argument_group("performance")
    perf.add_argument("-n", "--no-cache", action="store_true", help="do not read or write the results cache")
    perf.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="where to keep the results cache (default: $LIGHTNING_LINT_CACHE_DIR, the `cache-dir` "
        "setting, or .lightning-lint-cache in the project root)",
    )
    perf.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="worker processes for the files to parse (default: one per core when there are many "
        "files; none under pre-commit or with $LIGHTNING_LINT_NO_PARALLEL set)",
    )


# Each command other than `check` lives in its own module with a `main(args) -> int`,
# imported only when the command runs.
COMMAND_MODULES = {
    "rule": "lightning_lint.commands.rule",
    "explain": "lightning_lint.commands.explain",
    "config": "lightning_lint.commands.config",
    "schema": "lightning_lint.commands.schema",
    "server": "lightning_lint.lsp.server",
    "confirm": "lightning_lint.commands.confirm",
}


def _normalise(argv: List[str]) -> List[str]:
    """Insert ``check`` when no command is given: ``lightning-lint src/``."""
    if not argv:
        return ["check"]
    first = argv[0]
    if first in COMMANDS or first in ("-h", "--help", "--version"):
        return argv
    return ["check"] + argv


def _tolerant_output() -> None:
    """A console that cannot show a character (a file name that is not UTF-8, a cp1252
    terminal) gets an escape for it instead of a crash of the report; the output stays
    valid text in its encoding (surrogateescape would write the raw bytes into JSON)."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) in ("strict", "surrogateescape") and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def main(argv: Optional[Sequence[str]] = None) -> int:
    _tolerant_output()
    args_list = _normalise(list(sys.argv[1:] if argv is None else argv))
    # `confirm ENTRY -- ARGS`: everything after `--` belongs to the entry point, even
    # words that look like our own options
    entry_args: Optional[List[str]] = None
    if args_list[0] == "confirm" and "--" in args_list:
        split = args_list.index("--")
        args_list, entry_args = args_list[:split], args_list[split + 1 :]
    parser = build_parser()
    args = parser.parse_args(args_list)
    if entry_args is not None:
        args.args = list(args.args or []) + entry_args
    command = args.command or "check"
    try:
        if command == "check":
            return run_check(args)
        module_name = COMMAND_MODULES.get(command)
        if module_name is not None:
            import importlib

            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name and exc.name.startswith("lightning_lint"):
                    print(f"lightning-lint: error: `{command}` is not available in this version", file=sys.stderr)
                    return 2
                raise
            return module.main(args)
    except KeyboardInterrupt:
        print("lightning-lint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `lightning-lint ... | head`: the reader left; not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    parser.error(f"unknown command {command!r}")
    return 2


def run_check(args: argparse.Namespace) -> int:
    import gc

    # Parsing allocates objects by the hundred thousand, and few of them live long: the
    # default threshold (700) runs the cycle collector so often that it costs ~15% of a
    # cold run. Collect less often (the command is a short-lived process of its own).
    gc.set_threshold(50_000, 20, 20)
    from lightning_lint.commands import check
    from lightning_lint.linter.run import CheckOptions, UsageError

    output_format = args.output_format or os.environ.get(OUTPUT_FORMAT_ENV) or "full"
    if output_format not in FORMATS:
        print(
            f"lightning-lint: error: ${OUTPUT_FORMAT_ENV}={output_format!r} is not one of {', '.join(FORMATS)}",
            file=sys.stderr,
        )
        return 2
    options = CheckOptions(
        paths=list(args.paths),
        select=tuple(args.select) if args.select is not None else None,
        extend_select=tuple(args.extend_select),
        ignore=tuple(args.ignore),
        extend_exclude=tuple(args.extend_exclude),
        output_format=output_format,
        output_file=args.output_file,
        exit_zero=args.exit_zero,
        fail_on=args.fail_on,
        statistics=args.statistics,
        stdin_filename=args.stdin_filename,
        quiet=args.quiet,
        verbose=args.verbose,
        force_exclude=args.force_exclude,
        config=args.config,
        isolated=args.isolated,
        target_version=args.target_version,
        respect_gitignore=args.respect_gitignore,
        fix=args.fix,
        unsafe_fixes=args.unsafe_fixes,
        diff=args.diff,
        show_fixes=args.show_fixes,
        exit_non_zero_on_fix=args.exit_non_zero_on_fix,
        add_noqa=args.add_noqa,
        no_cache=args.no_cache,
        cache_dir=args.cache_dir,
        jobs=args.jobs,
        color=args.color,
    )
    if options.target_version:
        from lightning_lint.linter.versions import parse_version_setting

        try:
            parse_version_setting(options.target_version)
        except ValueError as exc:
            print(f"lightning-lint: error: {exc}", file=sys.stderr)
            return 2
    from lightning_lint.linter.settings import ConfigError

    try:
        return check.run(options)
    except (UsageError, ConfigError) as exc:
        print(f"lightning-lint: error: {exc}", file=sys.stderr)
        return 2
