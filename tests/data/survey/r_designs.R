# Reference cases for the designs statistics offices build, computed with R's survey package:
# domain intervals on replicate designs, multistage designs with a finite population
# correction at each stage, calibration (post-stratification, raking, linear, raking-ratio
# and logit calibration with bounds, trimming) on Taylor and replicate designs, and
# replicate weights made from a design.
#
# Run from this folder:  Rscript r_designs.R
# Reads cases_data.csv and cases_factors.csv (made by r_cases.R) and writes
#   designs_data.csv        the same rows with a second stage (segments of three women within
#                           each PSU: ssu), the population sizes at both stages (N1, N2) and
#                           the same as sampling fractions (f1, f2)
#   designs_population.csv  population totals, one row per category (margin, category, total)
#   designs_repweights.csv  replicate factors per PSU made by as.svrepdesign (deterministic types)
#   designs_pps.csv         the rows sorted by PSU with inclusion probabilities for the PPS designs
#   r_designs_expected.csv  what R printed (15 significant digits)
# The Python tests rebuild the same designs from these files and need no R.

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
d <- read.csv("cases_data.csv", stringsAsFactors = FALSE)
d <- d[order(d$id), ]

# Second stage: segments of three women (in id order) within each PSU.
rank_in_psu <- ave(d$id, d$psu, FUN = function(i) rank(i))
d$ssu <- ceiling(rank_in_psu / 3)
n_ssu <- ave(d$ssu, d$psu, FUN = function(s) length(unique(s)))
d$N1 <- d$fpc_pop
d$N2 <- n_ssu * (2 + d$psu %% 3)
d$f1 <- d$fpc_frac
d$f2 <- n_ssu / d$N2
d$N_all <- 500  # population PSUs of the unstratified design
write.csv(d[, c("id", "state", "area", "stratum", "psu", "ssu", "unit", "weight", "age_group",
                "ipv_any_12m", "violence_lifetime", "sought_help", "reported", "schooling_years",
                "income", "N1", "N2", "f1", "f2", "N_all")], "designs_data.csv", row.names = FALSE)

