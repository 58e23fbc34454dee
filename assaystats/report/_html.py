"""Render Results into one self-contained HTML file.

Everything user-supplied (group names, column names, file names, flags) passes through Jinja2's
autoescaping; figures are embedded as base64 PNG so the file can be mailed or archived alone.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

from markupsafe import Markup, escape

from .._result import _cell, versions

__all__ = ["build_report", "figure_to_png_bytes", "render_table_html"]

_TEMPLATES = Path(__file__).parent / "templates"


def figure_to_png_bytes(fig, dpi: int = 150) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def render_table_html(df, digits: int = 4, max_rows: int = 200) -> Markup:
    """An HTML table with formatted numbers; cells are escaped."""
    cols = [str(c) for c in df.columns]
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    body = []
    for i, row in enumerate(df.itertuples(index=False)):
        if i >= max_rows:
            body.append(f'<tr><td colspan="{len(cols)}">… {len(df) - max_rows} more rows in the CSV file</td></tr>')
            break
        cells = "".join(f"<td>{escape(_cell(v, c, digits))}</td>" for v, c in zip(row, cols))
        body.append(f"<tr>{cells}</tr>")
    return Markup(f'<table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')


def _data_notes(res) -> list[str]:
    """What happened to the data on the way in: rows left out (per column), values cleaned, deprecations."""
    meta = getattr(res, "meta", {}) or {}
    notes = [str(n) for n in meta.get("notes", []) or []]
    left = meta.get("rows_left_out") or {}
    if left and not any("left out" in n for n in notes):
        notes.append("rows left out for missing values: " + ", ".join(f"{k}: {v}" for k, v in left.items()))
    return notes


def _table_entry(name, df) -> dict:
    """A report table; a long text column with one value in every row (a method statement) is shown once above the
    table instead of in each row (the CSV file keeps the column)."""
    notes = []
    for c in list(df.columns):
        col = df[c]
        if len(df) > 1 and col.dtype == object and col.nunique(dropna=False) == 1 and len(str(col.iloc[0])) > 40:
            notes.append(f"{c} (every row): {col.iloc[0]}")
            df = df.drop(columns=c)
    return {"name": name, "notes": notes, "html": render_table_html(df)}


def _summary_html(text: str) -> Markup:
    """Plain text with '- ' bullet lines to HTML, keeping the order of paragraphs and lists."""
    out, items = [], []
    for line in text.splitlines():
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


def build_report(results: Sequence, path, *, title: str = "assaystats report",
                 inputs: Sequence[Mapping] = (), figures: Mapping[str, bytes] | None = None,
                 parameters: Mapping | None = None) -> Path:
    """Write ``path`` (HTML). ``figures`` maps figure names to PNG bytes already rendered (the CLI renders
    once and writes both the files and the report); missing figures are rendered from the Results."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
                             autoescape=jinja2.select_autoescape(["html", "j2"], default=True))
    tpl = env.get_template("report.html.j2")
    figures = dict(figures or {})
    sections = []
    for i, res in enumerate(results):
        figs = []
        for name, make in res.figures().items():
            png = figures.get((i, name), figures.get(name))
            if png is None:
                import matplotlib.pyplot as plt

                fig = make()
                png = figure_to_png_bytes(fig)
                plt.close(fig)
            figs.append({"name": name, "data": base64.b64encode(png).decode("ascii")})
        label = res.meta.get("section_title") if hasattr(res, "meta") else None
        sections.append({
            "title": f"{i + 1}. {label or res.title}" if len(results) > 1 else (label or res.title),
            "summary": _summary_html(res.summary()),
            "figures": figs,
            "tables": [_table_entry(n, df) for n, df in res.tables().items() if df is not None],
            "methods": res.methods(),
            "notes": [n for n in _data_notes(res) if n not in res.summary()],  # once: not again if the summary has it
        })
    extra = set()
    for res in results:
        extra.update(res.meta.get("extra_versions", []))
    html = tpl.render(title=title, sections=sections, inputs=list(inputs), parameters=dict(parameters or {}),
                      versions=versions(*sorted(extra)),
                      created=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    p = Path(path)
    p.write_text(html, encoding="utf-8")
    return p
