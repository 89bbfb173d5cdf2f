package cloudflare_test

import (
	"os"
	"testing"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/cloudflare"
	"github.com/zonecast/zonecast/providers/providertest"
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
