"""Charts drawn with matplotlib, as deterministic SVG (text kept as text) or PNG.

Every chart is a :class:`~indicators.report.model.ChartSpec` (a kind and a small
DataFrame) rendered here. Matplotlib is imported lazily (the ``report`` extra) and
never through pyplot, so no global state or GUI backend is touched. SVG output is
made byte-identical from run to run: a fixed hash salt, no date, ids prefixed by the
chart's name so that several charts can sit in one HTML page.

>>> import pandas as pd
>>> from indicators.report.formatting import Formatter
>>> from indicators.report.model import ChartSpec
>>> spec = ChartSpec("demo", "areas", "Scores", pd.DataFrame(
...     {"label": ["A", "B"], "score": [40.0, 70.0], "ci_low": [30.0, 60.0],
...      "ci_high": [50.0, 80.0], "median": [45.0, 50.0]}))
>>> svg = render(spec, Formatter.of("en"))
>>> svg.startswith("<svg") and svg == render(spec, Formatter.of("en"))
True
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..i18n import message
from .formatting import EXTRA, Formatter, label
from .model import ChartSpec

__all__ = ["PALETTE", "ChartBook", "Drawing", "render", "require_matplotlib"]

#: Colours (colour-blind safe): country, regional median, interval, missing.
PALETTE: dict[str, str] = {
    "country": "#1b6a8a",
    "median": "#c8553d",
    "interval": "#1b6a8a",
    "missing": "#b8b8b8",
    "grid": "#dddddd",
    "text": "#222222",
}
_RC: dict[str, Any] = {
    "svg.hashsalt": "belem",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.edgecolor": "#888888",
    "axes.labelcolor": PALETTE["text"],
    "xtick.color": PALETTE["text"],
    "ytick.color": PALETTE["text"],
    "path.simplify": False,
}


def require_matplotlib() -> Any:
    """Import matplotlib, or raise an ``ImportError`` naming the ``report`` extra."""
    try:
        import matplotlib
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            message("report.missing_extra", "en", package="matplotlib", extra=EXTRA)
        ) from exc
    return matplotlib


def render(
    spec: ChartSpec, formatter: Formatter, fmt: Literal["svg", "png"] = "svg", dpi: int = 150
) -> Any:
    """Draw ``spec``: SVG text ready to inline in HTML, or PNG bytes."""
    drawing = Drawing(spec, formatter)
    return drawing.png(dpi) if fmt == "png" else drawing.svg()


class Drawing:
    """One chart laid out once, then written as SVG, PNG or both from the same figure.

    The layout (matplotlib's constrained layout, the costly part after the text) is
    computed on the first write and then frozen, so a second format draws the same
    picture without laying it out again. Each format is written once and kept.
    """

    def __init__(self, spec: ChartSpec, formatter: Formatter) -> None:
        self.spec = spec
        self.formatter = formatter
        self._figure: Any = None
        self._svg: str | None = None
        self._png: dict[int, bytes] = {}

    def _laid_out(self) -> Any:
        if self._figure is None:
            require_matplotlib()
            from matplotlib.figure import Figure

            fig = Figure(figsize=_size(self.spec), layout="constrained")
            _KINDS[self.spec.kind](fig, self.spec, self.formatter)
            self._figure = fig
        return self._figure

    def _save(self, fmt: str, **options: Any) -> bytes:
        matplotlib = require_matplotlib()
        with matplotlib.rc_context(_RC):
            fig = self._laid_out()
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt, **options)
            if fig.get_layout_engine() is not None:
                # the positions the layout found stay; later formats reuse them as they are
                fig.set_layout_engine("none")
        return buf.getvalue()

    def svg(self) -> str:
        """The chart as SVG text ready to inline in HTML (ids prefixed by the chart's name)."""
        if self._svg is None:
            raw = self._save("svg", metadata={"Date": None, "Creator": None})
            self._svg = _clean_svg(raw.decode("utf-8"), self.spec)
        return self._svg

    def png(self, dpi: int = 150) -> bytes:
        """The chart as PNG bytes at ``dpi``: its SVG rasterised by resvg when installed (the same
        picture, text set from the same DejaVu Sans files, a few times faster), else matplotlib's Agg."""
        if dpi not in self._png:
            raster = _rasteriser()
            if raster is not None:
                self._png[dpi] = raster(self.svg(), dpi)
            else:
                self._png[dpi] = self._save("png", dpi=dpi, metadata={"Software": None})
        return self._png[dpi]


_FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf")
_RASTERISER: list[Callable[[str, int], bytes] | None] = []


def _rasteriser() -> Callable[[str, int], bytes] | None:
    """An SVG-to-PNG function from ``resvg_py`` (found once), or ``None`` when it is not installed."""
    if not _RASTERISER:
        try:
            import resvg_py
        except ImportError:
            _RASTERISER.append(None)
        else:
            matplotlib = require_matplotlib()
            folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
            fonts = [str(folder / name) for name in _FONT_FILES if (folder / name).is_file()]

            def rasterise(svg: str, dpi: int) -> bytes:
                # matplotlib writes sizes in points; resvg reads the user units and zooms to the dpi
                plain = re.sub(r'\b(width|height)="([0-9.]+)pt"', r'\1="\2"', svg, count=2)
                return bytes(resvg_py.svg_to_bytes(svg_string=plain, skip_system_fonts=True, font_files=fonts,
                                                   zoom=dpi / 72.0, background="white"))

            _RASTERISER.append(rasterise)
    return _RASTERISER[0]


class ChartBook(Mapping[str, str]):
    """A report's charts by name: SVG text on access, each chart drawn once and kept.

    The Word document's PNG comes from the same drawing (:meth:`png`), so no chart is
    laid out twice. Read-only, like the rest of a report.
    """

    def __init__(self, specs: Mapping[str, ChartSpec], formatter: Formatter) -> None:
        self._drawings = {name: Drawing(spec, formatter) for name, spec in specs.items()}

    def __getitem__(self, name: str) -> str:
        return self._drawings[name].svg()

    def __iter__(self) -> Iterator[str]:
        return iter(self._drawings)

    def __len__(self) -> int:
        return len(self._drawings)

    def png(self, name: str, dpi: int = 150) -> bytes:
        """The chart ``name`` as PNG bytes, from the drawing its SVG came from."""
        return self._drawings[name].png(dpi)


def _size(spec: ChartSpec) -> tuple[float, float]:
    n = max(len(spec.data), 1)
    if spec.kind == "heatmap":
        cols = len(spec.options.get("columns", ())) or 1
        return (max(6.5, 1.6 + 1.05 * cols), 1.3 + 0.32 * n)
    if spec.kind == "trend":
        panels = spec.data["label"].nunique() if len(spec.data) else 1
        return (7.5, 0.3 + 2.3 * math.ceil(panels / 3))
    return (7.5, 1.1 + 0.34 * n)


def _clean_svg(svg: str, spec: ChartSpec) -> str:
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(
        r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S
    )  # RDF boilerplate, nothing to show
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", spec.name)
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', lambda m: f'xlink:href="#{prefix}-{m.group(1)}"', svg)
    from html import escape

    alt = escape(spec.alt or spec.title, quote=True)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{alt}" class="chart-svg" ', 1)
    return svg.strip() + "\n"


def _wrap(text: str, width: int = 48, lines: int = 2) -> str:
    parts = textwrap.wrap(str(text), width=width) or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: width - 1].rstrip() + "…"
    return "\n".join(parts)


def _legend(ax: Any, **options: Any) -> None:
    """A legend, only when something in the axes carries a label."""
    if any(not lab.startswith("_") and lab for lab in ax.get_legend_handles_labels()[1]):
        ax.legend(**options)


def _number_axis(ax: Any, formatter: Formatter, axis: str = "x", decimals: int = 0) -> None:
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda x, _pos: formatter.number(x, decimals))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def _finite(v: Any) -> bool:
    try:
        return v is not None and math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _bars(fig: Any, spec: ChartSpec, formatter: Formatter) -> None:
    """Horizontal bars of 0-100 scores (one per row), a marker for the regional median."""
    data = spec.data
    ax = fig.add_subplot()
    y = np.arange(len(data))[::-1]
    scores = data["score"].astype("float64").to_numpy()
    has = np.isfinite(scores)
    ax.barh(
        y[has],
        scores[has],
        color=PALETTE["country"],
        height=0.62,
        label=spec.options.get("country_label", ""),
        zorder=2,
    )
    if "median" in data:
        med = data["median"].astype("float64").to_numpy()
        ok = np.isfinite(med)
        ax.scatter(
            med[ok],
            y[ok],
            marker="D",
            s=26,
            color=PALETTE["median"],
            zorder=3,
            label=spec.options.get("median_label", ""),
        )
    no_data = label("chart_no_data", formatter.lang)
    not_scored = label("chart_not_scored", formatter.lang)
    has_value = data["has_value"].tolist() if "has_value" in data else [False] * len(data)
    medians = (data["median"].astype("float64").to_numpy() if "median" in data
               else np.full(len(data), np.nan))
    for yy, s, has, m in zip(y, scores, has_value, medians, strict=True):
        if np.isfinite(s):
            # the label goes past the median marker when the marker sits at or just past the bar's end
            end = max(s, m + 1.8) if np.isfinite(m) and s - 2.0 <= m <= s + 9.0 else s
            ax.text(
                min(end + 1.4, 101.0),
                yy,
                formatter.number(s, 0),
                va="center",
                ha="left",
                fontsize=8,
                color=PALETTE["text"],
                zorder=5,
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
            )
        else:
            ax.text(
                1.0,
                yy,
                not_scored if has else no_data,
                va="center",
                ha="left",
                fontsize=8,
                color="#6b6b6b",
                style="italic",
            )
    ax.set_yticks(y, [_wrap(t, 50) for t in data["label"]], fontsize=8)
    ax.set_xlim(0, 108)
    ax.set_xticks([0, 25, 50, 75, 100])
    _number_axis(ax, formatter)
    ax.set_xlabel(spec.options.get("xlabel", ""))
    ax.grid(axis="x", color=PALETTE["grid"], zorder=0)
    ax.spines[["top", "right"]].set_visible(False)
    if spec.options.get("median_label"):
        _legend(
            ax, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False, fontsize=8
        )


