"""Where a cold run's time goes, phase by phase, in one process (no cache, no pool).

    python benchmarks/phases.py [PATH]     # default: the generated copy of `lightning`

Times the same steps the linter takes, with the linter's own functions: importing it,
discovering files, reading them, the prefilter, ``ast.parse``, extraction, the rules
(with suppressions), the project facts they asked for, and rendering the report.
Medians of a few repetitions (imports: once; they are cached after).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))


def _clock(label: str, seconds: float, total: list) -> None:
    total.append((label, seconds))


def main() -> int:
    import os

    started = time.perf_counter()
    from lightning_lint.commands import check  # noqa: F401 - the import is what is measured
    from lightning_lint.linter.engine import preload

    preload()
    import_seconds = time.perf_counter() - started

    from lightning_lint.extract import config, python
    from lightning_lint.extract.python import parse_python
    from lightning_lint.linter.discovery import discover
    from lightning_lint.linter.engine import Linter, may_matter_bytes, run_rules
    from lightning_lint.linter.settings import SettingsResolver
    from lightning_lint.model.sources import PYTHON, decode_source, kind_of, read_bytes
    from lightning_lint.report.formats import ReportContext, render

    if len(sys.argv) > 1:
        root = Path(sys.argv[1]).resolve()
    else:
        import corpus

        root = corpus.lightning_tree()
    os.chdir(root)
    phases = {
        name: [] for name in ("discover", "read", "prefilter", "decode", "parse", "extract", "rules + facts", "report")
    }
    counts = {}
    for _ in range(3):
        resolver = SettingsResolver(root)
        linter = Linter(resolver)
        t = time.perf_counter()
        files = discover(["."], resolver).files
        phases["discover"].append(time.perf_counter() - t)
        t = time.perf_counter()
        data = {c.path: read_bytes(c.path) for c in files if kind_of(c.path)}
        phases["read"].append(time.perf_counter() - t)
        t = time.perf_counter()
        kept = [p for p, raw in data.items() if may_matter_bytes(raw, kind_of(p), resolver.for_path(p), p)]
        phases["prefilter"].append(time.perf_counter() - t)
        t = time.perf_counter()
        sources = {p: decode_source(data[p], str(p), kind_of(p)) for p in kept}
        phases["decode"].append(time.perf_counter() - t)
        # one file at a time, as the linter does (holding every tree at once would make
        # the garbage collector, not the parser, the cost)
        extractions, parse_time, extract_time, parsed = {}, 0.0, 0.0, 0
        for p, source in sources.items():
            t = time.perf_counter()
            if source.kind == PYTHON:
                try:
                    tree = parse_python(source)
                except Exception:  # noqa: BLE001 - a file that does not parse is LL900, not timed further
                    parse_time += time.perf_counter() - t
                    continue
                parsed += 1
                parse_time += time.perf_counter() - t
                t = time.perf_counter()
                extractions[p] = python.extract(tree, source)
                del tree
            else:
                try:
                    extractions[p] = config.extract(source, resolver.for_path(p), p)
                except Exception:  # noqa: BLE001
                    pass
            extract_time += time.perf_counter() - t
        phases["parse"].append(parse_time)
        phases["extract"].append(extract_time)
        from lightning_lint.rules.context import RuleContext

        diagnostics, t = [], time.perf_counter()
        for p, extraction in extractions.items():
            settings = resolver.for_path(p)
            ctx = RuleContext(sources[p], settings, linter.projects.for_path(p), extraction, Path(os.path.abspath(p)))
            diagnostics.extend(run_rules(linter.enabled_codes(settings, p), extraction, ctx))
        phases["rules + facts"].append(time.perf_counter() - t)
        t = time.perf_counter()
        render("full", diagnostics, ReportContext(cwd=root, sources={str(p): s for p, s in sources.items()}))
        phases["report"].append(time.perf_counter() - t)
        counts = {
            "files": len(files),
            "past the prefilter": len(kept),
            "parsed (Python)": parsed,
            "extracted": len(extractions),
            "findings": len(diagnostics),
        }
    print(f"{root}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    print(f"{'import the linter (once)':28} {import_seconds * 1000:8.1f} ms")
    total = import_seconds
    for name, values in phases.items():
        median = statistics.median(values)
        total += median
        print(f"{name:28} {median * 1000:8.1f} ms")
    print(f"{'total':28} {total * 1000:8.1f} ms (plus the interpreter's own start)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
