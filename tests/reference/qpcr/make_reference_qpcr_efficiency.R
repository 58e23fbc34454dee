## Independent reference values for efficiency-corrected qPCR (issue 11): the Pfaffl (2001) ratio in every branch
## that gives a fold change, with efficiencies != 2.
## Hand computation in base R, written from the published formulas, not from assaystats' code:
##   Pfaffl 2001 (Nucleic Acids Res 29:e45), eq. 1:
##     ratio = E_target^(dCt_target(control - sample)) / E_ref^(dCt_ref(control - sample))
##   several reference genes (qbase; Hellemans et al. 2007, Genome Biol 8:R19): the reference term is the geometric
##     mean over the reference genes of E_ref^(dCt_ref(control - sample)).
##   Biological replicates: per-sample normalised relative quantity NRQ = E_t^-Ct_t / geomean_r(E_r^-Ct_r),
##     Welch t test on log2 NRQ (as for E = 2 in make_reference_qpcr.R).
##   Technical replicates only (one sample per group, Applied Biosystems User Bulletin #2 layout): the range is
##     2^(log2 ratio +- s) with s^2 = (log2(E_t) sd_t)^2 + mean_r (log2(E_r) sd_r)^2, the sd of the sample's wells
##     (n - 1); for E = 2 and one reference gene this is the Bulletin's 2^-(ddCt +- sd). The combination of several
##     reference SDs (root mean square) is assaystats' stated convention, not a published one: it is written here
##     from that statement; the ratio itself is the published formula.
## Run from this directory:  Rscript make_reference_qpcr_efficiency.R > make_reference_qpcr_efficiency.Rout 2>&1
## Inputs: ct1.csv, ct3.csv, genorm_long.csv (this folder); writes tech_multi_long.csv (a small constructed table,
##         see below) and reference_qpcr_efficiency.csv (case,quantity,term,value; value = sprintf("%.12g")).

options(warn = 1)
cat("R version:", R.version.string, "\n\n")
rows <- list()
add <- function(case, quantity, term, value) {
  stopifnot(length(value) == 1, is.finite(value))
  rows[[length(rows) + 1]] <<- data.frame(case = case, quantity = quantity, term = term,
                                          value = sprintf("%.12g", unname(value)), stringsAsFactors = FALSE)
}

## ---------------------------------------------------------------- efficiencies of ct1's genes from ct3
ct3 <- read.csv("ct3.csv")
amount <- rep(c(1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01), each = 3)
E3 <- sapply(names(ct3), function(g) 10^(-1 / unname(coef(lm(ct3[[g]] ~ log10(amount)))[2])))
cat("amplification factors from the ct3 standard curves:\n"); print(E3)
for (g in names(E3)) add("efficiencies", "amplification_factor", g, E3[[g]])

## ---------------------------------------------------------------- 1. technical replicates only, one reference
## ct1: User Bulletin #2, brain (calibrator) and kidney, one sample each, 6 wells per gene (separate tubes)
ct1 <- read.csv("ct1.csv")
grp <- rep(c("brain", "kidney"), each = 6)
bulletin_one_ref <- function(case, Et, Er) {
  mt <- tapply(ct1$c_myc, grp, mean); mr <- tapply(ct1$GAPDH, grp, mean)
  st <- tapply(ct1$c_myc, grp, sd); sr <- tapply(ct1$GAPDH, grp, sd)
  ratio <- Et^(mt["brain"] - mt["kidney"]) / Er^(mr["brain"] - mr["kidney"])          # Pfaffl eq. 1
  s <- sqrt((log2(Et) * st["kidney"])^2 + (log2(Er) * sr["kidney"])^2)
  add(case, "E_target", "c_myc", Et); add(case, "E_reference", "GAPDH", Er)
  add(case, "fold_change", "kidney_vs_brain", ratio)
  add(case, "log2_fold_change", "kidney_vs_brain", log2(ratio))
  add(case, "range_low", "kidney_vs_brain", 2^(log2(ratio) - s))
  add(case, "range_high", "kidney_vs_brain", 2^(log2(ratio) + s))
  add(case, "delta_delta_ct", "kidney_vs_brain", (mt["kidney"] - mr["kidney"]) - (mt["brain"] - mr["brain"]))
  cat(sprintf("%-22s E_t %.6f E_r %.6f ratio %.9f range %.9f-%.9f (Livak 2^-ddCt %.9f)\n", case, Et, Er, ratio,
              2^(log2(ratio) - s), 2^(log2(ratio) + s),
              2^-((mt["kidney"] - mr["kidney"]) - (mt["brain"] - mr["brain"]))))
}
bulletin_one_ref("ct1_pfaffl_ct3", E3[["c_myc"]], E3[["GAPDH"]])   # measured efficiencies (97.3 %, 96.3 %)
bulletin_one_ref("ct1_pfaffl_far", 1.80, 2.10)                      # far from 2, far from each other
bulletin_one_ref("ct1_pfaffl_2", 2, 2)                              # E = 2: the Bulletin's own numbers

