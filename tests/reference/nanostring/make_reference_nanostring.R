## Independent R reference values for the NanoString module (normalisation after NanoString's guidelines, QC,
## geNorm housekeeping stability, Welch DE per BRAF genotype). Base R only; own RCC parser.
## Run from this directory:  Rscript make_reference_nanostring.R > make_reference_nanostring.Rout 2>&1
## Input: the 12 RCC files + 3D_SolidTumor_PhenoData.csv in ../../../../shared/data/nanostring-skmel
##        (= /work/shared/data/nanostring-skmel; override with env var NANOSTRING_DATA). Not copied here.
## Output: reference_nanostring.csv (long form case,quantity,term,value; value = sprintf("%.12g")).

options(warn = 1)
cat("R version:", R.version.string, "\n")
data_dir <- Sys.getenv("NANOSTRING_DATA", "../../../../shared/data/nanostring-skmel")
if (!dir.exists(data_dir)) data_dir <- "/work/shared/data/nanostring-skmel"
cat("data dir:", normalizePath(data_dir), "\n\n")

## ---------------------------------------------------------------- RCC parser
read_rcc <- function(path) {
  lines <- sub("\r$", "", readLines(path, warn = FALSE))
  section <- function(tag) {
    s <- which(lines == paste0("<", tag, ">")); e <- which(lines == paste0("</", tag, ">"))
    stopifnot(length(s) == 1, length(e) == 1, e > s)
    if (e - s < 2) character(0) else lines[(s + 1):(e - 1)]
  }
  kv <- function(tag) {
    x <- section(tag); x <- x[nzchar(x)]
    key <- sub(",.*$", "", x); val <- ifelse(grepl(",", x), sub("^[^,]*,", "", x), "")
    setNames(val, key)
  }
  cs <- section("Code_Summary"); cs <- cs[nzchar(cs)]
  stopifnot(cs[1] == "CodeClass,Name,Accession,Count")
  parts <- strsplit(cs[-1], ",", fixed = TRUE)
  ## Name may in principle contain commas: CodeClass = first, Accession/Count = last two fields
  codes <- data.frame(
    CodeClass = vapply(parts, function(p) p[1], ""),
    Name      = vapply(parts, function(p) paste(p[2:(length(p) - 2)], collapse = ","), ""),
    Accession = vapply(parts, function(p) p[length(p) - 1], ""),
    Count     = as.numeric(vapply(parts, function(p) p[length(p)], "")),
    stringsAsFactors = FALSE)
  list(header = kv("Header"), sample = kv("Sample_Attributes"), lane = kv("Lane_Attributes"),
       codes = codes, messages = section("Messages"))
}

pheno <- read.csv(file.path(data_dir, "3D_SolidTumor_PhenoData.csv"), stringsAsFactors = FALSE)
files <- pheno$RCC
rcc <- lapply(file.path(data_dir, files), read_rcc); names(rcc) <- files
n <- length(files)
cat("files:", n, "\n"); print(pheno)

mrna_classes <- c("Endogenous", "Housekeeping", "Positive", "Negative")
mr <- rcc[[1]]$codes; mr <- mr[mr$CodeClass %in% mrna_classes, c("CodeClass", "Name")]
stopifnot(!anyDuplicated(mr$Name))
## count matrix probes x samples (rows matched by name, class checked)
raw <- sapply(rcc, function(r) {
  cd <- r$codes[r$codes$CodeClass %in% mrna_classes, ]
  stopifnot(setequal(cd$Name, mr$Name)); i <- match(mr$Name, cd$Name)
  stopifnot(all(cd$CodeClass[i] == mr$CodeClass)); cd$Count[i]
})
rownames(raw) <- mr$Name
cls <- setNames(mr$CodeClass, mr$Name)
cat("\nmRNA probes per class:\n"); print(table(cls))
pos <- names(cls)[cls == "Positive"]; neg <- names(cls)[cls == "Negative"]
hk <- names(cls)[cls == "Housekeeping"]; endo <- names(cls)[cls == "Endogenous"]
stopifnot(length(pos) == 6, length(neg) == 6, length(hk) == 12)
gm <- function(x) exp(mean(log(x)))

## ---------------------------------------------------------------- 1. positive-control normalisation
stopifnot(all(raw[pos, ] > 0))
pos_geomean <- apply(raw[pos, ], 2, gm)
pos_factor <- mean(pos_geomean) / pos_geomean
pn <- sweep(raw, 2, pos_factor, "*")

## ---------------------------------------------------------------- 2. background
background <- apply(pn[neg, ], 2, function(x) mean(x) + 2 * sd(x))
eh <- c(endo, hk)
thr <- pn[eh, ]; sub <- pn[eh, ]
for (i in seq_len(n)) {
  thr[, i] <- pmax(pn[eh, i], background[i])                 # threshold (default)
  sub[, i] <- pmax(pn[eh, i] - background[i], 0)             # subtract, floor 0 (NanoStringNorm)
}

## ---------------------------------------------------------------- 3. housekeeping normalisation
hk_geomean <- apply(thr[hk, ], 2, gm); hk_factor <- mean(hk_geomean) / hk_geomean
norm <- sweep(thr, 2, hk_factor, "*"); log2n <- log2(norm)
## subtracted variant: HK factor recomputed from the background-subtracted HK counts
## counts below 1 count as 1 in a geometric mean and before the log2 (NanoStringNorm's rule; issue 11)
gm1 <- function(x) gm(pmax(x, 1))
sub_hk_geomean <- apply(sub[hk, ], 2, gm1); sub_hk_factor <- mean(sub_hk_geomean) / sub_hk_geomean
sub_log2n <- log2(pmax(sweep(sub, 2, sub_hk_factor, "*"), 1))

