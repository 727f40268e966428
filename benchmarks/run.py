"""The performance harness: lightning-lint beside Fixit and ruff on the same inputs.

    python benchmarks/run.py [--runs 5] [--fixit PATH] [--ruff PATH] [--only one_file,lightning]

Prints a table (Markdown) of wall time, CPU time and peak memory, medians of several runs,
for four inputs (see ``corpus.py``): one 1,800-line file, the installed ``lightning``
package's source tree, a generated repository of a few thousand files, and a YAML-only
config tree. Each input is checked by

- lightning-lint, cold (empty cache; also with ``-j1``, no process pool) and warm (the
  cache filled by a previous run),
- Fixit with one built-in rule (``fixit --rules fixit.rules:NoNamedTuple lint PATH``),
- ruff (``ruff check --select E9 --no-cache PATH``),

each in a fresh process, with the ratios to Fixit and ruff, then the issue's targets with
PASS/FAIL. Fixit and ruff are found through ``--fixit``/``--ruff``, the environment
(``LIGHTNING_LINT_BENCH_FIXIT``/``LIGHTNING_LINT_BENCH_RUFF``) or ``PATH``; a missing tool
is a column left empty, with a note. Install them apart from the project, e.g.
``python -m venv /tmp/bench && /tmp/bench/bin/pip install fixit ruff``.

Time: wall clock around the child process. CPU: user + system time of the child and its
descendants (``wait4``). Peak memory: the largest sum, over the process tree, of
proportional set sizes (PSS: pages that forked workers share with their parent count
once), sampled every 20 ms from ``/proc``; and at least the peak resident size of the
largest single process (GNU ``time -f %M``, which also covers a run too short to sample).

Not part of the test run (nothing here is collected by pytest).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import corpus

FIXIT_RULE = "fixit.rules:NoNamedTuple"
SCENARIOS = ("one_file", "lightning", "generated", "yaml_only")
TITLES = {
    "one_file": "(a) one file, 1,800 lines, with a Trainer call",
    "lightning": "(b) the `lightning` package ({py} Python files)",
    "generated": "(c) generated repository ({py} Python + {yaml} YAML files, {pct}% Lightning)",
    "yaml_only": "(d) YAML-only config tree ({yaml} files)",
}
# The targets: (scenario, lightning-lint mode, most allowed ratio of Fixit's wall time)
TARGETS = (("one_file", "cold", 0.2), ("lightning", "cold", 0.1), ("lightning", "warm", 0.02))


@dataclass
class Measure:
    wall: float
    cpu: float
    peak_mb: float


@dataclass
class Row:
    scenario: str
    tool: str
    runs: List[Measure] = field(default_factory=list)
    note: str = ""

    def median(self, attribute: str) -> Optional[float]:
        values = [getattr(m, attribute) for m in self.runs]
        return statistics.median(values) if values else None


# -- measuring one command -------------------------------------------------------------------


def _children(pid: int) -> List[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(c) for c in handle.read().split())
    except OSError:
        pass
    return found


def _memory_kb(pid: int) -> int:
    """The proportional set size of a process (pages shared with others count in part),
    or its resident set size where the kernel does not report PSS."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * _PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4


def _tree_memory_kb(root: int, include_root: bool = True) -> int:
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        if pid != root or include_root:
            total += _memory_kb(pid)
        stack.extend(_children(pid))
    return total


