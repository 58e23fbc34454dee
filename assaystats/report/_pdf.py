"""The report as a PDF, printed from the same HTML by WeasyPrint (the optional extra ``assaystats[pdf]``).

The PDF carries the figures as vectors (the SVG the command writes beside the PNG), tables that continue on the
next page under their repeated header row, a printed table of contents with page numbers, PDF bookmarks of the
sections (h1/h2) and numbered pages; the print rules live in the report template's ``@media print`` block, so a
browser's "Print" gives the same layout.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import AssayDataError

if TYPE_CHECKING:
    from .._result import Result

__all__ = ["build_pdf", "check_pdf_support", "write_pdf"]


def _weasyprint():
    try:
        import weasyprint
    except ImportError as exc:  # missing package, or its system libraries (Pango) missing
        raise AssayDataError(
            "writing a PDF report needs WeasyPrint, which is not installed (or its Pango libraries are missing): "
            f"install the optional extra with  pip install 'assaystats[pdf]'  ({exc})") from None
    return weasyprint


def check_pdf_support() -> None:
    """Raise AssayDataError (naming the extra ``assaystats[pdf]``) unless WeasyPrint can be imported: the command
    calls it before any computing when ``--pdf`` is given."""
    _weasyprint()


def write_pdf(html: str | os.PathLike, pdf_path: str | os.PathLike, *, base_url: str | None = None) -> Path:
    """Print an HTML report (its text, or the path of an HTML file) to ``pdf_path`` with WeasyPrint.

    A ``str`` is taken as HTML text unless it contains no '<' and names an existing file. Images embedded as
    ``data:`` URIs are kept as they are (SVG stays vector, PNG stays raster): use :func:`build_pdf` to print
    Results with vector figures. Raises AssayDataError naming the extra ``assaystats[pdf]`` when WeasyPrint is
    missing."""
    weasyprint = _weasyprint()
    if isinstance(html, os.PathLike) or ("<" not in html and Path(html).is_file()):
        src = Path(html)
        doc = weasyprint.HTML(filename=str(src), base_url=base_url or str(src.parent))
    else:
        doc = weasyprint.HTML(string=html, base_url=base_url)
    out = Path(pdf_path)
    doc.write_pdf(str(out))
    return out


def build_pdf(results: Sequence[Result], path: str | os.PathLike, *, title: str = "assaystats report",
              inputs: Sequence[Mapping] = (), figures: Mapping | None = None,
              parameters: Mapping | None = None) -> Path:
    """Write ``path`` (PDF): the report of ``results`` as :func:`~assaystats.report.build_report` writes it, with
    vector figures. ``figures`` maps figure names, or (result index, name) pairs, to SVG bytes already rendered
    (the command's ``figures/*.svg``); missing figures are rendered from the Results. Same arguments as
    ``build_report`` otherwise."""
    _weasyprint()  # fail before rendering anything
    from ._html import PRINT_WIDTH, render_report

    html = render_report(results, title=title, inputs=inputs, figures=figures, parameters=parameters,
                         figure_format="svg", table_width=PRINT_WIDTH)
    return write_pdf(html, path)
