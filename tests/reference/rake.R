library(survey); options(digits=15)
set.seed(1)
n <- 40
df <- data.frame(
  loc = rep(c("L","M","S"), times=c(18, 15, 7)),
  dep = rep(c("A","B","C","D"), length.out=40),
  y = c(5,3,4,2,5,4,3,3,4,5,1,2,4,4,3,5,2,3,4,4, 3,3,2,5,4,3,4,1,2,5,4,3,3,4,2,5,3,4,4,2),
  f = c(1,0,1,0,1,1,0,0,1,1,0,0,1,1,0,1,0,0,1,1, 0,0,0,1,1,0,1,0,0,1,1,0,0,1,0,1,0,1,1,0))
df$y[c(3, 17)] <- NA
write.csv(df, "tests/reference/rake_data.csv", row.names=FALSE)
d0 <- svydesign(ids=~1, weights=~rep(1, n), data=df)
pl <- data.frame(loc=c("L","M","S"), Freq=c(300, 250, 450))
pd <- data.frame(dep=c("A","B","C","D"), Freq=c(200, 300, 250, 250))
r <- rake(d0, list(~loc, ~dep), list(pl, pd), control=list(epsilon=1e-10, maxit=100))
w <- weights(r)
cat("weights", head(w, 6), "\n")
cat("sum", sum(w), "\n")
m <- svymean(~y, r, na.rm=TRUE); cat("mean", coef(m), SE(m), "\n")
m2 <- svymean(~f, r); cat("prop", coef(m2), SE(m2), "\n")
b <- svyby(~f, ~loc, r, svymean); cat("by loc", coef(b), SE(b), "\n")
cp <- svyciprop(~f, r, method="logit"); cat("ciprop", coef(cp), confint(cp), "\n")
ps <- r$postStrata[[1]]
cat("n margins", length(ps), class(ps), "\n")
cat("psw1", head(attr(ps[[1]], "weights"), 4), "\n")
cat("psw2", head(attr(ps[[2]], "weights"), 4), "\n")
cat("final", head(weights(r), 4), "\n")
x <- matrix(w * (df$f - coef(m2)) / sum(w))
for (it in 1:10) for (margin in ps) { psw <- attr(margin, "weights"); x <- x - psw * apply(x/psw, 2, ave, margin) }
cat("manual", sqrt(sum((x - mean(x))^2) * n/(n-1)), "\n")
print(r$cluster[1:3,]); print(r$fpc)
