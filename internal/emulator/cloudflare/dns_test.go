package cloudflare

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/dnstest"
)

// front starts s's DNS front on a free port of 127.0.0.1.
func front(t *testing.T, s *Server) string {
	t.Helper()
	addr, stop, err := s.ServeDNS("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return addr
}

// ask sends one query (with EDNS0 and DO when do) over net ("udp", "tcp").
func ask(t *testing.T, addr, net, name string, qtype uint16, do bool) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = false
	if do {
		m.SetEdns0(1232, true)
	}
	c := &dns.Client{Net: net, Timeout: 2 * time.Second}
	resp, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s over %s: %v", name, dns.TypeToString[qtype], net, err)
	}
	return resp
}

// texts are rrs without their RRSIGs, as "name ttl type rdata" with single
// spaces, sorted.
func texts(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		if rr.Header().Rrtype == dns.TypeRRSIG {
			continue
		}
		f := strings.Fields(rr.String())
		if len(f) > 2 && f[2] == "IN" {
			f = slices.Delete(f, 2, 3)
		}
		out = append(out, strings.Join(f, " "))
	}
	slices.Sort(out)
	return out
}

func hasType(rrs []dns.RR, t uint16) bool {
	return slices.ContainsFunc(rrs, func(rr dns.RR) bool { return rr.Header().Rrtype == t })
}

// fixtures fills example.test with one record of each common type.
func fixtures(s *Server) string {
	zid := s.AddZone("example.test")
	ten, five := 10, 5
	for _, r := range []Record{
		{Type: "A", Name: "www", Content: "192.0.2.80", TTL: 600},
		{Type: "A", Name: "www", Content: "192.0.2.81", TTL: 1},
		{Type: "AAAA", Name: "www", Content: "2001:db8::80", TTL: 1},
		{Type: "MX", Name: "@", Content: "mail.example.test", TTL: 3600, Priority: &ten},
		{Type: "TXT", Name: "@", Content: "v=spf1 -all", TTL: 3600},
		{Type: "TXT", Name: "quoted", Content: `"a b" "c"`, TTL: 3600},
		{Type: "CNAME", Name: "alias", Content: "www.example.test", TTL: 3600},
		{Type: "CNAME", Name: "out", Content: "elsewhere.net", TTL: 3600},
		{Type: "SRV", Name: "_sip._tcp", Content: "20 5060 sip.example.test", TTL: 3600, Priority: &five},
		{Type: "CAA", Name: "@", Content: `0 issue "letsencrypt.org"`, TTL: 3600},
		{Type: "A", Name: "cdn", Content: "192.0.2.99", Proxied: true},
		{Type: "A", Name: "*.wild", Content: "192.0.2.42", TTL: 3600},
		{Type: "A", Name: "a.deep.ent", Content: "192.0.2.7", TTL: 3600},
		{Type: "NS", Name: "sub", Content: "ns1.sub.example.test", TTL: 3600},
		{Type: "A", Name: "ns1.sub", Content: "192.0.2.53", TTL: 3600},
		{Type: "NS", Name: "@", Content: "ns1.other.net", TTL: 3600},
		{Type: "NS", Name: "dsub", Content: "ns.elsewhere.net", TTL: 3600},
		{Type: "DS", Name: "dsub", Content: "12345 13 2 " + strings.Repeat("AB", 32), TTL: 3600},
		{Type: "SOA", Name: "@", Content: "x. y. 1 2 3 4 5", TTL: 3600},
	} {
		s.AddRecord(zid, r)
	}
	return zid
}

