## make_reference.R -- independent reference values (R + drc + base-R nls +
## car::deltaMethod + stats::integrate) for the dose-response tests of assaystats.
##
## Run from this folder:
##   Rscript make_reference.R > make_reference.Rout 2>&1
## Writes: ryegrass.csv, S.alba.csv, reference_values.csv (long form:
##   case,quantity,term,value; value printed with sprintf("%.12g")).
## See README.md for what every case/quantity/term means.

suppressPackageStartupMessages({
  library(MASS)
  library(drc)
  library(car)
  library(numDeriv)
})
options(width = 120, digits = 10)

cat("R:", R.version.string, "\n")
cat("drc:", as.character(packageVersion("drc")),
    " drcData:", as.character(packageVersion("drcData")),
    " MASS:", as.character(packageVersion("MASS")),
    " car:", as.character(packageVersion("car")),
    " numDeriv:", as.character(packageVersion("numDeriv")), "\n\n")

## drm() at tight convergence.  drc's default control (relTol 1e-7, BFGS on a
## finite-difference gradient) stops up to 8e-4 short of the least-squares
## optimum on ryegrass (LL.5) and 2e-3 on S.alba.  With drc's analytic
## derivatives (useD = TRUE) and relTol 1e-14 it reaches the nls optimum to
## ~1e-8 (logged "drc vs nls" per model).  drc 3.2-0's useD fails for models
## with shared parameters (pmodels with ~1 terms: "gradient in optim evaluated
## to length 8 not 7"), so those run at relTol 1e-14 with the numerical
## gradient (`tight_num`), which gets to ~6e-7 of the nls optimum (logged).
tight <- drmc(relTol = 1e-14, maxIt = 10000, useD = TRUE)
tight_num <- drmc(relTol = 1e-14, maxIt = 10000)
## relative gap between drc coefficients and nls ones (matched by name)
drc_vs_nls <- function(label, drc_cf, nls_cf) {
  cat(sprintf("drc vs nls (%s): max relative difference of the coefficients %.2g\n", label,
              max(abs(drc_cf[names(nls_cf)] / nls_cf - 1))))
}

## ------------------------------------------------------------------
## Collector
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
add_vcov <- function(case, V, quantity = "vcov") {
  nm <- colnames(V)
  for (i in seq_along(nm)) for (j in seq_along(nm))
    add(case, quantity, paste0(nm[i], ":", nm[j]), V[i, j])
}
## drc names parameters "b:(Intercept)" for a single curve; strip that suffix
short <- function(x) sub(":\\(Intercept\\)$", "", x)

## ------------------------------------------------------------------
## Data
## ------------------------------------------------------------------
data(ryegrass, package = "drcData")
data(S.alba, package = "drcData")
write.csv(ryegrass, "ryegrass.csv", row.names = FALSE)
write.csv(S.alba, "S.alba.csv", row.names = FALSE)
cat("ryegrass:", dim(ryegrass), " S.alba:", dim(S.alba), "\n")
print(levels(S.alba$Herbicide))
n_rg <- nrow(ryegrass)

## ------------------------------------------------------------------
## drc helpers
## ------------------------------------------------------------------
drc_basic <- function(case, m) {
  s <- summary(m)
  cf <- s$coefficients
  tn <- short(rownames(cf))
  add(case, "estimate", tn, cf[, 1])
  add(case, "se", tn, cf[, 2])
  rss <- sum(residuals(m)^2)
  dfr <- df.residual(m)
  add(case, "rss", "", rss)
  add(case, "df_resid", "", dfr)
  add(case, "rse", "", sqrt(rss / dfr))
  ll <- logLik(m)
  add(case, "loglik", "", as.numeric(ll))
  add(case, "aic", "", AIC(m))
  add(case, "bic", "", BIC(m))
  V <- vcov(m)
  dimnames(V) <- list(short(rownames(V)), short(colnames(V)))
  add_vcov(case, V)
  invisible(s)
}
drc_ed <- function(case, m, lev = c(10, 50, 90), prefix = "ed", ...) {
  e <- ED(m, lev, interval = "delta", display = FALSE, ...)
  print(e)
  tn <- sub("^e:(1:)?", "", rownames(e))   # "e:1:50" -> "50"; "e:Bentazone:50" -> "Bentazone:50"
  add(case, paste0(prefix, "_estimate"), tn, e[, "Estimate"])
  add(case, paste0(prefix, "_se"), tn, e[, "Std. Error"])
  add(case, paste0(prefix, "_lower"), tn, e[, "Lower"])
  add(case, paste0(prefix, "_upper"), tn, e[, "Upper"])
  invisible(e)
}

