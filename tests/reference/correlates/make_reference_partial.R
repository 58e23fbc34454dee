# Partial correlations by R's ppcor 1.1 (pcor.test; ppcor is not in Debian: built from the CRAN sources of
# version 1.1, see ../survival/README.md): pcor.test(x, y, z, method = m) takes cbind(x, y, z), its covariance
# (for "spearman" every column ranked, the covariates too), -cov2cor(solve()), and the t statistic
# r * sqrt((n - 2 - gp) / (1 - r^2)) on n - 2 - gp df (gp = ncol(z)).
# Data: R's datasets::airquality, complete rows (111), written to airquality.csv.
# Values are written with sprintf("%.17g") (round-trips doubles).
# Run in this folder: Rscript make_reference_partial.R > make_reference_partial.Rout 2>&1
suppressPackageStartupMessages(library(ppcor))
cat("ppcor", as.character(packageVersion("ppcor")), "\n")
aq <- airquality[complete.cases(airquality), ]
rownames(aq) <- NULL
aq$sample <- sprintf("day%03d", seq_len(nrow(aq)))
write.csv(aq, "airquality.csv", row.names = FALSE)

ppcor_test <- function(x, y, z, method) {
  res <- pcor.test(x, y, z, method = method)
  list(r = res$estimate, statistic = res$statistic, p = res$p.value, n = res$n, gp = res$gp)
}
# the definition above, for the record (a cross-check of ppcor, not the reference)
by_definition <- function(x, y, z, method) {
  m <- cbind(x, y, as.matrix(z))
  n <- nrow(m); gp <- ncol(m) - 2
  r <- -cov2cor(solve(cov(m, method = method)))[1, 2]
  statistic <- r * sqrt((n - 2 - gp) / (1 - r^2))
  c(r = r, p = 2 * pt(-abs(statistic), n - 2 - gp))
}

out <- data.frame(case = character(), quantity = character(), term = character(), value = character())
add <- function(case, q, term, v) out[nrow(out) + 1, ] <<- list(case, q, term, sprintf("%.17g", v))
store <- function(case, term, res) {
  add(case, "r", term, res$r); add(case, "statistic", term, res$statistic); add(case, "p", term, res$p)
  add(case, "n", term, res$n); add(case, "gp", term, res$gp)
}

# 1. Temp with Ozone, Month, Day given Wind and Solar.R (numeric covariates), Spearman and Pearson
z <- aq[, c("Wind", "Solar.R")]
for (method in c("spearman", "pearson")) {
  for (g in c("Ozone", "Month", "Day")) {
    res <- ppcor_test(aq$Temp, aq[[g]], z, method)
    store(paste0("partial_", method, "_wind_solar"), g, res)
    d <- by_definition(aq$Temp, aq[[g]], z, method)
    stopifnot(isTRUE(all.equal(unname(d), c(res$r, res$p), tolerance = 1e-12)))
    # cross-check: the same r as the correlation of residuals of (ranked) x and y on the (ranked) covariates
    tr <- if (method == "spearman") rank else identity
    zz <- sapply(z, tr)
    r2 <- cor(resid(lm(tr(aq$Temp) ~ zz)), resid(lm(tr(aq[[g]]) ~ zz)))
    cat(sprintf("%s %s: r = %.15g, residual route %.15g, diff %.1e\n", method, g, res$r, r2, res$r - r2))
  }
}
# 2. one covariate (Wind)
for (method in c("spearman", "pearson")) store(paste0("partial_", method, "_wind"), "Ozone",
                                               ppcor_test(aq$Temp, aq$Ozone, aq$Wind, method))
# 3. a categorical covariate: Month as a factor, coded as indicators of levels 6-9 (treatment contrasts), with Wind.
#    ppcor ranks each indicator column too; a 0/1 column's ranks are an affine map of it, so the partial
#    correlation equals the one on the unranked indicators (checked below).
dm <- model.matrix(~ factor(Month), aq)[, -1]
zc <- cbind(Wind = aq$Wind, dm)
res <- ppcor_test(aq$Temp, aq$Ozone, zc, "spearman")
store("partial_spearman_wind_month", "Ozone", res)
zc_r <- cbind(rank(aq$Wind), dm)
alt <- cor(resid(lm(rank(aq$Temp) ~ zc_r)), resid(lm(rank(aq$Ozone) ~ zc_r)))
cat(sprintf("categorical: r = %.15g, unranked indicators %.15g, diff %.1e\n", res$r, alt, res$r - alt))

# For the record (not a reference): ranking Temp and Ozone but not the covariates, what assaystats did before
old <- cor(resid(lm(rank(aq$Temp) ~ as.matrix(z))), resid(lm(rank(aq$Ozone) ~ as.matrix(z))))
cat(sprintf("ranks of x and y only, covariates unranked: %.6f\n", old))

write.csv(out, "reference_partial.csv", row.names = FALSE)
print(out)
sessionInfo()
