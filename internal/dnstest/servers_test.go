package dnstest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"
)

const testZone = `$ORIGIN example.test.
$TTL 300
@       SOA  ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
@       NS   ns.example.test.
ns      A    192.0.2.1
note    TXT  "hello world" "second string"
`

// TestServers starts each real server, transfers its zone, updates it,
// stops it, and starts it again on the same port with the update kept.
func TestServers(t *testing.T) {
	tests := []struct {
		name  string
		start func(testing.TB, map[string]string) *Server
	}{
		{"bind", StartBIND},
		{"knot", StartKnot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const origin = "example.test."
			s := tt.start(t, map[string]string{origin: testZone})
			if s.Kind != tt.name || s.KeyName != "zonecast-test." || s.KeyAlg != "hmac-sha256" {
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
			got := zoneRecords(s.AXFR(t, origin))
			if diff := cmp.Diff(withoutSOA(want), withoutSOA(got)); diff != "" {
				t.Fatalf("AXFR after update (-want +got):\n%s", diff)
			}
			serial := soaSerial(t, s.AXFR(t, origin))
			if serial <= 1 {
				t.Errorf("SOA serial after update = %d, want > 1", serial)
			}

			addr := s.Addr
			s.Stop()
			s.Stop() // idempotent
			for _, network := range []string{"udp", "tcp"} {
				if err := query(network, addr, origin); err == nil {
					t.Errorf("%s query to stopped %s at %s: got an answer, want an error", network, s.Kind, addr)
				}
			}

			s.Start()
			if s.Addr != addr {
				t.Fatalf("Addr after restart = %s, want %s", s.Addr, addr)
			}
			for _, network := range []string{"udp", "tcp"} {
				if err := query(network, addr, origin); err != nil {
					t.Errorf("%s query to restarted %s: %v", network, s.Kind, err)
				}
			}
			got = zoneRecords(s.AXFR(t, origin))
			if diff := cmp.Diff(withoutSOA(want), withoutSOA(got)); diff != "" {
				t.Fatalf("AXFR after restart (-want +got):\n%s", diff)
			}
			if got := soaSerial(t, s.AXFR(t, origin)); got != serial {
				t.Errorf("SOA serial after restart = %d, want %d", got, serial)
			}
		})
	}
}

// TestServersRefuseUnsigned checks that the key is required: an unsigned
// AXFR and an update signed with a wrong secret are refused.
func TestServersRefuseUnsigned(t *testing.T) {
	for _, start := range []func(testing.TB, map[string]string) *Server{StartBIND, StartKnot} {
		s := start(t, map[string]string{"example.test.": testZone})
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
			t.Errorf("unsigned AXFR from %s: no error", s.Kind)
		}

		u := new(dns.Msg)
		u.SetUpdate("example.test.")
		u.Insert([]dns.RR{mustRR(t, "evil.example.test. 300 IN A 192.0.2.66")})
		u.SetTsig(s.KeyName, dns.HmacSHA256, 300, time.Now().Unix())
		c := &dns.Client{Net: "tcp", Timeout: 2 * time.Second,
			TsigSecret: map[string]string{s.KeyName: "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="}}
		r, _, err := c.Exchange(u, s.Addr)
		if err == nil && r.Rcode == dns.RcodeSuccess {
			t.Errorf("update with a wrong secret to %s: NOERROR", s.Kind)
		}
		s.Stop()
	}
}

// TestStartSeveralZones checks that a server serves every zone it is given.
func TestStartSeveralZones(t *testing.T) {
	zones := map[string]string{
		"example.test.": testZone,
		"other.test":    strings.ReplaceAll(testZone, "example.test.", "other.test."),
	}
	for _, start := range []func(testing.TB, map[string]string) *Server{StartBIND, StartKnot} {
		s := start(t, zones)
		for _, origin := range []string{"example.test.", "other.test."} {
			if n := len(s.AXFR(t, origin)); n != 5 {
				t.Errorf("%s: AXFR %s: %d records, want 5 (SOA twice)", s.Kind, origin, n)
			}
		}
	}
}

func update(t *testing.T, s *Server, origin string, rr dns.RR) {
	t.Helper()
	m := new(dns.Msg)
	m.SetUpdate(origin)
	m.Insert([]dns.RR{rr})
	m.SetTsig(s.KeyName, dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: 2 * time.Second, TsigSecret: map[string]string{s.KeyName: s.Secret}}
	r, _, err := c.Exchange(m, s.Addr)
	if err != nil {
		t.Fatalf("update %s at %s: %v", origin, s.Kind, err)
	}
	if r.Rcode != dns.RcodeSuccess {
		t.Fatalf("update %s at %s: %s", origin, s.Kind, dns.RcodeToString[r.Rcode])
	}
}

func query(network, addr, origin string) error {
	m := new(dns.Msg)
	m.SetQuestion(origin, dns.TypeSOA)
	c := &dns.Client{Net: network, Timeout: time.Second}
	_, _, err := c.Exchange(m, addr)
	return err
}

func parseZone(t *testing.T, origin, text string) []string {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(text), origin, "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("parse test zone: %v", err)
	}
	return zoneRecords(append(rrs, rrs[0]))
}

// zoneRecords returns an AXFR's records (without the closing SOA) in
// presentation format, sorted. Owner names are lower-cased: BIND keeps the
// case of names from updates, Knot does not.
func zoneRecords(axfr []dns.RR) []string {
	var out []string
	for _, rr := range axfr[:max(len(axfr)-1, 0)] {
		rr = dns.Copy(rr)
		rr.Header().Name = strings.ToLower(rr.Header().Name)
		out = append(out, rr.String())
	}
	slices.Sort(out)
	return out
}

// withoutSOA drops the SOA, whose serial an update changes.
func withoutSOA(records []string) []string {
	return slices.DeleteFunc(slices.Clone(records), func(r string) bool {
		return strings.Contains(r, "\tSOA\t")
	})
}

func soaSerial(t *testing.T, axfr []dns.RR) uint32 {
	t.Helper()
	soa, ok := axfr[0].(*dns.SOA)
	if !ok {
		t.Fatalf("AXFR starts with %v, not a SOA", axfr[0])
	}
	return soa.Serial
}

func mustRR(t *testing.T, s string) dns.RR {
	t.Helper()
	rr, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return rr
}