## Area under the fitted curve over log10 dose, from the lowest to the highest
## positive tested dose (assaystats' `auc`): stats::integrate() of drc's own
## predict() of the fitted curve, at rel.tol 1e-12 (its error estimate is logged).
drc_auc <- function(case, m, x, dose = "conc") {
  lo <- min(x[x > 0]); hi <- max(x)
  f <- function(t) { nd <- data.frame(10^t); names(nd) <- dose; unname(predict(m, newdata = nd)) }
  I <- integrate(f, log10(lo), log10(hi), rel.tol = 1e-12, abs.tol = 0, subdivisions = 1000L)
  cat(sprintf("AUC over log10 dose [%g, %g]: %.15g (integrate's error estimate %.2g, %d subintervals)\n",
              lo, hi, I$value, I$abs.error, I$subdivisions))
  add(case, "auc_log10", "", I$value)
  invisible(I$value)
}

## Observed-information se with an accurate Hessian: 2 s^2 H^-1, H the Hessian
## of the RSS at the (tight) drc optimum by numDeriv::hessian (Richardson
## extrapolation), the RSS evaluated with drc's own model function m$fct$fct.
## drc's vcov uses optim(hessian = TRUE): finite differences with step
## 1e-3 x |start value| (parscale), whose error is logged here (about 5e-7
## relative for LL.4/LL.3/W1.4/W2.4 and 1e-3 for LL.5).
drc_se_numderiv <- function(case, m, x, y) {
  p <- coef(m)
  rss <- function(q) sum((y - m$fct$fct(x, matrix(q, nrow = 1)))^2)
  stopifnot(abs(rss(p) / sum(residuals(m)^2) - 1) < 1e-13)
  H <- numDeriv::hessian(rss, p)
  s2 <- sum(residuals(m)^2) / df.residual(m)
  se <- sqrt(diag(2 * s2 * solve(H)))
  se_drc <- sqrt(diag(vcov(m)))
  cat(sprintf("se: drc (optim's finite-difference Hessian) vs numDeriv::hessian: max relative difference %.2g\n",
              max(abs(se_drc / se - 1))))
  add(case, "se_numderiv", short(names(p)), se)
  invisible(se)
}

## ------------------------------------------------------------------
## nls helpers
## ------------------------------------------------------------------
## profile-likelihood CI (MASS:::confint.profile.nls in R 4.2: t-based cutoff
## qt(0.975, n - p) on the signed root of the RSS increase / s^2, spline-
## interpolated).  The profiled sub-fits reuse fit$call$control, so give
## them an ordinary tolerance (1e-6) -- the 1e-9 used for the main fit is
## often unattainable inside the profiler.
profile_ci <- function(fit, parm) {
  fit$call$control <- nls.control(maxiter = 1000, tol = 1e-6, minFactor = 1e-12)
  if (missing(parm)) confint(fit) else confint(fit, parm)
}
nls_basic <- function(case, fit, profile = TRUE) {
  s <- summary(fit)
  cf <- s$coefficients
  tn <- rownames(cf)
  add(case, "estimate", tn, cf[, 1])
  add(case, "se", tn, cf[, 2])
  rss <- deviance(fit)
  dfr <- df.residual(fit)
  add(case, "rss", "", rss)
  add(case, "df_resid", "", dfr)
  add(case, "rse", "", s$sigma)
  add(case, "loglik", "", as.numeric(logLik(fit)))
  add(case, "aic", "", AIC(fit))
  add(case, "bic", "", BIC(fit))
  add_vcov(case, vcov(fit))
  tq <- qt(0.975, dfr)
  add(case, "wald_lower", tn, cf[, 1] - tq * cf[, 2])
  add(case, "wald_upper", tn, cf[, 1] + tq * cf[, 2])
  if (profile) {
    ci <- tryCatch(profile_ci(fit), error = function(e) e)
    if (inherits(ci, "error")) {
      cat("PROFILE FAILED (all parameters jointly) for", case, ":", conditionMessage(ci), "\n")
      cat("  trying each parameter separately\n")
      ci <- matrix(NA_real_, length(tn), 2, dimnames = list(tn, NULL))
      for (p in tn) {
        r <- tryCatch(profile_ci(fit, p), error = function(e) e)
        if (inherits(r, "error")) cat("  profile FAILED for", p, ":", conditionMessage(r), "\n")
        else ci[p, ] <- r
      }
    }
    {
      ci <- matrix(ci, ncol = 2, dimnames = list(tn, NULL))
      print(ci)
      ok <- is.finite(ci[, 1]); if (any(ok)) add(case, "profile_lower", tn[ok], ci[ok, 1])
      ok <- is.finite(ci[, 2]); if (any(ok)) add(case, "profile_upper", tn[ok], ci[ok, 2])
      if (any(!is.finite(ci))) cat("NOTE: some profile limits not found (NA) for", case, "\n")
    }
  }
  invisible(s)
}
## nls with a tight convergence tolerance; relax step by step if the
## relative-offset criterion cannot be met (numerical-derivative noise).
try_nls <- function(formula, data, start, ...) {
  for (tol in c(1e-9, 1e-8, 1e-7, 1e-6, 1e-5)) {
    f <- tryCatch(nls(formula, data = data, start = start,
                      control = nls.control(maxiter = 1000, tol = tol, minFactor = 1e-12), ...),
                  error = function(e) e)
    if (!inherits(f, "error")) {
      cat("nls converged with tol =", tol, " (achieved relative offset",
          format(f$convInfo$finTol), ")\n")
      return(f)
    }
    cat("nls FAILED with tol =", tol, ":", conditionMessage(f), "\n")
  }
  NULL
}

