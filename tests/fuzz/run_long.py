"""The long fuzz run: every fuzz test with the ``long`` hypothesis profile, in child processes.

    python tests/fuzz/run_long.py [--jobs 2] [--report fuzz-report.json] [-k EXPR]

Each test file runs in its own pytest process (so that a crash of the process is seen
and reported, not the end of the run), with ``FUZZ_REPORT`` set: failures are collected
instead of stopping the test, and every process adds its tally to the report. The run
prints, per target, the inputs tried, how many ended in one of the library's own errors
and the failures (other exceptions, hangs, broken invariants, crashes), and exits
non-zero if there was any failure. Memory is bounded per process (``--memory`` GiB).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _limit_memory(gib: float) -> None:
    import resource

    limit = int(gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_file(test_file: Path, report: Path, profile: str, memory: float, extra: list[str],
             minutes: float | None = None) -> dict[str, object]:
    part = report.with_name(f"{report.stem}.{test_file.stem}.json")
    if part.exists():
        part.unlink()
    env = {**os.environ, "HYPOTHESIS_PROFILE": profile, "FUZZ_REPORT": str(part),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    start = time.time()
    stopped = False
    try:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file),
                               *extra], cwd=ROOT, env=env, capture_output=True, text=True, check=False,
                              timeout=minutes * 60 if minutes else None,
                              preexec_fn=(lambda: _limit_memory(memory)) if memory else None)
        code, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:  # the time given to this file is over: keep what it counted
        stopped = True
        code, stdout, stderr = 0, f"stopped after {minutes} minutes", str(exc.stderr or "")
    result: dict[str, object] = json.loads(part.read_text()) if part.exists() else {
        "inputs": {}, "library_errors": {}, "failures": []}
    part.unlink(missing_ok=True)
    result["stopped"] = stopped
    proc_code = code
    if proc_code < 0:
        result["failures"] = [*result["failures"], {  # type: ignore[misc]
            "target": test_file.stem, "kind": f"process ended with code {proc_code}", "count": 1,
            "message": str(stderr)[-500:], "input": ""}]
    result["seconds"] = round(time.time() - start, 1)
    result["file"] = test_file.name
    result["pytest"] = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--report", default="fuzz-report.json")
    parser.add_argument("--profile", default="long")
    parser.add_argument("--memory", type=float, default=8.0, help="GiB per process (0: no limit)")
    parser.add_argument("-k", default=None, help="pytest -k expression")
    parser.add_argument("--minutes", type=float, default=None,
                        help="stop after about this long (each file gets its share; figures so far are kept)")
    args = parser.parse_args(argv)
    extra = ["-k", args.k] if args.k else []
    report = Path(args.report).resolve()
    files = sorted(HERE.glob("test_fuzz_*.py"))
    share = args.minutes * max(1, args.jobs) / len(files) if args.minutes else None
    start = time.time()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda f: run_file(f, report, args.profile, args.memory, extra, share), files))
    inputs: dict[str, int] = {}
    errors: dict[str, int] = {}
    failures: list[dict[str, object]] = []
    for r in results:
        for k, v in r["inputs"].items():  # type: ignore[attr-defined]
            inputs[k] = inputs.get(k, 0) + v
        for k, v in r["library_errors"].items():  # type: ignore[attr-defined]
            errors[k] = errors.get(k, 0) + v
        failures.extend(r["failures"])  # type: ignore[arg-type]
    summary = {"profile": args.profile, "seconds": round(time.time() - start, 1),
               "total_inputs": sum(inputs.values()), "inputs": dict(sorted(inputs.items())),
               "library_errors": dict(sorted(errors.items())), "failures": failures,
               "files": [{"file": r["file"], "seconds": r["seconds"], "stopped_at_time_limit": r["stopped"],
                          "pytest": r["pytest"]} for r in results]}
    report.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    width = max(len(k) for k in inputs) if inputs else 10
    print(f"{'target':<{width}}  {'inputs':>8}  {'library errors':>14}  {'failures':>8}")
    for k in sorted(inputs):
        n_fail = sum(int(f["count"]) for f in failures if f["target"] == k)  # type: ignore[call-overload]
        print(f"{k:<{width}}  {inputs[k]:>8,}  {errors.get(k, 0):>14,}  {n_fail:>8,}")
    print(f"{'total':<{width}}  {sum(inputs.values()):>8,}  {sum(errors.values()):>14,}  "
          f"{sum(int(f['count']) for f in failures):>8,}")  # type: ignore[call-overload]
    for f in failures:
        print(f"FAILURE {f['target']} | {f['kind']} (x{f['count']}): {str(f['message'])[:200]}\n    {f['input']}")
    print(f"{summary['total_inputs']:,} inputs in {summary['seconds']:,} s; report: {report}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
