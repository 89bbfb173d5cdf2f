package dnstest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// signerSpec is one signer of a multi-signer lab: how to start it and
// where.
type signerSpec struct {
	start func(testing.TB, Options, map[string]string) *Server
	addr  string
}

// multiSignerLab is the addresses of one multi-signer test's lab.
type multiSignerLab struct {
	root, tld, resolver string
	signers             []signerSpec
}

// TestTwoSigners builds the end state of RFC 8901 model 2 by hand: the zone
// example.test is served by BIND and Knot, each signing with a KSK and a
// ZSK of its own (Options.Sign); each holds the other's ZSK in its DNSKEY
// RRset, added by UPDATE; the TLD (signed, under a signed root) holds a DS
// for each KSK. Through a validating Unbound, answers carry the AD bit
// with both up, with either stopped while the resolver still has what the
// other served in its cache, and with either stopped after a flush.
func TestTwoSigners(t *testing.T) {
	t.Parallel()
	runMultiSigner(t, multiSignerLab{
		root: "127.0.0.140", tld: "127.0.0.141", resolver: "127.0.0.160",
		signers: []signerSpec{{StartBINDWith, "127.0.0.151"}, {StartKnotWith, "127.0.0.152"}},
	})
}

// TestThreeSigners is TestTwoSigners with PowerDNS (live signing) as a
// third signer.
func TestThreeSigners(t *testing.T) {
	t.Parallel()
	runMultiSigner(t, multiSignerLab{
		root: "127.0.0.142", tld: "127.0.0.143", resolver: "127.0.0.161",
		signers: []signerSpec{{StartBINDWith, "127.0.0.153"}, {StartKnotWith, "127.0.0.154"}, {StartPowerDNS, "127.0.0.155"}},
	})
}

func runMultiSigner(t *testing.T, lab multiSignerLab) {
	const origin = "example.test."
	begin := time.Now()
	step := func(what string) {
		t.Logf("%-55s %v", what, time.Since(begin).Round(time.Millisecond))
		begin = time.Now()
	}
	var zone, glue strings.Builder
	zone.WriteString("$ORIGIN example.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n")
	for i, sp := range lab.signers {
		fmt.Fprintf(&zone, "@ NS ns%d\nns%d A %s\n", i+1, i+1, sp.addr)
		fmt.Fprintf(&glue, "example NS ns%d.example\nns%d.example A %s\n", i+1, i+1, sp.addr)
	}
	for i := 0; i < 8; i++ {
		fmt.Fprintf(&zone, "w%d A 192.0.2.%d\n", i, 80+i)
	}
	fmt.Fprintf(&zone, "www A 192.0.2.80\n")

	signers := make([]*Server, len(lab.signers))
	for i, sp := range lab.signers {
		signers[i] = sp.start(t, Options{Addr: sp.addr, Sign: true}, map[string]string{origin: zone.String()})
	}
	step("signers signing")

	// Each signer's own keys, before the exchange.
	ksk := make([]*dns.DNSKEY, len(signers))
	zsk := make([]*dns.DNSKEY, len(signers))
	for i, s := range signers {
		for _, k := range DNSKEYs(s.QuerySigned(t, origin, dns.TypeDNSKEY).RRs) {
			switch k.Flags {
			case dns.ZONE | dns.SEP:
				ksk[i] = k
			case dns.ZONE:
				zsk[i] = k
			}
		}
		if ksk[i] == nil || zsk[i] == nil {
			t.Fatalf("%s: no KSK and ZSK of its own in DNSKEY", s.Kind)
		}
	}
	// crossValid: s's www A validates with other's DNSKEY RRset.
	crossValid := func(s, other *Server) bool {
		t.Helper()
		keys := DNSKEYs(other.QuerySigned(t, origin, dns.TypeDNSKEY).RRs)
		return len(s.QuerySigned(t, "www."+origin, dns.TypeA).VerifiedBy(keys)) > 0
	}
	// Before the exchange, no signer's signatures validate with another's
	// keys: what a resolver holding one signer's DNSKEY RRset meets at
	// another (the failure issue 16 begins with).
	for i, s := range signers {
		for j, other := range signers {
			if i != j && crossValid(s, other) {
				t.Fatalf("before the ZSK exchange, %s's www A validates with %s's DNSKEY RRset", s.Kind, other.Kind)
			}
		}
	}
	// RFC 8901 model 2: every signer's DNSKEY RRset carries every
	// signer's ZSK.
	for i, s := range signers {
		var others []dns.RR
		for j := range signers {
			if j != i {
				others = append(others, zsk[j])
			}
		}
		if rc := s.Update(t, origin, others, nil); rc != dns.RcodeSuccess {
			t.Fatalf("add the other signers' ZSKs at %s: %s", s.Kind, dns.RcodeToString[rc])
		}
	}
	step("ZSKs exchanged by UPDATE")
	for i, s := range signers {
		for j, other := range signers {
			if i == j {
				continue
			}
			keys := other.QuerySigned(t, origin, dns.TypeDNSKEY)
			if len(keys.VerifiedBy([]*dns.DNSKEY{ksk[j]})) == 0 {
				t.Errorf("%s's DNSKEY RRset is not signed by its KSK %d", other.Kind, ksk[j].KeyTag())
			}
			if !crossValid(s, other) {
				t.Errorf("www A from %s does not validate with %s's DNSKEY RRset %v", s.Kind, other.Kind, keyTags(DNSKEYs(keys.RRs)))
			}
		}
	}

	tld := SignZone(t, "test.", labTLD(lab.root, lab.tld, glue.String()+DSText(ksk, 300)))
	root := SignZone(t, ".", labRoot(lab.root, lab.tld, DSText([]*dns.DNSKEY{tld.KSK}, 300)))
	StartBINDWith(t, Options{Addr: lab.root}, map[string]string{".": root.Text})
	StartKnotWith(t, Options{Addr: lab.tld}, map[string]string{"test.": tld.Text})
	r := StartUnboundWith(t, lab.resolver, map[string]string{"a.root.test.": lab.root},
		ResolverOptions{TrustAnchors: []dns.RR{root.DS}})
	step("signed root, TLD with every DS, validating resolver")

	want := func(when, name string) {
		t.Helper()
		if a := r.Ask(t, name, dns.TypeA); !a.Validated() {
			t.Errorf("%s: %s A: %v; want NOERROR with AD", when, name, a)
		}
	}
	want("all up", "www."+origin)
	if a := r.Ask(t, origin, dns.TypeDNSKEY); !a.Validated() || len(a.Answer) < len(signers)+1 {
		t.Errorf("all up: DNSKEY: %v; want a validated set of at least %d keys (a KSK, every ZSK)", a, len(signers)+1)
	}
	step("all up: validated")

	// Stopped without a flush: the resolver may hold one signer's DNSKEY
	// RRset and now gets another's signatures.
	for i, s := range signers {
		s.Stop()
		want(s.Kind+" stopped, cache kept", fmt.Sprintf("w%d.%s", i+1, origin))
		s.Start()
	}
	step("each stopped in turn, cache kept: validated")
	for i, s := range signers {
		s.Stop()
		r.Flush()
		want(s.Kind+" stopped, cache flushed", "www."+origin)
		want(s.Kind+" stopped, cache flushed", fmt.Sprintf("w%d.%s", i+4, origin))
		s.Start()
	}
	step("each stopped in turn, cache flushed: validated")
}
