## make_reference_survival.R -- independent reference values (R) for the
## survival and co-expression (correlation) modules of assaystats.
##
## Run from this folder:
##   Rscript make_reference_survival.R > make_reference_survival.Rout 2>&1
## Writes: lung.csv, mtcars.csv, reference_survival.csv (long form:
##   case,quantity,term,value; value printed with sprintf("%.17g"), which
##   round-trips doubles; term is always a string, numbers in it %.12g).
## Packages: survival (Debian r-cran-survival), maxstat (Debian r-cran-maxstat,
##   which pulls in exactRankTests and mvtnorm), and ppcor 1.1 for the partial
##   correlation (not in Debian: built from the CRAN sources, see README.md).
## Cox models are fitted to the maximum itself (coxph.control(eps = 1e-12)),
##   not to R's default stop (a relative log-likelihood change of 1e-9).
## See README.md for what every case/quantity/term means.

suppressPackageStartupMessages({
  library(survival)
  library(maxstat)
  library(ppcor)
})
options(width = 120, digits = 10)
cat("R:", R.version.string, "\n")
for (p in c("stats", "survival", "maxstat", "exactRankTests", "mvtnorm", "ppcor"))
  cat(sprintf("  %-15s %s\n", p, as.character(packageVersion(p))))
cat("\n")

## ------------------------------------------------------------------
## Collector. Non-finite values (NA / NaN / Inf) are NOT written; they are
## collected in `skipped` and printed at the end (listed in README.md).
## ------------------------------------------------------------------
rows <- list()
skipped <- character(0)
add <- function(case, quantity, term, value) {
  value <- as.numeric(value)
  term  <- as.character(term)
  if (length(value) == 1 && length(term) > 1) value <- rep(value, length(term))
  if (length(term) == 1 && length(value) > 1) stop("term/value length mismatch")
  stopifnot(length(term) == length(value))
  bad <- !is.finite(value)
  if (any(bad)) {
    skipped <<- c(skipped, sprintf("%s,%s,%s -> %s", case, quantity, term[bad],
                                   format(value[bad])))
  }
  if (any(!bad))
    rows[[length(rows) + 1]] <<- data.frame(case = case, quantity = quantity,
                                            term = term[!bad],
                                            value = unname(value[!bad]),
                                            stringsAsFactors = FALSE)
  invisible(NULL)
}
fmt <- function(x) sprintf("%.12g", x)  # numbers in terms and in printed text
fmt_value <- function(x) sprintf("%.17g", x)  # values written to the CSV
z975 <- qnorm(0.975)
tight <- coxph.control(eps = 1e-12, toler.chol = 1e-15, iter.max = 100)

## ------------------------------------------------------------------
## Data
## ------------------------------------------------------------------
lung <- survival::lung
write.csv(lung, "lung.csv", row.names = FALSE)
mt <- data.frame(car = rownames(mtcars), mtcars, stringsAsFactors = FALSE)
write.csv(mt, "mtcars.csv", row.names = FALSE)
## round-trip check: everything below uses the in-memory data; the CSVs must
## reproduce it exactly
lung_rt <- read.csv("lung.csv")
mt_rt <- read.csv("mtcars.csv")
stopifnot(isTRUE(all.equal(lung_rt, lung, check.attributes = FALSE)))
stopifnot(isTRUE(all.equal(mt_rt[, -1], mtcars, check.attributes = FALSE)))
stopifnot(identical(mt_rt$car, rownames(mtcars)))
cat("lung:", nrow(lung), "rows;", sum(lung$status == 2), "deaths; status table:\n")
print(table(status = lung$status, sex = lung$sex))
cat("NA per column:\n"); print(colSums(is.na(lung)))
cat("\n")

