"""The PDF report (WeasyPrint): real Results of the bundled data printed, then read back with pypdf."""

import logging
import re
import sys

import pytest

from assaystats.errors import AssayDataError

from ._results import EVIL, compare_result, doseresponse_result, qpcr_result, survival_result

pytest.importorskip("weasyprint", reason="the PDF report needs the optional extra assaystats[pdf] (WeasyPrint)")
pypdf = pytest.importorskip("pypdf")

#: no picture in the PDF is a raster bigger than this many pixels: figures are vectors (the qPCR heatmap's imshow
#: is a raster of one pixel per cell, genes x groups)
RASTER_LIMIT = 10_000


@pytest.fixture(scope="module")
def results():
    return [doseresponse_result(), compare_result(evil=True), qpcr_result(), survival_result()]


@pytest.fixture(scope="module")
def pdf(results, tmp_path_factory):
    from assaystats.report import build_pdf

    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    handler = _Records(logging.WARNING)
    logging.getLogger("weasyprint").addHandler(handler)
    try:
        out = build_pdf(results, path, title="Study <b>report</b>", parameters={"alpha": 0.05},
                        inputs=[{"name": "flow.csv", "rows": 12, "sha256": "ab" * 32, "analyses": "2"}])
    finally:
        logging.getLogger("weasyprint").removeHandler(handler)
    _LOG[str(path)] = handler.records
    assert out == path and path.stat().st_size > 0
    reader = pypdf.PdfReader(str(path))
    _TEXT[id(reader)] = [p.extract_text() for p in reader.pages]
    return reader


_TEXT: dict = {}
_LOG: dict = {}


class _Records(logging.Handler):
    def __init__(self, level):
        super().__init__(level)
        self.records = []

    def emit(self, record):
        self.records.append(record.getMessage())


def test_print_css_is_understood(pdf):
    # WeasyPrint logs every CSS rule it ignores or cannot parse, and every image it cannot load
    assert len(_LOG) == 1 and next(iter(_LOG.values())) == []


def _text(reader):
    return _TEXT[id(reader)]


def test_pages_sections_and_toc_page_numbers(pdf, results):
    pages = _text(pdf)
    assert len(pages) > 1
    titles = [f"{i}. {r.title}" for i, r in enumerate(results, start=1)]
    body = "\n".join(pages[1:])
    for t in titles:
        assert t in body
    # the printed table of contents (page 1) gives the page each section starts on
    for t in titles:
        m = re.search(re.escape(t) + r"[ .]+(\d+)", pages[0])
        assert m, (t, pages[0])
        assert pages[int(m.group(1)) - 1].lstrip().startswith(t)
    # bookmarks: the title (h1) holding the sections (h2); h3 headings are not bookmarked
    (top, children) = pdf.outline[0], pdf.outline[1]
    assert top["/Title"] == "Study <b>report</b>"
    marks = [c["/Title"] for c in children]
    assert all(t in marks for t in titles) and "Methods" not in marks
    assert "page 1 of " in pages[0] and f"page {len(pages)} of {len(pages)}" in pages[-1]


def test_user_text_is_text(pdf):
    text = "\n".join(_text(pdf))
    assert EVIL in text  # the group name printed as it is, not interpreted
    assert "Study <b>report</b>" in text


def test_long_table_repeats_its_header_on_the_next_page(pdf, results):
    df = results[2].tables()["qpcr_samples"]
    assert len(df) > 60  # long enough to need two pages
    header = " ".join(str(c) for c in df.columns)
    pages = [i for i, t in enumerate(_text(pdf)) if header in t]
    assert len(pages) >= 2 and pages == list(range(pages[0], pages[0] + len(pages)))
    # on the continuation page the header is the first line: the table goes on under its repeated head
    assert _text(pdf)[pages[1]].lstrip().startswith(header)


def test_wide_table_is_printed_in_column_blocks(pdf, results):
    fits = results[0].table
    assert len(fits.columns) > 20
    text = "\n".join(_text(pdf))
    assert "columns 2\u2013" not in text  # the first block has no caption
    blocks = re.findall(rf"columns (\d+)\u2013(\d+) of {len(fits.columns)}", text)
    assert blocks and int(blocks[-1][1]) == len(fits.columns)


def test_figures_are_vectors(pdf, results):
    n_figures = sum(len(r.figures()) for r in results)
    images = {img.name: img.image.size for page in pdf.pages for img in page.images}
    assert images  # the heatmap and its colour bar: small rasters of the data
    big = {name: size for name, size in images.items() if size[0] * size[1] > RASTER_LIMIT}
    assert not big
    # every figure is drawn with path operators: the pages that hold figures carry many curve segments
    content = b"".join(p.get_contents().get_data() for p in pdf.pages if p.get_contents() is not None)
    assert len(re.findall(rb" c\n| c ", content)) > 100 * n_figures / 4


def test_write_pdf_of_an_html_report(results, tmp_path):
    from assaystats.report import build_report, write_pdf

    html = build_report(results[1:2], tmp_path / "report.html", title="one analysis")
    for src in (html, str(html), html.read_text(encoding="utf-8")):  # a path, its name, or the HTML text
        out = write_pdf(src, tmp_path / "r.pdf")
        assert pypdf.PdfReader(str(out)).pages[0].extract_text().lstrip().startswith("one analysis\nCreated")


def test_missing_weasyprint_names_the_extra(monkeypatch, tmp_path, results):
    from assaystats.report import build_pdf, check_pdf_support, write_pdf

    check_pdf_support()  # installed here: no error
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails as if not installed
    for call in (lambda: write_pdf("<p>x</p>", tmp_path / "x.pdf"), lambda: build_pdf(results[1:2], tmp_path / "y.pdf"),
                 check_pdf_support):
        with pytest.raises(AssayDataError, match=re.escape("pip install 'assaystats[pdf]'")):
            call()
    assert not list(tmp_path.iterdir())
