"""Simulate the bundled examples 'lcsc_flow', 'apoptosis' and 'notch_tumour_normal' (python make_data.py;
numpy only, fixed seed). Shaped like the study's Suppl. Fig. 1D (EpCAM+CD133+ % by flow), Fig. 2H (apoptosis
% after siRNA + sorafenib) and Suppl. Fig. 2 (Notch genes in 12 HCCs vs matched normal liver). True values in
truth.json. These are simulations that mimic the reported effects, not the study's data.
"""

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
SEED = 23


def main():
    rng = np.random.default_rng(SEED)
    truth = {"seed": SEED}
    # flow: % EpCAM+CD133+ per line, 3 experiments, each experiment runs all lines (blocks)
    flow_true = {"Huh7-P": 4.0, "Huh7-R": 11.0, "Hep3B-P": 6.0, "Hep3B-R": 14.0}
    truth["lcsc_pct"] = flow_true
    lines = ["line,experiment,pct_epcam_cd133"]
    for e in ("exp1", "exp2", "exp3"):
        f = np.exp(rng.normal(0, 0.15))  # experiment-level staining efficiency, multiplicative
        for line, pct in flow_true.items():
            lines.append(f"{line},{e},{pct * f * np.exp(rng.normal(0, 0.08)):.2f}")
    (HERE / "lcsc_flow.csv").write_text("\n".join(lines) + "\n")
    # apoptosis %: siRNA x sorafenib, 3 experiments x 3 wells
    apo_true = {("siCtrl", 0): 5.0, ("siCtrl", 5): 12.0, ("siZFAS1", 0): 7.0, ("siZFAS1", 5): 24.0}
    truth["apoptosis_pct"] = {f"{s}@{d}": v for (s, d), v in apo_true.items()}
    lines = ["sirna,sorafenib_uM,experiment,well,apoptosis_pct"]
    for e in ("exp1", "exp2", "exp3"):
        shift = rng.normal(0, 1.5)
        for (s, d), v in apo_true.items():
            for w in range(1, 4):
                lines.append(f"{s},{d},{e},{w},{max(v + shift + rng.normal(0, 1.5), 0.1):.2f}")
    (HERE / "apoptosis.csv").write_text("\n".join(lines) + "\n")
    # tumour vs matched normal, 12 patients, Notch genes (log2 expression)
    delta = {"NOTCH2": 1.2, "NOTCH3": 1.0, "NOTCH4": 0.8, "DLL1": 0.9, "DLL4": 1.1, "JAG1": 1.0, "HES1": 1.3,
             "HEY1": 0.9, "DLL3": -1.2, "NOTCH1": 0.0, "RBPJ": 0.0, "MAML1": 0.0}
    truth["tumour_minus_normal_log2"] = delta
    lines = ["patient,tissue,gene,log2_expression"]
    base = {g: rng.normal(8, 1.5) for g in delta}
    for i in range(1, 13):
        pid = f"HCC{i:02d}"
        pe = rng.normal(0, 0.6)
        for g, dl in delta.items():
            pg = rng.normal(0, 0.5)
            lines.append(f"{pid},normal,{g},{base[g] + pe + pg + rng.normal(0, 0.4):.4f}")
            lines.append(f"{pid},tumour,{g},{base[g] + pe + pg + dl + rng.normal(0, 0.4):.4f}")
    (HERE / "notch_tumour_normal.csv").write_text("\n".join(lines) + "\n")
    (HERE / "truth.json").write_text(json.dumps(truth, indent=2) + "\n")


if __name__ == "__main__":
    main()
