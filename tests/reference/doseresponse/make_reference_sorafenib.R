## make_reference_sorafenib.R -- independent reference values (R + drc +
## base-R nls + car::deltaMethod + stats::t.test) for the sorafenib IC50
## tests of assaystats.
##
## Run from this folder:
##   Rscript make_reference_sorafenib.R > make_reference_sorafenib.Rout 2>&1
## Reads:  ../../../data/sorafenib_ic50/sorafenib_ic50.csv
## Writes: reference_sorafenib.csv (long form: case,quantity,term,value;
##   value printed with sprintf("%.12g")).
## See README.md (section "Sorafenib IC50 reference") for the meaning of
## every case/quantity/term.

suppressPackageStartupMessages({
  library(MASS)
  library(drc)
  library(car)
})
options(width = 120, digits = 10)

cat("R:", R.version.string, "\n")
cat("drc:", as.character(packageVersion("drc")),
    " MASS:", as.character(packageVersion("MASS")),
    " car:", as.character(packageVersion("car")), "\n\n")

## Every drm() fit runs at tight convergence.  drc's default (relTol 1e-7,
## numerical gradient) stops 1e-6 to 1e-4 short of the least-squares optimum
## on these data (logged below for the replicate fits); with drc's analytic
## derivatives (useD = TRUE) and relTol 1e-14 its BFGS reaches the nls optimum
## to ~1e-10 (logged: "drc vs nls").
tight <- drmc(relTol = 1e-14, maxIt = 10000, useD = TRUE)

## ------------------------------------------------------------------
## Collector (same conventions as make_reference.R)
## ------------------------------------------------------------------
rows <- list()
add <- function(case, quantity, term, value) {
  value <- as.numeric(value)
  term  <- as.character(term)
  stopifnot(length(term) == length(value) || length(term) == 1)
  rows[[length(rows) + 1]] <<- data.frame(case = case, quantity = quantity,
                                          term = term, value = value,
                                          stringsAsFactors = FALSE)
  invisible(NULL)
}

## ------------------------------------------------------------------
## Data
## ------------------------------------------------------------------
d <- read.csv("../../../data/sorafenib_ic50/sorafenib_ic50.csv",
              stringsAsFactors = FALSE)
cat("data:", dim(d), "\n")
print(table(d$line, d$experiment))
lines <- c("Huh7-P", "Huh7-R", "Hep3B-P", "Hep3B-R")
stopifnot(setequal(unique(d$line), lines))
exps <- sort(unique(d$experiment))
n <- nrow(d)

## ==================================================================
## Case 1: sor_sep_drc -- four separate LL.4 curves, pooled variance
## ==================================================================
cat("\n==== Case 1: sor_sep_drc ====\n")
case <- "sor_sep_drc"
m <- drm(viability ~ dose_uM, curveid = line, data = d, fct = LL.4(), control = tight)
## the nls fits below start where drc's default control stops (not at the tight
## drc fit), so that nls converges on its own and "drc vs nls" compares two optimisers
cs_start <- coef(drm(viability ~ dose_uM, curveid = line, data = d, fct = LL.4()))
cat("optim counts:", m$fit$counts, "\n")
print(summary(m))
cf <- summary(m)$coefficients
add(case, "estimate", rownames(cf), cf[, 1])
add(case, "se", rownames(cf), cf[, 2])
rss_drc <- sum(residuals(m)^2)
add(case, "rss", "", rss_drc)
add(case, "df_resid", "", df.residual(m))

e <- ED(m, 50, interval = "delta", display = FALSE)
print(e)
tn <- sub("^e:(.*):50$", "\\1", rownames(e))
add(case, "ed_estimate", tn, e[, "Estimate"])
add(case, "ed_se", tn, e[, "Std. Error"])
add(case, "ed_lower", tn, e[, "Lower"])
add(case, "ed_upper", tn, e[, "Upper"])