## ==================================================================
## Case 1: ryegrass_LL4_drc
## ==================================================================
cat("\n==== Case 1: ryegrass_LL4_drc ====\n")
case <- "ryegrass_LL4_drc"
m <- drm(rootl ~ conc, data = ryegrass, fct = LL.4(), control = tight)
print(summary(m))
drc_basic(case, m)
drc_ed(case, m, c(10, 50, 90), "ed")
drc_auc(case, m, ryegrass$conc)
drc_se_numderiv(case, m, ryegrass$conc, ryegrass$rootl)

## type = "absolute": respLev is a RESPONSE value (in rootl units), not a
## percentage.  10/50/90 lie outside (c, d) = (0.48, 7.79) -> NaN (shown,
## not stored).  Store absolute EDs at response levels 2, 4, 6 instead.
cat("ED type='absolute' at 10/50/90 (outside response range, NaN expected):\n")
print(suppressWarnings(ED(m, c(10, 50, 90), interval = "delta", type = "absolute", display = FALSE)))
drc_ed(case, m, c(2, 4, 6), "edabs", type = "absolute")
## absolute level equal to the mid response (c+d)/2 reproduces e (check)
cf4 <- coef(m)
mid <- unname((cf4[2] + cf4[3]) / 2)
e_mid <- ED(m, mid, interval = "delta", type = "absolute", display = FALSE)
print(e_mid)
add(case, "edabs_midresponse_level", "", mid)
add(case, "edabs_midresponse_estimate", "", e_mid[1, "Estimate"])
add(case, "edabs_midresponse_se", "", e_mid[1, "Std. Error"])

## lack of fit
lof <- modelFit(m)
print(lof)
add(case, "lof_f", "", lof[2, "F value"])
add(case, "lof_df_num", "", lof[2, "Df"])
add(case, "lof_df_den", "", lof[1, "ModelDf"])
add(case, "lof_p", "", lof[2, "p value"])
add(case, "lof_rss_anova", "", lof[1, "RSS"])

## interval = "fls": "from log scale" -- only meaningful for the LL2.* family
## whose parameter is log(e).  Applied to the LL.4 fit it just returns
## exp(e) and exp(e -/+ t*se(e)), which is meaningless (shown, not stored).
cat("ED(LL.4 fit, 50, interval='fls') -- meaningless for LL.4 (exp of e):\n")
print(ED(m, 50, interval = "fls", display = FALSE))
m_ll24 <- drm(rootl ~ conc, data = ryegrass, fct = LL2.4(), control = tight)
print(summary(m_ll24))
efls <- ED(m_ll24, c(10, 50, 90), interval = "fls", display = FALSE)
print(efls)
tn <- sub("^e:(1:)?", "", rownames(efls))
add(case, "edfls_estimate", tn, efls[, "Estimate"])
add(case, "edfls_lower", tn, efls[, "Lower"])
add(case, "edfls_upper", tn, efls[, "Upper"])
cs <- summary(m_ll24)$coefficients
add(case, "ll24_le_estimate", "", cs["e:(Intercept)", 1])
add(case, "ll24_le_se", "", cs["e:(Intercept)", 2])

