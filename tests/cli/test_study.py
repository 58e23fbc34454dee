"""``assaystats run STUDY.toml``: the whole study from bundled data into one report."""

import tomllib
from pathlib import Path

from assaystats.cli import main

STUDY = Path(__file__).resolve().parents[2] / "examples" / "paper" / "study.toml"


def test_whole_study_one_report(tmp_path, monkeypatch):
    # the paper's study file names only bundled data (example:...), so a copy of it runs from anywhere, as it does
    # from an installed package
    copy = tmp_path / "elsewhere" / "study.toml"
    copy.parent.mkdir()
    copy.write_text(STUDY.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "study"
    assert main(["run", str(copy), "--out", str(out)]) == 0
    html = (out / "report.html").read_text()
    n = len(tomllib.loads(STUDY.read_text(encoding="utf-8"))["analysis"])
    assert n == 21 and html.count('<section id="s') == n
    assert html.count("Checked against: ") == n  # every section names its reference and validation page
    for needle in ("Fig. 1A", "Fig. 2A", "Suppl. Fig. 1B", "Suppl. Fig. 3A", "Suppl. Fig. 3F", "Suppl. Fig. 4",
                   "corrected p", "Contents"):
        assert needle in html
    assert (out / "tables" / "01_fits.csv").exists() and (out / "tables" / "21_coexpression.csv").exists()
    assert (out / "tables" / "05_cells.csv").exists()


def test_paper_readme_maps_every_analysis():
    """Every analysis of the paper's study file has its row in the panel map, and every panel it names exists there."""
    import re
    import tomllib

    readme = (STUDY.parent / "README.md").read_text(encoding="utf-8")
    study = tomllib.loads(STUDY.read_text(encoding="utf-8"))
    for a in study["analysis"]:
        panel = re.match(r"((?:Suppl\. )?Fig\. [0-9][A-H]?)", a["title"])
        if panel:
            assert panel.group(1) in readme, a["title"]
    for panel in ("Fig. 2B", "Fig. 2E", "Fig. 2G", "Suppl. Fig. 1F"):  # images and blots: named, with why
        assert panel in readme


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
