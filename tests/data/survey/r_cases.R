# Reference cases for belem-indicators' survey module, computed with R's survey package.
#
# Run from this folder:  Rscript r_cases.R
# Reads women_survey.csv (the shared reference microdata) and writes
#   cases_data.csv     the rows used (states 1-3, 6 strata), with an fpc and a variance-unit column
#   cases_lonely.csv   the same rows less all but one PSU in strata 01R and 02U (singleton strata)
#   cases_factors.csv  replicate factors per variance unit (long format: type, unit, replicate, factor);
#                      replicate weight of a row = weight * factor of its unit
#   r_cases_expected.csv  what R printed (15 significant digits)
# The Python tests rebuild the same designs from these files and need no R.

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
d0 <- read.csv("women_survey.csv", stringsAsFactors = FALSE)
d <- d0[d0$state <= 3, c("id", "state", "area", "stratum", "psu", "weight", "age_group",
                         "ipv_any_12m", "violence_lifetime", "sought_help", "reported",
                         "schooling_years", "income")]
d <- d[order(d$id), ]

# Finite population correction: population PSUs per stratum, and the same as a fraction.
npsu <- tapply(d$psu, d$stratum, function(p) length(unique(p)))
popsize <- round(npsu * c(`01R` = 3.5, `01U` = 2, `02R` = 5, `02U` = 1.25, `03R` = 8, `03U` = 1.5))
d$fpc_pop <- as.numeric(popsize[d$stratum])
d$fpc_frac <- as.numeric(npsu[d$stratum]) / d$fpc_pop

# Two variance units per stratum (odd and even PSU rank), for the replicate designs.
d$unit <- paste0(d$stratum, "-", ave(d$psu, d$stratum, FUN = function(p) (match(p, sort(unique(p))) %% 2) + 1))
write.csv(d, "cases_data.csv", row.names = FALSE)

# Singleton strata: keep only the first PSU of 01R and 02U.
first <- tapply(d$psu, d$stratum, min)
lonely <- d[!(d$stratum %in% c("01R", "02U")) | d$psu == first[d$stratum], ]
write.csv(lonely, "cases_lonely.csv", row.names = FALSE)

out <- list()
add <- function(case, design, statistic, variable, by, domain, est, se, lo, hi, deff = NA, df = NA) {
  out[[length(out) + 1]] <<- data.frame(case = case, design = design, statistic = statistic,
    variable = variable, by = by, domain = as.character(domain), estimate = as.numeric(est),
    se = as.numeric(se), ci_low = as.numeric(lo), ci_high = as.numeric(hi),
    deff = as.numeric(deff), df = as.numeric(df), stringsAsFactors = FALSE)
}
stat_rows <- function(case, design, statistic, variable, s, with_deff = TRUE) {
  ci <- confint(s)
  add(case, design, statistic, variable, "", "all", coef(s), SE(s), ci[, 1], ci[, 2],
      if (with_deff) deff(s) else NA)
}
by_rows <- function(case, design, statistic, variable, byname, b, with_deff = TRUE) {
  ci <- confint(b)
  add(case, design, statistic, variable, byname, b[[byname]], coef(b), SE(b), ci[, 1], ci[, 2],
      if (with_deff) deff(b) else NA)
}
ratio_rows <- function(case, design, num, den, r) {
  ci <- confint(r)
  add(case, design, "ratio", paste0(num, "/", den), "", "all", coef(r), SE(r), ci[, 1], ci[, 2])
}
taylor_cases <- function(case, des) {
  stat_rows(case, "taylor", "mean", "ipv_any_12m", svymean(~ipv_any_12m, des, na.rm = TRUE, deff = TRUE))
  stat_rows(case, "taylor", "mean", "income", svymean(~income, des, na.rm = TRUE, deff = TRUE))
  stat_rows(case, "taylor", "total", "violence_lifetime", svytotal(~violence_lifetime, des, na.rm = TRUE, deff = TRUE))
  by_rows(case, "taylor", "mean", "ipv_any_12m", "state",
          svyby(~ipv_any_12m, ~state, des, svymean, na.rm = TRUE, deff = TRUE))
  by_rows(case, "taylor", "total", "reported", "state",
          svyby(~reported, ~state, des, svytotal, na.rm = TRUE, deff = TRUE))
  ratio_rows(case, "taylor", "reported", "sought_help",
             svyratio(~reported, ~sought_help, subset(des, !is.na(reported) & !is.na(sought_help))))
  b <- svyby(~reported, ~state, denominator = ~sought_help,
             subset(des, !is.na(reported) & !is.na(sought_help)), svyratio)
  ci <- confint(b)
  add(case, "taylor", "ratio", "reported/sought_help", "state", b$state, coef(b), SE(b), ci[, 1], ci[, 2])
}

# 1. Finite population correction, as population sizes and as fractions (same design).
des_pop <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, fpc = ~fpc_pop, nest = TRUE, data = d)
taylor_cases("fpc_pop", des_pop)
des_frac <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, fpc = ~fpc_frac, nest = TRUE, data = d)
taylor_cases("fpc_frac", des_frac)

# 2. Lonely PSUs, each option.
for (opt in c("remove", "adjust", "certainty", "average")) {
  options(survey.lonely.psu = opt)
  des_l <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = lonely)
  taylor_cases(paste0("lonely_", opt), des_l)
}
options(survey.lonely.psu = "fail")

