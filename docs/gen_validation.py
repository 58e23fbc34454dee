"""Validation pages generated from the reference tests (tests/reference/).

Runs the tests that compare against tests/reference/ with ``ASSAYSTATS_VALIDATION_LOG`` set (tests/_reference.py
then appends one JSON line per comparison: analysis, case, quantity, term, reference, ours, tolerance, differences,
source) and writes one Markdown page per reference folder: each case, its source (script, R and package versions
read from the committed .Rout), the quantities compared, the tolerance and the largest difference measured.

    python docs/gen_validation.py                 # run the tests, write docs/validation/*.md
    python docs/gen_validation.py --log LOG.jsonl  # reuse a log written earlier

During ``mkdocs build`` docs/gen_pages.py calls :func:`generate` and writes the pages into the site only.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"

#: reference folder -> (page title, the analysis page it validates)
ANALYSES = {
    "doseresponse": ("Dose-response", "analyses/doseresponse.md"),
    "assays": ("Group comparisons", "analyses/compare.md"),
    "assays_extra": ("Count models, effect sizes, power and paired genes", "analyses/paired_genes.md"),
    "qpcr": ("qPCR", "analyses/qpcr.md"),
    "nanostring": ("NanoString", "analyses/nanostring.md"),
    "survival": ("Survival and cut-points", "analyses/survival.md"),
    "cohort": ("Cohort expression (simulated LIHC cohort)", "analyses/cohort_expression.md"),
    "correlates": ("Co-expression and partial correlation", "analyses/coexpression.md"),
    "scrna": ("Single cell", "analyses/scrna.md"),
    "gr": ("GR metrics (drug screens)", "analyses/screens.md"),
}


#: folders that may appear (pages are made for them when their tests record comparisons; not required)
OPTIONAL = {
    "thunor": ("Drug screens: published screen (Thunor)", "analyses/screens.md"),
}


def title(folder: str) -> tuple[str, str | None]:
    return ANALYSES.get(folder) or OPTIONAL.get(folder) or (folder, None)


def reference_tests() -> list[str]:
    """Every test module that compares against tests/reference/ through tests/_reference.py: it looks values up
    with ``Reference(...)`` (directly or through tests/doseresponse/_ref.py) or records with ``record_arrays``.
    Modules that only read input data from tests/reference/ are not run."""
    out = []
    for p in sorted(TESTS.rglob("test_*.py")):
        text = p.read_text(encoding="utf-8")
        if any(key in text for key in ("Reference(", "_ref import", "record_arrays(", "record(")):
            out.append(str(p.relative_to(ROOT)))
    return out


#: slow tests in those modules that compare with no reference value (commands, batch correction, planted truth);
#: left out of the validation run to keep the docs build short (measured with --durations on the shared machine:
#: together about two thirds of the run). A renamed test simply runs again.
NOT_REFERENCE = [
    "tests/scrna/test_replicates.py::test_harmony_and_bbknn_mix_libraries_with_a_planted_effect",
    "tests/scrna/test_replicates.py::test_command_with_conditions_and_batch",
    "tests/scrna/test_replicates.py::test_conditions_over_libraries_give_pseudobulk_de",
    "tests/scrna/test_replicates.py::test_batch_option_names_the_missing_library",
    "tests/scrna/test_replicates.py::test_batch_api_errors",
    "tests/scrna/test_replicates.py::test_bad_condition_inputs",
    "tests/scrna/test_foldchange.py::test_replicate_path_keeps_deseq2_and_has_the_same_columns",
    "tests/scrna/test_foldchange.py::test_delta_interval_covers_the_planted_ratio",
    "tests/assays/test_reference_mixed.py::test_general_correlation_dunnett_agrees_with_the_quadrature",
    "tests/correlates/test_correlates.py::test_commands",
    "tests/cli/test_command.py::test_quick_start_job_writes_everything",
    "tests/cli/test_command.py::test_user_strings_are_escaped_in_report",
    "tests/assays/test_qpcr.py::test_qpcr_command",
    "tests/assays/test_nanostring_zeros.py::test_nanostring_command_with_background_none_writes_no_huge_fold_change",
    "tests/assays/test_nanostring.py::test_nanostring_command",
]


def run_tests(log: Path, tests: list[str] | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, ASSAYSTATS_VALIDATION_LOG=str(log))
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
           *(tests or reference_tests()), *(f"--deselect={t}" for t in NOT_REFERENCE)]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def read_log(log: Path) -> list[dict]:
    rows = []
    with open(log, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def _f(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.inf


def _g(x, digits=2) -> str:
    x = _f(x)
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return "inf"
    return f"{x:.{digits}g}"


def _tol(rows: list[dict]) -> str:
    kinds = set()
    for r in rows:
        rt, at = r.get("rtol"), r.get("atol")
        if (rt in (None, 0, 0.0)) and (at in (None, 0, 0.0)) and _f(r.get("tolerance")) == 0:
            kinds.add("exact")
        elif rt is None and at is None:
            kinds.add("rel 1e-06 (pytest default)")
        else:
            parts = []
            if rt not in (None, 0, 0.0):
                parts.append(f"rel {_g(rt)}")
            if at not in (None, 0, 0.0):
                parts.append(f"abs {_g(at)}")
            kinds.add(", ".join(parts) or "exact")
    return "; ".join(sorted(kinds))


def _used(rows: list[dict]) -> str:
    """The largest difference as a share of its tolerance ('exact' when every comparison is exact)."""
    shares = [_f(r.get("abs_diff")) / _f(r.get("tolerance")) for r in rows if _f(r.get("tolerance")) > 0]
    if not shares:
        return "exact"
    return f"{100 * max(shares):.2g} %"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def page(folder: str, rows: list[dict], when: str, outcome: str) -> str:
    name, analysis_page = title(folder)
    by_case: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        by_case[(r.get("file", ""), r["case"], r["quantity"])].append(r)
    failed = [r for r in rows if not r.get("passed", True)]
    sources = sorted({(r.get("file", ""), r.get("source") or "") for r in rows})
    lines = [f"# Validation: {name}", "",
             (f"Generated by `docs/gen_validation.py` when the documentation was built ({when}) from the tests that "
             f"compare against `tests/reference/{folder}/` ({outcome}). Every row is one reference case and quantity: "
             "the number of values compared, the tolerance the test asserts (`rel`: relative, `abs`: absolute; pytest's "
             "bound is the larger of the two), the largest absolute and relative difference measured in this build, and the "
             "largest difference as a share of its tolerance (100 % would be at the limit)."),
             ""]
    if analysis_page:
        lines += [f"The analysis: [{name}](../{analysis_page}).", ""]
    lines += [f"**{len(rows)} comparisons** in {len(by_case)} case/quantity rows; "
              + ("**all within tolerance**." if not failed else f"**{len(failed)} outside tolerance** (marked FAIL)."),
              "", "## Sources", "", "| reference file | produced by (versions from the committed .Rout) |",
              "|---|---|"]
    for f, s in sources:
        lines.append(f"| `tests/reference/{_cell(f)}` | {_cell(s) or 'see the README in that folder'} |")
    lines += ["", "## Cases", "",
              "| case | quantity | values | tolerance | largest abs. difference | largest rel. difference | share of tolerance | tests | ok |",
              "|---|---|---:|---|---:|---:|---:|---|---|"]
    for (f, case, quantity), rs in sorted(by_case.items()):
        max_abs = max(_f(r.get("abs_diff")) for r in rs)
        max_rel = max(_f(r.get("rel_diff")) for r in rs)
        tests = sorted({r.get("test", "").split("::")[0].rsplit("/", 1)[-1] for r in rs})
        ok = "yes" if all(r.get("passed", True) for r in rs) else "FAIL"
        lines.append(f"| `{_cell(case)}` | `{_cell(quantity)}` | {len(rs)} | {_tol(rs)} | {_g(max_abs)} | "
                     f"{_g(max_rel)} | {_used(rs)} | {', '.join(_cell(t) for t in tests)} | {ok} |")
    lines.append("")
    return "\n".join(lines)


def index_page(pages: dict[str, list[dict]], when: str, outcome: str) -> str:
    lines = ["# Validation", "",
             ("Every statistic is checked against an independent reference: R packages run on the same data (scripts and "
             "their console output committed under `tests/reference/`), published tables or planted truth. These pages "
             f"are generated from the reference tests at build time ({when}; {outcome}); nothing here is typed by hand."),
             "", ("The largest difference of each analysis as a share of the tolerance its test asserts (relative "
             "differences mislead for p values near 0, which are compared in absolute terms)."), "",
             "| analysis | comparisons | cases | largest share of tolerance | all within tolerance |",
             "|---|---:|---:|---:|---|"]
    for folder, rows in pages.items():
        name = title(folder)[0]
        cases = len({(r.get("file"), r["case"]) for r in rows})
        ok = "yes" if all(r.get("passed", True) for r in rows) else "**no**"
        lines.append(f"| [{name}]({folder}.md) | {len(rows)} | {cases} | {_used(rows)} | {ok} |")
    lines.append("")
    return "\n".join(lines)


def generate(log: Path | None = None) -> tuple[dict[str, str], list[str]]:
    """Return ({relative page path: Markdown}, problems). Runs the reference tests unless ``log`` is given."""
    problems: list[str] = []
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if log is None:
        tmp = Path(tempfile.mkdtemp(prefix="assaystats-validation-"))
        log = tmp / "validation.jsonl"
        proc = run_tests(log)
        summary = (proc.stdout.strip().splitlines() or ["(no output)"])[-1]
        outcome = f"pytest: {summary}"
        if proc.returncode != 0:
            problems.append(f"the reference tests failed (exit {proc.returncode}): {summary}\n{proc.stdout[-3000:]}")
    else:
        outcome = f"from the log {log.name}"
    rows = read_log(log) if log.exists() else []
    by_folder: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_folder[r["analysis"]].append(r)
    pages = {folder: by_folder[folder] for folder in ANALYSES if by_folder.get(folder)}
    pages.update({k: v for k, v in sorted(by_folder.items()) if k not in pages})
    for folder in ANALYSES:
        if folder not in pages:
            problems.append(f"no reference comparison was recorded for tests/reference/{folder}/")
    out = {"validation/index.md": index_page(pages, when, outcome)}
    for folder, rs in pages.items():
        out[f"validation/{folder}.md"] = page(folder, rs, when, outcome)
        bad = [r for r in rs if not r.get("passed", True)]
        if bad:
            problems.append(f"{len(bad)} comparisons of tests/reference/{folder}/ outside tolerance")
    return out, problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log", type=Path, help="reuse this JSON-lines log instead of running the tests")
    ap.add_argument("--out", type=Path, default=ROOT / "docs", help="folder that receives validation/*.md")
    args = ap.parse_args(argv)
    pages, problems = generate(args.log)
    for rel, text in pages.items():
        path = args.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for p in problems:
        print(f"warning: {p}", file=sys.stderr)
    print(f"wrote {len(pages)} pages under {args.out / 'validation'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
