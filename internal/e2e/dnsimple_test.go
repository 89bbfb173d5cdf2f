package e2e

import (
	"fmt"
	"testing"

	"github.com/miekg/dns"

	dsemu "github.com/zonecast/zonecast/internal/emulator/dnsimple"
)

// startDNSimple runs the DNSimple emulator serving the zone with its system
// SOA and apex NS; served reads its store back as DNS records.
func startDNSimple(t *testing.T, dir string) *target {
	ds := dsemu.New(dsemu.Options{Tokens: []string{"dnsimple-test-token"}})
	t.Cleanup(ds.Close)
	ds.AddZone(origin)
	return &target{
		yaml: fmt.Sprintf("  p:\n    type: dnsimple\n    api_token: env:DNSIMPLE_TOKEN\n    endpoint: %s\n    requests_per_second: 1000\n", ds.URL),
		env:  []string{"DNSIMPLE_TOKEN=dnsimple-test-token"},
		served: func(t *testing.T) []dns.RR {
			t.Helper()
			var rrs []dns.RR
			for _, r := range ds.Records(origin) {
				if r.Type == "ALIAS" || r.Type == "URL" || r.Type == "POOL" || len(r.Regions) != 1 || r.Regions[0] != "global" {
					t.Fatalf("DNSimple's store holds a record zonecast never writes: %+v", r)
				}
				owner := origin
				if r.Name != "" {
					owner = r.Name + "." + origin
				}
				data := r.Content
				if r.Priority != nil {
					data = fmt.Sprintf("%d %s", *r.Priority, r.Content)
				}
				// Target names are stored absolute without the final dot:
				// parsed against the root.
				rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", owner, r.TTL, r.Type, data))
				if err != nil || rr == nil {
					t.Fatalf("DNSimple's store holds a record that does not parse: %s %s %q: %v", owner, r.Type, r.Content, err)
				}
				rrs = append(rrs, rr)
			}
			return rrs
		},
	}
}
