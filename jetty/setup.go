package jetty

import (
	"sync"
	"testing"
)

// setup is work a feature does for one mode (F.Setup).
type setup struct {
	mode  Mode
	fn    func(t testing.TB)
	where site
	once  sync.Once
	// ran names the scenario that ran it; failed says it did not finish.
	ran    string
	failed bool
}

// Setup registers work the feature's scenarios of mode m need — seeding
// 100 users for a load test, starting a database — to run once, just
// before the first scenario of that mode that runs. When -run,
// -jetty.mode, -jetty.tags or gating leave every scenario of the mode out,
// fn never runs, so a speed-mode run does not pay for production's setup.
// Work done directly in the feature's body still runs every time, as
// before; move what only one mode needs into Setup.
//
// fn gets a testing.TB of the scenario it runs in: a failure (Error,
// Fatal, a panic) fails that scenario, and every later scenario of the
// mode fails saying the setup failed. Its Cleanup functions run when the
// mode's last scenario is done. Setup may be called several times; the
// functions of a mode run in the order declared. Default: no setup.
func (f *F) Setup(m Mode, fn func(t testing.TB)) {
	where := here()
	if f.checkOpen(where, "f.Setup") {
		return
	}
	switch {
	case !m.valid():
		f.problem(where, "Setup(%v, …): want jetty.Speed, jetty.Stable or jetty.Production", m)
		return
	case fn == nil:
		f.problem(where, "Setup(%s, nil): pass the work to do, func(t testing.TB) { … }", m)
		return
	}
	f.setups = append(f.setups, &setup{mode: m, fn: fn, where: where})
}

// setupTB is the scenario's testing.TB with Cleanup deferred to the mode.
type setupTB struct {
	testing.TB
	mode *testing.T
}

func (s setupTB) Cleanup(fn func()) { s.mode.Cleanup(fn) }

// setUp runs the setups of mode m that have not run yet, in the scenario
// t; it reports whether the scenario may go on, and whether a setup ran.
func (r *run) setUp(t *testing.T, m Mode) (ok, ran bool) {
	t.Helper()
	for _, su := range r.f.setups {
		if su.mode != m {
			continue
		}
		su.once.Do(func() {
			ran = true
			su.ran, su.failed = t.Name(), true
			mt := r.modeTests[m]
			if mt == nil {
				mt = t
			}
			func() {
				defer func() {
					if p := recover(); p != nil {
						errorf(t, "[jetty] %s: setup of %s mode (%s) panicked: %v\n%s", r.f.name, m, su.where, p, trimStack(debugStack()))
					}
				}()
				su.fn(setupTB{TB: t, mode: mt})
				su.failed = t.Failed()
			}()
		})
		if su.failed {
			if su.ran != t.Name() {
				errorf(t, "[jetty] %s: setup of %s mode (%s) failed in %s: fix it first", r.f.name, m, su.where, su.ran)
			}
			return false, ran
		}
	}
	return true, ran
}

// recordMode records the subtest of mode m, where setup cleanups run.
func (r *run) recordMode(m Mode, t *testing.T) {
	if r.modeTests == nil {
		r.modeTests = map[Mode]*testing.T{}
	}
	r.modeTests[m] = t
}
