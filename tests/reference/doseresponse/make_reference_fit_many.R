# Reference values for doseresponse.fit_many's flat-model F test (flat_f, flat_p) and its LL.4 fits.
# Input: fit_many_curves.csv (6 curves of assaystats.datasets.simulate_screen(6, seed=11, kinds=[0,1,0,2,1,2]);
#        dose 0 is the vehicle).
# For each curve: drc's drm(LL.4) gives the start; nls() refits the same model
#   y = c + (d - c) / (1 + exp(b (log(x) - log(e))))   (x = 0 -> the plateau d for b > 0, as drc and assaystats;
#   nls refuses log(0), so the limit is written out with ifelse)
# and anova(flat, full) compares it with the mean-only model y ~ k (the F test of "no dose effect").
# Run:  Rscript make_reference_fit_many.R > make_reference_fit_many.Rout 2>&1
suppressPackageStartupMessages(library(drc))
d <- read.csv("fit_many_curves.csv")
out <- NULL
for (cv in unique(d$curve)) {
  s <- d[d$curve == cv, ]
  m <- drm(response ~ dose, data = s, fct = LL.4())
  cf <- coef(m)
  st <- list(b = unname(cf[1]), c = unname(cf[2]), d = unname(cf[3]), e = unname(cf[4]))
  # dose 0 enters as the limit (the plateau d for b > 0, c for b < 0), written out so nls never sees log(0)
  full <- tryCatch(nls(response ~ ifelse(dose > 0, c + (d - c) / (1 + exp(b * (log(pmax(dose, 1e-300)) - log(e)))),
                                         ifelse(b > 0, d, c)), data = s, start = st,
                       control = nls.control(maxiter = 1000, tol = 1e-8, minFactor = 1e-10, warnOnly = TRUE)), error = function(err) NULL)
  flat <- nls(response ~ k + 0 * dose, data = s, start = list(k = mean(s$response)))
  ok <- !is.null(full) && full$convInfo$isConv
  if (!ok) {  # nls does not converge from drm's optimum (a flat curve): the same F from drm's residual sum of squares
    rss1 <- sum(residuals(m)^2); df1 <- df.residual(m)
    rss0 <- sum((s$response - mean(s$response))^2); df0 <- nrow(s) - 1
    Fv <- ((rss0 - rss1) / (df0 - df1)) / (rss1 / df1); p <- pf(Fv, df0 - df1, df1, lower.tail = FALSE)
    src <- "drm"; est <- cf
  } else {
    a <- anova(flat, full)
    print(a)
    Fv <- a[2, "F value"]; p <- a[2, "Pr(>F)"]; rss1 <- deviance(full); df1 <- df.residual(full)
    src <- "nls"; est <- coef(full)
  }
  out <- rbind(out, data.frame(curve = cv, source = src, b = est[[1]], c = est[[2]], d = est[[3]], e = est[[4]],
                               rss = rss1, df = df1, flat_f = Fv, flat_p = p))
}
write.csv(out, "reference_fit_many.csv", row.names = FALSE)
print(format(out, digits = 15))
sessionInfo()
