package hardening_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jettymethod/jetty/internal/innertest"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/loadtest"
	"github.com/jettymethod/jetty/preset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// featureMisuses are misuses of the jetty DSL. Each runs as a subtest of
// TestInnerFeatureMisuse in a subprocess; the marker "// misuse:" names the
// text its failure must contain, on the line the message must name.
var featureMisuses = map[string]func(t *testing.T){
	"nil feature body":   func(t *testing.T) { jetty.Feature(t, "Nil", nil) },               // misuse: the feature has no body
	"empty feature name": func(t *testing.T) { jetty.Feature(t, " ", func(f *jetty.F) {}) }, // misuse: empty feature name
	"nil scenario body": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) { f.Speed("a", nil) }) // misuse: the scenario has no body
	},
	"empty scenario name": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) { f.Stable("", func(*jetty.S) {}) }) // misuse: empty scenario name
	},
	"duplicate scenario": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) {
			f.Speed("a b", func(*jetty.S) {})
			f.Speed("a_b", func(*jetty.S) {}) // misuse: already has a scenario named
		})
	},
	"waiver without reason": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) { f.Waive(preset.Load, "  ") }) // misuse: a waiver needs a reason
	},
	"waiver for unknown ID": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) { f.Waive("SEC-NOPE", "x") }, jetty.External(preset.StartupMVP)) // misuse: preset "Startup MVP" has no such requirement
	},
	"covers unknown ID": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) { f.Production("p", func(*jetty.S) {}, "PERF-NOPE") }, jetty.External(preset.StartupMVP)) // misuse: which preset "Startup MVP" does not have
	},
	"unknown preset requirement waived twice": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) {
			f.Waive(preset.Load, "a")
			f.Waive(preset.Load, "b") // misuse: waived twice
		})
	},
	"bad waiver date": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) { f.Waive(preset.Load, "a", jetty.Until("31/01/2027")) }) // misuse: want a date as YYYY-MM-DD
	},
	"external with zero preset": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) {}, jetty.External(preset.Preset{})) // misuse: was given the zero Preset
	},
	"internal and external": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) {}, jetty.Internal(), jetty.External(preset.StartupMVP)) // misuse: are both given: keep one
	},
	"invalid custom preset": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) {}, jetty.External(preset.New("Mine", preset.Requirement{ID: "M-1"}))) // misuse: has no title
	},
	"nil option": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) {}, nil) // misuse: option #1 is nil
	},
	"empty trait": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) {}, jetty.Traits("")) // misuse: an empty trait
	},
	"bad tag": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) { f.Speed("a", func(*jetty.S) {}).Tag("two words") }) // misuse: a tag is a word
	},
	"outline without rows": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) { jetty.Outline(f, jetty.Speed, "o", []string(nil), func(*jetty.S, string) {}) }) // misuse: has no rows
	},
	"invalid mode": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) { jetty.Outline(f, jetty.Mode(9), "o", []int{1}, func(*jetty.S, int) {}) }) // misuse: want jetty.Speed, jetty.Stable or jetty.Production
	},
	"include nil": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) { f.Include(nil) }) // misuse: scenario #1 is nil
	},
	"body panics while declaring": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) { panic("declaring") }) // misuse: the feature's body panicked while declaring: declaring
	},
	"declare after body returned": func(t *testing.T) {
		var kept *jetty.F
		jetty.Feature(t, "X", func(f *jetty.F) {
			kept = f
			f.Speed("a", func(*jetty.S) {
				kept.Speed("late", func(*jetty.S) {}) // misuse: f.Speed called after the feature's body returned
			})
		})
	},
	"step after the scenario ended": func(t *testing.T) {
		var kept *jetty.S
		jetty.Feature(t, "X", func(f *jetty.F) {
			f.Speed("a", func(s *jetty.S) { kept = s })
			f.Speed("b", func(s *jetty.S) {
				kept.Given("late", func() {}) // misuse: ran after scenario "a" ended
			})
		})
	},
	"step from a goroutine": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) {
			f.Speed("a", func(s *jetty.S) {
				done := make(chan bool)
				go func() { s.When("in a goroutine", func() {}); close(done) }() // misuse: was called from another goroutine
				<-done
			})
		})
	},
	"step without text": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) {
			f.Speed("a", func(s *jetty.S) { s.Then("", func() {}) }) // misuse: has no text
		})
	},
	"scenario panics": func(t *testing.T) {
		jetty.Feature(t, "X", func(f *jetty.F) {
			//lint:ignore SA5000 the panic is the misuse under test
			f.Speed("a", func(s *jetty.S) { var m map[string]int; m["x"]++ }) // misuse: panic: assignment to entry in nil map
		})
	},
	"check without scenarios": func(t *testing.T) {
		jetty.Check(t) // misuse: no scenarios: pass at least one
	},
	"check nil scenario": func(t *testing.T) {
		jetty.Check(t, nil) // misuse: jetty.Check: scenario #1 is nil
	},
}

