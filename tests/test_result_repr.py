"""Results in notebooks and at the prompt: ``_repr_html_`` (summary, main table, main figure; escaped), ``str``
(the same as plain text) and a short ``repr``, on real Results of several kinds."""

import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest

from assaystats._result import DISPLAY_ROWS, Result, _cell

from .report._results import compare_result, doseresponse_result, qpcr_result, survival_result

KINDS = {"doseresponse": doseresponse_result, "compare": compare_result, "survival": survival_result,
         "qpcr": qpcr_result}


@pytest.fixture(scope="module", params=sorted(KINDS))
def result(request):
    return KINDS[request.param]()


def _open_figures():
    import matplotlib.pyplot as plt

    return plt.get_fignums()


def test_repr_is_one_short_line(result):
    r = repr(result)
    assert "\n" not in r and len(r) < 250, r
    assert r.startswith(f"<{type(result).__name__}: ") and "tables: " in r


def test_html_has_summary_table_and_figure(result):
    from markupsafe import escape

    assert _open_figures() == []
    html = result._repr_html_()
    assert _open_figures() == []  # the figure drawn for the display is closed
    first = result.summary().strip().splitlines()[0].removeprefix("- ")
    assert str(escape(first)) in html
    for col in result.table.columns:
        assert f"<th>{escape(str(col))}</th>" in html
    rows = len(re.findall(r"<tr>", html)) - 1  # minus the header row
    assert rows == min(len(result.table), DISPLAY_ROWS) + (len(result.table) > DISPLAY_ROWS)
    m = re.search(r'<img [^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert m and len(m.group(1)) > 1000  # a real picture
    assert html.count("<div") == html.count("</div>") == 2  # the result, the scrolling box of its table


def test_str_is_summary_and_table_as_text(result):
    text = str(result)
    lines = text.splitlines()
    assert lines[0] == result.title and set(lines[1]) == {"="}
    assert result.summary().strip().splitlines()[0] in text
    # the table in blocks of columns no wider than a terminal, each block starting with the first column again
    first_col = str(result.table.columns[0])
    heads = [k for k, line in enumerate(lines) if line.split()[:1] == [first_col] and line.split()[1:2] != [first_col]]
    heads = [k for k in heads if all(w in map(str, result.table.columns) for w in lines[k].split())]
    assert heads
    seen = [w for k in heads for w in lines[k].split()[1:]]
    assert [first_col, *seen] == [str(c) for c in result.table.columns]
    assert all(len(lines[k]) <= 120 for k in heads)
    # the first row's numbers as the report prints them, under their headers
    row0 = result.table.iloc[0]
    for k in heads:
        for col in lines[k].split()[1:]:
            v = row0[col]
            if isinstance(v, float) and not math.isnan(v):
                assert _cell(v, col, 4) in lines[k + 1], (col, lines[k + 1])  # format_number, or format_p


def test_user_text_is_escaped():
    res = compare_result(evil=True, name="<b>x</b>")
    html = res._repr_html_()
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<b>x</b>" not in html
    assert "<b>x</b>" in str(res)  # plain text keeps the name as it is


@dataclass(frozen=True)
class _Long(Result):
    """A Result of the protocol's minimum: a long table, another table, a plot that fails or draws."""

    other: Any = None
    fail: bool = False

    title = "Long result"

    def tables(self):
        return {"table": self.table, "other": self.other}

    def summary(self):
        return "Two <i>groups</i> differ.\n- first & second"

    def plot(self, ax=None):
        ax.plot(self.table["x"], self.table["y"])
        if self.fail:
            raise RuntimeError("cannot draw")
        return ax


def _long(fail):
    df = pd.DataFrame({"name": [f"g{i}" for i in range(50)], "x": range(50), "y": [i * 0.5 for i in range(50)]})
    return _Long(df, {"method": "none"}, other=df.head(3), fail=fail)


def test_long_table_is_cut_and_a_failing_plot_gives_no_figure():
    ok, bad = _long(False), _long(True)
    assert repr(ok) == "<_Long: Long result; tables: table[50], other[3]>"  # not the dataclass field dump
    html = bad._repr_html_()
    assert _open_figures() == []
    assert "<img" not in html  # the failed drawing is left out, the rest is shown
    assert "Two &lt;i&gt;groups&lt;/i&gt; differ." in html and "<li>first &amp; second</li>" in html
    assert f"\u2026 {50 - DISPLAY_ROWS} more rows in res.table" in html
    assert "more tables in res.tables(): other[3]" in html
    assert "<img" in ok._repr_html_() and _open_figures() == []
    text = str(ok)
    assert f"\u2026 {50 - DISPLAY_ROWS} more rows (50 in all)" in text
    assert sum(line.startswith("g") for line in text.splitlines()) == DISPLAY_ROWS


def test_ipython_displays_html_and_a_short_plain_text(result):
    formatters = pytest.importorskip("IPython.core.formatters")
    data, _ = formatters.DisplayFormatter().format(result)
    assert data["text/plain"] == repr(result)  # the prompt shows the short line, print() the text
    assert data["text/html"].startswith('<div class="assaystats-result">')
    assert _open_figures() == []