## ==================================================================
## Case 1: km_sex
## ==================================================================
cat("==== km_sex ====\n")
case <- "km_sex"
fits <- list(
  log    = survfit(Surv(time, status == 2) ~ sex, data = lung, conf.type = "log"),
  loglog = survfit(Surv(time, status == 2) ~ sex, data = lung, conf.type = "log-log"),
  plain  = survfit(Surv(time, status == 2) ~ sex, data = lung, conf.type = "plain")
)
fit <- fits$log
print(fit, rmean = 730)
stopifnot(identical(names(fit$strata), c("sex=1", "sex=2")))
strat <- rep(c("1", "2"), fit$strata)
tterm <- paste0(strat, "|time=", fmt(fit$time))
add(case, "n_risk",   tterm, fit$n.risk)
add(case, "n_event",  tterm, fit$n.event)
add(case, "n_censor", tterm, fit$n.censor)
add(case, "surv",     tterm, fit$surv)
## fit$std.err: SE of the cumulative hazard H = -log S (Greenwood), NOT of S
add(case, "std_err",  tterm, fit$std.err)
## summary(fit)$std.err is on the S scale: surv * fit$std.err
add(case, "std_err_surv", tterm, fit$surv * fit$std.err)
## independent Greenwood check
for (s in c("1", "2")) {
  i <- strat == s
  gw <- sqrt(cumsum(fit$n.event[i] / (fit$n.risk[i] * (fit$n.risk[i] - fit$n.event[i]))))
  ok <- is.finite(gw)
  stopifnot(isTRUE(all.equal(gw[ok], fit$std.err[i][ok])))
}
for (ct in names(fits)) {
  pre <- if (ct == "log") "" else paste0(ct, "_")
  f <- fits[[ct]]
  add(case, paste0(pre, "lower"), tterm, f$lower)
  add(case, paste0(pre, "upper"), tterm, f$upper)
  tab <- summary(f, rmean = 730)$table
  rownames(tab) <- c("1", "2")
  add(case, paste0(pre, "median"),       rownames(tab), tab[, "median"])
  add(case, paste0(pre, "median_lower"), rownames(tab), tab[, "0.95LCL"])
  add(case, paste0(pre, "median_upper"), rownames(tab), tab[, "0.95UCL"])
  st <- summary(f, times = c(180, 365))
  sterm <- paste0(sub("^sex=", "", as.character(st$strata)), "|t=", fmt(st$time))
  if (ct == "log") {
    add(case, "records", rownames(tab), tab[, "records"])
    add(case, "events",  rownames(tab), tab[, "events"])
    add(case, "rmean",    rownames(tab), tab[, "rmean"])
    add(case, "se_rmean", rownames(tab), tab[, "se(rmean)"])
    add(case, "surv",   sterm, st$surv)
    add(case, "n_risk", sterm, st$n.risk)
    add(case, "std_err_surv", sterm, st$std.err)
  }
  add(case, paste0(pre, "lower"), sterm, st$lower)
  add(case, paste0(pre, "upper"), sterm, st$upper)
  cat("\nconf.type =", ct, "\n"); print(tab)
  print(summary(f, times = c(180, 365)))
}
## rmean check by hand: area under the KM step function on [0, 730]
for (s in c("1", "2")) {
  i <- strat == s
  tt <- c(0, fit$time[i][fit$time[i] < 730], 730)
  ss <- c(1, fit$surv[i][fit$time[i] < 730])
  rm_hand <- sum(diff(tt) * ss)
  tab <- summary(fit, rmean = 730)$table
  stopifnot(isTRUE(all.equal(rm_hand, unname(tab[paste0("sex=", s), "rmean"]))))
}

## ==================================================================
## Case 2: km_all
## ==================================================================
cat("\n==== km_all ====\n")
case <- "km_all"
fa <- survfit(Surv(time, status == 2) ~ 1, data = lung)
print(fa, rmean = 730)
ta <- summary(fa, rmean = 730)$table
add(case, "records",      "all", ta["records"])
add(case, "events",       "all", ta["events"])
add(case, "median",       "all", ta["median"])
add(case, "median_lower", "all", ta["0.95LCL"])
add(case, "median_upper", "all", ta["0.95UCL"])
add(case, "rmean",        "all", ta["rmean"])
add(case, "se_rmean",     "all", ta["se(rmean)"])
sa <- summary(fa, times = c(180, 365))
print(sa)
aterm <- paste0("all|t=", fmt(sa$time))
add(case, "surv",   aterm, sa$surv)
add(case, "lower",  aterm, sa$lower)
add(case, "upper",  aterm, sa$upper)
add(case, "n_risk", aterm, sa$n.risk)
add(case, "std_err_surv", aterm, sa$std.err)

