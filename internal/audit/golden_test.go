package audit_test

import (
	"bytes"
	"github.com/zonecast/zonecast/internal/golden"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/audit"
	"github.com/zonecast/zonecast/internal/dnstest"
)

// authority is a small authoritative server for tests (as in
// internal/verify's tests): it answers from zone texts with the AA bit,
// refers below a delegation with the glue the zone has, and answers REFUSED
// without the AA bit for zones it does not serve (a lame server).
type authority struct {
	zones map[string][]dns.RR
}

func newAuthority(t *testing.T, texts map[string]string) *authority {
	t.Helper()
	a := &authority{zones: map[string][]dns.RR{}}
	for origin, text := range texts {
		zp := dns.NewZoneParser(strings.NewReader(text), origin, origin+"zone")
		for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
			a.zones[origin] = append(a.zones[origin], rr)
		}
		if err := zp.Err(); err != nil {
			t.Fatalf("zone %s: %v", origin, err)
		}
	}
	return a
}

func (a *authority) ServeDNS(w dns.ResponseWriter, q *dns.Msg) {
	r := new(dns.Msg)
	r.SetReply(q)
	defer w.WriteMsg(r)
	qname, qtype := strings.ToLower(q.Question[0].Name), q.Question[0].Qtype
	origin := ""
	for o := range a.zones {
		if dns.IsSubDomain(o, qname) && len(o) > len(origin) {
			origin = o
		}
	}
	if origin == "" {
		r.Rcode = dns.RcodeRefused
		return
	}
	rrs := a.zones[origin]
	cut := ""
	for _, rr := range rrs {
		h := rr.Header()
		if h.Rrtype == dns.TypeNS && h.Name != origin && dns.IsSubDomain(h.Name, qname) && len(h.Name) > len(cut) {
			cut = h.Name
		}
	}
	if cut != "" && !(qtype == dns.TypeDS && qname == cut) {
		// A referral: the NS set at the cut and the glue the zone has.
		targets := map[string]bool{}
		for _, rr := range rrs {
			if ns, ok := rr.(*dns.NS); ok && ns.Hdr.Name == cut {
				r.Ns = append(r.Ns, rr)
				targets[ns.Ns] = true
			}
		}
		for _, rr := range rrs {
			if h := rr.Header(); targets[h.Name] && (h.Rrtype == dns.TypeA || h.Rrtype == dns.TypeAAAA) {
				r.Extra = append(r.Extra, rr)
			}
		}
		return
	}
	r.Authoritative = true
	exists := false
	for _, rr := range rrs {
		if h := rr.Header(); h.Name == qname {
			exists = true
			// With the DO bit, the signatures over the answer too.
			sig, isSig := rr.(*dns.RRSIG)
			if h.Rrtype == qtype || isSig && sig.TypeCovered == qtype && q.IsEdns0() != nil && q.IsEdns0().Do() {
				r.Answer = append(r.Answer, rr)
			}
		}
	}
	if len(r.Answer) == 0 {
		for _, rr := range rrs {
			if rr.Header().Rrtype == dns.TypeSOA {
				r.Ns = append(r.Ns, rr)
			}
		}
		if !exists {
			r.Rcode = dns.RcodeNameError
		}
	}
}

// serve starts a on addr, port 53 (UDP), until the test ends: the
// audit's small Internet has addresses of its own, 127.0.53.0/24, apart
// from the other packages' tests (dnstest.ServePort53).
func serve(t *testing.T, addr string, a *authority) {
	t.Helper()
	dnstest.ServePort53(t, addr, a)
}

// TestGoldenAudit checks the JSON audit writes (the envelope of
// internal/cli's runAudit around *audit.Report) for a delegation with most
// of what the audit looks for: every nameserver depends on one provider,
// a nameserver whose domain only that provider serves, missing and stale
// glue, a lame server, parent and child NS sets that differ, two SOA
// serials, all addresses in one /24.
func TestGoldenAudit(t *testing.T) {
	serve(t, "127.0.53.1", newAuthority(t, map[string]string{".": `
. 3600 SOA a.root.test. hostmaster.test. 1 7200 900 1209600 300
. 3600 NS a.root.test.
test. 172800 NS ns.nic.test.
ns.nic.test. 172800 A 127.0.53.2
`}))
	serve(t, "127.0.53.2", newAuthority(t, map[string]string{"test.": `
test. 300 SOA ns.nic.test. hostmaster.test. 1 7200 900 1209600 300
test. 300 NS ns.nic.test.
ns.nic.test. 300 A 127.0.53.2
example.test. 86400 NS ns1.example.test.
example.test. 86400 NS ns2.example.test.
example.test. 86400 NS ns.solo.test.
; glue for ns1 (one address stale), none for ns2
ns1.example.test. 86400 A 127.0.53.10
ns1.example.test. 86400 A 127.0.53.9
solo.test. 86400 NS ns1.example.test.
`}))
	child := func(serial string) string {
		return `
example.test. 300 SOA ns1.example.test. hostmaster.example.test. ` + serial + ` 7200 900 1209600 300
example.test. 3600 NS ns1.example.test.
example.test. 3600 NS ns2.example.test.
ns1.example.test. 3600 A 127.0.53.10
ns2.example.test. 3600 A 127.0.53.11
www.example.test. 300 A 192.0.2.80
`
	}
	serve(t, "127.0.53.10", newAuthority(t, map[string]string{"example.test.": child("2026010102"), "solo.test.": `
solo.test. 300 SOA ns1.example.test. hostmaster.solo.test. 1 7200 900 1209600 300
solo.test. 300 NS ns1.example.test.
ns.solo.test. 300 A 127.0.53.20
`}))
	serve(t, "127.0.53.11", newAuthority(t, map[string]string{"example.test.": child("2026010101")}))
	serve(t, "127.0.53.20", newAuthority(t, nil)) // lame: serves nothing

	r, err := audit.Run(t.Context(), "Example.Test", audit.Options{
		Roots:     []string{"127.0.53.1:53"},
		Timeout:   time.Second,
		Providers: map[string]string{"ns1.example.test.": "bind", "ns2.example.test.": "bind"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Failed() {
		t.Errorf("no single point of failure found")
	}
	var b bytes.Buffer
	if err := audit.WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "audit.json.golden", b.Bytes())
}

func readGolden(name string) (string, error) {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	return string(b), err
}
