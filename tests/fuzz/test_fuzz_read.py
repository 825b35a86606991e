"""Fuzzing read(): mutated seed files of every format, with random options.

On every input: read() returns or raises the library's own error, within the time limit;
and on every frame returned, the invariants of "nothing lost": row numbers are unique,
increasing and within the file (never past its last line), every reported problem row is
within the file, and the provenance counts agree with the frame.
"""

from __future__ import annotations

import random
import tempfile
from functools import cache
from pathlib import Path

import pandas as pd
import pyreadstat
from hypothesis import given
from hypothesis import strategies as st

from indicators import read

from ._harness import attempt, budget, invariant, mutate

DATA = Path(__file__).resolve().parents[1] / "data" / "io"
SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"

TEXT_SEEDS = sorted(p for p in DATA.iterdir() if p.suffix in (".csv", ".tsv", ".txt")) + [
    SAMPLES / "values_sample.csv"]
BINARY_SEEDS = {
    ".xlsx": [DATA / "title_block.xlsx"],
    ".xlsm": [DATA / "macro.xlsm"],
    ".ods": [DATA / "simple.ods"],
    ".sav": [DATA / "encuesta.sav"],
    ".dta": [DATA / "encuesta.dta"],
    ".parquet": [DATA / "valores.parquet"],
}
ENCODINGS = [None, None, None, "utf-8", "cp1252", "latin-1", "utf-16", "ascii", "base64", "rot13", "hex",
             "zlib", "bz2", "nonsense", "utf-8-sig", "idna", "punycode", "uu"]


@cache
def _bytes(path: Path) -> bytes:
    return path.read_bytes()


@cache
def _por_seed() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "seed.por"
        pyreadstat.write_por(pd.DataFrame({"P1": [1.0, 2.0, 9.0], "REGION": ["Maule", "Biobio", "Nuble"]}),
                             str(path))
        return path.read_bytes()


def _upper_bound_of_lines(data: bytes) -> int:
    """No reading of these bytes can have more lines than this."""
    return data.count(b"\n") + data.count(b"\r") + data.count(b"\x85") + 1 + len(data) // 2 * 0


def check_frame(target: str, df: pd.DataFrame | None, data: bytes, text: bool, describe) -> None:  # type: ignore[no-untyped-def]
    if df is None:
        return
    prov = df.attrs.get("provenance")
    invariant(target, prov is not None, "a frame without provenance", describe)
    if prov is None:
        return
    rows = df.index
    invariant(target, rows.name == "row", "the index is not the row number", describe)
    invariant(target, rows.is_unique and rows.is_monotonic_increasing, "row numbers not unique and increasing",
              describe)
    invariant(target, prov.n_rows == len(df), "provenance n_rows differs from the frame", describe)
    if len(df):
        invariant(target, int(rows.min()) >= 1, "a row number below 1", describe)
        if text:
            invariant(target, int(rows.max()) <= prov.n_lines, "a row numbered past the file's last line",
                      describe)
    if text:
        invariant(target, prov.n_lines <= _upper_bound_of_lines(data), "more lines counted than the file has",
                  describe)
    problems = prov.problems
    reported = pd.to_numeric(problems["row"], errors="coerce").dropna().astype(int)
    if len(reported) and text:
        invariant(target, int(reported.max()) <= prov.n_lines and int(reported.min()) >= 1,
                  "a problem reported on a line outside the file", describe)
    if text and len(df):
        read_rows = set(rows.tolist())
        header = prov.header_row or 0
        invariant(target, header not in read_rows, "the header line is also a data row", describe)


def _read(path: Path, **options):  # type: ignore[no-untyped-def]
    return lambda: read(path, **options)


@budget(10)  # each input is parsed in a child process
@given(suffix=st.sampled_from([".sav", ".dta", ".por", ".parquet"]), rng=st.randoms(use_true_random=False),
       missing=st.sampled_from(["codes", "nan", "labels"]))
def test_fuzz_read_binary(suffix: str, rng: random.Random, missing: str) -> None:
    seed = _por_seed() if suffix == ".por" else _bytes(BINARY_SEEDS[suffix][0])
    data = mutate(seed, rng)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("fuzz" + suffix)
        path.write_bytes(data)
        describe = lambda: f"suffix={suffix} missing={missing} bytes={data[:300]!r}"
        df = attempt(f"read: {suffix}", _read(path, missing=missing), describe)
        check_frame(f"read: {suffix}", df, data, False, describe)
        if df is not None and suffix != ".parquet":
            out = Path(folder) / "out.parquet"
            attempt(f"read: {suffix} to parquet", lambda: df.to_parquet(out), describe)
