## Independent R reference values for the qPCR module.
## Run from this directory:  Rscript make_reference_qpcr.R > make_reference_qpcr.Rout 2>&1
## Every quantity is computed by hand in base R. If the R package `pcr`
## (MahShaaban/pcr, GPL-3) can be loaded, its outputs are added under a `pcr_` quantity prefix.
## Output: reference_qpcr.csv (long form case,quantity,term,value; value = sprintf("%.12g")),
##         genorm_long.csv (simulated geNorm input, written here).

options(warn = 1)
if (dir.exists("/tmp/rlib")) .libPaths(c("/tmp/rlib", .libPaths()))
have_pcr <- suppressWarnings(requireNamespace("pcr", quietly = TRUE))
cat("R version:", R.version.string, "\n")
cat("pcr available:", have_pcr, if (have_pcr) as.character(packageVersion("pcr")) else "", "\n\n")

rows <- list()
add <- function(case, quantity, term, value) {
  stopifnot(length(value) == 1)
  v <- if (is.logical(value)) as.numeric(value) else unname(value)
  rows[[length(rows) + 1]] <<- data.frame(case = case, quantity = quantity, term = term,
                                          value = sprintf("%.12g", v), stringsAsFactors = FALSE)
}
add_htest <- function(case, prefix, term, tt) {
  add(case, paste0(prefix, "_t"), term, tt$statistic)
  add(case, paste0(prefix, "_df"), term, tt$parameter)
  add(case, paste0(prefix, "_p"), term, tt$p.value)
  est <- if (length(tt$estimate) == 2) tt$estimate[1] - tt$estimate[2] else tt$estimate
  add(case, paste0(prefix, "_estimate"), term, est)
  add(case, paste0(prefix, "_conf_low"), term, tt$conf.int[1])
  add(case, paste0(prefix, "_conf_high"), term, tt$conf.int[2])
  add(case, paste0(prefix, "_fold_change"), term, 2^-est)          # 2^-ddct
  add(case, paste0(prefix, "_fold_change_low"), term, 2^-tt$conf.int[2])   # order flips
  add(case, paste0(prefix, "_fold_change_high"), term, 2^-tt$conf.int[1])
}

groups12 <- rep(c("brain", "kidney"), each = 6)

## ---------------------------------------------------------------- 1. ddct
ddct_case <- function(case, ct, same_tube) {
  cat("==", case, "\n")
  dct <- c(); dsd <- c()
  for (g in c("brain", "kidney")) {
    x <- ct$c_myc[groups12 == g]; r <- ct$GAPDH[groups12 == g]
    add(case, "mean_c_myc", g, mean(x)); add(case, "sd_c_myc", g, sd(x))
    add(case, "mean_GAPDH", g, mean(r)); add(case, "sd_GAPDH", g, sd(r))
    dct[g] <- mean(x) - mean(r); dsd[g] <- sqrt(sd(x)^2 + sd(r)^2)
    add(case, "delta_ct", g, dct[g]); add(case, "delta_ct_sd", g, dsd[g])
  }
  ddct <- dct["kidney"] - dct["brain"]
  add(case, "delta_delta_ct", "kidney_vs_brain", ddct)
  add(case, "fold_change", "kidney_vs_brain", 2^-ddct)
  add(case, "fold_change_lower", "kidney_vs_brain", 2^-(ddct + dsd["kidney"]))
  add(case, "fold_change_upper", "kidney_vs_brain", 2^-(ddct - dsd["kidney"]))
  print(data.frame(delta_ct = dct, sd = dsd))
  cat("ddct", ddct, "FC", 2^-ddct, "range", 2^-(ddct + dsd["kidney"]), 2^-(ddct - dsd["kidney"]), "\n")
  if (same_tube) {
    w <- ct$c_myc - ct$GAPDH
    dct2 <- c(); dsd2 <- c()
    for (g in c("brain", "kidney")) {
      dct2[g] <- mean(w[groups12 == g]); dsd2[g] <- sd(w[groups12 == g])
      add(case, "delta_ct_same_tube", g, dct2[g]); add(case, "delta_ct_sd_same_tube", g, dsd2[g])
    }
    dd2 <- dct2["kidney"] - dct2["brain"]
    add(case, "delta_delta_ct_same_tube", "kidney_vs_brain", dd2)
    add(case, "fold_change_same_tube", "kidney_vs_brain", 2^-dd2)
    add(case, "fold_change_lower_same_tube", "kidney_vs_brain", 2^-(dd2 + dsd2["kidney"]))
    add(case, "fold_change_upper_same_tube", "kidney_vs_brain", 2^-(dd2 - dsd2["kidney"]))
    print(data.frame(delta_ct_same_tube = dct2, sd = dsd2))
    cat("same tube ddct", dd2, "FC", 2^-dd2, "range", 2^-(dd2 + dsd2["kidney"]), 2^-(dd2 - dsd2["kidney"]), "\n")
  }
  if (have_pcr) {
    modes <- if (same_tube) c(separate_tube = "", same_tube = "_same_tube") else c(separate_tube = "")
    for (m in names(modes)) {
      p <- pcr::pcr_ddct(ct, group_var = groups12, reference_gene = "GAPDH",
                         reference_group = "brain", mode = m)
      print(p)
      for (i in seq_len(nrow(p))) {
        g <- as.character(p$group[i]); sfx <- modes[[m]]
        add(case, paste0("pcr_normalized", sfx), g, p$normalized[i])
        add(case, paste0("pcr_calibrated", sfx), g, p$calibrated[i])
        add(case, paste0("pcr_relative_expression", sfx), g, p$relative_expression[i])
        add(case, paste0("pcr_error", sfx), g, p$error[i])
        add(case, paste0("pcr_lower", sfx), g, p$lower[i])
        add(case, paste0("pcr_upper", sfx), g, p$upper[i])
      }
    }
  }
  cat("\n")
}
ct1 <- read.csv("ct1.csv"); ct2 <- read.csv("ct2.csv")
ddct_case("ct1_ddct", ct1, same_tube = FALSE)
ddct_case("ct2_ddct", ct2, same_tube = TRUE)

