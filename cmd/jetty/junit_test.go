package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// junitSchema is the common JUnit XSD (Jenkins' junit-10.xsd, which GitLab's
// and GitHub's parsers accept) written as rules, since no XSD validator is
// available offline: per element, its attributes (required ones marked "!"
// and each attribute's type) and its children in order, each with how many
// times it may occur.
var junitSchema = map[string]elemRule{
	"testsuites": {attrs: map[string]string{"name": "string", "tests": "int", "failures": "int", "errors": "int", "skipped": "int", "disabled": "int", "time": "decimal"},
		children: []childRule{{"testsuite", 0, -1}}},
	"testsuite": {attrs: map[string]string{"name!": "string", "tests!": "int", "failures": "int", "errors": "int", "skipped": "int", "disabled": "int",
		"time": "decimal", "timestamp": "string", "hostname": "string", "id": "string", "package": "string"},
		children: []childRule{{"properties", 0, 1}, {"testcase", 0, -1}, {"system-out", 0, 1}, {"system-err", 0, 1}}},
	"properties": {children: []childRule{{"property", 1, -1}}},
	"property":   {attrs: map[string]string{"name!": "string", "value!": "string"}},
	"testcase": {attrs: map[string]string{"name!": "string", "classname": "string", "time": "decimal", "assertions": "string", "status": "string"},
		children: []childRule{{"skipped", 0, 1}, {"error", 0, -1}, {"failure", 0, -1}, {"system-out", 0, -1}, {"system-err", 0, -1}}},
	"skipped":    {attrs: map[string]string{"message": "string"}, text: true},
	"error":      {attrs: map[string]string{"message": "string", "type": "string"}, text: true},
	"failure":    {attrs: map[string]string{"message": "string", "type": "string"}, text: true},
	"system-out": {text: true},
	"system-err": {text: true},
}

type elemRule struct {
	attrs    map[string]string
	children []childRule
	text     bool
}

type childRule struct {
	name     string
	min, max int // max -1: unbounded
}

var decimal = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

type xnode struct {
	name     string
	attrs    map[string]string
	children []*xnode
	text     string
}

func parseXML(t *testing.T, data []byte) *xnode {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []*xnode
	var root *xnode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &xnode{name: tk.Name.Local, attrs: map[string]string{}}
			for _, a := range tk.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tk)
			}
		}
	}
	require.NotNil(t, root, "no root element")
	return root
}

// validateJUnit returns every way doc breaks the schema and the counts.
func validateJUnit(root *xnode) []string {
	var problems []string
	if root.name != "testsuites" && root.name != "testsuite" {
		problems = append(problems, "root is <"+root.name+">, want <testsuites> or <testsuite>")
	}
	var walk func(n *xnode, path string)
	walk = func(n *xnode, path string) {
		path += "/" + n.name
		rule, ok := junitSchema[n.name]
		if !ok {
			problems = append(problems, path+": element not in the schema")
			return
		}
		for a, v := range n.attrs {
			typ, ok := rule.attrs[a]
			if !ok {
				typ, ok = rule.attrs[a+"!"]
			}
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("%s: attribute %q not in the schema", path, a))
			case typ == "int":
				if _, err := strconv.Atoi(v); err != nil {
					problems = append(problems, fmt.Sprintf("%s: %s=%q is not an integer", path, a, v))
				}
			case typ == "decimal" && !decimal.MatchString(v):
				problems = append(problems, fmt.Sprintf("%s: %s=%q is not a decimal", path, a, v))
			}
		}
		for a := range rule.attrs {
			if name, ok := strings.CutSuffix(a, "!"); ok {
				if _, has := n.attrs[name]; !has {
					problems = append(problems, fmt.Sprintf("%s: required attribute %q missing", path, name))
				}
			}
		}
		if !rule.text && strings.TrimSpace(n.text) != "" {
			problems = append(problems, path+": text not allowed")
		}
		// Children in schema order, each within its bounds.
		i := 0
		for _, cr := range rule.children {
			count := 0
			for i < len(n.children) && n.children[i].name == cr.name {
				walk(n.children[i], path)
				i++
				count++
			}
			if count < cr.min || cr.max >= 0 && count > cr.max {
				problems = append(problems, fmt.Sprintf("%s: %d <%s>, want %d..%d", path, count, cr.name, cr.min, cr.max))
			}
		}
		if i < len(n.children) {
			problems = append(problems, fmt.Sprintf("%s: <%s> out of order or not allowed here", path, n.children[i].name))
		}
		if n.name == "testsuite" {
			cnt := map[string]int{}
			for _, c := range n.children {
				if c.name != "testcase" {
					continue
				}
				cnt["tests"]++
				for _, k := range []string{"failure", "error", "skipped"} {
					if slices.ContainsFunc(c.children, func(x *xnode) bool { return x.name == k }) {
						cnt[map[string]string{"failure": "failures", "error": "errors", "skipped": "skipped"}[k]]++
					}
				}
			}
			for _, k := range []string{"tests", "failures", "errors", "skipped"} {
				if v, ok := n.attrs[k]; ok && v != strconv.Itoa(cnt[k]) {
					problems = append(problems, fmt.Sprintf("%s[%s]: %s=%s, but it has %d", path, n.attrs["name"], k, v, cnt[k]))
				}
			}
		}
	}
	walk(root, "")
	return problems
}

func TestJUnitFollowsTheSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.xml")
	r := runCmd(t, suiteStream(t), "status", "--junit", path)
	require.Equal(t, 1, r.code, r.stderr)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	root := parseXML(t, data)
	assert.Empty(t, validateJUnit(root))

	// One testcase per scenario, with the failure message; the features'
	// summaries as properties.
	cases := map[string]*xnode{}
	props := map[string]string{}
	for _, su := range root.children {
		for _, c := range su.children {
			switch c.name {
			case "testcase":
				cases[su.attrs["name"]+" "+c.attrs["name"]] = c
			case "properties":
				for _, p := range c.children {
					props[p.attrs["name"]] = p.attrs["value"]
				}
			}
		}
	}
	c := cases["example.com/suite/red TestCart/speed/adds_an_item"]
	require.NotNil(t, c)
	require.Len(t, c.children, 1)
	assert.Equal(t, "failure", c.children[0].name)
	assert.Equal(t, "[jetty] Cart › speed › adds an item: Then the cart holds it: cart has 0 items, want 1", c.children[0].attrs["message"])
	assert.Equal(t, "skipped", cases["example.com/suite/red TestCart/stable/rejects_a_negative_quantity"].children[0].name)
	assert.NotNil(t, cases["example.com/suite/gated TestCheckout/stable/refuses_a_bad_card/stolen"], "outline rows are testcases")
	assert.Equal(t, "error", cases["example.com/suite/buildbroken [build failed]"].children[0].name)
	assert.Equal(t, "failure", cases["example.com/suite/plainfail TestSum"].children[0].name)
	assert.Equal(t, "RED 1/2", props["jetty.Cart.speed"])
	assert.Equal(t, "covered 2/2", props["jetty.Search.coverage"])
	assert.Equal(t, "2099-12-31 no load environment until Q3", props["jetty.Search.waiver.T-LOAD"])
}

func TestJUnitValidatorCatchesBreakage(t *testing.T) {
	for doc, want := range map[string]string{
		`<testsuites><testsuite tests="1"><testcase name="a"/></testsuite></testsuites>`:                           `required attribute "name" missing`,
		`<testsuites><testsuite name="p" tests="2"><testcase name="a"/></testsuite></testsuites>`:                  `tests=2, but it has 1`,
		`<testsuites><testsuite name="p" tests="1"><testcase name="a"/><properties/></testsuite></testsuites>`:     `<properties> out of order`,
		`<testsuites><testsuite name="p" tests="1" time="1s"><testcase name="a"/></testsuite></testsuites>`:        `time="1s" is not a decimal`,
		`<testsuites><testsuite name="p" tests="1"><testcase name="a"><oops/></testcase></testsuite></testsuites>`: `<oops> out of order or not allowed`,
	} {
		assert.Contains(t, strings.Join(validateJUnit(parseXML(t, []byte(doc))), "\n"), want, doc)
	}
}
