## NanoStringNorm reference values for the NanoString module (issue 11: zero counts, background subtraction).
## NanoStringNorm 1.2.1.1 (Waggott et al. 2012, Bioinformatics 28:1546; archived on CRAN) implements NanoString's
## published gene-expression data analysis guidelines: positive-control scaling (CodeCount = "geo.mean"),
## background from the negative controls (Background = "mean.2sd": subtracted, floored at 0), housekeeping scaling
## (SampleContent = "housekeeping.geo.mean"). Its rule for counts below 1: geometric means count them as 1
## (get.geo.mean), and before the log they are set to 1 (output.formatting, take.log = TRUE).
## Installed from the cran/NanoStringNorm source (1.2.1.1) and bioc/vsn source (3.75.0) into a private library
## (/tmp/nsnlib; NANOSTRINGNORM_LIB overrides) on Debian's R 4.2.2 with r-bioc-affy, r-bioc-limma, r-cran-xml,
## r-cran-gdata. CI has no R: the values are committed.
##
## Run from this directory:
##   Rscript make_reference_nanostringnorm.R > make_reference_nanostringnorm.Rout 2>&1
## Input: the 12 SKMEL RCC files in ../../../data/nanostring_skmel (read with NanoStringNorm::read.markup.RCC) and
##        3D_SolidTumor_PhenoData.csv there.
## Output (value = sprintf("%.12g")):
##   reference_nanostringnorm.csv  long form case,quantity,term,value: per-sample factors
##   nsn_<case>_log2.csv           Endogenous + Housekeeping probes x samples: log2 of NanoStringNorm's normalised
##                                 counts (take.log = FALSE, then its own rule x[x < 1] <- 1; log2(x), without the
##                                 4-significant-digit rounding that take.log = TRUE applies)
##   nsn_<case>_de.csv             per BRAF genotype stratum and Endogenous gene, VEM vs DMSO: Welch t.test on those
##                                 log2 values (as NanoStringNorm's get.ttest.and.foldchange, in its tryCatch: a gene
##                                 whose t test fails or gives no p value, e.g. constant data, is not tested), log2fc = mean(VEM) -
##                                 mean(DMSO), q = BH over the tested genes of the stratum; nsn_tested = whether
##                                 NanoStringNorm's own trait test (traits = 1 DMSO / 2 VEM within the stratum) gave
##                                 a p value.
## threshold / zeros_threshold: assaystats' default, which NanoStringNorm does not have: its positive scaling and
##        mean.2sd background level, then base R raises Endogenous and Housekeeping counts below the level to it,
##        then its housekeeping scaling and log rule; a gene at or below the background in every sample of a
##        comparison is not tested (assaystats' rule, typed from its statement); nsn_tested is empty there.
## Cases: none / subtract = Background "none" / "mean.2sd" on the 12 files as they are (six Endogenous zeros:
##        IL1RN, CSF3R, TNFSF14 in SKMEL2; CCR5, IL22RA1, FASLG in SKMEL28; one zero NEG_B);
##        zeros_none / zeros_subtract = the same after setting four more counts to 0, one per probe class:
##        POS_F(0.125) in SKMEL2-DMSO-8h-R1_04, NEG_A(0) in SKMEL2-VEM-8h-R1_10, Housekeeping CC2D1B in
##        SKMEL28-VEM-8h-R2_10, Endogenous TP53 in SKMEL28-DMSO-8h-R1_04.
## QC and housekeeping stability (case `qc` and `hk_stability` in reference_nanostringnorm.csv), files as they are:
##   fov_ratio = FovCounted / FovCount and binding_density = BindingDensity from the lane attributes as
##   NanoStringNorm's read.markup.RCC parses them; pos_r2 = R^2 of stats::lm(log2 count ~ log2 concentration) over
##   the six positive controls (concentration from the probe name, POS_A(128) -> 128) and lod_ok = POS_E above
##   mean + 2 SD of the negatives (raw counts): these two are NanoString's guideline definitions typed here
##   (hand-derived; no package computes them). genorm_m = ctrlGene 1.0.1's measureM (geNorm M, Vandesompele 2002;
##   built from the cran/ctrlGene source into /tmp/refrlib or REFERENCE_RLIB) on the positive-normalised
##   housekeeping counts of NanoStringNorm's code.count.normalization (before any background step).

