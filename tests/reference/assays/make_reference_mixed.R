## make_reference_mixed.R -- independent reference values (R: lme4, lmerTest, pbkrtest, multcomp, mvtnorm)
## for the mixed models of assaystats.assays.compare (issue 11): incomplete subjects, variance components at
## the boundary, unbalanced Satterthwaite / Kenward-Roger df, split-plot designs, post-test families.
##
## Run from this folder:
##   Rscript make_reference_mixed.R > make_reference_mixed.Rout 2>&1
## Writes: mixed_incomplete.csv, mixed_boundary.csv, mixed_zero_replicate.csv, mixed_interior.csv,
##   splitplot.csv and reference_mixed.csv (long form case,quantity,term,value; value sprintf("%.12g")).
## See README_mixed.md for every case.

suppressPackageStartupMessages({
  library(lme4)
  library(lmerTest)
  library(pbkrtest)
  library(mvtnorm)
  library(multcomp)
  library(emmeans)
})
options(width = 120, digits = 10)
cat("R:", R.version.string, "\n")
for (p in c("lme4", "lmerTest", "pbkrtest", "mvtnorm", "multcomp", "emmeans", "Matrix"))
  cat(sprintf("  %-9s %s\n", p, as.character(packageVersion(p))))

rows <- list()
add <- function(case, quantity, term, value) {
  value <- as.numeric(value)
  term <- as.character(term)
  if (length(value) == 1 && length(term) > 1) value <- rep(value, length(term))
  stopifnot(length(term) == length(value) || length(term) == 1)
  if (any(!is.finite(value))) stop(sprintf("non-finite value in %s / %s", case, quantity))
  rows[[length(rows) + 1]] <<- data.frame(case = case, quantity = quantity, term = term, value = value,
                                          stringsAsFactors = FALSE)
  invisible(NULL)
}

## lme4 at a tight optimum (bobyqa, rhoend 1e-12); the default control is printed beside it
tight <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12, maxfun = 1e5),
                     check.conv.singular = "ignore")
fit <- function(form, d) lmerTest::lmer(form, data = d, REML = TRUE, control = tight)

## P(max |T_i| <= q) for a bivariate t with non-integer df (mvtnorm's pmvt takes integer df only): the exact
## bivariate normal probability (pmvnorm, Genz's deterministic method in 2 dimensions) integrated over the
## studentising S = sqrt(chi2_df / df) with integrate()
pmax2 <- function(q, df, R) {
  dens <- function(s) exp(log(2) + (df / 2) * log(df / 2) - lgamma(df / 2) + (df - 1) * log(s) - df * s^2 / 2)
  f <- function(s) sapply(s, function(si) if (si == 0) 0 else
    dens(si) * pmvnorm(lower = c(-q * si, -q * si), upper = c(q * si, q * si), corr = R)[1])
  integrate(f, 0, Inf, rel.tol = 1e-11, abs.tol = 0, subdivisions = 1000L)$value
}

## estimate, se, Satterthwaite and Kenward-Roger df, t and p of contrast rows of L (named)
contrasts_out <- function(case, m, L) {
  for (nm in rownames(L)) {
    s <- contest(m, L[nm, , drop = FALSE], joint = FALSE, ddf = "Satterthwaite")
    k <- contest(m, L[nm, , drop = FALSE], joint = FALSE, ddf = "Kenward-Roger")
    add(case, "estimate", nm, s$Estimate)
    add(case, "se", nm, s[["Std. Error"]])
    add(case, "df_satterthwaite", nm, s$df)
    add(case, "t", nm, s[["t value"]])
    add(case, "p_satterthwaite", nm, s[["Pr(>|t|)"]])
    add(case, "se_kr", nm, k[["Std. Error"]])
    add(case, "df_kr", nm, k$df)
    add(case, "p_kr", nm, k[["Pr(>|t|)"]])
  }
}

variances_out <- function(case, m) {
  vc <- as.data.frame(VarCorr(m))
  for (i in seq_len(nrow(vc))) add(case, "variance", vc$grp[i], vc$vcov[i])
  add(case, "reml_loglik", "", as.numeric(logLik(m)))
  add(case, "is_singular", "", isSingular(m))
  print(VarCorr(m), comp = "Variance")
  cat("REML logLik:", format(as.numeric(logLik(m)), digits = 12), " singular:", isSingular(m), "\n")
}

