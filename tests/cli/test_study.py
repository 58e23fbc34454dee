"""``assaystats run STUDY.toml``: the whole study from bundled data into one report."""

from pathlib import Path

from assaystats.cli import main

STUDY = Path(__file__).resolve().parents[2] / "examples" / "study.toml"


def test_whole_study_one_report(tmp_path):
    out = tmp_path / "study"
    assert main(["run", str(STUDY), "--out", str(out)]) == 0
    html = (out / "report.html").read_text()
    assert html.count('<section id="s') == 18
    for needle in ("Fig. 1A", "Fig. 2A", "Suppl. Fig. 3F", "Suppl. Fig. 4", "corrected p", "Contents"):
        assert needle in html
    assert (out / "tables" / "01_fits.csv").exists() and (out / "tables" / "18_coexpression.csv").exists()
    assert (out / "tables" / "03_cells.csv").exists()


def test_bad_study_file(tmp_path, capsys):
    bad = tmp_path / "s.toml"
    bad.write_text('[[analysis]]\nkind = "nope"\ninput = "x.csv"\n')
    out = tmp_path / "o"
    assert main(["run", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "kind 'nope'" in err[0] and str(bad) in err[0] and not out.exists()
    bad.write_text('[[analysis]]\nkind = "compare"\ninput = "example:zfas1_colonies"\nvalue = "colonies"\n'
                   'group = "sirna"\ncontrol = "siX"\n')
    assert main(["run", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "analysis 1 (compare)" in err[0] and "'siX'" in err[0] and not out.exists()
