package dnstest

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
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

// Name and algorithm of the TSIG key every Server accepts for updates and
// transfers. The secret is random per Server.
const (
	keyName = "zonecast-test."
	keyAlg  = "hmac-sha256"
)

const (
	readyTimeout = 10 * time.Second // a daemon that is not serving every zone by then has failed
	stopTimeout  = 10 * time.Second // SIGTERM, then SIGKILL after this
	portAttempts = 4                // fresh ports tried when a daemon cannot bind its port
	logTailLines = 60               // BIND alone logs ~35 lines of banner
)

// Server is a real authoritative server started by a test, serving one or
// more zones with TSIG-authorised dynamic update (RFC 2136) and AXFR.
//
// A Server belongs to the test that started it: Stop, Start and AXFR must
// be called from that test's goroutine (Start and AXFR fail the test).
type Server struct {
	Kind    string // "bind", "knot" or "pdns"
	Addr    string // "127.0.0.1:PORT", or Options.Addr (TCP and UDP, same port)
	KeyName string // TSIG key name, "zonecast-test." (FQDN)
	KeyAlg  string // "hmac-sha256"
	Secret  string // TSIG secret, base64
	// APIURL and APIKey are PowerDNS's HTTP API (Options.API):
	// "http://127.0.0.1:PORT" and its X-API-Key.
	APIURL, APIKey string

	t       testing.TB
	dir     string   // the test's temporary directory holding everything
	prog    string   // path of named or knotd
	args    []string // arguments of prog
	logPath string   // the daemon's stdout and stderr, all runs appended
	origins []string // zones served, FQDN, lower case, sorted
	// writeConfig writes the daemon's configuration for port (on host).
	writeConfig func(port int) error

	host   string // address the daemon listens on, "127.0.0.1" unless Options.Addr
	fixed  bool   // Options.Addr was given: never pick another port
	notify bool   // Options.Notify
	// readyTimeout and queryLog are Options.ReadyTimeout and
	// Options.QueryLog.
	readyTimeout time.Duration
	queryLog     bool
	sign         bool   // Options.Sign
	signAlg      uint8  // Options.SignAlgorithm, or ECDSAP256SHA256
	rndcConf     string // a signing named's rndc.conf, for Control
	// ready, if set, replaces the authoritative SOA check of every zone
	// as the test that the daemon is serving.
	ready func(c *dns.Client) error

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	runs int
	// logShown is set once a failure message has carried the log's tail,
	// so the cleanup does not repeat it.
	logShown bool
}

// newServer prepares a Server of kind with a random TSIG secret and the
// zone files of zones (origin -> zone file text) in a new temporary
// directory. It starts nothing.
func newServer(t testing.TB, kind, prog string, zones map[string]string) *Server {
	t.Helper()
	if len(zones) == 0 {
		t.Fatalf("start %s: no zones given", kind)
	}
	s := newDaemon(t, kind, prog)
	for origin, text := range zones {
		origin = strings.ToLower(dns.Fqdn(origin))
		if _, ok := dns.IsDomainName(origin); !ok {
			t.Fatalf("start %s: %q is not a domain name", kind, origin)
		}
		if err := os.WriteFile(s.zoneFile(origin), []byte(text), 0o644); err != nil {
			t.Fatalf("start %s: write zone file of %s: %v", kind, origin, err)
		}
		s.origins = append(s.origins, origin)
	}
	sort.Strings(s.origins)
	return s
}

// newDaemon prepares a Server of kind with a random TSIG secret and a new
// temporary directory, and registers its cleanup. It starts nothing.
func newDaemon(t testing.TB, kind, prog string) *Server {
	t.Helper()
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatalf("start %s: make TSIG secret: %v", kind, err)
	}
	s := &Server{
		Kind:    kind,
		KeyName: keyName,
		KeyAlg:  keyAlg,
		Secret:  base64.StdEncoding.EncodeToString(secret),
		t:       t,
		dir:     t.TempDir(),
		prog:    prog,
		host:    "127.0.0.1",
	}
	s.logPath = filepath.Join(s.dir, kind+".log")
	// Registered after t.TempDir, so it runs before the directory is
	// removed and the log is still there to show.
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() && !s.logShown {
			t.Logf("%s at %s: last lines of %s:\n%s", s.Kind, s.Addr, s.logPath, s.logTail())
		}
	})
	return s
}

