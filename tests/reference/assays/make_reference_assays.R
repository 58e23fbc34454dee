## make_reference_assays.R -- independent reference values (R) for the
## group-comparison module (assaystats.assays).
##
## Run from this folder:
##   Rscript make_reference_assays.R > make_reference_assays.Rout 2>&1
## Writes: PlantGrowth.csv, ToothGrowth.csv, ToothGrowth_unbalanced.csv,
##   sleep.csv, superplot.csv, reference_assays.csv (long form:
##   case,quantity,term,value; value printed with sprintf("%.12g")).
## See README.md for what every case/quantity/term means.
##
## Every reference value comes from an established implementation (stats, multcomp, mvtnorm, car, emmeans,
## lme4/lmerTest/pbkrtest, multtest, rstatix, effectsize, onewaytests), not from formulas typed here.
## onewaytests 3.1 (bf.test) is not in Debian: it is built from its public CRAN source (the cran/onewaytests
## mirror, with its dependencies moments 0.14.1 and wesanderson 0.3.7 from cran/moments and cran/wesanderson)
## into a private library: /tmp/refrlib, or the folder in the environment variable REFERENCE_RLIB.

.libPaths(c(Sys.getenv("REFERENCE_RLIB", "/tmp/refrlib"), .libPaths()))
suppressPackageStartupMessages({
  library(mvtnorm)
  library(multcomp)
  library(car)
  library(emmeans)
  library(lme4)
  library(lmerTest)
  library(pbkrtest)
  library(multtest)
  library(rstatix)
  library(effectsize)
  library(onewaytests)
})
options(width = 120, digits = 10)

cat("R:", R.version.string, "\n")
for (p in c("stats", "mvtnorm", "multcomp", "car", "emmeans", "lme4", "lmerTest",
            "pbkrtest", "Matrix", "multtest", "rstatix", "effectsize", "onewaytests"))
  cat(sprintf("  %-9s %s\n", p, as.character(packageVersion(p))))
cat("\n")

## ------------------------------------------------------------------
## Collector
## ------------------------------------------------------------------
rows <- list()
add <- function(case, quantity, term, value) {
  value <- as.numeric(value)
  term  <- as.character(term)
  if (length(value) == 1 && length(term) > 1) value <- rep(value, length(term))
  stopifnot(length(term) == length(value) || length(term) == 1)
  if (any(!is.finite(value)))
    stop(sprintf("non-finite value in %s / %s", case, quantity))
  rows[[length(rows) + 1]] <<- data.frame(case = case, quantity = quantity,
                                          term = term, value = value,
                                          stringsAsFactors = FALSE)
  invisible(NULL)
}
## "trt1-ctrl" -> "trt1 - ctrl"
dash <- function(x) gsub("\\s*-\\s*", " - ", x)

## ==================================================================
## Data
## ==================================================================
data(PlantGrowth); data(ToothGrowth); data(sleep)
write.csv(PlantGrowth, "PlantGrowth.csv", row.names = FALSE)
write.csv(ToothGrowth, "ToothGrowth.csv", row.names = FALSE)
write.csv(sleep, "sleep.csv", row.names = FALSE)
TGu <- ToothGrowth[-c(1, 2, 35), ]
write.csv(TGu, "ToothGrowth_unbalanced.csv", row.names = FALSE)
cat("PlantGrowth:", dim(PlantGrowth), " levels:", levels(PlantGrowth$group), "\n")
cat("ToothGrowth:", dim(ToothGrowth), " unbalanced:", dim(TGu), "\n")
print(with(TGu, table(supp, dose)))
cat("sleep:", dim(sleep), "\n\n")

## ==================================================================
## 1. PlantGrowth, k = 3 groups
## ==================================================================
pg <- PlantGrowth
y <- pg$weight; g <- pg$group
lev <- levels(g); k <- length(lev); N <- length(y)
ni <- as.numeric(table(g)); mi <- as.numeric(tapply(y, g, mean))
vi <- as.numeric(tapply(y, g, var))
names(ni) <- names(mi) <- names(vi) <- lev
pairs3 <- list(c("trt1", "ctrl"), c("trt2", "ctrl"), c("trt2", "trt1"))  # a - b
pname <- sapply(pairs3, function(p) paste(p[1], "-", p[2]))

add("pg_groups", "n", lev, ni)
add("pg_groups", "mean", lev, mi)
add("pg_groups", "sd", lev, sqrt(vi))

## --- pg_anova -------------------------------------------------------
fit <- aov(weight ~ group, data = pg)
sa <- summary(fit)[[1]]
print(sa)
add("pg_anova", "F", "group", sa[1, "F value"])
add("pg_anova", "df1", "group", sa[1, "Df"])
add("pg_anova", "df2", "group", sa[2, "Df"])
add("pg_anova", "p", "group", sa[1, "Pr(>F)"])
add("pg_anova", "ss", "group", sa[1, "Sum Sq"])
add("pg_anova", "ss", "Residuals", sa[2, "Sum Sq"])
add("pg_anova", "ms", "group", sa[1, "Mean Sq"])
add("pg_anova", "mse", "Residuals", sa[2, "Mean Sq"])
mse <- sa[2, "Mean Sq"]; dfe <- sa[2, "Df"]

