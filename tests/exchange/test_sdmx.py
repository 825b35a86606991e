"""SDMX: SDMX-CSV 2.0 and SDMX-ML 2.1 structure-specific data against the catalog's structure or the SDG one;
read back by the library and by sdmx1 itself with the same values."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import indicators as ind
from indicators._demo import sample_data
from indicators.errors import DataError, OptionError, ReadError
from indicators.exchange import canonical_values, read_sdmx, sdmx_structure, to_sdmx
from indicators.exchange._sdmx_structure import sdg_mapping, sdmx_layout

sdmx = pytest.importorskip("sdmx")

DISAGGS = ("age_group_broad", "area", "ethnicity", "disability")


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return ind.read(sample_data("values_sample.csv"))


def _expected(values: pd.DataFrame) -> pd.DataFrame:
    """The table a reader gives back: canonical, totals for missing codes, all-total and empty columns dropped."""
    e = canonical_values(values)
    for c in DISAGGS:
        if c in e.columns:
            e[c] = e[c].fillna("_T")
    keep = [c for c in e.columns if c in ("country", "year", "indicator", "value")
            or (c in DISAGGS and (e[c] != "_T").any()) or (c not in DISAGGS and e[c].notna().any())]
    return e[keep].reset_index(drop=True)


def _by_key_from_sdmx1(msg) -> dict[tuple[str, ...], str | None]:
    out = {}
    for ds in msg.data:
        for obs in ds.obs:
            value = None if obs.value in (None, "", "NaN") else str(obs.value)
            out[tuple(str(v.value) for v in obs.key.values.values())] = value
    return out


@pytest.mark.parametrize("suffix", ["csv", "xml"])
def test_sample_round_trip_and_sdmx1_reads_the_same_values(sample: pd.DataFrame, tmp_path, suffix: str) -> None:
    path = to_sdmx(sample, tmp_path / f"values.{suffix}")
    back = read_sdmx(path)
    pd.testing.assert_frame_equal(back, _expected(sample))
    assert len(back) == 1666
    # sdmx1 reads the file against the structure message the library writes
    structure = sdmx.read_sdmx(sdmx_structure(tmp_path))
    dsd = structure.structure["DSD_MESECVI"]
    got = _by_key_from_sdmx1(sdmx.read_sdmx(path, structure=dsd))
    table = canonical_values(sample)
    want = {}
    for row in table.itertuples(index=False):
        key = (row.country, row.indicator, row.age_group_broad if pd.notna(row.age_group_broad) else "_T",
               "_T", "_T", "_T", str(row.year))
        want[key] = None if pd.isna(row.value) else row.value
    assert got == want


def test_structure_generated_from_the_catalog(tmp_path) -> None:
    path = sdmx_structure(tmp_path, catalog="mesecvi")
    msg = sdmx.read_sdmx(path)
    dsd = msg.structure["DSD_MESECVI"]
    assert [d.id for d in dsd.dimensions] == ["REF_AREA", "INDICATOR", "AGE_GROUP_BROAD", "AREA", "ETHNICITY",
                                              "DISABILITY", "TIME_PERIOD"]
    assert {a.id for a in dsd.attributes} >= {"UNIT_MEASURE", "OBS_STATUS", "COMMENT_OBS", "STANDARD_ERROR"}
    catalog = ind.load_catalog("mesecvi")
    indicators = dsd.dimensions.get("INDICATOR").local_representation.enumerated
    assert set(catalog.ids) <= {c.id for c in indicators}
    assert indicators["MESECVI-LEG-S01"].name.localizations["es"] == catalog["MESECVI-LEG-S01"].title("es")
    areas = dsd.dimensions.get("REF_AREA").local_representation.enumerated
    assert len(areas) == len(ind.load_codelist("country").codes)
    sisdehm = sdmx.read_sdmx(sdmx_structure(tmp_path, catalog="sisdehm", name="s.xml")).structure["DSD_SISDEHM"]
    assert "SEX" in [d.id for d in sisdehm.dimensions] and "INCOME_QUINTILE" in [d.id for d in sisdehm.dimensions]


def test_byte_identical_across_runs(sample: pd.DataFrame, tmp_path) -> None:
    small = sample.head(60)
    for suffix in ("csv", "xml"):
        a = to_sdmx(small, tmp_path / f"a.{suffix}").read_bytes()
        b = to_sdmx(small, tmp_path / f"b.{suffix}").read_bytes()
        assert a == b
    assert sdmx_structure(tmp_path, name="s1.xml").read_bytes() == sdmx_structure(tmp_path, name="s2.xml").read_bytes()


def test_formulas_escaped_in_csv_text_not_in_numbers(tmp_path) -> None:
    values = pd.DataFrame({"country": ["PER", "PER"], "year": [2020, 2021], "indicator": ["MESECVI-AJ-P02"] * 2,
                           "value": [-3.5, 2.0], "source": ["=HYPERLINK(\"x\")", "+ministry"], "note": ["@a", None]})
    path = to_sdmx(values, tmp_path / "v.csv")
    text = path.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'+ministry" in text and "'@a" in text and ",-3.5," in text
    back = read_sdmx(path)
    assert back["source"].tolist() == ["=HYPERLINK(\"x\")", "+ministry"]
    assert back["value"].tolist() == ["-3.5", "2"]


def test_writer_never_leaves_the_folder(tmp_path) -> None:
    with pytest.raises(OptionError):
        sdmx_structure(tmp_path, name="../outside.xml")
    assert not (tmp_path.parent / "outside.xml").exists()


def test_rows_that_do_not_fit_are_all_reported(tmp_path) -> None:
    values = pd.DataFrame({"country": ["PER", "XXX", "PER", "PER"], "year": [2020, 2020, 2020, 2020],
                           "indicator": ["MESECVI-AJ-P02", "MESECVI-AJ-P02", "NOPE", "MESECVI-AJ-P02"],
                           "sex": ["_T", "_T", "_T", "F"], "value": [1, 2, 3, 4]})
    with pytest.raises(DataError) as err:
        to_sdmx(values, tmp_path / "v.csv", lang="es")
    problems = err.value.problems
    assert set(zip(problems["row"], problems["column"], strict=True)) == {(2, "country"), (3, "indicator"),
                                                                         (4, "sex")}
    assert "estructura SDMX" in str(err.value)
    assert not (tmp_path / "v.csv").exists()
    twice = pd.DataFrame({"country": ["PER", "PER"], "year": [2020, 2020], "indicator": ["MESECVI-AJ-P02"] * 2,
                          "value": [1, 2]})
    with pytest.raises(DataError) as err:
        to_sdmx(twice, tmp_path / "v.xml")
    assert err.value.problems["code"].tolist() == ["exchange.sdmx_duplicate"]


def test_sdg_form_maps_series_areas_and_codes(tmp_path) -> None:
    values = pd.DataFrame({
        "country": ["PER", "PER", "MEX"], "year": [2019, 2019, 2021],
        "indicator": ["SISDEHM-ECO-R02", "SISDEHM-ECO-R02", "SISDEHM-SEX-R03"],
        "sex": ["F", "M", "_T"], "area": ["_T", "U", "R"], "value": [19.5, 7.25, 21.0],
        "ci_low": [18.0, None, 19.5], "source": ["ENUT 2019", "ENUT 2019", "ENADID"]})
    path = to_sdmx(values, tmp_path / "sdg.csv", dsd="sdg", catalog="sisdehm")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert raw["STRUCTURE_ID"].unique().tolist() == ["IAEG-SDGs:DF_SDG_GLH(1.8)"]
    assert raw["REF_AREA"].tolist() == ["604", "604", "484"]  # UN M49 of Peru and Mexico
    assert raw["SERIES"].tolist() == ["SL_DOM_TSPD", "SL_DOM_TSPD", "SP_DYN_MRBF18"]
    assert raw["SEX"].tolist() == ["F", "M", "F"] and raw["AGE"].tolist() == ["_T", "_T", "Y20T24"]
    assert raw["URBANISATION"].tolist() == ["_T", "U", "R"] and raw["UNIT_MEASURE"].tolist() == ["PT"] * 3
    back = read_sdmx(path, catalog="sisdehm")
    pd.testing.assert_frame_equal(back, _expected(values)[back.columns])
    assert list(back.columns) == ["country", "year", "indicator", "value", "sex", "area", "ci_low", "source"]
    xml = to_sdmx(values, tmp_path / "sdg.xml", dsd="sdg", catalog="sisdehm")
    pd.testing.assert_frame_equal(read_sdmx(xml, catalog="sisdehm"), back)
    structure = sdmx.read_sdmx(sdmx_structure(tmp_path, dsd="sdg", name="sdg-structure.xml"))
    assert [d.id for d in structure.structure["SDG"].dimensions][:4] == ["FREQ", "REPORTING_TYPE", "SERIES",
                                                                       "REF_AREA"]


def test_sdg_form_refuses_what_it_cannot_hold(tmp_path) -> None:
    values = pd.DataFrame({"country": ["PER", "PER", "PER"], "year": [2020] * 3,
                           "indicator": ["MESECVI-LEG-R02", "MESECVI-LEG-R02", "MESECVI-INF-R01"],
                           "ethnicity": ["_T", "IND", "_T"], "value": [10.0, 20.0, 30.0]})
    with pytest.raises(DataError) as err:
        to_sdmx(values, tmp_path / "v.csv", dsd="sdg")
    assert set(err.value.problems["code"]) == {"exchange.sdmx_no_dimension", "exchange.sdmx_not_mapped"}


def test_every_mapped_indicator_exists_and_its_codes_are_known() -> None:
    mapping = sdg_mapping()
    ids = set(ind.load_catalog("mesecvi").ids) | set(ind.load_catalog("sisdehm").ids)
    assert set(mapping["indicators"]) <= ids
    catalogs = {"MESECVI": ind.load_catalog("mesecvi"), "SISDEHM": ind.load_catalog("sisdehm")}
    for ind_id in mapping["indicators"]:
        indicator = catalogs[ind_id.split("-")[0]][ind_id]
        assert any(t.startswith("sdg:") for t in indicator.tags), ind_id
    for col, spec in mapping["columns"].items():
        codes = {str(c["code"]) for c in ind.load_codelist(col).codes} - {"_T"}
        assert set(spec["codes"]) == codes, col


def test_reader_reports_bad_cells_with_file_row_and_column(tmp_path) -> None:
    path = tmp_path / "bad.csv"
    layout = sdmx_layout("mesecvi")
    path.write_text("STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,AGE_GROUP_BROAD,AREA,ETHNICITY,DISABILITY,"
                    "TIME_PERIOD,OBS_VALUE\n"
                    f"dataflow,{layout.structure_id},I,PER,MESECVI-AJ-P02,_T,_T,_T,_T,2020,1\n"
                    f"dataflow,{layout.structure_id},I,PER,MESECVI-AJ-P02,_T,X,_T,_T,2021,1\n"
                    f"dataflow,{layout.structure_id},I,PER,MESECVI-AJ-P02,_T,_T,_T,_T,20x1,1\n", encoding="utf-8")
    with pytest.raises(ReadError) as err:
        read_sdmx(path)
    problems = err.value.problems
    assert problems[["row", "column"]].values.tolist() == [[3, "AREA"], [4, "TIME_PERIOD"]]
    assert set(problems["file"]) == {str(path)}
    (tmp_path / "extra.csv").write_text("STRUCTURE,STRUCTURE_ID,ACTION,FOO\n", encoding="utf-8")
    with pytest.raises(ReadError):
        read_sdmx(tmp_path / "extra.csv")
    (tmp_path / "junk.xml").write_bytes(b"<not sdmx")
    with pytest.raises(ReadError):
        read_sdmx(tmp_path / "junk.xml")
    with pytest.raises(ReadError):
        read_sdmx(tmp_path / "missing.csv")


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("=+-@'\",;\n"), max_size=12)
_IDS = ["MESECVI-AJ-P02", "MESECVI-INF-R01", "MESECVI-LEG-S01", "MESECVI-INF-Q01"]


@st.composite
def _tables(draw) -> pd.DataFrame:
    keys = draw(st.lists(st.tuples(st.sampled_from(["PER", "MEX", "BRA"]), st.integers(1990, 2030),
                                   st.sampled_from(_IDS), st.sampled_from(["_T", "15-19", "60+"]),
                                   st.sampled_from(["_T", "U", "R"])), min_size=1, max_size=12, unique=True))
    n = len(keys)
    values = draw(st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from(
        ["constitutional", "yes"])), min_size=n, max_size=n))
    se = draw(st.lists(st.one_of(st.none(), st.floats(0, 100, allow_nan=False)), min_size=n, max_size=n))
    counts = draw(st.lists(st.one_of(st.none(), st.integers(0, 10**6)), min_size=n, max_size=n))
    notes = draw(st.lists(st.one_of(st.none(), _TEXT), min_size=n, max_size=n))
    status = draw(st.lists(st.sampled_from(["observed", "estimated", None]), min_size=n, max_size=n))
    return pd.DataFrame({"country": [k[0] for k in keys], "year": [k[1] for k in keys],
                         "indicator": [k[2] for k in keys], "age_group_broad": [k[3] for k in keys],
                         "area": [k[4] for k in keys], "value": pd.Series(values, dtype=object),
                         "se": pd.Series(se, dtype="float64"), "n": pd.Series(counts, dtype="Int64"),
                         "status": status, "note": notes})


@given(table=_tables())
def test_round_trip_property(table: pd.DataFrame, tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("rt")
    for suffix in ("csv", "xml"):
        back = read_sdmx(to_sdmx(table, folder / f"v.{suffix}"))
        pd.testing.assert_frame_equal(back, _expected(table))
