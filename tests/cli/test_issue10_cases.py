"""Each case of issue 10 not covered by a sub-package's own tests: long and odd names in every figure, the
overall survival curve from the command, the names and options the interface promises, and progress."""

import io
import json
import subprocess
import sys

import pandas as pd
import pytest

import assaystats
from assaystats import _progress
from assaystats.cli import main

from .._cli import assert_one_line_error


def _dose_table(tmp_path, names):
    rows = ["line,dose,resp"]
    for k, name in enumerate(names):
        for d, v in ((0, 100), (0, 97), (1, 92), (1, 90), (3, 70), (3, 74), (10, 31 + k), (10, 28), (30, 11),
                     (30, 9)):
            rows.append(f'"{name}",{d},{v}')
    f = tmp_path / "in.csv"
    f.write_text("\n".join(rows) + "\n")
    return f


@pytest.mark.parametrize("name", ["si$ZFAS1^$x", "a_{b}^c \\alpha", "x" * 1_000_000])
def test_odd_and_huge_group_names_draw_in_every_figure(tmp_path, capsys, name):
    """mathtext used to crash on '$'; a 1 MB name took minutes. Names are drawn as plain, shortened text and the
    tables keep them whole."""
    f = _dose_table(tmp_path, [name, "ctrl"])
    out = tmp_path / "out"
    assert main(["doseresponse", str(f), "--dose", "dose", "--response", "resp", "--group", "line", "--out",
                 str(out), "--quiet"]) == 0, capsys.readouterr().err
    fits = pd.read_csv(out / "tables" / "fits.csv")
    assert name in set(fits.group)
    assert all(p.stat().st_size > 1000 for p in (out / "figures").glob("*.png"))
    c = tmp_path / "c.csv"
    c.write_text("g,v\n" + "".join(f'"{g}",{v}\n' for g, vs in ((name, (1, 2, 3)), ("ctrl", (4, 5, 7)))
                                   for v in vs))
    assert main(["compare", str(c), "--value", "v", "--group", "g", "--out", str(tmp_path / "o2"), "--quiet"]) == 0
    s = tmp_path / "s.csv"
    s.write_text("time,status,g\n" + "".join(f'{t},{e},"{g}"\n' for g in (name, "ctrl")
                                              for t, e in ((5, 1), (8, 0), (12, 1), (20, 1), (25, 0))))
    assert main(["survival", str(s), "--time", "time", "--event", "status", "--group", "g", "--out",
                 str(tmp_path / "o3"), "--quiet"]) == 0


def test_survival_without_a_group_is_the_overall_curve(tmp_path):
    out = tmp_path / "out"
    assert main(["survival", "example:lihc_cohort", "--time", "os_months", "--event", "os_event", "--time-unit",
                 "months", "--ci-level", "0.9", "--out", str(out), "--quiet"]) == 0
    groups = pd.read_csv(out / "tables" / "groups.csv")
    assert len(groups) == 1 and groups.n[0] == 300
    cohort = pd.read_csv(assaystats.datasets.path("lihc_cohort"))
    assert groups.events[0] == cohort.os_event.sum()
    assert not (out / "tables" / "logrank.csv").exists()
    assert "90%" in (out / "report.html").read_text()


def test_tertile_extremes_is_the_tertile_rule(tmp_path):
    base = ["survival", "example:lihc_cohort", "--time", "os_months", "--event", "os_event", "--expression", "ZFAS1",
            "--quiet"]
    assert main(base + ["--cutoff", "tertile-extremes", "--out", str(tmp_path / "a")]) == 0
    assert main(base + ["--cutoff", "tertile", "--out", str(tmp_path / "b")]) == 0
    a = pd.read_csv(tmp_path / "a" / "tables" / "groups.csv")
    b = pd.read_csv(tmp_path / "b" / "tables" / "groups.csv")
    pd.testing.assert_frame_equal(a, b)
    assert a.n.sum() == 200  # the middle third is left out