## ---------------------------------------------------------------- 2. standard curve
cat("== ct3_curve\n")
ct3 <- read.csv("ct3.csv")
amount <- rep(c(1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01), each = 3)
stopifnot(nrow(ct3) == length(amount))
for (g in names(ct3)) {
  fit <- lm(ct3[[g]] ~ log10(amount))
  sl <- unname(coef(fit)[2]); ic <- unname(coef(fit)[1]); r2 <- summary(fit)$r.squared
  E <- 10^(-1 / sl)
  add("ct3_curve", "slope", g, sl); add("ct3_curve", "intercept", g, ic)
  add("ct3_curve", "r_squared", g, r2)
  add("ct3_curve", "amplification_factor", g, E)
  add("ct3_curve", "efficiency_pct", g, (E - 1) * 100)
  cat(sprintf("%-6s slope %.6f intercept %.6f R2 %.6f E %.6f eff %.3f%%\n", g, sl, ic, r2, E, (E - 1) * 100))
}
## delta-Ct (c_myc - GAPDH) vs log10(amount): slope near 0 => similar efficiencies
fitd <- lm(I(ct3$c_myc - ct3$GAPDH) ~ log10(amount))
add("ct3_curve", "dct_slope", "c_myc_minus_GAPDH", coef(fitd)[2])
add("ct3_curve", "dct_intercept", "c_myc_minus_GAPDH", coef(fitd)[1])
add("ct3_curve", "dct_r_squared", "c_myc_minus_GAPDH", summary(fitd)$r.squared)
if (have_pcr) {
  ps <- pcr::pcr_standard(ct3, amount = amount); print(ps)
  for (i in seq_len(nrow(ps))) {
    add("ct3_curve", "pcr_slope", ps$gene[i], ps$slope[i])
    add("ct3_curve", "pcr_intercept", ps$gene[i], ps$intercept[i])
    add("ct3_curve", "pcr_r_squared", ps$gene[i], ps$r_squared[i])
  }
  pe <- pcr::pcr_efficiency(ct3, amount = amount, reference_gene = "GAPDH"); print(pe)
  add("ct3_curve", "pcr_dct_slope", "c_myc_minus_GAPDH", pe$slope[1])
  add("ct3_curve", "pcr_dct_intercept", "c_myc_minus_GAPDH", pe$intercept[1])
  add("ct3_curve", "pcr_dct_r_squared", "c_myc_minus_GAPDH", pe$r_squared[1])
}
cat("\n")

