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
# # Lesson 8 — Single cell: hundreds of cells, but how many replicates?
#
# **Question.** Resistant (R) cells express ZFAS1 at a higher level than parental (P) cells in a single-cell
# experiment with one culture of each line. What can the p values of a differential-expression test on the cells
# tell us, and what does it take to make them evidence about the cell lines?
#
# A single-cell run gives hundreds or thousands of cells per sample, and a test that treats every cell as an
# observation returns astronomically small p values. But all the cells of one sample come from one culture, one
# dissociation and one library. Anything that differs between two cultures of the *same* line — passage, confluence,
# the day of the capture — differs between your two samples as well, and a cell-level test cannot tell it from the
# effect of the drug. Counting cells as replicates when the replicate is the culture is **pseudo-replication**.
#
# Data: the bundled `scrna_sim`, two simulated Cell Ranger folders (P and R, one culture each, as in the study)
# with planted effects listed in `truth.json`: ZFAS1 up, a block of 40 "resistance" genes (`RESIST01`–`RESIST40`)
# up, the study's stemness/EMT/Notch genes up, fewer cycling cells in R; 500 `GENE…` background genes with no
# planted difference.

# %%
import json

import anndata
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import scanpy as sc

import assaystats

pd.set_option("display.width", 140)
pd.set_option("display.max_columns", 20)

folder = assaystats.datasets.path("scrna_sim").parent
truth = json.loads((folder / "truth.json").read_text())
print("planted:", {k: v for k, v in truth["planted"].items() if k != "cycling_fraction"})

cells = assaystats.scrna.read_samples({"P": folder / "P", "R": folder / "R"})
assaystats.scrna.qc_metrics(cells)
qc = assaystats.scrna.qc_filter(cells)
print(qc[["sample", "cells_read", "cells_passed", "flagged_doublets"]].to_string(index=False))
cells = cells[cells.obs["passed_qc"]].copy()
cells.layers["counts"] = cells.X.copy()          # raw counts: what the fold change and pseudobulk use
sc.pp.normalize_total(cells, target_sum=1e4)     # library size to 10,000 and log1p: what the cell-level test ranks
sc.pp.log1p(cells)
print(cells.obs["sample"].value_counts().to_string())

# %% [markdown]
# ## 1. The study's design: one culture per line, DE on cells
#
# `scrna.differential` compares the two samples. With one sample per condition it runs scanpy's Wilcoxon
# rank-sum test on the cells and labels the result **exploratory** in its `method` column (the command's report
# says the same).

# %%
de = assaystats.scrna.differential(cells, group="R", reference="P")
print(de["method"].iloc[0])
cols = ["gene", "log2fc", "ci_low", "ci_high", "p_value", "p_adjusted", "pct_group", "pct_reference"]
print(de[cols].head(8).to_string(index=False, float_format=lambda v: f"{v:.3g}"))
print(f"\ngenes at adjusted p < 0.05: {(de['p_adjusted'] < 0.05).sum()} of {len(de)}; "
      f"cells compared: {int((cells.obs['sample'] == 'R').sum())} R vs "
      f"{int((cells.obs['sample'] == 'P').sum())} P")

# %% [markdown]
# ZFAS1 comes first, as planted. But look at the background genes, which the simulation did not change at all:

# %%
is_bg = de["gene"].str.fullmatch(r"GENE\d+")
print(f"background genes at adjusted p < 0.05: {(is_bg & (de['p_adjusted'] < 0.05)).sum()} of {is_bg.sum()}; "
      f"their median log2 fold change: {de.loc[is_bg, 'log2fc'].median():.3f}")
assert de["gene"].iloc[0] == "ZFAS1" and (is_bg & (de["p_adjusted"] < 0.05)).sum() > 0  # the text around

