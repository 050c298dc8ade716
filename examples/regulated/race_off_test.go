//go:build !race

package main

// raceDetector is true in builds with -race; see race_on_test.go.
const raceDetector = false
