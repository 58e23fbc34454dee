"""Simulate the bundled cohort 'lihc_cohort' (python make_data.py; numpy only, fixed seed), shaped like
TCGA-LIHC as the study used it through GEPIA, UCSC Xena and cBioPortal.

- expression.tsv: UCSC Xena layout (genes x samples, first column gene_id), log2(TPM + 1); 300 primary tumours
  (TCGA-style barcodes ...-01A) and 50 matched normals (...-11A) of the same patients; ZFAS1, stemness/EMT genes
  and 150 background genes.
- clinical.csv: one row per tumour sample: sample, patient, stage (I-IV), grade (G1-G4), age, os_months,
  os_event, dfs_months, dfs_event.
- survival.csv: clinical.csv joined with the tumour ZFAS1 value (column ZFAS1), for the survival command.

Planted truth (truth.json): ZFAS1 tumour - normal = +1.5 (log2); +0.5 in stage III/IV vs I/II; +0.4 in G3/G4
vs G1/G2; overall-survival hazard ratio 1.40 per SD of tumour ZFAS1 (log-hazard linear), DFS 1.30 per SD; stemness/EMT
genes share a latent factor with ZFAS1 (loadings in truth.json); background genes are independent of ZFAS1.
"""

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
SEED = 2026
STEM = {"EPCAM": 0.7, "CD24": 0.6, "THY1": 0.5, "PROM1": 0.6, "DLK1": 0.5, "KRT18": 0.4, "KRT19": 0.6,
        "S100A4": 0.4, "S100A6": 0.5, "TWIST1": 0.4, "VIM": 0.5}


def main():
    rng = np.random.default_rng(SEED)
    n_t, n_n = 300, 50
    pats = [f"TCGA-{rng.choice(['DD', 'BC', 'ED', 'CC', 'G3'])}-A{i:03d}" for i in range(n_t)]
    stage = rng.choice(["I", "II", "III", "IV"], n_t, p=[0.45, 0.25, 0.25, 0.05])
    grade = rng.choice(["G1", "G2", "G3", "G4"], n_t, p=[0.15, 0.45, 0.35, 0.05])
    age = np.round(rng.normal(60, 12, n_t)).clip(18, 90)
    F = rng.normal(0, 1, n_t)  # latent stemness
    late = np.isin(stage, ["III", "IV"]).astype(float)
    poor = np.isin(grade, ["G3", "G4"]).astype(float)
    patient_eff = rng.normal(0, 0.3, n_t)
    z_t = 5.0 + 0.6 * F + 0.5 * late + 0.4 * poor + patient_eff + rng.normal(0, 0.5, n_t)
    normals = rng.choice(n_t, n_n, replace=False)
    z_n = 5.0 - 1.5 + patient_eff[normals] + rng.normal(0, 0.5, n_n)
    genes = {"ZFAS1": (z_t, z_n)}
    for g, lam in STEM.items():
        base = rng.uniform(3, 9)
        genes[g] = (base + lam * F + 0.3 * late + rng.normal(0, 0.6, n_t), base - 0.3 + rng.normal(0, 0.6, n_n))
    for k in range(150):
        base = rng.uniform(1, 10)
        genes[f"GENE{k + 1:03d}"] = (base + rng.normal(0, 0.8, n_t), base + rng.normal(0, 0.8, n_n))
    t_ids = [f"{p}-01A" for p in pats]
    n_ids = [f"{pats[i]}-11A" for i in normals]
    with open(HERE / "expression.tsv", "w") as fh:
        fh.write("gene_id\t" + "\t".join(t_ids + n_ids) + "\n")
        for g, (vt, vn) in genes.items():
            fh.write(g + "\t" + "\t".join(f"{v:.4f}" for v in np.r_[vt, vn].clip(0)) + "\n")
    zs = (z_t - z_t.mean()) / z_t.std(ddof=1)
    hr_os, hr_dfs = 1.40, 1.30
    os_t = rng.exponential(1 / (0.02 * np.exp(np.log(hr_os) * zs + 0.6 * late)))
    dfs_t = rng.exponential(1 / (0.04 * np.exp(np.log(hr_dfs) * zs + 0.5 * late)))
    cens = rng.uniform(6, 120, n_t)
    with open(HERE / "clinical.csv", "w") as fh, open(HERE / "survival.csv", "w") as fs:
        head = "sample,patient,stage,grade,age,os_months,os_event,dfs_months,dfs_event"
        fh.write(head + "\n")
        fs.write(head + ",ZFAS1\n")
        for i in range(n_t):
            row = (f"{t_ids[i]},{pats[i]},{stage[i]},{grade[i]},{age[i]:.0f},{min(os_t[i], cens[i]):.2f},"
                   f"{int(os_t[i] <= cens[i])},{min(dfs_t[i], cens[i]):.2f},{int(dfs_t[i] <= cens[i])}")
            fh.write(row + "\n")
            fs.write(row + f",{z_t[i]:.4f}\n")
    truth = {"seed": SEED, "zfas1_tumour_minus_normal": 1.5, "zfas1_stage_III_IV_minus_I_II": 0.5,
             "zfas1_grade_G3_G4_minus_G1_G2": 0.4, "os_hr_per_sd_zfas1": hr_os, "dfs_hr_per_sd_zfas1": hr_dfs,
             "stemness_loadings": STEM, "zfas1_loading": 0.6, "n_tumour": n_t, "n_normal": n_n,
             "background_genes": "GENE001-GENE150, independent of ZFAS1"}
    (HERE / "truth.json").write_text(json.dumps(truth, indent=2) + "\n")


if __name__ == "__main__":
    main()
