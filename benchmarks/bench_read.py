"""Benchmark: ``indicators.read`` with detection on vs ``pandas.read_csv`` told the answers.

The file is a 1,000,000-row, 20-column CSV as Excel writes it in a Spanish locale:
cp1252, ``;``, CRLF, decimal comma with thousands dots, accented text (some of it
quoted because it holds a ``;``), dates, codes with leading zeros and empty cells.

``indicators.read(path)`` gets no option: it detects the encoding, delimiter, decimal
and thousands marks and the code columns, checks every number against the file's
convention and numbers every row by its line. The baseline is ``pandas.read_csv`` given
``sep``, ``decimal``, ``thousands``, ``encoding`` and the code columns' ``dtype`` by hand.

Each read runs in its own child process (so peak memory is its own; the figure is the
growth of the peak resident set, reset before the read, over the resident set after
imports), the two sides
alternate, and the best of ``--repeat`` runs is kept. Prints time, peak memory and the
ratio indicators / pandas; also checks that both give the same table.

Usage::

    python benchmarks/bench_read.py                 # 1,000,000 rows
    python benchmarks/bench_read.py --rows 200000
    python benchmarks/bench_read.py --quick         # 100,000 rows
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
CODES = [f"codigo_{i}" for i in range(3)]


def spanish(values: object, decimals: int) -> object:
    """Format numbers as Excel does in Spanish: 1.234.567,89."""
    import pandas as pd

    s = pd.Series(values).map(lambda v: "" if math.isnan(v) else f"{v:,.{decimals}f}")
    return s.str.replace(",", "_", regex=False).str.replace(".", ",", regex=False).str.replace(
        "_", ".", regex=False)


def generate(path: Path, rows: int, seed: int = 20240611) -> None:
    """Write the benchmark file (deterministic for a given size and seed)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    places = np.array(["Ñuble", "Peñalolén", "Asunción", "Bogotá", "São Paulo", "Ciudad de México",
                       "Mérida", "Cusco", "Quibdó", "Región del Biobío; sur", "Concepción",
                       "Puerto Príncipe"])
    cols: dict[str, object] = {}
    for i in range(4):
        cols[f"entero_{i}"] = rng.integers(0, 5000, rows)
    cols["poblacion"] = spanish(rng.integers(0, 5_000_000, rows).astype(float), 0)
    for i in range(5):
        x = np.round(rng.normal(1000, 8000, rows), 2)
        if i == 4:
            x[rng.random(rows) < 0.05] = np.nan  # empty cells
        cols[f"decimal_{i}"] = spanish(x, 2)
    for i in range(4):
        cols[f"texto_{i}"] = places[rng.integers(0, len(places), rows)]
    for i in range(3):
        days = pd.to_timedelta(rng.integers(0, 1500, rows), unit="D")
        cols[f"fecha_{i}"] = (pd.Timestamp("2020-01-01") + days).strftime("%d/%m/%Y")
    for name in CODES:
        cols[name] = pd.Series(rng.integers(0, 100_000, rows)).map("{:06d}".format)
    frame = pd.DataFrame(cols)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    frame.to_csv(tmp, sep=";", index=False, encoding="cp1252", lineterminator="\r\n")
    tmp.replace(path)