## --- pg_welch -------------------------------------------------------
w <- oneway.test(weight ~ group, data = pg, var.equal = FALSE)
print(w)
add("pg_welch", "F", "group", w$statistic)
add("pg_welch", "df1", "group", w$parameter[1])
add("pg_welch", "df2", "group", w$parameter[2])
add("pg_welch", "p", "group", w$p.value)

## --- pg_bf (Brown-Forsythe 1974 F* test for means): onewaytests::bf.test ----
bf <- bf.test(weight ~ group, data = pg, verbose = FALSE)
cat(sprintf("onewaytests::bf.test: F* = %.10f, df1 = %d, df2 = %.10f, p = %.10g\n\n",
            bf$statistic, bf$parameter[1], bf$parameter[2], bf$p.value))
add("pg_bf", "F", "group", bf$statistic)
add("pg_bf", "df1", "group", bf$parameter[1])
add("pg_bf", "df2", "group", bf$parameter[2])
add("pg_bf", "p", "group", bf$p.value)

## --- pg_kruskal -----------------------------------------------------
kw <- kruskal.test(weight ~ group, data = pg)
print(kw)
add("pg_kruskal", "statistic", "group", kw$statistic)
add("pg_kruskal", "df", "group", kw$parameter)
add("pg_kruskal", "p", "group", kw$p.value)

## --- Levene / Shapiro -----------------------------------------------
for (ctr in c("median", "mean")) {
  lt <- if (ctr == "median") leveneTest(weight ~ group, data = pg, center = median) else
                             leveneTest(weight ~ group, data = pg, center = mean)
  print(lt)
  cs <- paste0("pg_levene_", ctr)
  add(cs, "F", "group", lt[1, "F value"])
  add(cs, "df1", "group", lt[1, "Df"])
  add(cs, "df2", "group", lt[2, "Df"])
  add(cs, "p", "group", lt[1, "Pr(>F)"])
}
sw <- shapiro.test(residuals(fit))
print(sw)
add("pg_shapiro_resid", "W", "residuals", sw$statistic)
add("pg_shapiro_resid", "p", "residuals", sw$p.value)

## --- pg_dunnett (multcomp) ------------------------------------------
## p values: multcomp single-step with a high-precision GenzBretz.  For 2
## comparisons mvtnorm's Fortran code evaluates the bivariate t exactly
## (integer df), so runs with different seeds are identical.  The CI
## critical value comes from mvtnorm::qmvt, whose root finder stops at
## ptol (default 0.001 -> crit off by ~1e-4); even ptol = 1e-10 leaves an
## error of ~1.6e-6.  The reference CIs therefore use the critical value from
## a deterministic TVPACK bivariate-t CDF + uniroot(tol = 1e-14), which is
## checked against a third method (integration over the chi distribution).
hp <- GenzBretz(maxpts = 1e7, abseps = 1e-9, releps = 0)
dun_run <- function(alt, seed, algorithm = hp, ptol = 1e-10) {
  gl <- glht(fit, linfct = mcp(group = "Dunnett"), alternative = alt)
  set.seed(seed)
  s <- summary(gl, test = adjusted("single-step", algorithm = algorithm))
  set.seed(seed)
  ci <- confint(gl, level = 0.95, calpha = adjusted_calpha(algorithm = algorithm, ptol = ptol))
  list(gl = gl, s = s, ci = ci, p = as.numeric(s$test$pvalues),
       crit = attr(ci$confint, "calpha"), cim = ci$confint,
       err = attr(s$test$pvalues, "error"))
}
alts <- c("two.sided", "greater", "less")
dun_prec <- 0
dun_prec_default <- 0
dun <- list(); dun_def <- list()
for (alt in alts) {
  r1 <- dun_run(alt, 1); r2 <- dun_run(alt, 2)
  rd1 <- dun_run(alt, 1, GenzBretz(), 0.001); rd2 <- dun_run(alt, 2, GenzBretz(), 0.001)
  d_hp <- max(abs(r1$p - r2$p), abs(r1$crit - r2$crit),
              abs(r1$cim - r2$cim)[is.finite(r1$cim)])
  d_def <- max(abs(rd1$p - rd2$p), abs(rd1$crit - rd2$crit),
               abs(rd1$cim - rd2$cim)[is.finite(rd1$cim)])
  cat(sprintf("Dunnett %-9s seed1-vs-seed2 max|diff| high-prec = %.3g, default = %.3g; p hp-vs-default = %.3g; crit hp-vs-default (ptol) = %.3g; reported error = %.3g\n",
              alt, d_hp, d_def, max(abs(r1$p - rd1$p)), abs(r1$crit - rd1$crit), r1$err))
  dun_prec <- max(dun_prec, d_hp); dun_prec_default <- max(dun_prec_default, d_def)
  dun[[alt]] <- r1; dun_def[[alt]] <- rd1
}
print(dun[["two.sided"]]$s); print(dun_def[["two.sided"]]$ci)
print(dun[["greater"]]$s); print(dun_def[["greater"]]$ci)
print(dun[["less"]]$s); print(dun_def[["less"]]$ci)

