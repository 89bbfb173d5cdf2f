package providers_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/libdns/libdns"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

const origin = "example.com."

func TestLibdnsRoundTrip(t *testing.T) {
	text := `$TTL 300
@ SOA ns hostmaster 1 2 3 4 5
@ NS ns
ns A 192.0.2.1
@ MX 0 .
www A 192.0.2.2
www A 192.0.2.3
*.wild AAAA 2001:db8::1
mx MX 10 mail
mail A 192.0.2.4
_sip._tcp SRV 10 60 5060 sip.example.net.
@ CAA 0 issue "letsencrypt.org"
t TXT "quote \" and back\\slash" "tab\009"
long TXT "` + strings.Repeat("x", 300/2) + `" "` + strings.Repeat("y", 200) + `"
`
	z, diags, err := zones.Parse(strings.NewReader(text), "example.com.zone", zones.Options{})
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags.Err())
	}
	var recs []libdns.Record
	var want []zones.RRset
	for _, s := range z.RRsets() {
		if s.Type == 6 {
			continue
		}
		r, err := providers.ToLibdns(*s, origin)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r...)
		want = append(want, *s)
	}
	// TXT comes back as libdns's one long string, re-chunked canonically:
	// the joined bytes are what compares.
	got, err := providers.FromLibdns(recs, origin)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if want[i].Type == 16 {
			for j, d := range want[i].Data {
				text, _ := providers.TXTText(d)
				want[i].Data[j] = providers.TXTData(text)
			}
		}
		want[i].Pos = zones.Pos{}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestFromLibdnsQuirks(t *testing.T) {
	recs := []libdns.Record{
		libdns.RR{Name: `\042.wild`, TTL: 300 * time.Second, Type: "A", Data: "192.0.2.1"},         // an escaped wildcard (decimal \DDD)
		libdns.RR{Name: "@", TTL: 300 * time.Second, Type: "SOA", Data: "ns. h. 1 2 3 4 5"},        // provider's own: dropped
		libdns.RR{Name: "c", TTL: 300 * time.Second, Type: "CNAME", Data: "target"},                // relative target: qualified
		libdns.RR{Name: "Mixed", TTL: 300 * time.Second, Type: "MX", Data: "10 Mail.Example.NET."}, // case
		libdns.TXT{Name: "t", TTL: 300 * time.Second, Text: `a "quoted" \ text`},
		libdns.RR{Name: "sig", TTL: 300 * time.Second, Type: "RRSIG", Data: "A 13 3 300 20260101000000 20251201000000 1 example.com. AAAA"},
	}
	got, err := providers.FromLibdns(recs, origin)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, s := range got {
		lines = append(lines, s.Name+" "+s.TypeString()+" "+strings.Join(s.Data, ","))
	}
	want := []string{ // canonical order
		`c.example.com. CNAME target.example.com.`,
		`mixed.example.com. MX 10 mail.example.net.`,
		`t.example.com. TXT "a \"quoted\" \\ text"`,
		`*.wild.example.com. A 192.0.2.1`,
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := providers.FromLibdns([]libdns.Record{libdns.RR{Name: "x", Type: "A", Data: "not-an-ip"}}, origin); err == nil || !strings.Contains(err.Error(), "x.example.com.") {
		t.Errorf("a bad record gave %v, want an error naming it", err)
	}
	if _, err := providers.ToLibdns(zones.RRset{Name: origin, Type: 6, Data: []string{"x"}}, origin); err == nil {
		t.Error("an SOA was handed to a provider")
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := providers.NewSecret("hunter2")
	for _, out := range []string{s.String(), s.GoString(), s.LogValue().String()} {
		if strings.Contains(out, "hunter2") {
			t.Errorf("secret printed as %q", out)
		}
	}
	t.Setenv("ZC_TEST_SECRET", "s3cr3t")
	r, err := providers.ResolveSecret("env:ZC_TEST_SECRET", "")
	if err != nil || r.Value() != "s3cr3t" {
		t.Errorf("env secret: %v", err)
	}
	if _, err := providers.ResolveSecret("literal-value", ""); err == nil || strings.Contains(err.Error(), "literal-value") {
		t.Errorf("a literal secret gave %v: want an error that does not repeat it", err)
	}
}
