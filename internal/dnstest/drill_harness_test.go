package dnstest

import (
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"
)

// TestPowerDNS starts PowerDNS on 127.0.0.1 and a free port, transfers its
// zone, updates it, and starts it again with the update kept.
func TestPowerDNS(t *testing.T) {
	t.Parallel()
	const origin = "example.test."
	start := time.Now()
	s := StartPowerDNS(t, Options{}, map[string]string{origin: testZone})
	t.Logf("pdns ready at %s in %v", s.Addr, time.Since(start).Round(time.Millisecond))
	if s.Kind != "pdns" || s.KeyName != "zonecast-test." || s.KeyAlg != "hmac-sha256" {
		t.Fatalf("server fields: Kind %q KeyName %q KeyAlg %q", s.Kind, s.KeyName, s.KeyAlg)
	}
	want := parseZone(t, origin, testZone)
	if diff := cmp.Diff(want, zoneRecords(s.AXFR(t, origin))); diff != "" {
		t.Fatalf("AXFR after start (-want +got):\n%s", diff)
	}

	added := mustRR(t, "www.example.test. 300 IN A 192.0.2.80")
	update(t, s, origin, added)
	want = append(want, added.String())
	slices.Sort(want)
	axfr := s.AXFR(t, origin)
	if diff := cmp.Diff(withoutSOA(want), withoutSOA(zoneRecords(axfr))); diff != "" {
		t.Fatalf("AXFR after update (-want +got):\n%s", diff)
	}
	// SOA-EDIT-DNSUPDATE INCREASE: +1, not YYYYMMDD01.
	if serial := soaSerial(t, axfr); serial != 2 {
		t.Errorf("SOA serial after update = %d, want 2", serial)
	}

	addr := s.Addr
	s.Stop()
	if err := query("udp", addr, origin); err == nil {
		t.Errorf("query to stopped pdns at %s: got an answer, want an error", addr)
	}
	start = time.Now()
	s.Start()
	t.Logf("pdns restarted in %v", time.Since(start).Round(time.Millisecond))
	if s.Addr != addr {
		t.Fatalf("Addr after restart = %s, want %s", s.Addr, addr)
	}
	axfr = s.AXFR(t, origin)
	if diff := cmp.Diff(withoutSOA(want), withoutSOA(zoneRecords(axfr))); diff != "" {
		t.Fatalf("AXFR after restart (-want +got):\n%s", diff)
	}
	if serial := soaSerial(t, axfr); serial != 2 {
		t.Errorf("SOA serial after restart = %d, want 2", serial)
	}
}

// TestPowerDNSRefusesUnsigned checks that PowerDNS needs the key for AXFR
// (TSIG-ALLOW-AXFR alone would let any loopback address transfer) and for
// updates.
func TestPowerDNSRefusesUnsigned(t *testing.T) {
	t.Parallel()
	s := StartPowerDNS(t, Options{}, map[string]string{"example.test.": testZone})
	m := new(dns.Msg)
	m.SetAxfr("example.test.")
	tr := &dns.Transfer{DialTimeout: time.Second, ReadTimeout: 2 * time.Second}
	env, err := tr.In(m, s.Addr)
	if err == nil {
		for e := range env {
			if err == nil {
				err = e.Error
			}
		}
	}
	if err == nil {
		t.Errorf("unsigned AXFR from pdns: no error")
	}

	u := new(dns.Msg)
	u.SetUpdate("example.test.")
	u.Insert([]dns.RR{mustRR(t, "evil.example.test. 300 IN A 192.0.2.66")})
	c := &dns.Client{Net: "tcp", Timeout: 2 * time.Second}
	r, _, err := c.Exchange(u, s.Addr)
	if err != nil {
		t.Fatalf("unsigned update to pdns: %v", err)
	}
	if r.Rcode != dns.RcodeRefused {
		t.Errorf("unsigned update to pdns: %s, want REFUSED", dns.RcodeToString[r.Rcode])
	}
}

// The mini Internet of TestMiniInternet: a root, the TLD test. and one
// provider, each on port 53 of its own loopback address, as glue says.
const (
	rootAddr     = "127.0.0.10"
	tldAddr      = "127.0.0.11"
	providerAddr = "127.0.0.21"
	resolverAddr = "127.0.0.30"

	rootZone = `$ORIGIN .
$TTL 300
@              SOA  a.root.test. hostmaster.root.test. 1 3600 600 86400 300
@              NS   a.root.test.
test.          NS   ns.nic.test.
; glue
ns.nic.test.   A    127.0.0.11
a.root.test.   A    127.0.0.10
`
	tldZone = `$ORIGIN test.
$TTL 300
@              SOA  ns.nic.test. hostmaster.nic.test. 1 3600 600 86400 300
@              NS   ns.nic.test.
ns.nic         A    127.0.0.11
a.root         A    127.0.0.10
example        NS   ns1.example.test.
; glue
ns1.example    A    127.0.0.21
`
	providerZone = `$ORIGIN example.test.
$TTL 300
@              SOA  ns1.example.test. hostmaster.example.test. 1 3600 600 86400 300
@              NS   ns1.example.test.
ns1            A    127.0.0.21
www            A    192.0.2.80
`
)