// TestInnerFeatureMisuse runs each misuse as a subtest, in a subprocess.
func TestInnerFeatureMisuse(t *testing.T) {
	innertest.Inner(t)
	for name, fn := range featureMisuses {
		t.Run(name, fn)
	}
}

const marker = "// mis" + "use: "

func TestFeatureMisusesFailWithLineAndFix(t *testing.T) {
	r := innertest.Run(t, "TestInnerFeatureMisuse")
	src, err := os.ReadFile("badinput_test.go")
	require.NoError(t, err)
	lines := strings.Split(string(src), "\n")
	marks := map[string]int{}
	for i, l := range lines {
		if _, want, ok := strings.Cut(l, marker); ok {
			marks[strings.TrimSpace(want)] = i + 1
		}
	}
	require.Len(t, marks, len(featureMisuses), "one marker per misuse")
	for want, line := range marks {
		at := fmt.Sprintf("badinput_test.go:%d", line)
		found := false
		for _, l := range strings.Split(r.Output, "\n") {
			if strings.Contains(l, want) && strings.Contains(l, at) {
				found = true
			}
		}
		if !found {
			// A panic's message and its stack are on separate lines.
			found = strings.Contains(r.Output, want) && strings.Contains(r.Output, at) && strings.Contains(want, "panic")
		}
		assert.True(t, found, "want %q at %s", want, at)
	}
	for name := range featureMisuses {
		assert.Equal(t, "fail", r.Status("TestInnerFeatureMisuse/"+strings.ReplaceAll(name, " ", "_")), name)
	}
	assert.NotContains(t, r.Output, "[recovered]", "nothing panicked out of the library")
	assert.NotContains(t, r.Output, "goroutine 1 [", "nothing panicked out of the library")
}

func TestBadFlagsAndProfile(t *testing.T) {
	r := innertest.Run(t, "TestInnerFeatureMisuse", "-jetty.tags=(smoke", "-jetty.mode=prod", "-test.run=^TestInnerFeatureMisuse$/^nil_option$")
	assert.Contains(t, r.Output, `-jetty.tags: tag expression "(smoke": column 7: missing ")" for the "(" at column 1`)
	assert.Contains(t, r.Output, `-jetty.mode: unknown mode "prod": want speed, stable or production`)
}

