"""Pages generated at build time (mkdocs-gen-files runs this script; nothing it writes is committed).

- ``reference/cli.md``: every sub-command of ``assaystats.cli.build_parser()`` with its usage, options and help;
- ``reference/api/*.md``: one mkdocstrings page per public subpackage;
- ``validation/*.md``: from the reference tests (docs/gen_validation.py);
- ``lessons/*.py``: examples/lessons/NN_name.py (jupytext percent scripts), rendered by mkdocs-jupyter;
- the table schemas appended to each analysis page (docs/gen_schemas.py, from a run on the bundled data);
- ``SUMMARY.md``: the navigation (literate-nav), listing whatever lessons exist at build time.

Environment: ``ASSAYSTATS_DOCS_VALIDATION_LOG=path`` reuses a validation log instead of running the reference tests
(tests/test_docs.py sets it when it has one); ``ASSAYSTATS_DOCS_SKIP_SCHEMAS=1`` leaves the schemas out.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import mkdocs_gen_files

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "docs")]

import gen_cli
import gen_validation

log = logging.getLogger("mkdocs.plugins.assaystats_docs")

# -- command reference --------------------------------------------------------------------------------------------
with mkdocs_gen_files.open("reference/cli.md", "w") as fh:
    fh.write(gen_cli.render())

# -- API reference ------------------------------------------------------------------------------------------------
API = {
    "doseresponse": "Dose-response curves, IC50s, comparisons, many curves at once",
    "assays": "Group comparisons, qPCR, NanoString, paired many-gene tests",
    "survival": "Kaplan-Meier, log-rank, Cox, cut-points",
    "correlates": "Cohort expression: tumour vs normal, stage and grade, co-expression",
    "scrna": "Single cell (needs the scrna extra)",
    "datasets": "Bundled example data with provenance",
    "report": "The self-contained HTML report",
    "errors": "AssayDataError and the warnings",
    "io": "Reading user files and writing outputs",
}
with mkdocs_gen_files.open("reference/api/index.md", "w") as fh:
    fh.write("# API reference\n\nGenerated from the docstrings (numpy style) by mkdocstrings. Every analysis is one "
             "function returning a frozen Result (`table`, `meta`, `tables()`, `plot(ax=None)`, `summary()`, "
             "`methods()`, `to_markdown()`, `to_dict()`).\n\n| module | content |\n|---|---|\n")
    for name, what in API.items():
        fh.write(f"| [`assaystats.{name}`]({name}.md) | {what} |\n")
for name, what in API.items():
    with mkdocs_gen_files.open(f"reference/api/{name}.md", "w") as fh:
        fh.write(f"# `assaystats.{name}`\n\n{what}.\n\n::: assaystats.{name}\n")

# -- validation ---------------------------------------------------------------------------------------------------
cached = os.environ.get("ASSAYSTATS_DOCS_VALIDATION_LOG")
pages, problems = gen_validation.generate(Path(cached) if cached else None)
for rel, text in pages.items():
    with mkdocs_gen_files.open(rel, "w") as fh:
        fh.write(text)
for p in problems:
    log.warning("validation: %s", p)  # a warning fails the strict build

# -- lessons ------------------------------------------------------------------------------------------------------
lessons = sorted((ROOT / "examples" / "lessons").glob("[0-9][0-9]_*.py"))
for p in lessons:
    with mkdocs_gen_files.open(f"lessons/{p.name}", "w") as fh:
        fh.write(p.read_text(encoding="utf-8"))


def _lesson_title(p: Path) -> str:
    for line in p.read_text(encoding="utf-8").splitlines():
        s = line.lstrip("# ").strip()
        if line.startswith("# #") and s:
            return s.lstrip("#").strip()
    return p.stem[3:].replace("_", " ").capitalize()


with mkdocs_gen_files.open("lessons/index.md", "w") as fh:
    fh.write("# Lessons\n\nOne question each, as a jupytext percent script in `examples/lessons/` (run them with "
             "`python examples/lessons/NN_name.py`, or open them as notebooks with jupytext). The site runs "
             "every lesson when it is built and shows its output; the lessons test runs them too.\n\n")
    if not lessons:
        fh.write("No lesson exists yet.\n")
    for p in lessons:
        fh.write(f"- [{_lesson_title(p)}]({p.name})\n")

# -- options, table schemas, figures and bad input appended to the analysis pages ----------------------------------
if not os.environ.get("ASSAYSTATS_DOCS_SKIP_SCHEMAS"):
    import gen_schemas

    def _write_binary(rel: str, data: bytes) -> None:
        with mkdocs_gen_files.open(rel, "wb") as fh:
            fh.write(data)

    for page, text in gen_schemas.generate_all(_write_binary).items():
        with mkdocs_gen_files.open(page, "a") as fh:
            fh.write("\n\n" + text + "\n")

# -- navigation ---------------------------------------------------------------------------------------------------
ANALYSES = [
    ("Dose-response", "doseresponse.md"), ("Group comparisons", "compare.md"), ("qPCR", "qpcr.md"),
    ("NanoString", "nanostring.md"), ("Paired genes", "paired_genes.md"), ("Survival", "survival.md"),
    ("Cut-points", "cutpoints.md"), ("Cohort expression", "cohort_expression.md"),
    ("Co-expression", "coexpression.md"), ("Single cell", "scrna.md"), ("Study files", "study.md"),
    ("Drug screens", "screens.md"),
]
nav = ["* [Home](index.md)", "* [Getting started](getting_started.md)",
       "* [Which test should I use?](which_test.md)", "* Analyses"]
nav += [f"    * [{t}](analyses/{f})" for t, f in ANALYSES]
nav += ["* [Lessons](lessons/index.md)"] + [f"    * [{_lesson_title(p)}](lessons/{p.name})" for p in lessons]
nav += ["* [Validation](validation/index.md)"]
nav += [f"    * [{gen_validation.title(k)[0]}](validation/{k}.md)"
        for k in (r.split("/")[1][:-3] for r in pages if r != "validation/index.md")]
nav += ["* Reference", "    * [Command line](reference/cli.md)", "    * [API](reference/api/index.md)"]
nav += [f"        * [assaystats.{n}](reference/api/{n}.md)" for n in API]
nav += ["* [Contributing to the docs](contributing.md)",
        "* Earlier page locations", "    * [Bench assays (overview)](assays.md)",
        "    * [Survival and cohorts (overview)](survival_and_cohorts.md)",
        "    * [Dose-response (moved)](doseresponse.md)", "    * [Single cell (moved)](scrna.md)"]
with mkdocs_gen_files.open("SUMMARY.md", "w") as fh:
    fh.write("\n".join(nav) + "\n")
