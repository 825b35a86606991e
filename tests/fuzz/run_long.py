"""The long fuzz run: every fuzz test in chunks, each chunk in its own process; resumable.

    nice -n 19 python tests/fuzz/run_long.py --total 100000 [--jobs 2] [--state fuzz-long.json]

Each fuzz test (``tests/fuzz/test_fuzz_*.py::test_*``) runs in chunks: a pytest process with
a given number of examples and its own hypothesis seed, with ``FUZZ_REPORT`` set so that
failures are collected instead of stopping the test. A crash of the process (a signal, the
memory limit) or a chunk that does not end in time is seen and reported, not the end of the
run. After each chunk the tally is saved in the state file, so a run stopped (Ctrl-C, the
machine) goes on from there when started again with the same ``--state``.

Every test first gets ``--min-seconds`` of running time (so every target is exercised),
then the cheapest tests (most inputs per second) get chunks until ``--total`` inputs are
reached, none more than ``--cap`` of the total. The run prints, per target, the inputs
tried, how many ended in one of the library's own errors, the failures (other exceptions,
broken invariants), the hangs and the crashes, and the wall time; it exits non-zero if there
was any failure, hang or crash.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _limit_memory(gib: float) -> None:
    import resource

    limit = int(gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def collect(pattern: str | None) -> list[str]:
    """The fuzz tests, as pytest node ids relative to the repository."""
    nodes = []
    for path in sorted(HERE.glob("test_fuzz_*.py")):
        for name in re.findall(r"^def (test_\w+)\(", path.read_text(encoding="utf-8"), flags=re.M):
            node = f"{path.relative_to(ROOT)}::{name}"
            if pattern is None or re.search(pattern, node):
                nodes.append(node)
    return nodes


def run_chunk(node: str, examples: int, seed: int, memory: float, timeout: float) -> dict[str, Any]:
    """One pytest process running ``node`` with ``examples`` examples; its tally."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        part = Path(folder) / "part.json"
        env = {**os.environ, "HYPOTHESIS_PROFILE": "fuzz-chunk", "FUZZ_EXAMPLES": str(examples),
               "FUZZ_REPORT": str(part), "FUZZ_TEXT": "1",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
        start = time.time()
        hang = None
        try:
            proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
                                   f"--hypothesis-seed={seed}", node], cwd=ROOT, env=env, capture_output=True,
                                  text=True, check=False, timeout=timeout,
                                  preexec_fn=(lambda: _limit_memory(memory)) if memory else None)
            code, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:
            code, stdout, stderr = 0, "", str(exc.stderr or "")
            hang = f"the chunk ({examples} examples, seed {seed}) did not end within {timeout:.0f} s"
        result: dict[str, Any] = json.loads(part.read_text()) if part.exists() else {
            "inputs": {}, "library_errors": {}, "failures": []}
    result["seconds"] = time.time() - start
    result["crash"] = None
    result["hang"] = hang
    if code < 0 or (code not in (0, 1, 5) and not hang):
        result["crash"] = f"process ended with code {code}: {str(stderr)[-300:]}"
    elif code == 1 and not result["failures"]:  # pytest failed outside the harness (collection, fixture)
        result["failures"] = [{"target": node, "kind": "pytest failure outside the harness", "count": 1,
                               "message": stdout[-500:], "input": ""}]
    return result


