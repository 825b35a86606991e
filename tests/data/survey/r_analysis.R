# Reference answers for belem-indicators' survey analysis (differences, contrasts, tests,
# tables, variances, models), computed with R's survey package.
#
# Run from this folder:  Rscript r_analysis.R
# Reads cases_data.csv and cases_factors.csv (written by r_cases.R) and writes
#   r_analysis_expected.csv   one figure per row: case, analysis, key, value (15 significant digits)
# The Python tests rebuild the same designs from these files and need no R.

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
d <- read.csv("cases_data.csv", stringsAsFactors = FALSE)
d$area <- factor(d$area)
d$age_group <- factor(d$age_group)
d$state <- factor(d$state)
fl <- read.csv("cases_factors.csv", stringsAsFactors = FALSE)
units <- sort(unique(d$unit))

out <- list()
add <- function(case, analysis, key, value) {
  out[[length(out) + 1]] <<- data.frame(case = case, analysis = analysis, key = key,
                                        value = signif(as.numeric(value), 15), stringsAsFactors = FALSE)
}

run_cases <- function(case, des) {
  # 1. Difference and ratio between two domains (svyby covmat + svycontrast)
  # (svyby(covmat = TRUE) needs the rows with a missing value taken out as a subset, which
  # keeps every PSU in the variance: the library's missing-values-as-domain rule)
  dn <- subset(des, !is.na(ipv_any_12m))
  b <- svyby(~ipv_any_12m, ~area, dn, svymean, covmat = TRUE)
  v <- vcov(b)
  add(case, "by_area_mean", "cov_R_U", v[1, 2])
  dif <- svycontrast(b, c(R = -1, U = 1))
  add(case, "diff_area_mean", "estimate", coef(dif)); add(case, "diff_area_mean", "se", SE(dif))
  rat <- svycontrast(b, quote(U / R))
  add(case, "ratio_area_mean", "estimate", coef(rat)); add(case, "ratio_area_mean", "se", SE(rat))
  # a contrast of three domains
  b3 <- svyby(~income, ~state, des, svymean, na.rm = TRUE, covmat = TRUE)
  c3 <- svycontrast(b3, c(`1` = 1, `2` = -0.5, `3` = -0.5))
  add(case, "contrast_state_income", "estimate", coef(c3)); add(case, "contrast_state_income", "se", SE(c3))
  # totals
  bt <- svyby(~violence_lifetime, ~area, des, svytotal, na.rm = TRUE, covmat = TRUE)
  dt <- svycontrast(bt, c(R = 1, U = -1))
  add(case, "diff_area_total", "estimate", coef(dt)); add(case, "diff_area_total", "se", SE(dt))
  # 2. t tests
  for (y in c("income", "ipv_any_12m")) {
    tt <- svyttest(as.formula(paste(y, "~ area")), des)
    key <- paste0("ttest_", y)
    add(case, key, "estimate", tt$estimate); add(case, key, "statistic", tt$statistic)
    add(case, key, "df", tt$parameter); add(case, key, "p_value", tt$p.value)
  }
  # 3. chi-squared tests (Rao-Scott)
  for (st in c("F", "Chisq", "Wald", "adjWald")) {
    ch <- svychisq(~area + age_group, des, statistic = st)
    key <- paste0("chisq_", st)
    add(case, key, "statistic", ch$statistic); add(case, key, "p_value", ch$p.value)
    for (k in names(ch$parameter)) add(case, key, k, ch$parameter[[k]])
  }
  # 4. tables: cell proportions and totals with SE
  m <- svymean(~interaction(area, age_group), des)
  add(case, "table_prop", paste0("estimate_", sub("interaction\\(area, age_group\\)", "", names(coef(m)))), coef(m))
  add(case, "table_prop", paste0("se_", sub("interaction\\(area, age_group\\)", "", names(coef(m)))), SE(m))
  tt <- svytotal(~interaction(area, age_group), des)
  add(case, "table_total", paste0("estimate_", sub("interaction\\(area, age_group\\)", "", names(coef(tt)))), coef(tt))
  add(case, "table_total", paste0("se_", sub("interaction\\(area, age_group\\)", "", names(coef(tt)))), SE(tt))
  # row proportions: age group within area
  rp <- svyby(~age_group, ~area, des, svymean)
  rse <- as.matrix(SE(rp))
  for (a in levels(d$area)) for (g in levels(d$age_group)) {
    add(case, "table_rowprop", paste0("estimate_", a, ".", g), coef(rp)[paste0(a, ":age_group", g)])
    add(case, "table_rowprop", paste0("se_", a, ".", g), rse[a, match(g, levels(d$age_group))])
  }
  # 5. variance
  sv <- svyvar(~income, des, na.rm = TRUE)
  add(case, "var_income", "estimate", coef(sv)); add(case, "var_income", "se", SE(sv))
  # 6. models
  lm1 <- svyglm(income ~ area + age_group, des)
  add(case, "glm_linear", paste0("coef_", names(coef(lm1))), coef(lm1))
  add(case, "glm_linear", paste0("se_", names(coef(lm1))), SE(lm1))
  add(case, "glm_linear", "df_residual", lm1$df.residual)
  lg <- svyglm(ipv_any_12m ~ area + age_group, dn, family = quasibinomial())
  add(case, "glm_logit", paste0("coef_", names(coef(lg))), coef(lg))
  add(case, "glm_logit", paste0("se_", names(coef(lg))), SE(lg))
  add(case, "glm_logit", "df_residual", lg$df.residual)
}

run_cases("plain", svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = d))
run_cases("fpc_pop", svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, fpc = ~fpc_pop,
                               nest = TRUE, data = d))
for (tp in c("JK1", "bootstrap")) {
  f <- fl[fl$type == tp, ]
  m <- matrix(f$factor, nrow = length(units))
  repw <- d$weight * m[match(d$unit, units), , drop = FALSE]
  args <- list(data = d, repweights = as.data.frame(repw), weights = ~weight, type = tp,
               combined.weights = TRUE, mse = FALSE)
  if (tp == "JK1") args$scale <- (length(units) - 1) / length(units)
  rd <- suppressWarnings(do.call(svrepdesign, args))
  run_cases(paste0("rep_", tp), rd)
}

res <- do.call(rbind, out)
write.csv(res, "r_analysis_expected.csv", row.names = FALSE, na = "NA")
cat("survey", as.character(packageVersion("survey")), "; figures:", nrow(res), "\n")
