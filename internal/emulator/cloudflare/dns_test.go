package cloudflare

import (
	"net"
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// ask sends q to the DNS front at addr with the DO bit.
func ask(t *testing.T, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.SetEdns0(1232, true)
	r, _, err := (&dns.Client{Net: "tcp", Timeout: 2 * time.Second}).Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s: %v", name, dns.TypeToString[qtype], err)
	}
	return r
}

// verified reports whether the RRSIGs among rrs verify the rest with one
// of keys.
func verified(rrs []dns.RR, keys []dns.RR) bool {
	var data []dns.RR
	var sigs []*dns.RRSIG
	for _, rr := range rrs {
		if s, ok := rr.(*dns.RRSIG); ok {
			sigs = append(sigs, s)
		} else {
			data = append(data, rr)
		}
	}
	for _, s := range sigs {
		for _, k := range keys {
			if k, ok := k.(*dns.DNSKEY); ok && k.KeyTag() == s.KeyTag && s.Verify(k, data) == nil {
				return true
			}
		}
	}
	return false
}

// The DNS front answers a zone's records as the API holds them, signs them
// online once its DNSSEC is on (the DNSKEY RRset by the KSK, with the
// other signers' keys, the rest by the ZSK) and denies with compact
// answers: a missing name is NOERROR with an NSEC at the name.
func TestDNSFront(t *testing.T) {
	s := New(Options{Nameservers: []string{"ns.cf-dns.test"}})
	t.Cleanup(s.Close)
	s.AddZone("example.test")
	s.AddRecord("example.test", Record{Name: "www", Type: "A", Content: "192.0.2.7", TTL: 60})
	s.AddRecord("example.test", Record{Name: "@", Type: "TXT", Content: `"hello world"`, TTL: 60})
	addr := freeLoopback(t)
	stop, err := s.ServeDNS(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)

	r := ask(t, addr, "www.example.test.", dns.TypeA)
	if len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "192.0.2.7" || !r.Authoritative {
		t.Fatalf("unsigned www A: %v", r)
	}
	if r := ask(t, addr, "nosuch.example.test.", dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Errorf("unsigned missing name: rcode %s, want NXDOMAIN", dns.RcodeToString[r.Rcode])
	}
	if r := ask(t, addr, "example.test.", dns.TypeNS); len(r.Answer) != 1 || r.Answer[0].(*dns.NS).Ns != "ns.cf-dns.test." {
		t.Errorf("apex NS: %v", r.Answer)
	}

	s.SetDNSSEC("example.test", "active", true)
	foreign := &dns.DNSKEY{Hdr: dns.RR_Header{Name: "example.test.", Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 60}, Flags: 256, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	foreign.Generate(256)
	s.AddRecord("example.test", Record{Name: "@", Type: "DNSKEY", Content: rdata(foreign), TTL: 60})
	keys := ask(t, addr, "example.test.", dns.TypeDNSKEY).Answer
	n := 0
	for _, k := range keys {
		if _, ok := k.(*dns.DNSKEY); ok {
			n++
		}
	}
	if n != 3 || !verified(keys, keys) {
		t.Fatalf("DNSKEY: %d keys (want KSK, ZSK, the foreign ZSK), signed by one of them: %v", n, verified(keys, keys))
	}
	for _, q := range []struct {
		name  string
		qtype uint16
	}{{"www.example.test.", dns.TypeA}, {"example.test.", dns.TypeTXT}, {"example.test.", dns.TypeSOA}} {
		r := ask(t, addr, q.name, q.qtype)
		if !verified(r.Answer, keys) {
			t.Errorf("%s %s: %v, not verified by the DNSKEY RRset", q.name, dns.TypeToString[q.qtype], r.Answer)
		}
	}
	r = ask(t, addr, "nosuch.example.test.", dns.TypeA)
	var nsec *dns.NSEC
	for _, rr := range r.Ns {
		if n, ok := rr.(*dns.NSEC); ok {
			nsec = n
		}
	}
	if r.Rcode != dns.RcodeSuccess || nsec == nil || nsec.Hdr.Name != "nosuch.example.test." || nsec.NextDomain != "\\000.nosuch.example.test." || !verified(r.Ns[len(r.Ns)-2:], keys) {
		t.Errorf("missing name, signed: %v; want NOERROR and a signed NSEC at the name to \\000.name", r)
	}
	r = ask(t, addr, "www.example.test.", dns.TypeAAAA)
	nsec = nil
	for _, rr := range r.Ns {
		if n, ok := rr.(*dns.NSEC); ok {
			nsec = n
		}
	}
	if nsec == nil || !slices.Contains(nsec.TypeBitMap, dns.TypeA) || slices.Contains(nsec.TypeBitMap, dns.TypeAAAA) {
		t.Errorf("no AAAA at www: NSEC %v, want one listing A and not AAAA", nsec)
	}
}

// freeLoopback is a free TCP and UDP port on 127.0.0.1.
func freeLoopback(t *testing.T) string {
	t.Helper()
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		if pc, err := net.ListenPacket("udp", addr); err == nil {
			pc.Close()
			return addr
		}
	}
	t.Fatal("no free port")
	return ""
}
