"""The public surface: __all__ is real and documented, and every docstring example runs."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import indicators

ROOT = Path(__file__).resolve().parents[1]


def _modules() -> list[str]:
    names = ["indicators"]
    for info in pkgutil.walk_packages(indicators.__path__, "indicators."):
        names.append(info.name)
    return sorted(names)


def test_all_names_exist() -> None:
    for name in indicators.__all__:
        assert hasattr(indicators, name), name


def test_public_names_are_documented() -> None:
    api = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    missing = [n for n in indicators.__all__ if n != "__version__" and f"`{n}" not in api]
    assert not missing, f"docs/api.md does not mention: {missing}"


def test_public_callables_have_docstrings() -> None:
    for name in indicators.__all__:
        obj = getattr(indicators, name)
        if callable(obj):
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"


@pytest.mark.parametrize("module_name", _modules())
def test_docstring_examples_run(module_name: str) -> None:
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:  # an optional extra that is not installed
        pytest.skip(f"{module_name}: {exc}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{module_name}: {result.failed} doctest(s) failed"


def test_version_is_a_version() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+([.-]?\w+)?", indicators.__version__)


HEAVY = {"matplotlib", "statsmodels", "pandera", "pyreadstat", "docx", "openpyxl", "xlsxwriter",
         "babel", "scipy", "pyarrow", "jsonschema"}


def test_import_loads_no_heavy_library() -> None:
    """``import indicators`` (and ``indicators --help``) load none of the heavy libraries."""
    import subprocess
    import sys

    code = ("import sys, indicators\n"
            "from indicators.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {HEAVY!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_lazy_names_resolve_to_their_stage() -> None:
    for name in indicators.__all__:
        assert getattr(indicators, name) is not None
    assert indicators.survey.SurveyDesign is indicators.SurveyDesign
    with pytest.raises(AttributeError):
        indicators.no_such_name  # noqa: B018