// TestDNSFrontAnswers: an unsigned zone answers from the API's records:
// each type converted, automatic TTLs as 300, proxied records with edge
// addresses, CNAME chains followed in the zone, wildcards, empty
// non-terminals, NXDOMAIN and NODATA with the SOA, a referral below a
// delegation, apex NS as multi_provider says, REFUSED outside the zones,
// and the same over TCP.
func TestDNSFrontAnswers(t *testing.T) {
	s, _ := start(t, Options{})
	zid := fixtures(s)
	addr := front(t, s)

	cases := []struct {
		name  string
		qtype uint16
		want  []string
	}{
		{"www.example.test", dns.TypeA, []string{"www.example.test. 300 A 192.0.2.80", "www.example.test. 300 A 192.0.2.81"}},
		{"WWW.Example.Test", dns.TypeAAAA, []string{"www.example.test. 300 AAAA 2001:db8::80"}},
		{"example.test", dns.TypeMX, []string{"example.test. 3600 MX 10 mail.example.test."}},
		{"example.test", dns.TypeTXT, []string{`example.test. 3600 TXT "v=spf1 -all"`}},
		{"quoted.example.test", dns.TypeTXT, []string{`quoted.example.test. 3600 TXT "a b" "c"`}},
		{"example.test", dns.TypeCAA, []string{`example.test. 3600 CAA 0 issue "letsencrypt.org"`}},
		{"_sip._tcp.example.test", dns.TypeSRV, []string{"_sip._tcp.example.test. 3600 SRV 5 20 5060 sip.example.test."}},
		{"alias.example.test", dns.TypeA, []string{"alias.example.test. 3600 CNAME www.example.test.", "www.example.test. 300 A 192.0.2.80", "www.example.test. 300 A 192.0.2.81"}},
		{"alias.example.test", dns.TypeCNAME, []string{"alias.example.test. 3600 CNAME www.example.test."}},
		{"out.example.test", dns.TypeA, []string{"out.example.test. 3600 CNAME elsewhere.net."}},
		{"cdn.example.test", dns.TypeA, []string{"cdn.example.test. 300 A " + edgeA}},
		{"x.y.wild.example.test", dns.TypeA, []string{"x.y.wild.example.test. 3600 A 192.0.2.42"}},
		{"example.test", dns.TypeNS, []string{"example.test. 86400 NS ada.ns.cloudflare.com.", "example.test. 86400 NS bob.ns.cloudflare.com."}},
		{"example.test", dns.TypeANY, []string{`example.test. 3789 HINFO "RFC8482" ""`}},
	}
	for _, c := range cases {
		resp := ask(t, addr, "udp", c.name, c.qtype, false)
		if resp.Rcode != dns.RcodeSuccess || !resp.Authoritative || slices.Compare(texts(resp.Answer), c.want) != 0 {
			t.Errorf("%s %s: %s aa=%v %q, want NOERROR aa %q", c.name, dns.TypeToString[c.qtype], dns.RcodeToString[resp.Rcode], resp.Authoritative, texts(resp.Answer), c.want)
		}
	}

	soa := ask(t, addr, "udp", "example.test", dns.TypeSOA, false)
	if len(soa.Answer) != 1 {
		t.Fatalf("apex SOA: %v", soa)
	}
	if got := soa.Answer[0].(*dns.SOA); got.Ns != "ada.ns.cloudflare.com." || got.Mbox != "dns.cloudflare.com." || got.Minttl != 1800 || got.Serial == 5 {
		t.Errorf("apex SOA %v, want Cloudflare's (not the stored fixture)", got)
	}

	negative := []struct {
		name  string
		qtype uint16
		rcode int
	}{
		{"nothere.example.test", dns.TypeA, dns.RcodeNameError},
		{"www.example.test", dns.TypeMX, dns.RcodeSuccess},
		{"deep.ent.example.test", dns.TypeA, dns.RcodeSuccess}, // empty non-terminal
		{"ent.example.test", dns.TypeTXT, dns.RcodeSuccess},
		{"a.b.example.test", dns.TypeA, dns.RcodeNameError},
	}
	for _, c := range negative {
		resp := ask(t, addr, "udp", c.name, c.qtype, false)
		if resp.Rcode != c.rcode || !resp.Authoritative || len(resp.Answer) != 0 || len(resp.Ns) != 1 || resp.Ns[0].Header().Rrtype != dns.TypeSOA || resp.Ns[0].Header().Ttl != 1800 {
			t.Errorf("%s %s: %v, want %s, AA, the SOA alone in authority", c.name, dns.TypeToString[c.qtype], resp, dns.RcodeToString[c.rcode])
		}
	}

	ref := ask(t, addr, "udp", "host.sub.example.test", dns.TypeA, false)
	if ref.Authoritative || len(ref.Answer) != 0 || slices.Compare(texts(ref.Ns), []string{"sub.example.test. 3600 NS ns1.sub.example.test."}) != 0 ||
		slices.Compare(texts(ref.Extra), []string{"ns1.sub.example.test. 3600 A 192.0.2.53"}) != 0 {
		t.Errorf("below the delegation sub: %v, want a referral with glue", ref)
	}

	if resp := ask(t, addr, "udp", "www.example.org", dns.TypeA, false); resp.Rcode != dns.RcodeRefused {
		t.Errorf("a name in no zone: %s, want REFUSED", dns.RcodeToString[resp.Rcode])
	}
	if resp := ask(t, addr, "tcp", "www.example.test", dns.TypeA, true); len(resp.Answer) != 2 || resp.IsEdns0() == nil {
		t.Errorf("over TCP with EDNS0: %v", resp)
	}
	if resp := ask(t, addr, "udp", "www.example.test", dns.TypeA, true); hasType(resp.Answer, dns.TypeRRSIG) {
		t.Errorf("DO to an unsigned zone: %v, want no RRSIG", resp)
	}

	s.SetMultiProvider(zid, true)
	if resp := ask(t, addr, "udp", "example.test", dns.TypeNS, false); len(resp.Answer) != 3 {
		t.Errorf("apex NS with multi_provider on: %q, want Cloudflare's two and ns1.other.net", texts(resp.Answer))
	}
}

