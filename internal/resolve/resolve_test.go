package resolve

import (
	"context"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// serve answers A queries for name with addr on a loopback port, until
// the test ends; it returns the port's address.
func serve(t *testing.T, name, addr string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.RecursionAvailable = true
		if q.Question[0].Name == dns.Fqdn(name) && q.Question[0].Qtype == dns.TypeA {
			rr, _ := dns.NewRR(dns.Fqdn(name) + " 60 IN A " + addr)
			m.Answer = append(m.Answer, rr)
		} else if q.Question[0].Name != dns.Fqdn(name) {
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

// closedPort is a loopback address where nothing answers.
func closedPort(t *testing.T) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	return addr
}

func TestLastKnownAddress(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "addresses.json")
	clock := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

	// The resolver works: the answer is fresh, and kept.
	r := New([]string{serve(t, "ns.example.test", "192.0.2.53")}, nil)
	r.Now = func() time.Time { return clock }
	res, err := r.LookupHost(ctx, "NS.example.test.")
	if err != nil || res.Note != "" || !slices.Equal(res.Addrs, []string{"192.0.2.53"}) {
		t.Fatalf("fresh lookup: %+v, %v", res, err)
	}
	if err := r.Save(file); err != nil {
		t.Fatal(err)
	}
	known, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if e := known["ns.example.test"]; !slices.Equal(e.Addrs, []string{"192.0.2.53"}) || !e.At.Equal(clock) {
		t.Fatalf("kept %+v, want 192.0.2.53 at %v", known, clock)
	}

	// The resolver is gone: the last-known address, with a note.
	r = New([]string{closedPort(t)}, known)
	r.Timeout = 500 * time.Millisecond
	res, err = r.LookupHost(ctx, "ns.example.test.")
	if err != nil {
		t.Fatalf("with the resolver gone: %v", err)
	}
	if !slices.Equal(res.Addrs, []string{"192.0.2.53"}) || !strings.Contains(res.Note, "last-known address 192.0.2.53, from 2026-12-03T12:00:00Z") {
		t.Fatalf("with the resolver gone: %+v", res)
	}
	// A name never seen: an error that says what to write.
	if _, err := r.LookupHost(ctx, "other.example.test."); err == nil || !strings.Contains(err.Error(), "name@address:port") {
		t.Fatalf("unknown name with the resolver gone: %v", err)
	}
	// Nothing learned: the file is not written.
	if _, changed := r.Known(); changed {
		t.Fatal("a failed lookup counts as a change")
	}

	// NXDOMAIN is a failure too: the last-known address stands in.
	r = New([]string{serve(t, "elsewhere.test", "192.0.2.9")}, known)
	if res, err := r.LookupHost(ctx, "ns.example.test."); err != nil || res.Note == "" {
		t.Fatalf("NXDOMAIN: %+v, %v", res, err)
	}
}

func TestSaveMerges(t *testing.T) {
	file := filepath.Join(t.TempDir(), "addresses.json")
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	// Another zonecast wrote b newer than this one knows it.
	other := New(nil, nil)
	other.known = Known{"b.test": {Addrs: []string{"192.0.2.2"}, At: t0.Add(time.Hour)}}
	other.changed = true
	if err := other.Save(file); err != nil {
		t.Fatal(err)
	}
	r := New(nil, Known{"b.test": {Addrs: []string{"192.0.2.1"}, At: t0}})
	r.known["a.test"] = Entry{Addrs: []string{"192.0.2.10"}, At: t0}
	r.changed = true
	if err := r.Save(file); err != nil {
		t.Fatal(err)
	}
	got, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got["b.test"].Addrs, []string{"192.0.2.2"}) || !slices.Equal(got["a.test"].Addrs, []string{"192.0.2.10"}) {
		t.Fatalf("merged %+v: want b.test's newer 192.0.2.2 and a.test", got)
	}
}