## ---------------------------------------------------------------- 2. technical replicates only, two references
## A constructed table (not measured data): three groups, one sample each, three wells per gene; Cts typed here.
E_multi <- c(TGT1 = 1.85, TGT2 = 1.92, REF1 = 1.95, REF2 = 2.08)
cts <- list(
  ctrl = list(TGT1 = c(24.10, 24.25, 24.02), TGT2 = c(28.40, 28.31, 28.55),
              REF1 = c(18.20, 18.31, 18.12), REF2 = c(21.05, 20.98, 21.12)),
  kd1  = list(TGT1 = c(26.30, 26.12, 26.41), TGT2 = c(28.10, 28.22, 28.05),
              REF1 = c(18.60, 18.52, 18.71), REF2 = c(21.30, 21.41, 21.22)),
  kd2  = list(TGT1 = c(25.05, 24.91, 25.20), TGT2 = c(27.20, 27.35, 27.12),
              REF1 = c(17.90, 18.02, 17.85), REF2 = c(20.70, 20.61, 20.83)))
long <- do.call(rbind, lapply(names(cts), function(g) do.call(rbind, lapply(names(cts[[g]]), function(k)
  data.frame(sample = paste0("s_", g), group = g, gene = k, ct = sprintf("%.2f", cts[[g]][[k]]))))))
write.csv(long, "tech_multi_long.csv", row.names = FALSE, quote = FALSE)
tl <- read.csv("tech_multi_long.csv")
m <- tapply(tl$ct, list(tl$group, tl$gene), mean); s <- tapply(tl$ct, list(tl$group, tl$gene), sd)
refs <- c("REF1", "REF2")
for (tg in c("TGT1", "TGT2")) for (g in c("kd1", "kd2")) {
  ref_term <- exp(mean(log(E_multi[refs]^(m["ctrl", refs] - m[g, refs]))))            # geometric mean (qbase)
  ratio <- E_multi[[tg]]^(m["ctrl", tg] - m[g, tg]) / ref_term
  sd_w <- sqrt((log2(E_multi[[tg]]) * s[g, tg])^2 + mean((log2(E_multi[refs]) * s[g, refs])^2))
  term <- paste0(tg, ":", g, "_vs_ctrl")
  add("tech_multi", "fold_change", term, ratio)
  add("tech_multi", "range_low", term, 2^(log2(ratio) - sd_w))
  add("tech_multi", "range_high", term, 2^(log2(ratio) + sd_w))
  add("tech_multi", "livak_fold_change", term,
      2^-((m[g, tg] - mean(m[g, refs])) - (m["ctrl", tg] - mean(m["ctrl", refs]))))
  cat(sprintf("tech_multi %-18s ratio %.9f range %.9f-%.9f\n", term, ratio, 2^(log2(ratio) - sd_w),
              2^(log2(ratio) + sd_w)))
}

## ---------------------------------------------------------------- 3. biological replicates, four references
gl <- read.csv("genorm_long.csv")
E_g <- c(REF1 = 1.90, REF2 = 1.95, REF3 = 2.00, REF4 = 2.05, TGT = 1.88)
W <- reshape(gl[, c("sample", "gene", "ct")], idvar = "sample", timevar = "gene", direction = "wide")
rownames(W) <- W$sample; W <- W[, -1]; colnames(W) <- sub("^ct\\.", "", colnames(W))
grpG <- setNames(gl$group[match(rownames(W), gl$sample)], rownames(W))
refsG <- paste0("REF", 1:4)
Q <- sweep(as.matrix(W), 2, E_g[colnames(W)], function(ct, E) E^-ct)                    # Q = E^-Ct
nrq <- Q[, "TGT"] / apply(Q[, refsG], 1, function(q) exp(mean(log(q))))                # NRQ, geometric mean
tt <- t.test(log2(nrq[grpG == "B"]), log2(nrq[grpG == "A"]))
est <- unname(tt$estimate[1] - tt$estimate[2])
add("bio_multi", "fold_change", "B_vs_A", 2^est)
add("bio_multi", "ci_low", "B_vs_A", 2^tt$conf.int[1]); add("bio_multi", "ci_high", "B_vs_A", 2^tt$conf.int[2])
add("bio_multi", "welch_p", "B_vs_A", tt$p.value); add("bio_multi", "welch_t", "B_vs_A", tt$statistic)
## the same ratio from the group means of Ct (Pfaffl eq. 1 with the geometric mean of the references)
mA <- colMeans(W[grpG == "A", ]); mB <- colMeans(W[grpG == "B", ])
r_means <- E_g[["TGT"]]^(mA[["TGT"]] - mB[["TGT"]]) / exp(mean(log(E_g[refsG]^(mA[refsG] - mB[refsG]))))
stopifnot(abs(log2(r_means) - est) < 1e-10)
cat(sprintf("bio_multi ratio %.9f (group-mean Pfaffl %.9f) CI %.9f-%.9f p %.6g\n", 2^est, r_means,
            2^tt$conf.int[1], 2^tt$conf.int[2], tt$p.value))

out <- do.call(rbind, rows)
stopifnot(!anyDuplicated(out[, c("case", "quantity", "term")]))
write.csv(out, "reference_qpcr_efficiency.csv", row.names = FALSE, quote = FALSE)
cat("\nwrote", nrow(out), "rows to reference_qpcr_efficiency.csv\n")
print(sessionInfo())
