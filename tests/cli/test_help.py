"""The interface says what it does: every example in every --help runs, every option has help, one registry serves
the parser, the handlers and the study runner, and deprecated spellings still work (issue 10)."""

import argparse
import shlex

import pytest

from assaystats import _commands, _study
from assaystats.cli import REGISTRY, SUBCOMMANDS, build_parser, main


def _subparsers():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sub.choices


def _examples():
    """(sub-command, argv) for every 'assaystats ...' command line in the epilogs (continuation lines joined)."""
    out = []
    for name, sp in _subparsers().items():
        text = (sp.epilog or "").replace("\\\n", " ")
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("assaystats "):
                out.append((name, shlex.split(line)[1:]))
    return out


EXAMPLES = _examples()
FAST = [e for e in EXAMPLES if e[0] not in ("scrna", "run")]
SLOW = [e for e in EXAMPLES if e[0] in ("scrna", "run")]


def test_every_subcommand_has_an_example():
    assert {name for name, _ in EXAMPLES} == set(REGISTRY)


def _run_example(argv, tmp_path, monkeypatch):
    from pathlib import Path

    monkeypatch.chdir(Path(__file__).resolve().parents[2])  # examples name repository paths (examples/paper/study.toml)
    if "--out" in argv:
        i = argv.index("--out")
        argv = argv[:i + 1] + [str(tmp_path / argv[i + 1])] + argv[i + 2:] + ["--quiet"]
    return main(argv), argv


@pytest.mark.parametrize("name,argv", FAST, ids=[" ".join(a[:2]) for _, a in FAST])
def test_help_example_runs(name, argv, tmp_path, monkeypatch, capsys):
    code, argv = _run_example(argv, tmp_path, monkeypatch)
    assert code == 0, capsys.readouterr().err
    if "--out" in argv:
        assert (tmp_path / argv[argv.index("--out") + 1].split("/")[-1] / "report.html").exists()


@pytest.mark.parametrize("name,argv", SLOW, ids=[" ".join(a[:2]) for _, a in SLOW])
def test_help_example_runs_slow_commands(name, argv, tmp_path, monkeypatch, capsys):
    """The study and the single-cell example (the study includes the single-cell panel: about a minute)."""
    pytest.importorskip("scanpy")
    code, argv = _run_example(argv, tmp_path, monkeypatch)
    assert code == 0, capsys.readouterr().err


def test_every_option_has_help_and_no_empty_choice():
    for name, sp in _subparsers().items():
        for act in sp._actions:
            if act.help == argparse.SUPPRESS:
                continue
            assert act.help, (name, act.option_strings or act.dest)
            if act.choices:
                assert "" not in act.choices, (name, act.option_strings)


def test_registry_serves_parser_handlers_and_study():
    assert set(_subparsers()) == set(REGISTRY)
    for spec, *_ in SUBCOMMANDS:
        assert callable(getattr(_commands, spec.handler)), spec.handler
    assert set(_study.KINDS) == {s.name for s, *_ in SUBCOMMANDS if s.study}
    # a study entry takes exactly the command's options: each one is accepted by the study runner
    from pathlib import Path

    for kind in _study.KINDS:
        sp = _subparsers()[kind]
        for act in sp._actions:
            if act.option_strings and act.help != argparse.SUPPRESS and act.dest not in _study._NOT_IN_STUDY:
                value = True if isinstance(act, argparse._StoreTrueAction) else (
                    act.choices[0] if act.choices else "1")
                entry = {} if kind == "scrna" else {"input": "example:x"}
                argv = _study._argv(kind, {**entry, act.dest: value}, Path("."), [])
                assert any(a.startswith(act.option_strings[0]) for a in argv) or value is True, (kind, act.dest)


@pytest.mark.parametrize("old,new", [(["--calibrator", "siCtrl"], ["--control", "siCtrl"])])
def test_deprecated_spelling_still_works_with_a_note(tmp_path, capsys, old, new):
    base = ["qpcr", "example:zfas1_qpcr", "--reference-gene", "GAPDH,ACTB", "--quiet"]
    assert main(base + old + ["--out", str(tmp_path / "a")]) == 0
    assert "--calibrator is deprecated; use --control" in capsys.readouterr().err
    assert main(base + new + ["--out", str(tmp_path / "b")]) == 0
    assert "deprecated" not in capsys.readouterr().err
    a = (tmp_path / "a" / "tables" / "relative_expression.csv").read_text()
    assert a == (tmp_path / "b" / "tables" / "relative_expression.csv").read_text()


def test_deprecated_p_adjust_name(tmp_path, capsys):
    argv = ["doseresponse", "example:sorafenib_ic50", "--dose", "dose_uM", "--response", "viability", "--group",
            "line", "--compare", "pairwise", "--quiet"]
    assert main(argv + ["--p-adjust", "fdr_bh", "--out", str(tmp_path / "a")]) == 0
    assert "fdr_bh is deprecated" in capsys.readouterr().err
    assert main(argv + ["--p-adjust", "bh", "--out", str(tmp_path / "b")]) == 0
    a = (tmp_path / "a" / "tables" / "comparisons.csv").read_text()
    assert a == (tmp_path / "b" / "tables" / "comparisons.csv").read_text()


def test_help_is_fast_and_imports_nothing_heavy():
    import subprocess
    import sys

    code = "import sys, assaystats.cli as c; c.build_parser(); print(sorted(m for m in ('pandas', 'numpy', " \
           "'matplotlib', 'scanpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
