## make_reference_cohort.R -- independent R reference values for the simulated
## LIHC-like cohort bundled with assaystats (data/lihc_cohort/).
##
## Run from this folder:
##   Rscript make_reference_cohort.R > make_reference_cohort.Rout 2>&1
## Reads (directly, nothing copied): ../../../data/lihc_cohort/{expression.tsv,
##   clinical.csv, survival.csv}
## Writes: reference_cohort.csv (long form case,quantity,term,value; value is
##   sprintf("%.17g"); term is always a string, possibly empty).
## Packages: base R (stats), survival, maxstat. See README.md.

suppressPackageStartupMessages({
  library(survival)
  library(maxstat)
})
options(width = 120, digits = 10)
cat("R:", R.version.string, "\n")
for (p in c("stats", "survival", "maxstat"))
  cat(sprintf("  %-10s %s\n", p, as.character(packageVersion(p))))
cat("\n")

rows <- list()
add <- function(case, quantity, term, value) {
  value <- as.numeric(value); term <- as.character(term)
  if (length(value) == 1 && length(term) > 1) stop("scalar value with vector term")
  if (length(term) == 1 && length(value) > 1) stop("term/value length mismatch")
  stopifnot(length(term) == length(value))
  if (any(!is.finite(value)))
    stop(sprintf("non-finite value: %s,%s,%s", case, quantity, paste(term[!is.finite(value)], collapse = ";")))
  rows[[length(rows) + 1]] <<- data.frame(case = case, quantity = quantity, term = term,
                                          value = unname(value), stringsAsFactors = FALSE)
  invisible(NULL)
}
fmt <- function(x) sprintf("%.17g", x)

## ------------------------------------------------------------------
## Data
## ------------------------------------------------------------------
dd <- file.path("..", "..", "..", "data", "lihc_cohort")
expr <- read.delim(file.path(dd, "expression.tsv"), check.names = FALSE, stringsAsFactors = FALSE)
clin <- read.csv(file.path(dd, "clinical.csv"), stringsAsFactors = FALSE)
surv <- read.csv(file.path(dd, "survival.csv"), stringsAsFactors = FALSE)
stopifnot(!anyDuplicated(expr$gene_id), !anyNA(expr), !anyNA(clin), !anyNA(surv))
samples <- names(expr)[-1]
is_t <- grepl("-01A$", samples); is_n <- grepl("-11A$", samples)
stopifnot(all(is_t | is_n))
cat("expression:", nrow(expr), "genes x", length(samples), "samples;",
    sum(is_t), "tumour (-01A),", sum(is_n), "normal (-11A)\n")
M <- as.matrix(expr[, -1]); rownames(M) <- expr$gene_id
zfas <- M["ZFAS1", ]
z_t <- zfas[is_t]; z_n <- zfas[is_n]
cat("clinical:", nrow(clin), "rows; survival:", nrow(surv), "rows\n")
## survival.csv's ZFAS1 must equal the expression tumour value
chk <- z_t[surv$sample]
stopifnot(!anyNA(chk))
cat("max |survival.csv ZFAS1 - expression tumour ZFAS1| =", max(abs(chk - surv$ZFAS1)), "\n")
cat("ZFAS1 tumour values: n =", length(z_t), " distinct =", length(unique(z_t)), "\n\n")

## ==================================================================
## Case 1: tumour_normal
## ==================================================================
cat("==== tumour_normal ====\n")
case <- "tumour_normal"
add(case, "n", "tumour", length(z_t)); add(case, "n", "normal", length(z_n))
add(case, "mean", "tumour", mean(z_t)); add(case, "mean", "normal", mean(z_n))
add(case, "sd", "tumour", sd(z_t)); add(case, "sd", "normal", sd(z_n))
w <- t.test(z_t, z_n)   # Welch (var.equal = FALSE is the default)
print(w)
add(case, "t", "welch", w$statistic)
add(case, "df", "welch", w$parameter)
add(case, "p", "welch", w$p.value)
add(case, "estimate", "welch", unname(w$estimate[1] - w$estimate[2]))
add(case, "conf_lower", "welch", w$conf.int[1])
add(case, "conf_upper", "welch", w$conf.int[2])
## paired: patients with both tumour and normal, matched on first 12 characters
pt_t <- substr(names(z_t), 1, 12); pt_n <- substr(names(z_n), 1, 12)
stopifnot(!anyDuplicated(pt_t), !anyDuplicated(pt_n))
both <- intersect(pt_n, pt_t)
cat("patients with tumour and normal:", length(both), "\n")
a <- z_t[match(both, pt_t)]; b <- z_n[match(both, pt_n)]
pp <- t.test(a, b, paired = TRUE)
print(pp)
add(case, "n", "paired", length(both))
add(case, "t", "paired", pp$statistic)
add(case, "df", "paired", pp$parameter)
add(case, "p", "paired", pp$p.value)
add(case, "estimate", "paired", pp$estimate)   # mean(tumour - normal)
add(case, "conf_lower", "paired", pp$conf.int[1])
add(case, "conf_upper", "paired", pp$conf.int[2])

