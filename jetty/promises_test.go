package jetty_test

// Crashes that must be failed tests with a message, and diagnostics that
// must be loud (issue 10, items 5 and 7).

import (
	"strings"
	"testing"
	"testing/synctest"

	"github.com/jettymethod/jetty/internal/innertest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// noCrash fails t when the inner run crashed the test binary.
func noCrash(t *testing.T, r innertest.Result) {
	t.Helper()
	for _, bad := range []string{"panic: ", "fatal error:", "goroutine 1 [", "[recovered"} {
		if strings.Contains(r.Output, bad) && !strings.Contains(r.Output, "[jetty]") {
			t.Errorf("the inner test crashed (%q):\n%s", bad, r.Output)
		}
	}
	assert.NotContains(t, r.Output, "t.Run called inside synctest bubble")
	assert.NotContains(t, r.Output, "runtime error: invalid memory address")
}

func TestInnerFeatureInBubble(t *testing.T) {
	innertest.Inner(t)
	synctest.Test(t, func(t *testing.T) {
		jetty.Feature(t, "Bubbled", func(f *jetty.F) { f.Speed("runs", func(*jetty.S) {}) })
	})
}

func TestInnerCheckInBubble(t *testing.T) {
	innertest.Inner(t)
	synctest.Test(t, func(t *testing.T) {
		jetty.Check(t, jetty.Define(jetty.Speed, "runs", func(*jetty.S) {}))
	})
}

func TestBubbleAroundFeatureOrCheckFails(t *testing.T) {
	for _, name := range []string{"TestInnerFeatureInBubble", "TestInnerCheckInBubble"} {
		r := innertest.Run(t, name)
		noCrash(t, r)
		assert.Equal(t, "fail", r.Status(name), r.Output)
		assert.Contains(t, r.Output, "synctest bubble", name)
		assert.Contains(t, r.Output, "s.Bubble", "says how to fix it")
		assert.Contains(t, r.Output, "Verify")
		assert.Contains(t, r.Output, "promises_test.go:", "names the caller's line")
	}
}

// panicky is a scenario whose descriptive methods panic.
type panicky struct{ what string }

func (p panicky) Mode() jetty.Mode {
	if p.what == "Mode" {
		panic("Mode exploded")
	}
	return jetty.Speed
}

func (p panicky) Title() string {
	if p.what == "Title" {
		panic("Title exploded")
	}
	return "panicky"
}

func (p panicky) Covers() []preset.ID {
	if p.what == "Covers" {
		panic("Covers exploded")
	}
	return nil
}

func (p panicky) Run(s *jetty.S) {}

func TestInnerBadScenarios(t *testing.T) {
	innertest.Inner(t)
	jetty.Check(t, jetty.Tagged(nil, "smoke"), panicky{"Title"}, panicky{"Mode"}, jetty.Tagged(panicky{"Title"}, "x"),
		jetty.Define(jetty.Speed, "still runs", func(s *jetty.S) { s.Log("STILL-RAN") }))
	jetty.Feature(t, "Bad", func(f *jetty.F) {
		f.Include(jetty.Tagged(nil), panicky{"Title"}, panicky{"Covers"})
	})
}

func TestTaggedNilAndPanickyTitleFail(t *testing.T) {
	r := innertest.Run(t, "TestInnerBadScenarios")
	noCrash(t, r)
	assert.Equal(t, "fail", r.Status("TestInnerBadScenarios"))
	assert.Contains(t, r.Output, "jetty.Tagged(nil")
	assert.Contains(t, r.Output, "Title exploded")
	assert.Contains(t, r.Output, "Mode exploded")
	assert.Contains(t, r.Output, "Covers exploded")
	assert.Contains(t, r.Output, "STILL-RAN", "the other scenarios run")
	assert.Contains(t, r.Output, "promises_test.go:")
}

func TestFeatureNilPanicsWithAMessage(t *testing.T) {
	for name, call := range map[string]func(){
		"Feature": func() { jetty.Feature(nil, "Login", func(*jetty.F) {}) },
		"Check":   func() { jetty.Check(nil, jetty.Define(jetty.Speed, "x", func(*jetty.S) {})) },
	} {
		var got any
		func() {
			defer func() { got = recover() }()
			call()
		}()
		require.NotNil(t, got, "%s(nil, …) must not pass silently", name)
		msg, _ := got.(string)
		assert.Contains(t, msg, "jetty."+name+"(nil", name)
		assert.Contains(t, msg, "*testing.T", "says what to pass")
		assert.Contains(t, msg, "promises_test.go:", "names the caller's line")
	}
}

func TestInnerFatalFromGoroutine(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Async", func(f *jetty.F) {
		f.Speed("fatal in a goroutine", func(s *jetty.S) {
			s.When("a worker fails", func() {
				done := make(chan struct{})
				go func() {
					defer close(done)
					s.Fatal("worker failed")
				}()
				<-done
			})
			s.Then("the scenario has stopped", func() { s.Log("REACHED-AFTER-FATAL") })
		})
		f.Speed("failnow in a goroutine", func(s *jetty.S) {
			done := make(chan struct{})
			go func() {
				defer close(done)
				require.Equal(s, 1, 2)
			}()
			<-done
			s.Given("a later step", func() { s.Log("REACHED-AFTER-FAILNOW") })
		})
		f.Speed("others still run", func(s *jetty.S) { s.Log("OTHER-RAN") })
	})
}

