"""Every lesson (examples/lessons/[0-9]*.py, jupytext percent scripts) runs as a notebook without a cell error,
and lessons 1-4 print what their prose says.

Each script is converted in memory with jupytext and executed by nbclient on an ipykernel of this interpreter:
a kernel spec whose argv[0] is ``sys.executable`` is written into a temporary JUPYTER_PATH, so the test never
picks up another Python's ``python3`` kernel. A first cell turns warnings into errors, as in the rest of the
suite, and the notebook runs in the lesson folder. The lessons' own assertions (their vectorised simulations
checked against ``assaystats.assays.compare``) run with them; a failing cell fails the test with its traceback.

Why a kernel and not runpy: the lessons are rendered as notebooks in the documentation, so they are tested the
way they are shown (inline figures, cell by cell, rich outputs). ipykernel starts reliably here (about 2 s per
lesson); if it cannot start, the test fails rather than skips, since jupytext, nbclient and ipykernel are in the
test extra.

The claim tests read the lessons' printed output: the prose of a lesson says "Dunnett stays at 5%" or "the
wrong way is more often wrong", so the numbers it prints must say so too. Tolerances on simulated rates are
three binomial standard errors of the lesson's own number of simulated studies (the simulations are seeded,
so a failure means the code changed, not bad luck).
"""

import math
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSON_DIR = ROOT / "examples" / "lessons"
LESSONS = sorted(LESSON_DIR.glob("[0-9]*.py"))
KERNEL = "assaystats-lessons"
#: seconds per cell; the lessons aim at ~20 s in all on an idle machine, CI machines can be several times slower
CELL_TIMEOUT = 300
NUM = r"(-?[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?)"

STRICT = """\
import warnings
warnings.simplefilter("error")
# ipykernel/jupyter_client's own deprecations are not the lesson's
warnings.filterwarnings("ignore", category=DeprecationWarning, module="(ipykernel|jupyter_client|zmq).*")
"""

_EXECUTED = {}


@pytest.fixture(scope="module")
def jupyter_env(tmp_path_factory):
    """A kernel spec for this interpreter in a temporary JUPYTER_PATH; inline figures."""
    from ipykernel.kernelspec import write_kernel_spec

    root = tmp_path_factory.mktemp("jupyter")
    spec = write_kernel_spec(path=str(root / "kernels" / KERNEL))  # argv[0] is sys.executable
    assert sys.executable in (Path(spec) / "kernel.json").read_text(encoding="utf-8").replace("\\\\", "\\")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(root))
        mp.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        yield root