def workbook_frame(rows: int, seed: int = 20240611) -> object:
    """The table of the workbook benchmark: numbers, text, dates and codes typed as text."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    places = np.array(["Ñuble", "Peñalolén", "Asunción", "Bogotá", "São Paulo", "Ciudad de México",
                       "Mérida", "Cusco", "Quibdó", "Región del Biobío; sur", "Concepción", "Puerto Príncipe"])
    cols: dict[str, object] = {}
    for i in range(4):
        cols[f"entero_{i}"] = rng.integers(0, 5000, rows)
    cols["poblacion"] = rng.integers(0, 5_000_000, rows)
    for i in range(5):
        x = np.round(rng.normal(1000, 8000, rows), 2)
        if i == 4:
            x[rng.random(rows) < 0.05] = np.nan  # empty cells
        cols[f"decimal_{i}"] = x
    for i in range(4):
        cols[f"texto_{i}"] = places[rng.integers(0, len(places), rows)]
    for i in range(2):
        cols[f"fecha_{i}"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, rows), unit="D")
    for name in CODES:
        cols[name] = pd.Series(rng.integers(0, 100_000, rows)).map("{:06d}".format)
    return pd.DataFrame(cols)


def generate_xlsx(path: Path, rows: int) -> None:
    """Write the workbook benchmark as .xlsx (xlsxwriter, streamed)."""
    import math

    import xlsxwriter

    frame = workbook_frame(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
    sheet = book.add_worksheet("datos")
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    columns = list(frame.columns)
    sheet.write_row(0, 0, columns)
    kinds = [("date" if str(frame[c].dtype).startswith("datetime") else "other") for c in columns]
    values = [frame[c].tolist() for c in columns]
    for r in range(rows):
        for j, kind in enumerate(kinds):
            v = values[j][r]
            if kind == "date":
                sheet.write_datetime(r + 1, j, v.to_pydatetime(), dates)
            elif isinstance(v, float) and math.isnan(v):
                continue
            else:
                sheet.write(r + 1, j, v)
    book.close()
    tmp.replace(path)


def generate_ods(path: Path, rows: int) -> None:
    """Write the workbook benchmark as .ods (content.xml written directly, as LibreOffice does)."""
    import math
    import zipfile
    from xml.sax.saxutils import escape

    frame = workbook_frame(rows)
    columns = list(frame.columns)
    kinds = [("date" if str(frame[c].dtype).startswith("datetime") else "other") for c in columns]
    values = [frame[c].tolist() for c in columns]

    def cell(v: object, kind: str) -> str:
        if kind == "date":
            d = v.strftime("%Y-%m-%d")  # type: ignore[attr-defined]
            return (f'<table:table-cell office:value-type="date" office:date-value="{d}">'
                    f"<text:p>{d}</text:p></table:table-cell>")
        if isinstance(v, float) and math.isnan(v):
            return "<table:table-cell/>"
        if isinstance(v, (int, float)):
            return (f'<table:table-cell office:value-type="float" office:value="{v}">'
                    f"<text:p>{v}</text:p></table:table-cell>")
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'

    head = "".join(cell(c, "other") for c in columns)
    parts = [f"<table:table-row>{head}</table:table-row>"]
    for r in range(rows):
        parts.append("<table:table-row>" + "".join(cell(values[j][r], k) for j, k in enumerate(kinds))
                     + "</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="datos">'
        + "".join(parts) + "</table:table></office:spreadsheet></office:body></office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.ods")
    with zipfile.ZipFile(tmp, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    tmp.replace(path)


def _baseline(path: str) -> object:
    """What a user would write instead: pandas told the delimiter, marks, encoding and code columns."""
    import pandas as pd

    if path.endswith((".xlsx", ".ods")):
        return pd.read_excel(path, engine="calamine", dtype={c: str for c in CODES})
    return pd.read_csv(path, sep=";", decimal=",", thousands=".", encoding="cp1252",
                       dtype={c: str for c in CODES})


def child(side: str, path: str) -> None:
    """Read once and print seconds and peak memory growth (MiB) as JSON."""
    import resource

    import pandas.io.excel._calamine  # noqa: F401 - module imports are one-time costs, excluded on both sides
    import python_calamine  # noqa: F401

    import indicators
    import indicators.io._delimited
    import indicators.io._workbooks  # noqa: F401

    def status(key: str) -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return float(line.split()[1]) / 1024  # MiB
        return float("nan")

    try:  # reset the high-water mark so the peak is this read's (Linux)
        Path("/proc/self/clear_refs").write_text("5")
        before = status("VmRSS")
    except OSError:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    if side == "pandas":
        df = _baseline(path)
    else:
        df = indicators.read(path)
    seconds = time.perf_counter() - start
    after = status("VmHWM")
    if math.isnan(after):
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"side": side, "seconds": seconds, "peak_mib": after - before,
                      "rows": len(df), "columns": df.shape[1]}))


def run_child(side: str, path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", side, str(path)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def same_table(path: Path) -> str:
    import pandas as pd

    import indicators

    ours = indicators.read(path)
    theirs = _baseline(str(path))
    p = ours.attrs["provenance"]
    assert ours.index[0] == 2 and ours.index[-1] == len(ours) + 1
    ours = ours.reset_index(drop=True)
    dates = [c for c in ours.columns if str(ours[c].dtype).startswith("datetime64")]
    if dates:  # the same instants; pandas keeps them in microseconds, indicators in seconds
        theirs = theirs.astype({c: ours[c].dtype for c in dates})
    pd.testing.assert_frame_equal(ours, theirs)
    if path.suffix == ".csv":
        detected = (p.encoding, p.delimiter, p.decimal, p.thousands)
        assert detected == ("cp1252", ";", ",", "."), detected
        return f"same table: yes ({len(ours):,} rows; detected encoding, delimiter, decimal, thousands = {detected})"
    return (f"same table: yes ({len(ours):,} rows x {ours.shape[1]} columns, sheet {p.sheet!r}; dates compared "
            f"as instants: {', '.join(dates)} are datetime64[s] here, [us] from pandas)")


#: Per format: (default rows, rows with --quick, file name, writer, what the file holds).
FORMATS = {
    "csv": (1_000_000, 100_000, "read_es_{rows}.csv", generate,
            "20 columns, cp1252, ';', decimal comma, thousands dot"),
    "xlsx": (200_000, 20_000, "read_book_{rows}.xlsx", generate_xlsx,
             "19 columns: integers, decimals (5 % empty in one), text, dates, codes typed as text"),
    "ods": (200_000, 20_000, "read_book_{rows}.ods", generate_ods, "the same 19 columns as the .xlsx"),
}


def bench(fmt: str, rows: int, repeat: int) -> float:
    """Time both sides on one file, alternating; print the table; return the best-vs-best ratio."""
    _, _, name, writer, what = FORMATS[fmt]
    path = DATA / name.format(rows=rows)
    if not path.exists():
        start = time.perf_counter()
        writer(path, rows)
        print(f"generated {path.name} in {time.perf_counter() - start:.1f} s")
    size = path.stat().st_size / 2**20
    baseline = "pandas.read_excel(engine='calamine')" if fmt != "csv" else "pandas.read_csv"
    print(f"\n{fmt}: {rows:,} rows, {what}, {size:.0f} MiB; baseline {baseline} told the code columns")
    results: dict[str, list[dict[str, float]]] = {"pandas": [], "indicators": []}
    for _ in range(repeat):
        for side in ("pandas", "indicators"):
            results[side].append(run_child(side, path))
    best = {side: min(r["seconds"] for r in runs) for side, runs in results.items()}
    peak = {side: min(r["peak_mib"] for r in runs) for side, runs in results.items()}
    print(f"{'':12s} {'best s':>8s} {'all runs (s)':>28s} {'peak MiB':>9s}")
    for side, runs in results.items():
        all_runs = ", ".join(f"{r['seconds']:.2f}" for r in runs)
        print(f"{side:12s} {best[side]:8.2f} {all_runs:>28s} {peak[side]:9.0f}")
    ratio = best["indicators"] / best["pandas"]
    pairs = sorted(a["seconds"] / b["seconds"] for a, b in zip(results["indicators"], results["pandas"]))
    print(f"ratio time indicators/pandas: {ratio:.2f} best vs best; median of paired runs {pairs[len(pairs) // 2]:.2f}")
    print(f"ratio peak memory indicators/pandas: {peak['indicators'] / max(peak['pandas'], 1e-9):.2f}")
    print(same_table(path))
    return ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--format", choices=[*FORMATS, "all"], default="all",
                        help="csv (1,000,000 rows), xlsx or ods (200,000 rows), or all (default)")
    parser.add_argument("--rows", type=int, default=None, help="rows (default: per format)")
    parser.add_argument("--quick", action="store_true", help="100,000 CSV rows, 20,000 workbook rows")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} (the machine is shared: compare ratios, not seconds)")
    for fmt in (FORMATS if args.format == "all" else [args.format]):
        full, quick = FORMATS[fmt][:2]
        bench(fmt, args.rows or (quick if args.quick else full), args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
