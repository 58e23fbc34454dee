"""Every lesson (examples/lessons/[0-9]*.py, jupytext percent scripts) runs as a notebook without a cell error.

Each script is converted in memory with jupytext and executed by nbclient on an ipykernel of this interpreter:
a kernel spec pointing at ``sys.executable`` is written into a temporary JUPYTER_PATH, so the test never picks
up another Python's ``python3`` kernel. A first cell turns warnings into errors, as in the rest of the suite,
and the notebook runs in the lesson folder. The lesson's own assertions (checks of vectorised simulations
against assaystats) are part of the run; a failing cell fails the test with the cell's traceback.

Why a kernel and not runpy: the lessons are rendered as notebooks in the documentation, so they are tested the
way they are shown (inline figures, cell by cell). If a kernel cannot start (no ipykernel), the test fails
rather than skips: jupytext, nbclient and ipykernel are in the test extra.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "examples" / "lessons").glob("[0-9]*.py"))
KERNEL = "assaystats-lessons"
#: seconds per cell; the lessons aim at ~20 s in all on an idle machine, CI machines can be several times slower
CELL_TIMEOUT = 300

STRICT = """\
import warnings
warnings.simplefilter("error")
# ipykernel/jupyter_client's own deprecations are not the lesson's
warnings.filterwarnings("ignore", category=DeprecationWarning, module="(ipykernel|jupyter_client|zmq).*")
"""


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory):
    from ipykernel.kernelspec import write_kernel_spec

    root = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(path=str(root / "kernels" / KERNEL))  # argv[0] is sys.executable
    return root


def test_lessons_found():
    assert len(LESSONS) >= 4, LESSONS
    assert all(p.read_text(encoding="utf-8").startswith("# ---\n# jupyter:\n") for p in LESSONS)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_runs_as_notebook(path, kernel_dir, monkeypatch):
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = jupytext.reads(path.read_text(encoding="utf-8"), fmt="py:percent")
    assert any(c.cell_type == "markdown" for c in nb.cells) and any(c.cell_type == "code" for c in nb.cells)
    nb.cells.insert(0, nbformat.v4.new_code_cell(STRICT))
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT, allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()

    # at least one figure, and the closing section the lessons promise
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name} draws no figure"
    headings = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert "What to report in a paper" in headings[-1] or "What to report in a paper" in headings[-2], path.name
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert text.strip(), f"{path.name} prints nothing"
    assert not any(o.get("name") == "stderr" for o in outputs), \
        [o.get("text") for o in outputs if o.get("name") == "stderr"]
    assert sys.executable  # the kernel spec above used this interpreter
