package jetty

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jettymethod/jetty/preset"
)

// ProfileFile is the name of the module's profile file, looked up at the
// module root: the nearest directory at or above the test's package
// directory that holds go.mod.
//
// The file is JSON:
//
//	{
//	  "audience": "external",
//	  "preset": "Production SaaS",
//	  "attestations": [
//	    {"id": "OPS-ONCALL", "by": "ana@example.com", "date": "2026-10-01",
//	     "evidence": "https://wiki.example.com/oncall"}
//	  ]
//	}
//
// "audience" is "internal" (the default) or "external"; "preset" names a
// built-in preset (see preset.Lookup), or the team's own preset given to
// [Main], and is required when the audience is external. "attestations"
// record the requirements no test can prove; see [Project]. "params",
// "without" and "waivers" tune the preset for the whole module: its
// parameters, requirements left out with a reason, and module-wide waivers
// with a reason and an expiry (see [Omission], [ModuleWaiver]):
//
//	"params":  {"SEC-RATE-LIMIT": {"attempts": "5", "lockout": "15m"}},
//	"without": [{"id": "PERF-LOAD", "reason": "a batch service: no user waits on it"}],
//	"waivers": [{"id": "SEC-CORS", "reason": "no browser client yet", "until": "2027-03-31"}]
//
// Unknown fields are errors, so a typo does not pass silently; every
// mistake names the file, the line and the field.
const ProfileFile = "jetty.json"

// Profile is a project's audience and preset. The zero Profile is an
// internal project with no preset.
type Profile struct {
	// File is the profile file it was read from; empty for the default.
	File string
	// External is true for a project with real users: production mode is
	// required of every feature, and the preset's requirements must be covered.
	External bool
	// Preset is the specification of production mode.
	Preset preset.Preset
	// Attestations are the recorded proofs of the preset's attested
	// requirements.
	Attestations []Attestation
	// Without are the requirements the profile file left out of Preset,
	// each with its reason ("without").
	Without []Omission
	// Waivers waive requirements for every feature of the module
	// ("waivers"); each appears in the summaries of the features it
	// applies to, as F.Waive's do.
	Waivers []ModuleWaiver
}

// Attestation records that someone vouches for a requirement no test can
// prove, such as a penetration test, and where the evidence is.
type Attestation struct {
	ID       preset.ID `json:"id"`
	By       string    `json:"by"`
	Date     string    `json:"date"` // YYYY-MM-DD
	Evidence string    `json:"evidence"`
	line     int
}

func (p Profile) audience() string {
	if p.External {
		return "external"
	}
	return "internal"
}

type profileJSON struct {
	Audience     string        `json:"audience"`
	Preset       string        `json:"preset"`
	Attestations []Attestation `json:"attestations"`
	// Tuning of the preset for the module: see profile_tune.go.
	Params  map[preset.ID]map[string]string `json:"params"`
	Without []omissionJSON                  `json:"without"`
	Waivers []waiverJSON                    `json:"waivers"`
}

// LoadProfile finds and reads the profile file for a package directory dir:
// it walks up from dir to the module root (the directory with go.mod) and
// reads [ProfileFile] there. No file means the default profile (internal).
// Errors name the file, the line and the field, and say how to fix them.
func LoadProfile(dir string) (Profile, error) {
	root, err := moduleRoot(dir)
	if err != nil {
		return Profile{}, err
	}
	path := filepath.Join(root, ProfileFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Profile{}, nil
	}
	if err != nil {
		return Profile{}, fmt.Errorf("jetty: reading profile: %w", err)
	}
	return parseProfile(path, data, defaultPresets())
}

func moduleRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("jetty: finding the module root from %s: %w", dir, err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			// Not in a module: look in dir itself only.
			return abs, nil
		}
	}
}

// ParseProfile parses the contents of a profile file; name is used in
// error messages. See [ProfileFile] for the format.
func ParseProfile(name string, data []byte) (Profile, error) {
	return parseProfile(name, data, defaultPresets())
}

// parseProfile parses a profile whose "preset" may also name one of
// custom (the presets given to Main).
func parseProfile(name string, data []byte, custom []preset.Preset) (Profile, error) {
	var raw profileJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return Profile{}, profileDecodeError(name, data, dec, err)
	}
	if dec.More() {
		return Profile{}, fmt.Errorf("%s:%d: unexpected data after the profile object: the file holds one JSON object", name, lineAt(data, int(dec.InputOffset())))
	}
	p := Profile{File: name}
	var problems []string
	where := func(key string) string { return fmt.Sprintf("%s:%d: field %q", name, fieldLine(data, key), key) }
	switch strings.ToLower(strings.TrimSpace(raw.Audience)) {
	case "", "internal":
	case "external":
		p.External = true
	default:
		problems = append(problems, fmt.Sprintf("%s is %q: want \"internal\" or \"external\"", where("audience"), raw.Audience))
	}
	if raw.Preset != "" {
		ps, ok := lookupPreset(raw.Preset, custom)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s names no built-in preset %q: want one of %s (a team's own preset is made the module's default with jetty.Main in TestMain, and then named here)",
				where("preset"), raw.Preset, quoteList(append(presetNames(custom), preset.Names()...))))
		}
		p.Preset = ps
	} else if p.External {
		problems = append(problems, fmt.Sprintf("%s is missing: an external project needs a preset, e.g. \"preset\": %q", where("audience"), preset.ProductionSaaS.Name))
	}
	for i, a := range raw.Attestations {
		a.line = attestationLine(data, i)
		at := fmt.Sprintf("%s:%d: attestations[%d]", name, a.line, i)
		if a.ID == "" {
			problems = append(problems, at+": \"id\" is missing: name the requirement, e.g. \"CMP-PENTEST\"")
		} else if !p.Preset.IsZero() {
			if r, ok := p.Preset.Requirement(a.ID); !ok {
				problems = append(problems, fmt.Sprintf("%s: preset %q has no requirement %q", at, p.Preset.Name, a.ID))
			} else if r.Kind != preset.KindAttested {
				problems = append(problems, fmt.Sprintf("%s: %s is proven by a test, not an attestation: cover it with a production scenario", at, a.ID))
			}
		}
		if strings.TrimSpace(a.By) == "" {
			problems = append(problems, at+": \"by\" is missing: say who attests")
		}
		if strings.TrimSpace(a.Evidence) == "" {
			problems = append(problems, at+": \"evidence\" is missing: say where the evidence is (a link or a path)")
		}
		if _, err := time.Parse(time.DateOnly, a.Date); err != nil {
			problems = append(problems, fmt.Sprintf("%s: \"date\" is %q: want YYYY-MM-DD", at, a.Date))
		}
		p.Attestations = append(p.Attestations, a)
	}
	problems = append(problems, p.tune(name, data, raw)...)
	if len(problems) > 0 {
		return Profile{}, fmt.Errorf("jetty: profile %s:\n\t%s", name, strings.Join(problems, "\n\t"))
	}
	return p, nil
}

