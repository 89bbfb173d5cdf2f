package route53_test

import (
	"os"
	"testing"

	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/providers/route53"
)

// TestLive runs the conformance suite against the real Route 53 API when a
// user provides credentials (the AWS default chain: AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, or AWS_PROFILE) and a test hosted zone whose
// records may be replaced:
//
//	ZONECAST_LIVE_ROUTE53_ZONE=test.example.  [ZONECAST_LIVE_ROUTE53_ZONE_ID=Z…]
//
// Without them it is skipped, in CI too (CI has no credentials).
func TestLive(t *testing.T) {
	zone := os.Getenv("ZONECAST_LIVE_ROUTE53_ZONE")
	if zone == "" {
		t.Skip("set ZONECAST_LIVE_ROUTE53_ZONE (and AWS credentials) to run against the real API")
	}
	p, err := route53.New(t.Context(), "route53-live", route53.Config{HostedZoneID: os.Getenv("ZONECAST_LIVE_ROUTE53_ZONE_ID")})
	if err != nil {
		t.Fatal(err)
	}
	providertest.Run(t, p, zone)
}

// TestLiveSignerState reads the live hosted zone's DNSSEC with GetDNSSEC
// (read-only) and checks that what the driver makes of it holds together.
func TestLiveSignerState(t *testing.T) {
	zone := os.Getenv("ZONECAST_LIVE_ROUTE53_ZONE")
	if zone == "" {
		t.Skip("set ZONECAST_LIVE_ROUTE53_ZONE (and AWS credentials) to run against the real API")
	}
	p, err := route53.New(t.Context(), "route53-live", route53.Config{HostedZoneID: os.Getenv("ZONECAST_LIVE_ROUTE53_ZONE_ID")})
	if err != nil {
		t.Fatal(err)
	}
	st, err := p.SignerState(t.Context(), zone)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("status %q, %d KSKs, DS %q", st.Status, len(st.Keys.Data), st.DS)
	if st.Signing && (len(st.Keys.Data) == 0 || len(st.DS) != len(st.Keys.Data)) {
		t.Errorf("signing, but %d KSKs and %d DS read: want one DS per active KSK", len(st.Keys.Data), len(st.DS))
	}
}