## EDcomp sorts the curve names alphabetically (order(), curve names are
## not numeric): Hep3B-P, Hep3B-R, Huh7-P, Huh7-R, and forms pairs (i, j),
## i < j, as ED(i)/ED(j).  reverse = TRUE gives ED(j)/ED(i), i.e. R/P.
ec0 <- EDcomp(m, c(50, 50), reverse = TRUE, display = FALSE)
ecd <- EDcomp(m, c(50, 50), reverse = TRUE, interval = "delta", display = FALSE)
ecf <- EDcomp(m, c(50, 50), reverse = TRUE, interval = "fieller", display = FALSE)
print(ec0); print(ecd); print(ecf)
comps <- c("Huh7-R/Huh7-P", "Hep3B-R/Hep3B-P")
for (cp in comps) {
  rn <- paste0(cp, ":50/50")
  stopifnot(rn %in% rownames(ec0))
  add(case, "edcomp_estimate", cp, ec0[rn, "Estimate"])
  add(case, "edcomp_se", cp, ec0[rn, "Std. Error"])
  add(case, "edcomp_t", cp, ec0[rn, "t-value"])
  add(case, "edcomp_p", cp, ec0[rn, "p-value"])
  add(case, "edcomp_lower", cp, ecd[rn, "Lower"])
  add(case, "edcomp_upper", cp, ecd[rn, "Upper"])
  add(case, "edcomp_fieller_lower", cp, ecf[rn, "Lower"])
  add(case, "edcomp_fieller_upper", cp, ecf[rn, "Upper"])
}

## Hand check of EDcomp: ratio r = eR/eP, delta se, t quantile on
## df.residual(m), and Fieller (Encycl. Stat. Sci. form used by
## drc:::fieller, with tper = qt(0.975, df)^2).
V <- vcov(m)
dimnames(V) <- list(names(coef(m)), names(coef(m)))
dfr <- df.residual(m)
tq <- qt(0.975, dfr)
cat("\nHand check of EDcomp (df_resid =", dfr, ", qt =", tq, ", qnorm =", qnorm(0.975), ")\n")
for (cp in comps) {
  pr <- strsplit(cp, "/")[[1]]
  n1 <- paste0("e:", pr[1]); n2 <- paste0("e:", pr[2])
  mu <- coef(m)[c(n1, n2)]
  r <- unname(mu[1] / mu[2])
  g <- setNames(rep(0, length(coef(m))), names(coef(m)))
  g[n1] <- 1 / mu[2]; g[n2] <- -mu[1] / mu[2]^2
  se <- sqrt(drop(t(g) %*% V %*% g))
  v11 <- V[n1, n1]; v22 <- V[n2, n2]; v12 <- V[n1, n2]
  tper <- tq^2
  f0 <- prod(mu) - tper * v12
  disc <- f0^2 - (mu[1]^2 - tper * v11) * (mu[2]^2 - tper * v22)
  den <- mu[2]^2 - tper * v22
  fl <- c((f0 - sqrt(disc)) / den, (f0 + sqrt(disc)) / den)
  rn <- paste0(cp, ":50/50")
  cat(sprintf("%-16s ratio %.10g se %.10g | delta(qt) [%.10g, %.10g] delta(qnorm) [%.10g, %.10g]\n",
              cp, r, se, r - tq * se, r + tq * se, r - qnorm(.975) * se, r + qnorm(.975) * se))
  cat(sprintf("%-16s EDcomp delta     [%.10g, %.10g]\n", "", ecd[rn, "Lower"], ecd[rn, "Upper"]))
  cat(sprintf("%-16s Fieller by hand  [%.10g, %.10g]  EDcomp fieller [%.10g, %.10g]\n", "",
              fl[1], fl[2], ecf[rn, "Lower"], ecf[rn, "Upper"]))
  stopifnot(abs(ecd[rn, "Lower"] - (r - tq * se)) < 1e-8 * r,
            abs(ecf[rn, "Lower"] - fl[1]) < 1e-8 * r,
            abs(ecf[rn, "Upper"] - fl[2]) < 1e-8 * r)
  add(case, "edcomp_tquantile", cp, tq)
}