def _dots_with_intervals(
    ax: Any, spec: ChartSpec, y: np.ndarray, columns: tuple[str, str, str], *,
    linewidth: float, alpha: float, size: float, point_label: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw a dot per row (``columns[0]``) with its interval (``columns[1:]``) on ``ax``.

    Returns the point, low and high arrays and the masks of rows with a point and with an interval.
    """
    point, lo, hi = (spec.data[c].astype("float64").to_numpy() for c in columns)
    ok = np.isfinite(point)
    iv = ok & np.isfinite(lo) & np.isfinite(hi)
    ax.hlines(
        y[iv],
        lo[iv],
        hi[iv],
        color=PALETTE["interval"],
        linewidth=linewidth,
        alpha=alpha,
        zorder=2,
        label=spec.options.get("interval_label", ""),
    )
    ax.scatter(point[ok], y[ok], s=size, color=PALETTE["country"], zorder=3, label=point_label)
    return point, lo, hi, ok, iv


def _areas(fig: Any, spec: ChartSpec, formatter: Formatter) -> None:
    """A dot per row with its interval, and the regional median: the six areas together."""
    data = spec.data
    ax = fig.add_subplot()
    y = np.arange(len(data))[::-1]
    s, _lo, _hi, _ok, _iv = _dots_with_intervals(
        ax, spec, y, ("score", "ci_low", "ci_high"), linewidth=2.2, alpha=0.55, size=46,
        point_label=spec.options.get("country_label", ""),
    )
    if "median" in data:
        med = data["median"].astype("float64").to_numpy()
        okm = np.isfinite(med)
        ax.scatter(
            med[okm],
            y[okm],
            marker="D",
            s=30,
            facecolor="none",  # hollow: the country's dot stays visible where the two meet
            edgecolor=PALETTE["median"],
            linewidth=1.6,
            zorder=4,
            label=spec.options.get("median_label", ""),
        )
    no_data = label("chart_no_data", formatter.lang)
    for yy, v in zip(y, s, strict=True):
        if np.isfinite(v):
            ax.annotate(
                formatter.number(v, 1),
                (v, yy),
                xytext=(0, 8),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
                color=PALETTE["text"],
                zorder=5,
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
            )
        else:
            ax.text(1.0, yy, no_data, va="center", fontsize=8, color="#6b6b6b", style="italic")
    ax.set_yticks(y, [_wrap(t, 32) for t in data["label"]], fontsize=9)
    ax.set_ylim(-0.7, len(data) - 0.3)
    ax.set_xlim(0, 100)
    ax.set_xticks([0, 25, 50, 75, 100])
    _number_axis(ax, formatter)
    ax.set_xlabel(spec.options.get("xlabel", ""))
    ax.grid(axis="x", color=PALETTE["grid"], zorder=0)
    ax.spines[["top", "right"]].set_visible(False)
    _legend(ax, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3, frameon=False, fontsize=8)


def _heatmap(fig: Any, spec: ChartSpec, formatter: Formatter) -> None:
    """Rows × columns of 0-100 scores (or 0-1 shares), each cell written out, missing in grey."""
    from matplotlib.colors import Normalize

    columns = list(spec.options["columns"])
    col_labels = list(spec.options.get("column_labels", columns))
    data = spec.data
    matrix = data[columns].astype("float64").to_numpy()
    share = spec.options.get("share", False)
    vmax = 1.0 if share else 100.0
    ax = fig.add_subplot()
    masked = np.ma.masked_invalid(matrix)
    import matplotlib as mpl

    cmap = mpl.colormaps["YlGnBu"].with_extremes(bad=PALETTE["missing"])
    norm = Normalize(0.0, vmax)
    # vector cells (pcolormesh), not a raster image: crisp at any zoom, no embedded PNG
    im = ax.pcolormesh(
        np.arange(len(columns) + 1) - 0.5,
        np.arange(len(data) + 1) - 0.5,
        masked,
        cmap=cmap,
        norm=norm,
        edgecolors="white",
        linewidth=1.0,
    )
    ax.set_xlim(-0.5, len(columns) - 0.5)
    ax.set_ylim(len(data) - 0.5, -0.5)
    for (r, c), v in np.ndenumerate(matrix):
        if np.isfinite(v):
            text = formatter.share(v) if share else formatter.number(v, 0)
            rgba = cmap(norm(v))
            light = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] > 0.55
            ax.text(
                c,
                r,
                text,
                ha="center",
                va="center",
                fontsize=8,
                color="#111111" if light else "white",
            )
        else:
            ax.text(c, r, "—", ha="center", va="center", fontsize=8, color="#444444")
    ax.set_xticks(range(len(columns)), [_wrap(t, 14, 3) for t in col_labels], fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(data)), [str(t) for t in data["label"]], fontsize=8)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    bar = fig.colorbar(im, ax=ax, shrink=min(0.8, 4.0 / max(len(data), 1) + 0.3), aspect=25, pad=0.02)
    if bar.solids is not None:
        bar.solids.set_rasterized(False)  # vector, no embedded PNG
        bar.solids.set_edgecolor("face")  # no seams between the bands
    bar.ax.tick_params(labelsize=7)
    if share:
        from matplotlib.ticker import FuncFormatter

        bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _p: formatter.share(x)))
    else:
        _number_axis(bar.ax, formatter, axis="y")


def _ranks(fig: Any, spec: ChartSpec, formatter: Formatter) -> None:
    """Countries in rank order, each with its rank interval."""
    data = spec.data
    ax = fig.add_subplot()
    y = np.arange(len(data))[::-1]
    rank, _lo, hi, ok, iv = _dots_with_intervals(
        ax, spec, y, ("rank", "rank_low", "rank_high"), linewidth=3, alpha=0.45, size=40,
        point_label=spec.options.get("rank_label", ""),
    )
    n = int(np.nanmax(np.concatenate([hi[iv], rank[ok]]))) if ok.any() else 1
    ax.set_xlim(n + 0.7, 0.3)  # rank 1 on the right: better is to the right
    ax.set_xticks(range(1, n + 1))
    _number_axis(ax, formatter)
    ax.set_yticks(y, [str(t) for t in data["label"]], fontsize=8)
    ax.set_xlabel(spec.options.get("xlabel", ""))
    ax.grid(axis="x", color=PALETTE["grid"], zorder=0)
    ax.spines[["top", "right"]].set_visible(False)
    _legend(ax, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False, fontsize=8)


def _trend(fig: Any, spec: ChartSpec, formatter: Formatter) -> None:
    """Small multiples: one panel per series (values over rounds, 95 % intervals where known)."""
    data = spec.data
    groups = list(data.groupby("label", sort=False))
    ncols = min(3, max(1, len(groups)))
    nrows = math.ceil(len(groups) / ncols) if groups else 1
    axes = fig.subplots(nrows, ncols, squeeze=False)
    years = sorted({int(y) for y in data["year"].dropna()})
    for pos, ax in enumerate(axes.flat):
        if pos >= len(groups):
            ax.set_visible(False)
            continue
        name, part = groups[pos]
        part = part.sort_values("year")
        x = part["year"].astype("float64").to_numpy()
        v = part["value"].astype("float64").to_numpy()
        lo = part["ci_low"].astype("float64").to_numpy()
        hi = part["ci_high"].astype("float64").to_numpy()
        ok = np.isfinite(lo) & np.isfinite(hi)
        if ok.any():
            ax.vlines(
                x[ok], lo[ok], hi[ok], color=PALETTE["interval"], alpha=0.45, linewidth=3, zorder=2
            )
        ax.plot(x, v, marker="o", color=PALETTE["country"], zorder=3)
        for xx, vv in zip(x, v, strict=True):
            if np.isfinite(vv):
                ax.annotate(
                    formatter.number(vv, 1),
                    (xx, vv),
                    xytext=(4, 4),
                    textcoords="offset points",
                    fontsize=7,
                    color=PALETTE["text"],
                )
        every = np.concatenate([v, lo[ok], hi[ok]])
        every = every[np.isfinite(every)]
        top = float(every.max()) if every.size else 1.0
        bottom = min(0.0, float(every.min()) * 1.2) if every.size else 0.0
        ax.set_ylim(bottom, max(top * 1.2, bottom + 1e-9, 1e-9))
        ax.set_xlim(years[0] - 1.2, years[-1] + 1.8) if years else None
        ax.set_xticks(years, [formatter.year(y) for y in years], fontsize=7)
        span = ax.get_ylim()[1] - ax.get_ylim()[0]
        _number_axis(ax, formatter, axis="y", decimals=0 if span >= 8 else 1 if span >= 0.8 else 2)
        ax.tick_params(axis="y", labelsize=7)
        # y given: the title sits where matplotlib would put it (no tick labels on top), without
        # measuring every axis of the figure again to find that out
        ax.set_title(_wrap(str(name), 34, 3), fontsize=7.5, loc="left", y=1.0)
        unit = part["unit"].iloc[0] if "unit" in part else ""
        ax.set_ylabel(str(unit), fontsize=7)
        ax.grid(axis="y", color=PALETTE["grid"], zorder=0)
        ax.spines[["top", "right"]].set_visible(False)


_KINDS: dict[str, Callable[[Any, ChartSpec, Formatter], None]] = {
    "bars": _bars,
    "areas": _areas,
    "heatmap": _heatmap,
    "ranks": _ranks,
    "trend": _trend,
}


def chart_kinds() -> tuple[str, ...]:
    """The kinds of chart :func:`render` draws."""
    return tuple(_KINDS)


def finite_or_nan(value: Any) -> float:
    """``float(value)``, or NaN when it is missing or not a number."""
    return float(value) if _finite(value) else float("nan")
