"""``--pdf`` on every command that writes a report: report.pdf beside report.html, inside the same output folder."""

import json

import pytest

from assaystats.cli import SUBCOMMANDS, build_parser, main
from assaystats.errors import AssayDataError

ARGS = ["compare", "example:zfas1_colonies", "--value", "colonies", "--group", "sirna", "--control", "siCtrl",
        "--replicate", "experiment", "--quiet"]


def test_every_writing_command_has_pdf():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for spec, *_ in SUBCOMMANDS:
        opts = {o for a in sub.choices[spec.name]._actions for o in a.option_strings}
        assert ("--pdf" in opts) == spec.writes, spec.name


def test_pdf_written_and_listed(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    pytest.importorskip("weasyprint")
    out = tmp_path / "o"
    assert main([*ARGS, "--pdf", "--out", str(out)]) == 0
    pdf = pypdf.PdfReader(out / "report.pdf")
    assert len(pdf.pages) >= 2
    text = " ".join(p.extract_text() for p in pdf.pages)
    assert "Group comparison" in text and "siZFAS1" in text
    assert "report.pdf" in json.loads((out / "provenance.json").read_text())["files"]
    assert main([*ARGS, "--pdf", "--force", "--out", str(out)]) == 0  # our own folder, PDF included


def test_study_pdf(tmp_path):
    pytest.importorskip("weasyprint")
    study = tmp_path / "s.toml"
    study.write_text('[[analysis]]\nkind = "compare"\ninput = "example:lcsc_flow"\nvalue = "pct_epcam_cd133"\n'
                     'group = "line"\nreplicate = "experiment"\n')
    assert main(["run", str(study), "--pdf", "--out", str(tmp_path / "o"), "--quiet"]) == 0
    assert (tmp_path / "o" / "report.pdf").stat().st_size > 10_000


def test_missing_extra_fails_before_computing(tmp_path, capsys, monkeypatch):
    import assaystats.report as report

    def missing():
        raise AssayDataError("writing a PDF needs WeasyPrint: install the optional extra with pip install "
                             "'assaystats[pdf]'")

    monkeypatch.setattr(report, "check_pdf_support", missing)
    out = tmp_path / "o"
    assert main([*ARGS, "--pdf", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "assaystats[pdf]" in err[0] and not out.exists()
