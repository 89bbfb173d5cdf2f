package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/miekg/dns"

	gcemu "github.com/zonecast/zonecast/internal/emulator/googleclouddns"
)

// startGoogleCloudDNS makes a googleclouddns provider of a Cloud DNS
// emulator serving the zone (managed zone "example-com", with Google's SOA
// and four nameservers), authenticated by a service-account key file whose
// token_uri is the emulator's. The emulator's zone may hold more RRsets
// than Cloud DNS's default 10,000 (a raised quota): the limit is the
// driver tests' business, convergence this test's.
func startGoogleCloudDNS(t *testing.T, dir string) *target {
	s := gcemu.New(gcemu.Options{RRsetsPerZone: 1 << 20})
	t.Cleanup(s.Close)
	s.AddZone("example-com", origin, "public")
	key, err := s.ServiceAccountKey("zonecast@" + s.Project() + ".iam.gserviceaccount.com")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "gcloud-key.json")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	return &target{
		yaml: fmt.Sprintf("  p:\n    type: googleclouddns\n    project: %s\n    credentials_file: %s\n    endpoint: %s\n    requests_per_second: 1000\n", s.Project(), keyFile, s.URL),
		served: func(t *testing.T) []dns.RR {
			t.Helper()
			var rrs []dns.RR
			for _, set := range s.RRsets("example-com") {
				if set.RoutingPolicy != nil || set.Type == "ALIAS" {
					t.Fatalf("Cloud DNS's store holds a routing-policy or ALIAS set zonecast never writes: %+v", set)
				}
				for _, d := range set.Rrdatas {
					rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", set.Name, set.Ttl, set.Type, d))
					if err != nil || rr == nil {
						t.Fatalf("Cloud DNS's store holds rrdata that does not parse: %s %s %q: %v", set.Name, set.Type, d, err)
					}
					rrs = append(rrs, rr)
				}
			}
			return rrs
		},
	}
}
