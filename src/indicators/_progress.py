"""Progress bars for long steps, shown only to a person watching a terminal.

:func:`progress` wraps an iterable (reports for many countries, estimation over many
indicators and domains, Monte Carlo draws, the demo's steps). A bar is drawn on standard
error with tqdm (imported only when a bar is drawn) when standard error is a terminal and
progress is not turned off; otherwise the iterable is returned untouched, so scripts,
pipes, log files and notebooks' captured output stay clean. ``indicators --quiet`` (and
:func:`quiet`) turns bars off; without tqdm installed (extra ``progress``) there is no bar.

>>> list(progress(range(3), desc="draws"))  # not a terminal here: no bar, same items
[0, 1, 2]
>>> with quiet():
...     enabled()
False
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

__all__ = ["Steps", "enabled", "progress", "quiet"]

T = TypeVar("T")

_QUIET: contextvars.ContextVar[bool] = contextvars.ContextVar("indicators_quiet", default=False)


@contextlib.contextmanager
def quiet(on: bool = True) -> Iterator[None]:
    """Within the block, draw no progress bar (``on=False`` allows them again)."""
    token = _QUIET.set(on)
    try:
        yield
    finally:
        _QUIET.reset(token)


def enabled() -> bool:
    """True when a bar would be drawn: not quiet, standard error is a terminal, tqdm is installed."""
    if _QUIET.get():
        return False
    stream = sys.stderr
    try:
        if stream is None or not stream.isatty():
            return False
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def progress(iterable: Iterable[T], *, total: int | None = None, desc: str | None = None,
             unit: str = "it", leave: bool = False) -> Iterable[T]:
    """``iterable``, with a progress bar on a terminal (see the module's description)."""
    if not enabled():
        return iterable
    from tqdm.auto import tqdm

    kwargs: dict[str, Any] = {"total": total, "desc": desc, "unit": unit, "leave": leave, "file": sys.stderr,
                              "ncols": _columns(), "nrows": _rows()}
    return tqdm(iterable, **kwargs)  # type: ignore[no-any-return]


def _columns() -> int:
    """The terminal's width (80 when it reports none, as a terminal opened without a size does)."""
    import shutil

    return shutil.get_terminal_size((80, 20)).columns or 80


def _rows() -> int:
    """The terminal's height (20 when it reports none: tqdm would otherwise hide the bar)."""
    import shutil

    return shutil.get_terminal_size((80, 20)).lines or 20


class Steps:
    """A bar over the named steps of a long job (the demo); without a terminal it only passes text on.

    >>> with Steps(2, "demo", echo=print) as steps:
    ...     steps.done("1. read")
    ...     steps.done("2. checked")
    1. read
    2. checked
    """

    def __init__(self, total: int, desc: str, echo: Any = print) -> None:
        self.echo = echo
        self.bar: Any = None
        if enabled():
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=desc, unit="step", leave=False, file=sys.stderr, ncols=_columns(),
                            nrows=_rows())

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def done(self, text: str) -> None:
        """Say ``text`` (above the bar on a terminal) and move the bar one step."""
        if self.bar is not None and self.echo is print:
            self.bar.write(text)
        else:
            self.echo(text)
        if self.bar is not None:
            self.bar.update(1)

    def doing(self, text: str) -> None:
        """Name the step under way next to the bar."""
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=True)
