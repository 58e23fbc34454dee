## Reference values for the ABSOLUTE effective dose x_y of the ryegrass LL.4
## fit, with the uncertainty of c and d included (full delta method).
##
## x_y is the dose where f(x) = c + (d-c)/(1+exp(b*(log(x)-log(e)))) equals a
## fixed response y.  Solving f(x_y) = y gives
##     log(e) = lx - log((d-y)/(y-c))/b,   lx = log(x_y)   (c < y < d, b > 0)
## so the model is refitted with nls with parameters b, c, d, lx:
##     f = c + (d-c)/(1+exp(u)),  u = b*(log(x) - lx) + log(d-y) - log(y-c)
## The fit is the same LL.4 curve (same RSS); only the parameterisation
## changes, so se(lx) from nls's s^2 (J'J)^-1 includes the c, d uncertainty.
##
## Run in this folder:
##   Rscript make_reference_absolute.R > make_reference_absolute.Rout 2>&1
## Writes reference_absolute.csv (case,quantity,term,value; sprintf("%.12g")).
## Described in README.md ("Absolute effective dose with full delta method").

suppressMessages(library(MASS))
options(digits = 12, width = 110)

rg <- read.csv("ryegrass.csv")
stopifnot(nrow(rg) == 24, all(c("rootl", "conc") %in% names(rg)))
n <- nrow(rg); p <- 4L; dfr <- n - p
cat("n =", n, " df_resid =", dfr, " zero-dose rows:", sum(rg$conc == 0), "\n")

case <- "ryegrass_LL4_abs_nls"
out <- list()
add <- function(quantity, term, value) {
  stopifnot(length(value) == 1, is.finite(value))
  out[[length(out) + 1]] <<- data.frame(case = case, quantity = quantity,
                                        term = as.character(term),
                                        value = sprintf("%.12g", value))
}

ctl <- nls.control(tol = 1e-10, maxiter = 500, minFactor = 1e-12)

## ---- 1. plain LL.4 fit (start for lx) ------------------------------------
ll4 <- nls(rootl ~ c + (d - c)/(1 + exp(b*(log(conc) - log(e)))), data = rg,
           start = list(b = 2.98, c = 0.48, d = 7.79, e = 3.06),
           control = nls.control(tol = 1e-9, maxiter = 500, minFactor = 1e-12))
cat("\n==== plain LL.4 nls (only used to get the lx start) ====\n")
print(summary(ll4))
cf4 <- coef(ll4)
rss4 <- sum(resid(ll4)^2)
cat(sprintf("RSS LL.4 = %.15g\n", rss4))
xcross <- function(cf, y) unname(cf["e"] * ((cf["d"] - y)/(y - cf["c"]))^(1/cf["b"]))

## ---- 2. model with analytic gradient -------------------------------------
## At x = 0: u = -Inf, f = d, and all derivatives except d/dd (= 1) are 0
## (the b-derivative would be 0 * -Inf = NaN numerically; its limit is 0).
absf <- function(b, c, d, lx, x, y) {
  lx0 <- log(x)
  u <- b*(lx0 - lx) + log(d - y) - log(y - c)
  eu <- exp(u)
  s <- 1/(1 + eu)                       # 1/(1+e^u)
  f <- c + (d - c)*s
  dfdu <- -(d - c)*eu*s*s               # 0 at u = -Inf
  gb <- ifelse(x == 0, 0, dfdu*(lx0 - lx))
  gc <- 1 - s + dfdu/(y - c)
  gd <- s + dfdu/(d - y)
  gl <- -b*dfdu
  attr(f, "gradient") <- cbind(b = gb, c = gc, d = gd, lx = gl)
  f
}

## check the analytic gradient against numericDeriv at the start point
env <- new.env(); env$b <- cf4[["b"]]; env$c <- cf4[["c"]]; env$d <- cf4[["d"]]
env$lx <- log(xcross(cf4, 4)); env$x <- rg$conc; env$y <- 4
nd <- attr(numericDeriv(quote(as.numeric(absf(b, c, d, lx, x, y))),
                        c("b", "c", "d", "lx"), env), "gradient")
ga <- attr(with(env, absf(b, c, d, lx, x, y)), "gradient")
nd[!is.finite(nd)] <- 0
cat(sprintf("\nanalytic vs numericDeriv gradient, max abs diff (y = 4, LL.4 optimum): %.3g\n",
            max(abs(nd - ga))))

