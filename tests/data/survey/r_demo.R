# The demo survey's national estimate of MESECVI-INF-R01 (women with intimate partner
# violence in the last 12 months), computed with R's survey package on the shipped sample
# data and its design (sample_data/diseno.yaml): two stages with a finite population
# correction at each, raked to sample_data/proyecciones.csv; svyciprop(method = "logit").
#
# Run from this folder:  Rscript r_demo.R   (writes r_demo_expected.csv)
suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
args <- commandArgs(TRUE)
root <- if (length(args)) args[1] else "../../../sample_data"
d <- read.csv(file.path(root, "encuesta_mujeres.csv"), sep = ";", dec = ",", stringsAsFactors = FALSE)
pop <- read.csv(file.path(root, "proyecciones.csv"), stringsAsFactors = FALSE)
margin <- function(v) {
  p <- pop[pop$variable == v, ]
  out <- data.frame(p$category, p$total)
  names(out) <- c(v, "Freq")
  out
}
d$state <- as.character(d$state)
des <- svydesign(ids = ~psu + ssu, strata = ~stratum, fpc = ~psu_total + ssu_total, weights = ~weight,
                 nest = TRUE, data = d)
raked <- rake(des, list(~state, ~area, ~age_group_broad),
              list(margin("state"), margin("area"), margin("age_group_broad")))
raked <- update(raked, ipv0 = ifelse(is.na(ipv_any_12m), 0, ipv_any_12m))
p <- svyciprop(~I(ipv0 == 1), subset(raked, !is.na(ipv_any_12m)), method = "logit")
out <- data.frame(indicator = "MESECVI-INF-R01", estimate = signif(as.numeric(coef(p)), 15),
                  se = signif(as.numeric(SE(p)), 15), ci_low = signif(attr(p, "ci")[1], 15),
                  ci_high = signif(attr(p, "ci")[2], 15))
write.csv(out, "r_demo_expected.csv", row.names = FALSE)
print(out, digits = 15)
