"""Benchmark: a country report, the hemispheric report and ``indicators demo``.

Each measurement runs in a fresh process, so that imports, font caches and peak memory do
not carry over from one to the next. Timed, with the CPU time of the process beside the
wall-clock time (the machine is shared: CPU time is the steadier figure):

* ``country``: ``country_report(values, catalog, country="PER", scores=..., validation=...)``
  on the shipped sample data, then ``save(folder)`` (HTML, Excel and Word; 8 charts). The
  reading, validation and scoring before it (200 draws) are not timed. In the same process,
  two baselines on the same report: ``charts alone`` (every chart drawn by matplotlib as SVG
  on a fresh figure: the least the page needs) and ``pandas tables`` (every table of the
  report written by ``DataFrame.to_html`` and ``DataFrame.to_excel`` with XlsxWriter).
* ``hemispheric``: the same for ``hemispheric_report`` (3 charts).
* ``demo``: ``indicators demo --out <tmp> -q`` as a user runs it (interpreter start, imports,
  the whole pipeline, 15 report files), against ``python -c "import pandas,
  matplotlib.figure"`` (the start-up floor), each in its own process.

With ``--tree PATH`` (repeatable) the same parts run on other source trees too (their
``src`` folder first on ``PYTHONPATH``), interleaved with this one: a before/after in one run.

    python benchmarks/bench_reports.py                    # 3 repeats of each part
    python benchmarks/bench_reports.py --quick            # 1 repeat, no demo
    python benchmarks/bench_reports.py --tree /path/to/an/older/checkout

Results are printed and written to ``benchmarks/results/reports.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "reports.md"


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(func: Any) -> tuple[float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    func()
    return time.process_time() - c0, time.perf_counter() - t0


def child(part: str) -> dict[str, float]:
    """One report in this process: its CPU and wall seconds, the baselines', peak RSS."""
    import indicators as ind
    from indicators.report import country_report, hemispheric_report
    from indicators.report.charts import Drawing

    cat = ind.load_catalog("mesecvi")
    values = ind.read(ind.sample_data("values_sample.csv"))
    validation = ind.validate(values, cat)
    scores = ind.score(validation.accepted, "mesecvi", cat, draws=200)
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        holder: dict[str, Any] = {}

        def report() -> None:
            if part == "country":
                rep = country_report(validation.accepted, cat, country="PER", scores=scores, validation=validation)
            else:
                rep = hemispheric_report(validation.accepted, cat, scores=scores)
            rep.save(Path(tmp) / "report")
            holder["report"] = rep

        out["cpu"], out["wall"] = _timed(report)
        rep = holder["report"]

        def charts() -> None:
            for spec in rep.chart_specs.values():
                Drawing(spec, rep.formatter).svg()

        def tables() -> None:
            import pandas as pd

            with pd.ExcelWriter(Path(tmp) / "tables.xlsx", engine="xlsxwriter") as writer:
                for k, frame in enumerate(rep.tables.values()):
                    frame.to_html(Path(tmp) / f"table{k}.html")
                    frame.to_excel(writer, sheet_name=f"t{k}")

        out["charts_cpu"], out["charts_wall"] = _timed(charts)
        out["tables_cpu"], out["tables_wall"] = _timed(tables)
        out["charts"] = float(len(rep.chart_specs))
    out["peak_mib"] = _peak_mib()
    return out


def _run(cmd: list[str], tree: Path) -> tuple[float, float, float, str]:
    """CPU seconds (the child's), wall seconds, the child's peak RSS in MiB, and its stdout."""
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, after.ru_maxrss / 1024, proc.stdout


def report_part(part: str, tree: Path) -> dict[str, float]:
    _, _, _, stdout = _run([sys.executable, str(Path(__file__).resolve()), "--child", part], tree)
    result: dict[str, float] = json.loads(stdout.strip().splitlines()[-1])
    return result


def demo_part(tree: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        cpu, wall, _, _ = _run([sys.executable, "-m", "indicators.cli", "demo", "--out", tmp, "-q"], tree)
    floor_cpu, floor_wall, _, _ = _run([sys.executable, "-c", "import pandas, matplotlib.figure"], tree)
    return {"cpu": cpu, "wall": wall, "floor_cpu": floor_cpu, "floor_wall": floor_wall}


def _best(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: min(r[k] for r in runs) for k in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one repeat, no demo")
    parser.add_argument("--tree", type=Path, action="append", default=[],
                        help="another source tree to time in the same run (a checkout with src/)")
    parser.add_argument("--child", choices=("country", "hemispheric"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    repeats = 1 if args.quick else args.repeats
    trees = [ROOT, *[t.resolve() for t in args.tree]]
    names = {t: ("this tree" if t == ROOT else str(t)) for t in trees}
    parts = ["country", "hemispheric"] + ([] if args.quick else ["demo"])
    runs: dict[tuple[str, Path], list[dict[str, float]]] = {}
    for _ in range(repeats):          # interleaved: each repeat runs every part on every tree
        for part in parts:
            for tree in trees:
                result = demo_part(tree) if part == "demo" else report_part(part, tree)
                runs.setdefault((part, tree), []).append(result)
    lines = ["# Reports benchmark", "",
             f"Best of {repeats} (each run a fresh process, trees interleaved); CPU time of the process beside "
             "the wall clock; peak memory is the process's peak resident set (imports included).", "",
             "| part | tree | CPU (s) | wall (s) | baseline | baseline CPU (s) | CPU / baseline | peak RSS (MiB) |",
             "| --- | --- | ---: | ---: | --- | ---: | ---: | ---: |"]
    for part in parts:
        for tree in trees:
            b = _best(runs[(part, tree)])
            if part == "demo":
                lines.append(f"| `indicators demo` | {names[tree]} | {b['cpu']:.2f} | {b['wall']:.2f} | "
                             f"start-up: import pandas, matplotlib | {b['floor_cpu']:.2f} | "
                             f"{b['cpu'] / b['floor_cpu']:.1f} | |")
                continue
            label = f"{part} report: build + HTML, Excel, Word ({b['charts']:.0f} charts)"
            lines.append(f"| {label} | {names[tree]} | {b['cpu']:.2f} | {b['wall']:.2f} | charts alone "
                         f"(matplotlib SVG) | {b['charts_cpu']:.2f} | {b['cpu'] / b['charts_cpu']:.1f} "
                         f"| {b['peak_mib']:.0f} |")
            lines.append(f"| | | | | pandas tables (to_html, to_excel) | {b['tables_cpu']:.2f} | "
                         f"{b['cpu'] / b['tables_cpu']:.1f} | |")
    if len(trees) > 1:
        lines += ["", "Before / after (CPU, best runs):", ""]
        for part in parts:
            base = _best(runs[(part, ROOT)])["cpu"]
            for tree in trees[1:]:
                other = _best(runs[(part, tree)])["cpu"]
                lines.append(f"- {part}: {names[tree]} {other:.2f} s, this tree {base:.2f} s "
                             f"({other / base:.2f} times the CPU time)")
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
