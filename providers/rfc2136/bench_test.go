package rfc2136_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zonecast/zonecast/internal/apply"
	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/zones"
)

// BenchmarkApplyBIND measures applying a 10k-record zone (genzone's
// base.zone, via `make bench`) to BIND from an empty zone (genzone's
// empty.zone: SOA, apex NS and their addresses), and reports the UPDATE
// messages it took. Between iterations the zone is emptied again, untimed.
func BenchmarkApplyBIND(b *testing.B) {
	dir := os.Getenv("ZONECAST_BENCH_DIR")
	if dir == "" {
		b.Skip("ZONECAST_BENCH_DIR is not set; run `make bench`")
	}
	src := filepath.Join(dir, "10000")
	read := func(name string) *zones.Zone {
		z, diags, err := zones.ParseFile(filepath.Join(src, name), zones.Options{})
		if err != nil || diags.HasErrors() {
			b.Fatal(err, diags.Err())
		}
		return z
	}
	full, empty := read("base.zone"), read("empty.zone")
	emptyText, err := os.ReadFile(filepath.Join(src, "empty.zone"))
	if err != nil {
		b.Fatal(err)
	}
	s := dnstest.StartBIND(b, map[string]string{full.Origin: string(emptyText)})
	p := provider(b, s)
	var messages int64
	var changes int
	for b.Loop() {
		b.StopTimer()
		t := providertest.PlanOf(b.Context(), b, p, full)
		changes = len(t.Changes)
		before := p.Messages()
		b.StartTimer()
		res := apply.Run(b.Context(), []apply.Job{{Target: &t, Provider: p}})[0]
		b.StopTimer()
		if res.Err != nil {
			b.Fatal(res.Err)
		}
		messages = p.Messages() - before
		back := providertest.PlanOf(b.Context(), b, p, empty)
		if r := apply.Run(b.Context(), []apply.Job{{Target: &back, Provider: p}})[0]; r.Err != nil {
			b.Fatal(r.Err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(messages), "messages")
	b.ReportMetric(float64(changes), "rrsets")
}