func profileDecodeError(name string, data []byte, dec *json.Decoder, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("jetty: profile %s:%d: %v: the file must be one JSON object, see jetty.ProfileFile", name, lineAt(data, int(syn.Offset)), syn)
	case errors.As(err, &typ):
		return fmt.Errorf("jetty: profile %s:%d: field %q is a JSON %s: want a %s", name, lineAt(data, int(typ.Offset)), typ.Field, typ.Value, jsonKind(typ.Type.String()))
	case errors.Is(err, io.EOF):
		return fmt.Errorf("jetty: profile %s:1: the file is empty: write {\"audience\": \"internal\"} or delete it", name)
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		key := strings.Trim(field, `"`)
		return fmt.Errorf("jetty: profile %s:%d: unknown field %s: the fields are %s", name, fieldLine(data, key), field, profileFields(err))
	}
	return fmt.Errorf("jetty: profile %s:%d: %v", name, lineAt(data, int(dec.InputOffset())), err)
}

func jsonKind(goType string) string {
	switch {
	case goType == "string" || strings.HasSuffix(goType, ".ID"):
		return "string"
	case strings.HasPrefix(goType, "[]"):
		return "list"
	}
	return "object"
}

func lineAt(data []byte, offset int) int {
	offset = min(max(offset, 0), len(data))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// fieldLine returns the line of the first "key": in data, or 1.
func fieldLine(data []byte, key string) int {
	if i := bytes.Index(data, []byte(`"`+key+`"`)); i >= 0 {
		return lineAt(data, i)
	}
	return 1
}

// attestationLine returns the line of the i-th object in "attestations".
func attestationLine(data []byte, i int) int {
	start := bytes.Index(data, []byte(`"attestations"`))
	if start < 0 {
		return 1
	}
	return arrayObjectLine(data, start, len(`"attestations"`), i)
}

// arrayObjectLine returns the line of the i-th object of the array that
// follows the key at data[start:start+keyLen], or the key's line.
func arrayObjectLine(data []byte, start, keyLen, i int) int {
	depth, n := 0, -1
	inStr, esc := false, false
	for j := start + keyLen; j < len(data); j++ {
		c := data[j]
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '[' || c == '{':
			if c == '{' && depth == 1 {
				n++
				if n == i {
					return lineAt(data, j)
				}
			}
			depth++
		case c == ']' || c == '}':
			depth--
			if depth == 0 {
				return lineAt(data, start)
			}
		}
	}
	return lineAt(data, start)
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// Verify checks the project-level requirements of an external profile at
// time now: every attested requirement of the preset has an attestation,
// dated no later than now and younger than the requirement's Validity. It
// returns one error listing every problem, or nil. An internal profile has
// no project-level requirements.
func (p Profile) Verify(now time.Time) error {
	if !p.External {
		return nil
	}
	file := p.File
	if file == "" {
		file = ProfileFile
	}
	var problems []string
	for _, r := range p.Preset.Attested() {
		var best *Attestation
		var bestDate time.Time
		for i, a := range p.Attestations {
			d, err := time.Parse(time.DateOnly, a.Date)
			if a.ID == r.ID && err == nil && (best == nil || d.After(bestDate)) {
				best, bestDate = &p.Attestations[i], d
			}
		}
		validity := fmt.Sprintf("%d days", int(r.Validity.Hours()/24))
		switch {
		case best == nil:
			problems = append(problems, fmt.Sprintf("%s %s: no attestation: add {\"id\": %q, \"by\": \"…\", \"date\": \"YYYY-MM-DD\", \"evidence\": \"…\"} to \"attestations\" in %s (valid %s)",
				r.ID, r.Title, r.ID, file, validity))
		case bestDate.After(now):
			problems = append(problems, fmt.Sprintf("%s:%d: %s is dated %s, in the future: date it when it happened", file, best.line, r.ID, best.Date))
		case now.Sub(bestDate) > r.Validity:
			problems = append(problems, fmt.Sprintf("%s:%d: %s %s: attestation by %s on %s is stale: it was valid for %s, until %s; do it again and record the new date",
				file, best.line, r.ID, r.Title, best.By, best.Date, validity, bestDate.Add(r.Validity).Format(time.DateOnly)))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("jetty: %d project requirement(s) of preset %q not attested:\n\t%s", len(problems), p.Preset.Name, strings.Join(problems, "\n\t"))
}