## ==================================================================
## Case 3: logrank_sex
## ==================================================================
cat("\n==== logrank_sex ====\n")
case <- "logrank_sex"
for (rho in c(0, 1)) {
  pre <- if (rho == 0) "" else "rho1_"
  sd0 <- survdiff(Surv(time, status == 2) ~ sex, data = lung, rho = rho)
  print(sd0)
  df <- length(sd0$n) - 1
  p <- sd0$pvalue  # survdiff's own p value (survival >= 3)
  stopifnot(isTRUE(all.equal(p, pchisq(sd0$chisq, df, lower.tail = FALSE))))
  add(case, paste0(pre, "chisq"), "", sd0$chisq)
  add(case, paste0(pre, "df"),    "", df)
  add(case, paste0(pre, "p"),     "", p)
  add(case, paste0(pre, "n"),        c("1", "2"), as.numeric(sd0$n))
  add(case, paste0(pre, "observed"), c("1", "2"), sd0$obs)
  add(case, paste0(pre, "expected"), c("1", "2"), sd0$exp)
  add(case, paste0(pre, "var"),      "1", sd0$var[1, 1])
}

## ==================================================================
## Case 4: logrank_ecog
## ==================================================================
cat("\n==== logrank_ecog ====\n")
case <- "logrank_ecog"
le <- subset(lung, !is.na(ph.ecog) & ph.ecog < 3)
cat("rows used:", nrow(le), "\n"); print(table(le$ph.ecog))
sde <- survdiff(Surv(time, status == 2) ~ ph.ecog, data = le)
print(sde)
dfe <- length(sde$n) - 1
add(case, "chisq", "", sde$chisq)
add(case, "df",    "", dfe)
add(case, "p",     "", sde$pvalue)
add(case, "n",        c("0", "1", "2"), as.numeric(sde$n))
add(case, "observed", c("0", "1", "2"), sde$obs)
add(case, "expected", c("0", "1", "2"), sde$exp)
## trend: score test of Cox model with numeric ph.ecog, Breslow ties
ce <- coxph(Surv(time, status == 2) ~ ph.ecog, data = le, ties = "breslow")
sce <- summary(ce)$sctest
print(summary(ce))
add(case, "trend_score", "", sce["test"])
add(case, "trend_df",    "", sce["df"])
add(case, "trend_p",     "", sce["pvalue"])
## the same from the survdiff O-E and variance with scores w = 0, 1, 2
w <- c(0, 1, 2)
trend_manual <- sum(w * (sde$obs - sde$exp))^2 / drop(t(w) %*% sde$var %*% w)
cat("trend score test (coxph breslow):", fmt(sce["test"]),
    " manual (w'(O-E))^2 / w'Vw:", fmt(trend_manual), "\n")
## With tied death times the Breslow score test uses the multinomial
## (Breslow) information, not survdiff's hypergeometric variance, so it is
## slightly SMALLER than the survdiff-based trend statistic. The score test of
## the ties = "exact" (discrete) partial likelihood reproduces it exactly.
cex <- coxph(Surv(time, status == 2) ~ ph.ecog, data = le, ties = "exact")
scx <- summary(cex)$sctest
cat("trend score test (coxph ties = exact):", fmt(scx["test"]), "\n")
stopifnot(isTRUE(all.equal(unname(scx["test"]), trend_manual, tolerance = 1e-8)))
add(case, "trend_chisq_manual", "", trend_manual)
add(case, "trend_p_manual", "", pchisq(trend_manual, 1, lower.tail = FALSE))
add(case, "trend_score_exact_ties", "", scx["test"])
add(case, "trend_p_exact_ties",     "", scx["pvalue"])
## pairwise
prs <- list(c(0, 1), c(0, 2), c(1, 2))
pw_p <- numeric(0); pw_term <- character(0)
for (pr in prs) {
  d <- subset(le, ph.ecog %in% pr)
  s <- survdiff(Surv(time, status == 2) ~ ph.ecog, data = d)
  term <- paste(pr[2], "vs", pr[1])
  pp <- s$pvalue
  add(case, "pairwise_chisq", term, s$chisq)
  add(case, "pairwise_p",     term, pp)
  pw_p <- c(pw_p, pp); pw_term <- c(pw_term, term)
}
pw_bh <- p.adjust(pw_p, "BH")
add(case, "pairwise_p_bh", pw_term, pw_bh)
print(data.frame(term = pw_term, p = pw_p, p_bh = pw_bh))

