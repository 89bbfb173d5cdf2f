package rfc2136_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/rfc2136"
)

// TestDNSSECKey: the dnssec: key decides the provider's SignerCaps, and a
// wrong value is refused when the provider is made, naming the key.
func TestDNSSECKey(t *testing.T) {
	cfg := func(mode providers.ServerDNSSEC) rfc2136.Config {
		return rfc2136.Config{Server: "127.0.0.1:53", DNSSEC: mode,
			TSIG: rfc2136.TSIG{Name: "k.", Algorithm: "hmac-sha256", Secret: providers.NewSecret("c2VjcmV0c2VjcmV0c2VjcmV0")}}
	}
	for _, tc := range []struct {
		mode              providers.ServerDNSSEC
		multi, byZonecast bool
	}{
		{mode: "", multi: false, byZonecast: false},
		{mode: "none", multi: false, byZonecast: false},
		{mode: "server-signs", multi: true, byZonecast: false},
		{mode: "zonecast-signs", multi: true, byZonecast: true},
	} {
		p, err := rfc2136.New("own", cfg(tc.mode))
		if err != nil {
			t.Fatalf("%q: %v", tc.mode, err)
		}
		c := p.Capabilities().DNSSEC
		if got := providers.CanJoin("own", c, providers.MultiSigner) == nil; got != tc.multi {
			t.Errorf("%q: joins multi-signer %v, want %v", tc.mode, got, tc.multi)
		}
		err = providers.CanJoin("own", c, providers.SignedByZonecast)
		if got := err == nil; got != tc.byZonecast {
			t.Errorf("%q: joins signed-by-zonecast %v, want %v", tc.mode, got, tc.byZonecast)
		}
		if (tc.mode == "" || tc.mode == "none") && (!errors.Is(err, providers.ErrCannotJoin) || !strings.Contains(err.Error(), "set dnssec: server-signs")) {
			t.Errorf("%q: refusal %v does not name the key", tc.mode, err)
		}
	}
	if _, err := rfc2136.New("own", cfg("on")); err == nil || !strings.Contains(err.Error(), "dnssec:") {
		t.Errorf("dnssec: on: got %v, want an error naming the key", err)
	}
}
