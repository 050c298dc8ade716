// Package godog is the feature in godog: a Gherkin feature of one-step
// scenarios, run with the progress formatter.
package godog

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cucumber/godog"

	"github.com/jettymethod/jetty/scripts/bench/peers"
)

func TestBench(t *testing.T) {
	var b strings.Builder
	b.WriteString("Feature: Bench\n")
	for i := range peers.Scenarios() {
		fmt.Fprintf(&b, "\n  Scenario: scenario %d\n    Given nothing\n", i)
	}
	suite := godog.TestSuite{
		Name: "Bench",
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			sc.Step(`^nothing$`, func() error { return nil })
		},
		Options: &godog.Options{
			Format:          "progress",
			FeatureContents: []godog.Feature{{Name: "bench.feature", Contents: []byte(b.String())}},
			Strict:          true,
		},
	}
	if suite.Run() != 0 {
		t.Fatal("godog: the suite failed")
	}
}
