package dnsimple_test

import (
	"testing"

	emu "github.com/zonecast/zonecast/internal/emulator/dnsimple"
	"github.com/zonecast/zonecast/providers/dnsimple"
)

// BenchmarkApply10k creates 10,000 A RRsets in one apply and reads them
// back, against the emulator: one request per record (Batch=false) or
// per 100 records (Batch=true, Enterprise). It reports the requests of
// the apply and of the read.
func BenchmarkApply10k(b *testing.B) {
	for _, batch := range []bool{false, true} {
		name := "per-record"
		if batch {
			name = "batch"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				_, p := start(b, emu.Options{Enterprise: batch}, dnsimple.Config{Batch: batch})
				if _, err := p.Records(b.Context(), origin); err != nil {
					b.Fatal(err)
				}
				changes := sets(10000, 300)
				before := p.Requests()
				b.StartTimer()
				if _, err := p.Apply(b.Context(), origin, changes); err != nil {
					b.Fatal(err)
				}
				applied := p.Requests()
				got, err := p.Records(b.Context(), origin)
				b.StopTimer()
				if err != nil || len(got) < 10000 {
					b.Fatalf("read back %d RRsets: %v", len(got), err)
				}
				b.ReportMetric(float64(applied-before), "apply-requests")
				b.ReportMetric(float64(p.Requests()-applied), "read-requests")
			}
		})
	}
}
