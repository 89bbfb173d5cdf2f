package dnstest

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Options says where and how a server started by StartBINDWith,
// StartKnotWith or StartPowerDNS runs.
type Options struct {
	// Addr is the address the server listens on, "127.0.0.21:53" (a
	// missing port is 53, the port glue implies). It must be an IPv4
	// loopback address (127.0.0.0/8) and nothing may listen on it yet.
	// Empty: 127.0.0.1 and a free port, as StartBIND and StartKnot do.
	Addr string
	// Notify makes the server send NOTIFY (to port 53) after a change, to
	// the addresses its zone file gives for the apex NS names, other than
	// its own. Names whose address is not in the zone file get none.
	// Otherwise no NOTIFY is sent.
	Notify bool
	// ReadyTimeout is how long the server may take to serve every zone
	// (a server loaded with thousands of zones needs longer); zero means
	// 10 seconds.
	ReadyTimeout time.Duration
	// QueryLog makes BIND log every query it answers to its log
	// (querylog yes), for benchmarks that count them (Server.LogSince).
	QueryLog bool
	// Sign makes the server sign every zone it serves (DNSSEC, with
	// ECDSAP256SHA256, a KSK and a ZSK of its own, NSEC), with keys it
	// makes itself at its first start and keeps in the test's directory:
	// BIND with a dnssec-policy on its dynamic zones, Knot with automatic
	// signing (dnskey-management: incremental, so DNSKEY, CDS and CDNSKEY
	// records it does not know are kept), PowerDNS with live signing
	// (pdnsutil add-zone-key). See signer.go and docs/dnssec-signers.md.
	Sign bool
	// API turns on PowerDNS's HTTP API (webserver and api on a free
	// port of the server's address, a fresh key): Server.APIURL and
	// Server.APIKey. Only StartPowerDNS takes it.
	API bool
	// SignAlgorithm is the DNSSEC algorithm number of the keys Sign makes
	// (dns.ECDSAP256SHA256 when zero); RSASHA256, RSASHA512,
	// ECDSAP256SHA256, ECDSAP384SHA384, ED25519 and ED448 are known.
	SignAlgorithm uint8
}

// fixedAddr checks opts.Addr and returns it as "IP:PORT", or "" when
// empty. It fails the test if it is not a loopback IPv4 address.
func fixedAddr(t testing.TB, kind, addr string) (host string, hostPort string) {
	t.Helper()
	if addr == "" {
		return "", ""
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, "53"
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Is4() || !ip.IsLoopback() {
		t.Fatalf("start %s: address %q: want an IPv4 loopback address (127.0.0.0/8)", kind, addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		t.Fatalf("start %s: address %q: bad port", kind, addr)
	}
	return ip.String(), net.JoinHostPort(ip.String(), port)
}

// applyOptions sets the Server's address from opts. Call it before the
// first start.
func (s *Server) applyOptions(opts Options) {
	s.t.Helper()
	s.notify = opts.Notify
	s.readyTimeout = opts.ReadyTimeout
	s.queryLog = opts.QueryLog
	s.sign = opts.Sign
	s.signAlg = opts.SignAlgorithm
	if s.signAlg == 0 {
		s.signAlg = dns.ECDSAP256SHA256
	}
	if _, ok := signAlgorithms[s.signAlg]; !ok {
		s.t.Fatalf("start %s: signing algorithm %d is not one dnstest knows", s.Kind, s.signAlg)
	}
	if s.sign {
		// named and knotd write their keys here; neither makes it.
		if err := os.MkdirAll(filepath.Join(s.dir, "keys"), 0o755); err != nil {
			s.t.Fatalf("start %s: %v", s.Kind, err)
		}
	}
	host, hostPort := fixedAddr(s.t, s.Kind, opts.Addr)
	if hostPort == "" {
		return
	}
	s.host, s.Addr, s.fixed = host, hostPort, true
}

// errNotFree says something already listens on an address a test asked
// for. It is not errAddrInUse, which makes startFresh try another port.
var errNotFree = errors.New("address is taken")

// checkFree reports, by binding it for a moment, whether something already
// listens on addr (UDP or TCP), directly or on the wildcard address.
//
// It matters for BIND: named binds with SO_REUSEPORT, so a second named on
// an address the first holds starts without an error and the kernel
// spreads the queries over both. The plain bind here (no SO_REUSEPORT)
// fails against it.
func checkFree(addr string) error {
	u, err := net.ListenPacket("udp4", addr)
	if err != nil {
		return bindError("UDP", addr, err)
	}
	u.Close()
	l, err := net.Listen("tcp4", addr)
	if err != nil {
		return bindError("TCP", addr, err)
	}
	l.Close()
	return nil
}

func bindError(network, addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%w: something already listens on %s %s (see `ss -lnup; ss -lntp`)", errNotFree, network, addr)
	}
	return fmt.Errorf("cannot bind %s %s: %v", network, addr, err)
}

// requireFree fails the test (or skips it, outside CI, when it may not
// bind a privileged port) unless nothing listens on addr.
func requireFree(t testing.TB, kind, addr string) {
	t.Helper()
	err := checkFree(addr)
	if err == nil {
		return
	}
	if errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) {
		if !InCI() {
			t.Skipf("start %s on %s: %v (needs root)", kind, addr, err)
		}
	}
	t.Fatalf("start %s on %s: %v", kind, addr, err)
}

