# Reference values of tests/stats/test_estimates.py: Welch at conf 0.9, and two independent weighted samples.
suppressMessages(library(survey))
y <- c(3, 5, 2, 4, 4, 5, 1, 3, 4, 2, 5, 3)
w <- c(1.5, 2, 1, 0.5, 3, 1, 2, 1.2, 0.8, 1, 2.5, 1.5)
g <- strsplit("aabbaccbacba", "")[[1]]
t <- t.test(y[g=="a"], y[g!="a"], conf.level=0.9)
cat(sprintf("welch90 %.15g %.15g\n", t$conf.int[1], t$conf.int[2]))
a <- data.frame(y=y[g=="a"], w=w[g=="a"]); b <- data.frame(y=y[g!="a"], w=w[g!="a"])
ma <- svymean(~y, svydesign(ids=~1, weights=~w, data=a)); mb <- svymean(~y, svydesign(ids=~1, weights=~w, data=b))
d <- coef(ma) - coef(mb); se <- sqrt(SE(ma)^2 + SE(mb)^2)
cat(sprintf("weighted %.15g %.15g %.15g %.15g %.15g\n", d, se, d - qnorm(0.975)*se, d + qnorm(0.975)*se, 2*pnorm(-abs(d/se))))
