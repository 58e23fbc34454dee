## make_reference_extra.R -- independent reference values (R, base + MASS only)
## for count-model and paired many-gene tests (assaystats).
##
## Run from this folder:
##   Rscript make_reference_extra.R > make_reference_extra.Rout 2>&1
## Writes: InsectSprays.csv, warpbreaks.csv, paired_genes.csv,
##   reference_extra.csv (long form: case,quantity,term,value; value printed
##   with sprintf("%.12g"); term always a string, possibly empty).
## See README.md for what every case/quantity/term means.

suppressPackageStartupMessages(library(MASS))
options(width = 120, digits = 10)
cat("R:", R.version.string, "\n")
for (p in c("stats", "MASS")) cat(sprintf("  %-6s %s\n", p, as.character(packageVersion(p))))
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
                                          term = term, value = unname(value),
                                          stringsAsFactors = FALSE)
  invisible(NULL)
}
z975 <- qnorm(0.975)

## Wald table for factor coefficients: prefix = "spray" / "tension"; levels = non-reference levels
wald_terms <- function(case, m, prefix, levs) {
  cf <- coef(summary(m))
  for (lv in levs) {
    r <- cf[paste0(prefix, lv), ]
    est <- r[1]; se <- r[2]
    add(case, "estimate", lv, est)
    add(case, "se", lv, se)
    add(case, "z", lv, r[3])
    add(case, "p", lv, r[4])
    add(case, "rate_ratio", lv, exp(est))
    add(case, "rr_lower", lv, exp(est - z975 * se))
    add(case, "rr_upper", lv, exp(est + z975 * se))
  }
  ## intercept (log mean count of the reference level), as an extra
  add(case, "estimate", "(Intercept)", cf["(Intercept)", 1])
  add(case, "se", "(Intercept)", cf["(Intercept)", 2])
}

## ==================================================================
## Data
## ==================================================================
data(InsectSprays); data(warpbreaks)
write.csv(InsectSprays, "InsectSprays.csv", row.names = FALSE)
write.csv(warpbreaks, "warpbreaks.csv", row.names = FALSE)
cat("InsectSprays:", dim(InsectSprays), " levels:", levels(InsectSprays$spray), "\n")
print(with(InsectSprays, tapply(count, spray, function(x) c(n = length(x), mean = mean(x), var = var(x)))))
cat("warpbreaks:", dim(warpbreaks), " tension levels:", levels(warpbreaks$tension),
    " wool levels:", levels(warpbreaks$wool), "\n")
print(with(warpbreaks, tapply(breaks, list(tension, wool), mean)))
cat("\n")

## ==================================================================
## Case is_poisson
## ==================================================================
cat("==== is_poisson ====\n")
m  <- glm(count ~ spray, family = poisson, data = InsectSprays)
m0 <- glm(count ~ 1,     family = poisson, data = InsectSprays)
print(summary(m))
wald_terms("is_poisson", m, "spray", c("B", "C", "D", "E", "F"))
a <- anova(m0, m, test = "Chisq")
print(a)
add("is_poisson", "lr_stat", "spray", a$Deviance[2])
add("is_poisson", "df", "spray", a$Df[2])
add("is_poisson", "p", "spray", a[["Pr(>Chi)"]][2])
## cross-check LR stat = deviance difference, p = pchisq
stopifnot(abs(a$Deviance[2] - (deviance(m0) - deviance(m))) < 1e-9)
add("is_poisson", "deviance", "", deviance(m))
add("is_poisson", "df_residual", "", df.residual(m))
add("is_poisson", "dispersion", "", sum(residuals(m, "pearson")^2) / df.residual(m))
add("is_poisson", "null_deviance", "", deviance(m0))
add("is_poisson", "loglik", "", as.numeric(logLik(m)))
cat("Pearson dispersion:", sum(residuals(m, "pearson")^2) / df.residual(m), "\n\n")

