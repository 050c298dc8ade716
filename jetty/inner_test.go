package jetty_test

// Inner tests: each runs only as a subprocess of innertest.Run, started by
// an outer test in feature_test.go that asserts on what it reported. Lines
// marked "// decl:" are found by the outer tests in this file's source, so
// they can check that each message names the right line.

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/innertest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/stretchr/testify/require"
)

func TestInnerLogin(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Login", func(f *jetty.F) {
		f.Speed("signs in", func(s *jetty.S) {
			s.Given("a registered user", func() {})
			s.When("I sign in with a wrong password", func() {
				require.Equal(s, 200, 401, "status") // step-failure
			})
			s.Then("I never get here", func() { t.Log("unreachable step ran") })
		})
		f.Speed("signs out", func(s *jetty.S) {
			s.Given("a signed-in user", func() {})
			s.Then("signing out works", func() {})
		})
		f.Stable("wrong password", func(s *jetty.S) {})
		f.Production("limits attempts", func(s *jetty.S) {})
	})
}

func TestInnerAllGreen(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Signup", func(f *jetty.F) { // line: Signup feature
		f.Speed("registers", func(s *jetty.S) { s.Given("nothing", func() {}) })
		f.Speed("steps from a helper body", func(s *jetty.S) {
			s.Helper() // as a Scenario's Run method does: its steps name the Feature line
			s.Given("a helper's step", func() {})
		})
		f.Stable("rejects a duplicate", func(s *jetty.S) { s.Then("ok", func() {}) })
		f.Production("survives", func(s *jetty.S) {})
	})
}

func TestInnerStableRed(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Cart", func(f *jetty.F) {
		f.Speed("adds an item", func(s *jetty.S) {})
		f.Stable("rejects negative quantity", func(s *jetty.S) { s.Error("boom") })
		f.Stable("rejects unknown item", func(s *jetty.S) {})
		f.Production("handles load", func(s *jetty.S) {})
	})
}

func TestInnerFatalStopsScenarioOnly(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Fatal", func(f *jetty.F) {
		f.Speed("first", func(s *jetty.S) {
			s.When("it stops", func() { s.Fatalf("stop here: %d", 42) })
			s.Then("not reached", func() { s.Log("REACHED-AFTER-FATAL") })
		})
		f.Speed("second", func(s *jetty.S) { s.Log("SECOND-RAN") })
	})
}

func TestInnerPanic(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Panics", func(f *jetty.F) {
		f.Speed("panics", func(s *jetty.S) {
			s.When("the handler explodes", func() { panic("kaboom") })
		})
		f.Speed("still runs", func(s *jetty.S) { s.Log("STILL-RAN") })
	})
}

type emailCase struct {
	Name  string
	Email string
}

type code int

func (c code) String() string { return fmt.Sprintf("status-%d", int(c)) }

func TestInnerOutline(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Outline", func(f *jetty.F) {
		jetty.Outline(f, jetty.Speed, "rejects bad emails", []emailCase{{"empty", ""}, {"no domain", "a@"}},
			func(s *jetty.S, c emailCase) {
				s.When("validating "+c.Email, func() {})
				if c.Name == "no domain" {
					s.Errorf("accepted %q", c.Email)
				}
			})
		jetty.Outline(f, jetty.Speed, "codes", []code{200, 204}, func(s *jetty.S, c code) {})
		jetty.Outline(f, jetty.Speed, "numbers", []int{7, 9}, func(s *jetty.S, n int) {})
		jetty.Outline(f, jetty.Speed, "paths", []string{"/a/b"}, func(s *jetty.S, p string) {})
		jetty.Outline(f, jetty.Speed, "structs", []struct{ A int }{{1}, {2}}, func(s *jetty.S, r struct{ A int }) {})
	})
}

func TestInnerTags(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Tags", func(f *jetty.F) {
		f.Speed("smoke only", func(s *jetty.S) {}).Tag("smoke")
		f.Speed("smoke and slow", func(s *jetty.S) {}).Tag("@smoke", "slow")
		f.Speed("untagged", func(s *jetty.S) {})
		f.Include(jetty.Tagged(jetty.Define(jetty.Speed, "included smoke", func(s *jetty.S) {}), "smoke"))
	})
}

var saas = preset.New("Tiny SaaS",
	preset.Requirement{ID: "T-RATE", Title: "rate limited", Category: preset.Security, Traits: []preset.Trait{preset.Login}, Scenario: "scenario.RateLimit{…}"},
	preset.Requirement{ID: "T-HEAD", Title: "security headers", Category: preset.Security, Scenario: "scenario.SecurityHeaders{…}"},
	preset.Requirement{ID: "T-BACKUP", Title: "backups restore", Category: preset.Resilience, Traits: []preset.Trait{preset.StoredData}},
)

func TestInnerUncovered(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Uncovered", func(f *jetty.F) {
		f.Speed("works", func(s *jetty.S) {})
		f.Production("has headers", func(s *jetty.S) {}, "T-HEAD")
	}, jetty.External(saas), jetty.Traits(preset.Login))
}