## ------------------------------------------------------------------
## nls helpers: LL.4 with le = log(e), parameters indexed by group
## ------------------------------------------------------------------
## Model: y = c + (d - c) / (1 + exp(b * (log(x) - le))); at x = 0 with
## b > 0, log(0) = -Inf and the model returns d (vehicle wells are used).
## The right-hand side returns the analytic gradient (attribute "gradient",
## columns in the order b[1..], c[1..], d[1..], le[1..]); with nls' default
## numerical derivatives the relative-offset criterion cannot get below
## about 1e-8 here, with the analytic gradient tol = 1e-10 is reached.
## At x = 0 the b- and le-derivatives are 0 (limit for b > 0).
ll4g <- function(b, c, d, le, x, gb, gc, gd, gl) {
  gb <- rep_len(gb, length(x)); gc <- rep_len(gc, length(x))
  gd <- rep_len(gd, length(x)); gl <- rep_len(gl, length(x))
  lx <- log(x)
  w  <- ifelse(x > 0, exp(b[gb] * (lx - le[gl])), 0)
  u  <- 1 / (1 + w)
  dc <- d[gd] - c[gc]
  val <- c[gc] + dc * u
  nb <- length(b); nc <- length(c); nd <- length(d); nl <- length(le)
  G <- matrix(0, length(x), nb + nc + nd + nl)
  lxw <- ifelse(x > 0, (lx - le[gl]) * w, 0)
  dfb  <- -dc * lxw * u^2
  dfc  <- w * u
  dfd  <- u
  dfle <- dc * b[gb] * w * u^2
  for (k in seq_len(nb)) G[, k] <- ifelse(gb == k, dfb, 0)
  for (k in seq_len(nc)) G[, nb + k] <- ifelse(gc == k, dfc, 0)
  for (k in seq_len(nd)) G[, nb + nc + k] <- ifelse(gd == k, dfd, 0)
  for (k in seq_len(nl)) G[, nb + nc + nd + k] <- ifelse(gl == k, dfle, 0)
  attr(val, "gradient") <- G
  val
}
ll4_le <- viability ~ ll4g(b, c, d, le, dose_uM, gb, gc, gd, gl)
ctl <- function(tol) nls.control(maxiter = 1000, tol = tol, minFactor = 1e-12)
## nls_tight: nls at tol 1e-10.  For the large-residual fits (shared-le
## reduced models, some single lines) Gauss-Newton converges only linearly
## and stalls at a relative offset of ~1e-8..1e-9, where the predicted RSS
## decrease (offset^2 * RSS) is below double-precision resolution of the
## RSS.  Then: fit at the loosest tolerance that works, polish with a few
## full Newton steps on the RSS (analytic gradient -2 J'r, Hessian by
## optimHess of that gradient), and refit nls from the polished point at
## tol 1e-10 (which then converges at once), so the returned object (and
## its J'J covariance) sits at the tight optimum.
par_list <- function(p) {
  grp <- sub("[0-9]+$", "", names(p))
  lapply(split(unname(p), factor(grp, levels = unique(grp))), identity)
}
nls_tight <- function(formula, data, start) {
  for (tol in c(1e-10, 1e-9, 1e-8, 1e-7, 1e-6)) {
    f <- tryCatch(nls(formula, data = data, start = start, control = ctl(tol)),
                  error = function(e) e)
    if (!inherits(f, "error")) {
      cat("nls converged with tol =", tol, " (achieved relative offset",
          format(f$convInfo$finTol), ")\n")
      break
    }
    cat("nls FAILED with tol =", tol, ":", conditionMessage(f), "\n")
    f <- NULL
  }
  if (is.null(f) || f$convInfo$finTol <= 1e-10) return(f)
  mm <- f$m
  rg <- function(q) { mm$setPars(q); r <- mm$resid()
                      list(rss = sum(r^2), g = -2 * drop(crossprod(mm$gradient(), r))) }
  p <- p0 <- coef(f); rss0 <- deviance(f)   # (mm$setPars below mutates f$m)
  for (it in 1:6) {
    o <- rg(p)
    H <- optimHess(p, function(q) rg(q)$rss, function(q) rg(q)$g)
    p <- p - solve(H, o$g)
  }
  cat(sprintf("  Newton polish: max |param change| %.3g, RSS %.15g -> %.15g\n",
              max(abs(p - p0)), rss0, rg(p)$rss))
  f2 <- tryCatch(nls(formula, data = data, start = par_list(p), control = ctl(1e-10)),
                 error = function(e) e)
  if (inherits(f2, "error")) {
    cat("  refit at tol 1e-10 FAILED:", conditionMessage(f2), "-- keeping the looser fit\n")
    return(f)
  }
  cat("  refit from polished point: converged with tol = 1e-10 (achieved relative offset",
      format(f2$convInfo$finTol), ")\n")
  f2
}
fit_group_nls <- function(data, le_map) {
  ## le_map: named vector line -> index of the le parameter
  idx <- match(data$line, lines)
  data$gb <- idx; data$gc <- idx; data$gd <- idx
  data$gl <- unname(le_map[data$line])
  cs <- cs_start
  st <- list(b  = unname(cs[paste0("b:", lines)]),
             c  = unname(cs[paste0("c:", lines)]),
             d  = unname(cs[paste0("d:", lines)]),
             le = as.numeric(tapply(log(cs[paste0("e:", lines)]), unname(le_map[lines]), mean)))
  nls_tight(ll4_le, data, st)
}
## parameter names b1..b4 -> "b:Huh7-P" etc.
nls_names <- function(fit, le_labels) {
  nm <- names(coef(fit))
  p <- sub("[0-9]+$", "", nm); k <- as.integer(sub("^[a-z]+", "", nm))
  ifelse(p == "le", paste0("le:", le_labels[k]), paste0(p, ":", lines[k]))
}

