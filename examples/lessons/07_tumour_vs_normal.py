# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 7 — Tumour vs normal: paired or unpaired, and one tumour per patient
#
# **Question.** Is a gene higher in the tumour than in normal tissue — and which samples may we count?
#
# Two situations come up all the time. In your own hands: tumour and adjacent normal liver from the same
# patients (the study's 12 HCCs). In a public cohort such as TCGA: hundreds of tumours, a few dozen normals, some
# of them from the same patients as tumours, and a few patients with more than one tumour sample. The right test
# depends on who contributed which sample:
#
# * the same patients in both groups → a **paired** test on the within-patient differences;
# * different patients → an **unpaired** test (Welch's t);
# * one patient must not be counted twice in the same group: **one tumour per patient**.
#
# Data: the bundled `notch_tumour_normal` (12 patients, tumour and matched normal, 12 Notch-pathway genes) and
# `lihc_expression` (a simulated cohort in UCSC Xena layout with TCGA barcodes). Both are simulated, with the true
# differences stored beside them.

# %%
import json

import matplotlib.pyplot as plt
import pandas as pd

import assaystats

pd.set_option("display.width", 140)
pd.set_option("display.max_columns", 20)

notch = assaystats.datasets.load("notch_tumour_normal")
truth_notch = json.loads((assaystats.datasets.path("notch_tumour_normal").parent / "truth.json").read_text())
print(notch.head(4))
print("patients:", notch["patient"].nunique(), "| genes:", notch["gene"].nunique(),
      "| rows per patient and gene:", notch.groupby(["patient", "gene"]).size().unique())

# %% [markdown]
# ## 1. Matched samples: the paired test
#
# Take NOTCH3. Analysed as if tumours and normals came from different people (Welch's t), and as what they are —
# pairs (`subject="patient"`, a paired t test on the 12 tumour-minus-normal differences):

# %%
g = notch[notch["gene"] == "NOTCH3"]
cols = ["group1", "group2", "estimate", "ci_low", "ci_high", "p_value", "method", "n1", "n2"]
unpaired = assaystats.assays.compare(g, value="log2_expression", group="tissue", control="normal")
paired = assaystats.assays.compare(g, value="log2_expression", group="tissue", control="normal",
                                   subject="patient")
print(pd.concat([unpaired.table[cols], paired.table[cols]]).to_string(index=False))
print("true tumour - normal difference of NOTCH3 (log2):", truth_notch["tumour_minus_normal_log2"]["NOTCH3"])
u, pr = unpaired.table.iloc[0], paired.table.iloc[0]
assert (pr.ci_high - pr.ci_low) < (u.ci_high - u.ci_low) / 2 and pr.p_value < u.p_value / 100  # the text below

# %% [markdown]
# The estimated difference is the same both ways (the mean of differences equals the difference of means), but
# the paired interval is much narrower and its p much smaller. Patients differ from each other in their baseline
# NOTCH3 level; pairing subtracts each patient's own baseline, and only the variation of the tumour–normal
# *difference* remains. The figure shows why: the lines connecting each patient's two samples all (or nearly all) go up,
# while the two clouds of points overlap.

# %%
wide = g.pivot(index="patient", columns="tissue", values="log2_expression")
fig, axes = plt.subplots(1, 2, figsize=(8, 3.8))
for _, row in wide.iterrows():
    axes[0].plot([0, 1], [row["normal"], row["tumour"]], "-o", color="grey", alpha=0.6, ms=4)
axes[0].set_xticks([0, 1], ["normal", "tumour"])
axes[0].set_ylabel("NOTCH3, log2 expression")
axes[0].set_title("each line is one patient")
diff = wide["tumour"] - wide["normal"]
axes[1].axhline(0, color="k", lw=0.8)
axes[1].plot([0] * len(diff), diff, "o", alpha=0.7)
axes[1].errorbar([0.2], [paired.table["estimate"].iloc[0]],
                 yerr=[[paired.table["estimate"].iloc[0] - paired.table["ci_low"].iloc[0]],
                       [paired.table["ci_high"].iloc[0] - paired.table["estimate"].iloc[0]]],
                 fmt="s", color="C3", capsize=4, label="mean, 95% CI")
