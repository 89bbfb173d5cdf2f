package dnstest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Lookup's retries, as `dig +time=2 +tries=3`. Unbound 1.17 as Debian
// ships it (the DNSBomb fix, CVE-2024-33655) sends no reply at all to a
// query that took longer than discard-timeout (1.9 s) to resolve; it
// caches the result, so the next try gets it at once. A client that asks
// once with a long timeout gets nothing.
const (
	lookupTimeout = 2 * time.Second
	lookupTries   = 3
)

// RcodeNoReply is the rcode Lookup returns when no try got a reply.
const RcodeNoReply = -1

// Resolver is Unbound, started by a test as a recursive resolver whose
// only root servers are the test's own (see StartUnbound).
type Resolver struct {
	Addr string // "127.0.0.30:53"

	d       *Server // the daemon: process, log, cleanup
	conf    string  // unbound.conf
	control string  // path of unbound-control
	anchors []dns.RR
}

// ResolverOptions says how StartUnboundWith runs Unbound.
type ResolverOptions struct {
	// TrustAnchors, when not empty, turns DNSSEC validation on with these
	// DS or DNSKEY records as the trust anchors (the lab's root DS, from
	// SignZone). Answers that validate get the AD bit; bogus ones
	// SERVFAIL. Empty: no validator, as StartUnbound.
	TrustAnchors []dns.RR
}

// StartUnbound starts unbound on addr ("127.0.0.30:53"; a missing port is
// 53) as a resolver that iterates from the root servers in rootHints
// (name -> IPv4 address, "a.root.test." -> "127.0.0.10") and nothing else:
// no DNSSEC validation, no built-in local zone for test. (RFC 6761, which
// would answer NXDOMAIN for every name under it), and queries to loopback
// servers allowed. Its queries leave from addr's IP, so they are easy to
// tell apart in logs. Everything it writes is in a temporary directory of
// t; it is stopped when t ends, and the end of its log is logged if t
// failed.
//
// StartUnbound returns once unbound resolves the root's SOA through the
// hints. It fails the test if it does not within 10 s, and skips it when
// unbound is not installed and CI is not true (see Tool).
func StartUnbound(t testing.TB, addr string, rootHints map[string]string) *Resolver {
	t.Helper()
	return StartUnboundWith(t, addr, rootHints, ResolverOptions{})
}