## ==================================================================
## Case is_negbin
## ==================================================================
cat("==== is_negbin ====\n")
ctl <- glm.control(epsilon = 1e-12, maxit = 100)
nb  <- glm.nb(count ~ spray, data = InsectSprays, control = ctl)
nb0 <- glm.nb(count ~ 1,     data = InsectSprays, control = ctl)
print(summary(nb))
cat("theta iterations:", nb$iter, " th.warn:", if (is.null(nb$th.warn)) "none" else nb$th.warn, "\n")
cat("null theta:", nb0$theta, " th.warn:", if (is.null(nb0$th.warn)) "none" else nb0$th.warn, "\n")
wald_terms("is_negbin", nb, "spray", c("B", "C", "D", "E", "F"))
add("is_negbin", "theta", "", nb$theta)
add("is_negbin", "theta_se", "", nb$SE.theta)
add("is_negbin", "twologlik", "", nb$twologlik)
add("is_negbin", "deviance", "", deviance(nb))
add("is_negbin", "df_residual", "", df.residual(nb))
add("is_negbin", "theta", "null", nb0$theta)
add("is_negbin", "theta_se", "null", nb0$SE.theta)
add("is_negbin", "twologlik", "null", nb0$twologlik)
an <- anova(nb0, nb)
print(an)
## columns: Model, theta, Resid. df, 2 x log-lik., Test, df, LR stat., Pr(Chi)
lr_nb <- an[2, "LR stat."]; df_nb <- an[2, "   df"]; p_nb <- an[2, "Pr(Chi)"]
stopifnot(abs(lr_nb - (nb$twologlik - nb0$twologlik)) < 1e-9,
          abs(p_nb - (1 - pchisq(lr_nb, df_nb))) == 0)
add("is_negbin", "lr_stat", "spray", lr_nb)
add("is_negbin", "df", "spray", df_nb)
add("is_negbin", "p", "spray", p_nb)   # as anova.negbin reports it: 1 - pchisq(), underflows to 0 here
add("is_negbin", "p_upper", "spray", pchisq(lr_nb, df_nb, lower.tail = FALSE))
cat(sprintf("anova.negbin p = %.12g; pchisq upper tail = %.12g\n", p_nb,
            pchisq(lr_nb, df_nb, lower.tail = FALSE)))
## sensitivity to the tightened control: default-control fit
nbd <- glm.nb(count ~ spray, data = InsectSprays)
cat(sprintf("default-control theta %.12g vs tight %.12g (rel diff %.3g)\n\n",
            nbd$theta, nb$theta, abs(nbd$theta - nb$theta) / nb$theta))

## ==================================================================
## Case wb_poisson
## ==================================================================
cat("==== wb_poisson ====\n")
w  <- glm(breaks ~ tension + wool, family = poisson, data = warpbreaks)
w0 <- glm(breaks ~ wool,           family = poisson, data = warpbreaks)
print(summary(w))
wald_terms("wb_poisson", w, "tension", c("M", "H"))
add("wb_poisson", "estimate", "B", coef(w)["woolB"])
add("wb_poisson", "se", "B", coef(summary(w))["woolB", 2])
aw <- anova(w0, w, test = "Chisq")
print(aw)
add("wb_poisson", "lr_stat", "tension", aw$Deviance[2])
add("wb_poisson", "df", "tension", aw$Df[2])
add("wb_poisson", "p", "tension", aw[["Pr(>Chi)"]][2])
add("wb_poisson", "deviance", "", deviance(w))
add("wb_poisson", "df_residual", "", df.residual(w))
add("wb_poisson", "dispersion", "", sum(residuals(w, "pearson")^2) / df.residual(w))
cat("\n")

