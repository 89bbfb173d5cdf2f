package rfc2136_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/rfc2136"
	"github.com/zonecast/zonecast/zones"
)

// nsupdateLimit is the size at which the reference (nsupdate, as the
// benchmark drives it) sends a message: 48 KiB, compressed.
const nsupdateLimit = 48 << 10

// batches splits rrs, in order, into the fewest UPDATE messages for origin
// whose length compressed by miekg/dns stays within limit and, when
// uncompressed is not zero, whose uncompressed length stays within
// uncompressed, record by record, the way nsupdate is told to `send`: each
// message takes the longest run of the records that follow that still fits.
// The run is found by bisection on the exact packed length (a run that fits
// stays fitting when it is shortened), an algorithm of its own rather than
// the driver's.
func batches(t testing.TB, origin string, rrs []dns.RR, limit, uncompressed int) [][]dns.RR {
	t.Helper()
	fits := func(run []dns.RR) bool {
		m := new(dns.Msg)
		m.SetUpdate(origin)
		m.Ns = run
		if uncompressed > 0 && m.Len() > uncompressed {
			return false
		}
		m.Compress = true
		return m.Len() <= limit
	}
	var out [][]dns.RR
	for i := 0; i < len(rrs); {
		if !fits(rrs[i : i+1]) {
			t.Fatalf("%s alone is over %d octets", rrs[i].Header().Name, limit)
		}
		// Every record takes at least 11 octets (a 1-octet name or a
		// 2-octet pointer, and 10 of type, class, TTL and length).
		lo, hi := i+1, min(len(rrs), i+limit/11+1)
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if fits(rrs[i:mid]) {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		out = append(out, rrs[i:lo])
		i = lo
	}
	return out
}

// addRRs is what a plan's changes add, in order: the records a tool that
// only adds (nsupdate from an empty zone) sends.
func addRRs(t testing.TB, changes []providers.Change) []dns.RR {
	t.Helper()
	var out []dns.RR
	for _, c := range changes {
		if c.Delete {
			continue
		}
		rrs, err := c.Set.RRs()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rrs...)
	}
	return out
}

// genZone is a zone of origin with about n records after its head (SOA,
// two apex NS and their addresses), a mix like genzone's: addresses (some
// sets of two), TXT short and long, MX, SRV, CAA, CNAME, and delegations
// with glue, in sections of 1,000 names. It returns the head alone and the
// whole zone.
func genZone(origin string, n int) (head, full string) {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s\n$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 3600\n@ NS ns1\n@ NS ns2\nns1 A 127.0.0.1\nns2 A 127.0.0.2\n", origin)
	head = b.String()
	for i, records := 0, 0; records < n; i++ {
		sec := i / 1000
		name := fmt.Sprintf("host%d.s%d", i, sec)
		ip := fmt.Sprintf("10.%d.%d.%d", i>>16&0xff, i>>8&0xff, i&0xff)
		if i%1000 == 0 {
			fmt.Fprintf(&b, "mail.s%d A 10.255.%d.1\n", sec, sec&0xff)
			records++
		}
		switch i % 20 {
		case 0, 1, 2, 3, 4, 5, 6:
			fmt.Fprintf(&b, "%s A %s\n", name, ip)
			records++
		case 7, 8:
			fmt.Fprintf(&b, "%s A %s\n%s A 10.254.%d.%d\n", name, ip, name, i>>8&0xff, i&0xff)
			records += 2
		case 9, 10:
			fmt.Fprintf(&b, "%s AAAA 2001:db8::%x:%x\n", name, i>>16, i&0xffff)
			records++
		case 11:
			fmt.Fprintf(&b, "%s TXT \"v=spf1 ip4:%s -all\"\n", name, ip)
			records++
		case 12:
			fmt.Fprintf(&b, "%s TXT \"%s\" \"%d\"\n", name, strings.Repeat("k", 200), i)
			records++
		case 13:
			fmt.Fprintf(&b, "%s MX 10 mail.s%d\n%s MX 20 mx.example.net.\n", name, sec, name)
			records += 2
		case 14:
			fmt.Fprintf(&b, "_https._tcp.%s SRV 10 5 443 host%d.s%d\n", name, i-14, sec)
			records++
		case 15, 16:
			fmt.Fprintf(&b, "%s CNAME host%d.s%d\n", name, i-15, sec)
			records++
		case 17:
			fmt.Fprintf(&b, "%s CAA 0 issue \"letsencrypt.org\"\n", name)
			records++
		default:
			fmt.Fprintf(&b, "d%d.s%d NS ns.d%d.s%d\nd%d.s%d NS ns.example.net.\nns.d%d.s%d A %s\n", i, sec, i, sec, i, sec, i, sec, ip)
			records += 3
		}
	}
	return head, b.String()
}