## ==================================================================
## Case 5: cox_age_sex
## ==================================================================
cat("\n==== cox_age_sex ====\n")
case <- "cox_age_sex"
cox_terms <- function(case, pre, fit) {
  s <- summary(fit)
  cf <- s$coefficients
  ci <- s$conf.int
  tn <- rownames(cf)
  add(case, paste0(pre, "coef"),     tn, cf[, "coef"])
  add(case, paste0(pre, "se"),       tn, cf[, "se(coef)"])
  add(case, paste0(pre, "hr"),       tn, cf[, "exp(coef)"])
  add(case, paste0(pre, "hr_lower"), tn, ci[, "lower .95"])
  add(case, paste0(pre, "hr_upper"), tn, ci[, "upper .95"])
  add(case, paste0(pre, "z"),        tn, cf[, "z"])
  add(case, paste0(pre, "p"),        tn, cf[, "Pr(>|z|)"])
  ## CI by hand
  stopifnot(isTRUE(all.equal(unname(exp(cf[, "coef"] - z975 * cf[, "se(coef)"])),
                             unname(ci[, "lower .95"]))))
  invisible(s)
}
cox_global <- function(case, pre, fit) {
  s <- summary(fit)
  add(case, paste0(pre, "n"),       "", fit$n)
  add(case, paste0(pre, "nevent"),  "", fit$nevent)
  add(case, paste0(pre, "loglik"),  c("null", "model"), fit$loglik)
  for (nm in c("logtest", "waldtest", "sctest")) {
    q <- c(logtest = "lr_test", waldtest = "wald_test", sctest = "score_test")[nm]
    stat <- s[[nm]]["test"]
    ## summary.coxph ROUNDS the Wald statistic to 2 decimals (its p uses the
    ## unrounded value); take the unrounded fit$wald.test instead
    if (nm == "waldtest") {
      stat <- fit$wald.test
      b <- coef(fit)
      stopifnot(isTRUE(all.equal(unname(stat), drop(t(b) %*% solve(vcov(fit)) %*% b))),
                isTRUE(all.equal(unname(s$waldtest["pvalue"]),
                                 pchisq(unname(stat), length(b), lower.tail = FALSE))))
    }
    add(case, paste0(pre, q, "_stat"), "", stat)
    add(case, paste0(pre, q, "_df"),   "", s[[nm]]["df"])
    add(case, paste0(pre, q, "_p"),    "", s[[nm]]["pvalue"])
  }
  add(case, paste0(pre, "concordance"),    "", s$concordance["C"])
  add(case, paste0(pre, "concordance_se"), "", s$concordance["se(C)"])
}
c5 <- coxph(Surv(time, status == 2) ~ age + sex, data = lung, control = tight)
print(summary(c5))
cox_terms(case, "", c5); cox_global(case, "", c5)
stopifnot(isTRUE(all.equal(2 * diff(c5$loglik), unname(summary(c5)$logtest["test"]))))
c5b <- coxph(Surv(time, status == 2) ~ age + sex, data = lung, ties = "breslow", control = tight)
print(summary(c5b))
cox_terms(case, "breslow_", c5b); cox_global(case, "breslow_", c5b)
cat("cox.zph default transform:", deparse(formals(cox.zph)$transform), "\n")
z1 <- cox.zph(c5)
print(z1)
stopifnot(z1$transform == "km")
add(case, "zph_chisq", rownames(z1$table), z1$table[, "chisq"])
add(case, "zph_df",    rownames(z1$table), z1$table[, "df"])
add(case, "zph_p",     rownames(z1$table), z1$table[, "p"])
z2 <- cox.zph(c5, transform = "identity")
print(z2)
add(case, "identity_zph_chisq", rownames(z2$table), z2$table[, "chisq"])
add(case, "identity_zph_df",    rownames(z2$table), z2$table[, "df"])
add(case, "identity_zph_p",     rownames(z2$table), z2$table[, "p"])

