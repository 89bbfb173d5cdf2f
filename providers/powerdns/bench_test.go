package powerdns_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// BenchmarkApply10k creates 10,000 A RRsets in one apply (one PATCH) and
// reads them back (one GET), against a real pdns_server; it reports the
// requests each took.
func BenchmarkApply10k(b *testing.B) {
	for range b.N {
		b.StopTimer()
		s, p := startAPIB(b)
		changes := make([]providers.Change, 10000)
		for i := range changes {
			changes[i] = providers.Change{Set: zones.RRset{Name: fmt.Sprintf("h%d.%s", i, origin), Type: 1, TTL: 300, Data: []string{fmt.Sprintf("192.0.%d.%d", i/250, i%250+1)}}}
		}
		before := p.Requests()
		b.StartTimer()
		if _, err := p.Apply(context.Background(), origin, changes); err != nil {
			b.Fatal(err)
		}
		sets, err := p.Records(context.Background(), origin)
		b.StopTimer()
		if err != nil || len(sets) < 10000 {
			b.Fatalf("read back %d RRsets: %v", len(sets), err)
		}
		b.ReportMetric(float64(p.Requests()-before), "requests")
		_ = s
	}
}
