package cloudflare_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	libcf "github.com/libdns/cloudflare"
	"github.com/libdns/libdns"
	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/apply"
	emu "github.com/zonecast/zonecast/internal/emulator/cloudflare"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/providertest"
)

// BenchmarkApply10k applies a 10k-record zone to an empty zone at the
// emulator: zonecast's batch writes, and for comparison the library's own
// pattern (AppendRecords: one POST per record). Reported: API requests.
func BenchmarkApply10k(b *testing.B) {
	z := providertest.BenchZone(b, 10000, "base.zone")
	b.Run("zonecast", func(b *testing.B) {
		var requests int
		for b.Loop() {
			b.StopTimer()
			s := emu.New(emu.Options{})
			s.AddZone(z.Origin)
			p := newBench(b, s)
			t := providertest.PlanOf(b.Context(), b, p, z)
			s.ResetRequests()
			b.StartTimer()
			if r := apply.Run(b.Context(), []apply.Job{{Target: &t, Provider: p}})[0]; r.Err != nil {
				b.Fatal(r.Err)
			}
			b.StopTimer()
			requests = len(s.Requests())
			s.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(requests), "requests")
	})
	b.Run("libdns-append", func(b *testing.B) {
		var recs []libdns.Record
		for _, set := range z.RRsets() {
			// The library's pattern is one POST per record whatever the
			// type; the types it writes without trouble stand for all.
			switch set.Type {
			case dns.TypeA, dns.TypeAAAA, dns.TypeCNAME, dns.TypeTXT:
			default:
				continue
			}
			r, err := providers.ToLibdns(*set, z.Origin)
			if err != nil {
				b.Fatal(err)
			}
			recs = append(recs, r...)
		}
		var requests int
		for b.Loop() {
			b.StopTimer()
			s := emu.New(emu.Options{})
			s.AddZone(z.Origin)
			target, _ := url.Parse(s.URL + "/client/v4")
			lib := &libcf.Provider{APIToken: "t", HTTPClient: &http.Client{Transport: &providers.Transport{Target: target, Prefix: "/client/v4"}}}
			b.StartTimer()
			if _, err := lib.AppendRecords(context.Background(), z.Origin, recs); err != nil {
				b.Fatalf("after %d requests: %v", len(s.Requests()), err)
			}
			b.StopTimer()
			requests = len(s.Requests())
			s.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(requests), "requests")
	})
}

func newBench(b *testing.B, s *emu.Server) *cfProvider {
	b.Helper()
	p, err := newProvider(s)
	if err != nil {
		b.Fatal(err)
	}
	return p
}