## ==================================================================
## Case 6: cox_continuous
## ==================================================================
cat("\n==== cox_continuous ====\n")
case <- "cox_continuous"
c6 <- coxph(Surv(time, status == 2) ~ age, data = lung, control = tight)
print(summary(c6))
cox_terms(case, "", c6)
add(case, "n", "", c6$n); add(case, "nevent", "", c6$nevent)
b <- coef(c6)["age"]
sdage <- sd(lung$age)
add(case, "sd_age",          "age", sdage)
## per SD: coxph on age / sd(age) (its summary's hazard ratio and Wald limits)
c6s <- coxph(Surv(time, status == 2) ~ I(age / sdage), data = lung, control = tight)
s6s <- summary(c6s)
add(case, "coef_per_sd",     "age", coef(c6s))
add(case, "hr_per_sd",       "age", s6s$conf.int[, "exp(coef)"])
add(case, "hr_per_sd_lower", "age", s6s$conf.int[, "lower .95"])
add(case, "hr_per_sd_upper", "age", s6s$conf.int[, "upper .95"])
## cross-check: the coefficient per unit times sd(age)
stopifnot(isTRUE(all.equal(unname(coef(c6s)), unname(b * sdage), tolerance = 1e-10)))

## ==================================================================
## Case 7: maxstat_age
## ==================================================================
cat("\n==== maxstat_age ====\n")
case <- "maxstat_age"
## NOTE: maxstat's pmethod names are "Lau92", "Lau94", "exactGauss", "HL",
## "condMC", "min"; "Lausen94" is not accepted by match.arg, so "Lau94" is used.
ms_try <- function(pm, ...) {
  set.seed(20240101)  # exactGauss uses mvtnorm::pmvnorm (randomized QMC)
  warns <- character(0)
  r <- tryCatch(withCallingHandlers(
                  maxstat.test(Surv(time, status == 2) ~ age, data = lung,
                               smethod = "LogRank", pmethod = pm,
                               minprop = 0.1, maxprop = 0.9, ...),
                  warning = function(w) { warns <<- c(warns, conditionMessage(w))
                                          invokeRestart("muffleWarning") }),
                error = function(e) { cat("pmethod", pm, "failed:", conditionMessage(e), "\n"); NULL })
  if (length(warns)) cat("pmethod", pm, "warnings:", paste(warns, collapse = "; "), "\n")
  r
}
lausen_try <- tryCatch(maxstat.test(Surv(time, status == 2) ~ age, data = lung,
                                    smethod = "LogRank", pmethod = "Lausen94",
                                    minprop = 0.1, maxprop = 0.9),
                       error = function(e) conditionMessage(e))
