"""The Result protocol every analysis returns.

A Result is a frozen dataclass holding

- ``table``: the main tidy DataFrame, with a fixed documented schema (numbers stay numbers);
- ``meta``: a dict with the method, options, n, software versions and input hash;

and offering

- ``tables()``: every table of the result by name (the CLI writes each to ``tables/NAME.csv``);
- ``plot(ax=None)``: draws the computed result on an Axes and returns it (never shows or saves);
- ``figures()``: the named figures the report embeds (name -> zero-argument callable returning a Figure);
- ``summary()``: a few sentences in plain words; ``methods()``: the methods paragraph;
- ``to_markdown()`` and ``to_dict()`` (JSON-safe);
- ``str(res)`` / ``print(res)``: the summary and the main table as plain text; ``repr(res)``: one short line;
  ``_repr_html_()``: the same for notebooks (summary, main table, main figure), every user string escaped.

Rounding, p-value formatting and asterisks belong to the presentation layer (``format_number``,
``format_p``) and never to the tables.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # annotations only: nothing heavy is imported at run time
    import pandas as pd
    from markupsafe import Markup
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "DISPLAY_ROWS",
    "LABEL_LIMIT",
    "Result",
    "format_number",
    "format_p",
    "html_table",
    "layout",
    "markdown_table",
    "one_axes_figure",
    "p_words",
    "plain_text",
    "short_label",
    "summary_html",
    "text_table",
    "versions",
]

#: labels longer than this many characters are shortened in figures (tables keep the full text)
LABEL_LIMIT = 40

#: rows of the main table shown by ``str(res)`` and in notebooks (the whole table is ``res.table``)
DISPLAY_ROWS = 20


@dataclass(frozen=True)
class Result:
    table: pd.DataFrame
    meta: Mapping[str, Any] = field(default_factory=dict)

    title: ClassVar[str] = "Result"
    #: what the numbers of this kind of Result are checked against, and the validation page of the docs that lists
    #: every reference case with its tolerance and the largest difference measured (shown in the report)
    validated_against: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # subclasses are @dataclass(frozen=True): without this, the decorator would write a __repr__ printing every
        # field (whole DataFrames); dataclasses never replace a __repr__ the class itself defines
        super().__init_subclass__(**kwargs)
        if "__repr__" not in cls.__dict__:
            cls.__repr__ = Result.__repr__  # type: ignore[method-assign]

    # -- protocol -------------------------------------------------------------------------------
    def tables(self) -> dict[str, Any]:
        return {"table": self.table}

    def figures(self) -> dict[str, Callable[[], Figure]]:
        return {}

    def plot(self, ax: Axes | None = None) -> Axes:  # pragma: no cover - overridden
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

    # -- display --------------------------------------------------------------------------------
    def __repr__(self) -> str:  # compact, so that notebooks do not print whole tables
        names = ", ".join(f"{k}[{len(v)}]" for k, v in self.tables().items() if v is not None)
        return f"<{type(self).__name__}: {self.title}; tables: {names}>"

    def _heading(self) -> str:
        label = self.meta.get("section_title")
        return f"{label} ({self.title})" if label else self.title

    def _other_tables(self) -> str:
        main = self.table
        rest = [f"{k}[{len(v)}]" for k, v in self.tables().items() if v is not None and v is not main]
        return ("more tables in res.tables(): " + ", ".join(rest)) if rest else ""

    def __str__(self) -> str:
        """The summary and the main table as plain text (``print(res)``)."""
        head = self._heading()
        parts = [head, "=" * min(len(head), 100)]
        s = self.summary().strip()
        if s:
            parts += [s, ""]
        if self.table is not None:
            parts.append(text_table(self.table, max_rows=DISPLAY_ROWS))
        other = self._other_tables()
        if other:
            parts += ["", other]
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        """Notebook display: the summary, the main table (first ``DISPLAY_ROWS`` rows) and the main figure, as one
        HTML fragment; every user string escaped."""
        from markupsafe import escape

        parts = [f'<div class="assaystats-result"><h4 style="margin:.2em 0">{escape(self._heading())}</h4>',
                 summary_html(self.summary())]
        fig = _main_figure_png(self)
        if fig:
            import base64

            parts.append(f'<img alt="{escape(self.title)}" style="max-width:100%" '
                         f'src="data:image/png;base64,{base64.b64encode(fig).decode("ascii")}">')
        if self.table is not None:
            parts.append('<div style="overflow-x:auto">'
                         + str(html_table(self.table, max_rows=DISPLAY_ROWS, more="more rows in res.table")) + "</div>")
        other = self._other_tables()
        if other:
            parts.append(f"<p><small>{escape(other)}</small></p>")
        parts.append("</div>")
        return "".join(parts)


def _main_figure_png(res: Result, dpi: int = 90) -> bytes | None:
    """The Result's first report figure (``figures()``, drawn by ``plot()`` on a figure of the right size, e.g. the
    Kaplan-Meier curves with their number-at-risk table), else ``plot()`` on a fresh Axes; as PNG bytes. Every
    figure opened here is closed; any failure gives no figure (display must not fail)."""
    import io

    try:
        import matplotlib.pyplot as plt
    except Exception:  # noqa: BLE001 - display must not fail; matplotlib is a dependency  # pragma: no cover
        return None
    before = set(plt.get_fignums())
    try:
        makers = list(res.figures().values())
        if makers:
            fig = makers[0]()
        else:
            with plt.rc_context({"text.parse_math": False}):
                fig, ax = plt.subplots(figsize=(6.4, 4.2))
                res.plot(ax=ax)
                layout(fig)
        plain_text(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
        return buf.getvalue()
    except Exception:  # noqa: BLE001 - any failure of drawing: the display goes on without the figure
        return None
    finally:
        for num in set(plt.get_fignums()) - before:
            plt.close(num)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [_json_safe(r) for r in df.to_dict(orient="records")]


def _json_safe(obj: Any) -> Any:
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


def format_number(x: Any, digits: int = 4) -> str:
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


def format_p(p: Any) -> str:
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


def count_flags(flags: Iterable[Any]) -> dict[str, int]:
    """Curves per flag, for a column of flags joined by ';' ('ok' when none): most frequent first, 'ok' excluded."""
    counts: dict[str, int] = {}
    for f in flags:
        for part in str(f).split(";"):
            if part and part != "ok":
                counts[part] = counts.get(part, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def flag_words(flags: Iterable[Any]) -> str:
    """'flag n, flag n' for a summary sentence (empty when no curve has a flag)."""
    return ", ".join(f"{k} {v}" for k, v in count_flags(flags).items())


def one_axes_figure(draw: Callable[[Axes], Any], figsize: tuple[float, float]) -> Callable[[], Figure]:
    """A figure factory for ``Result.figures()``: a zero-argument callable that makes a figure of the given size,
    lets ``draw(ax)`` draw on its single Axes, and returns the laid-out figure."""

    def make() -> Figure:
        import matplotlib.pyplot as plt

        # labels are user text, drawn as plain text: '$' or '^' in a group name is not TeX (mathtext would fail)
        with plt.rc_context({"text.parse_math": False}):
            fig, ax = plt.subplots(figsize=figsize)
            draw(ax)
            layout(fig)
        return fig

    return make


def short_label(text: Any, limit: int = LABEL_LIMIT) -> str:
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


def plain_text(fig: Figure, limit: int = TEXT_LIMIT) -> Figure:
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


def layout(fig: Figure) -> Figure:
    """Lay out a figure whose texts are user text: every text plain and shortened (:func:`plain_text`), then
    tight_layout; a layout that cannot fit every label is kept as it is (matplotlib's warning about it is not a
    problem of the analysis)."""
    import warnings

    plain_text(fig)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Tight layout not applied", category=UserWarning)
        fig.tight_layout()
    return plain_text(fig)  # the layout made the tick labels: theirs too


def p_words(p: Any) -> str:
    """'= 0.012' or '< 0.0001', for sentences such as 'p = 0.012'."""
    s = format_p(p)
    return s if s.startswith("<") else f"= {s}"


def summary_html(text: str) -> Markup:
    """Plain text with '- ' bullet lines to HTML (escaped), keeping the order of paragraphs and lists."""
    from markupsafe import Markup, escape

    out, items = [], []
    for line in str(text).splitlines():
        line = line.strip()
        if line.startswith("- "):
            items.append(f"<li>{escape(line[2:])}</li>")
            continue
        if items:
            out.append(f"<ul>{''.join(items)}</ul>")
            items = []
        if line:
            out.append(f"<p>{escape(line)}</p>")
    if items:
        out.append(f"<ul>{''.join(items)}</ul>")
    return Markup("".join(out))


def _column_blocks(need: list[int], width: int | None) -> list[list[int]]:
    """Column indices in blocks whose widths (``need``, characters per column) add up to at most ``width``, every
    block after the first starting with column 0 (the label) again; one block when ``width`` is None."""
    if width is None or len(need) <= 2:
        return [list(range(len(need)))]
    blocks, cur, used = [], [0], need[0]
    for j in range(1, len(need)):
        if len(cur) > 1 and used + need[j] > width:
            blocks.append(cur)
            cur, used = [0], need[0]
        cur.append(j)
        used += need[j]
    blocks.append(cur)
    return blocks


def html_table(df: pd.DataFrame, digits: int = 4, max_rows: int = 200, *, width: int | None = None,
               more: str = "more rows in the CSV file") -> Markup:
    """An HTML table (markupsafe.Markup) with formatted numbers; every cell and header escaped. With ``width`` (in
    characters, for print), a table wider than that is split into several tables of consecutive columns, each
    repeating the first column, so that every block fits the page; ``more`` ends the note on the rows left out
    after ``max_rows``."""
    from markupsafe import Markup, escape

    cols = [str(c) for c in df.columns]
    shown = min(len(df), max_rows)
    cells = [[_cell(v, c, digits) for v, c in zip(row, cols)] for row in df.head(shown).itertuples(index=False)]
    need = [max([len(c)] + [len(r[j]) for r in cells]) + 3 for j, c in enumerate(cols)]
    blocks = _column_blocks(need, width)
    out = []
    for k, idx in enumerate(blocks):
        head = "".join(f"<th>{escape(cols[j])}</th>" for j in idx)
        body = ["<tr>" + "".join(f"<td>{escape(r[j])}</td>" for j in idx) + "</tr>" for r in cells]
        if len(df) > shown:
            body.append(f'<tr><td colspan="{len(idx)}">\u2026 {len(df) - shown} {escape(more)}</td></tr>')
        cap = f"<caption>columns {idx[1] + 1}\u2013{idx[-1] + 1} of {len(cols)}</caption>" if k > 0 else ""
        out.append(f'<table>{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')
    return Markup("".join(out))


#: characters of a line of :func:`text_table` (``print(res)``): wider tables are printed in blocks of columns
TEXT_WIDTH = 120


def text_table(df: pd.DataFrame, digits: int = 4, max_rows: int = DISPLAY_ROWS, width: int | None = TEXT_WIDTH) -> str:
    """The table as aligned plain text (numbers formatted as in the report, right-aligned; text left-aligned),
    the first ``max_rows`` rows and a line saying how many more there are. A table wider than ``width`` characters
    is printed in blocks of columns, each repeating the first column (as pandas does)."""
    cols = [str(c) for c in df.columns]
    shown = df.head(max_rows)
    rows = [[_cell(v, c, digits).replace("\\|", "|") for v, c in zip(r, cols)] for r in shown.itertuples(index=False)]
    text_col = [df[c].dtype == object for c in df.columns]
    widths = [max([len(c)] + [len(r[j]) for r in rows]) for j, c in enumerate(cols)]

    def line(vals: list[str], idx: list[int]) -> str:
        return "  ".join(vals[j].ljust(widths[j]) if text_col[j] else vals[j].rjust(widths[j]) for j in idx).rstrip()

    out: list[str] = []
    for idx in _column_blocks([w + 2 for w in widths], width):
        if out:
            out.append("")
        out += [line(cols, idx)] + [line(r, idx) for r in rows]
    if len(df) > max_rows:
        out.append(f"\u2026 {len(df) - max_rows} more rows ({len(df)} in all)")
    return "\n".join(out)


def markdown_table(df: pd.DataFrame, digits: int = 4) -> str:
    cols = [str(c) for c in df.columns]
    rows = [[_cell(v, c, digits) for v, c in zip(r, cols)] for r in df.itertuples(index=False)]
    head = "| " + " | ".join(cols) + " |"
    sep = "|" + "|".join("---" for _ in cols) + "|"
    return "\n".join([head, sep] + ["| " + " | ".join(r) + " |" for r in rows])


def _cell(v: Any, col: str, digits: int) -> str:
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
