"""``assaystats screen``: a whole screen from one long table, in memory and on dask, with GR metrics."""

import json

import numpy as np
import pandas as pd
import pytest

from assaystats import datasets, doseresponse
from assaystats.cli import main

BASE = ["screen", "example:screen_sim", "--dose", "dose_uM", "--response", "viability", "--curve",
        "compound,cell_line", "--replicate", "replicate", "--quiet"]
GR = ["--cell-count", "cell_count", "--t0-count", "cell_count__time0", "--control-count", "cell_count__ctrl"]


@pytest.fixture(scope="module")
def screen_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("screen") / "out"
    assert main([*BASE, *GR, "--out", str(out)]) == 0
    return out


def test_every_curve_one_row_as_the_api(screen_out):
    df = datasets.load("screen_sim")
    curves = pd.read_csv(screen_out / "tables" / "curves.csv", dtype={"compound": str, "cell_line": str})
    n_curves = len(df.groupby(["compound", "cell_line"]))
    assert len(curves) == n_curves == 160
    api = doseresponse.fit_many(df, dose="dose_uM", response="viability", curve=["compound", "cell_line"],
                                replicate="replicate").table
    assert list(curves.columns) == list(api.columns)
    np.testing.assert_allclose(curves["ic50"], api["ic50"], rtol=1e-9)  # the CSV round trip only
    assert (curves["flag"].astype(str) == api["flag"].astype(str)).all()
    flags = pd.read_csv(screen_out / "tables" / "flags.csv")
    assert flags[flags.analysis == "curves"].query("flag == 'ok'").curves.item() == (api.flag == "ok").sum()
    html = (screen_out / "report.html").read_text()
    for fig in ("ic50_distribution", "gr50_distribution", "flags", "heatmap", "worst_fits"):
        assert (screen_out / "figures" / f"{fig}.png").exists() and (screen_out / "figures" / f"{fig}.svg").exists()
    assert "160 curves fitted" in html
    prov = json.loads((screen_out / "provenance.json").read_text())
    assert prov["inputs"][0]["rows"] == len(df)


def test_gr_metrics_recover_the_planted_curves(screen_out):
    """Planted truth (data/screen_sim/truth.csv): GRinf within 0.05 and GEC50 within 0.15 log10 units in median over
    the sigmoid fits of curves that reach below GR 0.6 (above it the GEC50 is barely identified)."""
    g = pd.read_csv(screen_out / "tables" / "gr_metrics.csv")
    truth = pd.read_csv(datasets.path("screen_sim").parent / "truth.csv")
    m = g.merge(truth, on=["compound", "cell_line"], suffixes=("", "_true"))
    assert len(m) == 160
    s = m[m.fit_GR == "sigmoid"]
    assert len(s) >= 140
    assert np.median(np.abs(s.GRinf - s.GRinf_true)) < 0.05
    strong = s[s.GRinf_true < 0.6]
    assert np.median(np.abs(np.log10(strong.GEC50) - np.log10(strong.GEC50_true))) < 0.15


def test_dask_engine_gives_the_same_table(tmp_path, screen_out):
    pytest.importorskip("dask.dataframe")
    pytest.importorskip("pyarrow")
    df = datasets.load("screen_sim")
    pq = tmp_path / "screen.parquet"
    df.to_parquet(pq, index=False, row_group_size=700)
    out = tmp_path / "dask"
    args = ["screen", str(pq), "--dose", "dose_uM", "--response", "viability", "--curve", "compound,cell_line",
            "--replicate", "replicate", "--quiet"]
    assert main([*args, "--engine", "dask", "--partitions", "3", "--out", str(out)]) == 0
    a = pd.read_csv(screen_out / "tables" / "curves.csv")
    b = pd.read_csv(out / "tables" / "curves.csv")
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
    # the same Parquet file in memory
    out2 = tmp_path / "numpy"
    assert main([*args, "--out", str(out2)]) == 0
    pd.testing.assert_frame_equal(a, pd.read_csv(out2 / "tables" / "curves.csv"), check_exact=False, rtol=1e-12)


def test_screen_in_a_study(tmp_path):
    study = tmp_path / "s.toml"
    study.write_text('[[analysis]]\nkind = "screen"\ninput = "example:screen_sim"\ndose = "dose_uM"\n'
                     'response = "viability"\ncurve = "compound,cell_line"\n')
    assert main(["check", str(study)]) == 0
    assert main(["run", str(study), "--out", str(tmp_path / "o"), "--quiet"]) == 0
    assert (tmp_path / "o" / "tables" / "01_curves.csv").exists()


