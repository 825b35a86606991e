"""Comparable scores: normalise, aggregate, count coverage, draw uncertainty, rank, compare rounds.

:func:`score` runs an :class:`~indicators.scores.IndexSpec` on a values table and
returns :class:`Scores`, an immutable result whose :meth:`Scores.to_frame` is tidy:
one row per country, year and node of the hierarchy (indicator, type, area, overall
for MESECVI). The steps live in private modules, one per step, as in COINr:
``_score_plan`` (spec + catalog → structure), ``_score_data`` (values → arrays,
imputation), ``_normalise``, ``_aggregate``, ``_sensitivity`` (Monte Carlo and
variance shares). The method is written out in ``docs/methodology.md``.

>>> import pandas as pd
>>> from indicators import IndexSpec, score
>>> from indicators.scores import Level, IndicatorSpec
>>> spec = IndexSpec(id="demo", levels=(Level("indicator"), Level("index")), indicators=(
...     IndicatorSpec("A", goalposts=(0, 50), direction="higher_is_better"),
...     IndicatorSpec("B", goalposts=(0, 10), direction="lower_is_better")))
>>> values = pd.DataFrame({"country": ["PER", "PER", "CHL", "CHL"], "year": 2020,
...                        "indicator": ["A", "B", "A", "B"], "value": [25.0, 2.0, 50.0, 8.0]})
>>> result = score(values, spec)
>>> result.to_frame().query("level == 'index'")[["country", "score", "rank", "coverage"]]
   country  score  rank  coverage
4      CHL   60.0     2       1.0
5      PER   65.0     1       1.0
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._codes import error
from .._options import validate_options
from .._results import Result, Summary, frozen_array, protect_fields
from ..catalog import Catalog, load_catalog
from ..i18n import Lang, check_lang, message
from ._aggregate import structure_of
from ._data import prepare
from ._impute import impute
from ._normalise import linear_bounds
from ._plan import build_plan
from ._sensitivity import DrawSummary, Engine, rank_desc
from ._spec import IndexSpec, Uncertainty, load_index_spec
from ._streaming import Tails
from ._treat import treat

__all__ = ["DEFAULT_SEED", "SCORE_COLUMNS", "TREND_COLUMNS", "Scores", "score"]

#: The first columns of :meth:`Scores.to_frame`, in this order.
SCORE_COLUMNS: tuple[str, ...] = ("country", "year", "level", "unit", "score", "ci_low", "ci_high",
                                  "rank", "rank_low", "rank_high", "coverage")
#: The columns of :meth:`Scores.trends`.
TREND_COLUMNS: tuple[str, ...] = ("country", "level", "unit", "from_year", "to_year", "score_from", "score_to",
                                  "change", "ci_low", "ci_high", "significant", "coverage_from", "coverage_to")
#: The seed used when none is given: results are reproducible by default.
DEFAULT_SEED: int = 20130521


@validate_options
@protect_fields(copies=("sensitivity", "excluded", "imputed", "structure", "normalisation", "treated"),
                mappings=("method",))
@dataclass(frozen=True, eq=False)
class Scores(Result):
    """The result of :func:`score`: a tidy table and how it was made.

    Attributes: ``spec`` (the :class:`IndexSpec`), ``catalog_version``, ``seed``,
    ``draws``, ``interval`` (the probability of the score and rank intervals),
    ``sensitivity`` (variance share of each uncertain choice per node), ``excluded``
    (indicators left out, with the reason), ``imputed`` (every imputed value),
    ``unused`` (indicators in the data the index does not use), ``structure`` (the
    hierarchy), ``normalisation`` (each indicator's method and bounds) and ``method``
    (every other parameter, so that the result can be rebuilt). Tables and ``method`` are
    handed out as copies. It shares the result protocol: :meth:`to_frame`,
    ``_repr_html_`` (notebooks, in ``lang``), :meth:`to_html`, :meth:`to_excel` (a sheet
    per table), :meth:`save`.
    """

    spec: IndexSpec
    catalog_version: str | None
    seed: int
    draws: int
    interval: float
    sensitivity: pd.DataFrame
    excluded: pd.DataFrame
    imputed: pd.DataFrame
    unused: tuple[str, ...]
    structure: pd.DataFrame
    normalisation: pd.DataFrame
    method: Mapping[str, Any]
    _table: pd.DataFrame = field(repr=False)
    _draws: np.ndarray | None = field(default=None, repr=False)     # deviations from _central, float32
    _central: np.ndarray = field(default_factory=lambda: np.empty((0, 0, 0)), repr=False)
    _years: np.ndarray = field(default_factory=lambda: np.array([], dtype=int), repr=False)
    _countries: np.ndarray = field(default_factory=lambda: np.array([], dtype=str), repr=False)
    _comparable: bool = field(default=True, repr=False)
    _lang: str = field(default="en", repr=False)
    treated: pd.DataFrame | None = None    # every value changed by the outlier treatment (None: no treatment)
    # the engine that drew _draws, to draw them again when they were too many to keep
    _engine: Engine | None = field(default=None, repr=False)

    _stem = "scores"
    _structure: pd.DataFrame = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # the arrays behind trends() are never handed out; read-only all the same
        for name in ("_draws", "_central", "_years", "_countries"):
            value = getattr(self, name)
            if isinstance(value, np.ndarray):
                frozen_array(value)

    def __repr__(self) -> str:
        n = self._table["country"].nunique()
        years = ", ".join(str(y) for y in self._years)
        return (f"<Scores {self.spec.id}@{self.spec.version}: {n} countries, years {years}, "
                f"{len(self._structure)} nodes, draws={self.draws}, seed={self.seed}>")

    @property
    def lang(self) -> str:
        """The language of messages and summaries."""
        return self._lang

    def in_lang(self, lang: Lang) -> Scores:
        """The same scores, with messages and summaries in ``lang``."""
        return replace(self, _lang=check_lang(lang, "Scores.in_lang"))

    def to_frame(self) -> pd.DataFrame:
        """The scores as a tidy table: :data:`SCORE_COLUMNS` first, then extra columns.

        Extra columns: ``rank_median`` (median rank over the draws), ``parent``,
        ``imputed`` (imputed indicator values used), ``indicators_used`` and
        ``indicators_total`` (scored indicators under the node with data / in all).
        """
        return self._table.copy()

    # -- the result protocol --------------------------------------------------------------------
    def _summary(self) -> Summary:
        lang = self.lang
        t = self._table
        top = self.spec.level_ids[-1]
        figures = [
            (message("results.scores.countries", lang), str(t["country"].nunique())),
            (message("results.scores.years", lang), ", ".join(str(y) for y in self.years)),
            (message("results.scores.nodes", lang), str(len(self._structure))),
        ]
        if self.catalog_version:
            figures.append((message("results.scores.catalog", lang), str(self.catalog_version)))
        figures.append((message("results.scores.draws", lang), str(self.draws)))
        if self.draws:
            figures += [(message("results.scores.interval", lang), f"{self.interval:.0%}"),
                        (message("results.scores.seed", lang), str(self.seed))]
        figures += [(message("results.scores.excluded", lang), str(len(self.excluded))),
                    (message("results.scores.imputed", lang), str(len(self.imputed)))]
        cols = ["country", "year", "unit", "score", *(("ci_low", "ci_high") if self.draws else ()), "rank",
                "coverage"]
        head = t.loc[t["level"] == top, cols]
        head = head.sort_values(["year", "rank", "country"], ascending=[False, True, True], kind="stable")
        figures.append((message("results.table", lang), message("results.scores.top", lang, level=top)))
        return Summary(title=message("results.scores.title", lang, index=self.spec.id, version=self.spec.version),
                       figures=tuple(figures), table=head.reset_index(drop=True), lang=lang)

    def _sheets(self) -> dict[str, pd.DataFrame]:
        return {"scores": self.to_frame(), "sensitivity": self.sensitivity, "excluded": self.excluded,
                "imputed": self.imputed, "structure": self.structure, "normalisation": self.normalisation,
                **({"treated": self.treated} if self.treated is not None else {})}

    def _about(self) -> dict[str, Any]:
        return {"index": self.spec.id, "index_version": self.spec.version, "catalog": self.catalog_version,
                "unused": list(self.unused), "method": self.method}

    @property
    def years(self) -> list[int]:
        """The scored years."""
        return [int(y) for y in self._years]

    def trends(self, from_year: int, to_year: int) -> pd.DataFrame:
        """Change of every score between two years, with its interval from the same draws.

        Needs bounds that do not move between years: fixed goalposts, or min-max and
        targets over all years (the default). ``significant`` is True when the
        interval excludes 0 (``<NA>`` without draws).
        """
        lang = self._lang
        for name, year in (("from_year", from_year), ("to_year", to_year)):
            if int(year) not in self.years:
                raise error("scores.trend_year", lang, name=name, year=year, years=", ".join(map(str, self.years)),
                            field=name, value=repr(year), expected=", ".join(map(str, self.years)))
        if not self._comparable:
            text = message("scores.trend_not_comparable", lang)
            raise error("scores.trend_not_comparable", lang, message=text)
        t = self._table
        keys = ["country", "level", "unit"]
        a = t.loc[t["year"] == from_year, [*keys, "score", "coverage"]]
        b = t.loc[t["year"] == to_year, [*keys, "score", "coverage"]]
        out = a.merge(b, on=keys, how="inner", suffixes=("_from", "_to"), sort=False)
        out["from_year"] = pd.array([from_year] * len(out), dtype="Int64")
        out["to_year"] = pd.array([to_year] * len(out), dtype="Int64")
        out["change"] = out["score_to"] - out["score_from"]
        out["ci_low"] = np.nan
        out["ci_high"] = np.nan
        out["significant"] = pd.array([pd.NA] * len(out), dtype="boolean")
        if (self._draws is not None or self._engine is not None) and len(out):
            low, high = self._change_interval(int(np.searchsorted(self._years, from_year)),
                                              int(np.searchsorted(self._years, to_year)))
            node_pos = {u: k for k, u in enumerate(self._structure["unit"])}
            ci = np.searchsorted(self._countries, out["country"].astype(str).to_numpy())
            ni = out["unit"].map(node_pos).to_numpy(dtype=int)
            out["ci_low"] = low[ci, ni]
            out["ci_high"] = high[ci, ni]
            known = (out["change"].notna() & out["ci_low"].notna()).to_numpy()
            sig = (out["ci_low"].to_numpy() > 0) | (out["ci_high"].to_numpy() < 0)
            out["significant"] = pd.array(np.where(known, sig, None), dtype="boolean")
        return out[list(TREND_COLUMNS)].reset_index(drop=True)

    def _change_interval(self, y1: int, y2: int) -> tuple[np.ndarray, np.ndarray]:
        """The interval of every score's change from year ``y1`` to ``y2`` (C, N), from the draws:
        those kept, or the same draws made again (same seed) when they were too many to keep."""
        point = self._central
        q = (1 - self.interval) / 2
        if self._draws is not None:
            change = (point[y2] + self._draws[:, y2].astype(float)) - (point[y1] + self._draws[:, y1].astype(float))
            low, high = np.quantile(change, [q, 1 - q], axis=0)
        else:
            assert self._engine is not None
            tails = Tails(point.shape[1:], self.draws, (q, 1 - q))

            def sink(_start: int, chunk: np.ndarray) -> None:
                tails.add((point[y2] + chunk[:, y2].astype(float)) - (point[y1] + chunk[:, y1].astype(float)))

            self._engine.simulate(self.draws, self.seed, saltelli=False, center=point, sink=sink)
            low, high = tails.quantiles(np.zeros(point.shape[1:]))
        return low * self.spec.scale, high * self.spec.scale


def _uncertainty(method_uncertainty: Any, spec: IndexSpec, draws: int, lang: str) -> Uncertainty | None:
    if method_uncertainty is None or method_uncertainty is False:
        return None
    if method_uncertainty is True:
        if spec.uncertainty is None:
            raise error("scores.no_uncertainty_in_spec", lang, index=spec.id, field="method_uncertainty")
        unc = spec.uncertainty
    elif isinstance(method_uncertainty, Uncertainty):
        unc = method_uncertainty
    elif isinstance(method_uncertainty, Mapping):
        unc = Uncertainty.from_dict(method_uncertainty, spec.level_ids[1:])
    else:
        raise error("option.invalid", lang, name="method_uncertainty", func="score", field="method_uncertainty",
                    allowed="None, True, a mapping, an Uncertainty", got=repr(method_uncertainty),
                    value=repr(method_uncertainty))
    unknown = [lvl for lvl in unc.aggregation if lvl not in spec.level_ids[1:]]
    if unknown:
        raise error("option.invalid", lang, name="method_uncertainty.aggregation", func="score",
                    allowed=", ".join(spec.level_ids[1:]), got=repr(unknown[0]),
                    field="method_uncertainty.aggregation", value=repr(unknown[0]))
    if draws <= 0:
        raise error("scores.draws_needed", lang, field="draws", value=repr(draws))
    return unc


@validate_options
def score(
    values: pd.DataFrame,
    spec: IndexSpec | str | Path = "mesecvi",
    catalog: Catalog | str | Path | None = None,
    *,
    draws: int = 0,
    seed: int = DEFAULT_SEED,
    method_uncertainty: Uncertainty | Mapping[str, Any] | bool | None = None,
    years: Iterable[int] | None = None,
    interval: float = 0.90,
    lang: Lang = "en",
) -> Scores:
    """Score a values table with an index specification.

    Parameters
    ----------
    values:
        A values table (``country, year, indicator, value`` and optionally ``se``,
        ``ci_low``/``ci_high``, ``status`` and disaggregation columns).
    spec:
        An :class:`IndexSpec`, a built-in name (``"mesecvi"``, ``"sisdehm"``) or a path
        to an index YAML file.
    catalog:
        The catalog the spec's indicators come from; by default the one the spec names.
    draws:
        Monte Carlo draws (0: point scores only). Estimated values are drawn from
        their standard errors (or 95 % intervals).
    seed:
        Seed of the draws (recorded in the result).
    method_uncertainty:
        ``True`` for the spec's ``uncertainty`` block, a mapping of the same form, or
        an :class:`Uncertainty`: the method's choices sampled with the draws.
    years:
        Years to report (default: every year in the table). Bounds from the data and
        imputation still use every year, so choosing years changes no score.
    interval:
        Probability of the score, rank and change intervals (0.90: the 5-95 % range).
    lang:
        Language of messages (``en``, ``es``).

    >>> import pandas as pd
    >>> from indicators.scores import IndexSpec, Level, IndicatorSpec
    >>> spec = IndexSpec(id="one", levels=(Level("indicator"), Level("index")),
    ...                  indicators=(IndicatorSpec("X", goalposts=(10, 20), direction="higher_is_better"),))
    >>> v = pd.DataFrame({"country": ["ARG"], "year": [2022], "indicator": ["X"], "value": [12.5]})
    >>> float(score(v, spec).to_frame()["score"].iloc[-1])
    25.0
    """
    _check_options(draws, interval, seed, lang)
    years = _check_years(years, lang)
    spec = load_index_spec(spec, lang=lang)
    catalog = _catalog_of(spec, catalog, lang)
    unc = _uncertainty(method_uncertainty, spec, int(draws), lang)
    plan = build_plan(spec, catalog)
    prep = prepare(values, plan, lang, catalog, int(seed))
    prep, treated = _treated(prep, plan, spec)
    lin, bound_problems = linear_bounds(plan, prep.raw, prep.countries)
    excluded = plan.excluded
    if bound_problems:
        extra = pd.DataFrame([{"indicator": i, "reason": r, "year": None if y is None else int(prep.years[y])}
                              for i, r, y in bound_problems])
        excluded = pd.concat([excluded, extra.astype(excluded.dtypes.to_dict())], ignore_index=True)
    ysel = _year_positions(prep.years, years, lang)
    lin = lin.select_years(ysel)
    struct = structure_of(plan)
    levels = spec.level_ids
    level_nodes = {lvl: np.flatnonzero(struct.level_of == k) for k, lvl in enumerate(levels)}
    sets = _imputation_sets(prep, spec, unc, int(seed))
    lins = _alternative_normalisations(plan, prep, unc, ysel, lin)
    engine = Engine(raw=prep.raw[ysel], se=prep.se[ysel], lin=lin, struct=struct, n_nodes=len(plan.node_ids),
                    uncertainty=unc, level_nodes=level_nodes, raw_sets=None if sets is None else sets[:, ysel],
                    lins=lins)
    central, coverage = engine.central()
    summary = None
    shares = None
    factors = engine.factors if draws else ()
    if draws:
        summary = DrawSummary(central, _rank_sign(plan), int(draws), float(interval))
        shares = engine.simulate(int(draws), int(seed), saltelli=len(factors) >= 2, center=central,
                                 sink=summary)
    years_out = prep.years[ysel]
    table = _table(plan, prep, ysel, central, coverage, summary, struct)
    sensitivity = _sensitivity_frame(plan, factors, None if summary is None else summary.moves, shares)
    kept = None if summary is None else summary.kept
    comparable = all(not (p.method in ("minmax", "target") and not p.across_years) for p in plan.indicators)
    normalisation = pd.DataFrame([p.record() for p in plan.indicators])
    method = _method_record(spec, catalog, unc, prep, factors, years_out, draws=int(draws), seed=int(seed),
                            interval=float(interval))
    return Scores(spec=spec, catalog_version=None if catalog is None else catalog.label, seed=int(seed),
                  draws=int(draws), interval=float(interval), sensitivity=sensitivity, excluded=excluded,
                  imputed=prep.imputations, unused=prep.unused, structure=plan.structure(),
                  normalisation=normalisation, method=method, _table=table, _draws=kept, _central=central,
                  _years=years_out,
                  _countries=prep.countries, _comparable=comparable, _lang=lang, treated=treated,
                  _engine=engine if summary is not None and kept is None else None)


def _check_options(draws: Any, interval: Any, seed: Any, lang: Lang) -> None:
    """Refuse draws or a seed that are not whole numbers >= 0, or an interval that is not a probability."""
    check_lang(lang, "score")
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 0:
        raise error("option.invalid", lang, name="draws", func="score", allowed="an integer >= 0",
                    got=repr(draws), field="draws", value=repr(draws))
    if not isinstance(interval, (float, int)) or not 0 < float(interval) < 1:
        raise error("option.invalid", lang, name="interval", func="score", allowed="a probability between 0 and 1",
                    got=repr(interval), field="interval", value=repr(interval))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise error("option.invalid", lang, name="seed", func="score", allowed="an integer >= 0",
                    got=repr(seed), field="seed", value=repr(seed))


def _catalog_of(spec: IndexSpec, catalog: Catalog | str | Path | None, lang: Lang) -> Catalog | None:
    """The catalog given (loaded when a name or path), or the one the spec names."""
    if catalog is None:
        return load_catalog(spec.catalog) if spec.catalog is not None else None
    if isinstance(catalog, Catalog):
        return catalog
    if not isinstance(catalog, (str, Path)):
        from .._options import option_error

        raise option_error("score", "catalog", catalog, lang=lang, expected="option.expected.catalog")
    return load_catalog(catalog)


def _treated(prep: Any, plan: Any, spec: IndexSpec) -> tuple[Any, Any]:
    """The data after the spec's outlier treatment (winsorising, log) and the record of it."""
    if spec.treatment is None:
        return prep, None
    data_driven = np.array([p.method in ("minmax", "zscore", "rank", "percentile", "borda", "distance_best",
                                         "distance_reference") for p in plan.indicators])
    raw, treated = treat(prep.raw, prep.years, prep.countries, [p.id for p in plan.indicators], data_driven,
                         spec.treatment)
    return replace(prep, raw=raw), treated


def _year_positions(available: np.ndarray, years: Iterable[int] | None, lang: Lang) -> np.ndarray:
    """The positions of the years reported (every year by default); an unknown year is refused."""
    if years is None:
        return np.arange(available.size)
    wanted = sorted({int(y) for y in years})
    missing = [y for y in wanted if y not in set(available.tolist())]
    if missing:
        raise error("scores.unknown_years", lang, years=", ".join(map(str, missing)),
                    available=", ".join(map(str, available)), field="years", value=repr(missing))
    return np.searchsorted(available, wanted)


def _method_record(spec: IndexSpec, catalog: Catalog | None, unc: Uncertainty | None, prep: Any,
                   factors: Any, years: np.ndarray, *, draws: int, seed: int, interval: float) -> dict[str, Any]:
    """What the scores were computed with: the index, the catalog, the draws and the data used."""
    return {
        "index": spec.id, "index_version": spec.version, "scale": spec.scale,
        "catalog": None if catalog is None else catalog.label,
        "catalog_fingerprint": None if catalog is None else catalog.fingerprint,
        "draws": draws, "seed": seed, "interval": interval,
        "factors": list(factors), "uncertainty": None if unc is None else unc.to_dict(),
        "imputation": {"method": list(spec.imputation.steps), "max_years": spec.imputation.max_years,
                       "group": spec.imputation.group, "imputations": spec.imputation.imputations},
        "rows_used": prep.rows_used, "rows_other_disaggregations": prep.rows_other,
        "years": [int(y) for y in years],
    }


def _alternative_normalisations(plan: Any, prep: Any, unc: Uncertainty | None, ysel: np.ndarray,
                                 lin: Any) -> tuple[Any, ...]:
    """The spec's normalisation first, then each of ``uncertainty.normalisation`` applied to the
    continuous indicators (``goalposts`` only where goalposts exist; the others keep theirs)."""
    if unc is None or not unc.normalisation:
        return ()
    out = [lin]
    for method in unc.normalisation:
        swapped = []
        for p in plan.indicators:
            can = p.method in ("goalposts", "minmax", "target", "zscore", "rank", "percentile", "borda",
                               "distance_best") and (method != "goalposts" or p.goalposts is not None)
            swapped.append(replace(p, method=method) if can else p)
        alt, _ = linear_bounds(replace(plan, indicators=tuple(swapped)), prep.raw, prep.countries)
        out.append(alt.select_years(ysel))
    return tuple(out)


def _imputation_sets(prep: Any, spec: IndexSpec, unc: Uncertainty | None, seed: int) -> np.ndarray | None:
    """The alternative imputed data the method draws pick from: the spec's multiple imputations, and
    each alternative of ``uncertainty.imputation``; ``None`` without method uncertainty."""
    if unc is None or prep.observed is None:
        return None
    imp = spec.imputation
    options = [prep.sets] if prep.sets is not None else [prep.raw[None]]
    for steps in unc.imputation:
        done = impute(prep.observed, prep.years, steps, imp.max_years, prep.groups, imp.imputations, seed,
                      prep.present_observed)
        options.append(done.sets if done.sets is not None else done.raw[None])
    sets = np.concatenate(options)
    return sets if len(sets) > 1 else None


def _rank_sign(plan: Any) -> np.ndarray:
    """-1 for the nodes where the lowest score is best (ranked on the negated score), else 1."""
    return np.where(np.isin(np.asarray(plan.node_ids, dtype=object), plan.spec.lower_is_better), -1.0, 1.0)


def _table(plan: Any, prep: Any, ysel: np.ndarray, central: np.ndarray, coverage: np.ndarray,
           summary: DrawSummary | None, struct: Any) -> pd.DataFrame:
    """The tidy table: rows in node order (indicators, then each level up), year, country."""
    scale = plan.spec.scale
    n_years, n_c, n_nodes = central.shape
    present = prep.present[ysel]                              # (Y, C)
    ranks = rank_desc(central * _rank_sign(plan), axis=1)
    imputed = prep.imputed[ysel].astype(float) @ struct.descendants.astype(float)     # (Y, C, N)
    available = (~np.isnan(prep.raw[ysel])).astype(float) @ struct.descendants.astype(float)
    totals = struct.descendants.sum(axis=0)
    ci_low = ci_high = r_low = r_high = r_med = np.full(central.shape, np.nan)
    if summary is not None:
        ci_low, ci_high, r_low, r_high, r_med = summary.intervals()
    # (N, Y, C) order, keep present country-years
    def flat(a: np.ndarray) -> np.ndarray:
        return np.transpose(a, (2, 0, 1)).reshape(-1)
    keep = np.broadcast_to(present[None], (n_nodes, n_years, n_c)).reshape(-1)
    node_idx = np.repeat(np.arange(n_nodes), n_years * n_c)[keep]
    year_idx = np.tile(np.repeat(np.arange(n_years), n_c), n_nodes)[keep]
    c_idx = np.tile(np.arange(n_c), n_nodes * n_years)[keep]
    levels = np.asarray(plan.spec.level_ids, dtype=object)[np.asarray(plan.node_levels)]
    ids = np.asarray(plan.node_ids, dtype=object)
    parents = np.asarray([plan.node_ids[p] if p >= 0 else None for p in plan.node_parents], dtype=object)

    frame = pd.DataFrame({
        "country": pd.array(prep.countries[c_idx], dtype="string"),
        "year": pd.array(prep.years[ysel][year_idx], dtype="Int64"),
        "level": pd.array(levels[node_idx], dtype="string"),
        "unit": pd.array(ids[node_idx], dtype="string"),
        "score": flat(central)[keep] * scale,
        "ci_low": flat(ci_low)[keep] * scale,
        "ci_high": flat(ci_high)[keep] * scale,
        "rank": _int_array(flat(ranks)[keep]),
        "rank_low": _int_array(flat(r_low)[keep]),
        "rank_high": _int_array(flat(r_high)[keep]),
        "coverage": flat(coverage)[keep],
        "rank_median": flat(r_med)[keep],
        "parent": pd.array(parents[node_idx], dtype="string"),
        "imputed": flat(imputed)[keep].astype("int64"),
        "indicators_used": flat(available)[keep].astype("int64"),
        "indicators_total": totals[node_idx].astype("int64"),
    })
    if plan.spec.groups is not None:
        groups = np.asarray(plan.node_group, dtype=object)
        frame["group"] = pd.array(groups[node_idx], dtype="string")
    return frame


def _int_array(values: np.ndarray) -> pd.arrays.IntegerArray:
    mask = np.isnan(values)
    return pd.arrays.IntegerArray(np.where(mask, 0, values).astype("int64"), mask)


def _sensitivity_frame(plan: Any, factors: tuple[str, ...], moves: np.ndarray | None,
                       shares: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None) -> pd.DataFrame:
    """Variance share of each factor per node, averaged over the country-years with variance
    (``moves``: (Y, C, N), whether any draw moves the score)."""
    rows: list[dict[str, Any]] = []
    levels = plan.spec.level_ids
    if moves is not None and factors:
        for n, node in enumerate(plan.node_ids):
            for factor in factors:
                if shares is None:
                    has = moves[..., n]
                    first = total = 1.0 if has.any() else np.nan
                    count = int(has.sum())
                else:
                    s1, st, var = shares[factor]
                    has = var[..., n] > 1e-12
                    count = int(has.sum())
                    first = float(np.mean(s1[..., n][has] / var[..., n][has])) if count else np.nan
                    total = float(np.mean(st[..., n][has] / var[..., n][has])) if count else np.nan
                rows.append({"level": levels[plan.node_levels[n]], "unit": node, "choice": factor,
                             "first_order": first, "total_effect": total, "outputs": count})
    frame = pd.DataFrame(rows, columns=["level", "unit", "choice", "first_order", "total_effect", "outputs"])
    return frame.astype({"level": "string", "unit": "string", "choice": "string", "first_order": "float64",
                         "total_effect": "float64", "outputs": "int64"})


def _check_years(years: Any, lang: str) -> list[int] | None:
    """``years`` as a list of whole years (one year alone is a list of one); an OptionError otherwise."""
    if years is None:
        return None
    items = [years] if isinstance(years, (int, float, np.number)) and not isinstance(years, bool) else years
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
        items = None
    else:
        items = list(items)
    ok = items is not None and all(
        not isinstance(y, bool) and isinstance(y, (int, float, np.number)) and np.isfinite(y) and float(y).is_integer()
        for y in items)
    if not ok:
        from .._options import option_error

        raise option_error("score", "years", years, lang=lang, expected="option.expected.years")
    return [int(y) for y in items]  # type: ignore[union-attr]
