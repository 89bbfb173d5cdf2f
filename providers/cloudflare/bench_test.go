package cloudflare_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	libcf "github.com/libdns/cloudflare"
	"github.com/libdns/libdns"
	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/apply"
	emu "github.com/zonecast/zonecast/internal/emulator/cloudflare"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/cloudflare"
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

// BenchmarkManyZones reads 10,000 zones of 50 records each at the emulator,
// four at a time, as one sync cycle does: "prepared" calls PrepareZones
// first (one paged listing of the account) on a cold account; "warm" is a
// later cycle in the same process (a provider built again, the account's
// cache filled); "by-name" skips PrepareZones, so each zone is looked up
// by name. Reported per cycle: API calls by kind, and the time the calls
// alone take at Cloudflare's documented limit of 1,200 requests per 5
// minutes per user (developers.cloudflare.com/fundamentals/api/reference/
// limits), i.e. 4 a second.
func BenchmarkManyZones(b *testing.B) {
	const n = 10000
	s := emu.New(emu.Options{})
	defer s.Close()
	names := s.AddZones(n, 50)
	origins := make([]string, n)
	for i, name := range names {
		origins[i] = name + "."
	}
	cycle := func(b *testing.B, token string, prepare bool) {
		p, err := cloudflare.New("cloudflare", cloudflare.Config{APIToken: providers.NewSecret(token), APIURL: s.URL + "/client/v4",
			RequestsPerSecond: 1e6})
		if err != nil {
			b.Fatal(err)
		}
		providertest.ReadAll(b, b.Context(), p, origins, prepare)
	}
	report := func(b *testing.B) {
		var listing, lookups, reads int
		for _, r := range s.Requests() {
			switch {
			case r.Path == "/client/v4/zones" && strings.Contains(r.Query, "name="):
				lookups++
			case r.Path == "/client/v4/zones":
				listing++
			case strings.HasSuffix(r.Path, "/dns_records"):
				reads++
			}
		}
		calls := listing + lookups + reads
		b.ReportMetric(float64(listing), "listing-calls")
		b.ReportMetric(float64(lookups), "lookup-calls")
		b.ReportMetric(float64(reads), "record-calls")
		b.ReportMetric(float64(calls), "calls/cycle")
		b.ReportMetric(float64(calls)/4, "sweep-s@4/s")
	}
	i := 0
	b.Run("prepared", func(b *testing.B) {
		for b.Loop() {
			i++
			s.ResetRequests()
			cycle(b, fmt.Sprintf("cold-%d", i), true) // a new token: a cold account
		}
		report(b)
	})
	b.Run("warm", func(b *testing.B) {
		cycle(b, "warm", true)
		for b.Loop() {
			s.ResetRequests()
			cycle(b, "warm", true)
		}
		report(b)
	})
	b.Run("by-name", func(b *testing.B) {
		for b.Loop() {
			i++
			s.ResetRequests()
			cycle(b, fmt.Sprintf("cold-%d", i), false)
		}
		report(b)
	})
}
