package cli

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/dnstest"
)

// The outage drill: a small Internet on loopback (127.0.2.x, apart from the
// addresses internal/dnstest's own tests use, since packages test in
// parallel): a root, the TLD test., three
// independent providers: BIND, Knot and PowerDNS, each driven by zonecast's
// rfc2136 driver, and Unbound resolving from the local root.
//
//   - The seed's layout: example.test is delegated to ns1.b.test and
//     ns2.b.test, and b.test has one provider (Knot). audit flags it; with
//     Knot down, www.example.test stops resolving: the incident.
//   - zonecast's layout: safe.test is replicated to all three, nameservers
//     under three independent domains with glue. audit is clean; with any one
//     provider down www.safe.test still resolves; failover drop takes it out of
//     the apex NS set and the parent delegation; restore refuses while it is
//     down and brings it back once it serves the current zone.
const (
	rootAddr  = "127.0.2.10"
	tldAddr   = "127.0.2.11"
	aAddr     = "127.0.2.21" // BIND
	bAddr     = "127.0.2.22" // Knot
	cAddr     = "127.0.2.23" // PowerDNS
	unboundAt = "127.0.2.30"
)

const rootZone = `$TTL 3600
. SOA a.root.test. hostmaster.test. 1 7200 900 1209600 300
. NS a.root.test.
a.root.test. A ` + rootAddr + `
test. NS ns.nic.test.
ns.nic.test. A ` + tldAddr + `
`

const tldZone = `$TTL 300
test. SOA ns.nic.test. hostmaster.test. 1 7200 900 1209600 300
test. NS ns.nic.test.
ns.nic.test. A ` + tldAddr + `
; the seed's layout: no sibling glue, b.test has one provider
example.test. NS ns1.b.test.
example.test. NS ns2.b.test.
b.test. NS ns.b.test.
ns.b.test. A ` + bAddr + `
; zonecast's layout: three providers under three domains
safe.test. NS ns.a-dns.test.
safe.test. NS ns.b-dns.test.
safe.test. NS ns.c-dns.test.
a-dns.test. NS ns.a-dns.test.
ns.a-dns.test. A ` + aAddr + `
b-dns.test. NS ns.b-dns.test.
ns.b-dns.test. A ` + bAddr + `
c-dns.test. NS ns.c-dns.test.
ns.c-dns.test. A ` + cAddr + `
`

// nsDomain is the zone of one provider's own nameserver name, and of the
// name of its update server.
func nsDomain(letter, addr string) string {
	return fmt.Sprintf(`$TTL 300
@ SOA ns hostmaster 1 7200 900 1209600 300
@ NS ns
ns A %s
update A %s
`, addr, addr)
}

// safeSeed is what every provider serves of safe.test before zonecast.
const safeSeed = `$TTL 300
@ SOA ns.a-dns.test. hostmaster 1 7200 900 1209600 300
@ NS ns.a-dns.test.
@ NS ns.b-dns.test.
@ NS ns.c-dns.test.
`

const safeZone = safeSeed + "www A 192.0.2.90\n"

