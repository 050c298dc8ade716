package app

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// KeysEnv is the environment variable main reads the field-encryption keys
// from: "id:base64key,id:base64key…", the active key first, each a 32-byte
// AES-256 key in standard base64. Older keys stay listed until RotateKeys
// has re-sealed every row under the active one.
const KeysEnv = "REGULATED_KEYS"

// Keyring holds the field-encryption keys: one active key that seals new
// values, and older ones that still open what they sealed. A sealed value
// is stored beside the id of its key, so keys rotate without a flag day.
// A Keyring is immutable and safe for concurrent use.
type Keyring struct {
	active string
	aeads  map[string]cipher.AEAD
}

var keyID = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,32}$`)

// ParseKeys reads a key list in the KeysEnv format. Errors never show a
// key.
func ParseKeys(s string) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	for i, part := range strings.Split(s, ",") {
		id, b64, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok || !keyID.MatchString(id) {
			return nil, fmt.Errorf("app: key #%d: want id:base64key, the id of letters, digits, _ . or - (at most 32)", i+1)
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("app: key %q: want 32 bytes in standard base64 (openssl rand -base64 32)", id)
		}
		if _, dup := k.aeads[id]; dup {
			return nil, fmt.Errorf("app: key %q is listed twice", id)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, fmt.Errorf("app: key %q: %v", id, err)
		}
		gcm, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("app: key %q: %v", id, err)
		}
		k.aeads[id] = gcm
		if i == 0 {
			k.active = id
		}
	}
	return k, nil
}

// NewKey returns a fresh key in the KeysEnv format, named id.
func NewKey(id string) string {
	raw := make([]byte, 32)
	rand.Read(raw)
	return id + ":" + base64.StdEncoding.EncodeToString(raw)
}

// Active is the id of the key that seals new values.
func (k *Keyring) Active() string { return k.active }

var errUnsealed = errors.New("app: a sealed value does not open: wrong key, or the row was altered")

// sealAEAD encrypts plain under the active key with a random nonce, bound
// to aad (the row's owner and column): nonce || ciphertext || tag.
func (k *Keyring) sealAEAD(plain, aad []byte) (string, []byte) {
	gcm := k.aeads[k.active]
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce)
	return k.active, gcm.Seal(nonce, nonce, plain, aad)
}

// openAEAD decrypts what sealAEAD returned under the key named id.
func (k *Keyring) openAEAD(id string, sealed, aad []byte) ([]byte, error) {
	gcm, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("app: no key %q in the keyring: it was removed before RotateKeys re-sealed its rows", id)
	}
	if len(sealed) < gcm.NonceSize()+gcm.Overhead() {
		return nil, errUnsealed
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], aad)
	if err != nil {
		return nil, errUnsealed
	}
	return plain, nil
}
