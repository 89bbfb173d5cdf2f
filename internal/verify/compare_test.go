package verify_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/verify"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

func TestCompare(t *testing.T) {
	z, diags, err := zones.Parse(strings.NewReader(`$TTL 300
@ SOA ns hostmaster 1 2 3 4 5
@ NS ns
ns A 192.0.2.1
short 30 A 192.0.2.2
loc LOC 52 22 23.000 N 4 53 32.000 E -2.00m
www A 192.0.2.3
`), "example.com.zone", zones.Options{})
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags.Err())
	}
	caps := map[string]providers.Capabilities{
		"bind":       {OwnsSOA: true},
		"cloudflare": {OwnsSOA: true, OwnsApexNS: true, MinTTL: 60, Types: []uint16{dns.TypeA, dns.TypeNS}},
	}
	var got []string
	for _, d := range verify.Compare(z, caps, nil) {
		got = append(got, d.String())
	}
	want := []string{
		"example.com. NS: bind: 300 ns.example.com.; cloudflare: its own NS set",
		"loc.example.com. LOC: bind: 300 52 22 23.000 N 04 53 32.000 E -2m 1m 10000m 10m; cloudflare: nothing",
		"short.example.com. A: bind: 30 192.0.2.2; cloudflare: 60 192.0.2.2",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("differences (-want +got):\n%s", diff)
	}
}