// loadtestMisuses are bad plans, budgets and targets for package loadtest.
// Each must be refused with an error that says how to fix it, before any
// request is sent.
func TestLoadtestMisuses(t *testing.T) {
	ok := loadtest.Handler(http.NotFoundHandler())
	for _, tc := range []struct {
		name   string
		target loadtest.Target
		opts   []loadtest.Option
		want   string
	}{
		{"zero users", ok, []loadtest.Option{loadtest.Users(0)}, "Users(0)"},
		{"negative users", ok, []loadtest.Option{loadtest.Users(-5)}, "Users(-5)"},
		{"zero rate", ok, []loadtest.Option{loadtest.Rate(0, time.Second)}, "Rate(0"},
		{"negative rate", ok, []loadtest.Option{loadtest.Rate(-1, time.Second)}, "Rate(-1"},
		{"rate without per", ok, []loadtest.Option{loadtest.Rate(100, 0)}, "Rate(100, 0s)"},
		{"one nanosecond", ok, []loadtest.Option{loadtest.Rate(10, time.Second), loadtest.Duration(time.Nanosecond)}, "Duration(1ns)"},
		{"negative duration", ok, []loadtest.Option{loadtest.Duration(-time.Second)}, "Duration(-1s)"},
		{"zero workers", ok, []loadtest.Option{loadtest.Workers(0)}, "Workers(0)"},
		{"zero timeout", ok, []loadtest.Option{loadtest.Timeout(0)}, "Timeout(0s)"},
		{"plan beyond the hit cap", ok, []loadtest.Option{loadtest.Rate(1000, time.Second), loadtest.Duration(time.Hour)}, "MaxHits"},
		{"nil handler", loadtest.Handler(nil), nil, "nil"},
		{"url without scheme", loadtest.URL("127.0.0.1:8080/login"), nil, "127.0.0.1:8080/login"},
		{"url that does not parse", loadtest.URL("http://[::1"), nil, "http://[::1"},
		{"remote host", loadtest.URL("http://load.example.invalid/"), nil, "loopback"},
		{"private range is not loopback", loadtest.URL("http://10.1.2.3/"), nil, "loopback"},
		{"bad expect status", ok, []loadtest.Option{loadtest.Expect(42)}, "Expect(42)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			rep, err := loadtest.Run(t.Context(), tc.target, tc.opts...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Nil(t, rep, "a refused run reports nothing")
			assert.Less(t, time.Since(start), time.Second, "refused before any request")
		})
	}
}

func TestLoadtestNegativeBudget(t *testing.T) {
	rep, err := loadtest.Run(t.Context(), loadtest.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})), loadtest.Users(2),
		loadtest.MaxLag(time.Minute)) // about the budget, not the machine: a busy one starts users late
	require.NoError(t, err)
	err = rep.Check(loadtest.Budget{P99: -time.Second, MinSuccess: 1.5})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "P99")
	assert.Contains(t, err.Error(), "MinSuccess")
}

func TestLoadtestTargetThatNeverAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	conns := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(conns)
				return
			}
			conns <- c // accept and never answer
		}
	}()
	defer func() {
		ln.Close()
		for c := range conns {
			c.Close()
		}
	}()
	start := time.Now()
	rep, err := loadtest.Run(t.Context(), loadtest.URL("http://"+ln.Addr().String()+"/"),
		loadtest.Users(3), loadtest.Timeout(200*time.Millisecond))
	assert.Less(t, time.Since(start), 5*time.Second, "bounded by the request timeout")
	if err == nil {
		require.NotNil(t, rep)
		assert.Equal(t, 0.0, rep.Success, "no request can succeed")
		assert.Error(t, rep.Check(loadtest.Budget{MinSuccess: 1}))
	}
}

func TestLoadtestHijackingHandler(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			c.Close()
		}
	}))
	defer srv.Close()
	rep, err := loadtest.Run(context.Background(), loadtest.URL(srv.URL), loadtest.Users(4), loadtest.Timeout(time.Second))
	if err == nil {
		assert.Equal(t, 0.0, rep.Success)
		require.NotEmpty(t, rep.Errors, "the dropped connections are reported as errors")
	}
	// In process, a handler cannot hijack a recorder: that is an error too, not a panic.
	rep, err = loadtest.Run(context.Background(), loadtest.Handler(srv.Config.Handler), loadtest.Users(2))
	if err == nil {
		assert.Equal(t, 0.0, rep.Success)
	}
}