// TestDNSFrontTruncates: a UDP answer larger than the client's buffer is
// truncated with TC, and whole over TCP.
func TestDNSFrontTruncates(t *testing.T) {
	s, zid := start(t, Options{})
	for i := range 40 {
		s.AddRecord(zid, Record{Type: "TXT", Name: "big", Content: fmt.Sprintf("%03d %s", i, strings.Repeat("x", 40)), TTL: 300})
	}
	addr := front(t, s)
	name := "big.example.com"
	if resp := ask(t, addr, "udp", name, dns.TypeTXT, false); !resp.Truncated || len(resp.Answer) == 40 {
		t.Errorf("40 TXT over UDP without EDNS0: tc=%v, %d records; want TC", resp.Truncated, len(resp.Answer))
	}
	if resp := ask(t, addr, "tcp", name, dns.TypeTXT, false); resp.Truncated || len(resp.Answer) != 40 {
		t.Errorf("40 TXT over TCP: tc=%v, %d records; want all 40", resp.Truncated, len(resp.Answer))
	}
}

// signedFixture is example.test with DNSSEC active and multi-signer on,
// carrying another signer's ZSK as a DNSKEY record.
func signedFixture(t *testing.T, s *Server) (foreign *dns.DNSKEY, zid, recID string) {
	t.Helper()
	zid = fixtures(s)
	s.SetDNSSEC(zid, "active", true)
	foreign, _ = dnstest.NewKey(t, "example.test.", 256, 3600)
	r := s.AddRecord(zid, Record{Type: "DNSKEY", Name: "@", Content: strings.TrimSpace(rdata(foreign)), TTL: 3600})
	return foreign, zid, r.ID
}

// verify checks that every RRset of section is covered by an RRSIG that
// verifies with one of keys and is valid now; it returns the key tags that
// signed each type.
func verify(t *testing.T, section []dns.RR, keys []*dns.DNSKEY) map[uint16][]uint16 {
	t.Helper()
	sets := map[[2]string][]dns.RR{}
	var sigs []*dns.RRSIG
	for _, rr := range section {
		if sig, ok := rr.(*dns.RRSIG); ok {
			sigs = append(sigs, sig)
			continue
		}
		k := [2]string{rr.Header().Name, dns.TypeToString[rr.Header().Rrtype]}
		sets[k] = append(sets[k], rr)
	}
	by := map[uint16][]uint16{}
	for k, rrs := range sets {
		ok := false
		for _, sig := range sigs {
			if sig.Hdr.Name != k[0] || sig.TypeCovered != rrs[0].Header().Rrtype {
				continue
			}
			for _, key := range keys {
				if key.KeyTag() == sig.KeyTag && sig.Verify(key, rrs) == nil && sig.ValidityPeriod(time.Now()) {
					ok = true
					by[sig.TypeCovered] = append(by[sig.TypeCovered], sig.KeyTag)
				}
			}
		}
		if !ok {
			t.Errorf("%s %s: no valid RRSIG among %v", k[0], k[1], sigs)
		}
	}
	return by
}