# %% [markdown]
# These are not culture effects (the simulation has none yet) but a reminder of what a cell-level p value
# measures: *any* systematic difference, however small, between two bags of cells becomes "significant" with
# hundreds of cells. Here every count is normalised to its cell's library size, and when a large block of genes
# goes up in R, every other gene's *share* of the library goes down a little. With hundreds of cells per group
# that small shift is detected with confidence. Significance here says "these two samples differ", not "this gene
# responds to resistance", and certainly not "this would replicate in another culture".
#
# ## 2. Pseudo-replication, shown: cultures that differ by chance
#
# To see what a cell-level test does with culture-to-culture variation we need cultures. The bundled data have one
# per line, so we make pretend ones: the P cells are dealt at random into six "cultures", and each culture gets its
# own small random up- or down-shift of every gene (log-normal, SD 0.2 on the natural-log scale: a biological
# coefficient of variation of about 0.2, between the 0.1 that edgeR's user guide quotes for genetically identical
# organisms and the 0.4 it quotes for human subjects), applied by thinning the counts. Then we call three cultures
# "A" and three "B". **A and B are the same cells of the same line; no gene truly differs.**

# %%
SIGMA = 0.2


def deal_into_cultures(adata, n_cultures, sigma, rng, prefix):
    """Split the cells at random into cultures; give each culture a random per-gene shift (log-normal, SD sigma)
    by binomial thinning of its raw counts; return new AnnData (raw counts in layers['counts'], X log-normalised)."""
    import scipy.sparse as sp

    raw = adata.layers["counts"]
    raw = raw.toarray() if sp.issparse(raw) else np.asarray(raw)
    raw = np.rint(raw).astype(np.int64)
    order = rng.permutation(adata.n_obs)
    new = np.zeros_like(raw)
    culture = np.empty(adata.n_obs, dtype=object)
    for k, part in enumerate(np.array_split(order, n_cultures)):
        keep = np.clip(0.5 * np.exp(sigma * rng.standard_normal(adata.n_vars)), 0, 1)  # per gene, this culture
        new[part] = rng.binomial(raw[part], keep)
        culture[part] = f"{prefix}{k + 1}"
    out = anndata.AnnData(X=sp.csr_matrix(new.astype(np.float32)),
                     obs=pd.DataFrame({"culture": culture}, index=adata.obs_names),
                     var=pd.DataFrame(index=adata.var_names))
    out.layers["counts"] = out.X.copy()
    sc.pp.normalize_total(out, target_sum=1e4)
    sc.pp.log1p(out)
    return out


rng = np.random.default_rng(8)
parental = cells[cells.obs["sample"] == "P"].copy()
null = deal_into_cultures(parental, 6, SIGMA, rng, prefix="c")
null.obs["arm"] = np.where(null.obs["culture"].isin(["c1", "c2", "c3"]), "A", "B")
print(null.obs.groupby(["arm", "culture"]).size().to_string())

# %% [markdown]
# Three analyses of the same null data:
#
# 1. **one culture per arm** (c1 vs c4), cell-level test — the study's design;
# 2. **three cultures per arm, cells pooled**, cell-level test — more cells, still pseudo-replicated;
# 3. **three cultures per arm, pseudobulk**: the counts of each culture are summed into one profile and the six
#    profiles are tested with DESeq2 — the culture is the unit.
#
# `differential(..., replicate="culture")` chooses between these by itself: with at least two cultures in each arm
# it runs pseudobulk DESeq2; with one culture per arm it falls back to the cell-level test and labels it exploratory.
# We pass `replicate="culture"` every time and print what it chose.

# %%
one_each = null[null.obs["culture"].isin(["c1", "c4"])].copy()
runs = {
    "1 culture per arm, cells": assaystats.scrna.differential(one_each, groupby="arm", group="B", reference="A",
                                                             replicate="culture"),
    "3 cultures per arm, cells pooled": assaystats.scrna.differential(null, groupby="arm", group="B",
                                                                     reference="A"),
    "3 cultures per arm, pseudobulk": assaystats.scrna.differential(null, groupby="arm", group="B", reference="A",
                                                                   replicate="culture"),
}
summary = pd.DataFrame({
    name: {"method": r["method"].iloc[0].split(";")[0][:60],
           "genes tested": int(r["p_value"].notna().sum()),
           "p < 0.05 (fraction)": float((r["p_value"] < 0.05).sum() / r["p_value"].notna().sum()),
           "adjusted p < 0.05 (genes)": int((r["p_adjusted"] < 0.05).sum())}
    for name, r in runs.items()}).T
