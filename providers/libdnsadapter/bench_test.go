package libdnsadapter_test

import (
	"context"
	"fmt"
	"testing"

	desecemu "github.com/zonecast/zonecast/internal/emulator/desec"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// BenchmarkApply10k creates 10,000 A RRsets in one apply (libdns/desec's
// SetRecords: one bulk PUT) and reads them back (the adapter's paged read:
// 20 pages of 500), against the deSEC emulator without throttling; it
// reports the HTTP requests of each. At deSEC's throttles (reads 10/s and
// 50/min, RRset writes 2/s, 15/min, 100/h, 300/day per domain) that is
// one write and 20 reads: inside one minute's budget.
func BenchmarkApply10k(b *testing.B) {
	for range b.N {
		b.StopTimer()
		emu, p, _ := start(b, desecemu.Options{})
		changes := make([]providers.Change, 10000)
		for i := range changes {
			changes[i] = providers.Change{Set: zones.RRset{Name: fmt.Sprintf("h%d.%s", i, origin), Type: 1, TTL: 3600, Data: []string{fmt.Sprintf("192.0.%d.%d", i/250, i%250+1)}}}
		}
		before := p.Requests()
		b.StartTimer()
		if _, err := p.Apply(context.Background(), origin, changes); err != nil {
			b.Fatal(err)
		}
		wrote := p.Requests() - before
		sets, err := p.Records(context.Background(), origin)
		b.StopTimer()
		if err != nil || len(sets) < 10000 {
			b.Fatalf("read back %d RRsets: %v", len(sets), err)
		}
		b.ReportMetric(float64(wrote), "write-requests")
		b.ReportMetric(float64(p.Requests()-before-wrote), "read-requests")
		_ = emu
	}
}

// BenchmarkDelete1k deletes 1,000 RRsets: one bulk PATCH of the adapter's
// (libdns/desec's DeleteRecords would read each RRset first, a GET each,
// 2,001 requests here and some 20 minutes at deSEC's read throttle).
func BenchmarkDelete1k(b *testing.B) {
	for range b.N {
		b.StopTimer()
		emu, p, _ := start(b, desecemu.Options{})
		changes := make([]providers.Change, 1000)
		for i := range changes {
			s := zones.RRset{Name: fmt.Sprintf("h%d.%s", i, origin), Type: 1, TTL: 3600, Data: []string{"192.0.2.1"}}
			emu.Put(origin, desecemu.RRset{Subname: fmt.Sprintf("h%d", i), Type: "A", TTL: 3600, Records: s.Data})
			changes[i] = providers.Change{Delete: true, Set: s, Before: &s}
		}
		before := p.Requests()
		b.StartTimer()
		if _, err := p.Apply(context.Background(), origin, changes); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if n := len(emu.RRsets(origin)); n != 1 {
			b.Fatalf("%d RRsets left, want the apex NS", n)
		}
		b.ReportMetric(float64(p.Requests()-before), "requests")
	}
}