func TestInnerCovered(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Covered", func(f *jetty.F) {
		f.Speed("works", func(s *jetty.S) {})
		f.Production("has headers", func(s *jetty.S) {}, "T-HEAD")
		f.Include(jetty.Define(jetty.Production, "limits logins", func(s *jetty.S) {}, "T-RATE"))
	}, jetty.External(saas), jetty.Traits(preset.Login))
}

func TestInnerWaived(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Waived", func(f *jetty.F) {
		f.Production("has headers", func(s *jetty.S) {}).Covers("T-HEAD")
		f.Waive("T-RATE", "login is behind the corporate SSO until Q2", jetty.Until(time.Now().AddDate(0, 1, 0).Format(time.DateOnly)))
	}, jetty.External(saas), jetty.Traits(preset.Login))
}

func TestInnerExpiredWaiver(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Expired", func(f *jetty.F) {
		f.Production("has headers", func(s *jetty.S) {}, "T-HEAD")
		f.Waive("T-RATE", "temporary", jetty.Until("2020-01-31"))
	}, jetty.External(saas), jetty.Traits(preset.Login))
}

func TestInnerCoveredByFailing(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Failing", func(f *jetty.F) {
		f.Production("has headers", func(s *jetty.S) { s.Error("no CSP") }, "T-HEAD")
		f.Production("limits", func(s *jetty.S) {}, "T-RATE")
	}, jetty.External(saas), jetty.Traits(preset.Login))
}

func TestInnerNoProduction(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "NoProd", func(f *jetty.F) {
		f.Speed("works", func(s *jetty.S) {})
	}, jetty.External(preset.New("Empty", preset.Requirement{ID: "E-1", Title: "x", Category: preset.Security, Traits: []preset.Trait{preset.Admin}})))
}

func TestInnerInternalNothingRequired(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Tool", func(f *jetty.F) {
		f.Speed("works", func(s *jetty.S) {})
		f.Stable("copes", func(s *jetty.S) {})
	}, jetty.Internal())
}

func TestInnerDeclErrors(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Bad", func(f *jetty.F) {
		f.Speed("", func(s *jetty.S) {})                                                 // decl: empty scenario name
		f.Speed("twice", func(s *jetty.S) {})                                            // first twice
		f.Speed("twice", func(s *jetty.S) {})                                            // decl: already has a scenario named
		f.Stable("no body", nil)                                                         // decl: has no body
		f.Waive(preset.Load, "")                                                         // decl: needs a reason
		f.Waive("NOPE-1", "because")                                                     // decl: has no such requirement
		f.Production("covers unknown", func(s *jetty.S) {}, "X-1")                       // decl: which any built-in preset does not have
		f.Stable("covers on stable", func(s *jetty.S) {}).Covers(preset.Load)            // decl: only production scenarios cover
		f.Waive(preset.Backups, "soon", jetty.Until("next week"))                        // decl: want a date as YYYY-MM-DD
		f.Speed("a/b", func(s *jetty.S) {})                                              // decl: cannot contain "/"
		f.Speed("tagged", func(s *jetty.S) {}).Tag("not a tag!")                         // decl: a tag is a word
		f.Include(nil)                                                                   // decl: is nil
		jetty.Outline(f, jetty.Stable, "empty outline", []int{}, func(*jetty.S, int) {}) // decl: has no rows
	})
}

func TestInnerNilBody(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "", nil) // decl: empty feature name
}

func TestInnerStepMisuse(t *testing.T) {
	innertest.Inner(t)
	var kept *jetty.S
	jetty.Feature(t, "Misuse", func(f *jetty.F) {
		f.Speed("keeps its S", func(s *jetty.S) { kept = s })
		f.Speed("uses another scenario's S", func(s *jetty.S) {
			kept.Given("a step on a finished scenario", func() {}) // decl: ran after scenario
		})
		f.Speed("steps from a goroutine", func(s *jetty.S) {
			done := make(chan struct{})
			go func() {
				defer close(done)
				s.When("from a goroutine", func() {})
			}()
			<-done
		})
		f.Speed("nil step", func(s *jetty.S) { s.Then("nothing", nil) })
		f.Speed("steps nested deep", func(s *jetty.S) {
			nest(12, func() { s.Given("deep down", func() {}) })
		})
		f.Speed("steps on the outer S in a bubble", func(s *jetty.S) {
			s.Bubble(func(*jetty.S) { s.When("on the outer S", func() {}) })
		})
	})
	// In parallel, another scenario's goroutine looks like the scenario's own
	// to a stack walk: the goroutine's id decides.
	handoff, used := make(chan *jetty.S), make(chan struct{})
	jetty.Feature(t, "ParallelMisuse", func(f *jetty.F) {
		f.Speed("lends its S", func(s *jetty.S) {
			handoff <- s
			<-used
		})
		f.Speed("uses a running scenario's S", func(s *jetty.S) {
			(<-handoff).When("on a borrowed S", func() {})
			close(used)
		})
	}, jetty.Parallel())
}