out <- list()
add <- function(case, design, statistic, variable, by, domain, est, se, lo, hi, deff = NA, df = NA) {
  out[[length(out) + 1]] <<- data.frame(case = case, design = design, statistic = statistic,
    variable = variable, by = by, domain = as.character(domain), estimate = as.numeric(est),
    se = as.numeric(se), ci_low = as.numeric(lo), ci_high = as.numeric(hi),
    deff = as.numeric(deff), df = as.numeric(df), stringsAsFactors = FALSE)
}
stat_rows <- function(case, kind, statistic, variable, s, with_deff = TRUE) {
  ci <- confint(s)
  add(case, kind, statistic, variable, "", "all", coef(s), SE(s), ci[, 1], ci[, 2],
      if (with_deff) deff(s) else NA)
}
by_rows <- function(case, kind, statistic, variable, byname, b, with_deff = TRUE) {
  ci <- confint(b)
  add(case, kind, statistic, variable, byname, b[[byname]], coef(b), SE(b), ci[, 1], ci[, 2],
      if (with_deff) deff(b) else NA)
}
# The estimates every design is checked on: means, totals, domains, a ratio.
common_cases <- function(case, kind, des, with_deff = TRUE) {
  stat_rows(case, kind, "mean", "ipv_any_12m", svymean(~ipv_any_12m, des, na.rm = TRUE, deff = with_deff), with_deff)
  stat_rows(case, kind, "mean", "income", svymean(~income, des, na.rm = TRUE, deff = with_deff), with_deff)
  stat_rows(case, kind, "total", "violence_lifetime", svytotal(~violence_lifetime, des, na.rm = TRUE, deff = with_deff), with_deff)
  by_rows(case, kind, "mean", "ipv_any_12m", "state",
          svyby(~ipv_any_12m, ~state, des, svymean, na.rm = TRUE, deff = with_deff), with_deff)
  by_rows(case, kind, "total", "reported", "area",
          svyby(~reported, ~area, des, svytotal, na.rm = TRUE, deff = with_deff), with_deff)
  by_rows(case, kind, "mean", "income", "age_group",
          svyby(~income, ~age_group, des, svymean, na.rm = TRUE, deff = with_deff), with_deff)
  r <- svyratio(~reported, ~sought_help, des, na.rm = TRUE)
  ci <- confint(r)
  add(case, kind, "ratio", "reported/sought_help", "", "all", coef(r), SE(r), ci[, 1], ci[, 2])
}
# Intervals that use each domain's degrees of freedom: logit and beta intervals of a
# proportion, the median with its Woodruff interval, by state.
domain_df_cases <- function(case, kind, des) {
  add(case, kind, "degf", "", "", "all", degf(des), NA, NA, NA)
  # Missing answers as 0 outside the subset: a calibrated design keeps those rows (weight 0).
  des <- update(des, ipv0 = ifelse(is.na(ipv_any_12m), 0, ipv_any_12m))
  for (s in sort(unique(d$state))) {
    ps <- subset(des, !is.na(ipv_any_12m) & state == s)
    p <- svyciprop(~I(ipv0 == 1), ps, method = "logit")
    add(case, kind, "proportion_logit", "ipv_any_12m", "state", s, coef(p), SE(p),
        attr(p, "ci")[1], attr(p, "ci")[2], NA, degf(ps))
    p <- svyciprop(~I(ipv0 == 1), ps, method = "beta")
    add(case, kind, "proportion_beta", "ipv_any_12m", "state", s, coef(p), SE(p),
        attr(p, "ci")[1], attr(p, "ci")[2], NA, degf(ps))
    sub <- subset(des, state == s)
    q <- svyquantile(~income, sub, 0.5, ci = TRUE, se = TRUE)$income
    add(case, kind, "median", "income", "state", s, q[1, 1], q[1, 4], q[1, 2], q[1, 3],
        NA, degf(sub))
    if (kind == "taylor") {  # R's likelihood and score intervals (Taylor designs only)
      p <- svyciprop(~I(ipv0 == 1), ps, method = "likelihood")
      add(case, kind, "proportion_likelihood", "ipv_any_12m", "state", s, coef(p), SE(p),
          attr(p, "ci")[1], attr(p, "ci")[2], NA, degf(ps))
      # where the score test does not change sign over the range R stops: the interval is NA
      q <- tryCatch(svyquantile(~income, sub, 0.5, ci = TRUE, se = TRUE, interval.type = "score")$income,
                    error = function(e) cbind(svyquantile(~income, sub, 0.5, ci = FALSE)$income, NA, NA, NA))
      add(case, kind, "median_score", "income", "state", s, q[1, 1], q[1, 4], q[1, 2], q[1, 3],
          NA, degf(sub))
    }
  }
}

# 1. Replicate designs (factors of cases_factors.csv): logit intervals refitted on each
#    replicate, and each domain's degrees of freedom (the rank of its replicate weights).
fac <- read.csv("cases_factors.csv", stringsAsFactors = FALSE)
units <- sort(unique(d$unit))
rep_design <- function(tp, mse) {
  f <- fac[fac$type == tp, ]
  m <- matrix(f$factor[order(f$replicate, match(f$unit, units))], nrow = length(units))
  repw <- d$weight * m[match(d$unit, units), , drop = FALSE]
  args <- list(data = d, repweights = as.data.frame(repw), weights = ~weight, type = tp,
               combined.weights = TRUE, mse = mse)
  if (tp == "JKn") args$rscales <- rep(0.5, ncol(m))
  if (tp == "Fay") args$rho <- 0.5
  if (tp == "JK1") args$scale <- (length(units) - 1) / length(units)
  suppressWarnings(do.call(svrepdesign, args))
}
for (tp in c("JK1", "JKn", "BRR", "Fay", "bootstrap")) {
  for (mse in c(FALSE, TRUE)) domain_df_cases(paste0("repdf_", tp, "_mse", mse), "replicate", rep_design(tp, mse))
}

# 2. Two-stage designs with a finite population correction at each stage.
ms_pop <- svydesign(ids = ~psu + ssu, strata = ~stratum, fpc = ~N1 + N2, weights = ~weight,
                    nest = TRUE, data = d)
