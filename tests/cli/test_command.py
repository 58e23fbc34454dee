"""The command end to end: the README's main job, help, version, datasets, outputs and the report."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from assaystats.cli import main

QUICK = ["doseresponse", "example:sorafenib_ic50", "--dose", "dose_uM", "--response", "viability", "--group", "line",
         "--replicate", "experiment", "--pairs", "Huh7-R:Huh7-P,Hep3B-R:Hep3B-P", "--dose-unit", "uM"]


def test_quick_start_job_writes_everything(tmp_path, capsys):
    out = tmp_path / "ic50_report"
    assert main(QUICK + ["--out", str(out)]) == 0
    assert "report.html" in capsys.readouterr().out
    for name in ("fits", "parameters", "effective_doses", "comparisons", "replicate_fits", "replicate_comparisons"):
        assert (out / "tables" / f"{name}.csv").exists(), name
    for fig in ("dose_response_curves", "dose_response_residuals", "ic50_per_replicate"):
        assert (out / "figures" / f"{fig}.png").stat().st_size > 5000
        assert (out / "figures" / f"{fig}.svg").exists()
    fits = pd.read_csv(out / "tables" / "fits.csv")
    assert list(fits.group) == ["Huh7-P", "Huh7-R", "Hep3B-P", "Hep3B-R"]
    comp = pd.read_csv(out / "tables" / "comparisons.csv")
    assert list(zip(comp.group, comp.reference)) == [("Huh7-R", "Huh7-P"), ("Hep3B-R", "Hep3B-P")]
    assert (comp.ratio > 1.5).all() and (comp.p_value < 1e-6).all()
    prov = json.loads((out / "provenance.json").read_text())
    assert len(prov["input_sha256"]) == 64 and prov["versions"]["lmfit"]
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 3  # self-contained
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")
    assert "Methods" in html and "Software" in html and "IC50 ratio Huh7-R / Huh7-P" in html


def test_user_strings_are_escaped_in_report(tmp_path):
    rows = []
    for g, e in (("<script>alert(1)</script>", 3.0), ("A&B \"quoted\"", 9.0)):
        for d in (0, 0.3, 1, 3, 10, 30):
            for k in range(3):
                rows.append((g, d, 5 + 95 / (1 + (d / e) ** 1.3) + (k - 1) * 2.0 if d else 100 + (k - 1) * 2.0))
    f = tmp_path / "x.csv"
    pd.DataFrame(rows, columns=["drug <b>", "dose", "signal"]).to_csv(f, index=False)
    out = tmp_path / "o"
    assert main(["doseresponse", str(f), "--dose", "dose", "--response", "signal", "--group", "drug <b>",
                 "--out", str(out), "--title", "<i>my</i> plate"]) == 0
    html = (out / "report.html").read_text()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<i>my</i>" not in html and "&lt;i&gt;my&lt;/i&gt;" in html
    assert "drug <b>" not in html


def test_help_imports_nothing_heavy_and_has_examples():
    """--help stays fast because it imports no numerical library (checked here); its time is measured in
    benchmarks/, not asserted in a test."""
    r = subprocess.run([sys.executable, "-m", "assaystats", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "doseresponse" in r.stdout
    # importing the CLI must not pull in the numerical stack
    r2 = subprocess.run([sys.executable, "-c", "import sys, assaystats.cli; "
                         "print(any(m in sys.modules for m in ('numpy', 'pandas', 'scipy', 'matplotlib', 'lmfit')))"],
                        capture_output=True, text=True)
    assert r2.stdout.strip() == "False"
    r3 = subprocess.run([sys.executable, "-m", "assaystats", "doseresponse", "--help"], capture_output=True, text=True)
    assert "examples:" in r3.stdout and "--pairs" in r3.stdout and "drc's b = -hill" in r3.stdout


def test_version_and_datasets(capsys):
    import pytest

    import assaystats

    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and assaystats.__version__ in capsys.readouterr().out
    assert main(["datasets"]) == 0
    listing = capsys.readouterr().out
    assert "sorafenib_ic50" in listing and "ryegrass" in listing
    assert main(["datasets", "--describe", "ryegrass"]) == 0
    assert "Inderjit" in capsys.readouterr().out


def test_unknown_subcommand_and_no_args(capsys):
    import pytest

    with pytest.raises(SystemExit) as e:
        main(["frobnicate"])
    assert e.value.code == 2
    assert main([]) == 2


def test_profile_and_hessian_options(tmp_path):
    out = tmp_path / "o"
    assert main(["doseresponse", "example:ryegrass", "--dose", "conc", "--response", "rootl", "--interval",
                 "profile", "--cov", "hessian", "--model", "w2", "--points", "all", "--model-selection",
                 "--out", str(out)]) == 0
    fits = pd.read_csv(out / "tables" / "fits.csv")
    assert fits.ci_method.iloc[0] == "profile likelihood" and fits.model.iloc[0] == "w2"
    sel = pd.read_csv(out / "tables" / "model_selection.csv")
    assert set(sel.model) == {"ll4", "ll3", "ll5", "w1", "w2"}
    from tests.doseresponse._ref import ref

    # R's AIC(m) of drc's LL.4 fit, read from the committed reference (achieved ~1e-12: the 12 stored digits)
    assert sel.set_index("model").loc["ll4", "aic"] == pytest.approx(ref("ryegrass_LL4_drc", "aic"), rel=1e-11)
    assert "Dose-response model choice" in (out / "report.html").read_text()
