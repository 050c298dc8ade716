module example.com/suite

go 1.26.0

require github.com/jettymethod/jetty v0.0.0

replace github.com/jettymethod/jetty => ../../../..
