package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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

// decodeJSON decodes b, numbers kept as written.
func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, b)
	}
	return obj
}

// setField sets the field name (dotted for nested objects) of obj to v.
func setField(obj map[string]any, name string, v any) {
	keys := strings.Split(name, ".")
	for _, k := range keys[:len(keys)-1] {
		next, ok := obj[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[k] = next
		}
		obj = next
	}
	obj[keys[len(keys)-1]] = v
}

// TestInjectionBodiesAreBuiltAsBefore: the payload's JSON string is byte
// for byte what quoting a byte at a time gave, and the body framed from
// the template once per input is the template with the field set to the
// payload, carried as sent (invalid UTF-8 too), for every payload of the
// corpus and random bytes, in flat and nested templates.
func TestInjectionBodiesAreBuiltAsBefore(t *testing.T) {
	t.Parallel()
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
			if !bytes.Contains(got, []byte(sent)) {
				t.Fatalf("template %s, value %q: body %s does not carry %s as sent", f.template, v, got, sent)
			}
			var sv string
			if err := json.Unmarshal([]byte(sent), &sv); err != nil {
				t.Fatalf("%s: %v", sent, err)
			}
			want := decodeJSON(t, []byte(f.template))
			setField(want, f.name, sv)
			if diff := cmp.Diff(want, decodeJSON(t, got)); diff != "" {
				t.Fatalf("template %s, value %q: body %s (-want +got):\n%s", f.template, v, got, diff)
			}
		}
	}
}