## ==================================================================
## Case 2: ryegrass_LL4_nls
## ==================================================================
cat("\n==== Case 2: ryegrass_LL4_nls ====\n")
case <- "ryegrass_LL4_nls"
## nls starts where drc's default control stops (not at the tight drc fit), so
## that nls converges on its own and "drc vs nls" compares two optimisers
st <- as.list(setNames(coef(drm(rootl ~ conc, data = ryegrass, fct = LL.4())), c("b", "c", "d", "e")))
f_ll4 <- rootl ~ c + (d - c) / (1 + exp(b * (log(conc) - log(e))))
fit4 <- try_nls(f_ll4, data = ryegrass, start = st)
print(summary(fit4))
nls_basic(case, fit4)
drc_vs_nls("ryegrass LL.4", setNames(coef(m), c("b", "c", "d", "e")), coef(fit4))
## observed-information (Hessian of RSS) covariance, for comparison with drc
rssfun <- function(p) {
  b <- p[1]; c <- p[2]; d <- p[3]; e <- p[4]
  x <- ryegrass$conc
  sum((ryegrass$rootl - (c + (d - c) / (1 + exp(b * (log(x) - log(e))))))^2)
}
H <- optimHess(coef(fit4), rssfun)
s2 <- deviance(fit4) / df.residual(fit4)
Vh <- 2 * s2 * solve(H)
dimnames(Vh) <- list(names(coef(fit4)), names(coef(fit4)))
add(case, "se_hessian", names(coef(fit4)), sqrt(diag(Vh)))
add_vcov(case, Vh, "vcov_hessian")
cat("SE J'J (nls):     ", sqrt(diag(vcov(fit4))), "\n")
cat("SE Hessian (RSS): ", sqrt(diag(Vh)), "\n")
cat("SE drc summary:   ", summary(m)$coefficients[, 2], "\n")

## log-e parameterisation
f_ll4le <- rootl ~ c + (d - c) / (1 + exp(b * (log(conc) - le)))
st_le <- list(b = st$b, c = st$c, d = st$d, le = log(st$e))
fit4le <- try_nls(f_ll4le, data = ryegrass, start = st_le)
print(summary(fit4le))
s <- summary(fit4le)$coefficients
add(case, "estimate", "le", s["le", 1])
add(case, "se", "le", s["le", 2])
tq <- qt(0.975, df.residual(fit4le))
add(case, "wald_lower", "le", s["le", 1] - tq * s["le", 2])
add(case, "wald_upper", "le", s["le", 1] + tq * s["le", 2])
ci_le <- profile_ci(fit4le, "le")
print(ci_le)
add(case, "profile_lower", "le", ci_le[1])
add(case, "profile_upper", "le", ci_le[2])

## ==================================================================
## Case 3: other models, drc and nls
## ==================================================================
x_expr <- "(log(conc) - log(e))"
models <- list(
  ryegrass_LL3   = list(fct = LL.3(), names = c("b", "d", "e"),
                        formula = rootl ~ d / (1 + exp(b * (log(conc) - log(e))))),
  ryegrass_W1_4  = list(fct = W1.4(), names = c("b", "c", "d", "e"),
                        formula = rootl ~ c + (d - c) * exp(-exp(b * (log(conc) - log(e))))),
  ryegrass_W2_4  = list(fct = W2.4(), names = c("b", "c", "d", "e"),
                        formula = rootl ~ c + (d - c) * (1 - exp(-exp(b * (log(conc) - log(e)))))),
  ryegrass_LL5   = list(fct = LL.5(), names = c("b", "c", "d", "e", "f"),
                        formula = rootl ~ c + (d - c) / (1 + exp(b * (log(conc) - log(e))))^f)
)
for (nm in names(models)) {
  md <- models[[nm]]
  case <- paste0(nm, "_drc")
  cat("\n==== Case 3:", case, "====\n")
  mm <- drm(rootl ~ conc, data = ryegrass, fct = md$fct, control = tight)
  print(summary(mm))
  drc_basic(case, mm)
  drc_ed(case, mm, c(10, 50, 90), "ed")
  drc_auc(case, mm, ryegrass$conc)
  drc_se_numderiv(case, mm, ryegrass$conc, ryegrass$rootl)

  case <- paste0(nm, "_nls")
  cat("\n==== Case 3:", case, "====\n")
  stn <- as.list(setNames(coef(drm(rootl ~ conc, data = ryegrass, fct = md$fct)), md$names))  # default control
  ft <- try_nls(md$formula, data = ryegrass, start = stn)
  if (!is.null(ft)) {
    print(summary(ft))
    nls_basic(case, ft)
    drc_vs_nls(nm, setNames(coef(mm), md$names), coef(ft))
  } else {
    cat("NO nls values stored for", case, "\n")
  }
}

## ==================================================================
## Case 4: ryegrass_LL4_fixed_nls (c = 0, d = 8 fixed)
## ==================================================================
cat("\n==== Case 4: ryegrass_LL4_fixed_nls ====\n")
case <- "ryegrass_LL4_fixed_nls"
fitfx <- try_nls(rootl ~ 8 / (1 + exp(b * (log(conc) - log(e)))), data = ryegrass,
                 start = list(b = 3, e = 3))
