package audit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/audit"
	"github.com/zonecast/zonecast/internal/dnstest"
)

// The seed's layout on real servers (127.0.54.x, apart from the other
// packages' loopback Internets): BIND as the root, Knot as the TLD test.
// (as in the outage drill), BIND as provider a answering at ns1.b.test.,
// Knot as provider b answering at ns2.b.test. and serving b.test. alone.
// For no, right and wrong sibling glue in test., it checks that the TLD's
// referral carries what the zone file says (what audit reads), that the
// audit's answers differ, and what Unbound makes of it with b down: with
// right glue it still resolves www.example.test. through a, without glue
// it cannot (the claim "Unbound uses sibling glue" of siblingGlueUse).
func TestSiblingGlueRealServers(t *testing.T) {
	if testing.Short() && !dnstest.InCI() {
		t.Skip("-short: starts real servers and Unbound, about 20 s")
	}
	const (
		rootAddr  = "127.0.54.10"
		tldAddr   = "127.0.54.11"
		aAddr     = "127.0.54.21"
		bAddr     = "127.0.54.22"
		wrongAddr = "127.0.54.29" // nothing listens here
		unbound   = "127.0.54.30"
	)
	root := "$TTL 3600\n. SOA a.root.test. hostmaster.test. 1 7200 900 1209600 300\n. NS a.root.test.\na.root.test. A " + rootAddr +
		"\ntest. NS ns.nic.test.\nns.nic.test. A " + tldAddr + "\n"
	dnstest.StartBINDWith(t, dnstest.Options{Addr: rootAddr}, map[string]string{".": root})
	example := "$TTL 300\n@ SOA ns1.b.test. hostmaster 1 7200 900 1209600 300\n@ NS ns1.b.test.\n@ NS ns2.b.test.\nwww A 192.0.2.80\n"
	dnstest.StartBINDWith(t, dnstest.Options{Addr: aAddr}, map[string]string{"example.test.": example})
	b := dnstest.StartKnotWith(t, dnstest.Options{Addr: bAddr}, map[string]string{
		"example.test.": example,
		"b.test.":       "$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A " + bAddr + "\nns1 A " + aAddr + "\nns2 A " + bAddr + "\n",
	})
	opts := audit.Options{
		Roots:     []string{rootAddr + ":53"},
		Timeout:   300 * time.Millisecond,
		Providers: map[string]string{"ns1.b.test.": "a", "ns2.b.test.": "b", "ns.b.test.": "b"},
	}
	dark := map[string]string{}
	for _, tc := range []struct {
		name     string
		glue     string
		ns1Glue  audit.GlueState
		tryIt    bool // ask Unbound with b down
		resolves bool // and whether www.example.test. then resolves
	}{
		{"absent", "", audit.GlueAbsent, true, false},
		{"right", "ns1.b.test. A " + aAddr + "\nns2.b.test. A " + bAddr + "\n", audit.GlueRight, true, true},
		{"wrong", "ns1.b.test. A " + wrongAddr + "\nns2.b.test. A " + bAddr + "\n", audit.GlueWrong, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tld := "$TTL 300\ntest. SOA ns.nic.test. hostmaster.test. 1 7200 900 1209600 300\ntest. NS ns.nic.test.\nns.nic.test. A " + tldAddr +
				"\nexample.test. NS ns1.b.test.\nexample.test. NS ns2.b.test.\nb.test. NS ns.b.test.\nns.b.test. A " + bAddr + "\n" + tc.glue
			dnstest.StartKnotWith(t, dnstest.Options{Addr: tldAddr}, map[string]string{"test.": tld})
			r, err := audit.Run(t.Context(), "example.test.", opts)
			if err != nil {
				t.Fatal(err)
			}
			out := text(t, r)
			t.Logf("audit:\n%s", out)
			if r.Hosts[0].Name != "ns1.b.test." || r.Hosts[0].GlueState != tc.ns1Glue {
				t.Errorf("%s glue %s, want ns1.b.test. glue %s", r.Hosts[0].Name, r.Hosts[0].GlueState, tc.ns1Glue)
			}
			if !r.Failed() || strings.Join(r.SinglePointsOfFailure, " ") != "b" {
				t.Errorf("Failed() = %v, single points of failure %v; want true, [b]", r.Failed(), r.SinglePointsOfFailure)
			}
			for _, f := range r.Findings {
				if f.Code == "dark-domain" {
					dark[tc.name] = f.Message
				}
			}
			if !tc.tryIt {
				return
			}
			res := dnstest.StartUnbound(t, unbound+":53", map[string]string{"a.root.test.": rootAddr})
			b.Stop()
			defer b.Start()
			_, answers := res.Lookup(t, "www.example.test.", dns.TypeA)
			got := len(answers) > 0
			if got != tc.resolves {
				t.Errorf("with b down, www.example.test. resolves through Unbound: %v, want %v (answers %v)", got, tc.resolves, answers)
			}
		})
	}
	if len(dark) != 3 || dark["absent"] == dark["right"] || dark["right"] == dark["wrong"] || dark["absent"] == dark["wrong"] {
		t.Errorf("dark-domain findings are not three different answers: %q", dark)
	}
}