## deterministic bivariate-t tools (TVPACK: integer df, lower orthant only)
tv_tools <- function(df, R) {
  F2 <- function(a, b) as.numeric(pmvt(lower = c(-Inf, -Inf), upper = c(a, b), df = df,
                                       corr = R, algorithm = TVPACK(abseps = 1e-14)))
  P_two <- function(c) F2(c, c) - F2(-c, c) - F2(c, -c) + F2(-c, -c)  # P(|T1|<c,|T2|<c)
  list(F2 = F2, P_two = P_two,
       crit2 = uniroot(function(c) P_two(c) - 0.95, c(1, 6), tol = 1e-14)$root,
       crit1 = uniroot(function(c) F2(c, c) - 0.95, c(0.5, 6), tol = 1e-14)$root)
}
## third method: integrate bivariate normal (Miwa) over S = sqrt(chi2_df/df)
P_two_int <- function(c, df, R)
  integrate(function(s) sapply(s, function(ss) if (ss == 0) 0 else
              as.numeric(pmvnorm(lower = -c(c, c) * ss, upper = c(c, c) * ss, corr = R,
                                 algorithm = Miwa(steps = 4096)))) *
              dchisq(df * s^2, df) * 2 * df * s, 0, Inf, rel.tol = 1e-12, abs.tol = 0)$value

R2 <- cov2cor(vcov(dun[["two.sided"]]$gl))
tv <- tv_tools(dfe, R2)
tt <- as.numeric(dun[["two.sided"]]$s$test$tstat)
p_two_tv <- sapply(tt, function(t) 1 - tv$P_two(abs(t)))
p_gr_tv <- sapply(tt, function(t) 1 - tv$F2(t, t))
p_le_tv <- sapply(tt, function(t) 1 - tv$F2(-t, -t))
cat(sprintf("\nTVPACK: two-sided p = %s; greater p = %s; less p = %s\n  crit2 = %.12f crit1 = %.12f\n",
            paste(sprintf("%.12g", p_two_tv), collapse = " "),
            paste(sprintf("%.12g", p_gr_tv), collapse = " "),
            paste(sprintf("%.12g", p_le_tv), collapse = " "), tv$crit2, tv$crit1))
cat(sprintf("  P(max|T|<crit2): TVPACK %.15f, chi-integration %.15f\n", tv$P_two(tv$crit2), P_two_int(tv$crit2, dfe, R2)))
cat(sprintf("  TVPACK vs multcomp(hp): max|dp| = %.3g; crit2 multcomp ptol=1e-10 %.12f (diff %.3g), ptol=1e-3 %.12f (diff %.3g)\n",
            max(abs(p_two_tv - dun[["two.sided"]]$p), abs(p_gr_tv - dun[["greater"]]$p),
                abs(p_le_tv - dun[["less"]]$p)),
            dun[["two.sided"]]$crit, dun[["two.sided"]]$crit - tv$crit2,
            dun_def[["two.sided"]]$crit, dun_def[["two.sided"]]$crit - tv$crit2))
cat(sprintf("  crit1 multcomp ptol=1e-10 %.12f (diff %.3g), ptol=1e-3 %.12f (diff %.3g)\n\n",
            abs(dun[["greater"]]$crit), abs(dun[["greater"]]$crit) - tv$crit1,
            abs(dun_def[["greater"]]$crit), abs(dun_def[["greater"]]$crit) - tv$crit1))

r <- dun[["two.sided"]]
tn <- dash(rownames(r$cim))
stopifnot(identical(tn, c("trt1 - ctrl", "trt2 - ctrl")))
est <- as.numeric(r$s$test$coefficients); se <- as.numeric(r$s$test$sigma)
add("pg_dunnett", "estimate", tn, est)
add("pg_dunnett", "se", tn, se)
add("pg_dunnett", "t", tn, r$s$test$tstat)
add("pg_dunnett", "df", tn, r$gl$df)
add("pg_dunnett", "corr", "trt1 - ctrl:trt2 - ctrl", R2[1, 2])
add("pg_dunnett", "p", tn, r$p)
add("pg_dunnett", "crit", "", tv$crit2)
add("pg_dunnett", "lower", tn, est - tv$crit2 * se)
add("pg_dunnett", "upper", tn, est + tv$crit2 * se)
add("pg_dunnett", "p_greater", tn, dun[["greater"]]$p)
add("pg_dunnett", "crit_one_sided", "", tv$crit1)
add("pg_dunnett", "lower_greater", tn, est - tv$crit1 * se)
add("pg_dunnett", "p_less", tn, dun[["less"]]$p)
add("pg_dunnett", "upper_less", tn, est + tv$crit1 * se)
## multcomp's own confint() numbers (qmvt root finder)
add("pg_dunnett", "crit_multcomp_ptol1e-10", "", r$crit)
add("pg_dunnett", "lower_multcomp_ptol1e-10", tn, r$cim[, "lwr"])
add("pg_dunnett", "upper_multcomp_ptol1e-10", tn, r$cim[, "upr"])
add("pg_dunnett", "crit_multcomp_default", "", dun_def[["two.sided"]]$crit)
add("pg_dunnett", "lower_multcomp_default", tn, dun_def[["two.sided"]]$cim[, "lwr"])
add("pg_dunnett", "upper_multcomp_default", tn, dun_def[["two.sided"]]$cim[, "upr"])
add("pg_dunnett", "lower_greater_multcomp_default", tn, dun_def[["greater"]]$cim[, "lwr"])
add("pg_dunnett", "upper_less_multcomp_default", tn, dun_def[["less"]]$cim[, "upr"])
add("pg_dunnett_precision", "max_abs_diff_seed1_seed2", "GenzBretz(maxpts=1e7,abseps=1e-9)", dun_prec)
add("pg_dunnett_precision", "max_abs_diff_seed1_seed2", "GenzBretz() default", dun_prec_default)
add("pg_dunnett_precision", "max_abs_diff_p_vs_tvpack", "",
    max(abs(p_two_tv - dun[["two.sided"]]$p), abs(p_gr_tv - dun[["greater"]]$p),
        abs(p_le_tv - dun[["less"]]$p)))
