package jetty

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// A tag expression selects scenarios by their tags, in the spirit of godog's
// tag expressions and ginkgo's label filters:
//
//	smoke                 scenarios tagged @smoke
//	smoke && !slow        tagged @smoke and not @slow
//	(login || signup) && !flaky
//
// Operators: "!" or "not"; "&&" or "and"; "||", "or" or ","; parentheses.
// Tags may be written with or without "@" and match case-insensitively.
// An empty expression matches every scenario.
type tagExpr interface {
	match(tags []string) bool
	String() string
}

type tagLeaf string
type tagNot struct{ x tagExpr }
type tagBin struct {
	and  bool
	l, r tagExpr
}

func (t tagLeaf) match(tags []string) bool { return slices.Contains(tags, string(t)) }
func (t tagLeaf) String() string           { return "@" + string(t) }
func (n tagNot) match(tags []string) bool  { return !n.x.match(tags) }
func (n tagNot) String() string            { return "!" + n.x.String() }
func (b tagBin) match(tags []string) bool {
	if b.and {
		return b.l.match(tags) && b.r.match(tags)
	}
	return b.l.match(tags) || b.r.match(tags)
}
func (b tagBin) String() string {
	op := " || "
	if b.and {
		op = " && "
	}
	return "(" + b.l.String() + op + b.r.String() + ")"
}

type matchAll struct{}

func (matchAll) match([]string) bool { return true }
func (matchAll) String() string      { return "" }

// normTag returns a tag without its "@", in lower case.
func normTag(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "@"))
}

// validTag reports whether s (without "@") is a usable tag name.
func validTag(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !isTagRune(r) {
			return false
		}
	}
	switch s {
	case "and", "or", "not":
		return false
	}
	return true
}

func isTagRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_-.:/", r)
}

type tagToken struct {
	kind string // "tag", "(", ")", "!", "&&", "||", "end"
	text string
	pos  int // 1-based column
}

func lexTags(s string) ([]tagToken, error) {
	var toks []tagToken
	rs := []rune(s)
	for i := 0; i < len(rs); {
		if len(toks) > maxTagTokens {
			return nil, errTooDeep(i + 1)
		}
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '(' || r == ')' || r == '!' || r == ',':
			k := string(r)
			if r == ',' {
				k = "||"
			}
			toks = append(toks, tagToken{kind: k, text: string(r), pos: i + 1})
			i++
		case r == '&' || r == '|':
			if i+1 >= len(rs) || rs[i+1] != r {
				return nil, fmt.Errorf("column %d: %q must be doubled: write %q", i+1, string(r), string(r)+string(r))
			}
			toks = append(toks, tagToken{kind: string(r) + string(r), text: string(r) + string(r), pos: i + 1})
			i += 2
		case r == '@' || isTagRune(r):
			j := i + 1
			for j < len(rs) && isTagRune(rs[j]) {
				j++
			}
			word := string(rs[i:j])
			kind := "tag"
			switch strings.ToLower(word) {
			case "and":
				kind = "&&"
			case "or":
				kind = "||"
			case "not":
				kind = "!"
			}
			if kind == "tag" && !validTag(normTag(word)) {
				return nil, fmt.Errorf("column %d: %q is not a tag: tags are letters, digits and _-.:/", i+1, word)
			}
			toks = append(toks, tagToken{kind: kind, text: word, pos: i + 1})
			i = j
		default:
			return nil, fmt.Errorf("column %d: unexpected %q: use tags with && || ! and parentheses", i+1, string(r))
		}
	}
	return append(toks, tagToken{kind: "end", pos: len(rs) + 1}), nil
}

type tagParser struct {
	toks  []tagToken
	i     int
	depth int
}

// Limits of a tag expression: matching and printing recurse once per level,
// so a machine-made expression could otherwise exhaust the stack (a fatal
// error, not a failed test).
const (
	maxTagDepth  = 100  // nested parentheses and negations
	maxTagTokens = 1000 // tags and operators
)

// errTooDeep is the error of an expression past the limits.
func errTooDeep(col int) error {
	return fmt.Errorf("column %d: nested deeper than %d levels of parentheses and negations, or longer than %d tags and operators: simplify the expression",
		col, maxTagDepth, maxTagTokens)
}

// quoteExpr quotes an expression for an error, cut to a readable length.
func quoteExpr(s string) string {
	if r := []rune(s); len(r) > 60 {
		return fmt.Sprintf("%q…", string(r[:60]))
	}
	return fmt.Sprintf("%q", s)
}

func (p *tagParser) peek() tagToken { return p.toks[p.i] }
func (p *tagParser) next() tagToken { t := p.toks[p.i]; p.i++; return t }

// parseTags parses a tag expression. Errors say where and how to fix it.
func parseTags(s string) (tagExpr, error) {
	if strings.TrimSpace(s) == "" {
		return matchAll{}, nil
	}
	toks, err := lexTags(s)
	if err != nil {
		return nil, fmt.Errorf("tag expression %s: %v", quoteExpr(s), err)
	}
	p := &tagParser{toks: toks}
	x, err := p.or()
	if err == nil && p.peek().kind != "end" {
		t := p.peek()
		err = fmt.Errorf("column %d: unexpected %q: join tags with && or ||", t.pos, t.text)
	}
	if err != nil {
		return nil, fmt.Errorf("tag expression %s: %v", quoteExpr(s), err)
	}
	return x, nil
}

func (p *tagParser) or() (tagExpr, error) {
	l, err := p.and()
	for err == nil && p.peek().kind == "||" {
		p.next()
		var r tagExpr
		if r, err = p.and(); err == nil {
			l = tagBin{and: false, l: l, r: r}
		}
	}
	return l, err
}

func (p *tagParser) and() (tagExpr, error) {
	l, err := p.not()
	for err == nil && p.peek().kind == "&&" {
		p.next()
		var r tagExpr
		if r, err = p.not(); err == nil {
			l = tagBin{and: true, l: l, r: r}
		}
	}
	return l, err
}

func (p *tagParser) not() (tagExpr, error) {
	if t := p.peek(); t.kind == "!" {
		p.next()
		if p.depth++; p.depth > maxTagDepth {
			return nil, errTooDeep(t.pos)
		}
		x, err := p.not()
		p.depth--
		return tagNot{x}, err
	}
	return p.primary()
}

func (p *tagParser) primary() (tagExpr, error) {
	t := p.next()
	switch t.kind {
	case "tag":
		return tagLeaf(normTag(t.text)), nil
	case "(":
		if p.depth++; p.depth > maxTagDepth {
			return nil, errTooDeep(t.pos)
		}
		x, err := p.or()
		p.depth--
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != ")" {
			return nil, fmt.Errorf("column %d: missing \")\" for the \"(\" at column %d", c.pos, t.pos)
		}
		return x, nil
	case "end":
		return nil, fmt.Errorf("column %d: the expression ends where a tag is needed", t.pos)
	}
	return nil, fmt.Errorf("column %d: unexpected %q where a tag is needed", t.pos, t.text)
}

// MatchTags reports whether scenarios tagged tags are selected by the tag
// expression expr, as -jetty.tags would select them. An empty expr selects
// everything. It returns an error saying where expr is malformed, and one
// for an expression nested deeper than 100 levels of parentheses and
// negations or longer than 1000 tags and operators.
func MatchTags(expr string, tags ...string) (bool, error) {
	x, err := parseTags(expr)
	if err != nil {
		return false, err
	}
	norm := make([]string, len(tags))
	for i, t := range tags {
		norm[i] = normTag(t)
	}
	return x.match(norm), nil
}
