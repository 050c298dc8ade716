package scenario

// SecretPlaceholder, "{{canary}}", is replaced, in the path, header values and body of
// each of [SecretsInLogs]' Requests, by a canary: a unique value generated
// for the run, such as "jetty-canary-5f2a…", that must never reach the log.
const SecretPlaceholder = "{{canary}}"