## ==================================================================
## Case 2: stage, grade
## ==================================================================
cat("\n==== stage ====\n")
case <- "stage"
sd_t <- data.frame(sample = names(z_t), ZFAS1 = unname(z_t), stringsAsFactors = FALSE)
cz <- merge(clin, sd_t, by = "sample", sort = FALSE)
stopifnot(nrow(cz) == nrow(clin))
cz$stage <- factor(cz$stage, levels = c("I", "II", "III", "IV"))
cz$grade <- factor(cz$grade, levels = c("G1", "G2", "G3", "G4"))
stopifnot(!anyNA(cz$stage), !anyNA(cz$grade))
for (lv in levels(cz$stage)) {
  x <- cz$ZFAS1[cz$stage == lv]
  add(case, "n", lv, length(x)); add(case, "mean", lv, mean(x)); add(case, "sd", lv, sd(x))
}
av <- aov(ZFAS1 ~ stage, data = cz)
sa <- summary(av)[[1]]; print(sa)
add(case, "F", "stage", sa[1, "F value"])
add(case, "df1", "stage", sa[1, "Df"])
add(case, "df2", "stage", sa[2, "Df"])
add(case, "p", "stage", sa[1, "Pr(>F)"])
tk <- TukeyHSD(av, "stage")$stage
print(tk)
add(case, "tukey_diff", rownames(tk), tk[, "diff"])
add(case, "tukey_lower", rownames(tk), tk[, "lwr"])
add(case, "tukey_upper", rownames(tk), tk[, "upr"])
add(case, "tukey_p_adj", rownames(tk), tk[, "p adj"])
cz$stage_index <- as.numeric(cz$stage) - 1   # I=0, II=1, III=2, IV=3
lt <- coef(summary(lm(ZFAS1 ~ stage_index, data = cz)))
print(lt)
add(case, "trend_slope", "stage_index", lt["stage_index", "Estimate"])
add(case, "trend_se", "stage_index", lt["stage_index", "Std. Error"])
add(case, "trend_t", "stage_index", lt["stage_index", "t value"])
add(case, "trend_p", "stage_index", lt["stage_index", "Pr(>|t|)"])
add(case, "trend_df", "stage_index", nrow(cz) - 2)

welch_contrast <- function(case, hi, lo, term) {
  w <- t.test(hi, lo)
  print(w)
  add(case, "n", paste0(term, ":high"), length(hi))
  add(case, "n", paste0(term, ":low"), length(lo))
  add(case, "estimate", term, unname(w$estimate[1] - w$estimate[2]))
  add(case, "t", term, w$statistic)
  add(case, "df", term, w$parameter)
  add(case, "p", term, w$p.value)
  add(case, "conf_lower", term, w$conf.int[1])
  add(case, "conf_upper", term, w$conf.int[2])
}
late <- cz$stage %in% c("III", "IV")
welch_contrast("stage", cz$ZFAS1[late], cz$ZFAS1[!late], "III/IV-I/II")

cat("\n==== grade ====\n")
for (lv in levels(cz$grade)) {
  x <- cz$ZFAS1[cz$grade == lv]
  add("grade", "n", lv, length(x)); add("grade", "mean", lv, mean(x)); add("grade", "sd", lv, sd(x))
}
poor <- cz$grade %in% c("G3", "G4")
welch_contrast("grade", cz$ZFAS1[poor], cz$ZFAS1[!poor], "G3/G4-G1/G2")