## ==================================================================
## Case 2: sor_sep_nls -- full 4-curve model, pooled variance
## ==================================================================
cat("\n==== Case 2: sor_sep_nls ====\n")
case <- "sor_sep_nls"
map_full <- setNames(1:4, lines)
full <- fit_group_nls(d, map_full)
## check the analytic gradient against a numerical one at the optimum
local({
  env <- new.env()
  idx <- match(d$line, lines)
  pr <- split(coef(full), sub("[0-9]+$", "", names(coef(full))))
  for (nm in names(pr)) assign(nm, unname(pr[[nm]]), envir = env)
  assign("x", d$dose_uM, envir = env); assign("g", idx, envir = env)
  nd <- numericDeriv(quote(as.numeric(ll4g(b, c, d, le, x, g, g, g, g))),
                     c("b", "c", "d", "le"), env)
  ga <- attr(ll4g(env$b, env$c, env$d, env$le, d$dose_uM, idx, idx, idx, idx), "gradient")
  cat("max |analytic - numerical gradient| =", max(abs(ga - attr(nd, "gradient"))), "\n")
})
print(summary(full))
cf <- summary(full)$coefficients
tn <- nls_names(full, lines)
add(case, "estimate", tn, cf[, 1])
add(case, "se", tn, cf[, 2])
add(case, "rss", "", deviance(full))
add(case, "df_resid", "", df.residual(full))
add(case, "rse", "", summary(full)$sigma)
le_rows <- grepl("^le:", tn)
add(case, "ed50", sub("^le:", "", tn[le_rows]), exp(cf[le_rows, 1]))
cat("RSS drc", format(rss_drc, digits = 15), " RSS nls", format(deviance(full), digits = 15), "\n")
cat("e drc vs exp(le) nls:\n")
print(cbind(drc = coef(m)[paste0("e:", lines)], nls = exp(cf[le_rows, 1])))
cat(sprintf("drc vs nls: max relative difference of b, c, d, e over the four lines: %.2g\n",
            max(abs(coef(m)[c(paste0("b:", lines), paste0("c:", lines), paste0("d:", lines))] /
                      cf[!le_rows, 1] - 1), abs(coef(m)[paste0("e:", lines)] / exp(cf[le_rows, 1]) - 1))))

