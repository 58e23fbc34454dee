"""Self-contained HTML reports from Results (figures embedded, every user string escaped)."""

from ._html import build_report, figure_to_png_bytes, render_table_html

__all__ = ["build_report", "figure_to_png_bytes", "render_table_html"]
