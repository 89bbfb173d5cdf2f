package resolve

import (
	"context"
	"math/rand/v2"
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

// Two machines that learn from each other (the zone's shared record) agree
// on one entry per name whatever the order, so the record stops changing;
// a newer change of a name's addresses wins, an older one never undoes it.
func TestLearnConverges(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("seed %d", seed)
	for round := range 200 {
		names := []string{"a.test", "b.test", "c.test"}
		addrs := [][]string{{"192.0.2.1"}, {"192.0.2.2"}, {"192.0.2.1", "2001:db8::1"}}
		entry := func() Entry {
			since := t0.Add(time.Duration(rng.IntN(100)) * time.Minute)
			return Entry{Addrs: addrs[rng.IntN(len(addrs))], Since: since, At: since.Add(time.Duration(rng.IntN(100)) * time.Minute)}
		}
		machines := make([]*Resolver, 3)
		for i := range machines {
			k := Known{}
			for _, n := range names {
				if rng.IntN(3) > 0 {
					k[n] = entry()
				}
			}
			machines[i] = New(nil, k)
		}
		// Each learns what the others know, in a random order, twice
		// over: every machine must end with the same entries.
		for range 2 * len(machines) * len(machines) {
			from, to := machines[rng.IntN(len(machines))], machines[rng.IntN(len(machines))]
			k, _ := from.Known()
			to.Learn(k)
		}
		for _, m := range machines {
			for _, o := range machines {
				k, _ := o.Known()
				m.Learn(k)
			}
		}
		want, _ := machines[0].Known()
		for i, m := range machines[1:] {
			got, _ := m.Known()
			for _, n := range names {
				g, w := got[n], want[n]
				if !slices.Equal(g.Addrs, w.Addrs) || !g.since().Equal(w.since()) {
					t.Fatalf("seed %d round %d: machine %d has %s = %+v, machine 0 %+v", seed, round, i+1, n, g, w)
				}
			}
		}
	}

	// The newer change wins; learning the older one again changes nothing.
	r := New(nil, Known{"a.test": {Addrs: []string{"192.0.2.1"}, At: t0, Since: t0}})
	newer := Known{"a.test": {Addrs: []string{"192.0.2.9"}, At: t0.Add(time.Hour), Since: t0.Add(time.Hour)}}
	if !r.Learn(newer) {
		t.Fatal("a newer change is not learnt")
	}
	if r.Learn(Known{"a.test": {Addrs: []string{"192.0.2.1"}, At: t0.Add(2 * time.Hour), Since: t0}}) {
		t.Fatal("an older change undoes a newer one")
	}
	if k, _ := r.Known(); !slices.Equal(k["a.test"].Addrs, []string{"192.0.2.9"}) {
		t.Fatalf("after learning: %+v", k)
	}
	// The same addresses: the earliest sighting, the latest confirmation.
	r.Learn(Known{"a.test": {Addrs: []string{"192.0.2.9"}, At: t0.Add(3 * time.Hour), Since: t0.Add(30 * time.Minute)}})
	if k, _ := r.Known(); !k["a.test"].Since.Equal(t0.Add(30*time.Minute)) || !k["a.test"].At.Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("same addresses merged to %+v", k["a.test"])
	}
}

// A connection's fallback is noted once per name; a verify's lookup is
// not (verify says it itself).
func TestDialNotes(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	r := New([]string{closedPort(t)}, Known{"api.example.test": {Addrs: []string{"192.0.2.7"}, At: t0}})
	r.Timeout = 300 * time.Millisecond
	if res, err := r.LookupHost(ctx, "api.example.test"); err != nil || res.Note == "" {
		t.Fatalf("lookup: %+v %v", res, err)
	}
	if n := r.TakeNotes(); len(n) != 0 {
		t.Fatalf("a lookup left notes: %v", n)
	}
	for range 3 {
		if a, err := r.Addrs(ctx, "api.example.test."); err != nil || !slices.Equal(a, []string{"192.0.2.7"}) {
			t.Fatalf("Addrs: %v %v", a, err)
		}
	}
	n := r.TakeNotes()
	if len(n) != 1 || !strings.Contains(n[0], "provider server api.example.test does not resolve") {
		t.Fatalf("notes %q: want one for api.example.test", n)
	}
	if n := r.TakeNotes(); len(n) != 0 {
		t.Fatalf("notes taken twice: %v", n)
	}
}
