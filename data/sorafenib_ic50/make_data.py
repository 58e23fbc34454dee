"""Simulate the bundled example 'sorafenib_ic50' (run: python make_data.py; numpy only, seed fixed).

A 96-well viability screen as in the study's Fig. 1A / Suppl. Fig. 1A: parental (P) and
sorafenib-resistant (R) Huh7 and Hep3B lines, sorafenib at 0 (vehicle) and 8 doses, 3 technical
wells per dose, 3 independent experiments. Viability is % of the vehicle mean of the plate.

True parameters (the 'truth.json' written beside the data):
- four-parameter log-logistic, top 100, bottom 5 (%), Hill -1.4 (drc b = 1.4)
- IC50: Huh7-P 4.0 uM, Huh7-R 9.2 uM (ratio 2.3), Hep3B-P 3.0 uM, Hep3B-R 6.0 uM (ratio 2.0)
- experiment-to-experiment variation of log10 IC50: normal, SD 0.04 (shared by the lines of one
  experiment plus a line-specific part of SD 0.02)
- well noise: normal, SD 4 % of vehicle
"""

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
DOSES = [0.0, 0.3125, 0.625, 1.25, 2.5, 5.0, 10.0, 20.0, 40.0]
LINES = {"Huh7-P": 4.0, "Huh7-R": 9.2, "Hep3B-P": 3.0, "Hep3B-R": 6.0}
TOP, BOTTOM, B = 100.0, 5.0, 1.4
EXPERIMENTS = ["exp1", "exp2", "exp3"]
WELLS = 3
SD_WELL, SD_EXP, SD_LINE_EXP = 4.0, 0.04, 0.02


def ll4(x, b, c, d, e):
    x = np.asarray(x, float)
    with np.errstate(divide="ignore"):
        return np.where(x > 0, c + (d - c) / (1 + np.exp(b * (np.log(np.where(x > 0, x, 1)) - np.log(e)))), d)


def main():
    rng = np.random.default_rng(20240611)
    rows = []
    for exp in EXPERIMENTS:
        shift = rng.normal(0, SD_EXP)
        for line, ic50 in LINES.items():
            e = 10 ** (np.log10(ic50) + shift + rng.normal(0, SD_LINE_EXP))
            signal = ll4(np.repeat(DOSES, WELLS), B, BOTTOM, TOP, e) + rng.normal(0, SD_WELL, len(DOSES) * WELLS)
            for i, (dose, v) in enumerate(zip(np.repeat(DOSES, WELLS), signal)):
                rows.append((line, exp, f"{i % WELLS + 1}", dose, round(float(v), 2)))
    with open(HERE / "sorafenib_ic50.csv", "w") as fh:
        fh.write("line,experiment,well,dose_uM,viability\n")
        for r in rows:
            fh.write(",".join(str(v) for v in r) + "\n")
    truth = {"model": "ll4", "top": TOP, "bottom": BOTTOM, "hill": -B, "ic50_uM": LINES,
             "ratios": {"Huh7-R/Huh7-P": LINES["Huh7-R"] / LINES["Huh7-P"],
                        "Hep3B-R/Hep3B-P": LINES["Hep3B-R"] / LINES["Hep3B-P"]},
             "sd_well": SD_WELL, "sd_log10_ic50_experiment": SD_EXP, "sd_log10_ic50_line_experiment": SD_LINE_EXP,
             "seed": 20240611}
    (HERE / "truth.json").write_text(json.dumps(truth, indent=2) + "\n")


if __name__ == "__main__":
    main()