common_cases("ms_pop", "taylor", ms_pop)
domain_df_cases("ms_pop", "taylor", ms_pop)
ms_frac <- svydesign(ids = ~psu + ssu, strata = ~stratum, fpc = ~f1 + f2, weights = ~weight,
                     nest = TRUE, data = d)
common_cases("ms_frac", "taylor", ms_frac)
# Without weights: R takes them from the fpc (N1/n1 * N2/n2).
ms_noweights <- svydesign(ids = ~psu + ssu, strata = ~stratum, fpc = ~N1 + N2, nest = TRUE, data = d)
common_cases("ms_noweights", "taylor", ms_noweights)


# 3. Calibration. Population totals (synthetic): the sample's weighted counts times a
#    factor per category, rounded; one row per category (variable, category, total).
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = d)
d$state_f <- factor(d$state)
des <- update(des, state_f = factor(state))
ms_pop <- update(ms_pop, state_f = factor(state))
bump <- function(x, k) round(x * (0.92 + 0.04 * ((seq_along(x) + k) %% 5)))
wsum <- function(v) tapply(d$weight, d[[v]], sum)
pop_state <- bump(wsum("state"), 1)
pop_area <- bump(wsum("area"), 2)
pop_area <- round(pop_area * sum(pop_state) / sum(pop_area))  # margins agree on the total
pop_area[1] <- pop_area[1] + sum(pop_state) - sum(pop_area)
pop_age <- bump(wsum("age_group"), 3)
pop_age <- round(pop_age * sum(pop_state) / sum(pop_age))
pop_age[1] <- pop_age[1] + sum(pop_state) - sum(pop_age)
cells <- tapply(d$weight, list(d$area, d$age_group), sum)
pop_cells <- round(cells * (0.9 + 0.05 * (row(cells) + col(cells)) %% 4))
income_total <- round(sum(d$weight * d$income) * 1.03)
popdf <- rbind(
  data.frame(variable = "state", category = names(pop_state), total = as.vector(pop_state)),
  data.frame(variable = "area", category = names(pop_area), total = as.vector(pop_area)),
  data.frame(variable = "age_group", category = names(pop_age), total = as.vector(pop_age)),
  data.frame(variable = "area*age_group",
             category = paste(rownames(cells)[row(cells)], colnames(cells)[col(cells)], sep = "*"),
             total = as.vector(pop_cells)),
  data.frame(variable = "income", category = NA, total = income_total))
write.csv(popdf, "designs_population.csv", row.names = FALSE, na = "")
p_state <- data.frame(state_f = names(pop_state), Freq = as.vector(pop_state))
p_area <- data.frame(area = names(pop_area), Freq = as.vector(pop_area))
p_age <- data.frame(age_group = names(pop_age), Freq = as.vector(pop_age))
p_cells <- data.frame(area = rownames(cells)[row(cells)], age_group = colnames(cells)[col(cells)],
                      Freq = as.vector(pop_cells))
margins <- list(~state_f, ~area, ~age_group)
margin_pops <- list(p_state, p_area, p_age)
calib <- function(des) {
  list(
    post = postStratify(des, ~area + age_group, p_cells),
    rake = rake(des, margins, margin_pops),
    linear = calibrate(des, margins, margin_pops, compress = FALSE),
    linear_bounded = calibrate(des, margins, margin_pops, calfun = "linear", bounds = c(0.8, 1.3), compress = FALSE),
    raking = calibrate(des, margins, margin_pops, calfun = "raking", compress = FALSE),
    logit = calibrate(des, margins, margin_pops, calfun = "logit", bounds = c(0.6, 1.6), compress = FALSE),
    numeric = calibrate(des, ~area + income, c(sum(pop_area), pop_area[["U"]], income_total), compress = FALSE)
  )
}
for (kind in c("taylor", "JK1", "bootstrap")) {
  base <- if (kind == "taylor") des else update(rep_design(kind, FALSE), state_f = factor(state))
  cal <- calib(base)
  for (nm in names(cal)) {
    case <- paste0("cal_", kind, "_", nm)
    common_cases(case, if (kind == "taylor") "taylor" else "replicate", cal[[nm]])
    if (kind == "taylor" && nm %in% c("post", "linear")) domain_df_cases(case, "taylor", cal[[nm]])
  }
}
# Trimming (R's trimWeights), on the design and after raking-ratio calibration.
common_cases("trim_taylor", "taylor", trimWeights(des, lower = 150, upper = 900))
common_cases("trim_taylor_strict", "taylor", trimWeights(des, lower = 150, upper = 900, strict = TRUE))
common_cases("trim_cal_raking", "taylor",
             trimWeights(calibrate(des, margins, margin_pops, calfun = "raking"), lower = 150, upper = 900))