// zoneFile is the path of origin's zone file.
func (s *Server) zoneFile(origin string) string {
	name := strings.TrimSuffix(origin, ".")
	if name == "" {
		name = "root"
	}
	name = strings.NewReplacer("/", "_", "\\", "_").Replace(name)
	return filepath.Join(s.dir, name+".zone")
}

// startFresh picks a free port, writes the configuration and starts the
// daemon, trying a new port if the daemon cannot bind the one chosen (the
// port is free when chosen but anyone may take it before the daemon binds).
func (s *Server) startFresh() {
	s.t.Helper()
	var err error
	if s.fixed {
		_, portStr, _ := net.SplitHostPort(s.Addr)
		port, _ := strconv.Atoi(portStr)
		if err = s.writeConfig(port); err != nil {
			s.t.Fatalf("start %s: write configuration: %v", s.Kind, err)
		}
		if err = s.run(); err != nil {
			s.logShown = true
			s.t.Fatalf("start %s at %s: %v\nlast lines of %s:\n%s", s.Kind, s.Addr, err, s.logPath, s.logTail())
		}
		return
	}
	for range portAttempts {
		var port int
		port, err = freePort()
		if err != nil {
			continue
		}
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if err = s.writeConfig(port); err != nil {
			s.t.Fatalf("start %s: write configuration: %v", s.Kind, err)
		}
		if err = s.run(); err == nil {
			return
		}
		if !errors.Is(err, errAddrInUse) {
			break
		}
	}
	s.logShown = true
	s.t.Fatalf("start %s at %s: %v\nlast lines of %s:\n%s", s.Kind, s.Addr, err, s.logPath, s.logTail())
}

// Start starts the daemon again after Stop, on the same address and port,
// with the zone data it had when it stopped (zone files and journals are
// kept). It fails the test if the daemon does not serve every zone within
// 10 s. Start on a running Server does nothing.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	running := s.cmd != nil
	s.mu.Unlock()
	if running {
		return
	}
	if err := s.run(); err != nil {
		s.logShown = true
		s.t.Fatalf("restart %s at %s: %v\nlast lines of %s:\n%s", s.Kind, s.Addr, err, s.logPath, s.logTail())
	}
}

// Stop stops the daemon with SIGTERM and waits for it to exit (SIGKILL
// after 10 s). It may be called any number of times.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd, s.done = nil, nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(stopTimeout):
		_ = cmd.Process.Kill()
		<-done
	}
}

var errAddrInUse = errors.New("address already in use")

// run starts the daemon with the current configuration and waits until it
// answers an authoritative SOA for every zone. On failure the daemon is
// stopped and the error says why; errAddrInUse if its log says it could not
// bind.
func (s *Server) run() error {
	if s.fixed {
		// A second named would share the port silently (SO_REUSEPORT).
		if err := checkFree(s.Addr); err != nil {
			return err
		}
	}
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	defer logf.Close() // the child has its own copy
	logStart, err := logf.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	s.runs++
	fmt.Fprintf(logf, "=== dnstest: run %d of %s %s on %s\n", s.runs, s.prog, strings.Join(s.args, " "), s.Addr)

	cmd := exec.Command(s.prog, s.args...)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run %s: %w", s.prog, err)
	}
	done := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(done)
	}()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()

	if err := s.waitReady(done, &waitErr, logStart); err != nil {
		s.Stop()
		if addrInUse(s.logSince(logStart)) {
			return fmt.Errorf("%w: %v", errAddrInUse, err)
		}
		return err
	}
	return nil
}

