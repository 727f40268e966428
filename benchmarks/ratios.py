"""Speed ratios on a large real tree, as medians of paired runs (issue 16, item 4).

    python benchmarks/ratios.py [--tree PATH] [--pairs 7] [--fixit PATH] [--ruff PATH]

Prints one Markdown table:

- **cold**: lightning-lint with its cache emptied before each run, against
  ``ruff check --no-cache --select E9`` (a syntax-only check) on the same tree;
- **warm**: lightning-lint with its cache filled by the previous run (nothing changed),
  against ruff's cached ``ruff check --select E9``;
- **one file in pre-commit**: lightning-lint on one 1,800-line file with a Trainer call, as
  the pre-commit hook runs it (``PRE_COMMIT=1``, the file named, ``--force-exclude``, cache
  emptied), against Fixit with one built-in rule (left out, with a note, when Fixit is not
  found).

Each pair runs both tools back to back, in alternating order (A B, then B A, ...) after one
unmeasured run of each (OS file cache, bytecode); the ratio of a pair is its two wall
times divided, and the table gives the median ratio with the lowest and highest, so that
the spread of a shared, noisy machine shows. Only the wall clock is read (no memory
sampling beside the run, which would take CPU from it: ``wall_time``). Bytecode is written
(``PYTHONDONTWRITEBYTECODE`` is removed from the children's environment), as an installed
tool has it.

The tree: ``--tree``, else ``$LIGHTNING_LINT_BENCH_TREE``; the issue's measurement used
NVIDIA NeMo's source tree (2,579 Python files), exported with e.g.
``git --git-dir=NeMo.git archive HEAD | tar -x -C /tmp/nemo``. Never committed. When
neither is given or the folder does not exist, the generated repository of ``corpus.py``
(3,000 files) stands in, and the table says so. The caches live in a temporary folder,
so the tree is not written to.

Not part of the test run (nothing here is collected by pytest).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus
from run import FIXIT_RULE, child_env, find_tool, load, versions

TREE_ENV = "LIGHTNING_LINT_BENCH_TREE"
TARGETS = {"cold": 15.0, "warm": 15.0, "one file in pre-commit": 0.2}


def lightning_lint(target: str, extra: Sequence[str] = ()) -> List[str]:
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


def _empty(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)


def wall_time(command: List[str], cwd: Path, env: Dict[str, str]) -> float:
    """The wall time of one run, and nothing else: ``run.py``'s measurement samples the
    process tree's memory every 20 ms, which on a 2-core machine takes CPU from a run that
    uses both cores (10% to 18% of lightning-lint's cold run on NeMo's tree, measured)."""
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def paired(
    pairs: int, a: Tuple[List[str], Path, Dict[str, str]], b: Tuple[List[str], Path, Dict[str, str]], before=None
) -> Tuple[List[float], List[float]]:
    """Wall times of ``a`` and ``b`` in ``pairs`` interleaved pairs, after one unmeasured
    run of each; ``before(which)`` runs before every run (e.g. empties a cache)."""
    times: Dict[str, List[float]] = {"a": [], "b": []}
    commands = {"a": a, "b": b}
    for which in ("a", "b"):  # warm-up
        if before:
            before(which)
        wall_time(*commands[which])
    for index in range(pairs):
        for which in ("a", "b") if index % 2 == 0 else ("b", "a"):
            if before:
                before(which)
            times[which].append(wall_time(*commands[which]))
    return times["a"], times["b"]


def row(label: str, ours: List[float], base: List[float], base_name: str) -> List[str]:
    ratios = sorted(x / y for x, y in zip(ours, base))
    median = statistics.median(ratios)
    target = TARGETS[label]
    return [
        label,
        f"{statistics.median(ours):.3f} s",
        f"{base_name} {statistics.median(base):.3f} s",
        f"{median:.1f}x" if median >= 1 else f"{median:.3f}x",
        f"{ratios[0]:.2f}x to {ratios[-1]:.2f}x",
        f"<= {target:g}x",
        "PASS" if median <= target else "FAIL",
    ]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", help=f"the large tree (default: ${TREE_ENV}, else a generated repository)")
    parser.add_argument("--pairs", type=int, default=7, help="measured pairs per row (default 7)")
    parser.add_argument("--fixit", help="the fixit executable")
    parser.add_argument("--ruff", help="the ruff executable")
    parser.add_argument("--only", default="cold,warm,one_file", help="rows to measure (default: all)")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))

    tree_arg = args.tree or os.environ.get(TREE_ENV)
    if tree_arg and Path(tree_arg).is_dir():
        tree, origin = Path(tree_arg).resolve(), tree_arg
    else:
        note = f" ({tree_arg} does not exist)" if tree_arg else ""
        tree, origin = corpus.generated_repo(), f"generated repository{note}"
    counts = {"py": 0, "yaml": 0}
    for _, dirs, names in os.walk(tree):
        dirs[:] = [d for d in dirs if d != ".git"]
        counts["py"] += sum(1 for name in names if name.endswith(".py"))
        counts["yaml"] += sum(1 for name in names if name.endswith((".yaml", ".yml")))
    ruff = find_tool(args.ruff, "LIGHTNING_LINT_BENCH_RUFF", "ruff")
    fixit = find_tool(args.fixit, "LIGHTNING_LINT_BENCH_FIXIT", "fixit")
    if ruff is None:
        print("ruff not found: pass --ruff or set LIGHTNING_LINT_BENCH_RUFF", file=sys.stderr)
        return 2

    env = child_env()
    load_before = load()
    rows: List[List[str]] = []
    with tempfile.TemporaryDirectory(prefix="ll-ratios-") as scratch:
        ours_cache, ruff_cache = Path(scratch) / "ll", Path(scratch) / "ruff"
        ours_env = dict(env, LIGHTNING_LINT_CACHE_DIR=str(ours_cache))
        ours = lightning_lint(".")
        if "cold" in only:

            def empty_ours(which: str) -> None:
                if which == "a":
                    _empty(ours_cache)

            a, b = paired(
                args.pairs,
                (ours, tree, ours_env),
                ([ruff, "check", "--no-cache", "--select", "E9", "--exit-zero", "--quiet", "."], tree, env),
                empty_ours,
            )
            rows.append(row("cold", a, b, "ruff --no-cache --select E9"))
        if "warm" in only:
            ruff_warm = [ruff, "check", "--cache-dir", str(ruff_cache), "--select", "E9", "--exit-zero", "--quiet", "."]
            a, b = paired(args.pairs, (ours, tree, ours_env), (ruff_warm, tree, env))
            rows.append(row("warm", a, b, "ruff --select E9 (cached)"))
        if "one_file" in only:
            one = corpus.one_file()
            hook_env = dict(ours_env, PRE_COMMIT="1")
            if fixit is None:
                rows.append(["one file in pre-commit", "", "Fixit not found (pass --fixit)", "", "", "<= 0.2x", ""])
            else:
                a, b = paired(
                    args.pairs,
                    (lightning_lint(one.name, ["--force-exclude"]), one.parent, hook_env),
                    ([fixit, "--rules", FIXIT_RULE, "lint", one.name], one.parent, env),
                    lambda which: _empty(ours_cache) if which == "a" else None,
                )
                rows.append(row("one file in pre-commit", a, b, "Fixit, 1 rule"))
    print(f"Input: {origin}: {counts['py']:,} Python and {counts['yaml']:,} YAML files ({tree})")
    print(f"Pairs per row: {args.pairs}; {load_before} before, {load()} after")
    print(versions(fixit, ruff))
    print()
    print("| run | lightning-lint (median) | baseline (median) | ratio (median of pairs) | spread | target | |")
    print("|---|---:|---:|---:|---|---|---|")
    for cells in rows:
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
