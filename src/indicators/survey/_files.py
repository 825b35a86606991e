"""Design files: a survey design described once in YAML and built for a data frame.

Private to :mod:`indicators.survey`, which exports :func:`read_design`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .._options import validate_options
from ..errors import DefinitionError
from ..i18n import Lang, check_lang, message
from ._designs import ReplicateDesign, SurveyDesign
from ._domains import LONELY_PSU, REPLICATE_TYPES
from ._make_replicates import MAKE_TYPES
from ._pps import PPS_METHODS

_DESIGN_KEYS = {"weights", "strata", "psu", "fpc", "lonely_psu", "nest", "pps", "pps_variance", "pps_psum",
                "replicate", "replicates", "calibration", "kind", "format_version", "description", "lang"}
_MAKE_KEYS = {"type", "replicates", "seed", "rho", "mse", "fpc", "small", "large"}
_STEP_KEYS = {
    "post_stratify": {"method", "by", "population", "partial"},
    "rake": {"method", "margins", "population", "max_iter", "epsilon"},
    "calibrate": {"method", "variables", "population", "calfun", "bounds", "max_iter", "epsilon", "force"},
    "trim": {"method", "lower", "upper", "strict"},
}
_REPLICATE_KEYS = {"type", "weights", "columns", "pattern", "scale", "rscales", "rho", "mse",
                   "combined_weights"}


@validate_options
def read_design(path: str | Path | Mapping[str, Any], data: pd.DataFrame | str | Path | Any, *,
                lang: Lang = "en", large_file: int | str | None = None,
                memory_limit: int | str | None = None) -> SurveyDesign | ReplicateDesign:
    """Build a design for ``data`` from a small YAML file (or the same as a mapping).

    ``data`` is a pandas frame, a Polars, DuckDB or PySpark frame, or the path of a
    microdata file. A Parquet or CSV file larger than the memory the process may use
    (or than ``large_file``, e.g. ``"2GB"``; ``0``: always) is not read into memory: the
    design runs on DuckDB over the file, with ``memory_limit`` (default half the free
    memory); other files are read with :func:`indicators.read`.

    Keys: ``weights`` (a column; may be left out when every stage has an fpc),
    ``strata``, ``psu`` and ``fpc`` (a column, or a list with one per stage),
    ``lonely_psu``, ``nest``, ``pps`` (``brewer``, ``overton`` or ``hartley-rao``, with
    ``fpc`` the inclusion probabilities), ``pps_variance`` (``HT``, ``YG``) and
    ``pps_psum`` (a number, or a mapping from stratum to number); or, for replicate weights given as columns,
    ``replicate: {type, columns | pattern, scale, rscales, rho, mse, combined_weights}``.
    ``replicates: {type, replicates, seed, rho, mse, fpc, small, large}`` makes replicate weights from
    the design (:meth:`SurveyDesign.as_replicate`); ``calibration`` is a list of steps
    applied in order (after the replicates are made, so each replicate is calibrated
    again): ``{method: post_stratify, by, population, partial}``, ``{method: rake,
    margins, population, max_iter, epsilon}``, ``{method: calibrate, variables,
    population, calfun, bounds, max_iter, epsilon, force}``, ``{method: trim, lower,
    upper, strict}``; ``population`` is a file of totals (relative to the design file)
    read with :func:`indicators.read`. Loaded with a safe loader; a bad file is a
    :class:`DefinitionError` naming the file and key.

    >>> import pandas as pd, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "design.yaml").write_text("weights: w\\nstrata: h\\npsu: c\\n")
    >>> micro = pd.DataFrame({"w": [1.0, 1, 1, 1], "h": [1, 1, 2, 2], "c": [1, 2, 1, 2]})
    >>> read_design(folder / "design.yaml", micro).n_psu
    4
    """
    lang = check_lang(lang, "read_design")
    spec, folder, fail = _load_spec(path, lang)
    if isinstance(data, (str, Path)):
        from ._engines import open_microdata

        data = open_microdata(data, lang=lang, large_file=large_file, memory_limit=memory_limit)
    unknown = sorted(set(map(str, spec)) - _DESIGN_KEYS)
    if unknown:
        raise fail(unknown[0], "survey.yaml.unknown_key", unknown[0],
                   allowed=", ".join(sorted(_DESIGN_KEYS - {"kind", "format_version", "description", "lang"})))
    weights = spec.get("weights")
    if not (isinstance(weights, str) or (weights is None and spec.get("fpc") is not None
                                         and "replicate" not in spec)):
        raise fail("weights", "survey.yaml.weights", weights)
    for key in ("strata", "psu", "fpc"):
        value = spec.get(key)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(v, (str, int)) for v in items):
            raise fail(key, "survey.yaml.column", value)
        spec[key] = [str(v) for v in items] if isinstance(value, list) else str(value)
    if "replicate" in spec:
        design: SurveyDesign | ReplicateDesign = _replicate_design(data, spec, fail, lang)
    else:
        design = _taylor_design(data, spec, fail, lang)
    return _calibrated(design, spec, folder, fail, lang)


def _load_spec(path: str | Path | Mapping[str, Any], lang: str) -> tuple[Any, Path, Any]:
    """The design specification, the folder its relative paths start from, and the function that
    makes a :class:`DefinitionError` naming the file, the line and the key."""
    from ..catalog._files import definition_error, read_definition

    if isinstance(path, Mapping):
        spec: Any = dict(path)
        file, folder = "design", Path.cwd()
    else:
        spec = read_definition(path)
        file, folder = str(path), Path(path).parent

    def fail(key: str, text_code: str, value: Any = None, **values: Any) -> DefinitionError:
        line = getattr(spec, "key_lines", {}).get(key, getattr(spec, "line", None))
        return definition_error(file, line, key, message(text_code, lang, key=key, **values),
                                value=value, code=text_code)

    return spec, folder, fail


def _replicate_design(data: Any, spec: Mapping[str, Any], fail: Any, lang: Lang) -> ReplicateDesign:
    """A design of replicate weights given as columns (``replicate:``)."""
    rep = spec["replicate"]
    if not isinstance(rep, Mapping):
        raise fail("replicate", "survey.yaml.replicate", rep)
    bad = sorted(set(map(str, rep)) - _REPLICATE_KEYS)
    if bad:
        raise fail("replicate", "survey.yaml.unknown_key", bad[0], allowed=", ".join(sorted(_REPLICATE_KEYS)))
    columns = rep.get("columns", rep.get("weights"))
    pattern = rep.get("pattern")
    if (columns is None) == (pattern is None):
        raise fail("replicate", "survey.yaml.replicate", dict(rep))
    if rep.get("type", "JK1") not in REPLICATE_TYPES:
        raise fail("replicate", "survey.yaml.value", rep.get("type"), allowed=", ".join(REPLICATE_TYPES))
    if "replicates" in spec:
        raise fail("replicates", "survey.yaml.replicates_twice", spec["replicates"])
    return ReplicateDesign(data, weights=spec["weights"],
                           replicate_weights=pattern if pattern is not None else list(columns),
                           type=rep.get("type", "JK1"), scale=rep.get("scale"), rscales=rep.get("rscales"),
                           rho=rep.get("rho"), mse=bool(rep.get("mse", False)),
                           combined_weights=bool(rep.get("combined_weights", True)), lang=lang)


def _taylor_design(data: Any, spec: Mapping[str, Any], fail: Any, lang: Lang) -> SurveyDesign | ReplicateDesign:
    """A Taylor design (strata, PSUs, fpc, PPS), with replicate weights made from it (``replicates:``)."""
    lonely = spec.get("lonely_psu", "fail")
    if lonely not in LONELY_PSU:
        raise fail("lonely_psu", "survey.yaml.value", lonely, allowed=", ".join(LONELY_PSU))
    nest = spec.get("nest", True)
    if not isinstance(nest, bool):
        raise fail("nest", "survey.yaml.value", nest, allowed="true, false")
    pps = spec.get("pps")
    if pps is not None and pps not in PPS_METHODS:
        raise fail("pps", "survey.yaml.value", pps, allowed=", ".join(PPS_METHODS))
    pps_variance = spec.get("pps_variance", "HT")
    if pps_variance not in ("HT", "YG"):
        raise fail("pps_variance", "survey.yaml.value", pps_variance, allowed="HT, YG")
    psum = spec.get("pps_psum")
    if psum is not None and not (isinstance(psum, Mapping) or
                                 (isinstance(psum, (int, float)) and not isinstance(psum, bool))):
        raise fail("pps_psum", "survey.yaml.value", psum, allowed="a number, or stratum: number")
    design = SurveyDesign(data, weights=spec.get("weights"), strata=spec.get("strata"), psu=spec.get("psu"),
                          fpc=spec.get("fpc"), lonely_psu=lonely, nest=nest, pps=pps,
                          pps_variance=pps_variance, pps_psum=psum, lang=lang)
    if "replicates" not in spec:
        return design
    make = spec["replicates"]
    if not isinstance(make, Mapping):
        raise fail("replicates", "survey.yaml.mapping", make)
    bad = sorted(set(map(str, make)) - _MAKE_KEYS)
    if bad:
        raise fail("replicates", "survey.yaml.unknown_key", bad[0], allowed=", ".join(sorted(_MAKE_KEYS)))
    if make.get("type", "JKn") not in MAKE_TYPES:
        raise fail("replicates", "survey.yaml.value", make.get("type"), allowed=", ".join(MAKE_TYPES))
    options = {k: make[k] for k in ("replicates", "seed", "rho", "mse", "fpc", "small", "large") if k in make}
    return design.as_replicate(make.get("type", "JKn"), **options)


def _calibrated(design: Any, spec: Mapping[str, Any], folder: Path, fail: Any, lang: str) -> Any:
    """The design after the ``calibration`` steps of a design file, in order."""
    steps = spec.get("calibration")
    if steps is None:
        return design
    if isinstance(steps, Mapping):
        steps = [steps]
    if not isinstance(steps, list):
        raise fail("calibration", "survey.yaml.calibration", steps)
    for step in steps:
        if not isinstance(step, Mapping) or step.get("method") not in _STEP_KEYS:
            raise fail("calibration", "survey.yaml.calibration", step)
        method = step["method"]
        bad = sorted(set(map(str, step)) - _STEP_KEYS[method])
        if bad:
            raise fail("calibration", "survey.yaml.unknown_key", bad[0],
                       allowed=", ".join(sorted(_STEP_KEYS[method])))
        options = {k: v for k, v in step.items() if k not in ("method", "population")}
        if method == "trim":
            design = design.trim_weights(**options)
            continue
        population = step.get("population")
        if isinstance(population, str):
            where = Path(population)
            population = where if where.is_absolute() else folder / where
        elif isinstance(population, list):
            population = pd.DataFrame(population)
        else:
            raise fail("calibration", "survey.yaml.population", population)
        if "bounds" in options:
            options["bounds"] = tuple(options["bounds"])
        if method == "post_stratify":
            design = design.post_stratify(options.pop("by", None) or [], population, **options)
        elif method == "rake":
            design = design.rake(options.pop("margins", None) or [], population, **options)
        else:
            design = design.calibrate(options.pop("variables", None) or [], population, **options)
    return design
