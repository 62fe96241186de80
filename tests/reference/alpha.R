library(psych); options(digits=15)
d <- data.frame(a=c(4,5,3,4,2,5,4,3,NA,4,5,2), b=c(4,4,3,5,2,5,3,3,4,4,4,1), c=c(2,1,3,2,4,1,2,3,2,2,1,5), d=c(5,4,3,4,3,5,4,2,4,3,5,2))
write.csv(d, "tests/reference/alpha_data.csv", row.names=FALSE)
cd <- d[complete.cases(d),]
a <- psych::alpha(cd, keys=c("c"))
cat("raw", a$total$raw_alpha, "std", a$total$std.alpha, "\n")
cat("rdrop", a$item.stats$r.drop, "\n")
a2 <- psych::alpha(cd[, c("a","b","d")])
cat("raw3", a2$total$raw_alpha, a2$total$std.alpha, a2$item.stats$r.drop, "\n")
