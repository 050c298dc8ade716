package jetty_test

import (
	"strings"
	"testing"

	"github.com/jettymethod/jetty/internal/innertest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInnerSetup(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Load", func(f *jetty.F) {
		users := 0
		f.Setup(jetty.Production, func(t testing.TB) {
			users = 100
			t.Log("seeded 100 load users")
			t.Cleanup(func() { t.Log("removed the load users") })
		})
		f.Speed("signs in", func(s *jetty.S) { s.Log("speed ran") })
		f.Production("100 users sign in", func(s *jetty.S) {
			require.Equal(s, 100, users)
			s.Log("first production scenario ran")
		}).Tag("load")
		f.Production("100 users sign out", func(s *jetty.S) {
			require.Equal(s, 100, users)
			s.Log("second production scenario ran")
		}).Tag("load")
	})
}

func TestInnerSetupFails(t *testing.T) {
	innertest.Inner(t)
	jetty.Feature(t, "Load", func(f *jetty.F) {
		f.Setup(jetty.Production, func(t testing.TB) { t.Fatal("the database is down") }) // decl: setup
		f.Production("first", func(s *jetty.S) {})
		f.Production("second", func(s *jetty.S) {})
	})
}

func TestSetupFollowsFiltering(t *testing.T) {
	seeded := func(r innertest.Result) int { return strings.Count(r.Output, "seeded 100 load users") }
	r := innertest.Run(t, "TestInnerSetup")
	require.Equal(t, "pass", r.Status("TestInnerSetup/Load"), r.Output)
	assert.Equal(t, 1, seeded(r), "the setup runs once for the mode:\n%s", r.Output)
	out := r.Output
	assert.Less(t, strings.Index(out, "seeded 100"), strings.Index(out, "first production scenario ran"))
	assert.Less(t, strings.Index(out, "second production scenario ran"), strings.Index(out, "removed the load users"), "cleanup after the mode's last scenario")

	for _, args := range [][]string{
		{"-jetty.mode=stable"},
		{"-test.run=^TestInnerSetup$/Load/speed"},
		{"-jetty.tags=!load"},
	} {
		r := innertest.Run(t, "TestInnerSetup", args...)
		assert.Contains(t, r.Output, "speed ran", "%v", args)
		assert.Equal(t, 0, seeded(r), "%v leaves production out, so its setup does not run:\n%s", args, r.Output)
	}
	r = innertest.RunEnv(t, []string{"JETTY_MODE=speed"}, "TestInnerSetup")
	assert.Equal(t, 0, seeded(r), "JETTY_MODE=speed")
}

func TestSetupFailureFailsTheMode(t *testing.T) {
	r := innertest.Run(t, "TestInnerSetupFails")
	assert.Equal(t, "fail", r.Status("TestInnerSetupFails/Load/production/first"))
	assert.Contains(t, r.TestOutput("TestInnerSetupFails/Load/production/first"), "the database is down")
	assert.Equal(t, "fail", r.Status("TestInnerSetupFails/Load/production/second"))
	assert.Contains(t, r.TestOutput("TestInnerSetupFails/Load/production/second"), "[jetty] Load: setup of production mode (setup_test.go:")
	assert.Contains(t, r.TestOutput("TestInnerSetupFails/Load/production/second"), "failed in TestInnerSetupFails/Load/production/first: fix it first")
}
