//go:build race

package main

// raceDetector is true in builds with -race, which run code 2–20 times
// slower (see https://go.dev/doc/articles/race_detector): timing budgets
// are stretched there and checked as written in builds without it.
const raceDetector = true