## ==================================================================
## Case 3: os_median, dfs_median
## ==================================================================
median_case <- function(case, time, event, covar) {
  cat("\n====", case, "====\n")
  d <- surv
  d$time <- d[[time]]; d$event <- d[[event]]
  med <- median(d$ZFAS1)
  d$group <- factor(ifelse(d$ZFAS1 <= med, "low", "high"), levels = c("low", "high"))
  cat("median ZFAS1 =", fmt(med), "\n"); print(table(d$group))
  add(case, "cutpoint", "", med)
  for (g in levels(d$group)) {
    add(case, "n", g, sum(d$group == g)); add(case, "events", g, sum(d$event[d$group == g]))
  }
  sf <- survfit(Surv(time, event) ~ group, data = d, conf.type = "log")
  print(sf)
  tb <- summary(sf)$table
  rownames(tb) <- sub("^group=", "", rownames(tb))
  for (g in levels(d$group)) {
    add(case, "median", g, tb[g, "median"])
    add(case, "median_lower", g, tb[g, "0.95LCL"])   # NA would stop the script
    add(case, "median_upper", g, tb[g, "0.95UCL"])
  }
  sdf <- survdiff(Surv(time, event) ~ group, data = d)
  print(sdf)
  add(case, "logrank_chisq", "", sdf$chisq)
  add(case, "logrank_df", "", length(sdf$n) - 1)
  add(case, "logrank_p", "", sdf$pvalue)   # survdiff's own p value
  fml <- if (covar) Surv(time, event) ~ group + age else Surv(time, event) ~ group
  cx <- coxph(fml, data = d, control = coxph.control(eps = 1e-12, iter.max = 100))   # Efron ties (default)
  print(summary(cx))
  cf <- coef(summary(cx))
  add(case, "coef", rownames(cf), cf[, "coef"])
  add(case, "se", rownames(cf), cf[, "se(coef)"])
  add(case, "hr", rownames(cf), cf[, "exp(coef)"])
  ci <- summary(cx)$conf.int   # coxph's own Wald limits
  add(case, "hr_lower", rownames(ci), ci[, "lower .95"])
  add(case, "hr_upper", rownames(ci), ci[, "upper .95"])
  add(case, "z", rownames(cf), cf[, "z"])
  add(case, "p", rownames(cf), cf[, "Pr(>|z|)"])
  zp <- cox.zph(cx)   # transform = "km" (default), global test included
  print(zp)
  add(case, "zph_chisq", rownames(zp$table), zp$table[, "chisq"])
  add(case, "zph_df", rownames(zp$table), zp$table[, "df"])
  add(case, "zph_p", rownames(zp$table), zp$table[, "p"])
  ## continuous ZFAS1
  ctl <- coxph.control(eps = 1e-12, iter.max = 100)
  cc <- coxph(Surv(time, event) ~ ZFAS1, data = d, control = ctl)
  print(summary(cc))
  sc <- summary(cc)
  s <- sd(d$ZFAS1)
  add(case, "cont_coef", "ZFAS1", sc$coefficients[1, "coef"])
  add(case, "cont_se", "ZFAS1", sc$coefficients[1, "se(coef)"])
  add(case, "cont_p", "ZFAS1", sc$coefficients[1, "Pr(>|z|)"])
  add(case, "cont_hr_per_unit", "ZFAS1", sc$conf.int[1, "exp(coef)"])
  add(case, "cont_hr_per_unit_lower", "ZFAS1", sc$conf.int[1, "lower .95"])
  add(case, "cont_hr_per_unit_upper", "ZFAS1", sc$conf.int[1, "upper .95"])
  add(case, "sd_ZFAS1", "ZFAS1", s)
  ## per SD: coxph fitted on ZFAS1 / SD (not exp(coef * sd) by hand)
  d$ZFAS1_sd <- d$ZFAS1 / s
  cs <- summary(coxph(Surv(time, event) ~ ZFAS1_sd, data = d, control = ctl))$conf.int
  add(case, "cont_hr_per_sd", "ZFAS1", cs[1, "exp(coef)"])
  add(case, "cont_hr_per_sd_lower", "ZFAS1", cs[1, "lower .95"])
  add(case, "cont_hr_per_sd_upper", "ZFAS1", cs[1, "upper .95"])
  cat("HR per SD =", fmt(cs[1, "exp(coef)"]), " [", fmt(cs[1, "lower .95"]), ",", fmt(cs[1, "upper .95"]), "]\n")
  invisible(d)
}
median_case("os_median", "os_months", "os_event", covar = TRUE)
median_case("dfs_median", "dfs_months", "dfs_event", covar = FALSE)

## ==================================================================
## Case 4: os_optimal
## ==================================================================
cat("\n==== os_optimal ====\n")
case <- "os_optimal"
d <- surv
d$stage <- factor(d$stage, levels = c("I", "II", "III", "IV"))
ms <- maxstat.test(Surv(os_months, os_event) ~ ZFAS1, data = d, smethod = "LogRank",
                   pmethod = "Lau94", minprop = 0.1, maxprop = 0.9)
