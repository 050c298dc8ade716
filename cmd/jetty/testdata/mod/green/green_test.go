// Package green is all green: an internal feature (production not
// required), with steps, and a plain test.
package green

import (
	"testing"

	"github.com/jettymethod/jetty/jetty"
)

func TestGreeter(t *testing.T) {
	jetty.Feature(t, "Greeter", func(f *jetty.F) {
		f.Speed("greets by name", func(s *jetty.S) {
			s.Given("Ana", func() {})
			s.When("she asks for a greeting", func() {})
			s.Then("she is greeted", func() {})
		}).Tag("smoke")
		f.Stable("refuses a missing name", func(s *jetty.S) {
			s.When("nobody asks", func() {})
			s.Then("the answer is 400", func() {})
		})
	})
}

func TestPlain(t *testing.T) {}
