## make_reference_cox_fitting.R -- independent reference values (R) for how
## assaystats fits Cox models (issue 11): covariates that R's coxph fits but a
## plain Newton-Raphson from beta = 0 does not (right-skewed bilirubin of the
## Mayo PBC data, covariates on a large scale), near-separated data with a
## large but finite estimate, and separated data (monotone likelihood, an
## infinite estimate: coxph warns "Loglik converged before variable ...;
## coefficient may be infinite").
##
## Run from this folder:
##   Rscript make_reference_cox_fitting.R > make_reference_cox_fitting.Rout 2>&1
## Writes pbc.csv (survival::pbc, all 418 rows and 20 columns, NAs as NA),
## cox_edge_cases.csv (the small constructed data sets, column `set`) and
## reference_cox_fitting.csv (long form case,quantity,term,value; value
## printed with sprintf("%.17g"), which round-trips doubles; term always a
## string, "" for scalars).
## Packages: survival, maxstat (Debian r-cran-survival, r-cran-maxstat).
## See README.md for the cases.

suppressPackageStartupMessages({
  library(survival)
  library(maxstat)
})
options(width = 120, digits = 10)
cat("R:", R.version.string, "\n")
for (p in c("survival", "maxstat")) cat(p, as.character(packageVersion(p)), "\n")
cat("\n")

rows <- list()
skipped <- character(0)
add <- function(case, quantity, term, value) {
  value <- as.numeric(value)
  term  <- as.character(term)
  if (length(value) == 1 && length(term) > 1) value <- rep(value, length(term))
  stopifnot(length(term) == length(value))
  bad <- !is.finite(value)
  if (any(bad))
    skipped <<- c(skipped, sprintf("%s,%s,%s -> %s", case, quantity, term[bad], format(value[bad])))
  if (any(!bad))
    rows[[length(rows) + 1]] <<- data.frame(case = case, quantity = quantity, term = term[!bad],
                                            value = unname(value[!bad]), stringsAsFactors = FALSE)
  invisible(NULL)
}
fmt <- function(x) sprintf("%.12g", x)  # numbers in printed text
fmt_value <- function(x) sprintf("%.17g", x)  # values written to the CSV

## Tight convergence for the reference values: the true maximum of the partial
## likelihood, not R's default stop (relative log-likelihood change 1e-9).
## The default fit is printed beside it and its largest relative difference
## from the tight one is recorded as `default_vs_tight_coef`.
tight <- coxph.control(eps = 1e-12, toler.chol = 1e-15, iter.max = 100)

## One Cox fit: per term coef, se, hr, hr_lower/upper (95% Wald), z, p; whole
## model loglik (null, model), LR/Wald/score tests, concordance, n, nevent,
## iterations. `terms` renames R's coefficient names to assaystats' terms.
cox_terms <- function(case, pre, fit, terms) {
  s <- summary(fit)
  cf <- s$coefficients
  stopifnot(identical(rownames(cf), names(terms)))
  tm <- unname(terms)
  add(case, paste0(pre, "coef"), tm, cf[, "coef"])
  add(case, paste0(pre, "se"), tm, cf[, "se(coef)"])
  add(case, paste0(pre, "hr"), tm, cf[, "exp(coef)"])
  add(case, paste0(pre, "hr_lower"), tm, s$conf.int[, "lower .95"])
  add(case, paste0(pre, "hr_upper"), tm, s$conf.int[, "upper .95"])
  add(case, paste0(pre, "z"), tm, cf[, "z"])
  add(case, paste0(pre, "p"), tm, cf[, "Pr(>|z|)"])
  add(case, paste0(pre, "loglik"), c("null", "model"), fit$loglik)
  add(case, paste0(pre, "lr_test_stat"), "", s$logtest["test"])
  add(case, paste0(pre, "wald_test_stat"), "", fit$wald.test)
  add(case, paste0(pre, "score_test_stat"), "", fit$score)
  add(case, paste0(pre, "concordance"), "", s$concordance["C"])
  add(case, paste0(pre, "n"), "", fit$n)
  add(case, paste0(pre, "nevent"), "", fit$nevent)
  add(case, paste0(pre, "iter"), "", fit$iter)
}
## fit with the tight control and with R's default; record both, check they agree
two_fits <- function(case, formula, data, terms, ties = "efron", pre = "") {
  ft <- coxph(formula, data = data, ties = ties, control = tight)
  fd <- coxph(formula, data = data, ties = ties)
  print(summary(ft))
  cat("iterations: tight", ft$iter, " default", fd$iter, "\n")
  d <- max(abs(coef(fd) / coef(ft) - 1))
  cat(sprintf("largest relative difference of the default fit's coefficients: %.3g\n", d))
  stopifnot(d < 1e-6)
  cox_terms(case, pre, ft, terms)
  add(case, paste0(pre, "default_vs_tight_coef"), "", d)
  add(case, paste0(pre, "default_iter"), "", fd$iter)
  invisible(ft)
}
## fit that coxph cannot finish: it warns that a coefficient may be infinite
## ("Loglik converged before variable ...") or that it ran out of iterations;
## capture the warning
flagged_fit <- function(case, formula, data) {
  msg <- character(0)
  fit <- withCallingHandlers(coxph(formula, data = data),
                             warning = function(w) { msg <<- c(msg, conditionMessage(w)); invokeRestart("muffleWarning") })
  print(fit)
  cat("warnings:\n"); writeLines(paste("  ", msg))
  inf <- grepl("coefficient may be infinite", msg)
  noconv <- grepl("did not converge", msg)
  stopifnot(any(inf) || any(noconv))
  add(case, "warned_infinite", "", as.numeric(any(inf)))
  add(case, "warned_not_converged", "", as.numeric(any(noconv)))
  if (any(inf)) {
    ## which variable(s): "Loglik converged before variable  3 ; ..."
    v <- as.integer(strsplit(trimws(sub(".*before variable *([0-9 ,]+);.*", "\\1", msg[inf][1])), "[ ,]+")[[1]])
    add(case, "infinite_variable", names(coef(fit))[v], 1)
  }
  add(case, "coef_at_stop", names(coef(fit)), coef(fit))
  add(case, "iter", "", fit$iter)
  invisible(fit)
}

