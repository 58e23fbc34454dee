"""Simulate the bundled example 'screen_sim' (python make_data.py; numpy only, fixed seed): a small drug screen in
one long table, one row per well, with the cell counts GR metrics need.

20 compounds x 8 cell lines, 9 doses (vehicle + 8 concentrations, 3-fold from 0.0046 to 10 uM) x 3
replicate wells: 160 curves, 4,320 wells. Each line divides at its own rate (doublings over the 72 h assay between
1.5 and 4); each (compound, line) has a planted GR curve GR(c) = GRinf + (1 - GRinf) / (1 + (c / GEC50)^h) (GRinf
from -0.6, cytotoxic, to 0.9, almost inactive), so the end count of a well is x0 * 2^(log2(GR + 1) * doublings), the
inverse of the GR value's definition (Hafner et al. 2016). Counts carry 8 % log-normal noise; viability is the
well's count over its line's mean vehicle count x 100, as a plate reader normalised to vehicle would give.
Columns: compound, cell_line, replicate, dose_uM, viability, cell_count, cell_count__time0 (the line's time-zero
count), cell_count__ctrl (the line's untreated count at 72 h). True values per curve in truth.csv.
"""

from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
SEED = 47
DOSES = (0.0, 0.0046, 0.0137, 0.041, 0.123, 0.37, 1.11, 3.33, 10.0)


def main():
    rng = np.random.default_rng(SEED)
    compounds = [f"CPD{i:02d}" for i in range(1, 21)]
    lines = ["Huh7", "Hep3B", "HepG2", "PLC", "SNU449", "SNU475", "SKHEP1", "JHH7"]
    doublings = dict(zip(lines, rng.uniform(1.5, 4.0, len(lines))))
    x0 = dict(zip(lines, rng.uniform(800, 2000, len(lines))))
    out = ["compound,cell_line,replicate,dose_uM,viability,cell_count,cell_count__time0,cell_count__ctrl"]
    truth = ["compound,cell_line,GEC50,GRinf,h_GR,doublings"]
    for cpd in compounds:
        potency = rng.uniform(np.log(0.01), np.log(5))
        for line in lines:
            grinf = rng.uniform(-0.6, 0.9)
            gec50 = float(np.exp(potency + rng.normal(0, 0.8)))
            h = rng.uniform(0.8, 2.5)
            k = doublings[line]
            ctrl = x0[line] * 2 ** k
            truth.append(f"{cpd},{line},{gec50:.5g},{grinf:.4f},{h:.4f},{k:.4f}")
            for rep in (1, 2, 3):
                for d in DOSES:
                    gr = 1.0 if d == 0 else grinf + (1 - grinf) / (1 + (d / gec50) ** h)
                    x = x0[line] * 2 ** (np.log2(gr + 1) * k) * np.exp(rng.normal(0, 0.08))
                    out.append(f"{cpd},{line},{rep},{d:g},{100 * x / ctrl:.3f},{x:.1f},{x0[line]:.1f},{ctrl:.1f}")
    (HERE / "screen_sim.csv").write_text("\n".join(out) + "\n")
    (HERE / "truth.csv").write_text("\n".join(truth) + "\n")


if __name__ == "__main__":
    main()