// StartUnboundWith is StartUnbound with opts. With trust anchors it
// validates (module-config "validator iterator"), and it is ready once it
// resolves the root's SOA with the AD bit, so a test that starts it knows
// the anchor matches the root's keys.
func StartUnboundWith(t testing.TB, addr string, rootHints map[string]string, opts ResolverOptions) *Resolver {
	t.Helper()
	prog := Tool(t, "unbound")
	control := Tool(t, "unbound-control")
	if len(rootHints) == 0 {
		t.Fatalf("start unbound: no root hints given")
	}
	host, hostPort := fixedAddr(t, "unbound", addr)
	if hostPort == "" {
		t.Fatalf("start unbound: no address given")
	}
	requireFree(t, "unbound", hostPort)
	d := newDaemon(t, "unbound", prog)
	d.host, d.Addr, d.fixed = host, hostPort, true
	r := &Resolver{Addr: hostPort, d: d, control: control, conf: filepath.Join(d.dir, "unbound.conf"), anchors: opts.TrustAnchors}
	for _, rr := range r.anchors {
		if rr.Header().Rrtype != dns.TypeDS && rr.Header().Rrtype != dns.TypeDNSKEY {
			t.Fatalf("start unbound: trust anchor %v is not a DS or DNSKEY", rr)
		}
	}

	hints, err := rootHintsFile(rootHints)
	if err != nil {
		t.Fatalf("start unbound: %v", err)
	}
	if err := os.WriteFile(filepath.Join(d.dir, "root.hints"), []byte(hints), 0o644); err != nil {
		t.Fatalf("start unbound: %v", err)
	}
	// A unix socket path is at most 107 bytes; a long test name can make
	// the temporary directory longer than that.
	sock := filepath.Join(d.dir, "unbound.ctl")
	if len(sock) > 100 {
		dir, err := os.MkdirTemp("", "unbound")
		if err != nil {
			t.Fatalf("start unbound: %v", err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		sock = filepath.Join(dir, "ctl")
	}
	// -d: foreground (logs to stderr as use-syslog is off). -d -d would
	// also keep it from forking, which -d alone already does.
	d.args = []string{"-d", "-c", r.conf}
	d.writeConfig = func(port int) error {
		return os.WriteFile(r.conf, []byte(r.config(port, sock)), 0o644)
	}
	d.ready = func(c *dns.Client) error {
		// Not a name under test.: before "nodefault" took effect, that
		// was answered by unbound itself. The root's SOA can only come
		// from the local root.
		m := new(dns.Msg)
		m.SetQuestion(".", dns.TypeSOA)
		m.AuthenticatedData = true // RFC 6840 5.7: ask for the AD bit
		resp, _, err := c.Exchange(m, r.Addr)
		switch {
		case err != nil:
			return err
		case resp.Rcode != dns.RcodeSuccess:
			return fmt.Errorf(". SOA: %s", dns.RcodeToString[resp.Rcode])
		case len(resp.Answer) == 0:
			return errors.New(". SOA: no answer")
		case len(r.anchors) > 0 && !resp.AuthenticatedData:
			return errors.New(". SOA: not validated (no AD bit)")
		}
		return nil
	}
	d.startFresh()
	return r
}

// rootHintsFile is a root hints file naming the servers in hints.
func rootHintsFile(hints map[string]string) (string, error) {
	names := make([]string, 0, len(hints))
	for name := range hints {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("; root hints written by dnstest\n")
	for _, name := range names {
		fqdn := dns.Fqdn(name)
		if _, ok := dns.IsDomainName(fqdn); !ok {
			return "", fmt.Errorf("root hint %q is not a domain name", name)
		}
		ip := net.ParseIP(hints[name])
		if ip == nil || ip.To4() == nil {
			return "", fmt.Errorf("root hint %s: %q is not an IPv4 address", name, hints[name])
		}
		fmt.Fprintf(&b, ".\t3600000\tNS\t%s\n%s\t3600000\tA\t%s\n", fqdn, fqdn, ip)
	}
	return b.String(), nil
}

// config is unbound.conf for port, with its control socket at sock.
func (r *Resolver) config(port int, sock string) string {
	d := r.d
	return fmt.Sprintf(`# Written by dnstest for one test.
server:
	verbosity: 1
	use-syslog: no
	logfile: ""
	log-servfail: yes
	directory: %q
	pidfile: %q
	username: ""
	chroot: ""
	num-threads: 1
	interface: %s@%d
	port: %d
	do-ip4: yes
	do-ip6: no
	do-udp: yes
	do-tcp: yes
	so-reuseport: no
	access-control: 127.0.0.0/8 allow
	# Its queries leave from its own address.
	outgoing-interface: %s
	# The servers are on 127/8, which unbound never asks by default.
	do-not-query-localhost: no
%s	root-hints: %q
	# test. is a built-in local zone (RFC 6761): NXDOMAIN for every name.
	local-zone: "test." nodefault

remote-control:
	control-enable: yes
	# A unix socket: no TLS, so no keys from unbound-control-setup.
	control-interface: %q
`, d.dir, filepath.Join(d.dir, "unbound.pid"), d.host, port, port, d.host,
		r.validatorConfig(), filepath.Join(d.dir, "root.hints"), sock)
}

// validatorConfig is the part of unbound.conf that turns validation on
// with the trust anchors, or off when there are none.
func (r *Resolver) validatorConfig() string {
	if len(r.anchors) == 0 {
		return "\t# No validator: the local root is unsigned.\n\tmodule-config: \"iterator\"\n"
	}
	var b strings.Builder
	b.WriteString("\tmodule-config: \"validator iterator\"\n")
	// Why an answer is bogus, in the log (verbosity 1 shows it at 2).
	b.WriteString("\tval-log-level: 2\n")
	// RFC 8914 extended errors on SERVFAIL say what failed to validate.
	b.WriteString("\tede: yes\n")
	for _, rr := range r.anchors {
		fmt.Fprintf(&b, "\ttrust-anchor: %q\n", strings.ReplaceAll(rr.String(), "\t", " "))
	}
	return b.String()
}

// Flush makes unbound forget everything it learnt: the cache of every
// name (flush_zone .), what it knows of each server's health and round-trip
// time (flush_infra all; a server that timed out is otherwise avoided for
// up to 15 minutes), and the queries it is working on. It fails the test
// if unbound-control does.
func (r *Resolver) Flush() {
	r.d.t.Helper()
	for _, args := range [][]string{
		{"flush_zone", "."},
		{"flush_infra", "all"},
		{"flush_requestlist"},
	} {
		out, err := exec.Command(r.control, append([]string{"-c", r.conf}, args...)...).CombinedOutput()
		if err != nil {
			r.d.t.Fatalf("unbound-control %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
	}
}

// Lookup asks the resolver for name's qtype records (recursion desired),
// as `dig +time=2 +tries=3` would: up to 3 tries, 2 s each, until one gets
// a reply. It returns the reply's rcode and answer section, or
// RcodeNoReply and nil when no try got a reply. Each try that got none is
// logged.
func (r *Resolver) Lookup(t testing.TB, name string, qtype uint16) (rcode int, answers []dns.RR) {
	t.Helper()
	name = dns.Fqdn(name)
	for try := 1; try <= lookupTries; try++ {
		start := time.Now()
		resp, err := exchange(r.Addr, name, qtype, lookupTimeout)
		if err == nil {
			return resp.Rcode, resp.Answer
		}
		t.Logf("lookup %s %s at %s, try %d of %d: %v after %v", name, dns.TypeToString[qtype], r.Addr,
			try, lookupTries, err, time.Since(start).Round(time.Millisecond))
		if wait := 100*time.Millisecond - time.Since(start); wait > 0 {
			time.Sleep(wait) // a refused or failed send returns at once
		}
	}
	return RcodeNoReply, nil
}

// Stop stops unbound. It may be called any number of times.
func (r *Resolver) Stop() { r.d.Stop() }