## ==================================================================
## Case pg_paired -- simulated paired tumour/normal data, 12 patients x 20 genes
## ==================================================================
cat("==== pg_paired ====\n")
set.seed(11)
n_p <- 12; n_g <- 20
patients <- sprintf("P%02d", 1:n_p)
genes    <- sprintf("G%02d", 1:n_g)
gene_mean <- rnorm(n_g, 0, 2)                       # fixed per gene (sd 2)
pat_eff   <- rnorm(n_p, 0, 0.7)                     # per patient, shared by tissues and genes
## patient x gene baseline ("normal-like patient value"), shared by both tissues
base <- matrix(rnorm(n_p * n_g, 0, 1), n_p, n_g)    # column-major: rows patients, cols genes
base <- 8 + outer(pat_eff, gene_mean, "+") + base
delta <- c(rep(1.5, 5), rep(-1.0, 3), rep(0, 12))
noise_n <- matrix(rnorm(n_p * n_g, 0, 0.6), n_p, n_g)
noise_t <- matrix(rnorm(n_p * n_g, 0, 0.6), n_p, n_g)
normal <- round(base + noise_n, 4)
tumour <- round(base + matrix(delta, n_p, n_g, byrow = TRUE) + noise_t, 4)
dimnames(normal) <- dimnames(tumour) <- list(patients, genes)
pg <- rbind(
  data.frame(patient = rep(patients, n_g), tissue = "normal",
             gene = rep(genes, each = n_p), expression = as.vector(normal)),
  data.frame(patient = rep(patients, n_g), tissue = "tumour",
             gene = rep(genes, each = n_p), expression = as.vector(tumour)))
pg <- pg[order(pg$gene, pg$patient, pg$tissue), ]
write.csv(pg, "paired_genes.csv", row.names = FALSE)
cat("paired_genes:", dim(pg), "\n")
cat("gene_mean:", sprintf("%.4f", gene_mean), "\n")
cat("patient effect:", sprintf("%.4f", pat_eff), "\n")

res <- data.frame(gene = genes, t = NA, df = NA, p_t = NA, est = NA, lo = NA, hi = NA,
                  V = NA, p_w = NA, exact = NA, n_zero = NA, n_ties = NA)
for (j in seq_len(n_g)) {
  tu <- tumour[, j]; no <- normal[, j]
  tt <- t.test(tu, no, paired = TRUE)
  ww <- suppressWarnings(wilcox.test(tu, no, paired = TRUE))
  d <- tu - no
  n_zero <- sum(d == 0)
  n_ties <- sum(duplicated(abs(d[d != 0])))
  ## default rule in wilcox.test.default: exact if n < 50 and no ties/zeros
  exact_used <- (length(d[d != 0]) < 50) && n_zero == 0 && n_ties == 0
  ## cross-check: exact p from psignrank
  if (exact_used) {
    V <- ww$statistic; nn <- length(d)
    pe <- if (V > nn * (nn + 1) / 4) psignrank(V - 1, nn, lower.tail = FALSE) else psignrank(V, nn)
    stopifnot(abs(ww$p.value - min(2 * pe, 1)) < 1e-14)
  }
  res[j, -1] <- c(tt$statistic, tt$parameter, tt$p.value, tt$estimate, tt$conf.int,
                  ww$statistic, ww$p.value, as.numeric(exact_used), n_zero, n_ties)
}
res$q_t <- p.adjust(res$p_t, "BH")
res$q_w <- p.adjust(res$p_w, "BH")
print(res, digits = 6)
for (j in seq_len(n_g)) {
  g <- genes[j]
  add("pg_paired", "t", g, res$t[j])
  add("pg_paired", "df", g, res$df[j])
  add("pg_paired", "p", g, res$p_t[j])
  add("pg_paired", "estimate", g, res$est[j])
  add("pg_paired", "lower", g, res$lo[j])
  add("pg_paired", "upper", g, res$hi[j])
  add("pg_paired", "w_stat", g, res$V[j])
  add("pg_paired", "w_p", g, res$p_w[j])
  add("pg_paired", "w_exact", g, res$exact[j])
  add("pg_paired", "q_t", g, res$q_t[j])
  add("pg_paired", "q_w", g, res$q_w[j])
}
cat("\n")

## ==================================================================
## Write
## ==================================================================
out <- do.call(rbind, rows)
stopifnot(!any(is.na(out$value)), !any(duplicated(out[, 1:3])))
out$value <- sprintf("%.12g", out$value)
write.csv(out, "reference_extra.csv", row.names = FALSE, quote = TRUE)
cat("\nwrote", nrow(out), "rows to reference_extra.csv\n\n")
print(sessionInfo())