add("pg_dunnett_precision", "crit_error_multcomp", "ptol=1e-10", abs(r$crit - tv$crit2))
add("pg_dunnett_precision", "crit_error_multcomp", "ptol=1e-3 default", abs(dun_def[["two.sided"]]$crit - tv$crit2))
add("pg_dunnett_tvpack", "p", tn, p_two_tv)
add("pg_dunnett_tvpack", "p_greater", tn, p_gr_tv)
add("pg_dunnett_tvpack", "p_less", tn, p_le_tv)

## --- pg_tukey -------------------------------------------------------
th <- TukeyHSD(fit, "group", conf.level = 0.95)$group
print(th)
tn <- dash(rownames(th))
stopifnot(identical(tn, pname))
add("pg_tukey", "diff", tn, th[, "diff"])
add("pg_tukey", "lower", tn, th[, "lwr"])
add("pg_tukey", "upper", tn, th[, "upr"])
add("pg_tukey", "p", tn, th[, "p adj"])
add("pg_tukey", "crit_q", "", qtukey(0.95, k, dfe))

## --- pg_pairwise_pooled ---------------------------------------------
getp <- function(pm, a, b) pm[a, b]
for (meth in c("none", "holm", "bonferroni", "BH")) {
  pw <- pairwise.t.test(y, g, pool.sd = TRUE, p.adjust.method = meth)
  if (meth == "none") print(pw)
  add("pg_pairwise_pooled", paste0("p_", meth), pname,
      sapply(pairs3, function(p) getp(pw$p.value, p[1], p[2])))
}
## diff, se, t, df of the pooled-error pairs: emmeans (revpairwise: later level minus earlier level)
pp <- summary(contrast(emmeans(fit, ~ group), method = "revpairwise", adjust = "none"), infer = c(FALSE, TRUE))
print(pp)
tn <- dash(as.character(pp$contrast))
stopifnot(identical(tn, pname))
add("pg_pairwise_pooled", "diff", pname, pp$estimate)
add("pg_pairwise_pooled", "se", pname, pp$SE)
add("pg_pairwise_pooled", "t", pname, pp$t.ratio)
add("pg_pairwise_pooled", "df", pname, pp$df)
add("pg_pairwise_pooled", "p_emmeans", pname, pp$p.value)
## Sidak (single step) and Holm-Sidak (step down): multtest::mt.rawp2adjp on pairwise.t.test's raw p values
p_raw <- sapply(pairs3, function(p) getp(pairwise.t.test(y, g, pool.sd = TRUE, p.adjust.method = "none")$p.value,
                                         p[1], p[2]))
mt <- mt.rawp2adjp(p_raw, proc = c("SidakSS", "SidakSD"))
adj <- mt$adjp[order(mt$index), , drop = FALSE]
stopifnot(max(abs(adj[, "rawp"] - p_raw)) == 0)
print(data.frame(pair = pname, adj), digits = 10)
add("pg_pairwise_pooled", "p_sidak", pname, adj[, "SidakSS"])
add("pg_pairwise_pooled", "p_holm_sidak", pname, adj[, "SidakSD"])
cat("\n")

## --- pg_games_howell: rstatix::games_howell_test ---------------------
## rstatix gives group1, group2 in level order and estimate = mean(group2) - mean(group1); statistic is |t|;
## its p.adj is rounded to 3 decimals (the full-precision p is checked against pingouin in the tests); its se is
## on the studentized-range scale, sqrt(s1^2/n1 + s2^2/n2) / sqrt(2) (stored as se_rstatix)
gh <- as.data.frame(games_howell_test(pg, weight ~ group, conf.level = 0.95, detailed = TRUE))
print(gh, digits = 10)
gh_term <- paste(gh$group2, "-", gh$group1)
stopifnot(setequal(gh_term, pname))
add("pg_games_howell", "diff", gh_term, gh$estimate)
add("pg_games_howell", "se_rstatix", gh_term, gh$se)
add("pg_games_howell", "df", gh_term, gh$df)
add("pg_games_howell", "t_abs", gh_term, gh$statistic)
add("pg_games_howell", "p_rounded", gh_term, gh$p.adj)
add("pg_games_howell", "lower", gh_term, gh$conf.low)
add("pg_games_howell", "upper", gh_term, gh$conf.high)
cat("\n")

