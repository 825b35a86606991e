"""Two sets of scores side by side: how a change of method moves scores and ranks.

As COINr's ``compare_coins``: the same countries, years and unit in two results (say, the
arithmetic and the geometric mean, or with and without an indicator), with the score and
rank in each and the change, largest rank change first.

>>> import pandas as pd
>>> a = pd.DataFrame({"country": ["ARG", "PER", "MEX"], "year": 2020, "level": "index", "unit": "ix",
...                   "score": [60.0, 55.0, 40.0], "rank": [1, 2, 3]})
>>> b = a.assign(score=[50.0, 58.0, 41.0], rank=[2, 1, 3])
>>> compare_scores(a, b)[["country", "rank_a", "rank_b", "rank_change"]].values.tolist()
[['ARG', 1, 2, 1], ['PER', 2, 1, -1], ['MEX', 3, 3, 0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..errors import OptionError
from ..i18n import Lang, check_lang, message

__all__ = ["compare_scores"]

_KEYS = ["country", "year", "unit"]


def _frame(scores: Any, which: str, lang: Lang) -> pd.DataFrame:
    frame = scores.to_frame() if hasattr(scores, "to_frame") and not isinstance(scores, pd.DataFrame) else scores
    if not isinstance(frame, pd.DataFrame) or not {"country", "year", "unit", "score", "rank"} <= set(frame.columns):
        raise OptionError(message("option.invalid", lang, name=which, func="compare_scores",
                                  allowed="Scores or a table with country, year, unit, score and rank columns",
                                  got=type(scores).__name__))
    return frame


def compare_scores(a: Any, b: Any, *, unit: str | None = None, years: Sequence[int] | None = None,
                   lang: Lang = "en") -> pd.DataFrame:
    """Scores and ranks of ``unit`` in ``a`` and ``b`` side by side, largest rank change first.

    ``a`` and ``b`` are :class:`Scores` or their tables. ``unit`` defaults to the index
    (the top level of ``a``); ``years`` to every year in both. ``rank_change`` is
    ``rank_b - rank_a`` (positive: the country falls in ``b``); countries scored in one
    result only keep a missing value on the other side. See the module docstring.
    """
    check_lang(lang, "compare_scores")
    fa, fb = _frame(a, "a", lang), _frame(b, "b", lang)
    if unit is None:
        top = fa["level"].iloc[-1] if "level" in fa.columns and len(fa) else None
        units = fa.loc[fa["level"] == top, "unit"].dropna().unique() if top is not None else []
        unit = str(units[-1]) if len(units) else None  # the last node of the top level: the index
    known = set(fa["unit"].dropna()) | set(fb["unit"].dropna())
    if unit is None or unit not in known:
        raise OptionError(message("option.invalid", lang, name="unit", func="compare_scores",
                                  allowed=", ".join(sorted(map(str, known))[:20]) or "a scored unit", got=repr(unit)))
    cols = [*_KEYS, "score", "rank"]
    left = fa.loc[fa["unit"] == unit, cols]
    right = fb.loc[fb["unit"] == unit, cols]
    if years is not None:
        chosen = {int(y) for y in years}
        left, right = left.loc[left["year"].isin(chosen)], right.loc[right["year"].isin(chosen)]
    out = left.merge(right, on=_KEYS, how="outer", suffixes=("_a", "_b"))
    out["score_change"] = out["score_b"] - out["score_a"]
    out["rank_change"] = (out["rank_b"] - out["rank_a"]).astype("Int64")
    out["abs_rank_change"] = out["rank_change"].abs()
    for col in ("rank_a", "rank_b"):
        out[col] = out[col].astype("Int64")
    out = out.sort_values(["year", "abs_rank_change", "rank_a"], ascending=[True, False, True],
                          na_position="last", kind="stable")
    return out.reset_index(drop=True)[[*_KEYS, "score_a", "score_b", "score_change", "rank_a", "rank_b",
                                       "rank_change", "abs_rank_change"]]
