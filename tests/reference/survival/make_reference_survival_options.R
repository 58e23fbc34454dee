## make_reference_survival_options.R -- independent reference values (R) for
## the options of assaystats.survival.analyze added by issue 10: one overall
## Kaplan-Meier curve (no group), a non-default confidence level (0.90), Cox
## models with missing covariate values (na.action = na.omit) and a Cox model
## on covariates alone.
##
## Run from this folder:
##   Rscript make_reference_survival_options.R > make_reference_survival_options.Rout 2>&1
## Reads lung.csv (survival::lung written by make_reference_survival.R; NAs
## are the text NA) and checks it equals survival::lung.
## Writes reference_survival_options.csv (long form case,quantity,term,value;
## value printed with sprintf("%.17g"), which round-trips doubles; term always
## a string, "" for scalars, numbers in it %.12g).
## Packages: survival (Debian r-cran-survival). See README.md for the cases.
## Cox models are fitted to the maximum itself (coxph.control(eps = 1e-12)),
## not to R's default stop (a relative log-likelihood change of 1e-9).

suppressPackageStartupMessages(library(survival))
options(width = 120, digits = 10)
cat("R:", R.version.string, "\n")
cat("survival", as.character(packageVersion("survival")), "\n\n")

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
fmt <- function(x) sprintf("%.12g", x)  # numbers in terms and in printed text
fmt_value <- function(x) sprintf("%.17g", x)  # values written to the CSV
tight <- coxph.control(eps = 1e-12, toler.chol = 1e-15, iter.max = 100)

lung <- read.csv("lung.csv")
stopifnot(isTRUE(all.equal(lung, survival::lung, check.attributes = FALSE)))
cat("lung:", nrow(lung), "rows; NA per column:\n"); print(colSums(is.na(lung)))

## ------------------------------------------------------------------
## Kaplan-Meier helpers
## ------------------------------------------------------------------
ctypes <- c(log = "log", loglog = "log-log", plain = "plain")
pre_of <- function(ct) if (ct == "log") "" else paste0(ct, "_")
## per-time rows of one (single-stratum) fit
km_rows <- function(case, pre, fit, label, full = TRUE) {
  term <- paste0(label, "|time=", fmt(fit$time))
  if (full) {
    add(case, "n_risk",   term, fit$n.risk)
    add(case, "n_event",  term, fit$n.event)
    add(case, "n_censor", term, fit$n.censor)
    add(case, "surv",     term, fit$surv)
    add(case, "std_err",  term, fit$std.err)
  }
  add(case, paste0(pre, "lower"), term, fit$lower)
  add(case, paste0(pre, "upper"), term, fit$upper)
}
km_median <- function(case, pre, fit, label) {
  tb <- summary(fit)$table
  lcl <- grep("LCL$", names(tb), value = TRUE); ucl <- grep("UCL$", names(tb), value = TRUE)
  add(case, paste0(pre, "median"),       label, tb["median"])
  add(case, paste0(pre, "median_lower"), label, tb[lcl])
  add(case, paste0(pre, "median_upper"), label, tb[ucl])
  cat(sprintf("  %-8s %-7s median %s (%s: %s to %s)\n", label, pre, fmt(tb["median"]), lcl, fmt(tb[lcl]),
              fmt(tb[ucl])))
}

