//go:build !noencrypt

package app

// seal encrypts a field before it is stored (AES-256-GCM, see Keyring).
// Build with -tags noencrypt for the version that stores it plain
// (seal_plain.go), the RED half of the example's RED-GREEN demo.
func (k *Keyring) seal(plain, aad []byte) (string, []byte) { return k.sealAEAD(plain, aad) }

func (k *Keyring) open(id string, sealed, aad []byte) ([]byte, error) {
	return k.openAEAD(id, sealed, aad)
}
