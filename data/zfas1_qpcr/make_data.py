"""Simulate the bundled example 'zfas1_qpcr' (python make_data.py; numpy only, fixed seed).

qPCR after ZFAS1 siRNA in Huh7 cells, shaped like the study's Fig. 2A: groups siCtrl and siZFAS1, 3 biological
replicates (independent transfections) each, 3 technical wells per sample and gene. Reference genes GAPDH and
ACTB; targets ZFAS1 (true fold change 0.2, i.e. 80 % knockdown) and stemness / Notch genes with the true log2
fold changes in truth.json. Ct = base + sample effect N(0, 0.25) - log2 fold change (siZFAS1) + well noise
N(0, 0.12). One well of NANOG in sample siZFAS1_3 is 'Undetermined' (a non-detect).
"""

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
SEED = 5
BASE = {"GAPDH": 18.0, "ACTB": 17.2, "ZFAS1": 24.0, "CD44": 23.0, "EPCAM": 25.5, "PROM1": 27.0, "NANOG": 30.0,
        "POU5F1": 28.5, "SOX2": 29.0, "NOTCH1": 26.0, "NOTCH2": 25.0, "NOTCH3": 27.5, "HES1": 24.5}
LOG2FC = {"GAPDH": 0.0, "ACTB": 0.0, "ZFAS1": float(np.log2(0.2)), "CD44": -1.2, "EPCAM": -1.0, "PROM1": -1.4,
          "NANOG": -0.9, "POU5F1": -0.8, "SOX2": -0.6, "NOTCH1": -1.1, "NOTCH2": -0.9, "NOTCH3": -0.7, "HES1": -1.3}


def main():
    rng = np.random.default_rng(SEED)
    lines = ["sample,group,gene,well,ct"]
    for grp in ("siCtrl", "siZFAS1"):
        for i in range(1, 4):
            sample = f"{grp}_{i}"
            load = rng.normal(0, 0.25)  # input amount: shifts every gene of the sample
            for gene, base in BASE.items():
                bio = rng.normal(0, 0.15) if gene not in ("GAPDH", "ACTB") else rng.normal(0, 0.05)
                for w in range(1, 4):
                    ct = base + load + bio - (LOG2FC[gene] if grp == "siZFAS1" else 0) + rng.normal(0, 0.12)
                    txt = "Undetermined" if (sample == "siZFAS1_3" and gene == "NANOG" and w == 2) else f"{ct:.3f}"
                    lines.append(f"{sample},{grp},{gene},{w},{txt}")
    (HERE / "zfas1_qpcr.csv").write_text("\n".join(lines) + "\n")
    (HERE / "truth.json").write_text(json.dumps({"seed": SEED, "log2_fold_change": LOG2FC,
                                                  "fold_change_ZFAS1": 0.2, "reference_genes": ["GAPDH", "ACTB"],
                                                  "sd_sample_load": 0.25, "sd_bio": 0.15, "sd_well": 0.12},
                                                 indent=2) + "\n")


if __name__ == "__main__":
    main()