def executed(path: Path):
    """The lesson executed as a notebook (once per test session)."""
    if path not in _EXECUTED:
        import jupytext
        import nbformat
        from nbclient import NotebookClient

        nb = jupytext.reads(path.read_text(encoding="utf-8"), fmt="py:percent")
        nb.cells.insert(0, nbformat.v4.new_code_cell(STRICT))
        NotebookClient(nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT, allow_errors=False,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        _EXECUTED[path] = nb
    return _EXECUTED[path]


def outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def stdout(name: str) -> str:
    (path,) = [p for p in LESSONS if p.name.startswith(name)]
    return "".join(o.get("text", "") for o in outputs(executed(path)) if o.get("name") == "stdout")


def find(pattern: str, text: str):
    m = re.search(pattern, text, re.M)
    assert m, (pattern, text)
    return [float(g) if re.fullmatch(NUM, g) else g for g in m.groups()]


def test_lessons_found():
    names = [p.name for p in LESSONS]
    for prefix in ("01_", "02_", "03_", "04_"):
        assert any(n.startswith(prefix) for n in names), names
    readme = (LESSON_DIR / "README.md").read_text(encoding="utf-8")
    assert all(f"]({n})" in readme for n in names), "every lesson has a row in examples/lessons/README.md"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_is_canonical_jupytext(path):
    """The file is exactly what jupytext writes for it (header included), so a round trip through Jupyter
    leaves no diff; only the header's version stamps may differ with the installed jupytext."""
    import jupytext

    def unstamped(text):
        return re.sub(r"^#\s+(jupytext_version|format_version):.*\n", "", text, flags=re.M)

    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ---\n# jupyter:\n")
    written = jupytext.writes(jupytext.reads(text, fmt="py:percent"), fmt="py:percent")
    assert unstamped(written) == unstamped(text)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_runs_as_notebook(path, jupyter_env):
    nb = executed(path)
    outs = outputs(nb)
    assert any("image/png" in o.get("data", {}) for o in outs), f"{path.name} draws no figure"
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert any(s.startswith("## What to report in a paper") for s in markdown[-2:]), path.name
    last_code = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert any(o.get("name") == "stdout" and o["text"].strip() for o in last_code.outputs), \
        f"{path.name}: the closing section prints the sentence to report"
    assert not [o.get("text") for o in outs if o.get("name") == "stderr"]


# -- lessons 1-4 print what their prose claims ----------------------------------------------------------------

@pytest.mark.parametrize("name", ["01_", "02_", "03_", "04_"])
def test_lesson_shows_no_object_reprs(name, jupyter_env):
    """Rendered in the docs, a cell ending in ``ax.legend()`` would show '<matplotlib.legend.Legend at 0x..>':
    lessons 1-4 show printed text and figures only."""
    (path,) = [p for p in LESSONS if p.name.startswith(name)]
    shown = [o.get("data", {}).get("text/plain") for o in outputs(executed(path))
             if o.get("output_type") == "execute_result"]
    assert not shown, shown


def binomial_margin(p, n):
    return 3 * math.sqrt(p * (1 - p) / n)


def test_lesson_1_dunnett_holds_the_family_wise_error(jupyter_env):
    out = stdout("01_")
    n_sim = int(find(r"Under the null, ([0-9]+) simulated studies", out)[0])
    fwer_t = find(rf"uncorrected t tests p < 0.05: {NUM}%", out)[0] / 100
    fwer_d = find(rf"Dunnett-adjusted p < 0.05: +{NUM}%", out)[0] / 100
    indep = find(rf"three independent tests\): +{NUM}%", out)[0] / 100
    assert abs(fwer_d - 0.05) <= binomial_margin(0.05, n_sim)
    # "far more than 5%, close to (a little under) 1 - 0.95^3"
    assert 1 - 0.95**2 < fwer_t <= indep + binomial_margin(indep, n_sim)
    crit_d, crit_t = find(rf"\|t\| > {NUM} on 6 df \(a single t test needs \|t\| > {NUM} on 2 df\)", out)
    assert crit_d < crit_t  # the pooled error's df: Dunnett can be more sensitive than a lone paired t
    # the table over k: uncorrected grows with k, Dunnett stays at 5% (5,000 studies per row)
    rows = [list(map(float, r)) for r in re.findall(rf"^ *([0-9]) +{NUM} +{NUM}$", out, re.M)]
    assert [r[0] for r in rows] == list(range(1, 9))
    assert rows[-1][1] > rows[2][1] > rows[0][1]
    assert all(abs(r[2] - 0.05) <= binomial_margin(0.05, 5000) for r in rows)
    assert rows[0][1] == rows[0][2]  # one comparison: Dunnett is the paired t test
    assert "defined in" in out and out.count("->") == 5


def test_lesson_2_error_bars(jupyter_env):
    out = stdout("02_")
    sd_sem, ci_sem = find(rf"check on siCtrl: SD/SEM = {NUM}, CI half-width/SEM = {NUM}", out)
    assert sd_sem == pytest.approx(math.sqrt(3), abs=1e-3) and ci_sem == pytest.approx(4.303, abs=1e-3)
    rows = re.findall(rf"^ *(3|5|10|30|100) +{NUM} +{NUM} +{NUM}$", out, re.M)
    assert len(rows) == 5
    for _n, sem_sim, sem_exact, ci_sim in (map(float, r) for r in rows):
        assert abs(sem_sim - sem_exact) <= binomial_margin(sem_exact, 20_000)
        assert abs(ci_sim - 0.95) <= binomial_margin(0.95, 20_000)
    p_sem, p_sd, p_ci = (find(rf"^ *{bar} bars just touching.*p = {NUM}$", out)[0]
                         for bar in ("SEM", "SD", "95% CI"))
    assert p_sem > 0.05 and p_ci < 0.05  # the prose: non-overlapping SEM bars, overlapping CIs


def test_lesson_3_wells_are_not_replicates(jupyter_env):
    out = stdout("03_")
    p_wells = find(rf"Welch t \(unequal variances\), n = 24 values in all.*p = {NUM}", out)[0]
    p_exp = find(rf"paired t, n = 6 values in all.*p = {NUM}", out)[0]
    assert p_wells < 0.05 < p_exp  # "same data, two conclusions"
    n_sim = int(find(r"^([0-9]+) simulated studies, no true effect", out)[0])
    wrong = find(rf"wells as n \(Welch t, n = 12 per group\): p < 0.05 in {NUM}%", out)[0] / 100
    right = find(rf"experiments as n \(paired t, n = 3\): +p < 0.05 in {NUM}%", out)[0] / 100
    assert abs(right - 0.05) <= binomial_margin(0.05, n_sim)
    assert wrong > 0.05 + binomial_margin(0.05, n_sim) and wrong > right
    rows = [list(map(float, r)) for r in re.findall(rf"^ *(2|4|8|16|32) +{NUM} +{NUM}$", out, re.M)]
    assert len(rows) == 5
    assert all(b[1] > a[1] for a, b in zip(rows, rows[1:]))  # more wells, more false positives
    assert abs(rows[0][1] - 0.05) <= binomial_margin(0.05, n_sim)  # "with two wells ... near 5%"
    assert all(abs(r[2] - 0.05) <= binomial_margin(0.05, n_sim) for r in rows)
    assert "level='cell' treats every row as independent" in out


def test_lesson_4_ic50s(jupyter_env):
    out = stdout("04_")
    a = find(rf"^ *Hep3B-P +{NUM} +{NUM} +{NUM} ", out)
    b = find(rf"^ *Hep3B-P squeezed +{NUM} +{NUM} +{NUM} .*abs_ic50_not_reached$", out)
    assert a[2] == b[2]  # same relative IC50 (printed to 3 decimals); no absolute IC50 for the squeezed curve
    assert re.search(r"^ *Huh7-R +5\.0 +NaN +> +NaN +ic50_above_range", out, re.M)
    assert "Huh7-R: IC50 > 5.000 uM" in out
    for pair in ("Huh7-R/Huh7-P", "Hep3B-R/Hep3B-P"):
        true, plo, phi, rlo, rhi = find(
            rf"^{re.escape(pair)}: true ratio {NUM}; pooled delta CI {NUM}-{NUM} covers it: \w+; "
            rf"replicate-level CI {NUM}-{NUM} covers it: (\w+)", out)[:5]
        assert rlo <= true <= rhi and rhi - rlo > phi - plo  # experiments as n: wider, and covers the truth
    assert len(re.findall(r"n = 3 independent experiments\)", out)) == 2
