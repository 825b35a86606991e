"""Open SDG: data CSV (Year first, Value last, disaggregations blank for total) and metadata per indicator."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

import indicators as ind
from indicators._demo import sample_data
from indicators.errors import DataError, OptionError
from indicators.exchange import to_open_sdg


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return ind.read(sample_data("values_sample.csv"))


def test_layout_and_values_of_the_sample(sample: pd.DataFrame, tmp_path) -> None:
    paths = to_open_sdg(sample, tmp_path, country="ARG", indicators=["MESECVI-SS-R01", "MESECVI-AJ-P02"])
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [
        "data/indicator_mesecvi-ss-r01.csv", "data/indicator_mesecvi-aj-p02.csv",
        "meta/mesecvi-ss-r01.md", "meta/mesecvi-aj-p02.md"]
    data = pd.read_csv(paths[0], dtype=str, keep_default_na=False)
    assert data.columns[0] == "Year" and data.columns[-1] == "Value"
    rows = sample[(sample["country"] == "ARG") & (sample["indicator"] == "MESECVI-SS-R01")]
    rows = rows[pd.to_numeric(rows["value"], errors="coerce").notna()]
    assert len(data) == len(rows)
    # every written value is the table's value for the same year and age group (blank = total)
    labels = {str(c["code"]): ind.load_codelist("age_group_broad").label(str(c["code"]), "en")
              for c in ind.load_codelist("age_group_broad").codes}
    expected = sorted((str(y), "" if a == "_T" else labels[a], float(v))
                      for y, a, v in zip(rows["year"], rows["age_group_broad"], rows["value"], strict=True))
    got = sorted((y, a, float(v)) for y, a, v in zip(data["Year"], data.iloc[:, 1], data["Value"], strict=True))
    if "Broad age group" in data.columns:
        assert got == expected
    else:  # only totals: no disaggregation column at all
        assert [(y, float(v)) for y, _, v in got] == [(y, v) for y, _, v in expected]
    meta_text = paths[2].read_text(encoding="utf-8")
    assert meta_text.startswith("---\n") and meta_text.endswith("---\n")
    meta = yaml.safe_load(meta_text.strip("-\n"))
    assert meta["indicator_name"] == ind.load_catalog("mesecvi")["MESECVI-SS-R01"].title("en")
    assert meta["country"] == "ARG" and meta["catalog_indicator"] == "MESECVI-SS-R01"


def test_total_is_blank_and_rows_sorted(tmp_path) -> None:
    values = pd.DataFrame({"country": ["PER"] * 4, "year": [2020, 2020, 2019, 2020],
                           "indicator": ["MESECVI-SS-R01"] * 4, "area": ["R", "_T", "_T", "U"],
                           "value": [40.0, 30.5, 31.25, None], "status": ["observed"] * 3 + ["not_available"]})
    (path,) = [p for p in to_open_sdg(values, tmp_path, country="PER", lang="es") if p.suffix == ".csv"]
    assert path.read_text(encoding="utf-8") == ("Year,Área de residencia,Value\n2019,,31.25\n2020,,30.5\n"
                                                "2020,Rural,40.0\n")


def test_byte_identical(sample: pd.DataFrame, tmp_path) -> None:
    a = to_open_sdg(sample, tmp_path / "a", country="PER")
    b = to_open_sdg(sample, tmp_path / "b", country="PER")
    assert len(a) == len(b) > 10
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b, strict=True))


def test_refusals(sample: pd.DataFrame, tmp_path) -> None:
    with pytest.raises(DataError) as info:
        to_open_sdg(sample, tmp_path, country="PER", indicators=["MESECVI-LEG-S01", "NOPE"])
    assert set(info.value.problems["code"]) == {"exchange.coded_indicator", "exchange.unknown_indicator"}
    with pytest.raises(DataError):
        to_open_sdg(sample, tmp_path, country="ZZZ")
    with pytest.raises(OptionError):
        to_open_sdg(sample, tmp_path, country="PER", indicators="MESECVI-SS-R01")
    assert not any(tmp_path.iterdir())


def test_messages_exist_in_every_language() -> None:
    from pathlib import Path

    folder = Path(ind.__file__).parent / "locale"
    keys = {lang.name: set(yaml.safe_load((lang / "exchange.yaml").read_text(encoding="utf-8")))
            for lang in folder.iterdir() if (lang / "exchange.yaml").exists()}
    assert set(keys) == {"en", "es", "pt", "fr"}
    for lang, found in keys.items():
        assert found == keys["en"], f"{lang}: {sorted(found ^ keys['en'])}"