## ---------------------------------------------------------------- 3. two-group tests (Yuan 2006)
cat("== ct4_ttest\n")
ct4 <- read.csv("ct4.csv")
grp4 <- rep(c("control", "treatment"), each = 12)
d <- ct4$target - ct4$ref
dt <- d[grp4 == "treatment"]; dc <- d[grp4 == "control"]
add("ct4_ttest", "mean_delta_ct", "control", mean(dc)); add("ct4_ttest", "sd_delta_ct", "control", sd(dc))
add("ct4_ttest", "mean_delta_ct", "treatment", mean(dt)); add("ct4_ttest", "sd_delta_ct", "treatment", sd(dt))
tw <- t.test(dt, dc); print(tw)
add_htest("ct4_ttest", "welch", "treatment_vs_control", tw)
ts <- t.test(dt, dc, var.equal = TRUE); print(ts)
add_htest("ct4_ttest", "student", "treatment_vs_control", ts)
wx <- suppressWarnings(wilcox.test(dt, dc, conf.int = TRUE)); print(wx)
add("ct4_ttest", "wilcox_W", "treatment_vs_control", wx$statistic)
add("ct4_ttest", "wilcox_p", "treatment_vs_control", wx$p.value)
add("ct4_ttest", "wilcox_exact", "treatment_vs_control", grepl("exact", wx$method))
add("ct4_ttest", "wilcox_has_ties", "treatment_vs_control", length(unique(d)) < length(d))
add("ct4_ttest", "wilcox_hl_estimate", "treatment_vs_control", wx$estimate)
add("ct4_ttest", "wilcox_conf_low", "treatment_vs_control", wx$conf.int[1])
add("ct4_ttest", "wilcox_conf_high", "treatment_vs_control", wx$conf.int[2])
cat("wilcox method:", wx$method, "\n")
if (have_pcr) {
  pt <- pcr::pcr_ttest(ct4, group_var = grp4, reference_gene = "ref", reference_group = "control"); print(pt)
  add("ct4_ttest", "pcr_ttest_estimate", "treatment_vs_control", pt$estimate[1])
  add("ct4_ttest", "pcr_ttest_p", "treatment_vs_control", pt$p_value[1])
  add("ct4_ttest", "pcr_ttest_conf_low", "treatment_vs_control", pt$lower[1])
  add("ct4_ttest", "pcr_ttest_conf_high", "treatment_vs_control", pt$upper[1])
  pw <- suppressWarnings(pcr::pcr_wilcox(ct4, group_var = grp4, reference_gene = "ref", reference_group = "control")); print(pw)
  add("ct4_ttest", "pcr_wilcox_estimate", "treatment_vs_control", pw$estimate[1])
  add("ct4_ttest", "pcr_wilcox_p", "treatment_vs_control", pw$p_value[1])
  pl <- pcr::pcr_lm(ct4, group_var = grp4, reference_gene = "ref", reference_group = "control"); print(pl)
  add("ct4_ttest", "pcr_lm_estimate", "treatment_vs_control", pl$estimate[1])
  add("ct4_ttest", "pcr_lm_p", "treatment_vs_control", pl$p_value[1])
  add("ct4_ttest", "pcr_lm_conf_low", "treatment_vs_control", pl$lower[1])
  add("ct4_ttest", "pcr_lm_conf_high", "treatment_vs_control", pl$upper[1])
}
cat("\n")

## ---------------------------------------------------------------- 4. geNorm (simulated)
cat("== genorm\n")
## Draw order (fixed): sample effects, then REF1..REF4 noise, then TGT noise.
set.seed(3)
samples <- paste0("s", 1:10); grpG <- rep(c("A", "B"), each = 5)
eff <- rnorm(10, 0, 1)
refs <- c("REF1", "REF2", "REF3", "REF4"); sds <- c(0.1, 0.2, 0.4, 0.8)
CT <- matrix(NA_real_, 10, 5, dimnames = list(samples, c(refs, "TGT")))
for (j in 1:4) CT[, j] <- round(20 + eff + rnorm(10, 0, sds[j]), 3)
CT[, "TGT"] <- round(25 + eff - 1.5 * (grpG == "B") + rnorm(10, 0, 0.3), 3)
long <- data.frame(sample = rep(samples, times = 5), group = rep(grpG, times = 5),
                   gene = rep(colnames(CT), each = 10), ct = sprintf("%.3f", as.vector(CT)))