print(summary(fitfx))
nls_basic(case, fitfx)
## cross-check with drc fixed = c(NA, 0, 8, NA)
mfx <- drm(rootl ~ conc, data = ryegrass, fct = LL.4(fixed = c(NA, 0, 8, NA)), control = tight)
print(summary(mfx))
drc_basic("ryegrass_LL4_fixed_drc", mfx)
drc_ed("ryegrass_LL4_fixed_drc", mfx, c(10, 50, 90), "ed")

## ==================================================================
## Case 5: salba_LL4_drc
## ==================================================================
cat("\n==== Case 5: salba_LL4_drc ====\n")
case <- "salba_LL4_drc"
m2 <- drm(DryMatter ~ Dose, Herbicide, data = S.alba, fct = LL.4(), control = tight)
print(summary(m2))
drc_basic(case, m2)
drc_ed(case, m2, 50, "ed")
ec <- EDcomp(m2, c(50, 50), interval = "delta", display = FALSE)
ec0 <- EDcomp(m2, c(50, 50), display = FALSE)
ecf <- EDcomp(m2, c(50, 50), interval = "fieller", display = FALSE)
print(ec0); print(ec); print(ecf)
tn <- rownames(ec0)
add(case, "edcomp_estimate", tn, ec0[, "Estimate"])
add(case, "edcomp_se", tn, ec0[, "Std. Error"])
add(case, "edcomp_t", tn, ec0[, "t-value"])
add(case, "edcomp_p", tn, ec0[, "p-value"])
add(case, "edcomp_lower", tn, ec[, "Lower"])
add(case, "edcomp_upper", tn, ec[, "Upper"])
add(case, "edcomp_fieller_estimate", tn, ecf[, "Estimate"])
add(case, "edcomp_fieller_lower", tn, ecf[, "Lower"])
add(case, "edcomp_fieller_upper", tn, ecf[, "Upper"])
cp <- compParm(m2, "e", "/", display = FALSE)
print(cp)
tn <- rownames(cp)
add(case, "compparm_estimate", tn, cp[, 1])
add(case, "compparm_se", tn, cp[, 2])
add(case, "compparm_t", tn, cp[, 3])
add(case, "compparm_p", tn, cp[, 4])

## reduced model: shared e.  It has no finite least-squares solution (see
## case 5b), so there is no optimum to converge to: it keeps drc's default
## control (at relTol 1e-14 drc walks on, to b:Bentazone = 101, RSS 11.2204).
m2e <- drm(DryMatter ~ Dose, Herbicide, data = S.alba, fct = LL.4(),
           pmodels = list(~Herbicide, ~Herbicide, ~Herbicide, ~1))
print(summary(m2e))
drc_basic("salba_LL4_sharede_drc", m2e)
av <- anova(m2e, m2)
print(av)
add(case, "anova_f", "", av[2, "F value"])
add(case, "anova_df_num", "", av[2, "Df"])
add(case, "anova_df_den", "", av[2, "ModelDf"])
add(case, "anova_p", "", av[2, "p value"])
add(case, "anova_rss_reduced", "", av[1, "RSS"])
add(case, "anova_rss_full", "", av[2, "RSS"])

## shared c and d
## NB: with pmodels = list(~Herbicide, ~1, ~1, ~Herbicide) drc uses treatment
## contrasts (e:(Intercept), e:HerbicideGlyphosate) and ED()/EDcomp() then
## fail ("NAs are not allowed in subscripted assignments").  ~Herbicide - 1
## is the same model with one parameter per herbicide; ED/EDcomp work.
m2cd_tc <- drm(DryMatter ~ Dose, Herbicide, data = S.alba, fct = LL.4(),
               pmodels = list(~Herbicide, ~1, ~1, ~Herbicide), control = tight_num)
print(summary(m2cd_tc))
cat("RSS treatment-contrast parameterisation:", sum(residuals(m2cd_tc)^2), "\n")
m2cd <- drm(DryMatter ~ Dose, Herbicide, data = S.alba, fct = LL.4(),
            pmodels = list(~Herbicide - 1, ~1, ~1, ~Herbicide - 1), control = tight_num)
print(summary(m2cd))
case_cd <- "salba_LL4_sharedcd_drc"
drc_basic(case_cd, m2cd)
drc_ed(case_cd, m2cd, 50, "ed")
ec0 <- EDcomp(m2cd, c(50, 50), display = FALSE)
ec  <- EDcomp(m2cd, c(50, 50), interval = "delta", display = FALSE)
ecf <- EDcomp(m2cd, c(50, 50), interval = "fieller", display = FALSE)
print(ec0); print(ec); print(ecf)
tn <- rownames(ec0)
add(case_cd, "edcomp_estimate", tn, ec0[, "Estimate"])
add(case_cd, "edcomp_se", tn, ec0[, "Std. Error"])
add(case_cd, "edcomp_p", tn, ec0[, "p-value"])
add(case_cd, "edcomp_lower", tn, ec[, "Lower"])
add(case_cd, "edcomp_upper", tn, ec[, "Upper"])
add(case_cd, "edcomp_fieller_lower", tn, ecf[, "Lower"])
add(case_cd, "edcomp_fieller_upper", tn, ecf[, "Upper"])
av2 <- anova(m2cd, m2)
print(av2)
add(case_cd, "anova_vs_full_f", "", av2[2, "F value"])
add(case_cd, "anova_vs_full_df_num", "", av2[2, "Df"])
add(case_cd, "anova_vs_full_df_den", "", av2[2, "ModelDf"])
add(case_cd, "anova_vs_full_p", "", av2[2, "p value"])

