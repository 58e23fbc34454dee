# p-value adjustment within one family, as assaystats.doseresponse's adjust_p must give it (comparisons tables).
# R's p.adjust for holm, bonferroni, BH (an NA stays NA and is not counted, p.adjust's default n); Sidak and
# Holm-Sidak are not in p.adjust and are computed here from their definitions:
#   Sidak: 1 - (1 - p)^m;  Holm-Sidak (step-down): the i-th smallest p gets max_{j <= i} 1 - (1 - p_(j))^(m - j + 1).
# Run in this folder: Rscript make_reference_padjust.R > make_reference_padjust.Rout 2>&1
p <- c(0.0021, 0.041, NA, 0.013, 0.30, 0.0450, 0.0007)
ok <- !is.na(p)
m <- sum(ok)
sidak <- ifelse(ok, 1 - (1 - p)^m, NA)
holm_sidak <- rep(NA_real_, length(p))
o <- order(p[ok]); q <- p[ok][o]
step <- cummax(1 - (1 - q)^(m - seq_along(q) + 1))
hs <- numeric(m); hs[o] <- pmin(step, 1)
holm_sidak[ok] <- hs
out <- data.frame(case = character(), quantity = character(), term = character(), value = character())
add <- function(q, i, v) if (!is.na(v)) out[nrow(out) + 1, ] <<- list("padjust", q, as.character(i), sprintf("%.15g", v))
for (i in seq_along(p)) {
  add("p", i, p[i])
  add("holm", i, p.adjust(p, "holm")[i])
  add("bonferroni", i, p.adjust(p, "bonferroni")[i])
  add("bh", i, p.adjust(p, "BH")[i])
  add("sidak", i, sidak[i])
  add("holm-sidak", i, holm_sidak[i])
}
write.csv(out, "reference_padjust.csv", row.names = FALSE)
print(out)
sessionInfo()
