"""Design files: a survey design described once in YAML and built for a data frame.

Private to :mod:`indicators.survey`, which exports :func:`read_design`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DefinitionError
from ..i18n import check_lang, message
from ._designs import ReplicateDesign, SurveyDesign
from ._domains import LONELY_PSU, REPLICATE_TYPES

_DESIGN_KEYS = {"weights", "strata", "psu", "fpc", "lonely_psu", "nest", "replicate", "kind",
                "format_version", "description", "lang"}
_REPLICATE_KEYS = {"type", "weights", "columns", "pattern", "scale", "rscales", "rho", "mse",
                   "combined_weights"}


def read_design(path: str | Path, data: pd.DataFrame, *, lang: str = "en") -> SurveyDesign | ReplicateDesign:
    """Build a design for ``data`` from a small YAML file.

    Keys: ``weights`` (required), ``strata``, ``psu``, ``fpc``, ``lonely_psu``,
    ``nest``; or, for replicate weights, ``replicate: {type, columns | pattern, scale,
    rscales, rho, mse, combined_weights}``. Loaded with a safe loader; a bad file is a
    :class:`DefinitionError` naming the file and key.

    >>> import pandas as pd, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "design.yaml").write_text("weights: w\\nstrata: h\\npsu: c\\n")
    >>> micro = pd.DataFrame({"w": [1.0, 1, 1, 1], "h": [1, 1, 2, 2], "c": [1, 2, 1, 2]})
    >>> read_design(folder / "design.yaml", micro).n_psu
    4
    """
    from ..catalog._files import definition_error, read_definition

    lang = check_lang(lang, "read_design")
    spec = read_definition(path)
    file = str(path)

    def fail(key: str, text_code: str, value: Any = None, **values: Any) -> DefinitionError:
        line = getattr(spec, "key_lines", {}).get(key, getattr(spec, "line", None))
        return definition_error(file, line, key, message(text_code, lang, key=key, **values),
                                value=value, code=text_code)

    unknown = sorted(set(map(str, spec)) - _DESIGN_KEYS)
    if unknown:
        raise fail(unknown[0], "survey.yaml.unknown_key", unknown[0],
                   allowed=", ".join(sorted(_DESIGN_KEYS - {"kind", "format_version", "description", "lang"})))
    if "weights" not in spec or not isinstance(spec["weights"], str):
        raise fail("weights", "survey.yaml.weights", spec.get("weights"))
    for key in ("strata", "psu", "fpc"):
        if spec.get(key) is not None and not isinstance(spec[key], (str, int)):
            raise fail(key, "survey.yaml.column", spec[key])
    if "replicate" in spec:
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
            raise fail("replicate", "survey.yaml.value", rep.get("type"),
                       allowed=", ".join(REPLICATE_TYPES))
        return ReplicateDesign(data, weights=spec["weights"],
                               replicate_weights=pattern if pattern is not None else list(columns),
                               type=rep.get("type", "JK1"), scale=rep.get("scale"),
                               rscales=rep.get("rscales"), rho=rep.get("rho"),
                               mse=bool(rep.get("mse", False)),
                               combined_weights=bool(rep.get("combined_weights", True)), lang=lang)
    lonely = spec.get("lonely_psu", "fail")
    if lonely not in LONELY_PSU:
        raise fail("lonely_psu", "survey.yaml.value", lonely, allowed=", ".join(LONELY_PSU))
    nest = spec.get("nest", True)
    if not isinstance(nest, bool):
        raise fail("nest", "survey.yaml.value", nest, allowed="true, false")
    return SurveyDesign(data, weights=spec["weights"], strata=spec.get("strata"), psu=spec.get("psu"),
                        fpc=spec.get("fpc"), lonely_psu=lonely, nest=nest, lang=lang)
