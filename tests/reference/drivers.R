options(digits=15)
set.seed(3)
n <- 60
x1 <- round(rnorm(n), 3); x2 <- round(0.5*x1 + rnorm(n), 3); x3 <- round(rnorm(n), 3)
y <- round(1 + 2*x1 + 1*x2 + 0.3*x3 + rnorm(n), 3)
d <- data.frame(y, x1, x2, x3)
write.csv(d, "tests/reference/drivers_data.csv", row.names=FALSE)
f <- lm(y ~ x1 + x2 + x3, d); s <- summary(f)
cat("coef", coef(f)[-1], "\n"); cat("se", s$coefficients[-1, 2], "\n"); cat("p", s$coefficients[-1, 4], "\n")
cat("r2", s$r.squared, s$adj.r.squared, "\n")
r2 <- function(v) if (length(v) == 0) 0 else summary(lm(reformulate(v, "y"), d))$r.squared
cat("vif", 1/(1 - summary(lm(x1 ~ x2 + x3, d))$r.squared), "\n")
# LMG for 3 predictors by hand: average over the 6 orders of entry
orders <- list(c("x1","x2","x3"), c("x1","x3","x2"), c("x2","x1","x3"), c("x2","x3","x1"), c("x3","x1","x2"), c("x3","x2","x1"))
imp <- c(x1=0, x2=0, x3=0)
for (o in orders) { prev <- c(); for (v in o) { imp[v] <- imp[v] + (r2(c(prev, v)) - r2(prev)) / 6; prev <- c(prev, v) } }
cat("lmg", imp, "\n")