// fakeServer takes TSIG-signed UPDATE messages over TCP and answers each
// with NOERROR (or refuses it when refuse says so), keeping each message and
// its length on the wire.
type fakeServer struct {
	addr    string
	keyName string
	secret  string

	mu       sync.Mutex
	wire     []int      // octets of each message read, TSIG included
	messages []*dns.Msg // the UPDATE messages answered NOERROR
	bad      []string   // what was wrong with messages that were not
}

func startFake(t *testing.T) *fakeServer {
	t.Helper()
	f := &fakeServer{keyName: "zonecast-test.", secret: "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = l.Addr().String()
	srv := &dns.Server{
		Listener:   l,
		Net:        "tcp",
		TsigSecret: map[string]string{f.keyName: f.secret},
		// The default refuses UPDATE: its sections may hold many RRs.
		MsgAcceptFunc:  func(dns.Header) dns.MsgAcceptAction { return dns.MsgAccept },
		DecorateReader: func(r dns.Reader) dns.Reader { return &sizeReader{Reader: r, f: f} },
		Handler:        f,
	}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return f
}

type sizeReader struct {
	dns.Reader
	f *fakeServer
}

func (r *sizeReader) ReadTCP(conn net.Conn, timeout time.Duration) ([]byte, error) {
	b, err := r.Reader.ReadTCP(conn, timeout)
	if err == nil {
		r.f.mu.Lock()
		r.f.wire = append(r.f.wire, len(b))
		r.f.mu.Unlock()
	}
	return b, err
}

func (f *fakeServer) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	r := new(dns.Msg)
	r.SetReply(req)
	f.mu.Lock()
	switch {
	case req.Opcode != dns.OpcodeUpdate:
		f.bad = append(f.bad, "opcode "+dns.OpcodeToString[req.Opcode])
		r.Rcode = dns.RcodeRefused
	case req.IsTsig() == nil || w.TsigStatus() != nil:
		f.bad = append(f.bad, fmt.Sprintf("TSIG: %v", w.TsigStatus()))
		r.Rcode = dns.RcodeNotAuth
	default:
		f.messages = append(f.messages, req)
	}
	f.mu.Unlock()
	if t := req.IsTsig(); t != nil {
		r.SetTsig(t.Hdr.Name, t.Algorithm, 300, time.Now().Unix())
	}
	w.WriteMsg(r)
}

