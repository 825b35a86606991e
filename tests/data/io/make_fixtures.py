"""Write the fixtures of tests/test_io*.py. Run from anywhere: python tests/data/io/make_fixtures.py

Every file is small and written byte by byte (text) or with the writer named (pyreadstat,
openpyxl, pyarrow) so that what each test reads is known exactly.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
from openpyxl import Workbook

HERE = Path(__file__).resolve().parent


def text(name: str, content: str, encoding: str = "utf-8", newline: str = "\n") -> None:
    (HERE / name).write_bytes(content.replace("\n", newline).encode(encoding))


def main() -> None:
    # Spanish Excel export: cp1252, ';', decimal comma, thousands dot, CRLF, quotes.
    text("es_cp1252.csv",
         "región;comuna;población;tasa;nota\n"
         "Ñuble;Chillán;1.200;10,5;sin nota\n"
         "Metropolitana;Peñalolén;241.599;0,25;\"dice \"\"hola\"\"; adiós\"\n"
         "Biobío;Concepción;1.234.567;3,75;costó 5 €\n",
         encoding="cp1252", newline="\r\n")
    text("utf8_bom.csv", "país,año,valor\nPerú,2023,12.5\nMéxico,2023,7.25\n", encoding="utf-8-sig")
    text("tabs.tsv", "pais\tanio\tvalor\nPER\t2023\t12,5\nMEX\t2023\t7,25\n")
    text("pipe.txt", "pais|anio|valor\nPER|2023|1,234.5\nMEX|2023|7.25\n")
    text("unicode_text.txt", "región\tvalor\nÑuble\t10,5\nPeñalolén\t3,25\n", encoding="utf-16")
    text("ambiguous.csv", "region;poblacion\nNorte;1.200\nSur;2.500\n")
    text("title_block.csv",
         "Ministerio de la Mujer;;\n"
         "Casos atendidos 2023;;\n"
         ";;\n"
         "region;casos;tasa\n"
         "Norte;1.200;10,5\n"
         "Sur;300;2,25\n", encoding="cp1252")
    text("bad_cells.csv", "a;b;c\n1;2;3\n4;5\n6;7;8;9\n10;11;12\n")
    text("inconsistent_decimal.csv", "region;tasa\nNorte;10,5\nSur;10.5\nEste;3,25\n")
    text("blank_lines.csv", "a;b\n1;2\n\n3;4\n\n")
    text("multiline.csv", 'id;texto\n1;"línea uno\nlínea dos"\n2;simple\n3;"otra\n\nmás"\n')
    text("codes.csv", "codigo;ubigeo;valor\n01;010101;5\n02;150101;7\n10;220901;9\n")
    text("text_in_numbers.csv", "region;valor\nNorte;10,5\nSur;s/d\nEste;3,25\nOeste;4,5\n")
    text("unclosed_quote.csv", 'a;b\n1;"abierto\n2;3\n')
    (HERE / "empty.csv").write_bytes(b"")
    (HERE / "binary.csv").write_bytes(b"a;b\n1;2\n\x00\x01\x02\x03\xff\xfe\n")
    (HERE / "data.xyz").write_bytes(b"a,b\n1,2\n")
    with zipfile.ZipFile(HERE / "workbook_named.csv", "w") as z:  # an .xlsx renamed .csv
        z.writestr("[Content_Types].xml", "<Types/>")

    # Workbook with a title block, codes with leading zeros and numbers stored as text.
    wb = Workbook()
    ws = wb.active
    ws.title = "Resumen"
    ws["A1"] = "Instituto Nacional de Estadística"
    ws["A2"] = "Casos por región, 2023"
    header = ["codigo", "región", "casos", "tasa", "fecha"]
    rows = [["01", "Ñuble", 1200, "10,5", pd.Timestamp("2023-01-31")],
            ["02", "Peñalolén", "1.300", "3,25", pd.Timestamp("2023-02-28")],
            ["10", "Biobío", 45, "0,5", pd.Timestamp("2023-03-31")]]
    for j, h in enumerate(header, start=1):
        ws.cell(row=4, column=j, value=h)
    for i, row in enumerate(rows, start=5):
        for j, v in enumerate(row, start=1):
            ws.cell(row=i, column=j, value=v.to_pydatetime() if isinstance(v, pd.Timestamp) else v)
    ws["F4"] = "ubigeo"
    for i, code in enumerate([10101, 150101, 220901], start=5):
        cell = ws.cell(row=i, column=6, value=code)  # a code typed as a number, shown as 010101
        cell.number_format = "000000"
    other = wb.create_sheet("Otra")
    other.append(["x", "y"])
    other.append([1, 2.5])
    wb.save(HERE / "title_block.xlsx")
    wb.save(HERE / "macro.xlsm")

    _write_ods(HERE / "simple.ods", [["región", "valor", "codigo"],
                                    ["Ñuble", 10.5, "01"], ["Biobío", 3.0, "02"]])

    # SPSS: value labels, discrete user-missing codes and a range.
    sav = pd.DataFrame({
        "p1": [1.0, 2.0, 8.0, 9.0, 1.0, np.nan],
        "ingreso": [1500.0, 2300.0, 99999.0, 1200.0, 99998.0, 800.0],
        "comuna": ["Peñalolén", "Ñuble", "Chillán", "Concepción", "Maipú", "Puente Alto"],
    })
    pyreadstat.write_sav(
        sav, HERE / "encuesta.sav",
        column_labels={"p1": "¿Sufrió violencia en los últimos 12 meses?", "ingreso": "Ingreso mensual",
                       "comuna": "Comuna de residencia"},
        variable_value_labels={"p1": {1: "Sí", 2: "No", 8: "No sabe", 9: "No responde"}},
        missing_ranges={"p1": [8, 9], "ingreso": [{"lo": 99998, "hi": 99999}]},
    )
    # Stata: value labels and an extended missing value (.a = no responde).
    dta = pd.DataFrame({
        "p1": pd.Series([1, 2, "a", 1], dtype=object),
        "edad": [25.0, 40.0, 33.0, 51.0],
        "region": ["Ñuble", "Biobío", "Maule", "Los Ríos"],
    })
    pyreadstat.write_dta(
        dta, HERE / "encuesta.dta",
        column_labels={"p1": "Violencia de pareja", "edad": "Edad en años", "region": "Región"},
        variable_value_labels={"p1": {1: "Sí", 2: "No"}},
        missing_user_values={"p1": ["a"]},
    )
    pd.DataFrame({"pais": ["PER", "MEX"], "valor": [12.5, 7.25], "anio": [2023, 2023]}).to_parquet(
        HERE / "valores.parquet", index=False)


def _write_ods(path: Path, rows: list[list[object]]) -> None:
    """A minimal OpenDocument spreadsheet, written by hand (no odfpy needed)."""
    def cell(v: object) -> str:
        if isinstance(v, (int, float)):
            return (f'<table:table-cell office:value-type="float" office:value="{v}">'
                    f"<text:p>{v}</text:p></table:table-cell>")
        return f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>" for r in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Datos">'
        f"{body}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)


if __name__ == "__main__":
    main()
