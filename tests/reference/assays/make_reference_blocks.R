# Replicates crossed with groups (each experiment ran every group): the experiment is a block.
# Reference for assaystats.assays.compare(..., replicate="experiment") on the bundled zfas1 example data.
# Run in this folder: Rscript make_reference_blocks.R > make_reference_blocks.Rout 2>&1
suppressMessages({library(multcomp); library(car); library(emmeans)})
out <- data.frame(case = character(), quantity = character(), term = character(), value = character())
add <- function(case, q, term, v) out[nrow(out) + 1, ] <<- list(case, q, term, sprintf("%.12g", v))
data_dir <- "../../../data/zfas1_knockdown"

# 1. one factor: colonies, experiment means, sirna + experiment (randomised block / repeated measures)
col <- read.csv(file.path(data_dir, "colonies.csv"))
m <- aggregate(colonies ~ sirna + experiment, data = col, FUN = mean)
m$sirna <- relevel(factor(m$sirna), ref = "siCtrl")
m$experiment <- factor(m$experiment)
fit <- lm(colonies ~ sirna + experiment, data = m)
a <- Anova(fit, type = 2)
add("col_block", "F", "sirna", a["sirna", "F value"]); add("col_block", "df1", "sirna", a["sirna", "Df"])
add("col_block", "df2", "sirna", a["Residuals", "Df"]); add("col_block", "p", "sirna", a["sirna", "Pr(>F)"])
g <- glht(fit, linfct = mcp(sirna = "Dunnett"))
s <- summary(g, test = adjusted("single-step"))
for (i in seq_along(s$test$coefficients)) {
  term <- names(s$test$coefficients)[i]
  add("col_block", "estimate", term, s$test$coefficients[i]); add("col_block", "se", term, s$test$sigma[i])
  add("col_block", "t", term, s$test$tstat[i]); add("col_block", "p_dunnett", term, s$test$pvalues[i])
}
tk <- TukeyHSD(aov(colonies ~ sirna + experiment, data = m), which = "sirna")$sirna
for (term in rownames(tk)) {
  add("col_block", "tukey_diff", term, tk[term, "diff"]); add("col_block", "tukey_p", term, tk[term, "p adj"])
}

# 2. two factors with blocks: viability, experiment means, sirna * dose + experiment
via <- read.csv(file.path(data_dir, "viability.csv"))
v <- aggregate(viability ~ sirna + sorafenib_uM + experiment, data = via, FUN = mean)
v$sirna <- relevel(factor(v$sirna), ref = "siCtrl"); v$dose <- factor(v$sorafenib_uM)
v$experiment <- factor(v$experiment)
fit2 <- lm(viability ~ sirna * dose + experiment, data = v)
a2 <- Anova(fit2, type = 2)
for (term in c("sirna", "dose", "experiment", "sirna:dose")) {
  add("via_block", "F", term, a2[term, "F value"]); add("via_block", "p", term, a2[term, "Pr(>F)"])
}
add("via_block", "df_resid", "", a2["Residuals", "Df"])
ctr <- summary(contrast(emmeans(fit2, ~ sirna | dose), method = "trt.vs.ctrl", ref = 1))
for (i in seq_len(nrow(ctr))) {
  term <- paste0("dose=", ctr$dose[i])
  add("via_block", "estimate", term, ctr$estimate[i]); add("via_block", "se", term, ctr$SE[i])
  add("via_block", "t", term, ctr$t.ratio[i]); add("via_block", "p", term, ctr$p.value[i])
}
write.csv(out, "reference_blocks.csv", row.names = FALSE)
print(out)
sessionInfo()