## ------------------------------------------------------------------
## Data
## ------------------------------------------------------------------
pbc <- survival::pbc
write.csv(pbc, "pbc.csv", row.names = FALSE)
pbc_rt <- read.csv("pbc.csv", stringsAsFactors = TRUE)
stopifnot(isTRUE(all.equal(pbc_rt, pbc, check.attributes = FALSE)))
cat("pbc:", nrow(pbc), "rows; status:\n"); print(table(pbc$status, useNA = "ifany"))
cat("trt:\n"); print(table(pbc$trt, useNA = "ifany"))
cat("bili: range", range(pbc$bili), " median", median(pbc$bili), " skewness",
    mean((pbc$bili - mean(pbc$bili))^3) / sd(pbc$bili)^3, "\n\n")

## constructed sets (see README.md)
near_dummy <- data.frame(set = "near_dummy", time = c(1:9, 11, 10, 12:25),
                         status = c(rep(1, 20), rep(0, 5)),
                         grp = c(rep("hi", 10), rep("lo", 15)), x = NA)
nc <- data.frame(set = "near_continuous", time = 1:30, status = rep(c(1, 1, 0), 10), grp = NA)
nc$x <- round(100 - 3 * nc$time + sin(1:30), 2)
nc$x[c(19, 20)] <- nc$x[c(20, 19)]
separated <- data.frame(set = "separated", time = c(1, 2, 3, 4, 10, 11, 12, 13),
                        status = c(1, 1, 1, 1, 1, 1, 1, 0), grp = NA,
                        x = c(5, 6, 7, 8, 1, 2, 3, 4))
separated$grp <- ifelse(separated$x > 4.5, "hi", "lo")
edge <- rbind(near_dummy, nc, separated)
write.csv(edge, "cox_edge_cases.csv", row.names = FALSE)
edge_rt <- read.csv("cox_edge_cases.csv")
stopifnot(isTRUE(all.equal(edge_rt, edge, check.attributes = FALSE)))
cat("edge cases:\n"); print(edge)

## ==================================================================
## pbc_trt_bili: the issue's call, analyze(pbc, group = "trt", covariates = "bili")
## ==================================================================
cat("\n==== pbc_trt_bili ====\n")
pbc$trtf <- factor(pbc$trt)
for (ties in c("efron", "breslow"))
  two_fits("pbc_trt_bili", Surv(time, status == 2) ~ trtf + bili, pbc, c(trtf2 = "2 vs 1", bili = "bili"),
           ties = ties, pre = if (ties == "efron") "" else "breslow_")

## ==================================================================
## pbc_bili: bilirubin alone on all 418 patients (coef 0.1419)
## ==================================================================
cat("\n==== pbc_bili ====\n")
f <- two_fits("pbc_bili", Surv(time, status == 2) ~ bili, pbc, c(bili = "bili"))
add("pbc_bili", "sd", "bili", sd(pbc$bili))
## per SD: coxph on bili / sd(bili)
sdb <- sd(pbc$bili)
fs <- coxph(Surv(time, status == 2) ~ I(bili / sdb), data = pbc, control = tight)
add("pbc_bili", "hr_per_sd", "bili", summary(fs)$conf.int[, "exp(coef)"])
stopifnot(isTRUE(all.equal(unname(coef(fs)), unname(coef(f)) * sdb, tolerance = 1e-10)))

