# Partial correlations as R's ppcor defines them (ppcor is not in Debian; its definition is computed here):
# pcor.test(x, y, z, method = m): the matrix cbind(x, y, z) -> cov(., method = m) (for "spearman" every column,
# the covariates too, is replaced by its average ranks) -> solve() -> -cov2cor(); statistic
# r * sqrt((n - 2 - gp) / (1 - r^2)) with gp = ncol(z), p = 2 * pt(-|statistic|, n - 2 - gp).
# Data: R's datasets::airquality, complete rows (111), written to airquality.csv.
# Run in this folder: Rscript make_reference_partial.R > make_reference_partial.Rout 2>&1
aq <- airquality[complete.cases(airquality), ]
rownames(aq) <- NULL
aq$sample <- sprintf("day%03d", seq_len(nrow(aq)))
write.csv(aq, "airquality.csv", row.names = FALSE)

ppcor_test <- function(x, y, z, method) {
  m <- cbind(x, y, as.matrix(z))
  n <- nrow(m); gp <- ncol(m) - 2
  icv <- solve(cov(m, method = method))
  r <- -cov2cor(icv)[1, 2]
  statistic <- r * sqrt((n - 2 - gp) / (1 - r^2))
  list(r = r, statistic = statistic, p = 2 * pt(-abs(statistic), n - 2 - gp), n = n, gp = gp)
}

out <- data.frame(case = character(), quantity = character(), term = character(), value = character())
add <- function(case, q, term, v) out[nrow(out) + 1, ] <<- list(case, q, term, sprintf("%.15g", v))
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
