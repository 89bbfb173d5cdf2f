package ns1_test

import (
	"os"
	"testing"

	"github.com/zonecast/zonecast/providers/ns1"
	"github.com/zonecast/zonecast/providers/providertest"
)

// TestLive runs the conformance suite against the real NS1 API when a user
// provides an API key and a test zone whose records may be replaced (its
// apex NS too: the suite sets it to its own):
//
//	ZONECAST_LIVE_NS1_KEY=…  ZONECAST_LIVE_NS1_ZONE=test.example.  [ZONECAST_LIVE_NS1_ENDPOINT=https://…/v1/]
//
// Without them it is skipped, in CI too (CI has no credentials). It paces
// at 1 request a second, under NS1's write buckets.
func TestLive(t *testing.T) {
	key, zone := os.Getenv("ZONECAST_LIVE_NS1_KEY"), os.Getenv("ZONECAST_LIVE_NS1_ZONE")
	if key == "" || zone == "" {
		t.Skip("set ZONECAST_LIVE_NS1_KEY and ZONECAST_LIVE_NS1_ZONE to run against the real API")
	}
	p, err := ns1.New("ns1-live", os.Getenv("ZONECAST_LIVE_NS1_ENDPOINT"), key, 1)
	if err != nil {
		t.Fatal(err)
	}
	providertest.Run(t, p, zone)
}
