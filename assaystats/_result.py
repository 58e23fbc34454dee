"""The Result protocol every analysis returns.

A Result is a frozen dataclass holding

- ``table``: the main tidy DataFrame, with a fixed documented schema (numbers stay numbers);
- ``meta``: a dict with the method, options, n, software versions and input hash;

and offering

- ``tables()``: every table of the result by name (the CLI writes each to ``tables/NAME.csv``);
- ``plot(ax=None)``: draws the computed result on an Axes and returns it (never shows or saves);
- ``figures()``: the named figures the report embeds (name -> zero-argument callable returning a Figure);
- ``summary()``: a few sentences in plain words; ``methods()``: the methods paragraph;
- ``to_markdown()`` and ``to_dict()`` (JSON-safe).

Rounding, p-value formatting and asterisks belong to the presentation layer (``format_number``,
``format_p``) and never to the tables.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = ["Result", "format_number", "format_p", "p_words", "one_axes_figure", "versions", "markdown_table",
           "short_label", "plain_text", "layout", "LABEL_LIMIT"]

#: labels longer than this many characters are shortened in figures (tables keep the full text)
LABEL_LIMIT = 40


@dataclass(frozen=True)
class Result:
    table: Any  # pandas.DataFrame
    meta: Mapping[str, Any] = field(default_factory=dict)

    title: ClassVar[str] = "Result"

    # -- protocol -------------------------------------------------------------------------------
    def tables(self) -> dict[str, Any]:
        return {"table": self.table}

    def figures(self) -> dict[str, Callable[[], Any]]:
        return {}

    def plot(self, ax=None):  # pragma: no cover - overridden
        raise NotImplementedError(f"{type(self).__name__} has no plot")

    def summary(self) -> str:
        return ""

    def methods(self) -> str:
        return str(self.meta.get("method", ""))

    # -- serialisation --------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "meta": _json_safe(dict(self.meta)),
            "tables": {name: _records(df) for name, df in self.tables().items()},
        }

    def to_markdown(self) -> str:
        parts = [f"## {self.title}", ""]
        s = self.summary()
        if s:
            parts += [s, ""]
        for name, df in self.tables().items():
            parts += [f"### {name}", "", markdown_table(df), ""]
        m = self.methods()
        if m:
            parts += ["### Methods", "", m, ""]
        return "\n".join(parts)

    def __repr__(self) -> str:  # compact, so that notebooks do not print whole tables
        names = ", ".join(f"{k}[{len(v)}]" for k, v in self.tables().items())
        return f"<{type(self).__name__}: {self.title}; tables: {names}>"


def _records(df) -> list[dict[str, Any]]:
    return [_json_safe(r) for r in df.to_dict(orient="records")]


def _json_safe(obj):
    import numpy as np

    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return None if (math.isnan(f) or math.isinf(f)) else f
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, np.ndarray):
        return _json_safe(obj.tolist())
    return str(obj)


def format_number(x, digits: int = 4) -> str:
    """Significant-digit formatting for reports; NaN prints as an em dash."""
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(f):
        return "\u2014"
    if math.isinf(f):
        return "\u221e" if f > 0 else "-\u221e"
    if f == 0:
        return "0"
    mag = math.floor(math.log10(abs(f)))
    if -4 <= mag < 6:
        decimals = max(digits - 1 - mag, 0)
        return f"{f:.{decimals}f}"
    return f"{f:.{digits - 1}e}"


def format_p(p) -> str:
    """P values as journals print them: 'p < 0.0001' below that, else 2 significant digits."""
    try:
        f = float(p)
    except (TypeError, ValueError):
        return str(p)
    if math.isnan(f):
        return "\u2014"
    if f < 1e-4:
        return "< 0.0001"
    if f >= 0.1:
        return f"{f:.2f}"
    return f"{f:.2g}" if f >= 0.001 else f"{f:.1e}"


def one_axes_figure(draw, figsize):
    """A figure factory for ``Result.figures()``: a zero-argument callable that makes a figure of the given size,
    lets ``draw(ax)`` draw on its single Axes, and returns the laid-out figure."""

    def make():
        import matplotlib.pyplot as plt

        # labels are user text, drawn as plain text: '$' or '^' in a group name is not TeX (mathtext would fail)
        with plt.rc_context({"text.parse_math": False}):
            fig, ax = plt.subplots(figsize=figsize)
            draw(ax)
            layout(fig)
        return fig

    return make


def short_label(text, limit: int = LABEL_LIMIT) -> str:
    """A label for a figure: at most ``limit`` characters, the middle replaced by an ellipsis when longer (the
    tables keep the full text). Keeps the start and the end, where names of groups usually differ."""
    s = str(text)
    if len(s) <= limit:
        return s
    head = (limit - 1) * 2 // 3
    return s[:head] + "\u2026" + s[len(s) - (limit - 1 - head):]


#: the safety net of :func:`plain_text`: no line of any figure text is longer (labels are shortened to
#: LABEL_LIMIT where they are drawn; titles and legends composed of several names may be longer)
TEXT_LIMIT = 200


def plain_text(fig, limit: int = TEXT_LIMIT):
    """Every text of a figure drawn as plain text (no mathtext) and no line longer than ``limit`` characters: the
    safety net under the figures of every analysis, whose texts hold user names."""
    from matplotlib.text import Text

    for t in fig.findobj(Text):
        s = t.get_text()
        # tick labels of log axes are matplotlib's own mathtext ('$\\mathdefault{10^{2}}$'): keep them math
        t.set_parse_math("\\mathdefault{" in s)
        if len(s) > limit:
            t.set_text("\n".join(short_label(line, limit) for line in s.split("\n")))
    return fig


def layout(fig):
    """Lay out a figure whose texts are user text: every text plain and shortened (:func:`plain_text`), then
    tight_layout; a layout that cannot fit every label is kept as it is (matplotlib's warning about it is not a
    problem of the analysis)."""
    import warnings

    plain_text(fig)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Tight layout not applied", category=UserWarning)
        fig.tight_layout()
    return plain_text(fig)  # the layout made the tick labels: theirs too


def p_words(p) -> str:
    """'= 0.012' or '< 0.0001', for sentences such as 'p = 0.012'."""
    s = format_p(p)
    return s if s.startswith("<") else f"= {s}"


def markdown_table(df, digits: int = 4) -> str:
    cols = [str(c) for c in df.columns]
    rows = [[_cell(v, c, digits) for v, c in zip(r, cols)] for r in df.itertuples(index=False)]
    head = "| " + " | ".join(cols) + " |"
    sep = "|" + "|".join("---" for _ in cols) + "|"
    return "\n".join([head, sep] + ["| " + " | ".join(r) + " |" for r in rows])


def _cell(v, col: str, digits: int) -> str:
    if isinstance(v, str):
        return v.replace("|", "\\|")
    if col.startswith("p_") or col in {"p", "p_value", "p_adjusted"}:
        return format_p(v)
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return str(v)
    return format_number(v, digits)


def versions(*extra: str) -> dict[str, str]:
    """Versions of Python, assaystats and the numerical libraries (plus ``extra`` module names)."""
    import importlib.metadata as md
    import platform

    from ._version import __version__

    out = {"python": platform.python_version(), "assaystats": __version__}
    for name in ("numpy", "scipy", "pandas", "lmfit", "statsmodels", "matplotlib", "jinja2", *extra):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return out
