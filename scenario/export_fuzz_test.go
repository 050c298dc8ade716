package scenario

// RetryAfter exposes the Retry-After parser of RateLimit to the black-box
// fuzz target in ratelimit_fuzz_test.go.
var RetryAfter = rlRetryAfter