func TestFatalFromGoroutineIsMisuseAndStops(t *testing.T) {
	r := innertest.Run(t, "TestInnerFatalFromGoroutine")
	noCrash(t, r)
	assert.Equal(t, "fail", r.Status("TestInnerFatalFromGoroutine/Async/speed/fatal_in_a_goroutine"))
	assert.Equal(t, "fail", r.Status("TestInnerFatalFromGoroutine/Async/speed/failnow_in_a_goroutine"))
	assert.Contains(t, r.Output, "worker failed")
	assert.Contains(t, r.Output, "from another goroutine", "reported as misuse")
	assert.Contains(t, r.Output, "channel", "says how to fix it")
	assert.NotContains(t, r.Output, "REACHED-AFTER-FATAL")
	assert.NotContains(t, r.Output, "REACHED-AFTER-FAILNOW")
	assert.Contains(t, r.Output, "OTHER-RAN")
}

func TestInnerTwoFeaturesOneTest(t *testing.T) {
	innertest.Inner(t)
	for range 2 {
		jetty.Feature(t, "InnerTwoFeaturesOneTest", func(f *jetty.F) { f.Speed("runs", func(*jetty.S) {}) })
	}
}

func TestTwoFeaturesInOneTestAreDistinguishable(t *testing.T) {
	r := innertest.Run(t, "TestInnerTwoFeaturesOneTest")
	noCrash(t, r)
	var tests []string
	for _, v := range r.Attrs(jetty.SummaryAttr) {
		s, err := jetty.ParseSummary(v)
		require.NoError(t, err)
		tests = append(tests, s.Test)
	}
	require.Len(t, tests, 2, r.Output)
	assert.NotEqual(t, tests[0], tests[1], "each summary names its own run")
	assert.Equal(t, "fail", r.Status("TestInnerTwoFeaturesOneTest"), "the second fold is misuse")
	assert.Contains(t, r.Output, "twice")
}

func TestMatchTagsDeepNestingIsAnError(t *testing.T) {
	for _, expr := range []string{
		strings.Repeat("(", 1_000_000) + "a" + strings.Repeat(")", 1_000_000),
		strings.Repeat("!", 1_000_000) + "a",
		strings.Repeat("not ", 200_000) + "a",
		"a" + strings.Repeat(" && a", 200_000),
	} {
		_, err := jetty.MatchTags(expr, "a")
		if assert.Error(t, err) {
			assert.Contains(t, err.Error(), "deeper", "says why")
			assert.Less(t, len(err.Error()), 400, "does not quote the whole expression")
		}
	}
	ok, err := jetty.MatchTags(strings.Repeat("(", 50)+"a"+strings.Repeat(")", 50), "a")
	assert.NoError(t, err)
	assert.True(t, ok)
}