## IC50 ratios R/P with the J'J covariance (nls), by established implementations:
## - ratio and its delta-method se: car::deltaMethod on the nls fit (symbolic
##   derivatives of exp(le_R - le_P), nls's vcov);
## - the linear delta and Fieller intervals: drc's EDcomp on the (tight) drc
##   fit with vcov. = the nls J'J covariance of (b, c, d, e).  That covariance
##   comes from nls itself, refitted in the e parameterisation from the
##   optimum above (the gradient columns of le are divided by e: chain rule
##   for the model's gradient; checked against numericDeriv).
## Coefficient names of `full`: b1..b4, c1..c4, d1..d4, le1..le4 in the order
## of `lines` (Huh7-P, Huh7-R, Hep3B-P, Hep3B-R).
ll4ge <- function(b, c, d, e, x, gb, gc, gd, gl) {
  v <- ll4g(b, c, d, log(e), x, gb, gc, gd, gl)
  G <- attr(v, "gradient")
  k <- ncol(G) - length(e) + seq_along(e)
  G[, k] <- sweep(G[, k, drop = FALSE], 2, e, "/")
  attr(v, "gradient") <- G
  v
}
de_ <- d; ix <- match(d$line, lines)
de_$gb <- ix; de_$gc <- ix; de_$gd <- ix; de_$gl <- ix
pf_ <- split(coef(full), sub("[0-9]+$", "", names(coef(full))))
full_e <- nls(viability ~ ll4ge(b, c, d, e, dose_uM, gb, gc, gd, gl), data = de_,
              start = list(b = unname(pf_$b), c = unname(pf_$c), d = unname(pf_$d), e = exp(unname(pf_$le))),
              control = ctl(1e-10))
cat(sprintf("nls in the e parameterisation: iterations %d, offset %.3g, RSS %.15g\n",
            full_e$convInfo$finIter, full_e$convInfo$finTol, deviance(full_e)))
local({
  env <- new.env()
  pr <- split(coef(full_e), sub("[0-9]+$", "", names(coef(full_e))))
  for (nm in names(pr)) assign(nm, unname(pr[[nm]]), envir = env)
  assign("x", d$dose_uM, envir = env); assign("g", ix, envir = env)
  nd <- numericDeriv(quote(as.numeric(ll4ge(b, c, d, e, x, g, g, g, g))), c("b", "c", "d", "e"), env)
  ga <- attr(ll4ge(env$b, env$c, env$d, env$e, d$dose_uM, ix, ix, ix, ix), "gradient")
  cat("e parameterisation: max |analytic - numerical gradient| =", max(abs(ga - attr(nd, "gradient"))), "\n")
})
Vj <- vcov(full_e)
nm_e <- names(coef(full_e))
dn_ <- paste0(sub("[0-9]+$", "", nm_e), ":", lines[as.integer(sub("^[a-z]+", "", nm_e))])
dimnames(Vj) <- list(dn_, dn_)
Vj <- Vj[names(coef(m)), names(coef(m))]
ecj  <- EDcomp(m, c(50, 50), reverse = TRUE, vcov. = function(o) Vj, display = FALSE)
ecjd <- EDcomp(m, c(50, 50), reverse = TRUE, vcov. = function(o) Vj, interval = "delta", display = FALSE)
ecjf <- EDcomp(m, c(50, 50), reverse = TRUE, vcov. = function(o) Vj, interval = "fieller", display = FALSE)
print(ecj); print(ecjd); print(ecjf)
for (cp in list(c("Huh7-R/Huh7-P", "exp(le2 - le1)"), c("Hep3B-R/Hep3B-P", "exp(le4 - le3)"))) {
  dm <- deltaMethod(full, cp[2])
  print(dm)
  rn <- paste0(cp[1], ":50/50")
  add(case, "ratio", cp[1], dm$Estimate)
  add(case, "ratio_se", cp[1], dm$SE)
  add(case, "edcomp_jtj_estimate", cp[1], ecj[rn, "Estimate"])
  add(case, "edcomp_jtj_se", cp[1], ecj[rn, "Std. Error"])
  add(case, "edcomp_jtj_lower", cp[1], ecjd[rn, "Lower"])
  add(case, "edcomp_jtj_upper", cp[1], ecjd[rn, "Upper"])
  add(case, "edcomp_jtj_fieller_lower", cp[1], ecjf[rn, "Lower"])
  add(case, "edcomp_jtj_fieller_upper", cp[1], ecjf[rn, "Upper"])
  cat(sprintf("%s: deltaMethod ratio %.12g se %.12g | EDcomp(vcov. = J'J) ratio %.12g se %.12g\n", cp[1],
              dm$Estimate, dm$SE, ecj[rn, "Estimate"], ecj[rn, "Std. Error"]))
}

