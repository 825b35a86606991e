"""The result protocol for the scores' table results (audit, weights, leave-one-out).

Each is a :class:`~indicators._results.Result`: ``to_frame()``, ``_repr_html_()``,
``to_html(path=None)``, ``to_excel(path)`` (a sheet per table), ``to_json`` and ``save(folder)``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._results import HEAD_ROWS, Summary
from ..i18n import message

__all__ = ["TableResult"]


class TableResult:
    """A mixin for results made of named tables (put before :class:`~indicators._results.Result`):
    subclasses give ``to_frame``, ``_parts``, ``_heading`` and ``_settings``."""

    _lang: str = "en"

    @property
    def lang(self) -> str:
        """The language of the result's labels."""
        return self._lang

    def to_frame(self) -> pd.DataFrame:
        """The main table (a copy)."""
        raise NotImplementedError

    def _parts(self) -> dict[str, pd.DataFrame]:
        raise NotImplementedError

    def _heading(self) -> str:
        raise NotImplementedError

    def _settings(self) -> dict[str, Any]:
        return {}

    def _sheets(self) -> dict[str, pd.DataFrame]:
        return self._parts()

    def _about(self) -> dict[str, Any]:
        return self._settings()

    def _summary(self) -> Summary:
        parts = self._parts()
        main = self.to_frame()
        figures = tuple((message(f"scores.table.{name}", self._lang), str(len(frame))) for name, frame in parts.items())
        return Summary(title=self._heading(), figures=figures, table=main.head(HEAD_ROWS).reset_index(drop=True),
                       lang=self._lang, total=len(main))
