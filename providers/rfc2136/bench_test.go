package rfc2136_test

import (
	"strings"
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
	full := providertest.BenchZone(b, 10000, "base.zone")
	empty := providertest.BenchZone(b, 10000, "empty.zone")
	var emptyText strings.Builder
	if err := zones.Write(&emptyText, empty); err != nil {
		b.Fatal(err)
	}
	s := dnstest.StartBIND(b, map[string]string{full.Origin: emptyText.String()})
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
