package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// injJSONStringByByte is injJSONString as it was first written, a byte at
// a time: the reference the faster one must equal.
func injJSONStringByByte(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// injJSONBodyByReplace is injJSONBody as it was first written: the
// template marshalled with a placeholder, replaced by the value.
func injJSONBodyByReplace(template, name, value string) []byte {
	var obj map[string]any
	dec := json.NewDecoder(strings.NewReader(template))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		panic(err)
	}
	keys := strings.Split(name, ".")
	m := obj
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = injJSONPlaceholder
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(obj); err != nil {
		panic(err)
	}
	quoted, _ := json.Marshal(injJSONPlaceholder)
	return bytes.Replace(bytes.TrimSpace(b.Bytes()), quoted, []byte(value), 1)
}

// TestInjectionBodiesAreBuiltAsBefore: the payload's JSON string and the
// body framed from the template once per input are byte for byte what
// quoting a byte at a time and marshalling the template per payload gave,
// for every payload of the corpus and random bytes, in flat and nested
// templates.
func TestInjectionBodiesAreBuiltAsBefore(t *testing.T) {
	values := []string{"", `"`, `\`, "\x00", "\x1f", "\x7f", "a\"b\\c\nd", "\xff\xfe", "é😀"}
	for _, p := range Payloads() {
		values = append(values, p.Value)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		values = append(values, string(b))
	}
	frames := []struct{ template, name string }{
		{`{"email": "x", "password": "wrong-password"}`, "email"},
		{`{"body": "x"}`, "body"},
		{`{"user": {"name": "x", "age": 3}, "n": 1.50}`, "user.name"},
		{`{"a": 1}`, "deep.er.field"},
		{`{}`, "q"},
	}
	for _, f := range frames {
		in := Input{In: InJSON, Name: f.name, Path: "/x", Template: f.template}
		b := in.builder()
		if !b.framed {
			t.Fatalf("template %s: not framed", f.template)
		}
		for _, v := range values {
			q := injJSONString(v)
			if want := injJSONStringByByte(v); q != want {
				t.Fatalf("injJSONString(%q) = %q, want %q", v, q, want)
			}
			got := b.request(Payload{Value: v}).Body
			sent := injJSONString(injSentValue(in, Payload{Value: v}))
			if want := injJSONBodyByReplace(f.template, f.name, sent); !bytes.Equal(got, want) {
				t.Fatalf("template %s, value %q: body\n%s\nwant\n%s", f.template, v, got, want)
			}
		}
	}
}
