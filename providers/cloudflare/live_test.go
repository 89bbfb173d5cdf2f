package cloudflare_test

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/cloudflare"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/zones"
)

// TestLive runs the conformance suite against the real Cloudflare API when
// a user provides a token and a test zone whose records may be replaced:
//
//	ZONECAST_LIVE_CLOUDFLARE_TOKEN=…  ZONECAST_LIVE_CLOUDFLARE_ZONE=test.example.
//
// Without them it is skipped, in CI too (CI has no credentials).
func TestLive(t *testing.T) {
	token, zone := os.Getenv("ZONECAST_LIVE_CLOUDFLARE_TOKEN"), os.Getenv("ZONECAST_LIVE_CLOUDFLARE_ZONE")
	if token == "" || zone == "" {
		t.Skip("set ZONECAST_LIVE_CLOUDFLARE_TOKEN and ZONECAST_LIVE_CLOUDFLARE_ZONE to run against the real API")
	}
	p, err := cloudflare.New("cloudflare-live", cloudflare.Config{APIToken: providers.NewSecret(token)})
	if err != nil {
		t.Fatal(err)
	}
	providertest.Run(t, p, zone)
}

// TestLiveSignerState reads the live zone's DNSSEC (read-only) and checks
// that what the driver makes of it holds together. With
// ZONECAST_LIVE_CLOUDFLARE_MULTI_SIGNER=1 (a zone whose multi-signer DNSSEC
// is on) it also writes one foreign ZSK, reads it back and removes it:
// the claims docs/dnssec-capabilities.md marks unverified.
func TestLiveSignerState(t *testing.T) {
	token, zone := os.Getenv("ZONECAST_LIVE_CLOUDFLARE_TOKEN"), os.Getenv("ZONECAST_LIVE_CLOUDFLARE_ZONE")
	if token == "" || zone == "" {
		t.Skip("set ZONECAST_LIVE_CLOUDFLARE_TOKEN and ZONECAST_LIVE_CLOUDFLARE_ZONE to run against the real API")
	}
	p, err := cloudflare.New("cloudflare-live", cloudflare.Config{APIToken: providers.NewSecret(token)})
	if err != nil {
		t.Fatal(err)
	}
	st, err := p.SignerState(t.Context(), zone)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("status %q, multi-signer %v, %d own keys, DS %q, %d foreign", st.Status, st.ForeignKeys, len(st.Keys.Data), st.DS, len(st.Foreign))
	if st.Signing && (len(st.Keys.Data) < 2 || len(st.DS) == 0) {
		t.Errorf("signing, but %d own keys and %d DS read: want a KSK, a ZSK and its DS", len(st.Keys.Data), len(st.DS))
	}
	if os.Getenv("ZONECAST_LIVE_CLOUDFLARE_MULTI_SIGNER") != "1" {
		return
	}
	key := foreignZSK(t)
	if err := p.SetForeignKeys(t.Context(), zone, zones.RRset{Name: zone, Type: dns.TypeDNSKEY, Data: append(slices.Clone(st.Foreign), key)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.SetForeignKeys(context.Background(), zone, zones.RRset{Name: zone, Type: dns.TypeDNSKEY, Data: st.Foreign}); err != nil {
			t.Errorf("remove the test key: %v", err)
		}
	})
	after, err := p.SignerState(t.Context(), zone)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(after.Foreign, sortedKeys(t, key)[0]) {
		t.Errorf("foreign keys after the write: %q, want the test key among them", after.Foreign)
	}
}
