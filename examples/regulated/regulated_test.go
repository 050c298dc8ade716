package main

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/jettymethod/jetty/examples/regulated/app"
	"github.com/jettymethod/jetty/jetty"
	"github.com/jettymethod/jetty/preset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPayments is the Payments feature — stored payment cards — in the
// three modes of the Jetty Method, under the PCI DSS v4 preset, on SQLite:
//
//	go test -v ./examples/regulated                        # all three modes
//	go test -v -run 'Payments/stable' ./examples/regulated # one mode
func TestPayments(t *testing.T) { payments(t, sqliteBackend, "Payments") }

// TestPaymentsPostgres is the same feature on a real PostgreSQL server,
// named by JETTY_POSTGRES_URL; without it, it skips and says how to run it.
func TestPaymentsPostgres(t *testing.T) { payments(t, postgresBackend(t), "Payments on PostgreSQL") }

func payments(t *testing.T, b backend, name string) {
	jetty.Feature(t, name, func(f *jetty.F) {
		speed(f, b)
		stable(f, b)
		production(t, f, b)
	},
		jetty.External(preset.PCIDSS),
		jetty.Traits(preset.Login, preset.PublicEndpoint, preset.PersonalData, preset.StoredData),
	)
}

// signedIn registers and signs in alice on srv.
func signedIn(t testing.TB, srv http.Handler) *client {
	t.Helper()
	mustRegister(t, srv, "alice@example.com", alicePassword)
	c := newClient(t, srv)
	if res := c.login("alice@example.com", alicePassword); res.Code != http.StatusOK {
		t.Fatalf("alice signs in: %d %s", res.Code, res.Body)
	}
	return c
}

// speed: does it work? The success paths.
func speed(f *jetty.F, b backend) {
	f.Speed("stores a card", func(s *jetty.S) {
		srv := b.newApp(s, fastConfig(nil))
		alice := signedIn(s, srv)
		var res response
		s.When("Alice stores her Visa card with its verification code", func() {
			res = alice.addCard(visa, "Alice Liddell")
		})
		s.Then("she sees it masked to its first six and last four digits", func() {
			require.Equal(s, http.StatusCreated, res.Code, res.Body.String())
			assert.Equal(s, visaMasked, res.str("number"))
			assert.Equal(s, "Alice Liddell", res.str("holder"))
			assert.NotContains(s, res.Body.String(), visa)
		})
		s.And("the server stores the number sealed under the active key, and no verification code", func() {
			var kid, masked string
			var sealed []byte
			require.NoError(s, srv.DB().QueryRow(`SELECT key_id, masked, sealed FROM cards`).Scan(&kid, &masked, &sealed))
			assert.Equal(s, testKeys.Active(), kid)
			assert.Equal(s, visaMasked, masked)
			assert.NotContains(s, string(sealed), visa)
			assert.NotContains(s, string(sealed), "Alice Liddell")
			rows, err := srv.DB().Query(`SELECT * FROM cards`)
			require.NoError(s, err)
			cols, err := rows.Columns()
			rows.Close()
			require.NoError(s, err)
			assert.Equal(s, []string{"id", "user_id", "masked", "expiry", "key_id", "sealed", "created_at"}, cols, "no column for the verification code")
		})
	})

	f.Speed("lists and reads my cards", func(s *jetty.S) {
		srv := b.newApp(s, fastConfig(nil))
		alice := signedIn(s, srv)
		var id any
		s.Given("Alice stored two cards", func() {
			id = alice.addCard(visa, "Alice Liddell").JSON["id"]
			require.Equal(s, http.StatusCreated, alice.addCard("5555555555554444", "Alice L").Code)
		})
		var list, one response
		s.When("she lists her cards and opens the first", func() {
			list = alice.do("GET", "/cards", nil)
			one = alice.do("GET", fmt.Sprintf("/cards/%v", id), nil)
		})
		s.Then("she sees both, masked, and the one she opened", func() {
			require.Equal(s, http.StatusOK, list.Code, list.Body.String())
			assert.Contains(s, list.Body.String(), visaMasked)
			assert.Contains(s, list.Body.String(), "555555******4444")
			require.Equal(s, http.StatusOK, one.Code, one.Body.String())
			assert.Equal(s, "Alice Liddell", one.str("holder"))
			assert.Equal(s, "no-store", one.Header().Get("Cache-Control"))
		})
	})

	f.Speed("signs in and out", func(s *jetty.S) {
		srv := b.newApp(s, fastConfig(nil))
		alice := signedIn(s, srv)
		s.When("Alice signs out", func() {
			require.Equal(s, http.StatusNoContent, alice.do("POST", "/logout", nil).Code)
		})
		s.Then("her session is gone on the server", func() {
			assert.Equal(s, 0, count(s, srv.DB(), `SELECT COUNT(*) FROM sessions`))
			assert.Equal(s, http.StatusUnauthorized, alice.do("GET", "/cards", nil).Code)
		})
	})
}

