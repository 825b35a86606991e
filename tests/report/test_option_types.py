"""Report and score options of the wrong type: an OptionError naming the parameter, in the
user's language; score's messages name rows as the user sees them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import indicators as ind
from indicators import OptionError

CAT = ind.load_catalog("mesecvi")
FIRST = "MESECVI-LEG-S01"
VALUES = pd.DataFrame({"country": ["PER", "ARG"], "year": [2020, 2020], "indicator": [FIRST, FIRST],
                       "value": ["legal", "constitutional"]})
NO_SCORES = pd.DataFrame(columns=["country", "year", "level", "unit", "score", "ci_low", "ci_high", "rank",
                                  "rank_low", "rank_high", "coverage"])


@pytest.mark.parametrize("options,name", [
    ({"cv_thresholds": "x"}, "cv_thresholds"), ({"cv_thresholds": (1,)}, "cv_thresholds"),
    ({"cv_thresholds": (30, 15)}, "cv_thresholds"), ({"cv_limits": "x"}, "cv_limits"),
    ({"follow_up": 5}, "follow_up"), ({"validation": "x"}, "validation"), ({"catalog": 5}, "catalog"),
    ({"year": "x"}, "year"), ({"date": "2020-01-01"}, "date"), ({"locale": 5}, "locale"),
])
def test_country_report_wrong_option_types(options: dict[str, Any], name: str) -> None:
    args: dict[str, Any] = {"catalog": CAT, "country": "PER", "scores": NO_SCORES, "validation": None, **options}
    with pytest.raises(OptionError, match=f"'{name}'") as err:
        ind.country_report(VALUES, **args)
    assert "Got" in str(err.value)


def test_country_report_option_error_in_spanish() -> None:
    with pytest.raises(OptionError, match="El parámetro 'follow_up'"):
        ind.country_report(VALUES, CAT, country="PER", scores=NO_SCORES, validation=None, follow_up=5, lang="es")


@pytest.mark.parametrize("countries", [5, [5], {"PER": 1}, b"PER"])
def test_hemispheric_report_wrong_countries(countries: Any) -> None:
    with pytest.raises(OptionError, match="'countries'"):
        ind.hemispheric_report(VALUES, CAT, scores=NO_SCORES, countries=countries)


def test_hemispheric_report_one_country_given_as_text() -> None:
    # a single code was taken letter by letter ("no rows for country 'P'")
    report = ind.hemispheric_report(VALUES, CAT, scores=NO_SCORES, countries="PER")
    columns = report.tables["indicators_legislation"].columns.tolist()
    assert "PER" in columns and "ARG" not in columns


@pytest.mark.parametrize("options,name", [
    ({"catalog": 5}, "catalog"), ({"years": "x"}, "years"), ({"years": ["x"]}, "years"),
    ({"years": [2020.5]}, "years"), ({"draws": "x"}, "draws"), ({"interval": 2}, "interval"),
])
def test_score_wrong_option_types(options: dict[str, Any], name: str) -> None:
    with pytest.raises(OptionError, match=f"'{name}'"):
        ind.score(VALUES, "mesecvi", **{"catalog": CAT, **options})


def test_score_one_year_alone() -> None:
    assert ind.score(VALUES, "mesecvi", CAT, years=2020).years == [2020]


def test_score_names_the_line_of_a_file_and_the_label_of_a_table(tmp_path: Path) -> None:
    path = tmp_path / "valores.csv"
    path.write_text("country,year,indicator,value\nPER,2020,MESECVI-LEG-S01,legal\n"
                    "ARG,2020,MESECVI-LEG-S01,quizás\n", encoding="utf-8")
    with pytest.raises(ind.DataError, match=r"^Row 3, column 'value': 'quizás'") as err:
        ind.score(ind.read(path), "mesecvi", CAT)  # line 3 of the file
    assert err.value.problems["row"].tolist() == [3]
    labelled = VALUES.assign(value=["legal", "quizás"]).set_axis(["a", "b"])
    with pytest.raises(ind.DataError, match=r"^Row b, column 'value'"):
        ind.score(labelled, "mesecvi", CAT)
    twice = pd.concat([VALUES, VALUES.assign(value=["legal", "quizás"])])  # labels 0, 1, 0, 1
    with pytest.raises(ind.DataError) as err:
        ind.score(twice, "mesecvi", CAT)
    bad = err.value.problems
    assert bad.loc[bad["code"] == "scores.unknown_category", "row"].tolist() == [5]  # as validate() numbers it