options(warn = 1)
lib <- Sys.getenv("NANOSTRINGNORM_LIB", "/tmp/nsnlib")
.libPaths(c(lib, Sys.getenv("REFERENCE_RLIB", "/tmp/refrlib"), .libPaths()))
suppressPackageStartupMessages({library(NanoStringNorm); library(ctrlGene)})
cat("R version:", R.version.string, "\n")
cat("NanoStringNorm", as.character(packageVersion("NanoStringNorm")), "vsn", as.character(packageVersion("vsn")),
    "ctrlGene", as.character(packageVersion("ctrlGene")), "\n\n")
data_dir <- Sys.getenv("NANOSTRING_DATA", "../../../data/nanostring_skmel")
pheno <- read.csv(file.path(data_dir, "3D_SolidTumor_PhenoData.csv"), stringsAsFactors = FALSE)

rcc <- read.markup.RCC(rcc.path = data_dir)
cat("\n")
x <- rcc$x
colnames(x)[1] <- "Code.Class"
x <- x[x$Code.Class %in% c("Endogenous", "Housekeeping", "Positive", "Negative"), ]
sample_cols <- setdiff(colnames(x), c("Code.Class", "Name", "Accession"))
## read.markup.RCC names a sample after its file (".RCC" removed; R makes '-' a '.'): map back to file names
files <- sort(list.files(data_dir, pattern = "\\.RCC$"))
stopifnot(length(files) == length(sample_cols))
file_of <- setNames(files, make.names(sub("\\.RCC$", "", files)))
stopifnot(setequal(names(file_of), sample_cols))
## an independent check of the counts: the file's own Code_Summary line for every probe
for (f in files) {
  L <- readLines(file.path(data_dir, f), warn = FALSE)
  cs <- L[(which(L == "<Code_Summary>") + 2):(which(L == "</Code_Summary>") - 1)]
  p <- do.call(rbind, strsplit(cs, ","))
  cnt <- setNames(as.numeric(p[, 4]), p[, 2])
  stopifnot(all(cnt[x$Name] == x[[names(file_of)[file_of == f]]]))
}

rows <- list()
add <- function(case, quantity, term, value) {
  v <- unname(as.numeric(value))
  stopifnot(length(v) == length(term), all(is.finite(v)))
  rows[[length(rows) + 1]] <<- data.frame(case = case, quantity = quantity, term = term,
                                          value = sprintf("%.12g", v), stringsAsFactors = FALSE)
}

## QC per lane and housekeeping stability (files as they are)
hd <- rcc$header
hd <- hd[, sample_cols]
add("qc", "fov_ratio", file_of[sample_cols], as.numeric(hd["FovCounted", ]) / as.numeric(hd["FovCount", ]))
add("qc", "binding_density", file_of[sample_cols], as.numeric(hd["BindingDensity", ]))
pos <- x[x$Code.Class == "Positive", ]; neg <- x[x$Code.Class == "Negative", ]
conc <- as.numeric(sub(".*\\((.*)\\)$", "\\1", pos$Name))
stopifnot(length(conc) == 6, all(is.finite(conc)))
r2 <- sapply(sample_cols, function(s) summary(lm(log2(pos[[s]]) ~ log2(conc)))$r.squared)
lod <- sapply(sample_cols, function(s) pos[[s]][grepl("^POS_E", pos$Name)] > mean(neg[[s]]) + 2 * sd(neg[[s]]))
add("qc", "pos_r2", file_of[sample_cols], r2)
add("qc", "lod_ok", file_of[sample_cols], lod)
raw_all <- as.matrix(x[, sample_cols]); rownames(raw_all) <- x$Name
cc_all <- NanoStringNorm:::code.count.normalization(raw_all, x[, c("Code.Class", "Name", "Accession")],
                                                    CodeCount = "geo.mean", verbose = FALSE)
hk <- t(cc_all$x[x$Code.Class == "Housekeeping", ])
stopifnot(all(hk > 0))
mm <- measureM(hk, ctVal = FALSE)
print(data.frame(fov_ratio = as.numeric(hd["FovCounted", ]) / as.numeric(hd["FovCount", ]), pos_r2 = r2, lod_ok = lod,
                 row.names = file_of[sample_cols]), digits = 8)
print(mm, digits = 10)
add("hk_stability", "genorm_m", mm$Genes, mm$M)
cat("\n")