## ==================================================================
## 1. Incomplete subjects: 8 subjects x groups A, B, C; subject s0 lacks C
## ==================================================================
set.seed(101)
subj <- sprintf("s%d", 0:7)
base <- rnorm(8, 10, 2)
inc <- expand.grid(group = c("A", "B", "C"), subject = subj, stringsAsFactors = FALSE)
inc$value <- round(base[match(inc$subject, subj)] + c(A = 0, B = 1, C = 1.6)[inc$group] +
                   rnorm(nrow(inc), 0, 0.7), 4)
inc <- inc[!(inc$subject == "s0" & inc$group == "C"), c("subject", "group", "value")]
write.csv(inc, "mixed_incomplete.csv", row.names = FALSE)
inc$group <- factor(inc$group, levels = c("A", "B", "C"))
m_inc <- fit(value ~ group + (1 | subject), inc)
print(summary(m_inc))
variances_out("mx_incomplete", m_inc)
L <- rbind("B - A" = c(0, 1, 0), "C - A" = c(0, 0, 1), "C - B" = c(0, -1, 1))
contrasts_out("mx_incomplete", m_inc, L)
sw <- shapiro.test(residuals(m_inc))
add("mx_incomplete", "shapiro_W", "residuals", sw$statistic)
add("mx_incomplete", "shapiro_p", "residuals", sw$p.value)
a <- anova(m_inc, ddf = "Satterthwaite")
add("mx_incomplete", "F", "group", a[["F value"]]); add("mx_incomplete", "df1", "group", a$NumDF)
add("mx_incomplete", "df2", "group", a$DenDF); add("mx_incomplete", "p", "group", a[["Pr(>F)"]])

## ==================================================================
## 2. Experiments crossed with groups, two experiment x group cells missing (the issue's design):
##    6 experiments x ctrl/a/b x 4 cells, no true experiment x group variance.
## ==================================================================
sim_crossed <- function(seed) {
  set.seed(seed)
  exps <- sprintf("e%d", 1:6)
  ee <- rnorm(6, 0, 1.2)
  d <- expand.grid(cell = 1:4, group = c("ctrl", "a", "b"), experiment = exps, stringsAsFactors = FALSE)
  d$value <- round(10 + 2.5 * (d$group == "a") + 1 * (d$group == "b") + ee[match(d$experiment, exps)] +
                   rnorm(nrow(d), 0, 1.5), 4)
  drop <- (d$experiment == "e2" & d$group == "a") | (d$experiment == "e5" & d$group == "b")
  d[!drop, c("experiment", "group", "cell", "value")]
}
## seeds chosen from 1..150 (see README_mixed.md): 14 puts the experiment x group variance at 0, 9 the
## experiment variance at 0, 7 has both components well inside
Lg <- rbind("a - ctrl" = c(0, 1, 0), "b - ctrl" = c(0, 0, 1), "b - a" = c(0, -1, 1))
for (cs in list(c("mx_boundary", "mixed_boundary.csv", 14), c("mx_zero_replicate", "mixed_zero_replicate.csv", 9),
                c("mx_interior", "mixed_interior.csv", 7))) {
  d <- sim_crossed(as.integer(cs[3]))
  write.csv(d, cs[2], row.names = FALSE)
  d$group <- factor(d$group, levels = c("ctrl", "a", "b"))
  cat("\n====", cs[1], "(seed", cs[3], ")\n")
  m <- fit(value ~ group + (1 | experiment) + (1 | experiment:group), d)
  print(summary(m))
  m_def <- suppressMessages(lmerTest::lmer(value ~ group + (1 | experiment) + (1 | experiment:group), d))
  cat("default control, max |diff| in fixef:", max(abs(fixef(m) - fixef(m_def))), "\n")
  variances_out(cs[1], m)
  contrasts_out(cs[1], m, Lg)
  for (ddf in c("Satterthwaite", "Kenward-Roger")) {
    a <- anova(m, ddf = ddf)
    sfx <- if (ddf == "Satterthwaite") "" else "_kr"
    add(cs[1], paste0("F", sfx), "group", a[["F value"]]); add(cs[1], paste0("df2", sfx), "group", a$DenDF)
    add(cs[1], paste0("p", sfx), "group", a[["Pr(>F)"]])
  }
  add(cs[1], "df1", "group", 2)
  sw <- shapiro.test(residuals(m))
  add(cs[1], "shapiro_W", "residuals", sw$statistic); add(cs[1], "shapiro_p", "residuals", sw$p.value)
  ## Dunnett (vs ctrl) single-step: multivariate t with each contrast's Satterthwaite df and the contrasts'
  ## correlation from vcov(m) (emmeans' "mvt" adjustment, without its truncation of df to an integer)
  V <- as.matrix(vcov(m))[2:3, 2:3]
  R <- cov2cor(V)
  add(cs[1], "corr", "a - ctrl, b - ctrl", R[1, 2])
  for (nm in c("a - ctrl", "b - ctrl")) {
    s <- contest(m, Lg[nm, , drop = FALSE], joint = FALSE, ddf = "Satterthwaite")
    tt <- abs(s[["t value"]])
    add(cs[1], "p_dunnett", nm, 1 - pmax2(tt, s$df, R))
    cr <- uniroot(function(q) pmax2(q, s$df, R) - 0.95, c(1, 10), tol = 1e-13)$root
    add(cs[1], "crit_dunnett", nm, cr)
  }
  ps <- sapply(c("a - ctrl", "b - ctrl"), function(nm)
    contest(m, Lg[nm, , drop = FALSE], joint = FALSE, ddf = "Satterthwaite")[["Pr(>|t|)"]])
  for (meth in c("holm", "bonferroni", "BH")) add(cs[1], paste0("p_", meth), names(ps), p.adjust(ps, meth))
}