print(summary.to_string())
cells_1, cells_3, pseudo_3 = runs.values()
margin = 3 * np.sqrt(0.05 * 0.95 / len(pseudo_3))
assert (cells_1["p_adjusted"] < 0.05).sum() > 0 and (cells_3["p_adjusted"] < 0.05).sum() > 0  # the text below
assert (pseudo_3["p_value"] < 0.05).mean() < 0.05 + margin

# %%
fig, axes = plt.subplots(1, 3, figsize=(10, 3), sharey=True)
for ax, (name, r) in zip(axes, runs.items()):
    ax.hist(r["p_value"].dropna(), bins=np.linspace(0, 1, 21), color="C0")
    ax.axhline(r["p_value"].notna().sum() / 20, color="k", ls="--", lw=0.8)
    ax.set_title(name, fontsize=9)
    ax.set_xlabel("p value (no true difference)")
axes[0].set_ylabel("genes")
fig.suptitle("A vs B: same line, cultures differ by chance (dashed: what a valid test gives)", fontsize=10)
fig.tight_layout()

# %% [markdown]
# With no true difference, a valid test gives p < 0.05 for about 5 % of genes and a flat histogram. The
# cell-level test does not: the genes that the two cultures happen to differ in pile up near zero, and after the
# Benjamini–Hochberg correction they are still "discoveries" — printed above. Pooling more cultures' cells does not
# repair it; the test still counts cells. The pseudobulk test on three cultures per arm does not pile up near
# zero — with so few cultures it is, if anything, conservative — because its variance is estimated from the
# cultures themselves.
#
# And without culture variation? The same cell-level test on two random halves of one culture, with no shift:

# %%
calm = deal_into_cultures(parental, 2, 0.0, rng, prefix="h")
d0 = assaystats.scrna.differential(calm, groupby="culture", group="h2", reference="h1")
print(f"no culture effect: p < 0.05 for {(d0['p_value'] < 0.05).mean():.3f} of genes, "
      f"{(d0['p_adjusted'] < 0.05).sum()} at adjusted p < 0.05")
assert abs((d0["p_value"] < 0.05).mean() - 0.05) < 3 * np.sqrt(0.05 * 0.95 / len(d0))  # calibrated: the text below

# %% [markdown]
# The cell-level test is well calibrated for what it tests — *these cells vs those cells*. The trouble is only the
# question: cultures differ, and one culture per condition cannot measure by how much.
#
# ## 3. What pseudobulk needs, and what it gives with a real effect
#
# Pseudobulk needs **replicate cultures** (at least two per condition — three or more to have any power), each
# captured as its own library or tagged (hashtags, genotypes) so that every cell's culture is known; and the
# **raw counts** (`layers["counts"]`), because DESeq2 models counts. Here are six pretend cultures again, now three
# of P and three of R, so the planted P-vs-R effects are there on top of culture noise:

# %%
pr = [deal_into_cultures(cells[cells.obs["sample"] == s].copy(), 3, SIGMA, rng, prefix=s) for s in ("P", "R")]
both = anndata.concat(pr)
both.obs["line"] = both.obs["culture"].str[0]
summed, design = assaystats.scrna.pseudobulk_counts(both, groupby="line", replicate="culture")
print(design.to_string())
print("pseudobulk matrix (cultures x genes):", summed.shape)

# %%
cell_level = assaystats.scrna.differential(both, groupby="line", group="R", reference="P")
pseudo = assaystats.scrna.differential(both, groupby="line", group="R", reference="P", replicate="culture")
print(pseudo["method"].iloc[0])


def calls(r):
    sig = r["p_adjusted"] < 0.05
    g = r["gene"]
    return {"ZFAS1 called": bool(sig[g == "ZFAS1"].any()),
            "RESIST genes called (of 40)": int((sig & g.str.fullmatch(r"RESIST\d+")).sum()),
            "background genes called (of 500)": int((sig & g.str.fullmatch(r"GENE\d+")).sum()),
            "all genes called": int(sig.sum())}


called = pd.DataFrame({"cell-level (cells as n)": calls(cell_level),
                       "pseudobulk DESeq2 (cultures as n)": calls(pseudo)})