// nest calls fn n calls deep.
func nest(n int, fn func()) {
	if n == 0 {
		fn()
		return
	}
	nest(n-1, fn)
}

func TestInnerBadFlags(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Flags", func(f *jetty.F) { f.Speed("x", func(s *jetty.S) {}) })
}

func TestInnerProfileFromFile(t *testing.T) {
	innertest.Inner(t)
	dir := t.TempDir()
	writeFile(t, dir, "go.mod", "module example.com/app\n")
	writeFile(t, dir, "jetty.json", `{"audience": "external", "preset": "Startup MVP"}`)
	writeFile(t, dir, "pkg/x.go", "package pkg\n")
	t.Chdir(dir + "/pkg")
	jetty.Feature(t, "FromFile", func(f *jetty.F) {
		f.Speed("works", func(s *jetty.S) {
			if s.Preset().Name != "Startup MVP" || !s.External() {
				s.Errorf("profile not applied: %q external=%v", s.Preset().Name, s.External())
			}
		})
		f.Production("errors are generic", func(s *jetty.S) {}, preset.ErrorLeaks)
	})
}

func TestInnerBadProfile(t *testing.T) {
	innertest.Inner(t)
	dir := t.TempDir()
	writeFile(t, dir, "go.mod", "module example.com/app\n")
	writeFile(t, dir, "jetty.json", "{\n  \"audience\": \"external\",\n  \"preset\": 7\n}\n")
	t.Chdir(dir)
	jetty.Feature(t, "BadProfile", func(f *jetty.F) { f.Speed("works", func(s *jetty.S) { s.Log("RAN") }) })
}

// helperScenario is a Scenario whose Run marks itself a helper, as the
// ready-made ones do.
type helperScenario struct{}

func (helperScenario) Mode() jetty.Mode    { return jetty.Production }
func (helperScenario) Title() string       { return "helper body" }
func (helperScenario) Covers() []preset.ID { return nil }
func (helperScenario) Run(s *jetty.S)      { s.Helper(); s.Then("from a helper", func() {}) }

func TestInnerCheck(t *testing.T) {
	innertest.Inner(t)
	jetty.Check(t, // line: Check call
		jetty.Define(jetty.Production, "passes", func(s *jetty.S) { s.Then("fine", func() {}) }),
		helperScenario{},
		jetty.Define(jetty.Production, "fails", func(s *jetty.S) { s.Then("broken", func() { s.Error(errors.New("bad")) }) }),
	)
}

func TestInnerParallel(t *testing.T) {
	innertest.Inner(t)
	release := make(chan struct{})
	jetty.Feature(t, "Parallel", func(f *jetty.F) {
		// Each waits for the other: only passes when they run at once.
		f.Speed("a", func(s *jetty.S) {
			select {
			case release <- struct{}{}:
			case <-time.After(10 * time.Second):
				s.Error("a and b did not run in parallel")
			}
		})
		f.Speed("b", func(s *jetty.S) {
			select {
			case <-release:
			case <-time.After(10 * time.Second):
				s.Error("a and b did not run in parallel")
			}
		})
		f.Stable("after both", func(s *jetty.S) {})
	}, jetty.Parallel())
}

func TestInnerFold(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "InnerFold", func(f *jetty.F) {
		f.Speed("works", func(s *jetty.S) {})
	})
}

func TestInnerBubble(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Bubble", func(f *jetty.F) {
		f.Production("waits out a lockout", func(s *jetty.S) {
			ran := s.Bubble(func(s *jetty.S) {
				s.When("five minutes pass", func() {
					start := time.Now()
					time.Sleep(5 * time.Minute)
					if got := time.Since(start); got != 5*time.Minute {
						s.Errorf("virtual time passed %v, want 5m", got)
					}
				})
				s.Then("a failure inside the bubble names the step", func() { s.Error("inside") })
			})
			if !ran {
				s.Error("Bubble did not run")
			}
		})
	})
}

func TestInnerPartlyProven(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Partly", func(f *jetty.F) {
		f.Speed("works", func(s *jetty.S) {})
		f.Production("has headers", func(s *jetty.S) {}, "T-HEAD")
		f.Production("limits logins", func(s *jetty.S) {
			s.NotProven("T-RATE", "the block lifts on time: set Lockout")
		}, "T-RATE")
	}, jetty.External(saas), jetty.Traits(preset.Login))
}

func TestInnerLongWaivers(t *testing.T) {
	innertest.Inner(t)
	long := strings.Repeat("a very long reason for a waiver ", 80)
	jetty.Feature(t, "Long", func(f *jetty.F) {
		f.Speed("works", func(s *jetty.S) {}).Tag("smoke")
		f.Production("has headers", func(s *jetty.S) {}, "T-HEAD")
		f.Waive("T-RATE", long)
		f.Waive("T-BACKUP", long)
	}, jetty.External(saas), jetty.Traits(preset.Login, preset.StoredData))
}
