package verify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/verify"
	"github.com/zonecast/zonecast/internal/verify/verifytest"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// compactServer answers from a signed zone with signatures (the DO bit is
// assumed) and denies a name the way Cloudflare and Route 53 do (compact
// denial, RFC 9824): NOERROR, with an NSEC at the name, signed on the fly,
// whose bitmap is NSEC, RRSIG and NXNAME (or, with lie, also A: a broken
// proof).
type compactServer struct {
	origin string
	rrs    []dns.RR
	zsk    verifytest.KeyPair
	lie    bool
}

func (c *compactServer) ServeDNS(w dns.ResponseWriter, q *dns.Msg) {
	r := new(dns.Msg)
	r.SetReply(q)
	r.Authoritative = true
	r.SetEdns0(4096, true)
	defer w.WriteMsg(r)
	name, t := strings.ToLower(q.Question[0].Name), q.Question[0].Qtype
	exists := false
	for _, rr := range c.rrs {
		h := rr.Header()
		if h.Name != name {
			continue
		}
		exists = true
		if sig, ok := rr.(*dns.RRSIG); h.Rrtype == t || ok && sig.TypeCovered == t {
			r.Answer = append(r.Answer, rr)
		}
	}
	if len(r.Answer) > 0 {
		return
	}
	for _, rr := range c.rrs {
		h := rr.Header()
		sig, ok := rr.(*dns.RRSIG)
		if h.Rrtype == dns.TypeSOA || ok && sig.TypeCovered == dns.TypeSOA ||
			exists && h.Name == name && (h.Rrtype == dns.TypeNSEC || ok && sig.TypeCovered == dns.TypeNSEC) {
			r.Ns = append(r.Ns, rr)
		}
	}
	if exists {
		return
	}
	bitmap := []uint16{dns.TypeNSEC, dns.TypeRRSIG, 128}
	if c.lie {
		bitmap = []uint16{dns.TypeA, dns.TypeNSEC, dns.TypeRRSIG}
	}
	nsec := &dns.NSEC{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeNSEC, Class: dns.ClassINET, Ttl: 300}, NextDomain: "\\000." + name, TypeBitMap: bitmap}
	now := time.Now()
	sig := &dns.RRSIG{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: 300}, KeyTag: c.zsk.Key.KeyTag(),
		SignerName: c.origin, Algorithm: c.zsk.Key.Algorithm, Inception: uint32(now.Add(-time.Hour).Unix()), Expiration: uint32(now.Add(time.Hour).Unix())}
	if err := sig.Sign(c.zsk.Priv, []dns.RR{nsec}); err != nil {
		r.Rcode = dns.RcodeServerFailure
		return
	}
	r.Ns = append(r.Ns, nsec, sig)
}

// TestCompactDenial: a provider that denies names with compact answers
// (NOERROR and an NSEC at the name listing no type) proves the name's
// absence; one whose NSEC lists the asked type does not.
func TestCompactDenial(t *testing.T) {
	const origin = "compact.test."
	s := verifytest.NewSigner(t, origin)
	var rrs []dns.RR
	text := verifytest.SignZone(t, origin, signedZone, verifytest.Signing{By: s, Publish: []*dns.DNSKEY{s.KSK.Key, s.ZSK.Key}})
	zp := dns.NewZoneParser(strings.NewReader(text), origin, "zone")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	desired, diags, err := zones.Parse(strings.NewReader(signedZone), origin+"zone", zones.Options{Origin: origin})
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags.Err())
	}
	for _, tc := range []struct {
		name string
		lie  bool
		want []string
	}{
		{name: "compact denial", want: []string{}},
		{name: "compact denial listing A", lie: true, want: []string{"p: error nxdomain-unproven zonecast-verify-nx.compact.test. "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := serve(t, &compactServer{origin: origin, rrs: rrs, zsk: s.ZSK, lie: tc.lie})
			rep := verify.Run(t.Context(), desired, "p", providers.Capabilities{Nameservers: []providers.Nameserver{{Addr: addr}}},
				verify.Options{DNSSEC: true, Timeout: time.Second})
			if diff := cmp.Diff(tc.want, problems([]verify.Provider{rep})); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}