print(called.to_string())
bg_called = called.loc["background genes called (of 500)"]
assert bg_called.iloc[1] <= 5 < bg_called.iloc[0] and called.loc["ZFAS1 called"].all()  # the text below
z = pseudo.set_index("gene").loc["ZFAS1"]
print(f"\nZFAS1, pseudobulk: log2 fold change {z.log2fc:.2f} (95% CI {z.ci_low:.2f} to {z.ci_high:.2f}), "
      f"adjusted p = {z.p_adjusted:.2g}; planted: x{truth['planted']['ZFAS1_fold_R_vs_P']} "
      f"(log2 {np.log2(truth['planted']['ZFAS1_fold_R_vs_P']):.2f})")
fold, cand = truth["planted"]["ZFAS1_fold_R_vs_P"], truth["planted"]["candidate_fraction_P"]
print(f"but {cand:.0%} of P cells were planted with the R profile (candidate cells), so the expected ratio of the "
      f"two cultures is {fold} / ({1 - cand:.2f} + {cand:.2f} x {fold}) = {fold / (1 - cand + cand * fold):.2f} "
      f"(log2 {np.log2(fold / (1 - cand + cand * fold)):.2f})")

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharex=True)
for ax, (name, r) in zip(axes, [("cell-level", cell_level), ("pseudobulk DESeq2", pseudo)]):
    kind = np.select([r["gene"] == "ZFAS1", r["gene"].str.fullmatch(r"RESIST\d+"),
                      r["gene"].str.fullmatch(r"GENE\d+")],
                     ["ZFAS1", "RESIST (planted up)", "background (no change)"], "other")
    for k, color in [("background (no change)", "0.7"), ("other", "C0"), ("RESIST (planted up)", "C1"),
                     ("ZFAS1", "C3")]:
        m = kind == k
        ax.scatter(r.loc[m, "log2fc"], -np.log10(r.loc[m, "p_value"].clip(lower=1e-300)), s=6, color=color,
                   label=k)
    ax.set_title(name)
    ax.set_xlabel("log2 fold change R / P")
axes[0].set_ylabel("-log10 p")
axes[1].legend(frameon=False, fontsize=7)
fig.tight_layout()

# %% [markdown]
# The cell-level p values fall to tiny values and call many unchanged background genes; the pseudobulk p values
# are far less extreme, because n is three cultures per line, and at most a handful of background genes are
# called (DESeq2's median-of-ratios normalisation is also not pulled by a block of up-regulated genes). The
# strongest planted effects survive either way; the weaker ones need more cultures — that is the honest price.
#
# In the full pipeline the switch is made the same way: `assaystats.scrna.run({"P1": dir, "P2": dir, "R1": dir,
# "R2": dir}, conditions={"P1": "P", "P2": "P", "R1": "R", "R2": "R"}, reference="P")` (or `assaystats scrna
# --sample P1=DIR ... --condition P1=P ...`) keeps QC per library and runs pseudobulk DESeq2 between the conditions;
# with one library per condition it runs the exploratory cell-level test and says so.

# %% [markdown]
# ## What to report in a paper
#
# With one culture per condition: call the cell-level result exploratory, give the number of cells *and* of
# cultures, and confirm key genes by an experiment with biological replicates (qPCR on independent cultures,
# lesson 5). With replicate cultures: pseudobulk, n = cultures. For example:

# %%
zc = de.set_index("gene").loc["ZFAS1"]
print(f"In one culture of each line ({int((cells.obs['sample'] == 'R').sum())} R and "
      f"{int((cells.obs['sample'] == 'P').sum())} P cells after QC), ZFAS1 was higher in resistant cells "
      f"(log2 fold change {zc.log2fc:.2f}, 95% CI {zc.ci_low:.2f} to {zc.ci_high:.2f}, pooled counts; Wilcoxon "
      f"rank-sum test on cells, BH-adjusted p = {zc.p_adjusted:.1g}). Because cells of one culture are not "
      f"independent replicates, this comparison is exploratory; the p value describes these two cultures, not the "
      f"cell lines.")
print(f"With replicate cultures: pseudobulk DESeq2 (counts summed per culture, "
      f"n = {design['condition'].value_counts()['R']} R and {design['condition'].value_counts()['P']} P cultures, "
      f"Wald test, BH): ZFAS1 log2 fold change {z.log2fc:.2f} (95% CI {z.ci_low:.2f} to {z.ci_high:.2f}), "
      f"adjusted p = {z.p_adjusted:.2g}.  [here: pretend cultures, for illustration]")