## --- pg_dunn: rstatix::dunn_test (tie-corrected z; estimate = mean rank of group2 - group1) ---
dn <- list()
for (meth in c("holm", "bonferroni")) {
  dn[[meth]] <- as.data.frame(dunn_test(pg, weight ~ group, p.adjust.method = meth, detailed = TRUE))
}
print(dn[["holm"]], digits = 10)
d_term <- paste(dn[["holm"]]$group2, "-", dn[["holm"]]$group1)
stopifnot(setequal(d_term, pname), identical(dn[["holm"]]$p, dn[["bonferroni"]]$p))
add("pg_dunn", "mean_rank_diff", d_term, dn[["holm"]]$estimate)
add("pg_dunn", "z", d_term, dn[["holm"]]$statistic)
add("pg_dunn", "p", d_term, dn[["holm"]]$p)
add("pg_dunn", "p_holm", d_term, dn[["holm"]]$p.adj)
add("pg_dunn", "p_bonferroni", d_term, dn[["bonferroni"]]$p.adj)
cat("\n")

## ==================================================================
## 2. Two-group comparisons from PlantGrowth
## ==================================================================
two <- list(c("trt2", "trt1"), c("ctrl", "trt1"))  # x - y
for (p in two) {
  x <- y[g == p[1]]; yy <- y[g == p[2]]
  term <- paste(p[1], "-", p[2])
  cat("=====", term, "=====\n")
  for (ve in c(TRUE, FALSE)) {
    tt <- t.test(x, yy, var.equal = ve)
    print(tt)
    cs <- if (ve) "pg_t_student" else "pg_t_welch"
    add(cs, "t", term, tt$statistic)
    add(cs, "df", term, tt$parameter)
    add(cs, "p", term, tt$p.value)
    add(cs, "estimate", term, tt$estimate[1] - tt$estimate[2])
    add(cs, "se", term, tt$stderr)
    add(cs, "lower", term, tt$conf.int[1])
    add(cs, "upper", term, tt$conf.int[2])
  }
  has_ties <- length(unique(c(x, yy))) < length(c(x, yy))
  wd <- withCallingHandlers(wilcox.test(x, yy),
          warning = function(w) { cat("  WARNING (default wilcox):", conditionMessage(w), "\n");
                                  invokeRestart("muffleWarning") })
  print(wd)
  exact_used <- grepl("exact", wd$method) || (!has_ties && length(x) < 50 && length(yy) < 50)
  cat("  ties across both groups:", has_ties, " method used:", wd$method,
      " exact used:", exact_used, "\n")
  add("pg_wilcox", "has_ties", term, has_ties)
  add("pg_wilcox", "exact_used", term, exact_used)
  add("pg_wilcox", "W", term, wd$statistic)
  add("pg_wilcox", "p", term, wd$p.value)
  wa <- suppressWarnings(wilcox.test(x, yy, exact = FALSE, correct = TRUE))
  add("pg_wilcox", "p_normal_cc", term, wa$p.value)
  wn <- suppressWarnings(wilcox.test(x, yy, exact = FALSE, correct = FALSE))
  add("pg_wilcox", "p_normal_nocc", term, wn$p.value)
  ## effect sizes: effectsize::cohens_d and hedges_g (pooled SD; g with the exact J)
  cd <- cohens_d(x, yy); hg <- hedges_g(x, yy)
  cat(sprintf("  effectsize: Cohen d = %.12g, Hedges g = %.12g\n\n", cd$Cohens_d, hg$Hedges_g))
  add("pg_effect_size", "cohen_d", term, cd$Cohens_d)
  add("pg_effect_size", "hedges_g", term, hg$Hedges_g)
}

## ==================================================================
## 3. sleep (paired by ID), group 2 - group 1
## ==================================================================
sl <- sleep[order(sleep$group, sleep$ID), ]
x1 <- sl$extra[sl$group == "1"]; x2 <- sl$extra[sl$group == "2"]
stopifnot(identical(as.character(sl$ID[sl$group == "1"]), as.character(sl$ID[sl$group == "2"])))
dd <- x2 - x1
cat("sleep diffs (2 - 1):", dd, "\n")
tp <- t.test(x2, x1, paired = TRUE)
print(tp)
add("sleep_paired_t", "t", "2 - 1", tp$statistic)
add("sleep_paired_t", "df", "2 - 1", tp$parameter)
add("sleep_paired_t", "p", "2 - 1", tp$p.value)
add("sleep_paired_t", "estimate", "2 - 1", tp$estimate)
add("sleep_paired_t", "se", "2 - 1", tp$stderr)
add("sleep_paired_t", "lower", "2 - 1", tp$conf.int[1])
add("sleep_paired_t", "upper", "2 - 1", tp$conf.int[2])
add("sleep_paired_t", "d_z", "2 - 1", cohens_d(x2, x1, paired = TRUE)$Cohens_d)  # effectsize

cat("zeros in diffs:", sum(dd == 0), "; tied |diff| values among nonzero:",
    sum(duplicated(abs(dd[dd != 0]))), "\n")
wp <- withCallingHandlers(wilcox.test(x2, x1, paired = TRUE),
        warning = function(w) { cat("  WARNING (default paired wilcox):", conditionMessage(w), "\n");
                                invokeRestart("muffleWarning") })
