package scenario_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/jettymethod/jetty/scenario"
)

func ExampleEncryptedAtRest() {
	key := make([]byte, 32) // in production: from a key manager, not next to the data
	rand.Read(key)
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)

	var (
		mu    sync.Mutex
		store = map[string][]byte{} // stands in for the database: id → nonce||ciphertext
	)
	app := http.NewServeMux()
	app.HandleFunc("PUT /patients/{id}", func(w http.ResponseWriter, r *http.Request) {
		record, _ := io.ReadAll(r.Body)
		nonce := make([]byte, gcm.NonceSize())
		rand.Read(nonce)
		mu.Lock()
		store[r.PathValue("id")] = gcm.Seal(nonce, nonce, record, []byte(r.PathValue("id")))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	app.HandleFunc("GET /patients/{id}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sealed := store[r.PathValue("id")]
		mu.Unlock()
		if len(sealed) < gcm.NonceSize() {
			http.NotFound(w, r)
			return
		}
		record, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], []byte(r.PathValue("id")))
		if err != nil {
			http.Error(w, "record unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Write(record)
	})

	err := scenario.EncryptedAtRest{
		Target: scenario.Handler(app),
		Write: scenario.Request{
			Method: http.MethodPut,
			Path:   "/patients/p-1",
			Body:   []byte(`{"name": "Ann", "diagnosis": "` + scenario.SecretPlaceholder + `"}`),
		},
		Read: scenario.Request{Path: "/patients/p-1"},
		// The raw bytes of the storage; for a database file, set Files instead.
		Dump: func(context.Context) ([]byte, error) {
			mu.Lock()
			defer mu.Unlock()
			var raw []byte
			for _, v := range store {
				raw = append(raw, v...)
			}
			return raw, nil
		},
	}.Verify(context.Background())
	fmt.Println("problems:", err)
	// Output:
	// problems: <nil>
}
