# Reference values for xmo_analysis.regression and comparisons.segment_vs_rest.
# Run from the repository root: Rscript tests/reference/regression.R
# (R 4.2.2, survey 4.1.1, sandwich 3.0.2, lmtest 0.9.40)
library(survey); library(sandwich); library(lmtest); options(digits = 15)

# 1. Difference-in-differences and trend: OLS with HC1 covariance, t quantiles (coeftest, coefci)
set.seed(20261203)
n <- 240
did <- data.frame(treated = rep(c(0, 1), each = n / 2), post = rep(c(0, 1), times = n / 2))
did$y <- round(60 + 4 * did$treated + 2 * did$post + 5 * did$treated * did$post +
               rnorm(n, sd = 8 + 6 * did$treated), 2)
did$y[c(5, 77)] <- NA
did$t <- rep(0:3, length.out = n)
write.csv(did, "tests/reference/regression_data.csv", row.names = FALSE)
fit <- lm(y ~ treated * post, data = did)
V <- vcovHC(fit, type = "HC1")
ct <- coeftest(fit, vcov. = V); ci <- coefci(fit, vcov. = V, level = 0.95)
cat("did", ct["treated:post", ], ci["treated:post", ], df.residual(fit), "\n")
ci90 <- coefci(fit, vcov. = V, level = 0.90); cat("did90", ci90["treated:post", ], "\n")
fit2 <- lm(y ~ t, data = did)
V2 <- vcovHC(fit2, type = "HC1")
ct2 <- coeftest(fit2, vcov. = V2); ci2 <- coefci(fit2, vcov. = V2)
cat("trend", ct2["t", ], ci2["t", ], df.residual(fit2), "\n")

# 2. Weighted segment vs rest, design-based: svyglm(y ~ in_segment) on plain and raked designs
df <- read.csv("tests/reference/rake_data.csv")
N <- nrow(df)
df$w0 <- c(rep(c(10, 20, 35), length.out = N))
d_plain <- svydesign(ids = ~1, weights = ~w0, data = df)
d0 <- svydesign(ids = ~1, weights = ~rep(1, N), data = df)
pl <- data.frame(loc = c("L", "M", "S"), Freq = c(300, 250, 450))
pd <- data.frame(dep = c("A", "B", "C", "D"), Freq = c(200, 300, 250, 250))
r <- rake(d0, list(~loc, ~dep), list(pl, pd), control = list(epsilon = 1e-10, maxit = 100))
for (seg in c("A", "C")) {
  for (nm in c("plain", "raked")) {
    des <- if (nm == "plain") d_plain else r
    des <- update(des, in_seg = as.numeric(dep == seg))
    g <- svyglm(y ~ in_seg, design = des, na.action = na.omit)
    cat("seg", nm, seg, coef(g)["in_seg"], SE(g)["in_seg"], "\n")
  }
}
