package dnstest_test

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/dnstest"
)

const (
	hostileKey    = "k."
	hostileSecret = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="
)

func startHostile(t *testing.T, cfg dnstest.HostileConfig) *dnstest.Hostile {
	t.Helper()
	if cfg.Origin == "" {
		cfg.Origin = "example.com."
	}
	cfg.KeyName, cfg.Secret = hostileKey, hostileSecret
	h, err := dnstest.StartHostile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return h
}

func zone(t *testing.T, lines ...string) []dns.RR {
	t.Helper()
	var rrs []dns.RR
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatal(err)
		}
		rrs = append(rrs, rr)
	}
	return rrs
}

// axfr transfers example.com. with miekg/dns's own client, which checks
// each signature in the chain when every message is signed.
func axfr(t *testing.T, addr string) ([]dns.RR, error) {
	t.Helper()
	m := new(dns.Msg)
	m.SetAxfr("example.com.")
	m.SetTsig(hostileKey, dns.HmacSHA256, 300, time.Now().Unix())
	tr := &dns.Transfer{TsigSecret: map[string]string{hostileKey: hostileSecret}, ReadTimeout: 5 * time.Second}
	env, err := tr.In(m, addr)
	if err != nil {
		return nil, err
	}
	var rrs []dns.RR
	for e := range env {
		if e.Error != nil {
			err = e.Error
			continue
		}
		rrs = append(rrs, e.RR...)
	}
	return rrs, err
}

// TestHostileNormal: a Normal server transfers its zone in several signed
// messages that miekg/dns verifies, applies a signed UPDATE, signs its
// answer, and counts both.
func TestHostileNormal(t *testing.T) {
	recs := zone(t, "example.com. 3600 IN SOA ns1.example.com. h.example.com. 7 3600 600 86400 300",
		"example.com. 3600 IN NS ns1.example.com.")
	for i := range 250 {
		recs = append(recs, zone(t, "h"+strings.Repeat("x", i%7)+"-"+string(rune('a'+i%26))+".example.com. 300 IN A 192.0.2.1")...)
	}
	h := startHostile(t, dnstest.HostileConfig{Records: recs})
	got, err := axfr(t, h.Addr())
	if err != nil {
		t.Fatalf("AXFR: %v", err)
	}
	if len(got) != len(recs)+1 {
		t.Errorf("AXFR: %d records, want %d (the zone and the closing SOA)", len(got), len(recs)+1)
	}

	u := new(dns.Msg)
	u.SetUpdate("example.com.")
	u.Insert(zone(t, "new.example.com. 300 IN TXT \"hi\""))
	u.RemoveRRset(zone(t, "example.com. 3600 IN NS ns1.example.com."))
	u.SetTsig(hostileKey, dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", TsigSecret: map[string]string{hostileKey: hostileSecret}, Timeout: 5 * time.Second}
	r, _, err := c.Exchange(u, h.Addr())
	if err != nil {
		t.Fatalf("UPDATE: %v", err)
	}
	if r.Rcode != dns.RcodeSuccess || r.IsTsig() == nil {
		t.Fatalf("UPDATE: rcode %s, TSIG %v; want a signed NOERROR", dns.RcodeToString[r.Rcode], r.IsTsig())
	}
	var found, ns bool
	rrs := h.Records()
	for _, rr := range rrs {
		found = found || strings.HasPrefix(rr.String(), "new.example.com.")
		ns = ns || rr.Header().Rrtype == dns.TypeNS
	}
	if !found || ns {
		t.Errorf("after the UPDATE: new TXT there %v, NS set there %v; want true, false", found, ns)
	}
	if s := rrs[0].(*dns.SOA).Serial; s != 8 {
		t.Errorf("serial %d after one UPDATE, want 8", s)
	}
	if a, up := h.Counts(); a != 1 || up != 1 {
		t.Errorf("counts: %d AXFR, %d UPDATE; want 1, 1", a, up)
	}

	// A request signed with another secret: NOTAUTH, TSIG error BADSIG.
	u.Extra = nil
	u.SetTsig(hostileKey, dns.HmacSHA256, 300, time.Now().Unix())
	c.TsigSecret = map[string]string{hostileKey: "b3RoZXJvdGhlcm90aGVyb3RoZXJvdGhlcm90aGVyMTI="}
	r, _, _ = c.Exchange(u, h.Addr())
	if r == nil || r.Rcode != dns.RcodeNotAuth || r.IsTsig() == nil || r.IsTsig().Error != dns.RcodeBadSig {
		t.Errorf("an UPDATE with a bad MAC got %v; want NOTAUTH with TSIG error BADSIG", r)
	}
}

// TestHostileCloseEndsHangingConnections: Close returns while a client
// waits on a Hang and another on an Endless transfer it stopped reading,
// and the client's connections are closed.
func TestHostileCloseEndsHangingConnections(t *testing.T) {
	h, err := dnstest.StartHostile(dnstest.HostileConfig{Origin: "example.com.", KeyName: hostileKey, Secret: hostileSecret,
		AXFR: dnstest.Endless, Update: dnstest.Hang})
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	for _, op := range []int{dns.OpcodeUpdate, dns.OpcodeQuery} {
		m := new(dns.Msg)
		if op == dns.OpcodeUpdate {
			m.SetUpdate("example.com.")
		} else {
			m.SetAxfr("example.com.")
		}
		m.SetTsig(hostileKey, dns.HmacSHA256, 300, time.Now().Unix())
		co, err := dns.Dial("tcp", h.Addr())
		if err != nil {
			t.Fatal(err)
		}
		co.TsigSecret = map[string]string{hostileKey: hostileSecret}
		if err := co.WriteMsg(m); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, co)
	}
	if _, err := conns[1].(*dns.Conn).ReadMsg(); err != nil { // the Endless transfer has begun
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("close: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not return")
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 1<<20)
		for {
			_, err := c.Read(buf)
			if err == nil {
				continue // the rest of the Endless messages in flight
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("connection %d still open after Close", i)
			}
			break
		}
		c.Close()
	}
}

func TestParseBehaviour(t *testing.T) {
	for b := dnstest.Normal; b <= dnstest.BadSignature; b++ {
		got, err := dnstest.ParseBehaviour(strings.ToUpper(b.String()))
		if err != nil || got != b {
			t.Errorf("ParseBehaviour(%q) = %v, %v; want %v", b.String(), got, err, b)
		}
	}
	if _, err := dnstest.ParseBehaviour("nice"); err == nil {
		t.Error("ParseBehaviour(\"nice\") gave no error")
	}
}