## ==================================================================
## 3. Split-plot: experiments each done in one cell line (by varies between experiments), siRNA ctrl/kd
##    within every experiment, 5 cells per experiment x siRNA; L1 in 3 experiments, L2 in 4.
## ==================================================================
set.seed(303)
ex <- sprintf("x%d", 1:7)
line <- c(rep("L1", 3), rep("L2", 4))
ee <- rnorm(7, 0, 1.5)
eg <- matrix(rnorm(14, 0, 0.4), 2)
sp <- expand.grid(cell = 1:5, sirna = c("ctrl", "kd"), experiment = ex, stringsAsFactors = FALSE)
ie <- match(sp$experiment, ex)
sp$line <- line[ie]
sp$value <- round(20 + 2 * (sp$line == "L2") - 1.5 * (sp$sirna == "kd") - 1.2 * (sp$sirna == "kd") * (sp$line == "L2") +
                  ee[ie] + eg[cbind(match(sp$sirna, c("ctrl", "kd")), ie)] + rnorm(nrow(sp), 0, 1), 4)
sp <- sp[, c("experiment", "line", "sirna", "cell", "value")]
write.csv(sp, "splitplot.csv", row.names = FALSE)
sp$sirna <- factor(sp$sirna, levels = c("ctrl", "kd")); sp$line <- factor(sp$line)
sp$experiment <- factor(sp$experiment)
## (a) replicate means: classical split-plot ANOVA, aov with an Error() stratum per experiment
mm <- aggregate(value ~ experiment + line + sirna, sp, mean)
av <- aov(value ~ sirna * line + Error(experiment), data = mm)
print(summary(av))
sa <- summary(av)
bw <- sa[["Error: experiment"]][[1]]; wi <- sa[["Error: Within"]][[1]]
rn <- function(x) trimws(rownames(x))
for (tab in list(bw, wi)) {
  for (i in seq_len(nrow(tab) - 1)) {
    t_ <- rn(tab)[i]
    add("sp_means_aov", "F", t_, tab[i, "F value"]); add("sp_means_aov", "df1", t_, tab[i, "Df"])
    add("sp_means_aov", "df2", t_, tab[nrow(tab), "Df"]); add("sp_means_aov", "p", t_, tab[i, "Pr(>F)"])
    add("sp_means_aov", "ss", t_, tab[i, "Sum Sq"])
  }
}
add("sp_means_aov", "mse_within", "", wi[nrow(wi), "Mean Sq"])
m_spm <- fit(value ~ sirna * line + (1 | experiment), mm)
for (ty in 2:3) {
  a <- anova(m_spm, ddf = "Satterthwaite", type = ty)
  print(a)
  sfx <- if (ty == 2) "" else "_type3"
  for (t_ in rownames(a)) {
    add("sp_means_lmer", paste0("F", sfx), t_, a[t_, "F value"]); add("sp_means_lmer", paste0("df2", sfx), t_, a[t_, "DenDF"])
    add("sp_means_lmer", paste0("p", sfx), t_, a[t_, "Pr(>F)"])
  }
}
em <- emmeans(m_spm, ~ sirna | line, lmer.df = "satterthwaite")
pr <- summary(contrast(em, "revpairwise"), infer = c(TRUE, TRUE))
print(pr)
for (i in seq_len(nrow(pr))) {
  t_ <- paste0("line=", pr$line[i], ": kd - ctrl")
  add("sp_means_lmer", "estimate", t_, pr$estimate[i]); add("sp_means_lmer", "se", t_, pr$SE[i])
  add("sp_means_lmer", "df", t_, pr$df[i]); add("sp_means_lmer", "t", t_, pr$t.ratio[i])
  add("sp_means_lmer", "p", t_, pr$p.value[i]); add("sp_means_lmer", "lower", t_, pr$lower.CL[i])
  add("sp_means_lmer", "upper", t_, pr$upper.CL[i])
}
variances_out("sp_means_lmer", m_spm)
## (b) every cell, experiment and experiment x siRNA as random effects
m_spc <- fit(value ~ sirna * line + (1 | experiment) + (1 | experiment:sirna), sp)
for (ty in 2:3) {
  a <- anova(m_spc, ddf = "Satterthwaite", type = ty)
  print(a)
  sfx <- if (ty == 2) "" else "_type3"
  for (t_ in rownames(a)) {
    add("sp_cells_lmer", paste0("F", sfx), t_, a[t_, "F value"]); add("sp_cells_lmer", paste0("df2", sfx), t_, a[t_, "DenDF"])
    add("sp_cells_lmer", paste0("p", sfx), t_, a[t_, "Pr(>F)"])
  }
}
em <- emmeans(m_spc, ~ sirna | line, lmer.df = "satterthwaite")
pr <- summary(contrast(em, "revpairwise"), infer = c(TRUE, TRUE))
print(pr)
for (i in seq_len(nrow(pr))) {
  t_ <- paste0("line=", pr$line[i], ": kd - ctrl")
  add("sp_cells_lmer", "estimate", t_, pr$estimate[i]); add("sp_cells_lmer", "se", t_, pr$SE[i])
  add("sp_cells_lmer", "df", t_, pr$df[i]); add("sp_cells_lmer", "p", t_, pr$p.value[i])
}
variances_out("sp_cells_lmer", m_spc)