cat("pmethod = \"Lausen94\" ->", if (is.character(lausen_try)) lausen_try else "ran", "\n")
m94 <- ms_try("Lau94")
print(m94)
add(case, "statistic", "", m94$statistic)
add(case, "estimate",  "", m94$estimate)
add(case, "p_lau94",   "", m94$p.value)
add(case, "n_cuts",    "", length(m94$cuts))
add(case, "stat_at", fmt(m94$cuts), m94$stats)
m92 <- ms_try("Lau92")
print(m92)
stopifnot(isTRUE(all.equal(unname(m92$statistic), unname(m94$statistic))))
add(case, "p_lau92", "", m92$p.value)
## exactGauss: Monte-Carlo/QMC multivariate normal probability (mvtnorm
## GenzBretz). Default settings (maxpts = 25000, abseps = 0.001) and a
## high-precision run (maxpts = 2e6, abseps = 1e-5); both with the seed above.
## The returned p carries attr "error" (estimated absolute error).
for (v in list(list(pre = "p_exactgauss_default"),
               list(pre = "p_exactgauss", maxpts = 2e6, abseps = 1e-5))) {
  args <- c(list("exactGauss"), v[setdiff(names(v), "pre")])
  mg <- do.call(ms_try, args)
  print(mg)
  stopifnot(isTRUE(all.equal(unname(mg$statistic), unname(m94$statistic))))
  add(case, v$pre, "", mg$p.value)
  add(case, paste0(v$pre, "_error"), "", attr(mg$p.value, "error"))
}
## pmethod = "HL" uses integer-rounded logrank scores (iscores = TRUE), so its
## statistic differs slightly; its exact p uses gamma(N + 1), which overflows
## for N = 228, so p.value is NaN (skipped).
mh <- ms_try("HL")
print(mh)
add(case, "hl_statistic", "", mh$statistic)
add(case, "hl_estimate",  "", mh$estimate)
add(case, "p_hl",         "", mh$p.value)
## hand recomputation of the standardized statistic (logrank scores,
## permutation variance) at every candidate cut
y <- Surv(lung$time, lung$status == 2)
sc <- exactRankTests::cscores(y, type = "LogRank", int = FALSE)
N <- nrow(lung)
hand <- sapply(m94$cuts, function(k) {
  lo <- lung$age <= k; m <- sum(lo)
  S <- sum(sc[lo]); E <- m / N * sum(sc)
  V <- m * (N - m) / (N^2 * (N - 1)) * (N * sum(sc^2) - sum(sc)^2)
  abs(S - E) / sqrt(V)
})
stopifnot(isTRUE(all.equal(hand, unname(m94$stats))))
cut <- unname(m94$estimate)
grp <- factor(ifelse(lung$age <= cut, "low", "high"), levels = c("low", "high"))
sdm <- survdiff(Surv(time, status == 2) ~ grp, data = lung)
print(sdm)
add(case, "naive_chisq", "", sdm$chisq)
add(case, "naive_p",     "", sdm$pvalue)
add(case, "n_low",  "", sum(grp == "low"))
add(case, "n_high", "", sum(grp == "high"))
cat("sqrt(naive chisq) =", fmt(sqrt(sdm$chisq)), " vs maxstat statistic", fmt(m94$statistic), "\n")

## ==================================================================
## Case 8: cor_mtcars
## ==================================================================
cat("\n==== cor_mtcars ====\n")
case <- "cor_mtcars"
cols <- c("disp", "hp", "drat", "wt", "qsec")
x0 <- mtcars$mpg
has_ties <- function(v) as.numeric(anyDuplicated(v) > 0)
add(case, "has_ties", "mpg", has_ties(x0))
cat("mpg has ties:", has_ties(x0) == 1, "\n")
P <- list(pearson = numeric(0), spearman = numeric(0), spearman_exact = numeric(0),
          kendall = numeric(0))