func (f *fakeServer) provider(t *testing.T) *rfc2136.Provider {
	t.Helper()
	p, err := rfc2136.New("fake", rfc2136.Config{
		Server: f.addr,
		TSIG:   rfc2136.TSIG{Name: f.keyName, Algorithm: "hmac-sha512", Secret: providers.NewSecret(f.secret)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// creates is the changes that make a new zone of text, in apply's order.
func creates(t *testing.T, origin, text string) []providers.Change {
	t.Helper()
	z, diags, err := zones.Parse(strings.NewReader(text), "gen.zone", zones.Options{Origin: origin})
	if err != nil || diags.HasErrors() {
		t.Fatalf("bad generated zone: %v %v", err, diags.Err())
	}
	var cs []providers.Change
	for _, s := range z.RRsets() {
		if s.Type == dns.TypeSOA || s.Type == dns.TypeNS && s.Name == z.Origin {
			continue // the server's and the head's
		}
		cs = append(cs, providers.Change{Set: *s})
	}
	return orderCreates(cs)
}

// orderCreates puts creations in the order apply.Order gives them
// (addresses, then the rest, then CNAME and DNAME), without a plan.
func orderCreates(cs []providers.Change) []providers.Change {
	var addr, rest, alias []providers.Change
	for _, c := range cs {
		switch c.Set.Type {
		case dns.TypeA, dns.TypeAAAA:
			addr = append(addr, c)
		case dns.TypeCNAME, dns.TypeDNAME:
			alias = append(alias, c)
		default:
			rest = append(rest, c)
		}
	}
	return append(append(addr, rest...), alias...)
}

// TestMessagesFilled: a new zone of 10k RRsets goes out in UPDATE
// messages filled with compressed RRs: no more than 1.2 times the fewest
// messages of 48 KiB the added records alone fit in (what nsupdate is
// given in the benchmark), every message within the TCP limit, no RRset
// split, and progress told after each message.
func TestMessagesFilled(t *testing.T) {
	const origin = "bench.example."
	f := startFake(t)
	p := f.provider(t)
	_, full := genZone(origin, 12300)
	changes := creates(t, origin, full)
	if len(changes) < 10000 {
		t.Fatalf("the generated zone has %d RRsets, want at least 10,000", len(changes))
	}
	min := len(batches(t, origin, addRRs(t, changes), nsupdateLimit, 0))

	var reports []int
	ctx := providers.WithTrace(t.Context(), &providers.Trace{Applied: func(done int) { reports = append(reports, done) }})
	n, err := p.Apply(ctx, origin, changes)
	if err != nil || n != len(changes) {
		t.Fatalf("apply: %d of %d applied, err %v", n, len(changes), err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.bad) > 0 {
		t.Fatalf("the server refused messages: %v", f.bad)
	}
	got := len(f.messages)
	if limit := int(1.2 * float64(min)); got > limit || got == 0 {
		t.Errorf("%d changes went out in %d UPDATE messages; the added records alone fit in %d of 48 KiB, want at most %d", len(changes), got, min, limit)
	}
	t.Logf("%d changes (%d records): %d messages; nsupdate's 48 KiB minimum %d", len(changes), len(addRRs(t, changes)), got, min)
	for i, w := range f.wire {
		if w > dns.MaxMsgSize {
			t.Errorf("message %d is %d octets on the wire, over %d", i, w, dns.MaxMsgSize)
		}
		if i < len(f.wire)-1 && w < 60<<10 {
			t.Errorf("message %d of %d is %d octets: only the last may be far from full", i, len(f.wire), w)
		}
	}
	// Every RRset's records are in one message, and every change arrived.
	where := map[zones.Key]int{}
	seen := 0
	for i, m := range f.messages {
		for _, rr := range m.Ns {
			k := zones.Key{Name: zones.CanonicalName(rr.Header().Name), Type: rr.Header().Rrtype}
			if j, ok := where[k]; ok && j != i {
				t.Fatalf("%s %s is split over messages %d and %d", k.Name, dns.TypeToString[k.Type], j, i)
			} else if !ok {
				where[k] = i
				seen++
			}
		}
	}
	if seen != len(changes) {
		t.Errorf("the server saw %d RRsets, want %d", seen, len(changes))
	}
	if len(reports) != got || reports[len(reports)-1] != len(changes) {
		t.Errorf("progress reports %v: want one per message (%d), the last %d", reports, got, len(changes))
	}
	for i := 1; i < len(reports); i++ {
		if reports[i] <= reports[i-1] {
			t.Errorf("progress went from %d to %d", reports[i-1], reports[i])
		}
	}
}

// TestCancelBetweenMessages: a context cancelled while the first message
// is out stops the apply before the second, with the first message's
// changes reported applied.
func TestCancelBetweenMessages(t *testing.T) {
	const origin = "bench.example."
	f := startFake(t)
	p := f.provider(t)
	_, full := genZone(origin, 10000)
	changes := creates(t, origin, full)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	first := -1
	ctx = providers.WithTrace(ctx, &providers.Trace{Applied: func(done int) {
		if first < 0 {
			first = done
		}
		cancel()
	}})
	n, err := p.Apply(ctx, origin, changes)
	if !errors.Is(err, context.Canceled) || n != first || n <= 0 {
		t.Errorf("apply cancelled after the first message: %d applied, err %v; want %d, context.Canceled", n, err, first)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.messages) != 1 || len(f.bad) > 0 {
		t.Errorf("the server got %d messages (%d refused), want one", len(f.messages), len(f.bad))
	}
}

// TestOversizeChange: one RRset bigger than a message is an error naming
// it, and nothing before it is held back.
func TestOversizeChange(t *testing.T) {
	const origin = "example.com."
	f := startFake(t)
	p := f.provider(t)
	big := zones.RRset{Name: "big." + origin, Type: dns.TypeTXT, TTL: 300}
	for i := range 300 {
		big.Data = append(big.Data, fmt.Sprintf("\"%03d%s\"", i, strings.Repeat("x", 250)))
	}
	small := providers.Change{Set: zones.RRset{Name: "www." + origin, Type: dns.TypeA, TTL: 300, Data: []string{"192.0.2.1"}}}
	n, err := p.Apply(t.Context(), origin, []providers.Change{small, {Set: big}})
	if err == nil || !strings.Contains(err.Error(), "big.example.com. TXT is too large") || n != 1 {
		t.Errorf("an RRset over 64 KiB: %d applied, err %v; want 1 and an error naming it", n, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.messages) != 1 || len(f.messages[0].Ns) != 2 {
		t.Errorf("the server got %d messages, want the one before the big set", len(f.messages))
	}
}
