package rfc2136_test

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/apply"
	"github.com/zonecast/zonecast/zones"

	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/providers/rfc2136"
)

const origin = "example.com."

func provider(t testing.TB, s *dnstest.Server) *rfc2136.Provider {
	t.Helper()
	p, err := rfc2136.New(s.Kind, rfc2136.Config{
		Server: s.Addr,
		TSIG:   rfc2136.TSIG{Name: s.KeyName, Algorithm: s.KeyAlg, Secret: providers.NewSecret(s.Secret)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConformanceBIND(t *testing.T) {
	s := dnstest.StartBIND(t, map[string]string{origin: providertest.Head})
	providertest.Run(t, provider(t, s), origin)
}

func TestConformanceKnot(t *testing.T) {
	s := dnstest.StartKnot(t, map[string]string{origin: providertest.Head})
	providertest.Run(t, provider(t, s), origin)
}

// TestServerList: the first server is down, the second answers.
func TestServerList(t *testing.T) {
	s := dnstest.StartBIND(t, map[string]string{origin: providertest.Head})
	dead := dnstest.StartKnot(t, map[string]string{origin: providertest.Head})
	dead.Stop()
	p, err := rfc2136.New("two", rfc2136.Config{
		Servers: []string{dead.Addr, s.Addr},
		TSIG:    rfc2136.TSIG{Name: s.KeyName, Algorithm: s.KeyAlg, Secret: providers.NewSecret(s.Secret)},
	})
	if err != nil {
		t.Fatal(err)
	}
	providertest.Converge(t, p, origin, providertest.Head+"www A 192.0.2.9\n")
	found := false
	for _, rr := range s.AXFR(t, origin) {
		found = found || strings.HasPrefix(rr.String(), "www."+origin) && strings.HasSuffix(rr.String(), "192.0.2.9")
	}
	if !found {
		t.Error("the second server does not serve www A 192.0.2.9")
	}
}

// TestLargeChangeIsSplit: a change far over 64 KiB goes out in several
// UPDATE messages, none splitting an RRset, and converges. The count lies
// between what the payload needs at the least (every RR's name a 2-octet
// pointer, messages full to 64 KiB) and what it took before compression
// (every RR uncompressed, messages of 60 KiB).
func TestLargeChangeIsSplit(t *testing.T) {
	s := dnstest.StartKnot(t, map[string]string{origin: providertest.Head})
	p := provider(t, s)
	var b strings.Builder
	b.WriteString(providertest.Head)
	for i := range 2000 {
		fmt.Fprintf(&b, "t%d TXT \"%s\" \"%d\"\n", i, strings.Repeat("x", 100), i)
		fmt.Fprintf(&b, "multi%d A 192.0.2.%d\nmulti%d A 198.51.100.%d\n", i, i%250+1, i, i%250+1)
	}
	before := p.Messages()
	applied := providertest.Converge(t, p, origin, b.String())
	n := int(p.Messages() - before)
	least, most := 0, 0
	for _, c := range apply.Order(applied.Changes) {
		rrs, err := c.Set.RRs()
		if err != nil {
			t.Fatal(err)
		}
		// The class ANY delete that precedes each set: a name and 10
		// octets of type, class, TTL and length.
		least += 2 + 10
		most += len(c.Set.Name) + 1 + 10
		for _, rr := range rrs {
			most += dns.Len(rr)
			rr.Header().Name = "."
			least += dns.Len(rr) + 1 // the 1-octet root name as a 2-octet pointer
		}
	}
	least = (least + dns.MaxMsgSize - 1) / dns.MaxMsgSize
	most = (most+60<<10-1)/(60<<10) + 1
	if n < least || n > most || n < 2 {
		t.Errorf("%d changes (~%d KiB of zone text) went out in %d UPDATE messages; want %d to %d", len(applied.Changes), b.Len()/1024, n, max(least, 2), most)
	}
	t.Logf("%d changes: %d UPDATE messages (bounds %d to %d)", len(applied.Changes), n, least, most)
}

// TestBadKey: a wrong TSIG secret is an error naming the server, never the
// secret.
func TestBadKey(t *testing.T) {
	s := dnstest.StartBIND(t, map[string]string{origin: providertest.Head})
	p, err := rfc2136.New("bad", rfc2136.Config{
		Server: s.Addr,
		TSIG:   rfc2136.TSIG{Name: s.KeyName, Algorithm: "hmac-sha512", Secret: providers.NewSecret("c2VjcmV0c2VjcmV0c2VjcmV0")},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Records(t.Context(), origin)
	if err == nil || !strings.Contains(err.Error(), s.Addr) || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Errorf("a bad key gave %v", err)
	}
}

// dyingProxy forwards TCP connections to addr until it has forwarded n of
// them, then refuses the rest: a server that dies in the middle of an
// apply.
func dyingProxy(t *testing.T, addr string, n int) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for i := 0; ; i++ {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if i >= n {
				c.Close()
				continue
			}
			go func() {
				defer c.Close()
				s, err := net.Dial("tcp", addr)
				if err != nil {
					return
				}
				defer s.Close()
				go io.Copy(s, c)
				io.Copy(c, s)
			}()
		}
	}()
	return l.Addr().String()
}

// TestServerDiesMidApply: the server goes away after the AXFR and two
// UPDATE messages. Apply reports exactly the changes of those two messages
// as applied, the server holds them whole, and a re-run converges.
func TestServerDiesMidApply(t *testing.T) {
	s := dnstest.StartBIND(t, map[string]string{origin: providertest.Head})
	p, err := rfc2136.New("dying", rfc2136.Config{
		Server:      dyingProxy(t, s.Addr, 3), // the AXFR and two UPDATEs
		TSIG:        rfc2136.TSIG{Name: s.KeyName, Algorithm: s.KeyAlg, Secret: providers.NewSecret(s.Secret)},
		MaxAttempts: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(providertest.Head)
	for i := range 3000 {
		fmt.Fprintf(&b, "h%d TXT \"%s\"\n", i, strings.Repeat("x", 60))
	}
	desired, _, _ := zones.Parse(strings.NewReader(b.String()), "z", zones.Options{Origin: origin})
	target := providertest.PlanOf(t.Context(), t, p, desired)
	applied, err := p.Apply(t.Context(), origin, apply.Order(target.Changes))
	if err == nil || applied == 0 || applied >= len(target.Changes) {
		t.Fatalf("apply through a dying server: %d of %d applied, err %v", applied, len(target.Changes), err)
	}
	served, err := zones.FromRRs(origin, s.AXFR(t, origin))
	if err != nil {
		t.Fatal(err)
	}
	txt := 0
	for _, set := range served {
		if set.Type == dns.TypeTXT {
			txt++
		}
	}
	if txt != applied {
		t.Errorf("the server holds %d of the TXT sets, apply reported %d applied", txt, applied)
	}
	providertest.Converge(t, provider(t, s), origin, b.String())
}
