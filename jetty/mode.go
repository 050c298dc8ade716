package jetty

import (
	"fmt"
	"strings"
)

// Mode is one of the three layers a feature is built in: [Speed], [Stable]
// and [Production]. Modes are ordered: each runs only when the one below it
// is green (see Feature).
type Mode int

// The three modes, in the order they run.
const (
	// Speed answers "does it work?": success paths under ideal conditions.
	Speed Mode = iota + 1
	// Stable answers "does it handle reality?": failure paths, validation,
	// edge cases; nothing corrupts data or crashes.
	Stable
	// Production answers "is it ready for real users?": security, load,
	// monitoring, resilience — what the project's preset requires.
	Production
)

var modes = [...]Mode{Speed, Stable, Production}

// Modes returns the three modes in the order they run: Speed, Stable,
// Production. Their String forms are the keys of Summary.Modes.
func Modes() []Mode { return modes[:] }

// String returns "speed", "stable" or "production".
func (m Mode) String() string {
	switch m {
	case Speed:
		return "speed"
	case Stable:
		return "stable"
	case Production:
		return "production"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

func (m Mode) valid() bool { return m >= Speed && m <= Production }

// ParseMode parses "speed", "stable" or "production" (any case).
func ParseMode(s string) (Mode, error) {
	for _, m := range modes {
		if strings.EqualFold(strings.TrimSpace(s), m.String()) {
			return m, nil
		}
	}
	return 0, fmt.Errorf("unknown mode %q: want speed, stable or production", s)
}
