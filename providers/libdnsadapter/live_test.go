package libdnsadapter_test

import (
	"os"
	"testing"

	"github.com/zonecast/zonecast/providers/libdnsadapter"
	"github.com/zonecast/zonecast/providers/providertest"
)

// TestLiveDesec runs the conformance suite through the adapter and
// libdns/desec against the real deSEC API when a user provides a token and
// a test domain whose records may be replaced:
//
//	ZONECAST_LIVE_DESEC_TOKEN=…  ZONECAST_LIVE_DESEC_ZONE=test.example.
//
// Without them it is skipped, in CI too (CI has no credentials). deSEC's
// write throttle (15 a minute per domain) makes it take some minutes; the
// transport waits out each 429.
func TestLiveDesec(t *testing.T) {
	token, zone := os.Getenv("ZONECAST_LIVE_DESEC_TOKEN"), os.Getenv("ZONECAST_LIVE_DESEC_ZONE")
	if token == "" || zone == "" {
		t.Skip("set ZONECAST_LIVE_DESEC_TOKEN and ZONECAST_LIVE_DESEC_ZONE to run against the real API")
	}
	p, err := libdnsadapter.Driver.New("desec-live", &libdnsadapter.Config{
		Package: "desec", Settings: map[string]string{"token": "env:ZONECAST_LIVE_DESEC_TOKEN"},
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	providertest.Run(t, p, zone)
}
