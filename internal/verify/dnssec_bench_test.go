package verify_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/internal/verify"
	"github.com/zonecast/zonecast/internal/verify/verifytest"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// benchZone serves a zone of n A records signed by two signers (each
// DNSKEY set with both ZSKs) from two BIND servers, and returns the zone
// and a function asking both with --dnssec.
func benchZone(b *testing.B, n int) (*zones.Zone, func() []verify.Provider) {
	b.Helper()
	const origin = "bench.test."
	var text strings.Builder
	text.WriteString(signedZone)
	for i := range n {
		fmt.Fprintf(&text, "h%d A 192.0.2.%d\n", i, i%250+1)
	}
	sa, sb := verifytest.NewSigner(b, origin), verifytest.NewSigner(b, origin)
	za := verifytest.SignZone(b, origin, text.String(), verifytest.Signing{By: sa, Publish: []*dns.DNSKEY{sa.KSK.Key, sa.ZSK.Key, sb.ZSK.Key}})
	zb := verifytest.SignZone(b, origin, text.String(), verifytest.Signing{By: sb, Publish: []*dns.DNSKEY{sb.KSK.Key, sb.ZSK.Key, sa.ZSK.Key}})
	bindA := dnstest.StartBIND(b, map[string]string{origin: za})
	bindB := dnstest.StartBIND(b, map[string]string{origin: zb})
	desired, diags, err := zones.Parse(strings.NewReader(text.String()), origin+"zone", zones.Options{Origin: origin})
	if err != nil || diags.HasErrors() {
		b.Fatal(err, diags.Err())
	}
	opts := verify.Options{DNSSEC: true, Timeout: 2 * time.Second}
	return desired, func() []verify.Provider {
		r := []verify.Provider{
			verify.Run(b.Context(), desired, "a", providers.Capabilities{Nameservers: []providers.Nameserver{{Addr: bindA.Addr}}}, opts),
			verify.Run(b.Context(), desired, "b", providers.Capabilities{Nameservers: []providers.Nameserver{{Addr: bindB.Addr}}}, opts),
		}
		verify.CheckSigners(r, time.Now())
		return r
	}
}

// BenchmarkVerifyDNSSEC is verify --dnssec of a 1,000-record zone at two
// providers (one server each): the queries and every check.
func BenchmarkVerifyDNSSEC(b *testing.B) {
	_, run := benchZone(b, 1000)
	b.ResetTimer()
	for b.Loop() {
		for _, r := range run() {
			if !r.OK() {
				b.Fatalf("%s not OK", r.Provider)
			}
		}
	}
}

// BenchmarkCheckSigners is the checks alone (no query) on what the servers
// of BenchmarkVerifyDNSSEC answered: every signature verified against the
// union of both signers' keys.
func BenchmarkCheckSigners(b *testing.B) {
	_, run := benchZone(b, 1000)
	reports := run()
	b.ResetTimer()
	for b.Loop() {
		verify.CheckSigners(reports, time.Now())
	}
}