for (cn in cols) {
  y <- mtcars[[cn]]
  add(case, "has_ties", cn, has_ties(y))
  pc <- cor.test(x0, y, method = "pearson")
  add(case, "pearson_r",          cn, pc$estimate)
  add(case, "pearson_t",          cn, pc$statistic)
  add(case, "pearson_df",         cn, pc$parameter)
  add(case, "pearson_p",          cn, pc$p.value)
  add(case, "pearson_conf_lower", cn, pc$conf.int[1])
  add(case, "pearson_conf_upper", cn, pc$conf.int[2])
  sp <- cor.test(x0, y, method = "spearman", exact = FALSE)
  add(case, "spearman_rho", cn, sp$estimate)
  add(case, "spearman_S",   cn, sp$statistic)
  add(case, "spearman_p",   cn, sp$p.value)
  warns <- character(0)
  spe <- withCallingHandlers(
    cor.test(x0, y, method = "spearman", exact = TRUE),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  add(case, "spearman_exact_p", cn, spe$p.value)
  add(case, "spearman_exact_warned", cn, as.numeric(length(warns) > 0))
  kd <- cor.test(x0, y, method = "kendall", exact = FALSE)
  add(case, "kendall_tau", cn, kd$estimate)
  add(case, "kendall_z",   cn, kd$statistic)
  add(case, "kendall_p",   cn, kd$p.value)
  P$pearson <- c(P$pearson, pc$p.value); P$spearman <- c(P$spearman, sp$p.value)
  P$spearman_exact <- c(P$spearman_exact, spe$p.value); P$kendall <- c(P$kendall, kd$p.value)
  cat(sprintf("%-5s ties(x)=%d  r=%s  rho=%s  tau=%s  spearman p=%s  exact=TRUE p=%s  warnings: %s\n",
              cn, has_ties(y), fmt(pc$estimate), fmt(sp$estimate), fmt(kd$estimate),
              fmt(sp$p.value), fmt(spe$p.value),
              if (length(warns)) paste(warns, collapse = "; ") else "none"))
}
for (nm in names(P)) add(case, paste0("q_", nm), cols, p.adjust(P[[nm]], "BH"))

## ==================================================================
## Case 9: partial_cor
## ==================================================================
cat("\n==== partial_cor ====\n")
case <- "partial_cor"
## ppcor::pcor.test (ppcor 1.1): r, t statistic on n - 2 - k df, p
pc <- pcor.test(mtcars$mpg, mtcars$hp, mtcars$wt, method = "pearson")
print(pc)
r <- pc$estimate; tt <- pc$statistic; pp <- pc$p.value
n <- nrow(mtcars); dfp <- n - 2 - pc$gp
stopifnot(pc$n == n, pc$gp == 1)
## cross-checks: the correlation of the residuals on wt, the closed form, the t test of hp in lm(mpg ~ hp + wt)
rx <- resid(lm(mpg ~ wt, data = mtcars))
ry <- resid(lm(hp ~ wt, data = mtcars))
stopifnot(isTRUE(all.equal(r, cor(rx, ry))))
R <- cor(mtcars[, c("mpg", "hp", "wt")])
r_formula <- (R["mpg", "hp"] - R["mpg", "wt"] * R["hp", "wt"]) /
  sqrt((1 - R["mpg", "wt"]^2) * (1 - R["hp", "wt"]^2))
stopifnot(isTRUE(all.equal(r, r_formula)))
## equals the t test of hp in lm(mpg ~ hp + wt)
lt <- coef(summary(lm(mpg ~ hp + wt, data = mtcars)))["hp", ]
stopifnot(isTRUE(all.equal(unname(tt), unname(lt["t value"]))),
          isTRUE(all.equal(unname(pp), unname(lt["Pr(>|t|)"]))))
cat("partial r =", fmt(r), " t =", fmt(tt), " df =", dfp, " p =", fmt(pp), "\n")
add(case, "r",  "mpg~hp|wt", r)
add(case, "t",  "mpg~hp|wt", tt)
add(case, "df", "mpg~hp|wt", dfp)
add(case, "p",  "mpg~hp|wt", pp)

## ------------------------------------------------------------------
## Write
## ------------------------------------------------------------------
out <- do.call(rbind, rows)
stopifnot(!anyNA(out$value), all(is.finite(out$value)))
stopifnot(!anyDuplicated(out[, c("case", "quantity", "term")]))
out$value <- fmt_value(out$value)
write.csv(out, "reference_survival.csv", row.names = FALSE)
cat("\nWrote reference_survival.csv:", nrow(out), "rows\n")
print(table(out$case))
cat("\nSkipped (non-finite, not written):", length(skipped), "\n")
if (length(skipped)) writeLines(paste("  ", skipped))
cat("\n"); print(sessionInfo())