// TestMiniInternet builds a small Internet on loopback (root on BIND, TLD
// on Knot, a provider on BIND, Unbound resolving from the local root) and
// checks that an outage of the provider is seen through the resolver and
// that it resolves again once the provider is back.
func TestMiniInternet(t *testing.T) {
	t.Parallel()
	begin := time.Now()
	step := func(what string) {
		t.Logf("%-40s %v", what, time.Since(begin).Round(time.Millisecond))
		begin = time.Now()
	}
	StartBINDWith(t, Options{Addr: rootAddr + ":53"}, map[string]string{".": rootZone})
	step("root (bind) ready")
	StartKnotWith(t, Options{Addr: tldAddr + ":53"}, map[string]string{"test.": tldZone})
	step("tld (knot) ready")
	provider := StartBINDWith(t, Options{Addr: providerAddr + ":53"}, map[string]string{"example.test.": providerZone})
	step("provider (bind) ready")
	if provider.Addr != providerAddr+":53" {
		t.Fatalf("provider Addr = %s", provider.Addr)
	}
	r := StartUnbound(t, resolverAddr+":53", map[string]string{"a.root.test.": rootAddr})
	step("resolver (unbound) ready")
	if r.Addr != resolverAddr+":53" {
		t.Fatalf("resolver Addr = %s", r.Addr)
	}

	// The provider answers directly, and the resolver through the chain.
	if m, err := Exchange(t, provider.Addr, "www.example.test.", dns.TypeA); err != nil || !m.Authoritative || len(m.Answer) != 1 {
		t.Fatalf("www.example.test A from the provider: %v %v", m, err)
	}
	wantWWW := func(when string) {
		t.Helper()
		rcode, answers := r.Lookup(t, "www.example.test.", dns.TypeA)
		if rcode != dns.RcodeSuccess || len(answers) != 1 {
			t.Fatalf("%s: www.example.test A: rcode %d, answers %v; want NOERROR and 192.0.2.80", when, rcode, answers)
		}
		a, ok := answers[0].(*dns.A)
		if !ok || a.A.String() != "192.0.2.80" {
			t.Fatalf("%s: www.example.test A: %v, want 192.0.2.80", when, answers)
		}
	}
	wantWWW("all servers up")
	step("resolved www.example.test")

	provider.Stop()
	r.Flush()
	rcode, answers := r.Lookup(t, "www.example.test.", dns.TypeA)
	if rcode == dns.RcodeSuccess && len(answers) > 0 {
		t.Fatalf("provider down: www.example.test A resolved: %v", answers)
	}
	if rcode != dns.RcodeServerFailure && rcode != RcodeNoReply {
		t.Errorf("provider down: rcode %d, want SERVFAIL or no reply", rcode)
	}
	step("provider down: lookup failed (rcode " + rcodeName(rcode) + ")")

	provider.Start()
	r.Flush()
	wantWWW("provider back")
	step("provider back: resolved again")
}

func rcodeName(rcode int) string {
	if rcode == RcodeNoReply {
		return "no reply"
	}
	return dns.RcodeToString[rcode]
}

// TestNotify checks Options.Notify: after an update, each kind of server
// sends NOTIFY to port 53 of the other NS address its zone file gives.
func TestNotify(t *testing.T) {
	tests := []struct {
		kind        string
		start       func(testing.TB, Options, map[string]string) *Server
		self, other string
	}{
		{"bind", StartBINDWith, "127.0.0.41", "127.0.0.42"},
		{"knot", StartKnotWith, "127.0.0.43", "127.0.0.44"},
		{"pdns", StartPowerDNS, "127.0.0.45", "127.0.0.46"},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			t.Parallel()
			// A secondary listens on both: Knot 3.2 sends NOTIFY over TCP,
			// BIND and PowerDNS over UDP.
			notifies := make(chan string, 16)
			handler := dns.HandlerFunc(func(w dns.ResponseWriter, m *dns.Msg) {
				if m.Opcode == dns.OpcodeNotify && len(m.Question) == 1 {
					select {
					case notifies <- m.Question[0].Name:
					default:
					}
				}
				r := new(dns.Msg)
				r.SetReply(m)
				r.Authoritative = true
				w.WriteMsg(r)
			})
			pc, err := net.ListenPacket("udp4", tt.other+":53")
			if err != nil {
				t.Fatalf("listen for NOTIFY: %v", err)
			}
			l, err := net.Listen("tcp4", tt.other+":53")
			if err != nil {
				pc.Close()
				t.Fatalf("listen for NOTIFY: %v", err)
			}
			for _, srv := range []*dns.Server{{PacketConn: pc, Handler: handler}, {Listener: l, Handler: handler}} {
				go srv.ActivateAndServe()
				t.Cleanup(func() { srv.Shutdown() })
			}

			zone := fmt.Sprintf(`$ORIGIN example.test.
$TTL 300
@    SOA ns1 hostmaster 1 3600 600 86400 300
@    NS  ns1
@    NS  ns2
ns1  A   %s
ns2  A   %s
`, tt.self, tt.other)
			s := tt.start(t, Options{Addr: tt.self, Notify: true}, map[string]string{"example.test.": zone})
			if s.Addr != tt.self+":53" {
				t.Fatalf("Addr = %s, want %s:53", s.Addr, tt.self)
			}
			drain := time.After(200 * time.Millisecond) // a NOTIFY on load is fine too
		loop:
			for {
				select {
				case <-notifies:
				case <-drain:
					break loop
				}
			}
			start := time.Now()
			update(t, s, "example.test.", mustRR(t, "www.example.test. 300 IN A 192.0.2.80"))
			select {
			case name := <-notifies:
				if name != "example.test." {
					t.Errorf("NOTIFY for %q, want example.test.", name)
				}
				t.Logf("%s: NOTIFY %v after the update", tt.kind, time.Since(start).Round(time.Millisecond))
			case <-time.After(5 * time.Second):
				t.Fatalf("no NOTIFY to %s:53 within 5 s of the update", tt.other)
			}
		})
	}
}
