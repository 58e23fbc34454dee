"""Self-contained HTML reports from Results (figures embedded, every user string escaped), and the same report as
a PDF (:func:`build_pdf`, optional extra ``assaystats[pdf]``)."""

from ._html import build_report, figure_to_png_bytes, figure_to_svg_bytes, render_report, render_table_html
from ._pdf import build_pdf, check_pdf_support, write_pdf

__all__ = ["build_pdf", "build_report", "check_pdf_support", "figure_to_png_bytes", "figure_to_svg_bytes",
           "render_report", "render_table_html", "write_pdf"]