print(wp)
add("sleep_wilcox_paired", "n_nonzero", "2 - 1", sum(dd != 0))
add("sleep_wilcox_paired", "exact_used", "2 - 1", grepl("exact", wp$method))
add("sleep_wilcox_paired", "V", "2 - 1", wp$statistic)
add("sleep_wilcox_paired", "p", "2 - 1", wp$p.value)
wpa <- suppressWarnings(wilcox.test(x2, x1, paired = TRUE, exact = FALSE, correct = TRUE))
add("sleep_wilcox_paired", "p_normal_cc", "2 - 1", wpa$p.value)
wpn <- suppressWarnings(wilcox.test(x2, x1, paired = TRUE, exact = FALSE, correct = FALSE))
add("sleep_wilcox_paired", "p_normal_nocc", "2 - 1", wpn$p.value)

## ratio paired t on x + 3
tr <- t.test(log(x2 + 3), log(x1 + 3), paired = TRUE)
print(tr)
add("sleep_ratio_paired_t", "t", "2 / 1", tr$statistic)
add("sleep_ratio_paired_t", "df", "2 / 1", tr$parameter)
add("sleep_ratio_paired_t", "p", "2 / 1", tr$p.value)
add("sleep_ratio_paired_t", "mean_log_ratio", "2 / 1", tr$estimate)
add("sleep_ratio_paired_t", "ratio", "2 / 1", exp(tr$estimate))
add("sleep_ratio_paired_t", "lower", "2 / 1", exp(tr$conf.int[1]))
add("sleep_ratio_paired_t", "upper", "2 / 1", exp(tr$conf.int[2]))

## ==================================================================
## 4. ToothGrowth two-way ANOVA
## ==================================================================
anova_rows <- function(case, a) {
  print(a)
  tn <- rownames(a)
  add(case, "ss", tn, a[, "Sum Sq"])
  add(case, "df", tn, a[, "Df"])
  ok <- !is.na(a[, "F value"])
  add(case, "F", tn[ok], a[ok, "F value"])
  add(case, "p", tn[ok], a[ok, "Pr(>F)"])
}
prep_tg <- function(d) { d$dose_f <- factor(d$dose); d }
tg <- prep_tg(ToothGrowth); tgu <- prep_tg(TGu)
for (nm in c("tg_anova", "tg_unbal")) {
  d <- if (nm == "tg_anova") tg else tgu
  options(contrasts = c("contr.treatment", "contr.poly"))
  m2 <- lm(len ~ supp * dose_f, data = d)
  cat("\n---", nm, "type 2 ---\n")
  anova_rows(paste0(nm, "_type2"), Anova(m2, type = 2))
  options(contrasts = c("contr.sum", "contr.poly"))
  m3 <- lm(len ~ supp * dose_f, data = d)
  cat("\n---", nm, "type 3 (contr.sum) ---\n")
  anova_rows(paste0(nm, "_type3"), Anova(m3, type = 3))
  cat("\n--- sequential (type 1) ---\n"); print(anova(m3))
  anova_rows(paste0(nm, "_type1"), anova(m3))
}
options(contrasts = c("contr.treatment", "contr.poly"))

## --- tg_simple_effects (emmeans) -------------------------------------
mt <- lm(len ~ supp * dose_f, data = tg)
emm <- emmeans(mt, ~ supp | dose_f)
print(emm)
pr <- summary(pairs(emm), infer = c(TRUE, TRUE))
print(pr)
tn <- paste0("dose=", pr$dose_f, ": ", dash(as.character(pr$contrast)))
add("tg_simple_effects", "estimate", tn, pr$estimate)
add("tg_simple_effects", "se", tn, pr$SE)
add("tg_simple_effects", "df", tn, pr$df)
add("tg_simple_effects", "t", tn, pr$t.ratio)
add("tg_simple_effects", "p", tn, pr$p.value)
add("tg_simple_effects", "lower", tn, pr$lower.CL)
add("tg_simple_effects", "upper", tn, pr$upper.CL)
es <- summary(emm)
add("tg_simple_effects", "emmean", paste0("dose=", es$dose_f, ": ", es$supp), es$emmean)