## ==================================================================
## Case 1: km_overall -- survfit(Surv(time, status == 2) ~ 1, data = lung)
## ==================================================================
cat("\n==== km_overall ====\n")
case <- "km_overall"
for (nm in names(ctypes)) {
  fit <- survfit(Surv(time, status == 2) ~ 1, data = lung, conf.type = ctypes[[nm]])
  pre <- pre_of(nm)
  km_rows(case, pre, fit, "all", full = nm == "log")
  km_median(case, pre, fit, "all")
  s <- summary(fit, times = c(180, 365))
  add(case, paste0(pre, "lower"), paste0("all|t=", s$time), s$lower)
  add(case, paste0(pre, "upper"), paste0("all|t=", s$time), s$upper)
  if (nm == "log") {
    print(fit, rmean = 730)
    add(case, "records", "all", fit$n)
    add(case, "events", "all", sum(fit$n.event))
    add(case, "surv", paste0("all|t=", s$time), s$surv)
    ## restricted mean: up to 730 days, and with R's default horizon for one curve (the largest time)
    add(case, "rmean",    "730", summary(fit, rmean = 730)$table["rmean"])
    add(case, "se_rmean", "730", summary(fit, rmean = 730)$table["se(rmean)"])
    tb <- summary(fit, rmean = "common")$table
    add(case, "rmean",    "max", tb["rmean"])
    add(case, "se_rmean", "max", tb["se(rmean)"])
    add(case, "rmean_tau", "max", max(lung$time))
    ## number at risk (time >= t) at 0, 200, ..., 1000, and cumulative events and censorings up to t
    grid <- seq(0, 1000, 200)
    sg <- summary(fit, times = grid, extend = TRUE)
    add(case, "risk_n_risk", fmt(grid), sg$n.risk)
    add(case, "risk_events", fmt(grid), cumsum(sg$n.event))
    add(case, "risk_censored", fmt(grid), cumsum(sg$n.censor))
    stopifnot(all(sg$n.risk == sapply(grid, function(u) sum(lung$time >= u))))
  }
}

## ==================================================================
## Case 2: level90 -- conf.int = 0.90 for the Kaplan-Meier intervals, the
## median interval and the Cox hazard-ratio intervals
## ==================================================================
cat("\n==== level90 ====\n")
case <- "level90"
for (nm in names(ctypes)) {
  pre <- pre_of(nm)
  fit <- survfit(Surv(time, status == 2) ~ 1, data = lung, conf.type = ctypes[[nm]], conf.int = 0.90)
  km_rows(case, pre, fit, "all", full = FALSE)
  km_median(case, pre, fit, "all")
  s <- summary(fit, times = c(180, 365))
  add(case, paste0(pre, "lower"), paste0("all|t=", s$time), s$lower)
  add(case, paste0(pre, "upper"), paste0("all|t=", s$time), s$upper)
  fs <- survfit(Surv(time, status == 2) ~ sex, data = lung, conf.type = ctypes[[nm]], conf.int = 0.90)
  for (k in 1:2) {
    f1 <- fs[k]
    km_rows(case, pre, f1, as.character(k), full = FALSE)
    km_median(case, pre, f1, as.character(k))
  }
}
c90 <- coxph(Surv(time, status == 2) ~ sex + age, data = lung, control = tight)
s90 <- summary(c90, conf.int = 0.90)
print(s90)
ci <- s90$conf.int
print(colnames(ci))
stopifnot(identical(colnames(ci)[3:4], c("lower .90", "upper .90")))
add(case, "hr",       rownames(ci), ci[, "exp(coef)"])
add(case, "hr_lower", rownames(ci), ci[, "lower .90"])
add(case, "hr_upper", rownames(ci), ci[, "upper .90"])
stopifnot(isTRUE(all.equal(unname(ci[, "lower .90"]),
                           unname(exp(coef(c90) - qnorm(0.95) * sqrt(diag(vcov(c90))))))))
## continuous age (expression-style companion), per SD at 90%
ca <- coxph(Surv(time, status == 2) ~ age, data = lung, control = tight)
sdage <- sd(lung$age)
add(case, "hr_lower", "age_alone", summary(ca, conf.int = 0.90)$conf.int[, "lower .90"])
## per SD: coxph on age / sd(age), its summary's 90% limits
cas <- coxph(Surv(time, status == 2) ~ I(age / sdage), data = lung, control = tight)
cis <- summary(cas, conf.int = 0.90)$conf.int
add(case, "hr_per_sd_lower", "age_alone", cis[, "lower .90"])
add(case, "hr_per_sd_upper", "age_alone", cis[, "upper .90"])
stopifnot(isTRUE(all.equal(unname(coef(cas)), coef(ca)[["age"]] * sdage, tolerance = 1e-10)))