# Calibration of a two-stage design: the residuals go through both stages.
common_cases("cal_ms_linear", "taylor", calibrate(ms_pop, margins, margin_pops))


# 4. Replicate weights made from a design (as.svrepdesign), the deterministic types.
unstrat <- svydesign(ids = ~psu, weights = ~weight, fpc = ~N_all, data = d)
one_fpc <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, fpc = ~N1, nest = TRUE, data = d)
pairs <- svydesign(ids = ~unit, strata = ~stratum, weights = ~weight, nest = TRUE, data = d)
H <- survey:::hadamard(length(unique(d$stratum)))
write.csv(H, "designs_hadamard.csv", row.names = FALSE)
made <- list(
  JK1 = as.svrepdesign(unstrat, type = "JK1"),
  JK1_nofpc = as.svrepdesign(svydesign(ids = ~psu, weights = ~weight, data = d), type = "JK1"),
  JKn = as.svrepdesign(one_fpc, type = "JKn"),
  JKn_nofpc = as.svrepdesign(des, type = "JKn"),
  JKn_mse = as.svrepdesign(des, type = "JKn", mse = TRUE),
  BRR = as.svrepdesign(pairs, type = "BRR"),
  Fay = as.svrepdesign(pairs, type = "Fay", fay.rho = 0.3)
)
for (nm in names(made)) {
  common_cases(paste0("mk_", nm), "replicate", made[[nm]])
  if (nm %in% c("JKn", "BRR")) domain_df_cases(paste0("mk_", nm), "replicate", made[[nm]])
}
# Replicates made from a design, then calibrated (every replicate calibrated again).
common_cases("mk_JKn_rake", "replicate", rake(update(made$JKn_nofpc, state_f = factor(state)), margins, margin_pops))

# 5. PPS without replacement (svydesign(pps = ...)): each PSU's inclusion probability in
#    the fpc column, varying within strata. Rows sorted by PSU (R's Brewer variance pairs
#    the PSUs' probabilities in order of first appearance with their totals in sorted
#    order); pi1: first-stage PSUs by size, pi2: segments within PSUs, pi_e: women drawn
#    one by one within strata (h: the stratum as a number, which R's Overton needs).
dp <- d[order(d$psu, d$id), c("id", "state", "area", "stratum", "psu", "ssu", "weight", "age_group",
                              "ipv_any_12m", "violence_lifetime", "sought_help", "reported",
                              "income", "f1", "f2")]
