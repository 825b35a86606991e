"""Exception classes, one per cause, each carrying a table of problems.

Every error of the library derives from :class:`IndicatorsError`. Each has a
``problems`` attribute: a :class:`pandas.DataFrame` with one row per problem and
(at least) the columns of :data:`PROBLEM_COLUMNS`, so a caller can show, filter or
export every problem rather than only the first.

>>> from indicators.errors import DataError
>>> err = DataError("bad file", problems=[{"file": "a.csv", "row": 3, "column": "valor",
...                                        "value": "x", "expected": "a number"}])
>>> int(err.problems.loc[0, "row"])
3
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "PROBLEM_COLUMNS",
    "IndicatorsError",
    "DefinitionError",
    "DataError",
    "ReadError",
    "DesignError",
    "OptionError",
    "NotFoundError",
]

#: Columns every problems table has (others may follow).
PROBLEM_COLUMNS: tuple[str, ...] = (
    "code",
    "file",
    "sheet",
    "row",
    "column",
    "field",
    "value",
    "expected",
    "message",
    "severity",
    "hint",
)


def _problems_frame(problems: Iterable[Mapping[str, Any]] | pd.DataFrame | None) -> pd.DataFrame:
    import pandas as pd  # imported here so that ``import indicators`` stays light

    if problems is None:
        frame = pd.DataFrame(columns=list(PROBLEM_COLUMNS))
    elif isinstance(problems, pd.DataFrame):
        frame = problems.copy()
    else:
        frame = pd.DataFrame([dict(p) for p in problems])
    for col in PROBLEM_COLUMNS:
        if col not in frame.columns:
            frame[col] = None
    ordered = list(PROBLEM_COLUMNS) + [c for c in frame.columns if c not in PROBLEM_COLUMNS]
    return frame[ordered].reset_index(drop=True)


class IndicatorsError(Exception):
    """Base class of every error raised by ``indicators``.

    Parameters
    ----------
    message:
        The human-readable summary, already in the user's language.
    problems:
        The problems behind it, one mapping (or DataFrame row) per problem.
    """

    def __init__(
        self,
        message: str,
        problems: Iterable[Mapping[str, Any]] | pd.DataFrame | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.problems: pd.DataFrame = _problems_frame(problems)

    def __str__(self) -> str:
        return self.message


class DefinitionError(IndicatorsError):
    """A definition, overlay, codelist or index specification is invalid."""


class DataError(IndicatorsError, ValueError):
    """Input data cannot be used as given (a file, a table, microdata)."""


class ReadError(DataError):
    """A file cannot be read: missing, empty, binary, malformed or unsupported."""


class DesignError(IndicatorsError, ValueError):
    """A survey design is impossible or inconsistent with its data."""


class OptionError(IndicatorsError, ValueError):
    """A parameter of a public function received a value it does not accept."""


class NotFoundError(IndicatorsError, KeyError):
    """An id that is not there (an indicator of a catalog, a codelist, an index specification).

    A :class:`KeyError` too, so ``key in catalog`` and ``catalog.get(key)`` idioms keep
    working; its message suggests the closest ids.
    """
