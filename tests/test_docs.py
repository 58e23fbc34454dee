"""The documentation site builds with ``mkdocs build --strict`` (warnings are errors) and its generated pages are
there: a validation page per analysis with at least one reference row, the command reference with every
sub-command of ``assaystats.cli``, a page per analysis and per lesson.

The build runs the reference tests once more (docs/gen_validation.py) to measure the differences it reports; set
``ASSAYSTATS_DOCS_VALIDATION_LOG`` to a log written earlier to skip that. The build executes the lessons
(mkdocs-jupyter, errors not allowed)."""

import argparse
import html
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

if importlib.util.find_spec("mkdocs") is None:
    pytest.skip("mkdocs is not installed (pip install '.[docs]')", allow_module_level=True)

sys.path.insert(0, str(ROOT / "docs"))
import gen_validation

sys.path.remove(str(ROOT / "docs"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", DISABLE_MKDOCS_2_WARNING="true", MPLBACKEND="Agg")
    env.pop("ASSAYSTATS_VALIDATION_LOG", None)  # the build sets its own
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)], cwd=ROOT,
                          env=env, capture_output=True, text=True, check=False)
    problems = [line for line in (proc.stdout + proc.stderr).splitlines()
                if line.startswith(("WARNING -", "ERROR -", "Aborted"))]
    assert proc.returncode == 0, "mkdocs build --strict failed:\n" + "\n".join(problems or [proc.stderr[-4000:]])
    return out


def _text(path: Path) -> str:
    assert path.exists(), f"{path} was not built"
    return path.read_text(encoding="utf-8")


def _table_rows(page: str, heading_id: str) -> list[list[str]]:
    """Body rows (cell texts) of the first table after the heading with this id."""
    start = page.index(f'id="{heading_id}"')
    table = page[start:].split("<table>", 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1] if "<tbody>" in table else ""
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.DOTALL)
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.DOTALL)]
            for r in rows]


def test_validation_page_per_analysis_with_rows(site):
    index = _text(site / "validation" / "index.html")
    for folder in gen_validation.ANALYSES:
        page = _text(site / "validation" / folder / "index.html")
        rows = _table_rows(page, "cases")
        assert len(rows) >= 1, f"validation page of {folder} has no reference row"
        # every row names a case and quantity, a count of compared values and a tolerance, and is within it
        for row in rows:
            case, quantity, n, tolerance, ok = row[0], row[1], row[2], row[3], row[-1]
            assert case and quantity and int(n) >= 1 and tolerance, (folder, row)
            assert ok == "yes", (folder, row)
        assert "produced by" in page and "R 4.2.2" in page, f"validation page of {folder} names no source"
        assert f'href="{folder}/"' in index


def _subcommands() -> list[str]:
    from assaystats.cli import build_parser

    parser = build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(actions) == 1
    return list(actions[0].choices)


def test_command_reference_lists_every_subcommand(site):
    page = _text(site / "reference" / "cli" / "index.html")
    names = _subcommands()
    assert len(names) >= 10
    for name in names:
        assert f'id="{name}"' in page, f"sub-command {name} has no section in the command reference"
        assert f"usage: assaystats {name}" in html.unescape(page), name


def test_pages_for_analyses_lessons_and_api(site):
    for stem in ("doseresponse", "compare", "qpcr", "nanostring", "paired_genes", "survival", "cutpoints",
                 "cohort_expression", "coexpression", "scrna", "study", "screens"):
        page = html.unescape(_text(site / "analyses" / stem / "index.html"))
        assert "Options" in page or stem == "screens", stem
    doseresponse = _text(site / "analyses" / "doseresponse" / "index.html")
    assert _table_rows(doseresponse, "fits"), "the generated fits schema is empty"
    assert (site / "analyses" / "figures" / "doseresponse_dose_response_curves.png").stat().st_size > 1000
    for lesson in sorted((ROOT / "examples" / "lessons").glob("[0-9][0-9]_*.py")):
        page = _text(site / "lessons" / lesson.stem / "index.html")
        assert "jp-OutputArea" in page, f"lesson {lesson.name} is rendered without its output"
    api = _text(site / "reference" / "api" / "doseresponse" / "index.html")
    assert "assaystats.doseresponse.fit" in api