def _gnu_time() -> Optional[str]:
    """GNU time, to learn the largest process's peak memory (``%M``) of a run: a floor
    for runs too short to sample, and free of the Linux quirk that a forked child's
    ``ru_maxrss`` starts at its parent's (this Python process's) size."""
    path = "/usr/bin/time"
    if not os.path.exists(path):
        return None
    try:
        done = subprocess.run([path, "-f", "%M", "-o", os.devnull, "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return path if done.returncode == 0 else None


GNU_TIME = _gnu_time()


def measure(command: Sequence[str], cwd: Path, env: Dict[str, str]) -> Measure:
    import tempfile

    floor_file = None
    if GNU_TIME:
        handle, floor_file = tempfile.mkstemp(prefix="bench-maxrss-")
        os.close(handle)
        command = [GNU_TIME, "-f", "%M", "-o", floor_file, *command]
    started = time.perf_counter()
    process = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    sample = os.path.isdir("/proc")
    while True:
        # wait4: the resource usage of this child and its descendants, for this run only
        pid, _, usage = os.wait4(process.pid, os.WNOHANG if sample else 0)
        if pid:
            break
        peak = max(peak, _tree_memory_kb(process.pid, include_root=not GNU_TIME))
        time.sleep(0.02)
    wall = time.perf_counter() - started
    process.returncode = 0  # reaped above
    cpu = usage.ru_utime + usage.ru_stime
    if floor_file:
        try:
            largest = int(Path(floor_file).read_text().split()[-1])
        except (OSError, ValueError, IndexError):
            largest = 0
        os.unlink(floor_file)
    else:
        largest = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return Measure(wall, cpu, max(peak, largest) / 1024)


# -- the tools -------------------------------------------------------------------------------


def find_tool(option: Optional[str], env_name: str, name: str) -> Optional[str]:
    for candidate in (option, os.environ.get(env_name), shutil.which(name)):
        if candidate and (os.path.isfile(candidate) or shutil.which(candidate)):
            return candidate
    return None


def child_env() -> Dict[str, str]:
    env = dict(os.environ)
    # Installed tools have compiled bytecode; let the children write theirs too (the
    # warm-up run), so that nobody pays for compiling its own sources on every run.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PRE_COMMIT", None)
    env.pop("LIGHTNING_LINT_CACHE_DIR", None)
    env["NO_COLOR"] = "1"
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src")] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def lightning_lint_command(target: str, extra: Sequence[str] = ()) -> List[str]:
    return [
        sys.executable,
        "-m",
        "lightning_lint",
        "check",
        "--exit-zero",
        "--output-format",
        "concise",
        *extra,
        target,
    ]


# -- the benchmark ---------------------------------------------------------------------------


def prepare(scenario: str, args: argparse.Namespace) -> (Path, str, str):
    """(working directory, target path, title) of a scenario; generates the input."""
    if scenario == "one_file":
        path = corpus.one_file()
        return path.parent, path.name, TITLES[scenario]
    if scenario == "lightning":
        root = corpus.lightning_tree()
    elif scenario == "generated":
        root = corpus.generated_repo(args.files, args.lightning_percent)
    else:
        root = corpus.yaml_tree()
    counts = corpus.count_files(root)
    return root, ".", TITLES[scenario].format(py=counts["py"], yaml=counts["yaml"], pct=args.lightning_percent)


def run_scenario(
    scenario: str, args: argparse.Namespace, fixit: Optional[str], ruff: Optional[str], log
) -> (str, List[Row]):
    cwd, target, title = prepare(scenario, args)
    env = child_env()
    cache = cwd / ".lightning-lint-cache"
    commands = {
        "lightning-lint (cold)": lightning_lint_command(target),
        "lightning-lint (cold, -j1)": lightning_lint_command(target, ["-j1"]),
        "lightning-lint (warm)": lightning_lint_command(target),
    }
    if fixit:
        commands["Fixit, 1 rule"] = [fixit, "--rules", FIXIT_RULE, "lint", target]
    if ruff:
        commands["ruff --select E9"] = [ruff, "check", "--select", "E9", "--no-cache", "--exit-zero", target]
    rows = []
    for tool, command in commands.items():
        row = Row(scenario, tool)
        if "(cold" in tool:
            shutil.rmtree(cache, ignore_errors=True)
        # A first, unmeasured run warms the OS file cache and writes compiled bytecode (and
        # fills the results cache before the warm runs); a tool too slow to run twice within
        # the budget keeps it as its one measurement.
        first = measure(command, cwd, env)
        _log(log, scenario, tool, "warm-up", first)
        if first.wall > args.budget:
            row.runs.append(first)
            row.note = "1 run (slow)"
            rows.append(row)
            continue
        budget_used = 0.0
        for number in range(args.runs):
            if "(cold" in tool:
                shutil.rmtree(cache, ignore_errors=True)
            result = measure(command, cwd, env)
            row.runs.append(result)
            budget_used += result.wall
            _log(log, scenario, tool, f"run {number + 1}", result)
            if args.min_runs <= number + 1 < args.runs and budget_used > args.budget:
                row.note = f"{len(row.runs)} runs (slow)"
                break
        rows.append(row)
    if not fixit:
        rows.append(Row(scenario, "Fixit, 1 rule", note="not found: pass --fixit or set LIGHTNING_LINT_BENCH_FIXIT"))
    if not ruff:
        rows.append(Row(scenario, "ruff --select E9", note="not found: pass --ruff or set LIGHTNING_LINT_BENCH_RUFF"))
    return title, rows


def _log(log, scenario: str, tool: str, label: str, result: Measure) -> None:
    print(
        f"  {scenario:10} {tool:24} {label:8} {result.wall:8.3f} s wall, {result.cpu:8.3f} s CPU, "
        f"{result.peak_mb:6.1f} MB",
        file=log,
        flush=True,
    )


def _ratio(value: Optional[float], base: Optional[float]) -> str:
    if value is None or not base:
        return "-"
    return f"{value / base:.3f}x"


def _fmt(value: Optional[float], unit: str, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f} {unit}"


def table(results: List[tuple]) -> str:
    lines = [
        "| input | tool | wall (median) | CPU (median) | peak memory | wall vs Fixit | wall vs ruff "
        "| CPU vs Fixit | memory vs Fixit | runs |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for title, rows in results:
        fixit = next((r for r in rows if r.tool.startswith("Fixit")), None)
        ruff = next((r for r in rows if r.tool.startswith("ruff")), None)
        for row in rows:
            lines.append(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
                    title,
                    row.tool,
                    _fmt(row.median("wall"), "s"),
                    _fmt(row.median("cpu"), "s"),
                    _fmt(row.median("peak_mb"), "MB", 1),
                    _ratio(row.median("wall"), fixit.median("wall") if fixit else None),
                    _ratio(row.median("wall"), ruff.median("wall") if ruff else None),
                    _ratio(row.median("cpu"), fixit.median("cpu") if fixit else None),
                    _ratio(row.median("peak_mb"), fixit.median("peak_mb") if fixit else None),
                    row.note or len(row.runs),
                )
            )
            title = ""  # the input once per group
    return "\n".join(lines)


def targets(results: List[tuple]) -> List[str]:
    out = []
    by_scenario = {rows[0].scenario: rows for _, rows in results if rows}
    for scenario, mode, limit in TARGETS:
        rows = by_scenario.get(scenario)
        if rows is None:
            continue
        ours = next(r for r in rows if r.tool == f"lightning-lint ({mode})")
        fixit = next((r for r in rows if r.tool.startswith("Fixit") and r.runs), None)
        if fixit is None:
            out.append(f"- {scenario}, {mode}: no Fixit measurement")
            continue
        ratio = ours.median("wall") / fixit.median("wall")
        out.append(
            f"- {scenario}, {mode}: {ratio:.3f}x Fixit's wall time (target <= {limit}x): "
            f"{'PASS' if ratio <= limit else 'FAIL'}"
        )
    for _, rows in results:
        fixit = next((r for r in rows if r.tool.startswith("Fixit") and r.runs), None)
        if fixit is None:
            continue
        for mode in ("cold", "warm"):
            ours = next(r for r in rows if r.tool == f"lightning-lint ({mode})")
            ok = ours.median("peak_mb") < fixit.median("peak_mb")
            out.append(
                f"- {rows[0].scenario}, {mode}: peak memory {ours.median('peak_mb'):.1f} MB vs Fixit's "
                f"{fixit.median('peak_mb'):.1f} MB: {'PASS' if ok else 'FAIL'}"
            )
    return out


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo") as handle:
            memory = f", {int(handle.readline().split()[1]) / 1024 / 1024:.0f} GiB memory"
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cpu}, {cores} cores{memory}; {platform.system()} {platform.release()}; Python {platform.python_version()}"


def load() -> str:
    try:
        return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "load average unknown"


def versions(fixit: Optional[str], ruff: Optional[str]) -> str:
    out = []
    for name, tool, flag in (("Fixit", fixit, "--version"), ("ruff", ruff, "--version")):
        if tool:
            try:
                text = subprocess.run([tool, flag], capture_output=True, text=True, timeout=60).stdout.strip()
            except (OSError, subprocess.SubprocessError):
                text = "?"
            out.append(f"{name}: {text}")
    sys.path.insert(0, str(REPO / "src"))
    import lightning_lint

    out.append(f"lightning-lint {lightning_lint.__version__}")
    return "; ".join(out)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per tool and input (default 5)")
    parser.add_argument("--min-runs", type=int, default=2, help="runs always made, even by a slow tool (default 2)")
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="stop repeating a tool on an input after this many seconds (default 60)",
    )
    parser.add_argument("--fixit", help="the fixit executable")
    parser.add_argument("--ruff", help="the ruff executable")
    parser.add_argument("--only", help="comma-separated inputs: " + ", ".join(SCENARIOS))
    parser.add_argument("--files", type=int, default=3000, help="Python files of the generated repository")
    parser.add_argument(
        "--lightning-percent",
        type=float,
        default=3.0,
        help="percentage of its files that are Lightning code (default 3)",
    )
    parser.add_argument("-o", "--output", help="also write the report (Markdown) to this file")
    args = parser.parse_args(argv)
    fixit = find_tool(args.fixit, "LIGHTNING_LINT_BENCH_FIXIT", "fixit")
    ruff = find_tool(args.ruff, "LIGHTNING_LINT_BENCH_RUFF", "ruff")
    scenarios = [s.strip() for s in args.only.split(",")] if args.only else list(SCENARIOS)
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown input(s): {', '.join(unknown)}")
    log = sys.stderr
    header = [f"Machine: {machine()}", f"Tools: {versions(fixit, ruff)}", f"Before: {load()}"]
    print("\n".join(header), file=log)
    results = [run_scenario(s, args, fixit, ruff, log) for s in scenarios]
    header.append(f"After: {load()}")
    report = "\n".join(header) + "\n\n" + table(results) + "\n\nTargets:\n" + "\n".join(targets(results)) + "\n"
    print(report)
    if args.output:
        Path(args.output).write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