axes[1].set_xticks([0], ["tumour - normal"])
axes[1].set_xlim(-0.5, 0.7)
axes[1].legend(frameon=False)
axes[1].set_title("what the paired test sees")
fig.tight_layout()

# %% [markdown]
# With a panel of genes, `assays.paired_genes` runs the paired t test and the Wilcoxon signed-rank test on every
# gene and corrects for the number of genes (Benjamini–Hochberg q). The planted truth is printed beside it:

# %%
panel = assaystats.assays.paired_genes(notch, gene="gene", value="log2_expression", subject="patient",
                                       group="tissue", control="normal")
tab = panel.table[["gene", "n_pairs", "mean_diff", "ci_low", "ci_high", "p_t", "q_t", "p_w"]].copy()
tab["true_diff"] = tab["gene"].map(truth_notch["tumour_minus_normal_log2"])
print(tab.to_string(index=False, float_format=lambda v: f"{v:.3g}"))

# %% [markdown]
# With 12 pairs, the exact Wilcoxon test cannot give a p below a floor set by n alone (all 12 differences of
# one sign), however large the effect: compare `p_w` with `p_t` for the genes that changed most. The t test uses
# the size of the differences, the signed-rank test only their ranks.

# %%
print("smallest possible two-sided exact Wilcoxon p with 12 pairs:", 2 / 2**12)

# %% [markdown]
# ## 2. A cohort: all tumours vs all normals, and the matched subset
#
# In the TCGA-like cohort most patients contributed only a tumour; some also a normal sample. Sample barcodes say
# which is which: characters 14–15 are the sample type (01–09 tumour, 10–19 normal), the letter after them the
# vial, and the first 12 characters the patient.

# %%
expr = assaystats.datasets.load("lihc_expression")
samples = list(expr.columns[1:])
print(samples[:2], "...")
print(assaystats.correlates.parse_barcode(samples[0]))
kinds = pd.Series([assaystats.correlates.parse_barcode(s)["kind"] for s in samples]).value_counts()
print(kinds.to_string())

# %% [markdown]
# `correlates.tumour_vs_normal` does both analyses at once: Welch's t on all tumours against all normals, and the
# paired t test on the patients who have both.

# %%
tvn = assaystats.correlates.tumour_vs_normal(expr, gene="ZFAS1")
cols2 = ["within", "estimate", "ci_low", "ci_high", "p_value", "method", "n1", "n2"]
print(tvn.table[cols2].to_string(index=False))
print(tvn.meta["notes"])
truth_lihc = json.loads((assaystats.datasets.path("lihc_expression").parent / "truth.json").read_text())
print("true tumour - normal difference of ZFAS1 (log2):", truth_lihc["zfas1_tumour_minus_normal"])
assert (tvn.table["estimate"] > 0).all()  # both analyses agree in direction

# %%
fig, ax = plt.subplots(figsize=(4.5, 4))
tvn.plot(ax=ax)
ax.set_title("ZFAS1, simulated LIHC cohort")
fig.tight_layout()

# %% [markdown]
# Which to report? The unpaired test uses every sample but compares different people; the paired test uses only
# the matched patients but removes between-patient differences. They answer slightly different questions (all
# tumours vs the normals we have; within the same person). Report the one you planned, and the other beside it.
# Here both agree in direction; their sizes differ because the matched patients are a subset.
#
# ## 3. One tumour per patient: duplicate aliquots
#
# Real TCGA downloads contain patients with more than one tumour sample: a second vial (`-01B`), a recurrence
# (`-02A`), or the same vial sequenced twice (long aliquot barcodes such as `-01A-11R-A28V-07`). Counting them all
# would count those patients twice — pseudo-replication — and for the paired test a patient would have two
# "tumours". The bundled cohort has none, so we add some to a copy of the table: for three patients, extra
# columns whose values are the patient's tumour shifted by +1 (so we can see which sample was used).

