"""Simulate the bundled examples 'resistant_spheres' and 'zfas1_hcc_pairs' (python make_data.py; numpy only, fixed
seed), shaped like two panels of the study that had no bundled data: Suppl. Fig. 1B-C (tumour spheres of parental and
sorafenib-resistant Huh7/Hep3B: number per well and mean diameter) and Suppl. Fig. 3A (ZFAS1 by qPCR in 10 HCCs and
their matched normal liver). True values in truth.json. These are simulations that mimic the reported effects, not
the study's data.
"""

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
SEED = 31


def main():
    rng = np.random.default_rng(SEED)
    truth = {"seed": SEED}
    # spheres: 4 lines x 3 experiments x 3 wells; count ~ negative binomial around the line's mean with an
    # experiment-level multiplicative effect (the experiment is the replicate); diameter (um) log-normal
    mean_count = {"Huh7-P": 18.0, "Huh7-R": 34.0, "Hep3B-P": 15.0, "Hep3B-R": 27.0}
    mean_diam = {"Huh7-P": 62.0, "Huh7-R": 88.0, "Hep3B-P": 58.0, "Hep3B-R": 79.0}
    truth["spheres_per_well"] = mean_count
    truth["sphere_diameter_um"] = mean_diam
    truth["negbin_size"] = 20
    lines = ["cell_line,state,experiment,well,spheres,diameter_um"]
    for e in ("exp1", "exp2", "exp3"):
        f = np.exp(rng.normal(0, 0.12))
        g = np.exp(rng.normal(0, 0.06))
        for line in mean_count:
            for w in range(1, 4):
                mu = mean_count[line] * f
                n = rng.negative_binomial(20, 20 / (20 + mu))
                d = mean_diam[line] * g * np.exp(rng.normal(0, 0.08))
                cl, st = line.split("-")
                lines.append(f"{cl},{'parental' if st == 'P' else 'resistant'},{e},{w},{n},{d:.1f}")
    (HERE / "resistant_spheres.csv").write_text("\n".join(lines) + "\n")
    # ZFAS1 in 10 HCCs and matched normal liver: delta Ct to GAPDH, relative expression 2^-dCt on log2 scale
    truth["zfas1_tumour_minus_normal_log2"] = 1.6
    lines = ["patient,tissue,gene,log2_relative_expression"]
    for i in range(1, 11):
        pe = rng.normal(0, 0.7)
        normal = -6.0 + pe + rng.normal(0, 0.5)
        tumour = -6.0 + pe + 1.6 + rng.normal(0, 0.5)
        lines.append(f"HCC{i:02d},normal,ZFAS1,{normal:.3f}")
        lines.append(f"HCC{i:02d},tumour,ZFAS1,{tumour:.3f}")
    (HERE / "zfas1_hcc_pairs.csv").write_text("\n".join(lines) + "\n")
    (HERE / "truth.json").write_text(json.dumps(truth, indent=2) + "\n")


if __name__ == "__main__":
    main()
