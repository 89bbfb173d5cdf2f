package route53_test

import (
	"context"
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