## exact Hessian of f_i w.r.t. (b, c, d, lx), via deriv3 on the positive
## doses; zero-dose rows have f = d, i.e. all second derivatives 0.
fh <- deriv3(~ c + (d - c)/(1 + exp(b*(lxx - lx) + log(d - y) - log(y - c))),
             c("b", "c", "d", "lx"),
             function(b, c, d, lx, lxx, y) NULL)

pn <- c("b", "c", "d", "lx")
for (y in c(2, 4, 6)) {
  ty <- format(y)
  cat("\n\n================ y =", ty, "================\n")
  lx0 <- log(xcross(cf4, y))
  cat(sprintf("LL.4 crossing: x_y = %.12g  (lx start = %.12g)\n", exp(lx0), lx0))
  st <- list(b = 2.98, c = 0.48, d = 7.79, lx = lx0)
  dat <- rg; dat$y <- y

  ## plain nls (numerical derivatives) -- logged only
  fnum <- tryCatch(
    nls(rootl ~ c + (d - c)/(1 + exp(b*(log(conc) - (lx - log((d - y)/(y - c))/b)))),
        data = dat, start = st, control = ctl),
    error = function(e) e)
  if (inherits(fnum, "error")) {
    cat("plain nls (numeric derivatives, tol 1e-10): FAILED:", conditionMessage(fnum), "\n")
  } else {
    cat(sprintf("plain nls (numeric derivatives, tol 1e-10): converged, offset %.3g, lx = %.12g\n",
                fnum$convInfo$finTol, coef(fnum)[["lx"]]))
  }

  ## RSS, its analytic gradient (-2 J'r) and exact Hessian
  ## H = 2 (J'J - sum r_i Hess f_i) (deriv3 on positive doses; zero-dose rows
  ## have f = d, i.e. zero second derivatives)
  rssfun <- function(q) sum((dat$rootl - as.numeric(absf(q[1], q[2], q[3], q[4], dat$conc, y)))^2)
  grfun <- function(q) {
    f <- absf(q[1], q[2], q[3], q[4], dat$conc, y)
    -2*drop(crossprod(attr(f, "gradient"), dat$rootl - as.numeric(f)))
  }
  pos <- dat$conc > 0
  hessfun <- function(q) {
    f <- absf(q[1], q[2], q[3], q[4], dat$conc, y)
    J <- attr(f, "gradient"); r <- dat$rootl - as.numeric(f)
    Hf <- attr(fh(q[[1]], q[[2]], q[[3]], q[[4]], log(dat$conc[pos]), y), "hessian")
    S <- matrix(0, 4, 4)
    for (i in seq_len(sum(pos))) S <- S + r[pos][i]*Hf[i, , ]
    H <- 2*(crossprod(J) - S); dimnames(H) <- list(pn, pn); H
  }

  ## reference fit: analytic gradient, tol 1e-10.  If Gauss-Newton stalls just
  ## above 1e-10 (it does for y = 6: the offset floors at ~1.2e-10), fit at
  ## tol 1e-9, polish with full Newton steps on the RSS (exact Hessian), and
  ## refit nls from the polished point (tol 1e-9: 0 iterations, so the summary
  ## is evaluated at the polished point).
  fit <- tryCatch(nls(rootl ~ absf(b, c, d, lx, conc, y), data = dat, start = st, control = ctl),
                  error = function(e) e)
  if (inherits(fit, "error")) {
    cat("analytic-gradient nls at tol 1e-10 FAILED:", conditionMessage(fit), "\n")
    ctl9 <- nls.control(tol = 1e-9, maxiter = 500, minFactor = 1e-12)
    f9 <- nls(rootl ~ absf(b, c, d, lx, conc, y), data = dat, start = st, control = ctl9)
    cat(sprintf("  tol 1e-9: converged, offset %.3g, RSS %.15g, max|grad RSS| = %.3g\n",
                f9$convInfo$finTol, deviance(f9), max(abs(grfun(coef(f9))))))
    q <- coef(f9)
    for (k in 1:4) {
      stp <- solve(hessfun(q), grfun(q))
      q <- q - stp
      cat(sprintf("  Newton step %d: max|step| = %.3g, RSS = %.15g, max|grad RSS| = %.3g\n",
                  k, max(abs(stp)), rssfun(q), max(abs(grfun(q)))))
    }
    cat("  polished minus tol-1e-9 estimates:\n"); print(q - coef(f9))
    fit <- nls(rootl ~ absf(b, c, d, lx, conc, y), data = dat, start = as.list(q), control = ctl9)
    cat(sprintf("  refit from polished point at tol 1e-9: iterations = %d\n", fit$convInfo$finIter))
  }
  cat(sprintf("analytic-gradient nls: isConv = %s, iterations = %d, achieved offset = %.3g, max|grad RSS| = %.3g\n",
              fit$convInfo$isConv, fit$convInfo$finIter, fit$convInfo$finTol, max(abs(grfun(coef(fit))))))
  sm <- summary(fit)
  print(sm)
  cf <- coef(fit)
  rss <- sum(resid(fit)^2)
  s2 <- rss/dfr
  cat(sprintf("RSS = %.15g  (plain LL.4 RSS = %.15g, diff %.3g)\n", rss, rss4, rss - rss4))
  stopifnot(abs(rss - rss4) < 1e-9 * rss4)
  ## implied e agrees with the LL.4 fit
  le_impl <- cf[["lx"]] - log((cf[["d"]] - y)/(y - cf[["c"]]))/cf[["b"]]
  cat(sprintf("implied e = %.12g  (LL.4 e = %.12g)\n", exp(le_impl), cf4[["e"]]))
  ## f(x_y) = y at the estimate
  fy <- cf[["c"]] + (cf[["d"]] - cf[["c"]])/(1 + exp(cf[["b"]]*(cf[["lx"]] - le_impl)))
  cat(sprintf("f(x_y) = %.15g\n", fy))
  stopifnot(abs(fy - y) < 1e-12)

  lx <- cf[["lx"]]; se_lx <- sm$coefficients["lx", "Std. Error"]
  xy <- exp(lx); se_xy <- xy*se_lx
  tq <- qt(0.975, dfr)

  ## cross-check: delta method on the plain LL.4 fit,
  ## x_y = e*((d-y)/(y-c))^(1/b), gradient w.r.t. (b, c, d, e), V = vcov(ll4)
  b <- cf4[["b"]]; cc <- cf4[["c"]]; dd <- cf4[["d"]]; e <- cf4[["e"]]
  R <- (dd - y)/(y - cc); x4 <- e*R^(1/b)
  g <- c(b = -x4*log(R)/b^2, c = x4/(b*(y - cc)), d = x4/(b*(dd - y)), e = x4/e)
  se_delta4 <- sqrt(drop(t(g) %*% vcov(ll4) %*% g))
  cat(sprintf("delta on LL.4 fit: x_y = %.12g, se = %.12g (reparam: %.12g, %.12g; rel diff se %.2g)\n",
              x4, se_delta4, xy, se_xy, se_delta4/se_xy - 1))
  ## with c, d treated as known (b, e only) -- what ED(type="absolute") leaves out
  V2 <- vcov(ll4)[c("b", "e"), c("b", "e")]
  se_be <- sqrt(drop(t(g[c("b", "e")]) %*% V2 %*% g[c("b", "e")]))
  cat(sprintf("delta using only b, e (c, d fixed): se = %.12g\n", se_be))

  ## Hessian-based se(lx): 2 s^2 H^-1, H = Hessian of RSS at the optimum
  par <- setNames(unname(cf), pn)
  H1 <- optimHess(par, rssfun)                  # as in make_reference.R
  H2 <- optimHess(par, rssfun, grfun)           # numeric Jacobian of analytic gradient
  H3 <- hessfun(par)                            # exact
  seH <- function(H) sqrt(2*s2*solve(H)["lx", "lx"])
  cat(sprintf("se(lx): J'J %.12g | Hessian optimHess(RSS) %.12g | optimHess(RSS, grad) %.12g | exact %.12g\n",
              se_lx, seH(H1), seH(H2), seH(H3)))
  cat(sprintf("   rel. diff optimHess(RSS) vs exact: %.2g; optimHess(RSS,grad) vs exact: %.2g\n",
              seH(H1)/seH(H3) - 1, seH(H2)/seH(H3) - 1))
  cat("Hessian se of all parameters (exact):\n")
  print(sqrt(2*s2*diag(solve(H3))))

  ## profile interval for lx.  As in make_reference.R, the profiled sub-fits
  ## run at tol 1e-6 (the profiler reuses fit$call$control, not fit$control);
  ## tighter settings are tried for comparison and only logged.
  pci <- function(tol, maxiter = 1000) {
    fp <- fit
    fp$call$control <- nls.control(maxiter = maxiter, tol = tol, minFactor = 1e-12)
    tryCatch(confint(fp, "lx"), error = function(e) e)
  }
  ci <- pci(1e-6)
  stopifnot(!inherits(ci, "error"))
  cat("confint(fit, \"lx\") (MASS profile, sub-fit tol 1e-6):\n"); print(ci)
  ci_x <- exp(ci)
  for (tl in c(1e-7, 1e-8)) {
    cc2 <- pci(tl, 5000)
    if (inherits(cc2, "error")) {
      cat(sprintf("   sub-fit tol %g (maxiter 5000): FAILED: %s\n", tl, conditionMessage(cc2)))
    } else {
      cat(sprintf("   sub-fit tol %g (maxiter 5000): [%.12g, %.12g], rel diff to tol 1e-6: %.2g, %.2g\n",
                  tl, cc2[1], cc2[2], cc2[1]/ci[1] - 1, cc2[2]/ci[2] - 1))
    }
  }
  ## independent check of the profile limits: solve tau(lx) = -/+ qt by
  ## refitting b, c, d at fixed lx (tight nls) and uniroot
  absf3 <- function(b, c, d, l0, x, y) {   # lx fixed: drop its gradient column
    f <- absf(b, c, d, l0, x, y)
    attr(f, "gradient") <- attr(f, "gradient")[, c("b", "c", "d"), drop = FALSE]
    f
  }
  tau <- function(l0) {
    for (tl in c(1e-9, 1e-8, 1e-7)) {   # tightest tolerance that converges
      fr <- tryCatch(nls(rootl ~ absf3(b, c, d, l0, conc, y), data = dat,
                         start = as.list(cf[c("b", "c", "d")]),
                         control = nls.control(tol = tl, maxiter = 5000, minFactor = 1e-12)),
                     error = function(e) NULL)
      if (!is.null(fr)) break
    }
    stopifnot(!is.null(fr))
    tol_used <<- max(tol_used, tl)
    sign(l0 - lx)*sqrt((sum(resid(fr)^2) - rss)/s2)
  }
  tol_used <- 0
  rl <- uniroot(function(l) tau(l) + tq, c(lx - 1.6*tq*se_lx, lx - 0.6*tq*se_lx), tol = 1e-12)$root
  ru <- uniroot(function(l) tau(l) - tq, c(lx + 0.6*tq*se_lx, lx + 1.6*tq*se_lx), tol = 1e-12)$root
  cat(sprintf("   exact root of tau = -/+qt (no spline; sub-fit tol <= %g): [%.12g, %.12g] on lx; rel diff to confint: %.2g, %.2g\n",
              tol_used, rl, ru, rl/ci[1] - 1, ru/ci[2] - 1))

  cat(sprintf("\nx_y = %.12g  se(x_y) = %.12g  se(lx) = %.12g  se(lx, Hessian) = %.12g\n",
              xy, se_xy, se_lx, seH(H3)))
  cat(sprintf("Wald (log scale) [%.12g, %.12g]   profile [%.12g, %.12g]\n",
              exp(lx - tq*se_lx), exp(lx + tq*se_lx), ci_x[1], ci_x[2]))

  add("estimate", ty, xy)
  add("se", ty, se_xy)
  add("se_log", ty, se_lx)
  add("se_log_hessian", ty, seH(H3))
  add("wald_log_lower", ty, exp(lx - tq*se_lx))
  add("wald_log_upper", ty, exp(lx + tq*se_lx))
  add("profile_lower", ty, ci_x[1])
  add("profile_upper", ty, ci_x[2])
  add("rss", ty, rss)
  ## extra: the profile limits as exact roots of tau = -/+qt (no spline)
  add("profile_root_lower", ty, exp(rl))
  add("profile_root_upper", ty, exp(ru))
}

res <- do.call(rbind, out)
write.csv(res, "reference_absolute.csv", row.names = FALSE, quote = TRUE)
cat("\nwrote reference_absolute.csv:", nrow(res), "rows\n")
print(res)
cat("\n"); print(sessionInfo())