def test_event_value_that_differs_only_by_case(tmp_path, capsys):
    f = tmp_path / "s.csv"
    f.write_text("time,status\n" + "".join(f"{t},{s}\n" for t, s in ((3, "Dead"), (5, "Alive"), (7, "Dead"),
                                                                        (9, "Alive"))))
    out = tmp_path / "out"
    code = main(["survival", str(f), "--time", "time", "--event", "status", "--event-value", "dead", "--out",
                 str(out)])
    assert_one_line_error(capsys, code, out, f, "'dead'", "'Dead'", "case")


def test_order_with_a_case_difference_or_a_missing_level(tmp_path, capsys):
    base = ["expression", "example:lihc_expression", "--clinical", "example:lihc_clinical", "--gene", "ZFAS1",
            "--by", "stage"]
    out = tmp_path / "out"
    code = main(base + ["--order", "I,II,iii,IV", "--out", str(out)])
    assert_one_line_error(capsys, code, out, None, "'iii'", "'III'", "case")
    code = main(base + ["--order", "I,II,III", "--out", str(out)])
    assert_one_line_error(capsys, code, out, None, "does not list", "'IV'")


def test_a_group_called_NA_is_never_made(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("g,v\nA,1\nA,2\nA,3\nNA,9\nB,5\nB,6\nB,8\n#N/A,9\n")
    out = tmp_path / "out"
    assert main(["compare", str(f), "--value", "v", "--group", "g", "--out", str(out), "--quiet"]) == 0
    desc = pd.read_csv(out / "tables" / "descriptives.csv", keep_default_na=False)
    assert list(desc.group) == ["A", "B"]
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["rows_left_out"] == [{"g": 2}]


def test_the_public_namespace():
    code = "import assaystats; print(assaystats.scrna.__name__); from assaystats.io import read_rcc; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["assaystats.scrna", "ok"]
    assert "read_rcc" in assaystats.io.__all__ and "scrna" in dir(assaystats)


def test_old_keywords_still_work_with_a_future_warning():
    d = assaystats.datasets.load("notch_tumour_normal")
    new = assaystats.assays.paired_genes(d, gene="gene", value="log2_expression", subject="patient", group="tissue",
                                         control="normal")
    with pytest.warns(FutureWarning, match=r"paired_genes\(pair=...\) is deprecated; use subject="):
        old = assaystats.assays.paired_genes(d, gene="gene", value="log2_expression", pair="patient",
                                             group="tissue", control="normal")
    pd.testing.assert_frame_equal(new.table, old.table)
    with pytest.raises(TypeError, match="both"):
        assaystats.assays.paired_genes(d, gene="gene", value="log2_expression", pair="patient", subject="patient",
                                       group="tissue", control="normal")


# -- progress ---------------------------------------------------------------------------------------------

class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_lines_when_not_a_terminal(monkeypatch):
    monkeypatch.setattr(_progress, "DELAY_S", 0.0)
    buf = io.StringIO()
    with _progress.reporting(stream=buf):
        _progress.step("reading")
        assert list(_progress.iterate(range(5), "fitting curves")) == list(range(5))
    lines = buf.getvalue().splitlines()
    assert [ln.split("] ", 1)[1] for ln in lines] == ["reading", "fitting curves: 5 items",
                                                       "fitting curves: done (5 items)"]


def test_progress_bar_on_a_terminal(monkeypatch):
    monkeypatch.setattr(_progress, "DELAY_S", 0.0)
    buf = _Tty()
    with _progress.reporting(stream=buf):
        assert sum(_progress.iterate(range(50), "fitting curves")) == sum(range(50))
    text = buf.getvalue()
    assert "fitting curves:" in text and "/50" in text and "done (50 items)" in text  # tqdm's bar, then the line


def test_quiet_and_library_calls_print_nothing(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(_progress, "DELAY_S", 0.0)
    assaystats.doseresponse.fit(assaystats.datasets.load("sorafenib_ic50"), dose="dose_uM", response="viability",
                                group="line")
    assert capsys.readouterr().err == ""
    argv = ["doseresponse", "example:sorafenib_ic50", "--dose", "dose_uM", "--response", "viability", "--group",
            "line"]
    assert main(argv + ["--out", str(tmp_path / "q"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    assert main(argv + ["--out", str(tmp_path / "v")]) == 0
    err = capsys.readouterr().err
    assert "fitting curves: 4 items" in err and "writing tables, figures and the report" in err
