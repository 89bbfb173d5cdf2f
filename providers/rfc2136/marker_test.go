package rfc2136_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/providers/rfc2136"
)

// foreignUpdate adds rr to origin at s with a raw UPDATE signed with the
// test key: someone else's write, not zonecast's.
func foreignUpdate(t *testing.T, s *dnstest.Server, origin string, rr string) {
	t.Helper()
	r, err := dns.NewRR(rr)
	if err != nil {
		t.Fatal(err)
	}
	m := new(dns.Msg)
	m.SetUpdate(origin)
	m.Insert([]dns.RR{r})
	m.SetTsig(s.KeyName, dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second, TsigSecret: map[string]string{s.KeyName: s.Secret}}
	reply, _, err := c.Exchange(m, s.Addr)
	if err != nil {
		t.Fatalf("foreign update at %s: %v", s.Kind, err)
	}
	if reply.Rcode != dns.RcodeSuccess {
		t.Fatalf("foreign update at %s: %s", s.Kind, dns.RcodeToString[reply.Rcode])
	}
}

func TestMarkerBIND(t *testing.T) {
	testMarker(t, dnstest.StartBIND(t, map[string]string{origin: providertest.Head}))
}

func TestMarkerKnot(t *testing.T) {
	testMarker(t, dnstest.StartKnot(t, map[string]string{origin: providertest.Head}))
}

// testMarker: the marker stays while the zone does, changes with
// zonecast's write and with someone else's, costs one SOA query and no
// transfer, and is an error for a zone the server does not serve.
func testMarker(t *testing.T, s *dnstest.Server) {
	ctx := context.Background()
	p := provider(t, s)
	var _ providers.Marker = p
	m1, err := p.Marker(ctx, origin)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m1, "soa:1 server:"+s.Addr+" rdata:") {
		t.Errorf("marker %q, want soa:1 server:%s rdata:…", m1, s.Addr)
	}
	queries, transfers := p.SOAQueries(), p.Transfers()
	if m2, err := p.Marker(ctx, origin); err != nil || m2 != m1 {
		t.Errorf("unchanged zone: marker %q (%v), want %q", m2, err, m1)
	}
	if q, x := p.SOAQueries()-queries, p.Transfers()-transfers; q != 1 || x != 0 {
		t.Errorf("one marker cost %d SOA queries and %d transfers, want 1 and 0", q, x)
	}

	providertest.Converge(t, p, origin, providertest.Head+"www A 192.0.2.9\n")
	m3, err := p.Marker(ctx, origin)
	if err != nil || m3 == m1 {
		t.Errorf("after zonecast's write: marker %q (%v), want a new one (was %q)", m3, err, m1)
	}
	foreignUpdate(t, s, origin, "intruder.example.com. 300 IN A 203.0.113.66")
	if m4, err := p.Marker(ctx, origin); err != nil || m4 == m3 {
		t.Errorf("after a foreign UPDATE: marker %q (%v), want a new one (was %q)", m4, err, m3)
	}

	for _, zone := range []string{"other.test.", "www.example.com."} {
		if m, err := p.Marker(ctx, zone); err == nil {
			t.Errorf("marker of %s, which %s does not serve: %q, want an error", zone, s.Kind, m)
		}
	}
}

// TestMarkerBadKey: a reply that does not verify is an error, never a
// marker.
func TestMarkerBadKey(t *testing.T) {
	s := dnstest.StartBIND(t, map[string]string{origin: providertest.Head})
	p, err := rfc2136.New("bad", rfc2136.Config{
		Server: s.Addr,
		TSIG:   rfc2136.TSIG{Name: s.KeyName, Algorithm: s.KeyAlg, Secret: providers.NewSecret("c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=")},
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := p.Marker(context.Background(), origin)
	var te *rfc2136.TSIGError
	if !errors.As(err, &te) {
		t.Errorf("marker with a wrong secret: %q, %v; want a *TSIGError", m, err)
	}
}

func TestMarkerPowerDNS(t *testing.T) {
	testMarker(t, dnstest.StartPowerDNS(t, dnstest.Options{}, map[string]string{origin: providertest.Head}))
}

// fakeSOA starts a TCP server on loopback answering every query with what
// answer makes of the reply (set up as an authoritative NOERROR), signed
// with secret under key name unless unsigned.
func fakeSOA(t *testing.T, keyName, secret string, unsigned bool, answer func(m *dns.Msg)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{Listener: ln, TsigSecret: map[string]string{keyName: secret},
		Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
			m := new(dns.Msg)
			m.SetReply(r)
			m.Authoritative = true
			answer(m)
			if !unsigned && r.IsTsig() != nil {
				m.SetTsig(keyName, dns.HmacSHA256, 300, time.Now().Unix())
			}
			_ = w.WriteMsg(m)
		})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return ln.Addr().String()
}

// TestMarkerRefusesUntrustedAnswers: an answer that is unsigned, not
// authoritative, NXDOMAIN, REFUSED or without the zone's own SOA is an
// error, never a marker.
func TestMarkerRefusesUntrustedAnswers(t *testing.T) {
	const keyName, secret = "zonecast-test.", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="
	soa := func(owner string) dns.RR {
		rr, _ := dns.NewRR(owner + " 300 IN SOA ns1." + owner + " hostmaster." + owner + " 7 7200 900 1209600 300")
		return rr
	}
	tests := []struct {
		name     string
		unsigned bool
		answer   func(m *dns.Msg)
		ok       bool
	}{
		{"authoritative SOA", false, func(m *dns.Msg) { m.Answer = []dns.RR{soa(origin)} }, true},
		{"unsigned", true, func(m *dns.Msg) { m.Answer = []dns.RR{soa(origin)} }, false},
		{"not authoritative", false, func(m *dns.Msg) { m.Answer, m.Authoritative = []dns.RR{soa(origin)}, false }, false},
		{"NXDOMAIN", false, func(m *dns.Msg) { m.Rcode, m.Ns = dns.RcodeNameError, []dns.RR{soa("com.")} }, false},
		{"REFUSED", false, func(m *dns.Msg) { m.Rcode = dns.RcodeRefused }, false},
		{"NOTAUTH", false, func(m *dns.Msg) { m.Rcode = dns.RcodeNotAuth }, false},
		{"SOA of the parent", false, func(m *dns.Msg) { m.Ns = []dns.RR{soa("com.")} }, false},
		{"two SOAs", false, func(m *dns.Msg) { m.Answer = []dns.RR{soa(origin), soa(origin)} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := fakeSOA(t, keyName, secret, tt.unsigned, tt.answer)
			p, err := rfc2136.New("fake", rfc2136.Config{Server: addr, Timeout: 2 * time.Second,
				TSIG: rfc2136.TSIG{Name: keyName, Algorithm: "hmac-sha256", Secret: providers.NewSecret(secret)}})
			if err != nil {
				t.Fatal(err)
			}
			m, err := p.Marker(context.Background(), origin)
			if (err == nil) != tt.ok {
				t.Errorf("marker %q, error %v; want ok %v", m, err, tt.ok)
			}
			if tt.ok && !strings.HasPrefix(m, "soa:7 server:"+addr+" rdata:") {
				t.Errorf("marker %q, want soa:7 server:%s rdata:…", m, addr)
			}
		})
	}
}
