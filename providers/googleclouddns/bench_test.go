package googleclouddns_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/miekg/dns"

	emu "github.com/zonecast/zonecast/internal/emulator/googleclouddns"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/googleclouddns"
	"github.com/zonecast/zonecast/zones"
)

// BenchmarkApply10k fills a zone to Cloud DNS's limit of 10,000 RRsets
// (9,998 A sets beside the SOA and apex NS) in one apply, then reads it
// back, against the emulator; it reports the API requests of each (apply:
// the changes.create calls, 1,000 additions each; read: the pages of
// resourceRecordSets.list, 1,000 RRsets each) and the token requests.
func BenchmarkApply10k(b *testing.B) {
	for range b.N {
		b.StopTimer()
		s, p := start(b, emu.Options{}, googleclouddns.Config{})
		changes := make([]providers.Change, googleclouddns.RRsetsPerZone-2)
		for i := range changes {
			changes[i] = providers.Change{Set: zones.RRset{Name: fmt.Sprintf("h%d.%s", i, origin), Type: dns.TypeA, TTL: 300, Data: []string{fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256)}}}
		}
		// The managed zone is looked up, and the token fetched, by a
		// first read, as in a run (plan, then apply).
		if _, err := p.Records(context.Background(), origin); err != nil {
			b.Fatal(err)
		}
		s.ResetRequests()
		b.StartTimer()
		if _, err := p.Apply(context.Background(), origin, changes); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		applyCalls := len(s.Requests())
		s.ResetRequests()
		b.StartTimer()
		sets, err := p.Records(context.Background(), origin)
		b.StopTimer()
		if err != nil || len(sets) != googleclouddns.RRsetsPerZone {
			b.Fatalf("read back %d RRsets: %v", len(sets), err)
		}
		c := s.Counts()
		b.ReportMetric(float64(applyCalls), "apply-requests")
		b.ReportMetric(float64(c["rrsets.list"]), "read-requests")
		b.ReportMetric(float64(p.TokenRequests()), "token-requests")
	}
}
