"""Render Results into one self-contained HTML file.

Everything user-supplied (group names, column names, file names, flags) passes through Jinja2's
autoescaping; figures are embedded as base64 PNG so the file can be mailed or archived alone.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from .._result import html_table, summary_html, versions

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from .._result import Result

__all__ = ["build_report", "figure_to_png_bytes", "figure_to_svg_bytes", "render_report", "render_table_html"]

_TEMPLATES = Path(__file__).parent / "templates"


def figure_to_png_bytes(fig: Figure, dpi: int = 150) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def render_table_html(df: pd.DataFrame, digits: int = 4, max_rows: int = 200, *, width: int | None = None,
                      more: str = "more rows in the CSV file") -> Markup:
    """An HTML table with formatted numbers; cells are escaped (see :func:`assaystats._result.html_table`: with
    ``width``, a wide table is split into blocks of columns for print)."""
    return html_table(df, digits, max_rows, width=width, more=more)


def _data_notes(res) -> list[str]:
    """What happened to the data on the way in: rows left out (per column), values cleaned, deprecations."""
    meta = getattr(res, "meta", {}) or {}
    notes = [str(n) for n in meta.get("notes", []) or []]
    left = meta.get("rows_left_out") or {}
    if left and not any("left out" in n for n in notes):
        notes.append("rows left out for missing values: " + ", ".join(f"{k}: {v}" for k, v in left.items()))
    return notes


def _table_entry(name, df, width: int | None = None) -> dict:
    """A report table; a long text column with one value in every row (a method statement) is shown once above the
    table instead of in each row (the CSV file keeps the column)."""
    notes = []
    for c in list(df.columns):
        col = df[c]
        if len(df) > 1 and col.dtype == object and col.nunique(dropna=False) == 1 and len(str(col.iloc[0])) > 40:
            notes.append(f"{c} (every row): {col.iloc[0]}")
            df = df.drop(columns=c)
    return {"name": name, "notes": notes, "html": render_table_html(df, width=width)}


def _summary_html(text: str) -> Markup:
    """Plain text with '- ' bullet lines to HTML, keeping the order of paragraphs and lists."""
    return summary_html(text)


def figure_to_svg_bytes(fig: Figure) -> bytes:
    """The figure as SVG (vector; texts drawn as paths, so the file needs no fonts). Images (heatmaps) are embedded
    with one pixel per data cell (``interpolation='none'``) instead of being resampled to a screen-sized raster."""
    from matplotlib.image import AxesImage

    images = [(im, im.get_interpolation()) for im in fig.findobj(AxesImage)]
    try:
        for im, _ in images:
            im.set_interpolation("none")
        buf = io.BytesIO()
        fig.savefig(buf, format="svg")
    finally:
        for im, interp in images:
            im.set_interpolation(interp)
    return buf.getvalue()


#: characters of a 7.5 pt table row across an A4 page (the print layout splits wider tables into blocks)
PRINT_WIDTH = 140

_MIME = {"png": "image/png", "svg": "image/svg+xml"}


def render_report(results: Sequence[Result], *, title: str = "assaystats report", inputs: Sequence[Mapping] = (),
                  figures: Mapping | None = None, parameters: Mapping | None = None,
                  figure_format: str = "png", table_width: int | None = None) -> str:
    """The report as HTML text (what :func:`build_report` writes and :func:`build_pdf` prints). ``figures`` maps
    figure names, or (result index, name) pairs, to image bytes of ``figure_format`` ('png' or 'svg') already
    rendered; missing figures are rendered from the Results. ``table_width`` (characters; the PDF passes
    ``PRINT_WIDTH``) splits wider tables into blocks of columns that fit a printed page."""
    import jinja2

    if figure_format not in _MIME:
        raise ValueError(f"figure_format must be 'png' or 'svg', not {figure_format!r}")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
                             autoescape=jinja2.select_autoescape(["html", "j2"], default=True))
    tpl = env.get_template("report.html.j2")
    figures = dict(figures or {})
    render = figure_to_png_bytes if figure_format == "png" else figure_to_svg_bytes
    sections = []
    for i, res in enumerate(results):
        figs = []
        for name, make in res.figures().items():
            data = figures.get((i, name), figures.get(name))
            if data is None:
                import matplotlib.pyplot as plt

                from .._result import plain_text

                fig = plain_text(make())
                try:
                    data = render(fig)
                finally:
                    plt.close(fig)
            figs.append({"name": name, "mime": _MIME[figure_format],
                         "data": base64.b64encode(data).decode("ascii")})
        label = res.meta.get("section_title") if hasattr(res, "meta") else None
        sections.append({
            "title": f"{i + 1}. {label or res.title}" if len(results) > 1 else (label or res.title),
            "summary": _summary_html(res.summary()),
            "figures": figs,
            "tables": [_table_entry(n, df, table_width) for n, df in res.tables().items() if df is not None],
            "methods": res.methods(),
            "validated": getattr(res, "validated_against", ""),
            "notes": [n for n in _data_notes(res) if n not in res.summary()],  # once: not again if the summary has it
        })
    extra = set()
    for res in results:
        extra.update(res.meta.get("extra_versions", []))
    return tpl.render(title=title, sections=sections, inputs=list(inputs), parameters=dict(parameters or {}),
                      versions=versions(*sorted(extra)),
                      created=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))


def build_report(results: Sequence[Result], path: str | os.PathLike, *, title: str = "assaystats report",
                 inputs: Sequence[Mapping] = (), figures: Mapping | None = None,
                 parameters: Mapping | None = None) -> Path:
    """Write ``path`` (HTML). ``figures`` maps figure names to PNG bytes already rendered (the CLI renders
    once and writes both the files and the report); missing figures are rendered from the Results."""
    html = render_report(results, title=title, inputs=inputs, figures=figures, parameters=parameters)
    p = Path(path)
    p.write_text(html, encoding="utf-8")
    return p
