// Package doccheck keeps the module's documentation true: its tests compile
// every Go code block of README.md and examples/README.md, compare the
// blocks that quote a file with that file, check that the code in package
// doc comments names only fields and functions that exist, and check the
// README transcripts against a real run.
//
// A Markdown block may be tied to the file it quotes with an HTML comment
// on the line before its fence:
//
//	<!-- doccheck: examples/quickstart/greeter_test.go greeter TestGreeter -->
//
// The block must then be the named declarations of that file, word for
// word (after gofmt); the file's own tests prove that it runs. Every other
// Go block is compiled on its own, as a _test.go file of a package that
// imports the module, with the imports its qualified names call for.
//
// A block of output may be tied to the command that prints it:
//
//	<!-- doccheck-transcript: go test -tags norate -run Login/production ./examples/login -->
//
// The test runs the command (go test, or jetty test through go run) from
// the module root and compares its output with the block, durations
// aside, so a transcript cannot drift from what a run prints.
//
// # Normalize
//
// Normalize is how outputs are compared: durations become 0.00s and the
// lines before the first blank line (packages in the order they finished)
// are sorted.
package doccheck

import (
	"bufio"
	"bytes"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Block is one fenced code block of a Markdown file.
type Block struct {
	Line int    // the line of the opening fence, from 1
	Lang string // "go", "sh", "" …
	Text string // the block's lines, without the fences and their indentation
	// Quote is the doccheck comment before the fence: a file and the
	// declarations the block quotes; nil without one.
	Quote []string
	// Transcript is the command of a doccheck-transcript comment before
	// the fence: the block is that command's output; "" without one.
	Transcript string
}

// Blocks returns the fenced code blocks of a Markdown document, fences
// indented (in a list item) or not.
func Blocks(md []byte) []Block {
	var out []Block
	var cur *Block
	var indent, prev string
	sc := bufio.NewScanner(bytes.NewReader(md))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimLeft(line, " \t")
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			cur = &Block{Line: n, Lang: strings.TrimSpace(strings.TrimPrefix(trimmed, "```"))}
			indent = line[:len(line)-len(trimmed)]
			if q, ok := strings.CutPrefix(strings.TrimSpace(prev), "<!-- doccheck:"); ok {
				cur.Quote = strings.Fields(strings.TrimSuffix(q, "-->"))
			}
			if q, ok := strings.CutPrefix(strings.TrimSpace(prev), "<!-- doccheck-transcript:"); ok {
				cur.Transcript = strings.TrimSpace(strings.TrimSuffix(q, "-->"))
			}
		case cur != nil && strings.HasPrefix(trimmed, "```"):
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.Text += strings.TrimPrefix(line, indent) + "\n"
		}
		prev = line
	}
	return out
}

// imports maps the package names code blocks use to their import paths.
var imports = map[string]string{
	"jetty":    "github.com/jettymethod/jetty/jetty",
	"scenario": "github.com/jettymethod/jetty/scenario",
	"preset":   "github.com/jettymethod/jetty/preset",
	"loadtest": "github.com/jettymethod/jetty/loadtest",
	"app":      "github.com/jettymethod/jetty/examples/login/app",
	"require":  "github.com/stretchr/testify/require",
	"assert":   "github.com/stretchr/testify/assert",
	"cmp":      "github.com/google/go-cmp/cmp",
	"testing":  "testing",
	"http":     "net/http",
	"httptest": "net/http/httptest",
	"fmt":      "fmt",
	"time":     "time",
	"context":  "context",
	"strings":  "strings",
	"slog":     "log/slog",
	"bcrypt":   "golang.org/x/crypto/bcrypt",
}

// Imports returns the import block a code block needs: one import for
// each known package name it uses as a qualifier.
func Imports(code string) string {
	var b strings.Builder
	for _, name := range sortedKeys() {
		if strings.Contains(code, name+".") && usesQualifier(code, name) {
			b.WriteString("\t\"" + imports[name] + "\"\n")
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "import (\n" + b.String() + ")\n"
}

func usesQualifier(code, name string) bool {
	for i := 0; ; {
		j := strings.Index(code[i:], name+".")
		if j < 0 {
			return false
		}
		k := i + j
		if k == 0 || !isIdent(code[k-1]) {
			return true
		}
		i = k + len(name)
	}
}

func isIdent(c byte) bool {
	return c == '_' || c == '.' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func sortedKeys() []string { return slices.Sorted(maps.Keys(imports)) }

// ImportPaths returns the import paths of the packages Imports knows.
func ImportPaths() []string {
	var out []string
	for _, k := range sortedKeys() {
		out = append(out, imports[k])
	}
	return out
}

var durations = regexp.MustCompile(`\b\d+(\.\d+)?s\b`)

// libraryLines are file:line references into the library's own (non-test)
// files, as ready-made checks log them.
var libraryLines = regexp.MustCompile(`\b((?:ratelimit|auditlog|load|headers|injection|authrequired|errorhandling|health|backup|shutdown|overload|faults|tls|atrest|secrets|querybudget|caching|metrics|session|crosssite|cors|rollback|report|target)\.go):\d+`)

// Normalize returns output with durations as 0.00s, the lines of its first
// paragraph sorted when sortHead is set, and trailing space trimmed;
// file:line references into the library's check files become file:N.
func Normalize(output string, sortHead bool) string {
	out := durations.ReplaceAllString(strings.TrimRight(output, "\n"), "0.00s")
	// The library's own log lines name its source lines, which move with
	// every edit of a check; the user's file:line (a _test.go) is kept.
	out = libraryLines.ReplaceAllString(out, "$1:N")
	if sortHead {
		head, rest, ok := strings.Cut(out, "\n\n")
		lines := strings.Split(head, "\n")
		slices.Sort(lines)
		out = strings.Join(lines, "\n")
		if ok {
			out += "\n\n" + rest
		}
	}
	return out
}