size <- ave(dp$id, dp$psu, FUN = length) * (1 + dp$psu %% 4)
dp$pi1 <- round(pmin(0.95, dp$f1 * size / ave(size, dp$stratum)), 6)
dp$pi2 <- round(pmin(1, dp$f2 * (0.7 + 0.15 * (dp$ssu %% 3))), 6)
dp$h <- as.integer(factor(dp$stratum))
s_e <- 5 + dp$id %% 7
dp$pi_e <- round(pmin(0.9, 0.4 * s_e / ave(s_e, dp$stratum)), 6)
write.csv(dp, "designs_pps.csv", row.names = FALSE)
d_all <- d
d <- dp  # domain_df_cases loops over d$state
pps_cases <- function(case, des) {
  # R's svyratio for PPS designs drops missing rows from the variables but not from the
  # probabilities, and its deff for totals omits the sample size: neither is used here.
  stat_rows(case, "taylor", "mean", "ipv_any_12m", svymean(~ipv_any_12m, des, na.rm = TRUE), FALSE)
  stat_rows(case, "taylor", "mean", "income", svymean(~income, des), FALSE)
  stat_rows(case, "taylor", "total", "violence_lifetime", svytotal(~violence_lifetime, des), FALSE)
  by_rows(case, "taylor", "mean", "ipv_any_12m", "state",
          svyby(~ipv_any_12m, ~state, des, svymean, na.rm = TRUE), FALSE)
  by_rows(case, "taylor", "total", "reported", "area",
          svyby(~reported, ~area, des, svytotal, na.rm = TRUE), FALSE)
  by_rows(case, "taylor", "mean", "income", "age_group", svyby(~income, ~age_group, des, svymean), FALSE)
  by_rows(case, "taylor", "total", "violence_lifetime", "age_group",
          svyby(~violence_lifetime, ~age_group, des, svytotal), FALSE)
  r <- svyratio(~income, ~violence_lifetime, des)
  ci <- confint(r)
  add(case, "taylor", "ratio", "income/violence_lifetime", "", "all", coef(r), SE(r), ci[, 1], ci[, 2])
}
brewer <- svydesign(ids = ~psu, strata = ~stratum, fpc = ~pi1, weights = ~weight, pps = "brewer", data = dp)
common_cases("pps_brewer", "taylor", brewer)
domain_df_cases("pps_brewer", "taylor", brewer)
brewer_ms <- svydesign(ids = ~psu + ssu, strata = ~stratum, fpc = ~pi1 + pi2, pps = "brewer", data = dp)
common_cases("pps_brewer_ms", "taylor", brewer_ms)
common_cases("cal_pps_brewer_linear", "taylor",
             calibrate(update(brewer, state_f = factor(state)), margins, margin_pops))
pps_cases("pps_overton", svydesign(ids = ~1, strata = ~h, fpc = ~pi_e, pps = "overton", data = dp))
pps_cases("pps_overton_yg", svydesign(ids = ~1, strata = ~h, fpc = ~pi_e, pps = "overton",
                                      variance = "YG", data = dp))
pps_cases("pps_hr", svydesign(ids = ~1, strata = ~h, fpc = ~pi_e, pps = HR(), data = dp))
pps_cases("pps_hr_psum", svydesign(ids = ~1, fpc = ~pi_e, pps = HR(0.35), data = dp))
d <- d_all

# 6. lonely_psu = "average" below the first stage: second-stage strata within each PSU
#    (segment 3 apart from the others), so that PSUs with three or more segments have a
#    stratum with a single segment; R averages within the PSU (and gives NaN where a PSU's
#    rows in a domain are all in lonely strata).
d$s2 <- ifelse(d$ssu == 3, "b", "a")
options(survey.lonely.psu = "average")
ms_average <- svydesign(ids = ~psu + ssu, strata = ~stratum + s2, fpc = ~N1 + N2, weights = ~weight,
                        nest = TRUE, data = d)
common_cases("ms_average", "taylor", ms_average)
options(survey.lonely.psu = "fail")

# 7. BRR and Fay replicates made from designs whose strata do not all have two PSUs
#    (brrweights small = "split" | "merge", large = "split" | "merge"): variance units of
#    01U-2 moved to stratum 02U and of 03U-2 to 03R (two strata of one unit, two of three).
db <- d
db$bstr <- db$stratum
db$bstr[db$unit == "01U-2"] <- "02U"
db$bstr[db$unit == "03U-2"] <- "03R"
uneven <- svydesign(ids = ~unit, strata = ~bstr, weights = ~weight, nest = TRUE, data = db)
made_uneven <- list(
  BRR_merge = as.svrepdesign(uneven, type = "BRR", small = "merge", large = "merge"),
  BRR_split = as.svrepdesign(uneven, type = "BRR", small = "split", large = "merge"),
  Fay_merge = as.svrepdesign(uneven, type = "Fay", fay.rho = 0.3, small = "merge", large = "merge"),
  BRR_area = as.svrepdesign(svydesign(ids = ~unit, strata = ~area, weights = ~weight, data = d), type = "BRR")
)
for (nm in names(made_uneven)) common_cases(paste0("mk_", nm), "replicate", made_uneven[[nm]])

res <- do.call(rbind, out)
num <- c("estimate", "se", "ci_low", "ci_high", "deff", "df")
for (k in num) res[[k]] <- signif(res[[k]], 15)
write.csv(res, "r_designs_expected.csv", row.names = FALSE, na = "NA")
cat("survey", as.character(packageVersion("survey")), "; rows:", nrow(res), "\n")