// Loopback addresses added to lo by this process, with how many tests use
// each. The test that adds one removes it when the last user ends.
var loopback struct {
	sync.Mutex
	users  map[string]int
	added  map[string]bool
	ipProg string // path of ip, set when an address is added
}

// useLoopback makes sure ip is configured on lo, adding it as a /32 if it
// is missing (named only listens on addresses some interface has: on an
// address that is merely routed to lo, it starts and listens on nothing).
// An address it added is removed when the last test using it ends.
// Outside CI, a test that may not add it is skipped.
func useLoopback(t testing.TB, ip string) {
	t.Helper()
	loopback.Lock()
	defer loopback.Unlock()
	if loopback.users == nil {
		loopback.users, loopback.added = map[string]int{}, map[string]bool{}
	}
	if loopback.users[ip] == 0 {
		has, err := loHas(ip)
		if err != nil {
			t.Fatalf("addresses of lo: %v", err)
		}
		if !has {
			loopback.ipProg = Tool(t, "ip")
			if os.Geteuid() != 0 && !InCI() {
				t.Skipf("%s is not on lo and only root may add it (ip addr add %s/32 dev lo)", ip, ip)
			}
			if out, err := exec.Command(loopback.ipProg, "addr", "add", ip+"/32", "dev", "lo").CombinedOutput(); err != nil {
				t.Fatalf("ip addr add %s/32 dev lo: %v: %s", ip, err, strings.TrimSpace(string(out)))
			}
			loopback.added[ip] = true
		}
	}
	loopback.users[ip]++
	t.Cleanup(func() {
		loopback.Lock()
		defer loopback.Unlock()
		loopback.users[ip]--
		if loopback.users[ip] > 0 || !loopback.added[ip] {
			return
		}
		delete(loopback.added, ip)
		if out, err := exec.Command(loopback.ipProg, "addr", "del", ip+"/32", "dev", "lo").CombinedOutput(); err != nil {
			t.Errorf("ip addr del %s/32 dev lo: %v: %s", ip, err, strings.TrimSpace(string(out)))
		}
	})
}

// loHas reports whether ip is one of lo's addresses (not merely inside
// 127.0.0.1/8).
func loHas(ip string) (bool, error) {
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		return false, err
	}
	addrs, err := lo.Addrs()
	if err != nil {
		return false, err
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.String() == ip {
			return true, nil
		}
	}
	return false, nil
}

// notifyTargets returns the addresses ("IP") origin's zone file gives for
// the zone's apex NS names, without the server's own, sorted.
func (s *Server) notifyTargets(origin string) ([]string, error) {
	f, err := os.Open(s.zoneFile(origin))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zp := dns.NewZoneParser(f, origin, s.zoneFile(origin))
	zp.SetIncludeAllowed(true)
	ns := map[string]bool{}
	var addrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		switch rr := rr.(type) {
		case *dns.NS:
			if strings.EqualFold(rr.Hdr.Name, origin) {
				ns[strings.ToLower(rr.Ns)] = true
			}
		case *dns.A, *dns.AAAA:
			addrs = append(addrs, rr)
		}
	}
	if err := zp.Err(); err != nil {
		return nil, fmt.Errorf("zone file of %s: %w", origin, err)
	}
	seen := map[string]bool{s.host: true}
	var out []string
	for _, rr := range addrs {
		if !ns[strings.ToLower(rr.Header().Name)] {
			continue
		}
		var ip string
		switch rr := rr.(type) {
		case *dns.A:
			ip = rr.A.String()
		case *dns.AAAA:
			ip = rr.AAAA.String()
		}
		if !seen[ip] {
			seen[ip] = true
			out = append(out, ip)
		}
	}
	sort.Strings(out)
	return out, nil
}

// ServePort53 serves h on addr, port 53 (UDP), until the test ends: a
// small Internet whose glue implies port 53 needs addresses of its own.
// Binding port 53 needs root: elsewhere the test is skipped, never in CI.
func ServePort53(t testing.TB, addr string, h dns.Handler) {
	t.Helper()
	pc, err := net.ListenPacket("udp4", net.JoinHostPort(addr, "53"))
	if err != nil {
		if InCI() {
			t.Fatalf("listen on %s port 53: %v", addr, err)
		}
		t.Skipf("listen on %s port 53 (needs root): %v", addr, err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: h, NotifyStartedFunc: func() { close(started) }}
	done := make(chan error, 1)
	go func() { done <- srv.ActivateAndServe() }()
	t.Cleanup(func() {
		srv.Shutdown()
		<-done
	})
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("serve on %s: %v", addr, err)
	}
}