## ---------------------------------------------------------------- 4. QC
lane <- function(r, k) as.numeric(r$lane[[k]])
fov_ratio <- sapply(rcc, function(r) lane(r, "FovCounted") / lane(r, "FovCount"))
binding_density <- sapply(rcc, function(r) lane(r, "BindingDensity"))
conc <- as.numeric(sub("^.*\\(([^)]*)\\).*$", "\\1", pos)); names(conc) <- pos
cat("\npositive concentrations:\n"); print(conc)
pos_r2 <- apply(raw[pos, ], 2, function(y) summary(lm(log2(y) ~ log2(conc)))$r.squared)
pos_e <- grep("^POS_E", pos, value = TRUE); stopifnot(length(pos_e) == 1)
lod_thr <- apply(raw[neg, ], 2, function(x) mean(x) + 2 * sd(x))
lod_ok <- raw[pos_e, ] > lod_thr

## ---------------------------------------------------------------- 5. geNorm M
L <- log2(pn[hk, ]); stopifnot(all(is.finite(L)))
genorm_m <- sapply(hk, function(j) mean(sapply(setdiff(hk, j), function(k) sd(L[j, ] - L[k, ]))))

## ---------------------------------------------------------------- output
rows <- list()
add <- function(case, quantity, term, value) {
  v <- if (is.logical(value)) as.numeric(value) else unname(as.numeric(value))
  stopifnot(length(v) == length(term), all(is.finite(v)))
  rows[[length(rows) + 1]] <<- data.frame(case = case, quantity = quantity, term = term,
                                          value = sprintf("%.12g", v), stringsAsFactors = FALSE)
}
fac <- list(pos_geomean = pos_geomean, pos_factor = pos_factor, background = background,
            hk_geomean = hk_geomean, hk_factor = hk_factor, fov_ratio = fov_ratio,
            binding_density = binding_density, pos_r2 = pos_r2, lod_ok = lod_ok,
            sub_hk_geomean = sub_hk_geomean, sub_hk_factor = sub_hk_factor)
for (q in names(fac)) add("factors", q, files, fac[[q]][files])
cat("\nper-sample factors:\n"); print(signif(as.data.frame(fac), 6))

sel <- c("CCND1", "MYC", "SPRY4", "DUSP6", "TP53", "NUBP1")
cat("\nrequested genes not on the panel (no normalized rows):", setdiff(sel, eh), "\n")
sel <- intersect(sel, eh)
for (f in files) {
  add("normalized", "log2_norm", paste0(f, "|", sel), log2n[sel, f])
  add("normalized", "sub_log2_norm", paste0(f, "|", sel), sub_log2n[sel, f])
}
add("hk_stability", "genorm_m", hk, genorm_m)
cat("\ngeNorm M:\n"); print(sort(genorm_m))

## ---------------------------------------------------------------- 6. DE per genotype stratum
skipped <- character(0)
for (st in unique(pheno$BRAFGenotype)) {
  case <- paste0("de_", gsub("[^A-Za-z0-9]+", "_", st))
  vem <- pheno$RCC[pheno$BRAFGenotype == st & pheno$Treatment == "VEM"]
  dmso <- pheno$RCC[pheno$BRAFGenotype == st & pheno$Treatment == "DMSO"]
  ## a gene at or below the background in every sample of the comparison is not tested (issue 11: its values are
  ## background and housekeeping factors alone); BH over the genes tested
  cols <- c(vem, dmso)
  all_bg <- apply(pn[endo, cols] <= matrix(background[cols], length(endo), length(cols), byrow = TRUE), 1, all)
  for (g in endo[all_bg]) add(case, "tested", g, 0)
  cat("not tested (at or below the background in all", length(cols), "samples):", endo[all_bg], "\n")
  res <- do.call(rbind, lapply(endo[!all_bg], function(g) {
    tt <- tryCatch(t.test(log2n[g, vem], log2n[g, dmso]), error = function(e) NULL)
    if (is.null(tt) || !is.finite(tt$p.value)) {
      skipped <<- c(skipped, paste0(case, ":", g)); return(NULL)
    }
    data.frame(gene = g, log2fc = unname(tt$estimate[1] - tt$estimate[2]), t = unname(tt$statistic),
               df = unname(tt$parameter), p = tt$p.value, stringsAsFactors = FALSE)
  }))
  res$q <- p.adjust(res$p, "BH")
  add(case, "tested", res$gene, rep(1, nrow(res)))
  for (q in c("log2fc", "t", "df", "p", "q")) add(case, q, res$gene, res[[q]])
  cat("\n", case, " (", st, "): VEM n=", length(vem), ", DMSO n=", length(dmso), ", genes tested ",
      nrow(res), "\n", sep = "")
  print(res[res$gene %in% c("CCND1", "MYC", "SPRY4", "DUSP6"), ], row.names = FALSE, digits = 6)
}
cat("\nskipped (t test undefined):", if (length(skipped)) skipped else "none", "\n")

out <- do.call(rbind, rows)
stopifnot(!anyNA(out$value), !anyDuplicated(out[, c("case", "quantity", "term")]))
write.csv(out, "reference_nanostring.csv", row.names = FALSE)
cat("\nrows written:", nrow(out), "\n"); print(table(out$case))