func TestOutageDrill(t *testing.T) {
	if testing.Short() && !dnstest.InCI() {
		t.Skip("-short: the outage drill starts six servers and takes about 15 s")
	}
	root := dnstest.StartBINDWith(t, dnstest.Options{Addr: rootAddr}, map[string]string{".": rootZone})
	tld := dnstest.StartKnotWith(t, dnstest.Options{Addr: tldAddr}, map[string]string{"test.": tldZone})
	a := dnstest.StartBINDWith(t, dnstest.Options{Addr: aAddr}, map[string]string{
		"a-dns.test.": nsDomain("a", aAddr), "safe.test.": safeSeed})
	b := dnstest.StartKnotWith(t, dnstest.Options{Addr: bAddr}, map[string]string{
		"b-dns.test.": nsDomain("b", bAddr), "safe.test.": safeSeed,
		"b.test.":       "$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A " + bAddr + "\nns1 A " + bAddr + "\nns2 A " + bAddr + "\n",
		"example.test.": "$TTL 300\n@ SOA ns1.b.test. hostmaster 1 7200 900 1209600 300\n@ NS ns1.b.test.\n@ NS ns2.b.test.\nwww A 192.0.2.80\n",
	})
	c := dnstest.StartPowerDNS(t, dnstest.Options{Addr: cAddr}, map[string]string{
		"c-dns.test.": nsDomain("c", cAddr), "safe.test.": safeSeed})
	_ = root
	res := dnstest.StartUnbound(t, unboundAt+":53", map[string]string{"a.root.test.": rootAddr})

	dir := t.TempDir()
	for name, s := range map[string]*dnstest.Server{"A": a, "B": b, "C": c, "TLD": tld} {
		t.Setenv(name+"_TSIG", s.Secret)
	}
	cfg := fmt.Sprintf(`providers:
  a: {type: rfc2136, server: %s, tsig: {name: %s, algorithm: %s, secret: env:A_TSIG}, nameservers: ["ns.a-dns.test.@%s:53"]}
  b: {type: rfc2136, server: %s, tsig: {name: %s, algorithm: %s, secret: env:B_TSIG}, nameservers: ["ns.b-dns.test.@%s:53"], timeout: 1s, max_attempts: 2}
  c: {type: rfc2136, server: %s, tsig: {name: %s, algorithm: %s, secret: env:C_TSIG}, nameservers: ["ns.c-dns.test.@%s:53"]}
  tld: {type: rfc2136, server: %s, tsig: {name: %s, algorithm: %s, secret: env:TLD_TSIG}}
zones:
  - origin: safe.test.
    file: safe.test.zone
    providers: [a, b, c]
    parent: {provider: tld, zone: test.}
`, a.Addr, a.KeyName, a.KeyAlg, aAddr, b.Addr, b.KeyName, b.KeyAlg, bAddr, c.Addr, c.KeyName, c.KeyAlg, cAddr, tld.Addr, tld.KeyName, tld.KeyAlg)
	config := filepath.Join(dir, "zonecast.yaml")
	hints := filepath.Join(dir, "root.hints")
	write(t, config, cfg)
	write(t, filepath.Join(dir, "safe.test.zone"), safeZone)
	write(t, hints, ". 3600000 NS a.root.test.\na.root.test. 3600000 A "+rootAddr+"\n")

	zc := func(want int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		args = append(args, "--config", config)
		code := Main(context.Background(), args, &out, &errb)
		if code != want {
			t.Fatalf("zonecast %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out.String(), errb.String())
		}
		return out.String() + errb.String()
	}
	resolves := func(name, want string) bool {
		t.Helper()
		rcode, answers := res.Lookup(t, name, dns.TypeA)
		for _, rr := range answers {
			if a, ok := rr.(*dns.A); ok && a.A.String() == want {
				return true
			}
		}
		t.Logf("%s: rcode %d, answers %v", name, rcode, answers)
		return false
	}

	// The seed's layout.
	t.Run("seed layout", func(t *testing.T) {
		out := zc(2, "audit", "example.test.", "--root-hints", hints)
		if !strings.Contains(out, "single-point-of-failure") {
			t.Fatalf("audit did not flag the single point of failure:\n%s", out)
		}
		t.Logf("audit of the seed's layout:\n%s", out)
		if !resolves("www.example.test.", "192.0.2.80") {
			t.Fatal("www.example.test does not resolve with every server up")
		}
		b.Stop()
		res.Flush()
		if resolves("www.example.test.", "192.0.2.80") {
			t.Fatal("www.example.test still resolves with b.test's only provider down: the incident is not reproduced")
		}
		b.Start()
		res.Flush()
	})

	// zonecast's layout.
	zc(0, "apply", "--yes", "--verify")
	out := zc(0, "audit", "safe.test.", "--root-hints", hints)
	if !strings.Contains(out, "no single point of failure found") {
		t.Fatalf("audit of zonecast's layout:\n%s", out)
	}
	if !resolves("www.safe.test.", "192.0.2.90") {
		t.Fatal("www.safe.test does not resolve")
	}
	for name, s := range map[string]*dnstest.Server{"a": a, "b": b, "c": c} {
		s.Stop()
		res.Flush()
		if !resolves("www.safe.test.", "192.0.2.90") {
			t.Fatalf("with %s down, www.safe.test does not resolve", name)
		}
		s.Start()
	}

	// b dies; failover drop takes it out everywhere without asking it.
	b.Stop()
	start := time.Now()
	out = zc(0, "failover", "drop", "b", "--reason", "drill")
	served := time.Now()
	for !nsIs(t, aAddr, "safe.test.", 2) || !nsIs(t, cAddr, "safe.test.", 2) || !delegationIs(t, tldAddr, "safe.test.", 2) {
		if time.Since(served) > 30*time.Second {
			t.Fatalf("the NS change is not served 30s after the drop:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("failover drop: %.2fs from the command to the NS change served at both providers and the parent\n%s", time.Since(start).Seconds(), out)
	res.Flush()
	if !resolves("www.safe.test.", "192.0.2.90") {
		t.Fatal("www.safe.test does not resolve after the drop")
	}

	// The zone moves on while b is out; b comes back stale.
	write(t, filepath.Join(dir, "safe.test.zone"), safeSeed+"www A 192.0.2.91\n")
	zc(0, "apply", "--yes")
	zc(1, "failover", "restore", "b") // b is still down: refused
	b.Start()
	if got := answerA(t, bAddr, "www.safe.test."); got != "192.0.2.90" {
		t.Fatalf("b came back with www %q, want the stale 192.0.2.90", got)
	}
	out = zc(0, "failover", "restore", "b")
	t.Logf("failover restore:\n%s", out)
	if got := answerA(t, bAddr, "www.safe.test."); got != "192.0.2.91" {
		t.Fatalf("after restore b serves www %q, want 192.0.2.91", got)
	}
	if !nsIs(t, aAddr, "safe.test.", 3) || !nsIs(t, bAddr, "safe.test.", 3) || !delegationIs(t, tldAddr, "safe.test.", 3) {
		t.Fatal("after restore the NS sets do not list all three providers")
	}
	zc(0, "verify")
	res.Flush()
	if !resolves("www.safe.test.", "192.0.2.91") {
		t.Fatal("www.safe.test does not resolve to the new address after restore")
	}

	// The same outage with no working resolver (issue 18): nameservers
	// given by name only, resolved through the lab's Unbound, and c's update
	// server too; b-dns.test., where b's nameserver lives, is managed too,
	// by b alone.
	t.Run("no resolver", func(t *testing.T) {
		noResolver(t, dir, hints, a, b, c, tld, res)
	})
}

// noResolver runs the outage drill's drop and restore of b with the
// nameservers given by name and no resolver that answers: zonecast works
// from the addresses it saw last.
func noResolver(t *testing.T, dir, hints string, a, b, c, tld *dnstest.Server, res *dnstest.Resolver) {
	config := filepath.Join(dir, "zonecast-names.yaml")
	write(t, filepath.Join(dir, "b-dns.test.zone"), nsDomain("b", bAddr))
	_, cPort, err := net.SplitHostPort(c.Addr)
	if err != nil {
		t.Fatal(err)
	}
	cServer := net.JoinHostPort("update.c-dns.test", cPort)
	writeConfig := func(resolver string) {
		write(t, config, fmt.Sprintf(`resolvers: [%q]
providers:
  a: {type: rfc2136, server: %s, tsig: {name: %s, algorithm: %s, secret: env:A_TSIG}, nameservers: [ns.a-dns.test.]}
  b: {type: rfc2136, server: %s, tsig: {name: %s, algorithm: %s, secret: env:B_TSIG}, nameservers: [ns.b-dns.test.], timeout: 1s, max_attempts: 2}
  c: {type: rfc2136, server: %s, tsig: {name: %s, algorithm: %s, secret: env:C_TSIG}, nameservers: [ns.c-dns.test.]}
  tld: {type: rfc2136, server: %s, tsig: {name: %s, algorithm: %s, secret: env:TLD_TSIG}}
zones:
  - origin: safe.test.
    file: safe.test.zone
    providers: [a, b, c]
    parent: {provider: tld, zone: test.}
  - origin: b-dns.test.
    file: b-dns.test.zone
    providers: [b]
`, resolver, a.Addr, a.KeyName, a.KeyAlg, b.Addr, b.KeyName, b.KeyAlg, cServer, c.KeyName, c.KeyAlg, tld.Addr, tld.KeyName, tld.KeyAlg))
	}
	zc := func(want int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		args = append(args, "--config", config)
		if code := Main(context.Background(), args, &out, &errb); code != want {
			t.Fatalf("zonecast %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out.String(), errb.String())
		}
		return out.String() + errb.String()
	}
	addresses := filepath.Join(dir, ".zonecast", "addresses.json")
	os.Remove(addresses)

	// The configuration check: b's nameserver hangs on a zone b alone
	// serves.
	writeConfig(unboundAt + ":53")
	out := zc(0, "plan", "--zone", "safe.test.")
	if !strings.Contains(out, "providers.b.nameservers: nameserver ns.b-dns.test is given by name inside b-dns.test., which zonecast manages (served by b itself alone)") ||
		!strings.Contains(out, "[self-dependency]") {
		t.Fatalf("plan does not warn that b's nameserver depends on b:\n%s", out)
	}
	// So does validate, with no network and no secret: the TSIG keys'
	// variables unset, every zone's file checked too; --strict fails on it.
	for _, v := range []string{"A_TSIG", "B_TSIG", "C_TSIG", "TLD_TSIG"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	out = zc(0, "validate")
	if !strings.Contains(out, "nameserver ns.b-dns.test is given by name inside b-dns.test.") || !strings.Contains(out, "[self-dependency]") ||
		!strings.Contains(out, "zone safe.test.") || !strings.Contains(out, "zone b-dns.test.") {
		t.Fatalf("validate does not warn that b's nameserver depends on b, or checks not every zone:\n%s", out)
	}
	zc(1, "validate", "--strict")
	for v, s := range map[string]*dnstest.Server{"A_TSIG": a, "B_TSIG": b, "C_TSIG": c, "TLD_TSIG": tld} {
		t.Setenv(v, s.Secret)
	}
	// audit lists zonecast's own dependencies for the zone.
	out = zc(0, "audit", "safe.test.", "--root-hints", hints)
	for _, want := range []string{
		"zonecast's own dependencies",
		"b nameserver ns.b-dns.test: unresolvable if zone b-dns.test. or provider b goes dark; then verify and failover use its last-known address",
		"a nameserver ns.a-dns.test: outside the zones zonecast manages",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("audit does not say %q:\n%s", want, out)
		}
	}
	// With the resolver up, verify learns every nameserver's address.
	zc(0, "verify", "--zone", "safe.test.")
	known, err := os.ReadFile(addresses)
	if err != nil {
		t.Fatalf("verify kept no last-known addresses: %v", err)
	}
	for _, want := range []string{`"ns.a-dns.test"`, `"ns.b-dns.test"`, `"ns.c-dns.test"`, bAddr} {
		if !bytes.Contains(known, []byte(want)) {
			t.Fatalf("the last-known addresses lack %s:\n%s", want, known)
		}
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()

	// Without last-known addresses, here or in the zone, the check
	// cannot run: refused, and it says why.
	writeConfig(dead)
	saved := addresses + ".away"
	if err := os.Rename(addresses, saved); err != nil {
		t.Fatal(err)
	}
	out = zc(4, "failover", "drop", "b", "--zone", "safe.test.", "--reason", "drill, no resolver")
	if !strings.Contains(out, "no last-known address") {
		t.Fatalf("drop with nothing to resolve by does not say why:\n%s", out)
	}
	if err := os.Rename(saved, addresses); err != nil {
		t.Fatal(err)
	}

	// apply shares them through the zone: every provider serves the
	// addresses record, and a second plan has nothing to change.
	writeConfig(unboundAt + ":53")
	zc(0, "apply", "--zone", "safe.test.", "--yes")
	for _, at := range []string{aAddr, bAddr, cAddr} {
		m, err := dnstest.Exchange(t, at+":53", "_zonecast-addresses.safe.test.", dns.TypeTXT)
		if err != nil {
			t.Fatal(err)
		}
		shared := fmt.Sprint(m.Answer)
		for _, want := range []string{"zonecast-addresses=1 ns.b-dns.test ", " " + bAddr, "ns.a-dns.test", "ns.c-dns.test", "update.c-dns.test ", " " + cAddr} {
			if !strings.Contains(shared, want) {
				t.Fatalf("%s does not serve the last-known addresses (%q):\n%s", at, want, shared)
			}
		}
	}
	if out := zc(0, "plan", "--zone", "safe.test.", "--exit-code"); !strings.Contains(out, "No changes") {
		t.Fatalf("a plan after the apply that shared the addresses is not empty:\n%s", out)
	}

	// b dies and the resolver with it: nothing resolves any more.
	b.Stop()
	writeConfig(dead)
	res.Flush()

	// A second checkout (a colleague, a fresh CI runner) that never
	// resolved anything: its drop learns the addresses from the zone at
	// a and c, runs its check on the wire and drops b, no --force.
	other := t.TempDir()
	for _, f := range []string{"zonecast-names.yaml", "safe.test.zone", "b-dns.test.zone"} {
		raw, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(other, f), string(raw))
	}
	var stdout, stderr bytes.Buffer
	args := []string{"failover", "drop", "b", "--zone", "safe.test.", "--reason", "drill, no resolver", "--config", filepath.Join(other, "zonecast-names.yaml")}
	if code := Main(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("drop from a second checkout with no resolver: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	out = stdout.String() + stderr.String()
	for _, want := range []string{"ns.a-dns.test does not resolve", "using its last-known address " + aAddr, "ns.c-dns.test does not resolve",
		"provider server update.c-dns.test does not resolve", "using its last-known address " + cAddr} {
		if !strings.Contains(out, want) {
			t.Fatalf("drop does not say %q:\n%s", want, out)
		}
	}
	if learnt, err := os.ReadFile(filepath.Join(other, ".zonecast", "addresses.json")); err != nil || !bytes.Contains(learnt, []byte(bAddr)) {
		t.Fatalf("the second checkout did not keep the addresses it learnt from the zone (%v):\n%s", err, learnt)
	}
	if !nsIs(t, aAddr, "safe.test.", 2) || !nsIs(t, cAddr, "safe.test.", 2) || !delegationIs(t, tldAddr, "safe.test.", 2) {
		t.Fatalf("after the drop the NS sets and the delegation do not list two providers:\n%s", out)
	}
	t.Logf("failover drop with no resolver, from a second checkout:\n%s", out)

	// b comes back; restore, on the first checkout, takes the drop from
	// the zone's shared state and checks b at its last-known address.
	b.Start()
	out = zc(0, "failover", "restore", "b", "--zone", "safe.test.")
	if !strings.Contains(out, "ns.b-dns.test does not resolve") || !strings.Contains(out, "using its last-known address "+bAddr) {
		t.Fatalf("restore does not say it checked b at its last-known address:\n%s", out)
	}
	if !nsIs(t, aAddr, "safe.test.", 3) || !nsIs(t, bAddr, "safe.test.", 3) || !delegationIs(t, tldAddr, "safe.test.", 3) {
		t.Fatalf("after restore the NS sets do not list all three providers:\n%s", out)
	}
	t.Logf("failover restore with no resolver:\n%s", out)
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// nsIs reports whether the server at addr answers n NS records for zone.
func nsIs(t *testing.T, addr, zone string, n int) bool {
	m, err := dnstest.Exchange(t, addr+":53", zone, dns.TypeNS)
	if err != nil {
		return false
	}
	count := 0
	for _, rr := range m.Answer {
		if _, ok := rr.(*dns.NS); ok {
			count++
		}
	}
	return count == n
}

// delegationIs reports whether the parent at addr refers zone to n
// nameservers.
func delegationIs(t *testing.T, addr, zone string, n int) bool {
	m, err := dnstest.Exchange(t, addr+":53", zone, dns.TypeNS)
	if err != nil {
		return false
	}
	var ns []string
	for _, rr := range append(m.Ns, m.Answer...) {
		if r, ok := rr.(*dns.NS); ok && strings.EqualFold(r.Hdr.Name, zone) {
			ns = append(ns, r.Ns)
		}
	}
	slices.Sort(ns)
	return len(slices.Compact(ns)) == n
}

func answerA(t *testing.T, addr, name string) string {
	m, err := dnstest.Exchange(t, addr+":53", name, dns.TypeA)
	if err != nil {
		return err.Error()
	}
	for _, rr := range m.Answer {
		if a, ok := rr.(*dns.A); ok {
			return a.A.String()
		}
	}
	return "nothing"
}