## ==================================================================
## pbc_large_scale: covariates in large units: age in days, alkaline
## phosphatase as measured (U/l, 289 to 13862), bilirubin times 1e4
## ==================================================================
cat("\n==== pbc_large_scale ====\n")
pbc$age_days <- pbc$age * 365.25
pbc$bili_1e4 <- pbc$bili * 1e4
f <- two_fits("pbc_large_scale", Surv(time, status == 2) ~ age_days + alk.phos + bili_1e4, pbc,
              c(age_days = "age_days", alk.phos = "alk.phos", bili_1e4 = "bili_1e4"))
## the same model in natural units: coefficients scale exactly, loglik is unchanged
f1 <- coxph(Surv(time, status == 2) ~ age + alk.phos + bili, data = pbc, control = tight)
stopifnot(abs(coef(f)["bili_1e4"] * 1e4 / coef(f1)["bili"] - 1) < 1e-8,
          abs(f$loglik[2] - f1$loglik[2]) < 1e-8)

## ==================================================================
## pbc_mayo: the Mayo model, age + edema + log(bili) + log(albumin) + log(protime)
## ==================================================================
cat("\n==== pbc_mayo ====\n")
pbc$log_bili <- log(pbc$bili); pbc$log_albumin <- log(pbc$albumin); pbc$log_protime <- log(pbc$protime)
two_fits("pbc_mayo", Surv(time, status == 2) ~ age + edema + log_bili + log_albumin + log_protime, pbc,
         c(age = "age", edema = "edema", log_bili = "log_bili", log_albumin = "log_albumin",
           log_protime = "log_protime"))

## ==================================================================
## pbc_bili_optimal: the optimal cut of bilirubin (maxstat, Lau94) and the
## Cox model at that cut (high vs low)
## ==================================================================
cat("\n==== pbc_bili_optimal ====\n")
case <- "pbc_bili_optimal"
mt <- maxstat.test(Surv(time, status == 2) ~ bili, data = pbc, smethod = "LogRank", pmethod = "Lau94",
                   minprop = 0.1, maxprop = 0.9)
print(mt)
add(case, "cutpoint", "", mt$estimate)
add(case, "statistic", "", mt$statistic)
add(case, "p_lau94", "", mt$p.value)
pbc$bili_group <- factor(ifelse(pbc$bili <= mt$estimate, "low", "high"), levels = c("low", "high"))
print(table(pbc$bili_group))
add(case, "n_low", "", sum(pbc$bili_group == "low"))
two_fits(case, Surv(time, status == 2) ~ bili_group, pbc, c(bili_grouphigh = "high vs low"))

## ==================================================================
## near_dummy, near_continuous: large but finite estimates
## ==================================================================
cat("\n==== near_dummy ====\n")
two_fits("near_dummy", Surv(time, status) ~ grp, near_dummy, c(grplo = "lo vs hi"))
cat("\n==== near_continuous ====\n")
f <- two_fits("near_continuous", Surv(time, status) ~ x, nc, c(x = "x"))
sdx <- sd(nc$x)
fs <- coxph(Surv(time, status) ~ I(x / sdx), data = nc, control = tight)
add("near_continuous", "coef_per_sd", "x", coef(fs))
stopifnot(isTRUE(all.equal(unname(coef(fs)), unname(coef(f)) * sdx, tolerance = 1e-10)))

## ==================================================================
## separated, lung_early: infinite estimates (coxph warns)
## ==================================================================
cat("\n==== separated ====\n")
flagged_fit("separated", Surv(time, status) ~ grp, separated)
cat("\n==== separated_x_and_group ====\n")
flagged_fit("separated_x_and_group", Surv(time, status) ~ grp + x, separated)
cat("\n==== lung_early ====\n")
lung <- read.csv("lung.csv")
stopifnot(isTRUE(all.equal(lung, survival::lung, check.attributes = FALSE)))
lung$early <- as.numeric(lung$time < 100 & lung$status == 2)
flagged_fit("lung_early", Surv(time, status == 2) ~ age + sex + early, lung)

## ------------------------------------------------------------------
out <- do.call(rbind, rows)
stopifnot(!anyNA(out$value), all(is.finite(out$value)))
stopifnot(!anyDuplicated(out[, c("case", "quantity", "term")]))
out$value <- fmt_value(out$value)
write.csv(out, "reference_cox_fitting.csv", row.names = FALSE)
cat("\nWrote reference_cox_fitting.csv:", nrow(out), "rows\n")
print(table(out$case))
cat("\nSkipped (non-finite, not written):", length(skipped), "\n")
if (length(skipped)) writeLines(paste("  ", skipped))
cat("\n"); print(sessionInfo())