// stable: does it handle reality? Failure paths, each with a clear error,
// nothing stored or corrupted (checked with SQL after).
func stable(f *jetty.F, b backend) {
	f.Stable("invalid cards are refused with what is wrong", func(s *jetty.S) {
		srv := b.newApp(s, fastConfig(nil))
		alice := signedIn(s, srv)
		for _, tc := range []struct{ body, want string }{
			{`{"number":"4111111111111112","expiry":"12/39","holder":"A"}`, "number must be a card number: 13 to 19 digits that pass the Luhn check"},
			{`{"number":"4111-1111","expiry":"12/39","holder":"A"}`, "number must be a card number: 13 to 19 digits that pass the Luhn check"},
			{`{"number":"4111111111111111","expiry":"13/39","holder":"A"}`, "expiry must be MM/YY"},
			{`{"number":"4111111111111111","expiry":"01/20","holder":"A"}`, "the card has expired"},
			{`{"number":"4111111111111111","expiry":"12/39","holder":" "}`, "holder must be 1 to 256 characters"},
			{`{"number":"4111111111111111","expiry":"12/39","holder":"A","cvc":"12a"}`, "cvc must be 3 or 4 digits"},
			{`{"number":"4111111111111111","expiry":"12/39","holder":"A","track2":"x"}`, `unknown field "track2"`},
			{`{"number": 4111111111111111}`, `field "number" must be a string`},
		} {
			var res response
			s.When(fmt.Sprintf("Alice stores %s", tc.body), func() { res = alice.do("POST", "/cards", tc.body) })
			s.Then("she gets 400 saying what is wrong, without her card number", func() {
				assert.Equal(s, http.StatusBadRequest, res.Code)
				assert.Equal(s, tc.want, res.str("error"))
				assert.NotContains(s, res.Body.String(), "4111111111111111")
			})
		}
		s.And("nothing was stored", func() {
			assert.Equal(s, 0, count(s, srv.DB(), `SELECT COUNT(*) FROM cards`))
		})
	})

	f.Stable("another user's card does not exist for me", func(s *jetty.S) {
		var trail syncBuffer
		srv := b.newApp(s, fastConfig(&trail))
		alice := signedIn(s, srv)
		id := alice.addCard(visa, "Alice Liddell").JSON["id"]
		mustRegister(s, srv, "mallory@example.com", "mallory's own password")
		mallory := newClient(s, srv)
		mallory.login("mallory@example.com", "mallory's own password")
		var res response
		s.When("Mallory asks for Alice's card by its id", func() { res = mallory.do("GET", fmt.Sprintf("/cards/%v", id), nil) })
		s.Then("she gets the 404 of a card that does not exist", func() {
			assert.Equal(s, http.StatusNotFound, res.Code)
			assert.Equal(s, "card not found", res.str("error"))
			assert.NotContains(s, res.Body.String(), "Alice")
		})
		s.And("the refused access is audited with the card it aimed at", func() {
			assert.Contains(s, trail.String(), fmt.Sprintf(`"event":"card.read","outcome":"failure","user_id":2,"ip":"198.51.100.7","resource":"cards/%v"`, id))
		})
	})

	f.Stable("keys rotate without losing a card", func(s *jetty.S) {
		k1, k2 := app.NewKey("k1"), app.NewKey("k2")
		old := fastConfig(nil)
		old.Keys = mustKeys(k1)
		first := b.newApp(s, old)
		alice := signedIn(s, first)
		require.Equal(s, http.StatusCreated, alice.addCard(visa, "Alice Liddell").Code)
		var trail syncBuffer
		rotated := fastConfig(&trail)
		rotated.Store = first.Store()
		rotated.Keys = mustKeys(k2 + "," + k1)
		var srv *app.Server
		s.Given("the service restarts with a new active key k2, k1 still listed", func() {
			var err error
			srv, err = app.New(rotated)
			require.NoError(s, err)
			alice.h = srv
			assert.Equal(s, http.StatusOK, alice.do("GET", "/cards", nil).Code, "cards sealed under k1 still open")
		})
		var n int
		s.When("operations rotate the keys", func() {
			var err error
			n, err = srv.RotateKeys(s.Context())
			require.NoError(s, err)
		})
		s.Then("every card is sealed under k2", func() {
			assert.Equal(s, 1, n)
			assert.Equal(s, 1, count(s, srv.DB(), `SELECT COUNT(*) FROM cards WHERE key_id = 'k2'`))
		})
		s.And("the rotation is audited", func() {
			assert.Contains(s, trail.String(), `"event":"keys.rotate","outcome":"success","user_id":0,"ip":"local","resource":"cards","key_id":"k2","resealed":1`)
		})
		s.And("k1 may be removed: the card still opens", func() {
			only := rotated
			only.Keys = mustKeys(k2)
			after, err := app.New(only)
			require.NoError(s, err)
			alice.h = after
			res := alice.do("GET", "/cards", nil)
			assert.Equal(s, http.StatusOK, res.Code, res.Body.String())
			assert.Contains(s, res.Body.String(), "Alice Liddell")
		})
	})

	f.Stable("the database goes away and comes back", func(s *jetty.S) {
		o := b.newOutage(s)
		srv := b.newApp(s, o.config(fastConfig(nil)))
		alice := signedIn(s, srv)
		require.Equal(s, http.StatusCreated, alice.addCard(visa, "Alice Liddell").Code)
		var res response
		s.When("the database is taken away while Alice lists her cards", func() {
			o.down()
			res = alice.do("GET", "/cards", nil)
		})
		s.Then("she is told to retry, and nothing internal leaks", func() {
			assert.Equal(s, http.StatusServiceUnavailable, res.Code, res.Body.String())
			assert.Equal(s, "service temporarily unavailable, please retry", res.str("error"))
		})
		s.And("once it is back, her card is there, whole", func() {
			o.up()
			res := alice.do("GET", "/cards", nil)
			require.Equal(s, http.StatusOK, res.Code, res.Body.String())
			assert.Contains(s, res.Body.String(), visaMasked)
			assert.Equal(s, 1, count(s, srv.DB(), `SELECT COUNT(*) FROM cards`))
		})
	})
}
