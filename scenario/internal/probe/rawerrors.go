package probe

import "regexp"

// RawErrors are the signs of an error's raw text in a response, besides
// Internals and DependencyErrors: what a handler writes when it answers
// err.Error() or the panic value (CWE-209). A generic message ("internal
// error, quote req-42"), JSON or HTML shows none of them.
var RawErrors = []Leak{
	{What: "a host and port", Hints: []string{":"}, RE: regexp.MustCompile(`\b(?:[A-Za-z0-9-]+\.)+[A-Za-z][A-Za-z0-9-]*:\d{2,5}\b|\b\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}\b|\[[0-9A-Fa-f:]+\]:\d{1,5}|\blocalhost:\d{2,5}\b`)},
	{What: "a dial or connect error", Hints: []string{"dial ", "lookup "}, FoldHints: []string{"connect"}, RE: regexp.MustCompile(`\bdial (?:tcp|udp|unix)[46]?\b|\bconnect: |(?i:\bconnecting to \S|\b(?:failed|unable|could not) to connect\b)|\blookup \S+(?: on \S+)?: `)},
	{What: "a file path", Hints: []string{"/etc/", "/var/", "/opt/", "/usr/", "/home/", "/srv/", "/app/", "/tmp/", "/root/", "/data/", "/mnt/", "/run/", "/proc/", "/Users/"}, RE: regexp.MustCompile(`(?:^|[\s"'(=:])/(?:etc|var|opt|usr|home|srv|app|tmp|root|data|mnt|run|proc|Users)/[\w.@+-]+(?:/[\w.@+-]+)*`)},
	{What: "a Go error chain", Hints: []string{": "}, RE: regexp.MustCompile(`\b[a-z][a-z0-9_ .-]{1,60}: [a-z][a-z0-9_ .:/-]{1,60}: [a-z0-9]`)},
	{What: "a Go runtime panic value", Hints: []string{"assignment to entry in nil map", "invalid memory address or nil pointer dereference", "index out of range [", "slice bounds out of range", "interface conversion: ", "integer divide by zero", "send on closed channel", "close of closed channel", "all goroutines are asleep", "concurrent map "}, RE: regexp.MustCompile(`assignment to entry in nil map|invalid memory address or nil pointer dereference|index out of range \[|slice bounds out of range|interface conversion: |integer divide by zero|send on closed channel|close of closed channel|all goroutines are asleep|concurrent map (?:writes|read and map write)`)},
}