class State:
    """The tally of the run so far, per test, saved after every chunk."""

    def __init__(self, path: Path, nodes: list[str]) -> None:
        self.path = path
        self.lock = threading.Lock()
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        self.tests: dict[str, dict[str, Any]] = data.get("tests", {})
        self.wall = float(data.get("wall_seconds", 0.0))
        self.started = data.get("started") or time.strftime("%Y-%m-%d %H:%M:%S")
        for node in nodes:
            self.tests.setdefault(node, {"chunks": 0, "examples": 0, "seconds": 0.0, "inputs": {},
                                         "library_errors": {}, "failures": {}, "hangs": [], "crashes": []})
        self.nodes = nodes

    def inputs(self, node: str | None = None) -> int:
        tests = [self.tests[node]] if node else [self.tests[n] for n in self.nodes]
        return sum(sum(t["inputs"].values()) for t in tests)

    def add(self, node: str, examples: int, result: dict[str, Any]) -> None:
        with self.lock:
            t = self.tests[node]
            t["chunks"] += 1
            t["examples"] += examples
            t["seconds"] += result["seconds"]
            t["last"] = [examples, float(result.get("busy_seconds", result["seconds"]))]
            for key in ("inputs", "library_errors"):
                for target, n in result[key].items():
                    t[key][target] = t[key].get(target, 0) + n
            for f in result["failures"]:
                entry = t["failures"].setdefault(f"{f['target']} | {f['kind']}", {**f, "count": 0})
                entry["count"] += f["count"]
            if result["hang"]:
                t["hangs"].append(result["hang"])
            if result["crash"]:
                t["crashes"].append(result["crash"])

    def save(self, wall: float) -> None:
        with self.lock:
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"started": self.started, "wall_seconds": round(wall, 1),
                                       "total_inputs": self.inputs(), "tests": self.tests}, indent=1,
                                      ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--total", type=int, default=100_000, help="inputs to reach, across all targets")
    parser.add_argument("--jobs", type=int, default=2, help="chunks run at once")
    parser.add_argument("--state", default="fuzz-long.json", help="the tally, saved after each chunk")
    parser.add_argument("--min-seconds", type=float, default=180.0, help="running time every test gets first")
    parser.add_argument("--chunk-seconds", type=float, default=90.0, help="aimed length of one chunk")
    parser.add_argument("--first-examples", type=int, default=200,
                        help="examples in a test's first chunk (expensive tests divide it by their cost)")
    parser.add_argument("--cap", type=float, default=0.3, help="largest share of --total for one test")
    parser.add_argument("--memory", type=float, default=8.0, help="GiB per process (0: no limit)")
    parser.add_argument("--minutes", type=float, default=None, help="stop starting chunks after this long")
    parser.add_argument("-k", default=None, help="only the tests whose node id matches this regular expression")
    parser.add_argument("--report-only", action="store_true", help="print the tally of --state and stop")
    args = parser.parse_args(argv)
    nodes = collect(args.k)
    state = State(Path(args.state).resolve(), nodes)
    every = list(state.tests)  # the report covers every test of the run, also those of an earlier -k
    begin = time.time()
    wall0 = state.wall
    seeds = {n: state.tests[n]["chunks"] for n in nodes}
    running: set[str] = set()

    def pick() -> tuple[str, int, int] | None:
        with state.lock:
            if state.inputs() >= args.total or (args.minutes and time.time() - begin > args.minutes * 60):
                return None
            idle = [n for n in nodes if n not in running]
            if not idle:
                return None
            young = [n for n in idle if state.tests[n]["seconds"] < args.min_seconds]
            if young:
                node = min(young, key=lambda n: state.tests[n]["seconds"])
            else:
                open_ = [n for n in idle if state.inputs(n) < args.cap * args.total]
                if not open_:
                    return None
                node = max(open_, key=lambda n: state.inputs(n) / max(state.tests[n]["seconds"], 1e-3))
            t = state.tests[node]
            last = t.get("last")
            examples = args.first_examples
            if last:  # sized by the time spent in the calls, not in starting the process
                before, busy = last
                examples = int(before * min(8.0, max(0.25, args.chunk_seconds / max(busy, 0.5))))
            examples = min(max(examples, 5), 20_000)
            seed = seeds[node] = seeds[node] + 1
            running.add(node)
            return node, examples, seed

    def worker() -> None:
        while (job := pick()) is not None:
            node, examples, seed = job
            result = run_chunk(node, examples, seed, args.memory, timeout=max(600.0, 10 * args.chunk_seconds))
            state.add(node, examples, result)
            with state.lock:
                running.discard(node)
            state.save(wall0 + time.time() - begin)
            fails = sum(f["count"] for f in result["failures"])
            print(f"[{time.strftime('%H:%M:%S')}] {node.split('::')[-1]}: {sum(result['inputs'].values()):,} "
                  f"inputs in {result['seconds']:.0f} s, {fails} failures"
                  f"{', HANG' if result['hang'] else ''}{', CRASH' if result['crash'] else ''}; "
                  f"total {state.inputs():,}", flush=True)

    if not args.report_only:
        try:
            with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
                for f in [pool.submit(worker) for _ in range(max(1, args.jobs))]:
                    f.result()
        finally:
            state.save(wall0 + time.time() - begin)
    return print_report(state, every)


def print_report(state: State, nodes: list[str]) -> int:
    data = json.loads(state.path.read_text(encoding="utf-8")) if state.path.exists() else {"wall_seconds": 0}
    rows: dict[str, list[int]] = {}
    failures: list[dict[str, Any]] = []
    hangs: list[str] = []
    crashes: list[str] = []
    for node in nodes:
        t = state.tests[node]
        for target, n in t["inputs"].items():
            row = rows.setdefault(target, [0, 0, 0, 0])
            row[0] += n
            row[1] += t["library_errors"].get(target, 0)
        for f in t["failures"].values():
            failures.append(f)
            row = rows.setdefault(f["target"], [0, 0, 0, 0])
            row[3 if str(f["kind"]).startswith("Hang") else 2] += f["count"]
        hangs += [f"{node}: {h}" for h in t["hangs"]]
        crashes += [f"{node}: {c}" for c in t["crashes"]]
    width = max([len(k) for k in rows] + [10])
    print(f"{'target':<{width}}  {'inputs':>8}  {'library errors':>14}  {'failures':>8}  {'hangs':>5}")
    for k in sorted(rows):
        n, errors, fails, hung = rows[k]
        print(f"{k:<{width}}  {n:>8,}  {errors:>14,}  {fails:>8,}  {hung:>5,}")
    total = [sum(r[i] for r in rows.values()) for i in range(4)]
    print(f"{'total':<{width}}  {total[0]:>8,}  {total[1]:>14,}  {total[2]:>8,}  {total[3]:>5,}")
    print(f"chunks: {sum(state.tests[n]['chunks'] for n in nodes)}; crashed processes: {len(crashes)}; "
          f"chunks over time: {len(hangs)}; wall time {data.get('wall_seconds', 0) / 60:.1f} min "
          f"(since {state.started}); state: {state.path}")
    for f in failures:
        print(f"FAILURE {f['target']} | {f['kind']} (x{f['count']}): {str(f['message'])[:200]}\n    {f['input']}")
    for line in hangs + crashes:
        print(f"PROCESS {line}")
    return 1 if failures or hangs or crashes else 0


if __name__ == "__main__":
    sys.exit(main())