write.csv(long, "genorm_long.csv", row.names = FALSE, quote = FALSE)
## re-read so that the computation uses exactly the written numbers
gl <- read.csv("genorm_long.csv")
W <- reshape(gl[, c("sample", "gene", "ct")], idvar = "sample", timevar = "gene", direction = "wide")
rownames(W) <- W$sample; W <- W[samples, paste0("ct.", colnames(CT))]; colnames(W) <- colnames(CT)
print(W)
log2Q <- -as.matrix(W[, refs])
V <- matrix(NA_real_, 4, 4, dimnames = list(refs, refs))
for (j in 1:4) for (k in 1:4) if (j != k) V[j, k] <- sd(log2Q[, j] - log2Q[, k])
M <- sapply(1:4, function(j) mean(V[j, -j])); names(M) <- refs
for (j in 1:3) for (k in (j + 1):4) add("genorm", "pairwise_V", paste0(refs[j], ":", refs[k]), V[j, k])
for (g in refs) add("genorm", "M", g, M[g])
print(V); print(M)
nrq <- -(W$TGT - rowMeans(W[, refs])); names(nrq) <- samples
for (s in samples) add("genorm", "log2_nrq_TGT", s, nrq[s])
tg <- t.test(nrq[grpG == "B"], nrq[grpG == "A"]); print(tg)
add("genorm", "welch_t", "B_vs_A", tg$statistic); add("genorm", "welch_df", "B_vs_A", tg$parameter)
add("genorm", "welch_p", "B_vs_A", tg$p.value)
estG <- unname(tg$estimate[1] - tg$estimate[2])
add("genorm", "welch_estimate", "B_vs_A", estG)
add("genorm", "welch_conf_low", "B_vs_A", tg$conf.int[1]); add("genorm", "welch_conf_high", "B_vs_A", tg$conf.int[2])
add("genorm", "welch_fold_change", "B_vs_A", 2^estG)      # log2 scale, so 2^+estimate here
add("genorm", "welch_fold_change_low", "B_vs_A", 2^tg$conf.int[1])
add("genorm", "welch_fold_change_high", "B_vs_A", 2^tg$conf.int[2])
cat("\n")

## ---------------------------------------------------------------- 5. Pfaffl (efficiency-corrected)
cat("== pfaffl\n")
Et <- 1.9; Er <- 2.05
mt <- tapply(ct4$target, grp4, mean); mr <- tapply(ct4$ref, grp4, mean)
for (g in c("control", "treatment")) {
  add("pfaffl", "mean_ct_target", g, mt[g]); add("pfaffl", "mean_ct_ref", g, mr[g])
}
R <- Et^(mt["control"] - mt["treatment"]) / Er^(mr["control"] - mr["treatment"])
add("pfaffl", "ratio", "treatment_vs_control", R)
add("pfaffl", "log2_ratio", "treatment_vs_control", log2(R))
l2 <- -(ct4$target * log2(Et) - ct4$ref * log2(Er))
for (i in seq_along(l2)) add("pfaffl", "log2_nrq", paste0("well", i), l2[i])
tp <- t.test(l2[grp4 == "treatment"], l2[grp4 == "control"]); print(tp)
estP <- unname(tp$estimate[1] - tp$estimate[2])
stopifnot(abs(estP - log2(R)) < 1e-10)
add("pfaffl", "welch_t", "treatment_vs_control", tp$statistic)
add("pfaffl", "welch_df", "treatment_vs_control", tp$parameter)
add("pfaffl", "welch_p", "treatment_vs_control", tp$p.value)
add("pfaffl", "welch_estimate", "treatment_vs_control", estP)
add("pfaffl", "welch_conf_low", "treatment_vs_control", tp$conf.int[1])
add("pfaffl", "welch_conf_high", "treatment_vs_control", tp$conf.int[2])
add("pfaffl", "welch_fold_change", "treatment_vs_control", 2^estP)
add("pfaffl", "welch_fold_change_low", "treatment_vs_control", 2^tp$conf.int[1])
add("pfaffl", "welch_fold_change_high", "treatment_vs_control", 2^tp$conf.int[2])
cat("Pfaffl ratio", R, "\n\n")

## ---------------------------------------------------------------- write
out <- do.call(rbind, rows)
stopifnot(!anyNA(out), !any(out$value %in% c("NA", "NaN", "Inf", "-Inf")))
stopifnot(!any(duplicated(out[, c("case", "quantity", "term")])))
write.csv(out, "reference_qpcr.csv", row.names = FALSE, quote = FALSE)
cat("wrote", nrow(out), "rows to reference_qpcr.csv\n")
print(sessionInfo())
