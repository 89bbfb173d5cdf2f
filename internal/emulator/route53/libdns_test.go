package route53_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/libdns/libdns"
	libdnsr53 "github.com/libdns/route53"

	"github.com/zonecast/zonecast/internal/emulator/route53"
)

// TestLibdnsRoute53 drives the emulator with libdns/route53 v1.6.2, which
// can only be pointed at it through the AWS environment (its SDK client is
// private), and shows its known quirks: a wildcard comes back as `\052`,
// alias sets are invisible and weighted sets are merged.
func TestLibdnsRoute53(t *testing.T) {
	s := start(t, route53.Options{PageSize: 3}) // several pages per GetRecords
	hermetic(t)
	t.Setenv("AWS_ENDPOINT_URL_ROUTE_53", s.URL)
	id := s.AddZone("example.com.")
	s.AddRRSet(id, route53.RRSet{Name: "*.example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.1"}})
	s.AddRRSet(id, route53.RRSet{Name: "example.com.", Type: "TXT", TTL: 300, Values: []string{`"v=spf1 -all"`}})
	s.AddRRSet(id, route53.RRSet{Name: "www.example.com.", Type: "A", Alias: &route53.Alias{HostedZoneID: id, DNSName: "example.com."}})
	w := int64(1)
	s.AddRRSet(id, route53.RRSet{Name: "api.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.7"}, SetIdentifier: "a", Weight: &w})
	s.AddRRSet(id, route53.RRSet{Name: "api.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.8"}, SetIdentifier: "b", Weight: &w})

	// A new Provider per emulator: it reads the endpoint once.
	p := &libdnsr53.Provider{AccessKeyId: "AKIDEMULATOR", SecretAccessKey: "emulator-secret", Region: "us-east-1", MaxRetries: 3}
	ctx := t.Context()

	get := func() []string {
		t.Helper()
		recs, err := p.GetRecords(ctx, "example.com.")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range recs {
			rr := r.RR()
			out = append(out, rr.Name+" "+rr.Type+" "+rr.Data)
		}
		slices.Sort(out)
		return out
	}
	got := get()
	var notApex []string
	for _, r := range got {
		if !strings.HasPrefix(r, "@ ") {
			notApex = append(notApex, r)
		}
	}
	want := []string{
		`\052 A 192.0.2.1`, // the known quirk: never matched against "*"
		"api A 192.0.2.7",  // weighted sets merged
		"api A 192.0.2.8",
	} // www (an alias) is missing
	if diff := cmp.Diff(want, notApex); diff != "" {
		t.Errorf("GetRecords below the apex (-want +got):\n%s", diff)
	}
	if !slices.Contains(got, "@ TXT v=spf1 -all") {
		t.Errorf("GetRecords = %q, want the apex TXT", got)
	}

	// SetRecords is one UPSERT per RRset; DeleteRecords by the listed name
	// works, by "*" it matches nothing and sends nothing.
	s.ResetRequests()
	if _, err := p.SetRecords(ctx, "example.com.", []libdns.Record{
		libdns.Address{Name: "host", TTL: 120 * time.Second, IP: netip.MustParseAddr("192.0.2.10")},
		libdns.Address{Name: "host", TTL: 120 * time.Second, IP: netip.MustParseAddr("192.0.2.11")},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.DeleteRecords(ctx, "example.com.", []libdns.Record{libdns.Address{Name: "*", IP: netip.MustParseAddr("192.0.2.1")}}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(get(), `\052 A 192.0.2.1`) {
		t.Error(`DeleteRecords("*") removed the wildcard; libdns/route53 v1.6.2 does not`)
	}
	if _, err := p.DeleteRecords(ctx, "example.com.", []libdns.Record{libdns.Address{Name: `\052`, IP: netip.MustParseAddr("192.0.2.1")}}); err != nil {
		t.Fatal(err)
	}
	got = get()
	if slices.Contains(got, `\052 A 192.0.2.1`) || !slices.Contains(got, "host A 192.0.2.10") || !slices.Contains(got, "host A 192.0.2.11") {
		t.Errorf("after SetRecords and DeleteRecords: %q", got)
	}
	var changes []int
	for _, r := range s.Requests() {
		if r.Op == "ChangeResourceRecordSets" {
			changes = append(changes, r.Changes)
		}
	}
	if diff := cmp.Diff([]int{1, 1}, changes); diff != "" {
		t.Errorf("change batches and their sizes (-want +got):\n%s", diff)
	}
}