## ==================================================================
## 4. Count models: Dunnett (multcomp single-step, normal) and p.adjust families on InsectSprays
## ==================================================================
data(InsectSprays)
gm <- glm(count ~ spray, family = poisson, data = InsectSprays)
gl <- glht(gm, mcp(spray = "Dunnett"))
set.seed(1)
sg <- summary(gl, test = adjusted("single-step", algorithm = GenzBretz(maxpts = 2e7, abseps = 1e-8, releps = 0)))
print(sg)
trm <- sub(" - A", "", names(sg$test$coefficients))
add("is_poisson_posthoc", "p_dunnett", trm, sg$test$pvalues)
set.seed(1)
cr <- attr(confint(gl, level = 0.95)$confint, "calpha")
add("is_poisson_posthoc", "crit_dunnett_multcomp", "", cr)
pz <- coef(summary(gm))[-1, 4]
for (meth in c("holm", "bonferroni", "BH")) add("is_poisson_posthoc", paste0("p_", meth), trm, p.adjust(pz, meth))

out <- do.call(rbind, rows)
stopifnot(!any(is.na(out$value)), !any(duplicated(out[, 1:3])))
out$value <- sprintf("%.12g", out$value)
write.csv(out, "reference_mixed.csv", row.names = FALSE, quote = TRUE)
cat("\nwrote", nrow(out), "rows to reference_mixed.csv\n\n")
print(sessionInfo())
