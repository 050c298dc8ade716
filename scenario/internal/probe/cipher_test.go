package probe

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"testing"
)

func TestSeenNovel(t *testing.T) {
	old := bytes.Repeat([]byte("the quick brown fox jumps. "), 10)
	s := NewSeen()
	s.Add(old)
	fresh := make([]byte, 40)
	rand.Read(fresh)
	cur := append(append(append([]byte{}, old[:100]...), fresh...), old[100:]...)
	runs := s.Novel(cur)
	if Longest(runs) < 40 || Longest(runs) > 40+2*window {
		t.Errorf("Novel = %v, want one run of about 40 bytes", runs)
	}
	if got := s.Novel(old); len(got) != 0 {
		t.Errorf("Novel(old) = %v, want none", got)
	}
}

func ecb(key, plain []byte) []byte {
	b, _ := aes.NewCipher(key)
	out := make([]byte, len(plain)/16*16)
	for i := 0; i+16 <= len(plain); i += 16 {
		b.Encrypt(out[i:], plain[i:i+16])
	}
	return out
}

func TestRepeatedBlocks(t *testing.T) {
	key := make([]byte, 32)
	rand.Read(key)
	plain := append([]byte("jetty-canary-0123456789abcdef-"), bytes.Repeat([]byte("x"), 192)...)
	raw := ecb(key, append(make([]byte, 2), plain...))
	for name, tc := range map[string]struct {
		b    []byte
		want int
	}{
		"raw ECB":    {raw, 16},
		"hex ECB":    {[]byte(hex.EncodeToString(raw)), 32},
		"base64 ECB": {[]byte(base64.StdEncoding.EncodeToString(raw)), 64},
		"zeros":      {make([]byte, 300), 0},
		"text":       {bytes.Repeat([]byte("x"), 300), 0},
	} {
		if got := RepeatedBlocks(tc.b, [][2]int{{0, len(tc.b)}}); got != tc.want {
			t.Errorf("%s: RepeatedBlocks = %d, want %d", name, got, tc.want)
		}
	}
	gcmKey := make([]byte, 32)
	rand.Read(gcmKey)
	b, _ := aes.NewCipher(gcmKey)
	g, _ := cipher.NewGCM(b)
	nonce := make([]byte, 12)
	rand.Read(nonce)
	sealed := g.Seal(nonce, nonce, plain, nil)
	if got := RepeatedBlocks(sealed, [][2]int{{0, len(sealed)}}); got != 0 {
		t.Errorf("GCM: RepeatedBlocks = %d, want 0", got)
	}
	// The key opens it, raw or as base64, with record bytes around it.
	for _, stored := range [][]byte{
		append(append([]byte{0x81}, sealed...), ','),
		append(append([]byte{0x81, '"'}, []byte(base64.StdEncoding.EncodeToString(sealed))...), '"'),
	} {
		if !Decrypts(gcmKey, stored, 0, len(stored), []byte("0123456789abcdef")) {
			t.Errorf("Decrypts(%.20q) with the right key = false", stored)
		}
	}
	if Decrypts(key, sealed, 0, len(sealed), []byte("0123456789abcdef")) {
		t.Error("Decrypts with another key = true")
	}
}

func TestKeysIn(t *testing.T) {
	k := make([]byte, 32)
	rand.Read(k)
	for s, want := range map[string]bool{
		`{"encryption_key": "` + hex.EncodeToString(k) + `"}`:       true,
		`aes_key=` + base64.StdEncoding.EncodeToString(k):           true,
		"-----BEGIN RSA PRIVATE KEY-----\nMIIE...":                  true,
		`{"api_key": "` + hex.EncodeToString(k) + `"}`:              false,
		`{"user": "alice", "ssn": "` + hex.EncodeToString(k) + `"}`: false,
	} {
		got := KeysIn([]byte(s))
		if (len(got) > 0) != want {
			t.Errorf("KeysIn(%.40q) = %v, want found=%v", s, got, want)
		}
		if len(got) > 0 && !bytes.HasPrefix([]byte(s), []byte("-----")) && !bytes.Equal(got[0].B, k) {
			t.Errorf("KeysIn(%.40q) key = %x, want %x", s, got[0].B, k)
		}
	}
	if len(UnkeyedHashes("4111111111111111")) != 20 {
		t.Error("UnkeyedHashes: want 4 hashes in 5 forms")
	}
}