// TestDNSFrontSigned: with DNSSEC active the DNSKEY RRset holds the KSK,
// the ZSK and the other signer's key, signed by the KSK alone; answers are
// signed by the ZSK, only for DO queries; a missing name is a compact
// NOERROR with an NSEC to \000.name; a missing type an NSEC listing the
// types there; a referral carries a signed NSEC proving no DS.
func TestDNSFrontSigned(t *testing.T) {
	s, _ := start(t, Options{})
	foreign, zid, recID := signedFixture(t, s)
	addr := front(t, s)

	dk := ask(t, addr, "udp", "example.test", dns.TypeDNSKEY, true)
	keys := dnstest.DNSKEYs(dk.Answer)
	var ksk, zsk *dns.DNSKEY
	for _, k := range keys {
		switch {
		case k.Flags == 257:
			ksk = k
		case k.KeyTag() != foreign.KeyTag():
			zsk = k
		}
	}
	if len(keys) != 3 || ksk == nil || zsk == nil || !slices.ContainsFunc(keys, func(k *dns.DNSKEY) bool { return k.Flags == foreign.Flags && k.PublicKey == foreign.PublicKey }) {
		t.Fatalf("DNSKEY RRset %q, want KSK, ZSK and the foreign ZSK", texts(dk.Answer))
	}
	if by := verify(t, dk.Answer, keys); slices.Compare(by[dns.TypeDNSKEY], []uint16{ksk.KeyTag()}) != 0 {
		t.Errorf("DNSKEY RRset signed by %v, want the KSK %d alone", by[dns.TypeDNSKEY], ksk.KeyTag())
	}
	if got := s.ServedDNSKEY("example.test"); len(got) != 3 {
		t.Errorf("ServedDNSKEY %q: not the 3 keys served", got)
	}

	zskOnly := []*dns.DNSKEY{zsk}
	for _, q := range []struct {
		name  string
		qtype uint16
	}{{"www.example.test", dns.TypeA}, {"alias.example.test", dns.TypeA}, {"example.test", dns.TypeSOA}, {"x.wild.example.test", dns.TypeA}, {"_sip._tcp.example.test", dns.TypeSRV}} {
		resp := ask(t, addr, "udp", q.name, q.qtype, true)
		if len(resp.Answer) == 0 || !resp.IsEdns0().Do() {
			t.Errorf("%s: %v", q.name, resp)
		}
		verify(t, resp.Answer, zskOnly)
	}
	if plain := ask(t, addr, "udp", "www.example.test", dns.TypeA, false); hasType(plain.Answer, dns.TypeRRSIG) {
		t.Errorf("without DO: %v, want no RRSIG", plain)
	}

	nx := ask(t, addr, "udp", "nothere.example.test", dns.TypeA, true)
	if nx.Rcode != dns.RcodeSuccess || len(nx.Answer) != 0 {
		t.Errorf("missing name with DO: %v, want NOERROR, empty answer", nx)
	}
	verify(t, nx.Ns, zskOnly)
	want := []string{`nothere.example.test. 1800 NSEC \000.nothere.example.test. RRSIG NSEC NXNAME`,
		"example.test. 1800 SOA ada.ns.cloudflare.com. dns.cloudflare.com. " + fmt.Sprint(nx.Ns[0].(*dns.SOA).Serial) + " 10000 2400 604800 1800"}
	slices.Sort(want)
	if got := texts(nx.Ns); slices.Compare(got, want) != 0 {
		t.Errorf("missing name: authority %q, want %q", got, want)
	}
	if plain := ask(t, addr, "udp", "nothere.example.test", dns.TypeA, false); plain.Rcode != dns.RcodeNameError || hasType(plain.Ns, dns.TypeNSEC) {
		t.Errorf("missing name without DO: %v, want NXDOMAIN without NSEC", plain)
	}

	nodata := ask(t, addr, "udp", "www.example.test", dns.TypeMX, true)
	verify(t, nodata.Ns, zskOnly)
	if nodata.Rcode != dns.RcodeSuccess || !slices.Contains(texts(nodata.Ns), `www.example.test. 1800 NSEC \000.www.example.test. A AAAA RRSIG NSEC`) {
		t.Errorf("missing type: %q, want the NSEC of www's types", texts(nodata.Ns))
	}

	ref := ask(t, addr, "udp", "host.sub.example.test", dns.TypeA, true)
	verify(t, slices.DeleteFunc(slices.Clone(ref.Ns), func(rr dns.RR) bool { return rr.Header().Rrtype == dns.TypeNS }), zskOnly)
	if !slices.Contains(texts(ref.Ns), `sub.example.test. 1800 NSEC \000.sub.example.test. NS RRSIG NSEC`) {
		t.Errorf("referral: %q, want an NSEC proving no DS", texts(ref.Ns))
	}

	dsRef := ask(t, addr, "udp", "www.dsub.example.test", dns.TypeA, true)
	if dsRef.Authoritative || !hasType(dsRef.Ns, dns.TypeDS) || hasType(dsRef.Ns, dns.TypeNSEC) {
		t.Errorf("referral to dsub: %q, want NS and the signed DS", texts(dsRef.Ns))
	}
	verify(t, slices.DeleteFunc(slices.Clone(dsRef.Ns), func(rr dns.RR) bool { return rr.Header().Rrtype == dns.TypeNS }), zskOnly)
	if ds := ask(t, addr, "udp", "dsub.example.test", dns.TypeDS, true); !ds.Authoritative || len(texts(ds.Answer)) != 1 {
		t.Errorf("DS at the cut: %v, want it answered by the parent side, AA", ds)
	} else {
		verify(t, ds.Answer, zskOnly)
	}

	// The answers follow the API: the other signer's key deleted, then
	// DNSSEC disabled.
	if a := call(t, s, token, "DELETE", "/zones/"+zid+"/dns_records/"+recID, ""); a.Status != 200 {
		t.Fatalf("DELETE the DNSKEY record: %d %s", a.Status, a.Raw)
	}
	if dk := ask(t, addr, "udp", "example.test", dns.TypeDNSKEY, true); len(dnstest.DNSKEYs(dk.Answer)) != 2 {
		t.Errorf("DNSKEY after deleting the other signer's: %q, want the KSK and ZSK", texts(dk.Answer))
	}
	s.SetDNSSEC(zid, "disabled", false)
	if dk := ask(t, addr, "udp", "example.test", dns.TypeDNSKEY, true); len(dk.Answer) != 0 || len(dk.Ns) != 1 {
		t.Errorf("DNSKEY with DNSSEC disabled: %v, want NODATA, the SOA alone", dk)
	}
	if resp := ask(t, addr, "udp", "nothere.example.test", dns.TypeA, true); resp.Rcode != dns.RcodeNameError || hasType(resp.Ns, dns.TypeNSEC) {
		t.Errorf("missing name with DNSSEC disabled: %v, want NXDOMAIN", resp)
	}
}

