package failover

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/resolve"
	"github.com/zonecast/zonecast/zones"
)

// The addresses record says what is known of the names asked for, reads
// back the same (also as NS1 serves it, strings joined), stays within a
// TXT string, and leaves out what is damaged without failing.
func TestAddressesRecord(t *testing.T) {
	since := time.Date(2026, 12, 4, 1, 2, 3, 0, time.UTC)
	known := resolve.Known{
		"ns.b-dns.test":     {Addrs: []string{"127.0.2.22", "::1"}, At: since.Add(time.Hour), Since: since},
		"update.c-dns.test": {Addrs: []string{"127.0.2.23"}, At: since},
		"unasked.test":      {Addrs: []string{"192.0.2.1"}, At: since},
	}
	if AddressesRecord("safe.test.", []string{"nothing.test"}, known) != nil {
		t.Fatal("a record for names nothing is known of")
	}
	rec := AddressesRecord("safe.test.", []string{"ns.b-dns.test", "update.c-dns.test", "never.test"}, known)
	if rec == nil || rec.Name != "_zonecast-addresses.safe.test." || rec.Type != dns.TypeTXT || len(rec.Data) != 2 {
		t.Fatalf("record %+v", rec)
	}
	if want := `"zonecast-addresses=1 ns.b-dns.test 2026-12-04T01:02:03Z 127.0.2.22 ::1"`; rec.Data[0] != want {
		t.Fatalf("record data %q, want %q first", rec.Data, want)
	}
	got, bad := ParseAddresses(rec)
	if bad != 0 || len(got) != 2 || !slices.Equal(got["ns.b-dns.test"].Addrs, []string{"127.0.2.22", "::1"}) || !got["ns.b-dns.test"].Since.Equal(since) ||
		!got["update.c-dns.test"].Since.Equal(since) {
		t.Fatalf("parsed %+v (bad %d)", got, bad)
	}
	// A record a zone file could not hold parses as the zone holds it.
	z, diags, err := zones.Parse(strings.NewReader("$TTL 300\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n"+rec.Name+" 300 TXT "+strings.Join(rec.Data[:1], "")), "addresses.zone", zones.Options{Origin: "safe.test."})
	if err != nil || diags.HasErrors() {
		t.Fatalf("the record as a zone file: %v %v", err, diags)
	}
	if got, bad := ParseAddresses(z.Lookup(rec.Name, dns.TypeTXT)); bad != 0 || len(got) != 1 {
		t.Fatalf("parsed from a zone file: %+v (bad %d)", got, bad)
	}

	// NS1 joins a record's strings: one string anyway.
	joined := &zones.RRset{Name: rec.Name, Type: dns.TypeTXT, Data: []string{`"zonecast-addresses=1 ns.x.test" " 2026-12-04T01:02:03Z 192.0.2.5"`}}
	if got, bad := ParseAddresses(joined); bad != 0 || !slices.Equal(got["ns.x.test"].Addrs, []string{"192.0.2.5"}) {
		t.Fatalf("joined strings: %+v (bad %d)", got, bad)
	}

	// Damage: other text, a bad time, a bad name, no address. Each is
	// left out and counted; the good one still reads.
	damaged := &zones.RRset{Name: rec.Name, Type: dns.TypeTXT, Data: []string{
		`"v=spf1 -all"`,
		`"zonecast-addresses=1 ns.x.test yesterday 192.0.2.5"`,
		`"zonecast-addresses=1 192.0.2.9 2026-12-04T01:02:03Z 192.0.2.5"`,
		`"zonecast-addresses=1 ns.y.test 2026-12-04T01:02:03Z not-an-address"`,
		rec.Data[1],
	}}
	if got, bad := ParseAddresses(damaged); bad != 4 || len(got) != 1 || got["update.c-dns.test"].Addrs[0] != "127.0.2.23" {
		t.Fatalf("damaged: %+v (bad %d)", got, bad)
	}

	// A long name with many addresses: the string stays within 255
	// octets, the addresses that do not fit left out.
	long := strings.Repeat("n", 60) + "." + strings.Repeat("m", 60) + ".test"
	var many []string
	for i := range 40 {
		many = append(many, "2001:db8::"+strings.Repeat("a", 1+i%4))
	}
	rec = AddressesRecord("safe.test.", []string{long}, resolve.Known{long: {Addrs: many, At: since}})
	if rec == nil || len(rec.Data[0]) > 255+2 {
		t.Fatalf("long record %v", rec)
	}
	if got, bad := ParseAddresses(rec); bad != 0 || len(got[long].Addrs) == 0 || len(got[long].Addrs) >= len(many) {
		t.Fatalf("long record read back %+v (bad %d)", got, bad)
	}
}