@pytest.mark.parametrize("extra, words", [
    (["--curve", "compound,line"], ["column 'line' not found"]),
    (["--workers", "2"], ["--engine dask"]),
    (["--auc-window", "5,1"], ["--auc-window"]),
    (["--dose", "viability", "--response", "dose_uM", "--fix", "top"], ["--fix"]),
])
def test_bad_input_one_line(tmp_path, capsys, extra, words):
    out = tmp_path / "o"
    argv = [*BASE, *extra, "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and all(w in err[0] for w in words), err
    assert not out.exists()


def test_gr_only_needs_counts(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["screen", "example:screen_sim", "--dose", "dose_uM", "--curve", "compound", "--out", str(out),
                 "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--response" in err[0] and "--cell-count" in err[0] and not out.exists()


def test_gr_only(tmp_path):
    out = tmp_path / "gr"
    assert main(["screen", "example:screen_sim", "--dose", "dose_uM", "--curve", "compound,cell_line", *GR,
                 "--out", str(out), "--quiet"]) == 0
    assert sorted(p.name for p in (out / "tables").iterdir()) == ["flags.csv", "gr_metrics.csv", "gr_values.csv"]
    assert len(pd.read_csv(out / "tables" / "gr_metrics.csv")) == 160
    assert (out / "figures" / "heatmap.png").exists() and not (out / "figures" / "worst_fits.png").exists()


def test_parquet_labels_read_alike_by_both_engines(tmp_path):
    """Integer and missing curve labels in Parquet: the dask reader makes the same text labels as the in-memory one
    (1, not 1.0 or '1.0'; a missing label stays missing, never the text 'nan')."""
    pytest.importorskip("dask.dataframe")
    df = datasets.load("screen_sim")
    df = df[df.compound.isin(["CPD01", "CPD02"])].copy()
    df["plate"] = np.where(df.cell_line == "Huh7", np.nan, np.where(df.compound == "CPD01", 1.0, 2.0))
    pq = tmp_path / "s.parquet"
    df.to_parquet(pq, index=False)
    outs = {}
    for engine in ("numpy", "dask"):
        out = tmp_path / engine
        assert main(["screen", str(pq), "--dose", "dose_uM", "--response", "viability", "--curve", "plate,cell_line",
                     "--engine", engine, "--out", str(out), "--quiet"]) == 0
        outs[engine] = pd.read_csv(out / "tables" / "curves.csv", dtype={"plate": str}, keep_default_na=False)
    a, b = outs["numpy"], outs["dask"]
    assert sorted(set(a.plate)) == sorted(set(b.plate)) == ["", "1", "2"]
    key = ["plate", "cell_line"]
    pd.testing.assert_frame_equal(a.sort_values(key).reset_index(drop=True), b.sort_values(key).reset_index(drop=True),
                                  check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("case", ["excel_on_dask", "no_workers", "damaged_parquet", "missing_file"])
def test_screen_engine_errors_one_line(tmp_path, capsys, case):
    """Bad input on the dask route is one line naming the file or option, exit 2, nothing written."""
    pytest.importorskip("dask.dataframe")
    df = datasets.load("screen_sim")
    if case == "excel_on_dask":
        path = tmp_path / "s.xlsx"
        df.head(50).to_excel(path, index=False)
        extra, words = ["--engine", "dask"], ["s.xlsx", "CSV"]
    elif case == "no_workers":
        path = tmp_path / "s.csv"
        df.head(50).to_csv(path, index=False)
        extra, words = ["--engine", "dask", "--workers", "0"], ["--workers"]
    elif case == "damaged_parquet":
        path = tmp_path / "s.parquet"
        path.write_bytes(b"PAR1 this is not a parquet file")
        extra, words = ["--engine", "dask"], ["s.parquet", "Parquet"]
    else:
        path = tmp_path / "nope.csv"
        extra, words = ["--engine", "dask"], ["nope.csv", "not found"]
    out = tmp_path / "o"
    code = main(["screen", str(path), "--dose", "dose_uM", "--response", "viability", "--curve",
                 "compound,cell_line", *extra, "--out", str(out), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and all(w in err[0] for w in words), err
    assert not out.exists()


def test_damaged_parquet_in_memory(tmp_path, capsys):
    path = tmp_path / "s.parquet"
    path.write_bytes(b"PAR1 broken")
    out = tmp_path / "o"
    assert main(["screen", str(path), "--dose", "d", "--response", "r", "--curve", "c", "--out", str(out),
                 "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "s.parquet" in err[0] and "Parquet" in err[0] and not out.exists()
