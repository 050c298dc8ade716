// Package ginkgo is the feature in ginkgo v2: one It per scenario, with a By
// for its step and one gomega assertion.
package ginkgo

import (
	"fmt"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/jettymethod/jetty/scripts/bench/peers"
)

func TestBench(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Bench")
}

var _ = Describe("Bench", func() {
	Describe("speed", func() {
		for i := range peers.Scenarios() {
			It(fmt.Sprintf("scenario %d", i), func() {
				By("Given nothing")
				Expect(true).To(BeTrue())
			})
		}
	})
})
