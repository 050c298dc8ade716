//go:build noencrypt

package app

// seal is the version WITHOUT encryption at rest: built with -tags
// noencrypt, card numbers are stored as they came, the RED half of the
// example's RED-GREEN demo (see the README). Never ship it.
func (k *Keyring) seal(plain, _ []byte) (string, []byte) { return "none", plain }

func (k *Keyring) open(id string, sealed, aad []byte) ([]byte, error) {
	if id == "none" {
		return sealed, nil
	}
	return k.openAEAD(id, sealed, aad)
}
