"""`indicators export`: the exchange writers from the command line."""

from __future__ import annotations

import pandas as pd

from indicators._demo import sample_data
from indicators.cli import main
from indicators.exchange import canonical_values, read_datapackage


def test_export_datapackage(tmp_path, capsys) -> None:
    code = main(["export", str(sample_data("values_sample.csv")), "--format", "datapackage",
                 "--out", str(tmp_path), "--lang", "es"])
    assert code == 0
    assert "2 archivos escritos" in capsys.readouterr().out
    back = read_datapackage(tmp_path)
    original = pd.read_csv(sample_data("values_sample.csv"), dtype=str, keep_default_na=False, na_values=[""])
    pd.testing.assert_series_equal(back["value"], canonical_values(original)["value"])


def test_export_open_sdg(tmp_path, capsys) -> None:
    code = main(["export", str(sample_data("values_sample.csv")), "--format", "open-sdg", "--out", str(tmp_path),
                 "--country", "PER", "--indicators", "MESECVI-SS-R01"])
    assert code == 0
    assert (tmp_path / "data" / "indicator_mesecvi-ss-r01.csv").is_file()
    assert (tmp_path / "meta" / "mesecvi-ss-r01.md").is_file()
    assert main(["export", str(sample_data("values_sample.csv")), "--format", "open-sdg",
                 "--out", str(tmp_path)]) == 2
    assert main(["export", str(sample_data("values_sample.csv")), "--format", "open-sdg", "--out", str(tmp_path),
                 "--country", "PER", "--indicators", "NOPE"]) == 2
    assert "NOPE" not in capsys.readouterr().out


def test_export_sdmx_csv_and_ml(tmp_path, capsys) -> None:
    from indicators.exchange import read_sdmx

    original = pd.read_csv(sample_data("values_sample.csv"), dtype=str, keep_default_na=False, na_values=[""])
    for fmt, suffix in (("sdmx-csv", "csv"), ("sdmx-ml", "xml")):
        out = tmp_path / fmt
        assert main(["export", str(sample_data("values_sample.csv")), "--format", fmt, "--out", str(out)]) == 0
        assert "2 files written" in capsys.readouterr().out
        assert (out / "structure.xml").is_file()
        back = read_sdmx(out / f"values.{suffix}")
        pd.testing.assert_series_equal(back["value"], canonical_values(original)["value"])
    # the SDG form refuses the MESECVI indicators it has no series for, with an error, not a traceback
    assert main(["export", str(sample_data("values_sample.csv")), "--format", "sdmx-csv", "--dsd", "sdg",
                 "--out", str(tmp_path / "sdg")]) == 2
    assert not (tmp_path / "sdg" / "values.csv").exists()
