"""Simulated GR screen in the GR calculator's case-C layout (written by assaystats developers; seeded, re-runnable).

    python tests/reference/gr/make_gr_input.py      # writes gr_input_caseC.csv next to this file

3 cell lines x 8 agents x 2 replicates x 2 times (48 h, 72 h) = 96 curves, 9 doses (1 nM to 10 uM, half-log
steps, drugH with two wells per dose). Each curve has a true GR sigmoid (GRinf, GEC50, h) covering the cases the
calculator distinguishes: cytotoxic (GRinf < 0), cytostatic, partial (GRinf > 0.5, GR50 = inf), flat (no effect).
A constant 'perturbation' column as in the calculator's toy example 4 (see below). Counts: time-zero wells (time 0, 4 per cell line, agent '-'), control wells (dose 0, 6 per plate, agent '-'),
treated wells x(c) = x0 * (x_ctrl / x0) ** log2(1 + GR(c)), each count with 4 % log-normal noise, rounded.
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20160516)
doses = 10.0 ** np.arange(-3, 1.01, 0.5)
lines = {"LineA": (400.0, 2.2), "LineB": (550.0, 1.6), "LineC": (300.0, 3.0)}   # x0, fold growth in 48 h
agents = {  # GRinf, GEC50 (uM), h
    "drugA": (-0.4, 0.05, 1.2), "drugB": (0.1, 0.3, 0.8), "drugC": (0.7, 0.2, 2.0), "drugD": (1.0, 1.0, 1.0),
    "drugE": (-0.9, 1.5, 3.0), "drugF": (0.3, 0.004, 0.6), "drugG": (0.0, 5.0, 1.5), "drugH": (-0.2, 0.1, 1.0)}
rows = []
for line, (x0, fold48) in lines.items():
    for _ in range(4):
        rows.append((line, "-", np.nan, 0, 0.0, x0 * rng.lognormal(0, 0.04)))
    for rep in (1, 2):
        for time in (48, 72):
            fold = fold48 ** (time / 48)
            for _ in range(6):
                rows.append((line, "-", rep, time, 0.0, x0 * fold * rng.lognormal(0, 0.04)))
            for agent, (ginf, gec50, h) in agents.items():
                shift = rng.lognormal(0, 0.15)  # line and replicate vary the potency a little
                for d in doses:
                    gr = ginf + (1 - ginf) / (1 + (d / (gec50 * shift)) ** h)
                    for _ in range(2 if agent == "drugH" else 1):
                        x = x0 * fold ** np.log2(1 + gr) * rng.lognormal(0, 0.04)
                        rows.append((line, agent, rep, time, d, x))
df = pd.DataFrame(rows, columns=["cell_line", "agent", "replicate", "time", "concentration", "cell_count"])
# a second key column that is constant, as in the calculator's toy example 4: GRmetrics' case-C matching fails
# (apply on a vector) when a single column matches the time-zero rows
df.insert(1, "perturbation", 0)
df["cell_count"] = np.maximum(np.round(df["cell_count"]), 1).astype(int)
df["replicate"] = df["replicate"].astype("Int64")
df["concentration"] = df["concentration"].map(lambda v: float(f"{v:.6g}"))
df.to_csv(Path(__file__).with_name("gr_input_caseC.csv"), index=False)
