package scenario

// WithShort returns the check x (an Injection or a Load) as it runs under
// go test -short (on) or without it, whatever the flag says: the tests
// drive both behaviours without flipping the test binary's flag.
func WithShort[T Injection | Load](x T, on bool) T {
	m := shortOff
	if on {
		m = shortOn
	}
	switch p := any(&x).(type) {
	case *Injection:
		p.short = m
	case *Load:
		p.short = m
	}
	return x
}