## ==================================================================
## Case 5b: same F test by hand with base nls (independent check)
## ==================================================================
cat("\n==== Case 5b: salba_LL4_nls_ftest ====\n")
case <- "salba_LL4_nls_ftest"
S <- S.alba
S$G <- as.integer(S$Herbicide == "Glyphosate")   # 0 = Bentazone, 1 = Glyphosate
S$B <- 1L - S$G
cf2 <- coef(drm(DryMatter ~ Dose, Herbicide, data = S.alba, fct = LL.4()))   # nls starts: drc default control
g <- function(p, h) unname(cf2[paste0(p, ":", h)])
st_full <- list(bB = g("b", "Bentazone"), bG = g("b", "Glyphosate"),
                cB = g("c", "Bentazone"), cG = g("c", "Glyphosate"),
                dB = g("d", "Bentazone"), dG = g("d", "Glyphosate"),
                eB = g("e", "Bentazone"), eG = g("e", "Glyphosate"))
f_full <- DryMatter ~ B * (cB + (dB - cB) / (1 + exp(bB * (log(Dose) - log(eB))))) +
                      G * (cG + (dG - cG) / (1 + exp(bG * (log(Dose) - log(eG)))))
fit_full <- try_nls(f_full, data = S, start = st_full)
drc_vs_nls("S.alba separate curves",
           setNames(coef(m2)[paste0(rep(c("b", "c", "d", "e"), each = 2), ":", c("Bentazone", "Glyphosate"))], names(st_full)),
           coef(fit_full))
cf2e <- coef(m2e)
## drc's reduced fit uses treatment contrasts: b:(Intercept) = Bentazone,
## b:HerbicideGlyphosate = Glyphosate - Bentazone, etc.
tc <- function(p) unname(c(cf2e[paste0(p, ":(Intercept)")],
                           cf2e[paste0(p, ":(Intercept)")] + cf2e[paste0(p, ":HerbicideGlyphosate")]))
st_red <- list(bB = tc("b")[1], bG = tc("b")[2], cB = tc("c")[1], cG = tc("c")[2],
               dB = tc("d")[1], dG = tc("d")[2], e = unname(cf2e["e:(Intercept)"]))
f_red <- DryMatter ~ B * (cB + (dB - cB) / (1 + exp(bB * (log(Dose) - log(e))))) +
                     G * (cG + (dG - cG) / (1 + exp(bG * (log(Dose) - log(e)))))
fit_red <- try_nls(f_red, data = S, start = st_red)   # expected to FAIL: no finite MLE
print(summary(fit_full))
## The shared-e model has NO finite least-squares solution: the RSS keeps
## decreasing as b:Bentazone -> Inf with e -> 40 (a design dose), i.e. the
## bentazone curve degenerates to a step at dose 40.  Show the RSS along b:
rss_red <- function(p) with(S, sum((DryMatter -
  (B * (p[3] + (p[5] - p[3]) / (1 + exp(p[1] * (log(Dose) - log(p[7]))))) +
   G * (p[4] + (p[6] - p[4]) / (1 + exp(p[2] * (log(Dose) - log(p[7])))))))^2))
