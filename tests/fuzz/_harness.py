"""What every fuzz test shares: the call guard, the tally and the seeds' mutations.

Every input goes through :func:`attempt`: the call may return or raise one of the
library's own errors (``IndicatorsError``, whose ``problems`` must be a table); anything
else is a failure. It may not take longer than ``FUZZ_TIMEOUT`` seconds of CPU time (a hang).

In the normal test run a failure fails the test (hypothesis then shrinks the input). With
``FUZZ_REPORT=<file.json>`` (set by ``tests/fuzz/run_long.py``) failures are collected
instead, grouped by their kind and place, and the run goes on; the tally of inputs and
failures per target is written to that file when the session ends.
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
import traceback
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import Any

from indicators.errors import PROBLEM_COLUMNS, IndicatorsError

REPORT = os.environ.get("FUZZ_REPORT")
TIMEOUT = float(os.environ.get("FUZZ_TIMEOUT", "60"))

INPUTS: Counter[str] = Counter()
BUSY = [0.0]  # seconds spent in the calls (the rest of a run is starting the process and drawing inputs)
LIBRARY_ERRORS: Counter[str] = Counter()
FAILURES: dict[str, dict[str, Any]] = {}


class Hang(Exception):
    """An input that took longer than FUZZ_TIMEOUT seconds."""


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` after ``seconds`` of CPU time of this process (not of the wall clock:
    on a loaded machine, or on the first call that imports a large library, the clock runs many
    times faster than the work), or after ten times as long on the wall clock."""
    if seconds <= 0 or not hasattr(signal, "SIGPROF"):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds:g} s of CPU time" if signum == signal.SIGPROF
                   else f"no answer within {10 * seconds:g} s")

    old_prof = signal.signal(signal.SIGPROF, expire)
    old_alarm = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    signal.setitimer(signal.ITIMER_REAL, 10 * seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGPROF, old_prof)
        signal.signal(signal.SIGALRM, old_alarm)


def _where(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/tests/" not in f.filename]
    last = frames[-1] if frames else None
    inside = [f for f in frames if "/indicators/" in f.filename]
    ours = inside[-1] if inside else None
    parts = [type(exc).__name__]
    if ours is not None:
        parts.append(f"{ours.filename.split('/indicators/')[-1]}:{ours.lineno}")
    if last is not None and last is not ours:
        parts.append(f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno}")
    return " @ ".join(parts)


def attempt(target: str, call: Callable[[], Any], describe: Callable[[], str] = lambda: "") -> Any:
    """Run ``call``; return its result, or None if it raised one of the library's errors."""
    INPUTS[target] += 1
    if REPORT is not None and sum(INPUTS.values()) % 250 == 0:
        write_report()  # a long run stopped early still has its figures
    start = time.perf_counter()
    try:
        with _deadline(TIMEOUT):
            return call()
    except IndicatorsError as exc:
        LIBRARY_ERRORS[target] += 1
        missing = [c for c in PROBLEM_COLUMNS if c not in exc.problems.columns]
        if missing or not str(exc):
            return _fail(target, AssertionError(f"{type(exc).__name__} without message or problems table"),
                         describe)
        return None
    except Exception as exc:  # noqa: BLE001 - the point of the harness
        return _fail(target, exc, describe)
    finally:
        BUSY[0] += time.perf_counter() - start


def invariant(target: str, ok: bool, what: str, describe: Callable[[], str] = lambda: "") -> None:
    """Record (or raise) a broken invariant."""
    if not ok:
        _fail(target, AssertionError(what), describe, key=f"invariant: {what}")


def _fail(target: str, exc: BaseException, describe: Callable[[], str], key: str | None = None) -> None:
    if REPORT is None:
        raise exc
    where = key or _where(exc)
    entry = FAILURES.setdefault(f"{target} | {where}", {
        "target": target, "kind": where, "count": 0, "message": str(exc)[:300], "input": describe()[:600]})
    entry["count"] += 1


def write_report() -> None:
    """Write this process's tally to FUZZ_REPORT (the whole of it, replacing what was there)."""
    if REPORT is None:
        return
    path = Path(REPORT)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"inputs": dict(INPUTS), "library_errors": dict(LIBRARY_ERRORS),
                               "failures": list(FAILURES.values()), "busy_seconds": BUSY[0]}, indent=2,
                              ensure_ascii=False))
    os.replace(tmp, path)


def budget(cost: int) -> Any:
    """Settings for a test whose inputs cost about ``cost`` times a cheap one: fewer examples."""
    from hypothesis import settings

    return settings(max_examples=max(1, settings().max_examples // cost))


# -- mutations of seed files ------------------------------------------------------------------

def mutate(data: bytes, rng: random.Random, n: int | None = None) -> bytes:
    """``data`` with a few random edits: byte flips, insertions, deletions, repeats, special bytes."""
    out = bytearray(data)
    specials = [b"\r", b"\n", b"\r\n", b'"', b";", b",", b"\t", b"\x00", b"\xff", b"\xc3", b"=", b"\x85",
                b"<", b">", b"&", b"9" * 12, b"-", b"\xef\xbb\xbf", b"\n" * 60]
    for _ in range(n if n is not None else rng.randint(1, 8)):
        op = rng.randrange(6)
        at = rng.randrange(len(out) + 1)
        if op == 0 and out:
            out[min(at, len(out) - 1)] = rng.randrange(256)
        elif op == 1:
            out[at:at] = rng.choice(specials)
        elif op == 2 and out:
            del out[at:at + rng.randint(1, 16)]
        elif op == 3 and out:
            piece = out[at:at + rng.randint(1, 64)]
            out[at:at] = piece * rng.randint(1, 4)
        elif op == 4 and out:
            out[min(at, len(out) - 1)] ^= 1 << rng.randrange(8)
        else:
            out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(out)


def mutate_zip(data: bytes, rng: random.Random) -> bytes:
    """A zip (xlsx, ods) with one member's content mutated and the archive rebuilt, or the raw bytes
    mutated (a damaged archive), so that both the container and the XML inside are exercised."""
    if rng.random() < 0.2:
        return mutate(data, rng)
    with zipfile.ZipFile(BytesIO(data)) as src:
        members = [(i, src.read(i.filename)) for i in src.infolist()]
    xml = [k for k, (i, _) in enumerate(members) if i.filename.endswith(".xml")]
    k = rng.choice(xml) if xml else rng.randrange(len(members))
    info, body = members[k]
    members[k] = (info, mutate(body, rng))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for i, body in members:
            dst.writestr(i.filename, body)
    return out.getvalue()