// waitReady polls each zone with a UDP SOA query until every one has an
// authoritative answer. Knot loads zones in the background after it has
// bound its sockets, and BIND may answer SERVFAIL for a zone still loading,
// so an open port proves nothing. A Server with a ready hook (a resolver)
// polls that instead.
func (s *Server) waitReady(done <-chan struct{}, waitErr *error, logStart int64) error {
	wait := readyTimeout
	if s.readyTimeout > 0 {
		wait = s.readyTimeout
	}
	deadline := time.Now().Add(wait)
	c := &dns.Client{Net: "udp", Timeout: 250 * time.Millisecond}
	pending := append([]string(nil), s.origins...)
	var last error
	for {
		if s.ready != nil {
			last = s.ready(c)
		} else {
			for len(pending) > 0 {
				if last = s.querySOA(c, pending[0]); last != nil {
					break
				}
				pending = pending[1:]
			}
		}
		if last == nil {
			return nil
		}
		if addrInUse(s.logSince(logStart)) {
			return fmt.Errorf("%s could not bind %s", s.Kind, s.Addr)
		}
		if time.Now().After(deadline) {
			if s.ready != nil {
				return fmt.Errorf("not ready after %v: %v", wait, last)
			}
			return fmt.Errorf("not serving %s after %v: %v", pending[0], wait, last)
		}
		select {
		case <-done:
			return fmt.Errorf("%s exited before it was ready: %v", s.Kind, *waitErr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *Server) querySOA(c *dns.Client, origin string) error {
	m := new(dns.Msg)
	m.SetQuestion(origin, dns.TypeSOA)
	m.RecursionDesired = false
	r, _, err := c.Exchange(m, s.Addr)
	switch {
	case err != nil:
		return err
	case r.Rcode != dns.RcodeSuccess:
		return fmt.Errorf("SOA query for %s: %s", origin, dns.RcodeToString[r.Rcode])
	case !r.Authoritative || len(r.Answer) == 0:
		return fmt.Errorf("SOA query for %s: no authoritative answer", origin)
	}
	if s.sign {
		// A signing server answers before it has signed (BIND adds its
		// keys and signatures after loading).
		return s.signedReady(origin)
	}
	return nil
}

// addrInUse reports whether a daemon's log says it could not bind its port.
// Knot logs "cannot bind address 127.0.0.1@P UDP (address already in use)"
// and exits. BIND 9.18 logs "creating IPv4 interface lo failed; interface
// ignored" and "unable to listen on any configured interfaces", without
// the reason, and exits 1. (A second named on a port another named holds
// would not fail at all: BIND binds with SO_REUSEPORT. freePort binds the
// port itself first, so no daemon of ours holds it when it is chosen.)
func addrInUse(log string) bool {
	log = strings.ToLower(log)
	return strings.Contains(log, "address already in use") ||
		strings.Contains(log, "address in use") ||
		strings.Contains(log, "unable to listen on any configured interfaces")
}

// AXFR transfers origin from the server over TCP, signed with the Server's
// TSIG key, and returns its records in the order received (SOA first and
// last). It fails the test on any error, including a bad TSIG signature on
// the answer.
func (s *Server) AXFR(t testing.TB, origin string) []dns.RR {
	t.Helper()
	origin = strings.ToLower(dns.Fqdn(origin))
	m := new(dns.Msg)
	m.SetAxfr(origin)
	m.SetTsig(s.KeyName, dns.HmacSHA256, 300, time.Now().Unix())
	tr := &dns.Transfer{
		DialTimeout: 2 * time.Second,
		ReadTimeout: 5 * time.Second,
		TsigSecret:  s.tsigSecrets(),
	}
	env, err := tr.In(m, s.Addr)
	if err != nil {
		t.Fatalf("AXFR %s from %s at %s: %v", origin, s.Kind, s.Addr, err)
	}
	var rrs []dns.RR
	for e := range env {
		if e.Error != nil {
			err = e.Error // keep reading: the channel closes after an error
			continue
		}
		rrs = append(rrs, e.RR...)
	}
	if err != nil {
		t.Fatalf("AXFR %s from %s at %s: %v", origin, s.Kind, s.Addr, err)
	}
	return rrs
}

// tsigSecrets returns the Server's key in the form miekg/dns clients take
// (dns.Client.TsigSecret, dns.Transfer.TsigSecret).
func (s *Server) tsigSecrets() map[string]string {
	return map[string]string{s.KeyName: s.Secret}
}

// logTail returns the last lines of the daemon's log.
func (s *Server) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// logSince returns the daemon's log from byte offset off on.
func (s *Server) logSince(off int64) string {
	b, err := os.ReadFile(s.logPath)
	if err != nil || off > int64(len(b)) {
		return ""
	}
	return string(b[off:])
}

// freePort returns a port on 127.0.0.1 that is free for both TCP and UDP
// at the time of the call.
func freePort() (int, error) {
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer tl.Close()
	port := tl.Addr().(*net.TCPAddr).Port
	ul, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return 0, fmt.Errorf("UDP port %d: %w", port, err)
	}
	ul.Close()
	return port, nil
}

// Log returns everything the daemon has logged so far (all its runs): with
// Options.QueryLog, BIND's query log among it.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}