# %%
dup = expr.copy()
first3 = samples[:3]
extra = {
    first3[0][:12] + "-01B": first3[0],                    # second vial of the primary tumour
    first3[1][:12] + "-02A": first3[1],                    # recurrent tumour
    first3[2] + "-21R-A28V-07": first3[2],                 # the same vial, another aliquot
}
for new, old in extra.items():
    dup[new] = expr[old] + 1.0
for s in list(first3) + list(extra):
    print(f"{s:30s}", assaystats.correlates.parse_barcode(s))

# %% [markdown]
# `correlates.one_tumour_per_patient` keeps, for each patient, the tumour with the lowest sample-type code
# (01, primary, before 02, recurrent), then the first vial, then the first barcode in sort order. It is what
# `tumour_vs_normal` (and the survival and correlation commands) use:

# %%
kept = assaystats.correlates.one_tumour_per_patient(dup.columns[1:])
tumour_cols = [s for s in dup.columns[1:] if assaystats.correlates.parse_barcode(s)["kind"] == "tumour"]
print("tumour columns in the table:", len(tumour_cols), "| tumours kept (one per patient):", len(kept))
for p in [s[:12] for s in first3]:
    print(p, "-> kept", [s for s in kept if s.startswith(p)],
          "| dropped", [s for s in tumour_cols if s.startswith(p) and s not in kept])

tvn_dup = assaystats.correlates.tumour_vs_normal(dup, gene="ZFAS1")
print(tvn_dup.table[cols2].to_string(index=False))
print("identical to the table without duplicates:",
      bool((tvn_dup.table["estimate"] == tvn.table["estimate"]).all()
           and (tvn_dup.table["p_value"] == tvn.table["p_value"]).all()))

# %% [markdown]
# And what happens if every tumour column is counted — the analysis a spreadsheet would do:

# %%
zf = dup[dup.iloc[:, 0] == "ZFAS1"].iloc[0, 1:].astype(float)
naive = pd.DataFrame({"sample": zf.index, "ZFAS1": zf.to_numpy(),
                      "tissue": [assaystats.correlates.parse_barcode(s)["kind"] for s in zf.index]})
naive_res = assaystats.assays.compare(naive, value="ZFAS1", group="tissue", control="normal")
print(naive_res.table[["estimate", "ci_low", "ci_high", "p_value", "n1", "n2"]].to_string(index=False))

# %% [markdown]
# With three duplicates among hundreds of tumours the numbers move only a little — but the n is wrong, the
# extra samples are not independent evidence, and in a small cohort (or one where some patients have many
# samples) the result changes. The rule is chosen before looking at the values, and the report says how many
# tumours and normals it used and how they were picked (`meta["notes"]`, printed above).

# %% [markdown]
# ## What to report in a paper
#
# The comparison (tumour vs matched normal, or all tumours vs all normals), the test, the number of patients and
# samples and how duplicates were resolved, the difference on the log scale with its interval, and the p. E.g.:

# %%
p_row = paired.table.iloc[0]
print(f"NOTCH3 was higher in HCC than in matched normal liver (paired t test, n = {int(p_row.n1)} patients): mean "
      f"difference {p_row.estimate:.2f} log2 units (95% CI {p_row.ci_low:.2f} to {p_row.ci_high:.2f}), "
      f"p = {p_row.p_value:.1g}; across the {len(panel.table)} Notch-pathway genes tested, BH q = "
      f"{panel.table.set_index('gene').loc['NOTCH3', 'q_t']:.1g}.")
a, b = tvn.table.iloc[0], tvn.table.iloc[1]
print(f"In the cohort, ZFAS1 was higher in tumours ({int(a.n1)} primary tumours, one per patient: lowest "
      f"sample-type code, then vial) than in {int(a.n2)} normal samples: difference {a.estimate:.2f} log2(TPM+1) "
      f"(95% CI {a.ci_low:.2f} to {a.ci_high:.2f}; Welch t test, p = {a.p_value:.1g}); in the {int(b.n1)} "
      f"patients with both, the paired difference was {b.estimate:.2f} ({b.ci_low:.2f} to {b.ci_high:.2f}; "
      f"paired t test, p = {b.p_value:.1g}).")
