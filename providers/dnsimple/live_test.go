package dnsimple_test

import (
	"os"
	"testing"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/dnsimple"
	"github.com/zonecast/zonecast/providers/providertest"
)

// TestLive runs the conformance suite against the real DNSimple API when
// a user provides a token and a test zone whose records may be replaced
// (the Sandbox, api.sandbox.dnsimple.com, is the place for it):
//
//	ZONECAST_LIVE_DNSIMPLE_TOKEN=…  ZONECAST_LIVE_DNSIMPLE_ZONE=test.example.
//	ZONECAST_LIVE_DNSIMPLE_ENDPOINT=sandbox   (optional; default production)
//	ZONECAST_LIVE_DNSIMPLE_ACCOUNT=1234       (optional; else whoami)
//	ZONECAST_LIVE_DNSIMPLE_BATCH=1            (optional; Enterprise only)
//
// It costs about 200 of the hour's 2,400 requests. Without the token and
// zone it is skipped, in CI too (CI has no credentials).
func TestLive(t *testing.T) {
	token, zone := os.Getenv("ZONECAST_LIVE_DNSIMPLE_TOKEN"), os.Getenv("ZONECAST_LIVE_DNSIMPLE_ZONE")
	if token == "" || zone == "" {
		t.Skip("set ZONECAST_LIVE_DNSIMPLE_TOKEN and ZONECAST_LIVE_DNSIMPLE_ZONE to run against the real API")
	}
	p, err := dnsimple.New("dnsimple-live", dnsimple.Config{
		APIToken: providers.NewSecret(token),
		Endpoint: os.Getenv("ZONECAST_LIVE_DNSIMPLE_ENDPOINT"),
		Account:  os.Getenv("ZONECAST_LIVE_DNSIMPLE_ACCOUNT"),
		Batch:    os.Getenv("ZONECAST_LIVE_DNSIMPLE_BATCH") == "1",
	})
	if err != nil {
		t.Fatal(err)
	}
	providertest.Run(t, p, zone)
	t.Logf("requests: %d; budget after: %+v", p.Requests(), p.Budget())
}