print(ms)
cut <- unname(ms$estimate)
add(case, "statistic", "", ms$statistic)
add(case, "cutpoint", "", cut)
add(case, "p", "", ms$p.value)
add(case, "n_cuts", "", length(ms$cuts))
## cross-check: maxstat's LogRank statistic is the standardized linear rank statistic with
## log-rank scores (exactRankTests::cscores, int = FALSE) and the permutation variance --
## NOT sqrt(survdiff chisq); recompute it at the chosen cut.
sc <- exactRankTests::cscores(Surv(d$os_months, d$os_event), int = FALSE)
nn <- length(sc); lo <- d$ZFAS1 <= cut; m <- sum(lo)
stat_chk <- abs(sum(sc[lo]) - m * mean(sc)) / sqrt(m * (nn - m) / (nn * (nn - 1)) * sum((sc - mean(sc))^2))
cat("recomputed standardized log-rank score statistic at cut =", fmt(stat_chk), "\n")
stopifnot(isTRUE(all.equal(unname(stat_chk), unname(ms$statistic))))
d$group_opt <- factor(ifelse(d$ZFAS1 <= cut, "low", "high"), levels = c("low", "high"))
print(table(d$group_opt))
add(case, "n_low", "", sum(d$group_opt == "low"))
add(case, "n_high", "", sum(d$group_opt == "high"))
sdo <- survdiff(Surv(os_months, os_event) ~ group_opt, data = d)
print(sdo)
add(case, "logrank_chisq", "", sdo$chisq)
add(case, "logrank_p", "", sdo$pvalue)   # survdiff's own p value
cat("sqrt(logrank chisq at cut) =", fmt(sqrt(sdo$chisq)), " vs maxstat statistic", fmt(ms$statistic), "\n")
cxo <- coxph(Surv(os_months, os_event) ~ group_opt + stage + age, data = d,
             control = coxph.control(eps = 1e-12, iter.max = 100))
print(summary(cxo))
cf <- coef(summary(cxo))
add(case, "coef", rownames(cf), cf[, "coef"])
add(case, "se", rownames(cf), cf[, "se(coef)"])
add(case, "hr", rownames(cf), cf[, "exp(coef)"])
ci <- summary(cxo)$conf.int   # coxph's own Wald limits
add(case, "hr_lower", rownames(ci), ci[, "lower .95"])
add(case, "hr_upper", rownames(ci), ci[, "upper .95"])
add(case, "p", rownames(cf), cf[, "Pr(>|z|)"])

## ==================================================================
## Case 5: coexpression
## ==================================================================
cat("\n==== coexpression ====\n")
case <- "coexpression"
Mt <- M[, is_t]
others <- setdiff(rownames(Mt), "ZFAS1")
zt <- Mt["ZFAS1", ]
sp <- t(sapply(others, function(g) {
  ct <- cor.test(zt, Mt[g, ], method = "spearman", exact = FALSE)
  c(unname(ct$estimate), ct$p.value)
}))
pe <- t(sapply(others, function(g) {
  ct <- cor.test(zt, Mt[g, ], method = "pearson")
  c(unname(ct$estimate), ct$p.value)
}))
add(case, "n", "", ncol(Mt))
add(case, "rho", others, sp[, 1])
add(case, "p", others, sp[, 2])
add(case, "q", others, p.adjust(sp[, 2], "BH"))
add(case, "pearson_r", others, pe[, 1])
add(case, "pearson_p", others, pe[, 2])
add(case, "pearson_q", others, p.adjust(pe[, 2], "BH"))
top <- data.frame(gene = others, rho = sp[, 1], p = sp[, 2], q = p.adjust(sp[, 2], "BH"),
                  r = pe[, 1], q_pearson = p.adjust(pe[, 2], "BH"))
top <- top[order(-abs(top$rho)), ]
print(head(top, 15), row.names = FALSE)
cat("genes with Spearman BH q < 0.05:", sum(top$q < 0.05), " (", paste(top$gene[top$q < 0.05], collapse = " "), ")\n")
cat("genes with Pearson BH q < 0.05:", sum(top$q_pearson < 0.05), "\n")
cat("ties: ZFAS1 tumour distinct values", length(unique(zt)), "of", length(zt),
    "; genes with any exact zero in tumours:", sum(rowSums(Mt[others, ] == 0) > 0), "\n")

## ------------------------------------------------------------------
## Write
## ------------------------------------------------------------------
out <- do.call(rbind, rows)
stopifnot(!anyNA(out$value), all(is.finite(out$value)))
stopifnot(!anyDuplicated(out[, c("case", "quantity", "term")]))
out$value <- fmt(out$value)
write.csv(out, "reference_cohort.csv", row.names = FALSE)
cat("\nWrote reference_cohort.csv:", nrow(out), "rows\n")
print(table(out$case))
cat("\n"); print(sessionInfo())