emd <- emmeans(mt, ~ dose_f | supp)
tv_prec <- 0
for (adj in c("dunnettx", "mvt", "holm")) {
  set.seed(1)
  ct <- contrast(emd, method = "trt.vs.ctrl", ref = 1, adjust = adj)
  sm <- suppressMessages(summary(ct, infer = c(TRUE, TRUE)))
  cat("\n--- dose Dunnett within supp, adjust =", adj, "---\n"); print(sm)
  tn <- paste0("supp=", sm$supp, ": ", dash(gsub("[()]", "", sub("^dose_f", "", as.character(sm$contrast)))))
  tn <- gsub("dose_f", "", tn)
  if (adj == "dunnettx") {
    add("tg_dose_dunnett", "estimate", tn, sm$estimate)
    add("tg_dose_dunnett", "se", tn, sm$SE)
    add("tg_dose_dunnett", "df", tn, sm$df)
    add("tg_dose_dunnett", "t", tn, sm$t.ratio)
  }
  add("tg_dose_dunnett", paste0("p_", adj), tn, sm$p.value)
  if (adj != "holm") {
    add("tg_dose_dunnett", paste0("lower_", adj), tn, sm$lower.CL)
    add("tg_dose_dunnett", paste0("upper_", adj), tn, sm$upper.CL)
  }
  if (adj == "mvt") {
    set.seed(2)
    sm2 <- suppressMessages(summary(contrast(emd, method = "trt.vs.ctrl", ref = 1, adjust = "mvt"),
                                    infer = c(TRUE, TRUE)))
    tv_prec <- max(abs(sm$p.value - sm2$p.value), abs(sm$lower.CL - sm2$lower.CL))
    cat("emmeans mvt seed1 vs seed2 max|diff| =", tv_prec, "\n")
  }
}
add("tg_dose_dunnett", "mvt_max_abs_diff_seed1_seed2", "", tv_prec)
## exact two-sided Dunnett CIs (TVPACK critical value; emmeans' mvt CIs use
## qmvt with its default ptol = 0.001)
ctx <- contrast(emd, method = "trt.vs.ctrl", ref = 1, adjust = "none")
sx <- summary(ctx)
Vx <- vcov(ctx)
for (sp_ in levels(tg$supp)) {
  idx <- which(sx$supp == sp_)
  Rx <- cov2cor(Vx[idx, idx])
  tvx <- tv_tools(unique(sx$df[idx]), Rx)
  tn <- paste0("supp=", sp_, ": ", dash(gsub("dose_f", "", as.character(sx$contrast[idx]))))
  px <- sapply(sx$t.ratio[idx], function(t) 1 - tvx$P_two(abs(t)))
  cat(sprintf("supp=%s: corr %.12f crit2 %.12f TVPACK p %s\n", sp_, Rx[1, 2], tvx$crit2,
              paste(sprintf("%.6g", px), collapse = " ")))
  add("tg_dose_dunnett", "corr", paste0("supp=", sp_), Rx[1, 2])
  add("tg_dose_dunnett", "crit_exact", paste0("supp=", sp_), tvx$crit2)
  add("tg_dose_dunnett", "lower_exact", tn, sx$estimate[idx] - tvx$crit2 * sx$SE[idx])
  add("tg_dose_dunnett", "upper_exact", tn, sx$estimate[idx] + tvx$crit2 * sx$SE[idx])
}

## ==================================================================
## 5. SuperPlot-like replicate design
## ==================================================================
set.seed(42)
conds <- c("ctrl", "kd"); exps <- paste0("rep", 1:4); ncell <- 30
exp_eff <- rnorm(4, 0, 1.5); names(exp_eff) <- exps            # draw 1: experiment effects
ce <- matrix(rnorm(8, 0, 0.5), nrow = 2, dimnames = list(conds, exps))  # draw 2: ctrl/kd within rep1, rep2, ...
sp <- expand.grid(cell = 1:ncell, condition = conds, experiment = exps, stringsAsFactors = FALSE)
sp$value <- 10 + 1.5 * (sp$condition == "kd") + exp_eff[sp$experiment] +
  ce[cbind(sp$condition, sp$experiment)] + rnorm(nrow(sp), 0, 2)   # draw 3: cell noise in row order
sp$value <- round(sp$value, 6)
sp <- sp[, c("condition", "experiment", "cell", "value")]
write.csv(sp, "superplot.csv", row.names = FALSE)
sp$condition <- factor(sp$condition, levels = conds)
sp$experiment <- factor(sp$experiment, levels = exps)
cat("\nsuperplot: ", dim(sp), "\n"); print(exp_eff); print(ce)

em <- aggregate(value ~ condition + experiment, data = sp, FUN = mean)
print(em)
mc <- em$value[em$condition == "ctrl"]; mk <- em$value[em$condition == "kd"]
add("sp_means", "mean", paste0(em$condition, ":", em$experiment), em$value)

tpp <- t.test(mk, mc, paired = TRUE); print(tpp)
add("sp_means_paired", "t", "kd - ctrl", tpp$statistic)
add("sp_means_paired", "df", "kd - ctrl", tpp$parameter)
add("sp_means_paired", "p", "kd - ctrl", tpp$p.value)
add("sp_means_paired", "estimate", "kd - ctrl", tpp$estimate)
add("sp_means_paired", "lower", "kd - ctrl", tpp$conf.int[1])
add("sp_means_paired", "upper", "kd - ctrl", tpp$conf.int[2])

tpu <- t.test(mk, mc, var.equal = FALSE); print(tpu)
add("sp_means_unpaired", "t", "kd - ctrl", tpu$statistic)
add("sp_means_unpaired", "df", "kd - ctrl", tpu$parameter)
add("sp_means_unpaired", "p", "kd - ctrl", tpu$p.value)
add("sp_means_unpaired", "estimate", "kd - ctrl", tpu$estimate[1] - tpu$estimate[2])
add("sp_means_unpaired", "lower", "kd - ctrl", tpu$conf.int[1])
add("sp_means_unpaired", "upper", "kd - ctrl", tpu$conf.int[2])

