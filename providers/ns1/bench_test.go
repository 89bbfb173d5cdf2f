package ns1_test

import (
	"context"
	"fmt"
	"testing"

	emu "github.com/zonecast/zonecast/internal/emulator/ns1"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// BenchmarkApply10k creates 10,000 A RRsets in one apply (10,000 PUTs, NS1
// having no batch route) and reads them back (one GET a 2,500-record
// page), against the emulator with its rate limits off; it reports the
// requests of each.
func BenchmarkApply10k(b *testing.B) {
	for range b.N {
		b.StopTimer()
		_, p := start(b, emu.Options{ReadLimit: -1, WriteLimit: -1})
		changes := make([]providers.Change, 10000)
		for i := range changes {
			changes[i] = providers.Change{Set: zones.RRset{Name: fmt.Sprintf("h%d.%s", i, origin), Type: 1, TTL: 300, Data: []string{fmt.Sprintf("192.0.%d.%d", i/250, i%250+1)}}}
		}
		before := p.Requests()
		b.StartTimer()
		if _, err := p.Apply(context.Background(), origin, changes); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		applied := p.Requests() - before
		b.StartTimer()
		sets, err := p.Records(context.Background(), origin)
		b.StopTimer()
		if err != nil || len(sets) < 10000 {
			b.Fatalf("read back %d RRsets: %v", len(sets), err)
		}
		b.ReportMetric(float64(applied), "apply-requests")
		b.ReportMetric(float64(p.Requests()-before-applied), "read-requests")
	}
}