## ==================================================================
## Case 3: sor_Ftest -- extra-sum-of-squares F tests (shared le)
## ==================================================================
cat("\n==== Case 3: sor_Ftest ====\n")
case <- "sor_Ftest"
rss_f <- deviance(full); df_f <- df.residual(full)
ftest <- function(term, le_map) {
  cat("\n--", term, "-- le map:", paste(names(le_map), le_map, sep = "->", collapse = ", "), "\n")
  red <- fit_group_nls(d, le_map)
  if (is.null(red)) { cat("REDUCED MODEL FAILED for", term, "\n"); return(invisible(NULL)) }
  print(summary(red)$coefficients)
  av <- anova(red, full)
  print(av)
  rss_r <- deviance(red); df_r <- df.residual(red)
  q <- df_r - df_f
  Fh <- ((rss_r - rss_f) / q) / (rss_f / df_f)
  ph <- pf(Fh, q, df_f, lower.tail = FALSE)
  cat(sprintf("by hand (check only): F = %.12g on %d and %d df, p = %.12g\n", Fh, q, df_f, ph))
  stopifnot(abs(av[2, "F value"] - Fh) < 1e-8 * Fh, abs(av[2, "Df"] - q) < 1e-12)
  ## stored: stats::anova(red, full) (anova.nls)
  add(case, "f_stat", term, av[2, "F value"])
  add(case, "df_num", term, av[2, "Df"])
  add(case, "df_den", term, av[2, "Res.Df"])
  add(case, "p_value", term, av[2, "Pr(>F)"])
  add(case, "rss_reduced", term, av[1, "Res.Sum Sq"])
  add(case, "rss_full", term, av[2, "Res.Sum Sq"])
  invisible(red)
}
ftest("Huh7-R_vs_Huh7-P", c("Huh7-P" = 1, "Huh7-R" = 1, "Hep3B-P" = 2, "Hep3B-R" = 3))
ftest("Hep3B-R_vs_Hep3B-P", c("Huh7-P" = 1, "Huh7-R" = 2, "Hep3B-P" = 3, "Hep3B-R" = 3))
ftest("global", c("Huh7-P" = 1, "Huh7-R" = 1, "Hep3B-P" = 1, "Hep3B-R" = 1))

## ==================================================================
## Case 4: sor_single_nls -- each line alone (own variance)
## ==================================================================
cat("\n==== Case 4: sor_single_nls ====\n")
case <- "sor_single_nls"
ll4_single <- viability ~ ll4g(b, c, d, le, dose_uM, 1L, 1L, 1L, 1L)
cs <- cs_start
for (L in lines) {
  cat("\n--", L, "--\n")
  dl <- d[d$line == L, ]
  st <- list(b = unname(cs[paste0("b:", L)]), c = unname(cs[paste0("c:", L)]),
             d = unname(cs[paste0("d:", L)]), le = unname(log(cs[paste0("e:", L)])))
  fl <- nls_tight(ll4_single, dl, st)
  if (is.null(fl)) next
  s <- summary(fl)
  print(s)
  cf <- s$coefficients
  add(case, "estimate", paste0(rownames(cf), ":", L), cf[, 1])
  add(case, "se", paste0(rownames(cf), ":", L), cf[, 2])
  add(case, "rss", L, deviance(fl))
  add(case, "df_resid", L, df.residual(fl))
  add(case, "aic", L, AIC(fl))
  add(case, "ed50", L, exp(cf["le", 1]))
  ## profile CI for le (MASS:::confint.profile.nls); sub-fits at tol 1e-6
  flp <- fl
  flp$call$control <- nls.control(maxiter = 1000, tol = 1e-6, minFactor = 1e-12)
  ci <- tryCatch(confint(flp, "le"), error = function(e) e)
  if (inherits(ci, "error")) {
    cat("PROFILE FAILED for le:", L, ":", conditionMessage(ci), "\n")
  } else {
    print(ci)
    if (is.finite(ci[1])) add(case, "profile_lower", paste0("le:", L), ci[1])
    else cat("NOTE: no profile lower limit for", L, "\n")
    if (is.finite(ci[2])) add(case, "profile_upper", paste0("le:", L), ci[2])
    else cat("NOTE: no profile upper limit for", L, "\n")
  }
}