zeros <- rbind(c("SKMEL2-DMSO-8h-R1_04.RCC", "POS_F(0.125)"), c("SKMEL2-VEM-8h-R1_10.RCC", "NEG_A(0)"),
               c("SKMEL28-VEM-8h-R2_10.RCC", "CC2D1B"), c("SKMEL28-DMSO-8h-R1_04.RCC", "TP53"))
xz <- x
for (i in seq_len(nrow(zeros))) {
  col <- names(file_of)[file_of == zeros[i, 1]]; row <- which(xz$Name == zeros[i, 2])
  stopifnot(length(col) == 1, length(row) == 1, xz[row, col] > 0)
  xz[row, col] <- 0
}

fmt <- function(m) { o <- m; o[] <- sprintf("%.12g", m); o }

run <- function(case, counts, background) {
  cat("== ", case, " (Background = ", background, ")\n", sep = "")
  threshold <- background == "threshold"
  raw <- as.matrix(counts[, sample_cols]); rownames(raw) <- counts$Name
  anno <- counts[, c("Code.Class", "Name", "Accession")]
  ## the steps at full precision, from NanoStringNorm's own functions
  cc <- NanoStringNorm:::code.count.normalization(raw, anno, CodeCount = "geo.mean", verbose = FALSE)
  if (background == "none") {
    bgo <- list(x = cc$x)
  } else if (threshold) {
    ## NanoStringNorm has no thresholding: its mean.2sd background level, then base R raises the Endogenous and
    ## Housekeeping counts below it to it (assaystats' default; positives and negatives stay as they are)
    lev <- NanoStringNorm:::background.normalization(cc$x, anno, Background = "mean.2sd",
                                                     verbose = FALSE)$background.level
    xt <- cc$x; eh <- anno$Code.Class %in% c("Endogenous", "Housekeeping")
    xt[eh, ] <- pmax(xt[eh, ], matrix(lev, sum(eh), ncol(xt), byrow = TRUE))
    bgo <- list(x = xt, background.level = lev)
  } else {
    bgo <- NanoStringNorm:::background.normalization(cc$x, anno, Background = background, verbose = FALSE)
  }
  sc <- NanoStringNorm:::sample.content.normalization(bgo$x, anno, SampleContent = "housekeeping.geo.mean",
                                                      verbose = FALSE)
  if (threshold) {
    nd <- data.frame(anno, sc$x, check.names = FALSE)
  } else {
    nsn <- NanoStringNorm(counts, Probe.Correction.Factor = "none", CodeCount = "geo.mean",
                          Background = background, SampleContent = "housekeeping.geo.mean", take.log = FALSE,
                          round.values = FALSE, verbose = FALSE)
    nd <- nsn$normalized.data
    ss <- nsn$sample.summary.stats.norm      # its factors are rounded to 4 digits: the exact ones are above
    m <- as.matrix(nd[, sample_cols]); rownames(m) <- nd$Name
    stopifnot(max(abs(sc$x - m) / pmax(abs(m), 1)) < 1e-12)
    stopifnot(all(abs(signif(cc$pos.norm.factor, 4) - ss$pos.norm.factor) < 1e-9))
  }
  m <- as.matrix(nd[, sample_cols]); rownames(m) <- nd$Name
  add(case, "pos_geomean", file_of[sample_cols], cc$pos.sample[sample_cols])
  add(case, "pos_factor", file_of[sample_cols], cc$pos.norm.factor[sample_cols])
  add(case, "hk_geomean", file_of[sample_cols], sc$rna.content[sample_cols])
  add(case, "hk_factor", file_of[sample_cols], sc$sampleContent.norm.factor[sample_cols])
  if (background != "none") add(case, "background", file_of[sample_cols], bgo$background.level[sample_cols])
  genes <- nd$Code.Class %in% c("Endogenous", "Housekeeping")
  lg <- m[genes, ]; lg[lg < 1] <- 1; lg <- log2(lg)          # output.formatting's rule, without signif(, 4)
  colnames(lg) <- file_of[colnames(lg)]
  out <- data.frame(gene = rownames(lg), code_class = nd$Code.Class[genes], fmt(lg), check.names = FALSE)
  write.csv(out, paste0("nsn_", case, "_log2.csv"), row.names = FALSE, quote = FALSE)
  print(signif(data.frame(pos_factor = cc$pos.norm.factor, hk_factor = sc$sampleContent.norm.factor,
                          row.names = file_of[sample_cols]), 6))
  ## differential expression per BRAF genotype
  endo <- rownames(lg)[out$code_class == "Endogenous"]
  de <- NULL
  for (st in unique(pheno$BRAFGenotype)) {
    vem <- pheno$RCC[pheno$BRAFGenotype == st & pheno$Treatment == "VEM"]
    dmso <- pheno$RCC[pheno$BRAFGenotype == st & pheno$Treatment == "DMSO"]
    if (!threshold) {
      ## NanoStringNorm's own trait test, on its take.log = TRUE output (rounded: only whether it tests a gene is kept)
      tr <- data.frame(row.names = sample_cols, t = ifelse(file_of[sample_cols] %in% dmso, 1,
                                                           ifelse(file_of[sample_cols] %in% vem, 2, NA)))
      nl <- NanoStringNorm(counts, Probe.Correction.Factor = "none", CodeCount = "geo.mean", Background = background,
                           SampleContent = "housekeeping.geo.mean", take.log = TRUE, traits = tr, verbose = FALSE)
      gs <- nl$gene.summary.stats.norm
      nsn_p <- setNames(gs[["P_t"]], rownames(gs))
    }
    ## threshold: assaystats' rule, typed here from its statement: a gene at or below the background in every
    ## sample of the comparison (positive-normalised count <= background level) is not tested
    all_bg <- setNames(rep(FALSE, length(endo)), endo)
    if (threshold) {
      cols <- names(file_of)[match(c(vem, dmso), file_of)]
      at_bg <- cc$x[endo, cols] <= matrix(bgo$background.level[cols], length(endo), length(cols), byrow = TRUE)
      all_bg[] <- apply(at_bg, 1, all)
    }
    res <- do.call(rbind, lapply(endo, function(g) {
      if (all_bg[[g]]) return(data.frame(gene = g, tested = 0, log2fc = NA, t = NA, df = NA, p = NA))
      tt <- tryCatch(t.test(lg[g, vem], lg[g, dmso], var.equal = FALSE), error = function(e) NULL)
      if (is.null(tt) || !is.finite(tt$p.value)) return(data.frame(gene = g, tested = 0, log2fc = NA, t = NA, df = NA, p = NA))
      data.frame(gene = g, tested = 1, log2fc = unname(tt$estimate[1] - tt$estimate[2]),
                 t = unname(tt$statistic), df = unname(tt$parameter), p = tt$p.value)
    }))
    res$q <- NA; ok <- res$tested == 1; res$q[ok] <- p.adjust(res$p[ok], "BH")
    res$nsn_tested <- if (threshold) NA else as.integer(!is.na(nsn_p[res$gene]))
    if (!threshold) stopifnot(all(res$tested == res$nsn_tested))
    res$within <- st
    cat(st, ": ", sum(!ok), " of ", nrow(res), " genes not tested: ", paste(res$gene[!ok], collapse = " "), "\n",
        sep = "")
    print(res[res$gene %in% c("CCND1", "MYC", "SPRY4", "IL22RA2", "CSF3R", "IL1RN", "TNFSF14", "CCR5", "IL22RA1",
                              "FASLG", "TP53"), c("gene", "tested", "log2fc", "p", "q")], row.names = FALSE, digits = 6)
    de <- rbind(de, res)
  }
  num <- c("log2fc", "t", "df", "p", "q")
  for (k in num) de[[k]] <- ifelse(is.na(de[[k]]), "", sprintf("%.12g", de[[k]]))
  de$nsn_tested <- ifelse(is.na(de$nsn_tested), "", de$nsn_tested)
  write.csv(de[, c("within", "gene", "tested", "nsn_tested", num)], paste0("nsn_", case, "_de.csv"),
            row.names = FALSE, quote = FALSE)
  cat("\n")
}

run("none", x, "none")
run("subtract", x, "mean.2sd")
run("zeros_none", xz, "none")
run("zeros_subtract", xz, "mean.2sd")
run("threshold", x, "threshold")
run("zeros_threshold", xz, "threshold")

out <- do.call(rbind, rows)
stopifnot(!anyDuplicated(out[, c("case", "quantity", "term")]))
write.csv(out, "reference_nanostringnorm.csv", row.names = FALSE, quote = FALSE)
cat("rows written:", nrow(out), "\n")
print(sessionInfo())
