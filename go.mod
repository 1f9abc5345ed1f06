module github.com/lbdoctor/lbdoctor

go 1.26