## ==================================================================
## Case 5: sor_replicate -- per line x experiment fits, t tests on log10 IC50
## ==================================================================
cat("\n==== Case 5: sor_replicate ====\n")
case <- "sor_replicate"
li <- matrix(NA_real_, length(lines), length(exps), dimnames = list(lines, exps))
for (L in lines) for (E in exps) {
  de <- d[d$line == L & d$experiment == E, ]
  mr <- tryCatch(drm(viability ~ dose_uM, data = de, fct = LL.4(), control = tight), error = function(e) e)
  if (inherits(mr, "error")) { cat("drm FAILED for", L, E, ":", conditionMessage(mr), "\n"); next }
  cr <- coef(mr)
  ## for the log only: where drc's default control stops, and nls_tight from the drc estimates
  m_def <- drm(viability ~ dose_uM, data = de, fct = LL.4())
  de$gb <- 1L; de$gc <- 1L; de$gd <- 1L; de$gl <- 1L
  cat(sprintf("%-8s %s  b %.6g c %.6g d %.6g e %.10g  rss %.12g  optim counts %s\n", L, E,
              cr[1], cr[2], cr[3], cr[4], sum(residuals(mr)^2), paste(mr$fit$counts, collapse = ",")))
  fr <- nls_tight(ll4_le, de, list(b = cr[[1]], c = cr[[2]], d = cr[[3]], le = log(cr[[4]])))
  cat(sprintf("         log10 e: tight drc %.12f | nls_tight %.12f (diff %.2g) | default drc %.12f (diff %.2g)\n",
              log10(cr[[4]]), coef(fr)[["le"]] / log(10), log10(cr[[4]]) - coef(fr)[["le"]] / log(10),
              log10(coef(m_def)[[4]]), log10(coef(m_def)[[4]]) - log10(cr[[4]])))
  li[L, E] <- log10(cr["e:(Intercept)"])
  add(case, "log10_ic50", paste0(L, ":", E), li[L, E])
}
print(li)
tt_store <- function(term, x, y) {
  tp <- t.test(x, y, paired = TRUE)
  tw <- t.test(x, y, paired = FALSE, var.equal = FALSE)
  print(tp); print(tw)
  for (pre in c("", "welch_")) {
    tr <- if (pre == "") tp else tw
    add(case, paste0(pre, "statistic"), term, tr$statistic)
    add(case, paste0(pre, "df"), term, tr$parameter)
    add(case, paste0(pre, "p_value"), term, tr$p.value)
    est <- if (pre == "") tr$estimate else unname(tr$estimate[1] - tr$estimate[2])
    add(case, paste0(pre, "estimate"), term, est)
    add(case, paste0(pre, "conf_lower"), term, tr$conf.int[1])
    add(case, paste0(pre, "conf_upper"), term, tr$conf.int[2])
    add(case, paste0(pre, "ratio"), term, 10^est)
    add(case, paste0(pre, "ratio_lower"), term, 10^tr$conf.int[1])
    add(case, paste0(pre, "ratio_upper"), term, 10^tr$conf.int[2])
  }
  c(paired = tp$p.value, welch = tw$p.value)
}
p_huh7  <- tt_store("Huh7-R_vs_Huh7-P", li["Huh7-R", exps], li["Huh7-P", exps])
p_hep3b <- tt_store("Hep3B-R_vs_Hep3B-P", li["Hep3B-R", exps], li["Hep3B-P", exps])
ph <- p.adjust(c(p_huh7["paired"], p_hep3b["paired"]), "holm")
pw <- p.adjust(c(p_huh7["welch"], p_hep3b["welch"]), "holm")
cat("Holm (paired):", ph, "  Holm (welch):", pw, "\n")
add(case, "p_holm", c("Huh7-R_vs_Huh7-P", "Hep3B-R_vs_Hep3B-P"), ph)
add(case, "welch_p_holm", c("Huh7-R_vs_Huh7-P", "Hep3B-R_vs_Hep3B-P"), pw)