# 3. Domain quantiles and logit intervals by state (t on each domain's degrees of freedom).
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = d)
add("design", "taylor", "degf", "", "", "all", degf(des), NA, NA, NA)
for (s in sort(unique(d$state))) {
  sub <- subset(des, state == s)
  q <- svyquantile(~income, sub, 0.5, ci = TRUE)
  qq <- q$income
  add("quantile_by", "taylor", "median", "income", "state", s, qq[1, "quantile"], qq[1, "se"],
      qq[1, 2], qq[1, 3], NA, degf(sub))
  ps <- subset(des, !is.na(ipv_any_12m) & state == s)
  p <- svyciprop(~I(ipv_any_12m == 1), ps, method = "logit")
  add("logit_by", "taylor", "proportion", "ipv_any_12m", "state", s, coef(p), SE(p),
      attr(p, "ci")[1], attr(p, "ci")[2], NA, degf(ps))
  p <- svyciprop(~I(ipv_any_12m == 1), ps, method = "beta")
  add("beta_by", "taylor", "proportion", "ipv_any_12m", "state", s, coef(p), SE(p),
      attr(p, "ci")[1], attr(p, "ci")[2], NA, degf(ps))
}

# 4. Replicate-weight designs, factors per variance unit.
units <- sort(unique(d$unit))
ustrat <- substr(units, 1, 3)
nu <- length(units)
fac <- list()
# JK1: delete one unit, the others times nu / (nu - 1)
fac$JK1 <- sapply(seq_len(nu), function(r) ifelse(seq_len(nu) == r, 0, nu / (nu - 1)))
# JKn: delete one unit within its stratum, its partner times 2 (two units per stratum)
fac$JKn <- sapply(seq_len(nu), function(r) ifelse(seq_len(nu) == r, 0, ifelse(ustrat == ustrat[r], 2, 1)))
# BRR: half-samples from a Hadamard matrix (one column per stratum)
strata_u <- unique(ustrat)
H <- hadamard(length(strata_u))
brr <- sapply(seq_len(nrow(H)), function(r) {
  sign <- H[r, match(ustrat, strata_u)]
  second <- grepl("-2$", units)
  ifelse(xor(sign > 0, second), 2, 0)
})
fac$BRR <- brr
fac$Fay <- 0.5 + (brr / 2)  # rho = 0.5: factors 1.5 and 0.5
# bootstrap: n_h - 1 = 1 unit drawn with replacement per stratum, rescaled by n_h / (n_h - 1) = 2
set.seed(20240611)
fac$bootstrap <- sapply(1:30, function(r) {
  f <- numeric(nu)
  for (s in strata_u) {
    idx <- which(ustrat == s)
    pick <- sample(idx, 1)
    f[pick] <- 2
  }
  f
})
long <- do.call(rbind, lapply(names(fac), function(tp) {
  m <- fac[[tp]]
  data.frame(type = tp, unit = rep(units, ncol(m)), replicate = rep(seq_len(ncol(m)), each = nu),
             factor = as.vector(m), stringsAsFactors = FALSE)
}))
write.csv(long, "cases_factors.csv", row.names = FALSE)

rep_cases <- function(tp, mse) {
  m <- fac[[tp]]
  repw <- d$weight * m[match(d$unit, units), , drop = FALSE]
  args <- list(data = d, repweights = as.data.frame(repw), weights = ~weight, type = tp,
               combined.weights = TRUE, mse = mse)
  if (tp == "JKn") args$rscales <- rep(0.5, ncol(m))
  if (tp == "Fay") args$rho <- 0.5
  if (tp == "JK1") args$scale <- (nu - 1) / nu
  rd <- suppressWarnings(do.call(svrepdesign, args))
  case <- paste0("rep_", tp, "_mse", mse)
  s <- svymean(~ipv_any_12m, rd, na.rm = TRUE, deff = TRUE); ci <- confint(s)
  add(case, "replicate", "mean", "ipv_any_12m", "", "all", coef(s), SE(s), ci[, 1], ci[, 2], deff(s), degf(rd))
  s <- svytotal(~violence_lifetime, rd, na.rm = TRUE, deff = TRUE); ci <- confint(s)
  add(case, "replicate", "total", "violence_lifetime", "", "all", coef(s), SE(s), ci[, 1], ci[, 2], deff(s), degf(rd))
  b <- svyby(~ipv_any_12m, ~state, rd, svymean, na.rm = TRUE); ci <- confint(b)
  add(case, "replicate", "mean", "ipv_any_12m", "state", b$state, coef(b), SE(b), ci[, 1], ci[, 2], NA, degf(rd))
  r <- svyratio(~reported, ~sought_help, subset(rd, !is.na(reported) & !is.na(sought_help))); ci <- confint(r)
  add(case, "replicate", "ratio", "reported/sought_help", "", "all", coef(r), SE(r), ci[, 1], ci[, 2], NA, degf(rd))
}
for (tp in names(fac)) for (mse in c(FALSE, TRUE)) rep_cases(tp, mse)

res <- do.call(rbind, out)
num <- c("estimate", "se", "ci_low", "ci_high", "deff", "df")
for (k in num) res[[k]] <- signif(res[[k]], 15)
write.csv(res, "r_cases_expected.csv", row.names = FALSE, na = "NA")
cat("survey", as.character(packageVersion("survey")), "; rows:", nrow(res), "\n")
