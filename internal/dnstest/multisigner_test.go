package dnstest

import (
	"fmt"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// The lab of TestTwoSigners, on addresses of its own.
const (
	msRootAddr     = "127.0.0.140"
	msTLDAddr      = "127.0.0.141"
	msBINDAddr     = "127.0.0.151"
	msKnotAddr     = "127.0.0.152"
	msResolverAddr = "127.0.0.160"
)

// TestTwoSigners builds the end state of RFC 8901 model 2 by hand: the zone
// example.test is served by BIND and Knot, each signing with a KSK and a
// ZSK of its own (Options.Sign); each holds the other's ZSK in its DNSKEY
// RRset, added by UPDATE; the TLD (signed, under a signed root) holds a DS
// for each KSK. Through a validating Unbound, answers carry the AD bit
// with both up, with either stopped while the resolver still has what the
// other served in its cache, and with either stopped after a flush.
func TestTwoSigners(t *testing.T) {
	t.Parallel()
	const origin = "example.test."
	begin := time.Now()
	step := func(what string) {
		t.Logf("%-50s %v", what, time.Since(begin).Round(time.Millisecond))
		begin = time.Now()
	}
	zone := fmt.Sprintf(`$ORIGIN example.test.
$TTL 300
@    SOA  ns1 hostmaster 1 3600 600 86400 300
@    NS   ns1
@    NS   ns2
ns1  A    %s
ns2  A    %s
www  A    192.0.2.80
w1   A    192.0.2.81
w2   A    192.0.2.82
w3   A    192.0.2.83
w4   A    192.0.2.84
`, msBINDAddr, msKnotAddr)
	bind := StartBINDWith(t, Options{Addr: msBINDAddr, Sign: true}, map[string]string{origin: zone})
	knot := StartKnotWith(t, Options{Addr: msKnotAddr, Sign: true}, map[string]string{origin: zone})
	step("bind and knot signing")

	// Each signer's own keys, before the exchange.
	ownKeys := func(s *Server) (ksk, zsk *dns.DNSKEY) {
		t.Helper()
		for _, k := range DNSKEYs(s.QuerySigned(t, origin, dns.TypeDNSKEY).RRs) {
			switch k.Flags {
			case dns.ZONE | dns.SEP:
				ksk = k
			case dns.ZONE:
				zsk = k
			}
		}
		if ksk == nil || zsk == nil {
			t.Fatalf("%s: no KSK and ZSK of its own in DNSKEY", s.Kind)
		}
		return ksk, zsk
	}
	bindKSK, bindZSK := ownKeys(bind)
	knotKSK, knotZSK := ownKeys(knot)
	// Before the exchange, neither's signatures validate with the other's
	// keys: this is what a resolver holding one signer's DNSKEY RRset
	// meets at the other (the failure issue 16 begins with).
	crossValid := func(s, other *Server) bool {
		t.Helper()
		keys := DNSKEYs(other.QuerySigned(t, origin, dns.TypeDNSKEY).RRs)
		return len(s.QuerySigned(t, "www."+origin, dns.TypeA).VerifiedBy(keys)) > 0
	}
	if crossValid(bind, knot) || crossValid(knot, bind) {
		t.Fatalf("before the ZSK exchange, one signer's www A validates with the other's DNSKEY RRset")
	}
	// RFC 8901 model 2: every provider's DNSKEY RRset carries every
	// provider's ZSK.
	if rc := bind.Update(t, origin, []dns.RR{knotZSK}, nil); rc != dns.RcodeSuccess {
		t.Fatalf("add knot's ZSK at bind: %s", dns.RcodeToString[rc])
	}
	if rc := knot.Update(t, origin, []dns.RR{bindZSK}, nil); rc != dns.RcodeSuccess {
		t.Fatalf("add bind's ZSK at knot: %s", dns.RcodeToString[rc])
	}
	step("ZSKs exchanged by UPDATE")

	// Each signer's answers validate against the other's DNSKEY RRset,
	// which its own KSK signs.
	for _, pair := range [][2]*Server{{bind, knot}, {knot, bind}} {
		s, other := pair[0], pair[1]
		keys := other.QuerySigned(t, origin, dns.TypeDNSKEY)
		ksk := map[*Server]*dns.DNSKEY{bind: bindKSK, knot: knotKSK}[other]
		if len(keys.VerifiedBy([]*dns.DNSKEY{ksk})) == 0 {
			t.Errorf("%s's DNSKEY RRset is not signed by its KSK %d", other.Kind, ksk.KeyTag())
		}
		if !crossValid(s, other) {
			t.Errorf("www A from %s does not validate with %s's DNSKEY RRset %v", s.Kind, other.Kind, keyTags(DNSKEYs(keys.RRs)))
		}
	}

	tld := SignZone(t, "test.", labTLD(msRootAddr, msTLDAddr, fmt.Sprintf(`example NS ns1.example
example NS ns2.example
ns1.example A %s
ns2.example A %s
%s`, msBINDAddr, msKnotAddr, DSText([]*dns.DNSKEY{bindKSK, knotKSK}, 300))))
	root := SignZone(t, ".", labRoot(msRootAddr, msTLDAddr, DSText([]*dns.DNSKEY{tld.KSK}, 300)))
	StartBINDWith(t, Options{Addr: msRootAddr}, map[string]string{".": root.Text})
	StartKnotWith(t, Options{Addr: msTLDAddr}, map[string]string{"test.": tld.Text})
	r := StartUnboundWith(t, msResolverAddr, map[string]string{"a.root.test.": msRootAddr},
		ResolverOptions{TrustAnchors: []dns.RR{root.DS}})
	step("signed root, TLD with both DS, validating resolver")

	want := func(when, name string) {
		t.Helper()
		if a := r.Ask(t, name, dns.TypeA); !a.Validated() {
			t.Errorf("%s: %s A: %v; want NOERROR with AD", when, name, a)
		}
	}
	want("both up", "www."+origin)
	if a := r.Ask(t, origin, dns.TypeDNSKEY); !a.Validated() || len(a.Answer) < 3 {
		t.Errorf("both up: DNSKEY: %v; want a validated set of at least 3 keys (a KSK, both ZSKs)", a)
	}
	step("both up: validated")

	// Stopped without a flush: the resolver may hold one signer's DNSKEY
	// RRset and now gets the other's signatures.
	bind.Stop()
	want("bind stopped, cache kept", "w1."+origin)
	bind.Start()
	knot.Stop()
	want("knot stopped, cache kept", "w2."+origin)
	knot.Start()
	step("each stopped, cache kept: validated")

	for _, s := range []*Server{bind, knot} {
		s.Stop()
		r.Flush()
		want(s.Kind+" stopped, cache flushed", "www."+origin)
		want(s.Kind+" stopped, cache flushed", "w3."+origin)
		s.Start()
	}
	step("each stopped, cache flushed: validated")
}
