package route53_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/libdns/libdns"
	libr53 "github.com/libdns/route53"
	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/apply"
	emu "github.com/zonecast/zonecast/internal/emulator/route53"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/providers/route53"
)

// BenchmarkApply10k applies a 10k-record zone (genzone, `make bench`) to an
// empty hosted zone at the emulator: zonecast's change batches, and for
// comparison libdns/route53's own pattern (SetRecords: a zone lookup and
// one change request per RRset). Reported: API requests.
func BenchmarkApply10k(b *testing.B) {
	z := providertest.BenchZone(b, 10000, "base.zone")
	hermeticB(b)
	b.Run("zonecast", func(b *testing.B) {
		var requests int
		for b.Loop() {
			b.StopTimer()
			s := emu.New(emu.Options{})
			s.AddZone(z.Origin)
			p, err := route53.New(b.Context(), "route53", route53.Config{AccessKeyID: providers.NewSecret("AKID"),
				SecretAccessKey: providers.NewSecret("secret"), Endpoint: s.URL, RequestsPerSecond: 10000})
			if err != nil {
				b.Fatal(err)
			}
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
	b.Run("libdns-set", func(b *testing.B) {
		var recs []libdns.Record
		for _, set := range z.RRsets() {
			if set.Type == dns.TypeSOA || set.Type == dns.TypeNS && set.Name == z.Origin {
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
			b.Setenv("AWS_ENDPOINT_URL_ROUTE_53", s.URL)
			lib := &libr53.Provider{AccessKeyId: "AKID", SecretAccessKey: "secret", Region: "us-east-1"}
			b.StartTimer()
			if _, err := lib.SetRecords(context.Background(), z.Origin, recs); err != nil {
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

func hermeticB(b *testing.B) {
	dir := b.TempDir()
	b.Setenv("AWS_CONFIG_FILE", dir+"/config")
	b.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/credentials")
	b.Setenv("AWS_PROFILE", "")
	b.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// BenchmarkManyZones reads 10,000 hosted zones of 50 record sets each at
// the emulator, four at a time, as one sync cycle does: "prepared" calls
// PrepareZones first (one paged ListHostedZones walk) on a cold account;
// "warm" is a later cycle in the same process (a provider built again, the
// account's cache filled); "by-name" skips PrepareZones, so each zone costs
// a ListHostedZonesByName. Reported per cycle: API calls by kind, and the
// time the calls alone take at 5 requests a second per account (the
// driver's default pace; Route 53's older published quota) and at 10 a
// second (the refill of the per-account token bucket, capacity 50,
// docs.aws.amazon.com/Route53/latest/DeveloperGuide/throttling-api-requests,
// as research/provider-apis.md §2.5 cites it).
func BenchmarkManyZones(b *testing.B) {
	const n = 10000
	hermeticB(b)
	s := emu.New(emu.Options{})
	defer s.Close()
	s.AddZones(n, 50)
	origins := make([]string, n)
	for i := range n {
		origins[i] = fmt.Sprintf("zone%05d.example.", i)
	}
	cycle := func(b *testing.B, key string, prepare bool) {
		p, err := route53.New(b.Context(), "route53", route53.Config{AccessKeyID: providers.NewSecret(key),
			SecretAccessKey: providers.NewSecret("secret"), Endpoint: s.URL, RequestsPerSecond: 1e6})
		if err != nil {
			b.Fatal(err)
		}
		providertest.ReadAll(b, b.Context(), p, origins, prepare)
	}
	report := func(b *testing.B) {
		c := s.Counts()
		listing, lookups, reads := c["ListHostedZones"], c["ListHostedZonesByName"], c["ListResourceRecordSets"]
		calls := listing + lookups + reads
		b.ReportMetric(float64(listing), "listing-calls")
		b.ReportMetric(float64(lookups), "lookup-calls")
		b.ReportMetric(float64(reads), "record-calls")
		b.ReportMetric(float64(calls), "calls/cycle")
		b.ReportMetric(float64(calls)/5, "sweep-s@5/s")
		b.ReportMetric(float64(calls)/10, "sweep-s@10/s")
	}
	i := 0
	b.Run("prepared", func(b *testing.B) {
		for b.Loop() {
			i++
			s.ResetRequests()
			cycle(b, fmt.Sprintf("AKIDCOLD%d", i), true) // new keys: a cold account
		}
		report(b)
	})
	b.Run("warm", func(b *testing.B) {
		cycle(b, "AKIDWARM", true)
		for b.Loop() {
			s.ResetRequests()
			cycle(b, "AKIDWARM", true)
		}
		report(b)
	})
	b.Run("by-name", func(b *testing.B) {
		for b.Loop() {
			i++
			s.ResetRequests()
			cycle(b, fmt.Sprintf("AKIDCOLD%d", i), false)
		}
		report(b)
	})
}
