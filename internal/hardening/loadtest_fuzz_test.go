package hardening_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jettymethod/jetty/loadtest"
)

// FuzzReadReport feeds loadtest.ReadReport any bytes: it must not panic,
// and a report it accepts must print, judge, compare and round-trip through
// WriteJSON unchanged.
func FuzzReadReport(f *testing.F) {
	rep, err := loadtest.FromResults(strings.NewReader(`{"attack":"","seq":0,"code":200,"timestamp":"2026-01-02T03:04:05Z","latency":1500000,"bytes_out":0,"bytes_in":2,"error":"","body":null,"method":"GET","url":"http://127.0.0.1/","headers":null}` + "\n"))
	if err != nil {
		f.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	for _, s := range []string{
		`{}`, `null`, `[]`, `{"duration":"1x"}`, `{"latencies":{"p50":"-1s"}}`, `{"status_codes":{"-1":3,"999":1}}`,
		`{"requests":1,"success":2,"throughput":-1,"errors":[{"error":"x","count":18446744073709551615}]}`,
		`{"duration":"2562047h47m16.854775807s"}`, `{"lag":{"max":"1ns"}} trailing`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := loadtest.ReadReport(bytes.NewReader(data))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "loadtest: ReadReport") {
				t.Fatalf("error does not name ReadReport: %v", err)
			}
			return
		}
		_ = rep.String()
		_ = rep.Check(loadtest.Budget{P99: time.Second, MinSuccess: 0.5, MinThroughput: 1, MinRequests: 1, Expect: []int{200}, Baseline: rep, Tolerance: 0.1})
		_ = rep.Compare(rep, 0)
		var out bytes.Buffer
		if err := rep.WriteJSON(&out); err != nil {
			t.Fatalf("an accepted report does not write back: %v", err)
		}
		again, err := loadtest.ReadReport(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatalf("a written report does not read back: %v\n%s", err, out.Bytes())
		}
		a, _ := json.Marshal(rep)
		b, _ := json.Marshal(again)
		if !bytes.Equal(a, b) {
			t.Fatalf("round trip changed the report:\n%s\n%s", a, b)
		}
	})
}

// FuzzFromResults feeds loadtest.FromResults any bytes, as one stream and
// split into two: it must not panic, and an accepted report must print and
// judge.
func FuzzFromResults(f *testing.F) {
	for _, s := range []string{
		`{"attack":"","seq":0,"code":200,"timestamp":"2026-01-02T03:04:05Z","latency":1500000,"bytes_out":0,"bytes_in":2,"error":"","body":null,"method":"GET","url":"http://127.0.0.1/","headers":null}` + "\n",
		"1767323045000000000,200,1500000,0,2,,,,0,GET,http://127.0.0.1/,\n",
		"1767323045000000000,0,1500000,0,0,Get \"http://127.0.0.1/\": dial tcp: refused,,,0,GET,http://127.0.0.1/,\n",
		"", "{", "\x00\x01\x02", "1,2,3\n", "{\"code\":-5,\"latency\":-1}\n", "{\"code\":70000}\n",
	} {
		f.Add([]byte(s), uint(0))
	}
	for _, format := range []loadtest.Format{loadtest.Gob, loadtest.JSON, loadtest.CSV} {
		var rec bytes.Buffer
		ok := loadtest.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
		if _, err := loadtest.Run(context.Background(), ok, loadtest.Users(2), loadtest.Record(&rec, format)); err != nil {
			f.Fatal(err)
		}
		f.Add(rec.Bytes(), uint(0))
		f.Add(rec.Bytes(), uint(rec.Len()/2))
	}
	f.Fuzz(func(t *testing.T, data []byte, split uint) {
		streams := []io.Reader{bytes.NewReader(data)}
		if split > 0 && split < uint(len(data)) {
			streams = []io.Reader{bytes.NewReader(data[:split]), bytes.NewReader(data[split:])}
		}
		rep, err := loadtest.FromResults(streams...)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "loadtest: FromResults") {
				t.Fatalf("error does not name FromResults: %v", err)
			}
			return
		}
		_ = rep.String()
		_ = rep.Check(loadtest.Budget{P99: time.Second, MinSuccess: 0.5, Expect: []int{200, 429}})
		var out bytes.Buffer
		if err := rep.WriteJSON(&out); err != nil {
			t.Fatalf("a report from results does not write as JSON: %v", err)
		}
	})
}
