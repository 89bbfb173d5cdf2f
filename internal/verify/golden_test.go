package verify_test

import (
	"bytes"
	"cmp"
	"fmt"
	"github.com/zonecast/zonecast/internal/golden"
	"maps"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/verify"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// authority is a small authoritative server for tests: it answers from
// zone texts with the AA bit, refers below a delegation, and can be made
// lame (no AA bit) or fail chosen questions ("name TYPE") with SERVFAIL.
type authority struct {
	zones    map[string][]dns.RR
	lame     bool
	servfail map[string]bool
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
	switch {
	case origin == "":
		r.Rcode = dns.RcodeRefused
		return
	case a.lame:
		return
	case a.servfail[qname+" "+dns.TypeToString[qtype]]:
		r.Authoritative, r.Rcode = true, dns.RcodeServerFailure
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
			if h.Rrtype == qtype {
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

// serve starts a on 127.0.0.1 and a free port (UDP) until the test ends,
// and returns its address.
func serve(t *testing.T, a dns.Handler) string {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: a, NotifyStartedFunc: func() { close(started) }}
	done := make(chan error, 1)
	go func() { done <- srv.ActivateAndServe() }()
	t.Cleanup(func() {
		srv.Shutdown()
		<-done
	})
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("serve on %s: %v", pc.LocalAddr(), err)
	}
	return pc.LocalAddr().String()
}

const verifyZone = `$TTL 300
@     SOA  ns1 hostmaster 2026010101 7200 900 1209600 300
@     NS   ns1
@     NS   ns2
@     MX   10 mail
ns1   A    192.0.2.1
ns2   A    192.0.2.2
mail  A    192.0.2.25
www   A    192.0.2.80
www   AAAA 2001:db8::80
txt   TXT  "v=spf1 -all" "say \"hi\"" "back\\slash"
sub   NS   ns.sub.example.net.
`

// TestGoldenVerify checks the JSON verify writes (the envelope of
// internal/cli's runVerify around []verify.Provider) for providers whose
// servers: all match; disagree on the serial, serve stale, missing and
// failing RRsets and lack a delegation; are lame; are not configured.
func TestGoldenVerify(t *testing.T) {
	const origin = "example.test."
	desired, diags, err := zones.Parse(strings.NewReader(verifyZone), origin+"zone", zones.Options{})
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags.Err())
	}

	good := serve(t, newAuthority(t, map[string]string{origin: verifyZone}))
	stale := newAuthority(t, map[string]string{origin: `$TTL 300
@     SOA  ns1 hostmaster 2026010100 7200 900 1209600 300
@     NS   ns1
@     NS   ns2
@ 3600 MX  10 mail
ns1   A    192.0.2.1
ns2   A    192.0.2.2
mail  A    192.0.2.25
www   A    192.0.2.8
www   A    192.0.2.80
www   AAAA 2001:db8::80
`})
	stale.servfail = map[string]bool{"mail.example.test. A": true}
	staleAddr := serve(t, stale)
	lame := newAuthority(t, map[string]string{origin: verifyZone})
	lame.lame = true
	lameAddr := serve(t, lame)
	// Second copy of the good one: the provider whose servers all match.
	good2 := serve(t, newAuthority(t, map[string]string{origin: verifyZone}))

	run := func(provider string, ns ...providers.Nameserver) verify.Provider {
		return verify.Run(t.Context(), desired, provider, providers.Capabilities{Nameservers: ns}, verify.Options{Timeout: time.Second, Parallel: 4})
	}
	reports := []verify.Provider{
		run("pdns", providers.Nameserver{Name: "ns1.example.test.", Addr: good2}),
		run("bind", providers.Nameserver{Name: "ns1.example.test.", Addr: good}, providers.Nameserver{Name: "ns2.example.test.", Addr: staleAddr}),
		run("knot", providers.Nameserver{Addr: lameAddr}),
		run("cloudflare"),
	}

	var b bytes.Buffer
	if err := verify.WriteJSON(&b, reports, nil); err != nil {
		t.Fatal(err)
	}
	// The servers' ports are free ports: the golden file has fixed ones.
	fixed := map[string]string{}
	for i, a := range []string{good2, good, staleAddr, lameAddr} {
		fixed[a] = fmt.Sprintf("127.0.0.1:%d", 5301+i)
	}
	// Longest first: one address must not be replaced inside a longer one.
	var pairs []string
	for _, a := range slices.SortedFunc(maps.Keys(fixed), func(x, y string) int { return cmp.Or(cmp.Compare(len(y), len(x)), strings.Compare(x, y)) }) {
		pairs = append(pairs, a, fixed[a])
	}
	golden.Check(t, "verify.json.golden", []byte(strings.NewReplacer(pairs...).Replace(b.String())))
}