## ==================================================================
## Case 3: cox_missing -- coxph with covariates that have missing values,
## na.action = na.omit (R's default): wt.loss has 14 NA, ph.karno 1 NA
## ==================================================================
cat("\n==== cox_missing ====\n")
case <- "cox_missing"
cox_terms <- function(case, pre, fit) {
  s <- summary(fit)
  cf <- s$coefficients; ci <- s$conf.int; tn <- rownames(cf)
  add(case, paste0(pre, "coef"),     tn, cf[, "coef"])
  add(case, paste0(pre, "se"),       tn, cf[, "se(coef)"])
  add(case, paste0(pre, "hr"),       tn, cf[, "exp(coef)"])
  add(case, paste0(pre, "hr_lower"), tn, ci[, "lower .95"])
  add(case, paste0(pre, "hr_upper"), tn, ci[, "upper .95"])
  add(case, paste0(pre, "z"),        tn, cf[, "z"])
  add(case, paste0(pre, "p"),        tn, cf[, "Pr(>|z|)"])
  add(case, paste0(pre, "n"),        "", fit$n)
  add(case, paste0(pre, "nevent"),   "", fit$nevent)
  add(case, paste0(pre, "lr_test_stat"),    "", s$logtest["test"])
  add(case, paste0(pre, "wald_test_stat"),  "", fit$wald.test)  # unrounded (summary rounds it)
  add(case, paste0(pre, "score_test_stat"), "", s$sctest["test"])
  add(case, paste0(pre, "concordance"),     "", s$concordance["C"])
  z <- cox.zph(fit)
  print(z)
  add(case, paste0(pre, "zph_chisq"), rownames(z$table), z$table[, "chisq"])
  add(case, paste0(pre, "zph_p"),     rownames(z$table), z$table[, "p"])
  om <- as.integer(fit$na.action)
  add(case, paste0(pre, "omitted_row"), as.character(seq_along(om)), om)
  cat("omitted rows (1-based):", om, "\n")
}
cm <- coxph(Surv(time, status == 2) ~ sex + age + wt.loss + ph.karno, data = lung, na.action = na.omit,
            control = tight)
print(summary(cm))
cox_terms(case, "", cm)
## the same fit on the complete cases: na.omit is just that
cc <- lung[complete.cases(lung[, c("time", "status", "sex", "age", "wt.loss", "ph.karno")]), ]
stopifnot(isTRUE(all.equal(coef(cm), coef(coxph(Surv(time, status == 2) ~ sex + age + wt.loss + ph.karno,
                                                  data = cc, control = tight)))))
## Kaplan-Meier by sex on the same complete cases (the analysed rows)
fcc <- survfit(Surv(time, status == 2) ~ sex, data = cc)
for (k in 1:2) km_median(case, "", fcc[k], as.character(k))
add(case, "records", c("1", "2"), summary(fcc)$table[, "records"])
sdc <- survdiff(Surv(time, status == 2) ~ sex, data = cc)
add(case, "logrank_chisq", "", sdc$chisq)

## ==================================================================
## Case 4: cox_covariates_only -- no grouping: coxph(~ age + ph.ecog), ph.ecog
## numeric with 1 NA (na.omit)
## ==================================================================
cat("\n==== cox_covariates_only ====\n")
case <- "cox_covariates_only"
co <- coxph(Surv(time, status == 2) ~ age + ph.ecog, data = lung, control = tight)
print(summary(co))
cox_terms(case, "", co)
fo <- survfit(Surv(time, status == 2) ~ 1, data = lung[!is.na(lung$ph.ecog), ])
km_median(case, "", fo, "all")

## ------------------------------------------------------------------
out <- do.call(rbind, rows)
stopifnot(!anyNA(out$value), all(is.finite(out$value)))
stopifnot(!anyDuplicated(out[, c("case", "quantity", "term")]))
out$value <- fmt_value(out$value)
write.csv(out, "reference_survival_options.csv", row.names = FALSE)
cat("\nWrote reference_survival_options.csv:", nrow(out), "rows\n")
print(table(out$case))
cat("\nSkipped (non-finite, not written):", length(skipped), "\n")
if (length(skipped)) writeLines(paste("  ", skipped))
cat("\n"); print(sessionInfo())
