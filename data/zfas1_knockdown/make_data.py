"""Simulate the bundled example 'zfas1_knockdown' (python make_data.py; numpy only, fixed seed).

Two tables shaped like the study's Fig. 2 (ZFAS1 siRNA in Huh7 cells), 3 independent experiments each:

- colonies.csv: sirna (Untreated, siCtrl, siZFAS1) x experiment (exp1-exp3) x 3 wells: colony and
  tumour-sphere counts. True means: colonies 120, 115, 60; spheres 45, 44, 20 (Poisson counts around
  experiment-specific means; experiment effect multiplicative, log-normal SD 0.10).
- viability.csv: sirna (siCtrl, siZFAS1) x sorafenib_uM (0, 5, 10) x experiment x 4 wells, viability in % of the
  siCtrl vehicle wells. True means: siCtrl 100, 82, 65; siZFAS1 98, 62, 40 (an siRNA x dose interaction);
  experiment effect N(0, 6), well noise N(0, 5).
"""

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
SEED = 11


def main():
    rng = np.random.default_rng(SEED)
    col_mu = {"Untreated": (120, 45), "siCtrl": (115, 44), "siZFAS1": (60, 20)}
    with open(HERE / "colonies.csv", "w") as fh:
        fh.write("sirna,experiment,well,colonies,spheres\n")
        for e in ("exp1", "exp2", "exp3"):
            f = np.exp(rng.normal(0, 0.10))
            for s, (mc, ms) in col_mu.items():
                for w in range(1, 4):
                    fh.write(f"{s},{e},{w},{rng.poisson(mc * f)},{rng.poisson(ms * f)}\n")
    via_mu = {("siCtrl", 0): 100, ("siCtrl", 5): 82, ("siCtrl", 10): 65,
              ("siZFAS1", 0): 98, ("siZFAS1", 5): 62, ("siZFAS1", 10): 40}
    with open(HERE / "viability.csv", "w") as fh:
        fh.write("sirna,sorafenib_uM,experiment,well,viability\n")
        for e in ("exp1", "exp2", "exp3"):
            shift = rng.normal(0, 6)
            for (s, d), mu in via_mu.items():
                for w in range(1, 5):
                    fh.write(f"{s},{d},{e},{w},{mu + shift + rng.normal(0, 5):.2f}\n")
    truth = {"seed": SEED, "colonies_mean": {k: v[0] for k, v in col_mu.items()},
             "spheres_mean": {k: v[1] for k, v in col_mu.items()},
             "viability_mean": {f"{s}@{d}": mu for (s, d), mu in via_mu.items()},
             "experiment_sd_log_counts": 0.10, "experiment_sd_viability": 6, "well_sd_viability": 5}
    (HERE / "truth.json").write_text(json.dumps(truth, indent=2) + "\n")


if __name__ == "__main__":
    main()
