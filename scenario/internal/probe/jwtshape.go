package probe

import (
	"encoding/base64"
	"strings"
)

// LooksLikeJWT reports whether s has a JWT's compact shape: three
// base64url segments, the first a JSON object.
func LooksLikeJWT(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return false
	}
	head, err := base64.RawURLEncoding.DecodeString(parts[0])
	return err == nil && strings.HasPrefix(strings.TrimSpace(string(head)), "{")
}
