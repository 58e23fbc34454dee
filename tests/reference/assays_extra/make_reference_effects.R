## make_reference_effects.R -- reference values (R: effectsize, car, stats, pwr) for compare()'s effect sizes
## with intervals, sphericity corrections and power (issue 11). Run in this folder:
##   Rscript make_reference_effects.R > make_reference_effects.Rout 2>&1
## Writes rm_conditions.csv and reference_effects.csv (case,quantity,term,value; sprintf("%.12g")).
suppressPackageStartupMessages({ library(effectsize); library(car); library(pwr) })
options(width = 120, digits = 10)
cat("R:", R.version.string, "\n")
for (p in c("effectsize", "car", "pwr")) cat(sprintf("  %-10s %s\n", p, as.character(packageVersion(p))))
rows <- list()
add <- function(case, quantity, term, value) {
  value <- as.numeric(value); stopifnot(all(is.finite(value)))
  rows[[length(rows) + 1]] <<- data.frame(case = case, quantity = quantity, term = as.character(term),
                                          value = value, stringsAsFactors = FALSE)
}
pgd <- read.csv("../assays/PlantGrowth.csv"); sl <- read.csv("../assays/sleep.csv")
tg <- read.csv("../assays/ToothGrowth.csv"); tg$dose_f <- factor(tg$dose)
x <- pgd$weight[pgd$group == "trt2"]; y <- pgd$weight[pgd$group == "trt1"]
es_out <- function(case, e, term) {
  print(e)
  add(case, "value", term, e[[1]]); add(case, "ci_low", term, e$CI_low); add(case, "ci_high", term, e$CI_high)
}
## two groups (trt2 - trt1): Cohen's d and Hedges' g (pooled SD), noncentral-t intervals; rank-biserial r
es_out("es_d", cohens_d(x, y), "trt2 - trt1")
es_out("es_g", hedges_g(x, y), "trt2 - trt1")
es_out("es_rb", rank_biserial(x, y), "trt2 - trt1")
## paired (sleep, group 2 - group 1): d_z, its Hedges correction, matched-pairs rank-biserial
x2 <- sl$extra[sl$group == 2]; x1 <- sl$extra[sl$group == 1]
es_out("es_dz", cohens_d(x2, x1, paired = TRUE), "2 - 1")
es_out("es_gz", hedges_g(x2, x1, paired = TRUE), "2 - 1")
es_out("es_rb_paired", rank_biserial(x2, x1, paired = TRUE), "2 - 1")
## ANOVA: partial eta squared and omega squared (effectsize defaults: one-sided 95% intervals, upper bound 1)
a1 <- aov(weight ~ group, pgd)
e <- eta_squared(a1, partial = TRUE); print(e)
add("pg_eta", "value", "group", e$Eta2); add("pg_eta", "ci_low", "group", e$CI_low)
o <- omega_squared(a1, partial = TRUE); print(o); add("pg_omega", "value", "group", o$Omega2)
a2 <- Anova(lm(len ~ supp * dose_f, tg), type = 2)
e <- eta_squared(a2, partial = TRUE); print(e)
o <- omega_squared(a2, partial = TRUE); print(o)
for (i in seq_len(nrow(e))) {
  add("tg_eta", "value", e$Parameter[i], e$Eta2_partial[i]); add("tg_eta", "ci_low", e$Parameter[i], e$CI_low[i])
  add("tg_omega", "value", o$Parameter[i], o$Omega2_partial[i])
}
## repeated measures: 9 subjects x 4 conditions, complete; car's Anova on the multivariate lm gives Mauchly's
## test and the Greenhouse-Geisser / Huynh-Feldt corrections (as afex and ez report them)
set.seed(55)
n <- 9; cond <- c("c1", "c2", "c3", "c4")
subj <- rnorm(n, 0, 2)
Y <- sapply(1:4, function(j) round(10 + subj * (1 + 0.4 * (j - 1)) + c(0, 0.8, 1.1, 2.0)[j] + rnorm(n, 0, 0.8 + 0.4 * j), 3))
colnames(Y) <- cond
long <- data.frame(subject = rep(sprintf("s%d", 1:n), 4), condition = rep(cond, each = n), value = as.vector(Y))
write.csv(long, "rm_conditions.csv", row.names = FALSE)
mlm <- lm(Y ~ 1)
idata <- data.frame(condition = factor(cond))
av <- Anova(mlm, idata = idata, idesign = ~condition, type = 3)
s <- summary(av, multivariate = FALSE)
print(s)
uni <- s$univariate.tests; sph <- s$sphericity.tests; pgg <- s$pval.adjustments
add("rm_sphericity", "F", "condition", uni["condition", "F value"])
add("rm_sphericity", "df1", "condition", uni["condition", "num Df"])
add("rm_sphericity", "df2", "condition", uni["condition", "den Df"])
add("rm_sphericity", "p", "condition", uni["condition", "Pr(>F)"])
add("rm_sphericity", "mauchly_W", "condition", sph["condition", "Test statistic"])
add("rm_sphericity", "mauchly_p", "condition", sph["condition", "p-value"])
add("rm_sphericity", "gg_eps", "condition", pgg["condition", "GG eps"])
add("rm_sphericity", "p_gg", "condition", pgg["condition", "Pr(>F[GG])"])
add("rm_sphericity", "hf_eps", "condition", pgg["condition", "HF eps"])
add("rm_sphericity", "p_hf", "condition", pgg["condition", "Pr(>F[HF])"])
## power and sample size: stats::power.t.test and pwr::pwr.anova.test
p1 <- power.t.test(n = 10, delta = 1, sd = 1); add("pw_t", "power", "two-sample n=10 d=1", p1$power)
p2 <- power.t.test(power = 0.8, delta = 1, sd = 1); add("pw_t", "n", "two-sample power=0.8 d=1", p2$n)
p3 <- power.t.test(n = 8, delta = 0.9, sd = 1, type = "paired"); add("pw_t", "power", "paired n=8 d=0.9", p3$power)
p4 <- power.t.test(n = 10, sd = 1, power = 0.8); add("pw_t", "delta", "two-sample n=10 power=0.8", p4$delta)
p5 <- power.t.test(n = 6, delta = 1.2, sd = 1, alternative = "one.sided")
add("pw_t", "power", "two-sample n=6 d=1.2 one-sided", p5$power)
## the same with strict = TRUE (both rejection tails; pingouin's definition), what power_ttest is checked against
s1 <- power.t.test(n = 10, delta = 1, sd = 1, strict = TRUE); add("pw_t_strict", "power", "two-sample n=10 d=1", s1$power)
s2 <- power.t.test(power = 0.8, delta = 1, sd = 1, strict = TRUE); add("pw_t_strict", "n", "two-sample power=0.8 d=1", s2$n)
s3 <- power.t.test(n = 8, delta = 0.9, sd = 1, type = "paired", strict = TRUE)
add("pw_t_strict", "power", "paired n=8 d=0.9", s3$power)
s4 <- power.t.test(n = 10, sd = 1, power = 0.8, strict = TRUE); add("pw_t_strict", "delta", "two-sample n=10 power=0.8", s4$delta)
q1 <- pwr.anova.test(k = 3, n = 10, f = 0.4); add("pw_anova", "power", "k=3 n=10 f=0.4", q1$power)
q2 <- pwr.anova.test(k = 4, f = 0.25, power = 0.8); add("pw_anova", "n", "k=4 f=0.25 power=0.8", q2$n)
q3 <- pwr.anova.test(k = 3, n = 10, power = 0.8); add("pw_anova", "f", "k=3 n=10 power=0.8", q3$f)
print(list(p1, p2, p3, p4, p5, q1, q2, q3))
out <- do.call(rbind, rows)
stopifnot(!any(duplicated(out[, 1:3])))
out$value <- sprintf("%.12g", out$value)
write.csv(out, "reference_effects.csv", row.names = FALSE, quote = TRUE)
cat("\nwrote", nrow(out), "rows\n"); print(sessionInfo())