// The lab of TestDNSFrontUnbound, on addresses no other test uses: port 53
// is what a resolver iterating from referrals asks.
const (
	frontLabParent   = "127.0.0.175" // BIND: the root and test.
	frontLabFront    = "127.0.0.176" // the emulator's DNS front
	frontLabResolver = "127.0.0.177" // Unbound
)

// TestDNSFrontUnbound: a real validating Unbound, anchored at a signed
// root whose test. delegates example.test to the emulator's front with a
// DS for the emulator's KSK, answers with the AD bit for names there,
// CNAMEs and wildcards included, and for a nonexistent name and a missing
// type (the compact NSEC validates: NOERROR with AD, no SERVFAIL).
func TestDNSFrontUnbound(t *testing.T) {
	s, _ := start(t, Options{})
	signedFixture(t, s)
	_, stop, err := s.ServeDNS(frontLabFront + ":53")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	dk := ask(t, frontLabFront+":53", "udp", "example.test", dns.TypeDNSKEY, true)

	tld := dnstest.SignZone(t, "test.", fmt.Sprintf(`$ORIGIN test.
$TTL 300
@              SOA  ns.nic.test. hostmaster.nic.test. 1 3600 600 86400 300
@              NS   ns.nic.test.
ns.nic         A    %s
example        NS   ns1.example
ns1.example    A    %s
%s`, frontLabParent, frontLabFront, dnstest.DSText(dnstest.DNSKEYs(dk.Answer), 300)))
	root := dnstest.SignZone(t, ".", fmt.Sprintf(`$ORIGIN .
$TTL 300
@              SOA  a.root.test. hostmaster.root.test. 1 3600 600 86400 300
@              NS   a.root.test.
test.          NS   ns.nic.test.
%s
ns.nic.test.   A    %s
a.root.test.   A    %s
`, dnstest.DSText([]*dns.DNSKEY{tld.KSK}, 300), frontLabParent, frontLabParent))
	dnstest.StartBINDWith(t, dnstest.Options{Addr: frontLabParent}, map[string]string{".": root.Text, "test.": tld.Text})
	r := dnstest.StartUnboundWith(t, frontLabResolver, map[string]string{"a.root.test.": frontLabParent},
		dnstest.ResolverOptions{TrustAnchors: []dns.RR{root.DS}})

	for _, q := range []struct {
		name  string
		qtype uint16
	}{{"www.example.test", dns.TypeA}, {"example.test", dns.TypeMX}, {"alias.example.test", dns.TypeA}, {"x.wild.example.test", dns.TypeA}, {"example.test", dns.TypeDNSKEY}} {
		a := r.Ask(t, q.name, q.qtype)
		t.Logf("%s %s: %v", q.name, dns.TypeToString[q.qtype], a)
		if !a.Validated() {
			t.Errorf("%s %s: %v, want NOERROR with AD", q.name, dns.TypeToString[q.qtype], a)
		}
	}
	for _, q := range []struct {
		name  string
		qtype uint16
	}{{"nothere.example.test", dns.TypeA}, {"www.example.test", dns.TypeMX}, {"deep.ent.example.test", dns.TypeAAAA}} {
		if a := r.Ask(t, q.name, q.qtype); a.Rcode != dns.RcodeSuccess || !a.AD || len(a.Answer) != 0 {
			t.Errorf("%s %s: %v, want NOERROR, no data, with AD (compact denial)", q.name, dns.TypeToString[q.qtype], a)
		}
	}
}

// BenchmarkDNSFront measures answers built by the front (no network): a
// signed A answer and a signed compact denial, in the fixture zone and in
// one of 1,000 records (the front snapshots the zone on every query).
func BenchmarkDNSFront(b *testing.B) {
	for _, extra := range []int{0, 1000} {
		s := New(Options{})
		b.Cleanup(s.Close)
		zid := fixtures(s)
		s.SetDNSSEC(zid, "active", true)
		for i := range extra {
			s.AddRecord(zid, Record{Type: "A", Name: fmt.Sprintf("h%d", i), Content: "192.0.2.1", TTL: 300})
		}
		for _, q := range []string{"www.example.test.", "nothere.example.test."} {
			b.Run(fmt.Sprintf("records=%d/%s", 17+extra, strings.Split(q, ".")[0]), func(b *testing.B) {
				m := new(dns.Msg)
				m.SetQuestion(q, dns.TypeA)
				m.SetEdns0(1232, true)
				for b.Loop() {
					if r := s.answerDNS(m, false); len(r.Answer)+len(r.Ns) < 2 {
						b.Fatal(r)
					}
				}
			})
		}
	}
}
