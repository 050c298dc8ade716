//go:build !race

package scenario

// loadRace reports whether the race detector is on: it is part of a load
// baseline's machine class.
const loadRace = false
