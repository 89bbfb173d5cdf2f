package googleclouddns_test

import (
	"os"
	"testing"

	"github.com/zonecast/zonecast/providers/googleclouddns"
	"github.com/zonecast/zonecast/providers/providertest"
)

// TestLive runs the conformance suite against the real Cloud DNS API when
// a user provides a project and a test zone whose records may be replaced
// (its apex NS too: the suite sets it to ns1 of the zone and leaves it so):
//
//	ZONECAST_LIVE_GCLOUDDNS_PROJECT=my-project ZONECAST_LIVE_GCLOUDDNS_ZONE=test.example. \
//	ZONECAST_LIVE_GCLOUDDNS_CREDENTIALS=/path/key.json   # optional: else Application Default Credentials
//	go test -count=1 -run TestLive ./providers/googleclouddns/
//
// ZONECAST_LIVE_GCLOUDDNS_MANAGED_ZONE names the managed zone when two
// serve the name. Without project and zone it is skipped, in CI too (CI
// has no credentials).
func TestLive(t *testing.T) {
	project, zone := os.Getenv("ZONECAST_LIVE_GCLOUDDNS_PROJECT"), os.Getenv("ZONECAST_LIVE_GCLOUDDNS_ZONE")
	if project == "" || zone == "" {
		t.Skip("set ZONECAST_LIVE_GCLOUDDNS_PROJECT and ZONECAST_LIVE_GCLOUDDNS_ZONE (and ZONECAST_LIVE_GCLOUDDNS_CREDENTIALS, or Application Default Credentials) to run against the real API")
	}
	p, err := googleclouddns.New("gcloud-live", googleclouddns.Config{Project: project, ManagedZone: os.Getenv("ZONECAST_LIVE_GCLOUDDNS_MANAGED_ZONE"),
		CredentialsFile: os.Getenv("ZONECAST_LIVE_GCLOUDDNS_CREDENTIALS")}, "")
	if err != nil {
		t.Fatal(err)
	}
	providertest.Run(t, p, zone)
}
