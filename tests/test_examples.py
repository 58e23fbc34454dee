"""The teaching examples run and say what they promise: the numbers they print recover the truth planted in the
simulated data (data/sorafenib_ic50/truth.json, written by data/sorafenib_ic50/make_data.py)."""

import json
import math
import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
TRUTH = json.loads((ROOT / "data" / "sorafenib_ic50" / "truth.json").read_text())
NUM = r"(-?[0-9.]+(?:e[-+]?[0-9]+)?)"


def run(path, capsys) -> str:
    runpy.run_path(str(path), run_name="__main__")
    return capsys.readouterr().out


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(path, capsys):
    assert run(path, capsys).strip()


def test_ic50_example_recovers_the_planted_truth(capsys):
    """examples/ic50_parental_vs_resistant.py on Huh7-P and Huh7-R (planted: IC50 4.0 and 9.2 uM, resistance index
    2.3, Hill -1.4; three experiments whose log10 IC50 shifts by SD 0.04 for both lines together plus SD 0.02 per
    line; wells SD 4 %). Each printed estimate must lie within 3 standard deviations of the planted value on the
    log10 scale, the SD combining the planted experiment-level variation with the estimate's own standard error
    (read off its printed 95% interval). Achieved: IC50s 1.1 and 0.02 SD, pooled index 0.9 SD, experiment-level
    index 1.1 SD from the truth; Hill slopes 0.09 and 0.19 from -1.4."""
    out = run(ROOT / "examples" / "ic50_parental_vs_resistant.py", capsys)
    n_exp = 3
    sd_exp, sd_line = TRUTH["sd_log10_ic50_experiment"], TRUTH["sd_log10_ic50_line_experiment"]
    z95 = 1.96  # normal quantile: a slightly larger SE than the t quantile the example used (conservative)

    def within(est, lo, hi, truth, sd_design, q=z95):
        se = math.log10(hi / lo) / (2 * q)
        return abs(math.log10(est / truth)) <= 3 * math.hypot(sd_design, se)

    # 1. one curve per line: "Huh7-P 3.709409 3.472495 3.962487 -1.489200 ok"
    for line in ("Huh7-P", "Huh7-R"):
        m = re.search(rf"^\s*{line}\s+{NUM}\s+{NUM}\s+{NUM}\s+{NUM}\s+ok\s*$", out, re.M)
        assert m, (line, out)
        ic50, lo, hi, hill = map(float, m.groups())
        # the mean of three experiments' log10 IC50: SD sqrt((0.04^2 + 0.02^2) / 3) = 0.026 around the truth
        assert within(ic50, lo, hi, TRUTH["ic50_uM"][line], math.sqrt((sd_exp**2 + sd_line**2) / n_exp)), line
        # Hill slope: negative (falling curve), within 3 x 0.08 (its SE on these data; sor_sep_nls) of -1.4
        assert hill < 0 and abs(hill - TRUTH["hill"]) <= 3 * 0.08, (line, hill)

    truth_ratio = TRUTH["ratios"]["Huh7-R/Huh7-P"]
    # the experiment shift is shared by both lines and cancels in the ratio: SD 0.02 sqrt(2 / 3) = 0.016
    sd_ratio = sd_line * math.sqrt(2 / n_exp)

    # 2. "Resistance index Huh7-R / Huh7-P = 2.48 (95% CI 2.13 to 2.90); F test ...: F = 190.3, p = 1.1e-28"
    m = re.search(rf"Resistance index Huh7-R / Huh7-P = {NUM} \(95% CI {NUM} to {NUM}\);.*F = {NUM}, p = {NUM}",
                  out)
    assert m, out
    ratio, lo, hi, _f, p = map(float, m.groups())
    assert lo < ratio < hi and within(ratio, lo, hi, truth_ratio, sd_ratio)
    assert p < 0.05  # the planted difference is real

    # 3. "... (paired t on log10 IC50, n = 3 experiments): ratio 2.57 (95% CI 1.67 to 3.96), p = 0.011"
    m = re.search(rf"\(paired t on log10 IC50, n = {n_exp} experiments\): ratio {NUM} \(95% CI {NUM} to {NUM}\), "
                  rf"p = {NUM}", out)
    assert m, out
    ratio, lo, hi, p = map(float, m.groups())
    assert lo <= truth_ratio <= hi  # the experiment-level interval covers the truth
    assert within(ratio, lo, hi, truth_ratio, 0.0, q=4.303)  # its t quantile on 2 df; the SE holds all variation
    assert p < 0.05