p0 <- unlist(st_red)
cat("RSS of drc's reported reduced fit at its estimates:", rss_red(p0), "\n")
add(case, "rss_reduced_drc_at_its_estimates", "", rss_red(p0))
q0 <- p0[-1]; q0["e"] <- log(q0["e"])          # optimise over log(e)
for (bb in c(5, 20, 50, 100, 200, 500, 1000, 1e4)) {
  fq <- function(q) { q[6] <- exp(q[6]); rss_red(c(bb, q)) }
  oo <- optim(q0, fq, method = "BFGS", control = list(reltol = 1e-14, maxit = 10000))
  oo <- optim(oo$par, fq, method = "Nelder-Mead", control = list(reltol = 1e-14, maxit = 20000))
  q0 <- oo$par
  cat(sprintf("  b:Bentazone fixed at %6g: min RSS = %.10f, e = %.6f\n", bb, oo$value, exp(oo$par[6])))
  add(case, "reduced_profile_rss_at_bB", format(bb), oo$value)
}
## Infimum (closure of the model): bentazone = step at dose level t with a
## free value in [c, d] at dose t (limit b -> Inf, e -> t); glyphosate = LL.4
## with e fixed at t.  Minimise over the design doses t.
inf_at <- function(t) {
  db <- subset(S, Herbicide == "Bentazone")
  lo <- db$DryMatter[db$Dose < t]; mi <- db$DryMatter[db$Dose == t]; hi <- db$DryMatter[db$Dose > t]
  d <- mean(lo); c <- mean(hi); v <- min(max(mean(mi), c), d)
  rb <- sum((lo - d)^2) + sum((mi - v)^2) + sum((hi - c)^2)
  dg <- subset(S, Herbicide == "Glyphosate")
  fg <- try_nls(DryMatter ~ c + (d - c) / (1 + exp(b * (log(Dose) - log(t)))), data = dg,
                start = list(b = 2, c = 1, d = 4))
  rb + if (is.null(fg)) NA else deviance(fg)
}
tt <- c(10, 20, 40, 80, 160, 320)
infs <- sapply(tt, inf_at)
print(cbind(t = tt, rss_infimum = infs))
rss_r <- min(infs, na.rm = TRUE)
add(case, "rss_reduced_infimum", "", rss_r)
add(case, "rss_reduced_infimum_at_dose", "", tt[which.min(infs)])
rss_f <- deviance(fit_full)
df_f <- df.residual(fit_full); df_r <- df_f + 1
Fh <- ((rss_r - rss_f) / (df_r - df_f)) / (rss_f / df_f)
add(case, "rss_full", "", rss_f)
add(case, "anova_f", "", Fh)
add(case, "anova_df_num", "", df_r - df_f)
add(case, "anova_df_den", "", df_f)
add(case, "anova_p", "", pf(Fh, df_r - df_f, df_f, lower.tail = FALSE))
add(case, "estimate", names(coef(fit_full)), coef(fit_full))
add(case, "se", names(coef(fit_full)), summary(fit_full)$coefficients[, 2])
## F test using drc's (non-converged) reduced RSS, for comparison
Fd <- ((av[1, "RSS"] - rss_f) / 1) / (rss_f / df_f)
add(case, "anova_f_using_drc_reduced_rss", "", Fd)

## shared c and d model by nls (independent check of salba_LL4_sharedcd_drc)
cfcd <- coef(drm(DryMatter ~ Dose, Herbicide, data = S.alba, fct = LL.4(),   # nls starts: drc default control
                 pmodels = list(~Herbicide - 1, ~1, ~1, ~Herbicide - 1)))
st_cd <- list(bB = unname(cfcd["b:HerbicideBentazone"]), bG = unname(cfcd["b:HerbicideGlyphosate"]),
              c = unname(cfcd["c:(Intercept)"]), d = unname(cfcd["d:(Intercept)"]),
              eB = unname(cfcd["e:HerbicideBentazone"]), eG = unname(cfcd["e:HerbicideGlyphosate"]))
f_cd <- DryMatter ~ c + (d - c) / (1 + exp((B * bB + G * bG) * (log(Dose) - log(B * eB + G * eG))))
fit_cd <- try_nls(f_cd, data = S, start = st_cd)
if (!is.null(fit_cd)) {
  print(summary(fit_cd))
  add("salba_LL4_sharedcd_nls", "estimate", names(coef(fit_cd)), coef(fit_cd))
  add("salba_LL4_sharedcd_nls", "se", names(coef(fit_cd)), summary(fit_cd)$coefficients[, 2])
  add("salba_LL4_sharedcd_nls", "rss", "", deviance(fit_cd))
  add("salba_LL4_sharedcd_nls", "df_resid", "", df.residual(fit_cd))
  drc_vs_nls("S.alba shared c, d",
             setNames(coef(m2cd)[c("b:HerbicideBentazone", "b:HerbicideGlyphosate", "c:(Intercept)", "d:(Intercept)",
                                   "e:HerbicideBentazone", "e:HerbicideGlyphosate")], names(st_cd)),
             coef(fit_cd))
  ## F test of the shared c and d: stats::anova on the nested nls fits (anova.nls)
  av_cd <- anova(fit_cd, fit_full)
  print(av_cd)
  Fcd <- ((deviance(fit_cd) - rss_f) / 2) / (rss_f / df_f)
  stopifnot(abs(av_cd[2, "F value"] / Fcd - 1) < 1e-10)    # the textbook formula, as a check only
  add("salba_LL4_sharedcd_nls", "anova_vs_full_f", "", av_cd[2, "F value"])
  add("salba_LL4_sharedcd_nls", "anova_vs_full_df_num", "", av_cd[2, "Df"])
  add("salba_LL4_sharedcd_nls", "anova_vs_full_df_den", "", av_cd[2, "Res.Df"])
  add("salba_LL4_sharedcd_nls", "anova_vs_full_p", "", av_cd[2, "Pr(>F)"])
}
## compParm-like ratio eB/eG from the joint nls fit (J'J covariance, pooled):
## car::deltaMethod (symbolic derivative, nls's vcov)
dm <- deltaMethod(fit_full, "eB/eG")
print(dm)
add(case, "ratio_eB_eG_estimate", "", dm$Estimate)
add(case, "ratio_eB_eG_se", "", dm$SE)

