"""Frictionless Data Package: write, validate with frictionless, read back the same table."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import indicators as ind
from indicators._demo import sample_data
from indicators.errors import DataError, ReadError
from indicators.exchange import canonical_values, read_datapackage, table_schema, to_datapackage

pytest.importorskip("frictionless")


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return ind.read(sample_data("values_sample.csv"))


def test_round_trip_of_the_sample(sample: pd.DataFrame, tmp_path) -> None:
    path = to_datapackage(sample, tmp_path / "pkg")
    back = read_datapackage(path)
    pd.testing.assert_frame_equal(back, canonical_values(sample))
    assert len(back) == len(sample) == 1666
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    catalog = ind.load_catalog("mesecvi")
    assert descriptor["catalog"] == {"id": "mesecvi", "label": catalog.label, "fingerprint": catalog.fingerprint}
    assert descriptor["input"]["sha256"] == sample.attrs["provenance"].sha256
    assert descriptor["resources"][0]["schema"]["primaryKey"] == ["country", "year", "indicator", "age_group_broad"]


def test_byte_identical_across_runs(sample: pd.DataFrame, tmp_path) -> None:
    small = sample.head(40)
    a = to_datapackage(small, tmp_path / "a")
    b = to_datapackage(small, tmp_path / "b")
    for name in ("values.csv", "datapackage.json"):
        assert (a.parent / name).read_bytes() == (b.parent / name).read_bytes()


def test_formulas_escaped_in_text_never_in_numbers(tmp_path) -> None:
    values = pd.DataFrame({"country": ["PER", "PER"], "year": [2020, 2021], "indicator": ["MESECVI-AJ-P02"] * 2,
                           "value": [-3.5, 2.0], "source": ["=HYPERLINK(\"x\")", "+ministry"], "note": ["-", None]})
    path = to_datapackage(values, tmp_path)
    text = (tmp_path / "values.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'+ministry" in text and ",-3.5," in text
    back = read_datapackage(tmp_path)
    assert back["source"].tolist() == ["=HYPERLINK(\"x\")", "+ministry"]
    assert back["value"].tolist() == ["-3.5", "2"]
    assert path.name == "datapackage.json"


def test_schema_generated_from_the_catalog() -> None:
    schema = table_schema("mesecvi", ["country", "year", "indicator", "sex", "value", "se", "n", "status"])
    types = {f["name"]: f["type"] for f in schema["fields"]}
    assert types == {"country": "string", "year": "integer", "indicator": "string", "sex": "string",
                     "value": "string", "se": "number", "n": "integer", "status": "string"}
    enums = {f["name"]: f.get("constraints", {}).get("enum") for f in schema["fields"]}
    assert enums["sex"] == ["F", "M", "_T"]
    assert "MESECVI-BUD-Q01" in enums["indicator"] and "ARG" in enums["country"]
    assert "SISDEHM" not in " ".join(enums["indicator"])


def test_unknown_codes_are_reported_and_nothing_left(tmp_path) -> None:
    values = pd.DataFrame({"country": ["PER", "XXX"], "year": [2020, 2020], "indicator": ["NOPE", "MESECVI-AJ-P02"],
                           "value": [1.0, 2.0]})
    with pytest.raises(DataError) as info:
        to_datapackage(values, tmp_path)
    problems = info.value.problems
    assert set(zip(problems["row"], problems["column"], strict=True)) == {(2, "indicator"), (3, "country")}
    assert not (tmp_path / "values.csv").exists() and not (tmp_path / "datapackage.json").exists()


def test_duplicate_keys_are_reported(tmp_path) -> None:
    values = pd.DataFrame({"country": ["PER", "PER"], "year": [2020, 2020], "indicator": ["MESECVI-AJ-P02"] * 2,
                           "value": [1.0, 2.0]})
    with pytest.raises(DataError) as info:
        to_datapackage(values, tmp_path, lang="es")
    assert "primary-key" in " ".join(info.value.problems["code"])
    assert "no cumple su esquema" in str(info.value)


def test_tampered_package_is_refused(sample: pd.DataFrame, tmp_path) -> None:
    to_datapackage(sample.head(10), tmp_path)
    csv = tmp_path / "values.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("ARG,2014", "ARG,20x4", 1), encoding="utf-8")
    with pytest.raises(ReadError) as info:
        read_datapackage(tmp_path)
    assert len(info.value.problems) >= 1
    with pytest.raises(ReadError):
        read_datapackage(tmp_path / "missing")


def test_descriptor_cannot_point_outside_its_folder(sample: pd.DataFrame, tmp_path) -> None:
    path = to_datapackage(sample.head(5), tmp_path / "pkg")
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["resources"][0]["path"] = "../../etc/passwd"
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    with pytest.raises(ReadError):
        read_datapackage(path)


_rows = st.lists(
    st.tuples(st.sampled_from(["ARG", "PER", "MEX"]), st.integers(2000, 2030),
              st.sampled_from(["MESECVI-AJ-P02", "MESECVI-LEG-S01", "MESECVI-SS-R01"]),
              st.one_of(st.none(), st.floats(-1e9, 1e9, allow_nan=False), st.sampled_from(["none", "legal"])),
              st.one_of(st.none(), st.text(max_size=8))),
    min_size=1, max_size=8, unique_by=lambda r: r[:3])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_rows)
def test_round_trip_property(rows, tmp_path_factory) -> None:
    values = pd.DataFrame(rows, columns=["country", "year", "indicator", "value", "note"])
    folder = tmp_path_factory.mktemp("prop")
    back = read_datapackage(to_datapackage(values, folder))
    pd.testing.assert_frame_equal(back, canonical_values(values), check_dtype=True)