lmer_case <- function(case, form) {
  msgs <- character(0)
  ## tight optimizer tolerances; the default-control fit is printed for comparison
  ctl <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12, maxfun = 1e5),
                     check.conv.grad = .makeCC("warning", tol = 1e-6))
  m0 <- suppressMessages(suppressWarnings(lmerTest::lmer(form, data = sp, REML = TRUE)))
  m <- withCallingHandlers(lmerTest::lmer(form, data = sp, REML = TRUE, control = ctl),
         message = function(w) { msgs <<- c(msgs, conditionMessage(w)); invokeRestart("muffleMessage") },
         warning = function(w) { msgs <<- c(msgs, conditionMessage(w)); invokeRestart("muffleWarning") })
  cat("\n=====", case, "=====\n"); print(summary(m))
  if (length(msgs)) cat("messages/warnings:", msgs, sep = "\n  ")
  cat("isSingular:", isSingular(m), "\n")
  cs <- summary(m, ddf = "Satterthwaite")$coefficients
  cs0 <- summary(m0, ddf = "Satterthwaite")$coefficients
  cat("default-control fit minus tight fit (conditionkd est, se, t, df):",
      signif(cs0["conditionkd", c(1, 2, 4, 3)] - cs["conditionkd", c(1, 2, 4, 3)], 4), "\n")
  print(cs)
  ck <- summary(m, ddf = "Kenward-Roger")$coefficients
  print(ck)
  add(case, "estimate", "conditionkd", cs["conditionkd", "Estimate"])
  add(case, "se", "conditionkd", cs["conditionkd", "Std. Error"])
  add(case, "t", "conditionkd", cs["conditionkd", "t value"])
  add(case, "df_satterthwaite", "conditionkd", cs["conditionkd", "df"])
  add(case, "p_satterthwaite", "conditionkd", cs["conditionkd", "Pr(>|t|)"])
  add(case, "se_kr", "conditionkd", ck["conditionkd", "Std. Error"])
  add(case, "df_kr", "conditionkd", ck["conditionkd", "df"])
  add(case, "p_kr", "conditionkd", ck["conditionkd", "Pr(>|t|)"])
  ci <- cs["conditionkd", "Estimate"] + c(-1, 1) * qt(0.975, cs["conditionkd", "df"]) * cs["conditionkd", "Std. Error"]
  add(case, "lower_satterthwaite", "conditionkd", ci[1])
  add(case, "upper_satterthwaite", "conditionkd", ci[2])
  add(case, "estimate", "(Intercept)", cs["(Intercept)", "Estimate"])
  vc <- as.data.frame(VarCorr(m))
  print(vc)
  add(case, "variance", vc$grp, vc$vcov)
  add(case, "reml_criterion", "", REMLcrit(m))
  add(case, "is_singular", "", isSingular(m))
}
## closed-form (balanced-design ANOVA / method of moments; equals REML when
## all variance components are positive) -- checks the optimizer
a_full <- anova(lm(value ~ experiment + condition + experiment:condition, data = sp))
print(a_full)
MS <- setNames(a_full[, "Mean Sq"], rownames(a_full))
n_c <- ncell; n_e <- length(exps)
add("sp_lmer", "variance_anova", "experiment", (MS["experiment"] - MS["experiment:condition"]) / (2 * n_c))
add("sp_lmer", "variance_anova", "experiment:condition", (MS["experiment:condition"] - MS["Residuals"]) / n_c)
add("sp_lmer", "variance_anova", "Residual", MS["Residuals"])
add("sp_lmer", "se_anova", "conditionkd", sqrt(2 * MS["experiment:condition"] / (n_e * n_c)))
a_simp <- anova(lm(value ~ experiment + condition, data = sp))
print(a_simp)
MS2 <- setNames(a_simp[, "Mean Sq"], rownames(a_simp))
add("sp_lmer_simple", "variance_anova", "experiment", (MS2["experiment"] - MS2["Residuals"]) / (2 * n_c))
add("sp_lmer_simple", "variance_anova", "Residual", MS2["Residuals"])
add("sp_lmer_simple", "se_anova", "conditionkd", sqrt(2 * MS2["Residuals"] / (n_e * n_c)))

lmer_case("sp_lmer", value ~ condition + (1 | experiment) + (1 | experiment:condition))
lmer_case("sp_lmer_simple", value ~ condition + (1 | experiment))

tn_ <- t.test(sp$value[sp$condition == "kd"], sp$value[sp$condition == "ctrl"], var.equal = TRUE)
print(tn_)
add("sp_cells_naive", "t", "kd - ctrl", tn_$statistic)
add("sp_cells_naive", "df", "kd - ctrl", tn_$parameter)
add("sp_cells_naive", "p", "kd - ctrl", tn_$p.value)
add("sp_cells_naive", "estimate", "kd - ctrl", tn_$estimate[1] - tn_$estimate[2])
add("sp_cells_naive", "lower", "kd - ctrl", tn_$conf.int[1])
add("sp_cells_naive", "upper", "kd - ctrl", tn_$conf.int[2])

## ==================================================================
## Write
## ==================================================================
out <- do.call(rbind, rows)
stopifnot(!any(is.na(out$value)), !any(duplicated(out[, 1:3])))
out$value <- sprintf("%.12g", out$value)
write.csv(out, "reference_assays.csv", row.names = FALSE, quote = TRUE)
cat("\nwrote", nrow(out), "rows to reference_assays.csv\n\n")
print(sessionInfo())
