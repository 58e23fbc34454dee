# R's exact Spearman p value (cor.test(method = "spearman", exact = TRUE); AS 89: exact enumeration for n <= 9,
# Edgeworth series for larger n) on untied data; values written with sprintf("%.17g") (round-trips doubles).
# Run: Rscript make_reference_spearman.R > make_reference_spearman.Rout 2>&1
set.seed(89)
out <- data.frame(case = character(), quantity = character(), term = character(), value = character())
add <- function(case, q, term, v) out[nrow(out) + 1, ] <<- list(case, q, term, sprintf("%.17g", v))
rows <- list()
for (n in c(5, 7, 9, 10, 15, 30, 60)) {
  for (k in 1:3) {
    x <- sample(n); y <- if (k == 1) sample(n) else if (k == 2) x + sample(n) / 2 else -x + sample(n)
    y <- rank(y, ties.method = "first")
    ct <- cor.test(x, y, method = "spearman", exact = TRUE)
    term <- sprintf("n%d_k%d", n, k)
    add("spearman_exact", "rho", term, ct$estimate)
    add("spearman_exact", "S", term, ct$statistic)
    add("spearman_exact", "p", term, ct$p.value)
    add("spearman_exact", "p_greater", term, cor.test(x, y, method = "spearman", exact = TRUE, alternative = "greater")$p.value)
    rows[[term]] <- data.frame(term = term, i = seq_len(n), x = x, y = y)
  }
}
write.csv(do.call(rbind, rows), "spearman_exact_data.csv", row.names = FALSE)
write.csv(out, "reference_spearman.csv", row.names = FALSE)
print(out)
sessionInfo()