## ==================================================================
## Case 6: salba_LL4_nls_sep -- separate nls per herbicide, log-e param
## ==================================================================
cat("\n==== Case 6: salba_LL4_nls_sep ====\n")
case <- "salba_LL4_nls_sep"
f_le <- DryMatter ~ c + (d - c) / (1 + exp(b * (log(Dose) - le)))
for (h in levels(S.alba$Herbicide)) {
  dh <- subset(S.alba, Herbicide == h)
  sth <- list(b = g("b", h), c = g("c", h), d = g("d", h), le = log(g("e", h)))
  fh <- try_nls(f_le, data = dh, start = sth)
  if (is.null(fh)) { cat("NO values for", h, "\n"); next }
  print(summary(fh))
  s <- summary(fh)$coefficients
  add(case, "estimate", paste0(rownames(s), ":", h), s[, 1])
  add(case, "se", paste0(rownames(s), ":", h), s[, 2])
  add(case, "rss", h, deviance(fh))
  add(case, "df_resid", h, df.residual(fh))
  add(case, "rse", h, summary(fh)$sigma)
  tq <- qt(0.975, df.residual(fh))
  add(case, "wald_lower", paste0("le:", h), s["le", 1] - tq * s["le", 2])
  add(case, "wald_upper", paste0("le:", h), s["le", 1] + tq * s["le", 2])
  ci <- tryCatch(profile_ci(fh), error = function(e) e)
  if (inherits(ci, "error")) {
    cat("PROFILE FAILED for", h, ":", conditionMessage(ci), "\n")
  } else {
    print(ci)
    for (p in rownames(ci)) {
      if (is.finite(ci[p, 1])) add(case, "profile_lower", paste0(p, ":", h), ci[p, 1])
      if (is.finite(ci[p, 2])) add(case, "profile_upper", paste0(p, ":", h), ci[p, 2])
    }
    if (is.finite(ci["le", 1])) add(case, "profile_ed50_lower", h, exp(ci["le", 1]))
    if (is.finite(ci["le", 2])) add(case, "profile_ed50_upper", h, exp(ci["le", 2]))
  }
  add(case, "ed50", h, exp(s["le", 1]))
  if (h == "Bentazone") {
    ## Why the upper profile limits of b and le are NA for Bentazone:
    ## profile over e with b free -> as b -> Inf the curve becomes a step and
    ## the signed root tau plateaus below the t cutoff for e in (~36, 40).
    rmin <- deviance(fh); s2h <- rmin / df.residual(fh); cut <- qt(0.975, df.residual(fh))
    ## limit b -> Inf, e -> t with (t/e)^b -> k: doses < t at d, doses > t at c,
    ## dose t at a free value in [c, d] (so each group at its own mean).
    step_rss <- function(t) {
      y <- dh$DryMatter; x <- dh$Dose
      lo <- y[x < t]; mi <- y[x == t]; hi <- y[x > t]
      d <- mean(lo); c <- mean(hi); v <- min(max(mean(mi), c), d)
      sum((lo - d)^2) + sum((mi - v)^2) + sum((hi - c)^2)
    }
    tau40 <- sqrt((step_rss(40) - rmin) / s2h)
    tau80 <- sqrt((step_rss(80) - rmin) / s2h)
    cat(sprintf("Bentazone profile: t cutoff %.6f; sup-tau as e -> 40 (b -> Inf) %.6f; as e -> 80 %.6f\n",
                cut, tau40, tau80))
    add(case, "profile_tau_cutoff", h, cut)
    add(case, "profile_tau_limit_step_at_40", h, tau40)
    add(case, "profile_tau_limit_step_at_80", h, tau80)
  }
}

## ------------------------------------------------------------------
## Write
## ------------------------------------------------------------------
out <- do.call(rbind, rows)
out$value <- sprintf("%.12g", out$value)
write.csv(out, "reference_values.csv", row.names = FALSE, quote = TRUE)
cat("\nWrote", nrow(out), "rows to reference_values.csv\n")
print(sessionInfo())