## ==================================================================
## Case 6: sor_normalized -- % of per line x experiment vehicle mean
## ==================================================================
cat("\n==== Case 6: sor_normalized ====\n")
case <- "sor_normalized"
veh <- aggregate(viability ~ line + experiment, data = d[d$dose_uM == 0, ], FUN = mean)
names(veh)[3] <- "veh_mean"
print(veh)
for (i in seq_len(nrow(veh)))
  add(case, "vehicle_mean", paste0(veh$line[i], ":", veh$experiment[i]), veh$veh_mean[i])
dn <- merge(d, veh, by = c("line", "experiment"), sort = FALSE)
dn$viability_norm <- 100 * dn$viability / dn$veh_mean
mn <- drm(viability_norm ~ dose_uM, curveid = line, data = dn, fct = LL.4(), control = tight)
cat("optim counts:", mn$fit$counts, "\n")
print(summary(mn))
cf <- summary(mn)$coefficients
add(case, "estimate", rownames(cf), cf[, 1])
add(case, "se", rownames(cf), cf[, 2])
add(case, "rss", "", sum(residuals(mn)^2))
add(case, "df_resid", "", df.residual(mn))
en <- ED(mn, 50, interval = "delta", display = FALSE)
print(en)
tn <- sub("^e:(.*):50$", "\\1", rownames(en))
add(case, "ed_estimate", tn, en[, "Estimate"])
add(case, "ed_se", tn, en[, "Std. Error"])
add(case, "ed_lower", tn, en[, "Lower"])
add(case, "ed_upper", tn, en[, "Upper"])
ea <- suppressWarnings(ED(mn, 50, type = "absolute", interval = "delta", display = FALSE))
print(ea)
tn <- sub("^e:(.*):50$", "\\1", rownames(ea))
for (i in seq_len(nrow(ea))) {
  if (all(is.finite(ea[i, ]))) {
    add(case, "edabs_estimate", tn[i], ea[i, "Estimate"])
    add(case, "edabs_se", tn[i], ea[i, "Std. Error"])
    add(case, "edabs_lower", tn[i], ea[i, "Lower"])
    add(case, "edabs_upper", tn[i], ea[i, "Upper"])
  } else cat("NOTE: absolute ED50 not finite for", tn[i], "(50 outside (c, d)?)\n")
}
## check: fitted response at the absolute ED50 is 50
for (L in tn) {
  p <- coef(mn)[paste0(c("b:", "c:", "d:", "e:"), L)]
  x <- ea[paste0("e:", L, ":50"), "Estimate"]
  if (is.finite(x))
    cat(sprintf("%-8s f(edabs) = %.10g\n", L, p[2] + (p[3] - p[2]) / (1 + exp(p[1] * (log(x) - log(p[4]))))))
}

## ------------------------------------------------------------------
## Write
## ------------------------------------------------------------------
out <- do.call(rbind, rows)
if (any(!is.finite(out$value))) {
  cat("NON-FINITE rows dropped:\n"); print(out[!is.finite(out$value), ])
  out <- out[is.finite(out$value), ]
}
out$value <- sprintf("%.12g", out$value)
write.csv(out, "reference_sorafenib.csv", row.names = FALSE, quote = TRUE)
cat("\nWrote", nrow(out), "rows to reference_sorafenib.csv\n")
print(sessionInfo())
