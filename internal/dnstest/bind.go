package dnstest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// StartBIND starts named (BIND 9) on a free port of 127.0.0.1, serving
// zones (origin -> zone file text) as primary zones that accept updates and
// transfers signed with the Server's TSIG key. Everything named writes (zone
// files, .jnl journals, pid, lock and key files, its log) is in a temporary
// directory of t. The daemon is stopped when t ends; if t failed, the end of
// named's log is logged.
//
// StartBIND returns once named answers an authoritative SOA for every zone.
// It fails the test if named does not, and skips it when named is not
// installed and CI is not true (see Tool).
func StartBIND(t testing.TB, zones map[string]string) *Server {
	t.Helper()
	return StartBINDWith(t, Options{}, zones)
}

// StartBINDWith is StartBIND on the address opts.Addr (see Options). named
// only listens on addresses an interface has, so the address is added to
// lo (as a /32) if it is missing, and removed again when the test ends.
func StartBINDWith(t testing.TB, opts Options, zones map[string]string) *Server {
	t.Helper()
	prog := Tool(t, "named")
	if host, addr := fixedAddr(t, "bind", opts.Addr); addr != "" {
		// Before newServer: the address goes after the daemon has stopped.
		useLoopback(t, host)
		requireFree(t, "bind", addr)
	}
	s := newServer(t, "bind", prog, zones)
	s.applyOptions(opts)
	conf := filepath.Join(s.dir, "named.conf")
	// -g: foreground, log to stderr (the logging statement is ignored).
	// -n 1: one worker thread. No -u: as root, named keeps running as root,
	// which CI needs since the temporary directory is root's.
	s.args = []string{"-g", "-n", "1", "-4", "-c", conf}
	s.writeConfig = func(port int) error {
		text, err := s.bindConfig(port)
		if err != nil {
			return err
		}
		return os.WriteFile(conf, []byte(text), 0o644)
	}
	s.startFresh()
	return s
}

// bindConfig is named.conf for port. Every file named would otherwise keep
// under /run/named or /var/cache/bind is in the test's directory, so
// servers of parallel tests do not collide.
func (s *Server) bindConfig(port int) (string, error) {
	var b strings.Builder
	// "explicit": only the also-notify list of each zone (the addresses
	// its zone file gives for its NS names), never addresses named would
	// have to look up.
	notify := "no"
	if s.notify {
		// No notify-delay (5 s by default): a test waits for it.
		notify = "explicit;\n\tnotify-delay 0"
	}
	// On an address of its own, everything named sends comes from it.
	sources := ""
	if s.fixed {
		sources = fmt.Sprintf("\tnotify-source %s;\n\ttransfer-source %s;\n\tquery-source address %s;\n", s.host, s.host, s.host)
	}
	q := func(name string) string { return fmt.Sprintf("%q", filepath.Join(s.dir, name)) }
	controls, err := s.bindControls()
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, `options {
	directory %s;
	pid-file %s;
	lock-file %s;
	session-keyfile %s;
	managed-keys-directory %s;
	dump-file %s;
	statistics-file %s;
	memstatistics-file %s;
	secroots-file %s;
	recursing-file %s;
	listen-on port %d { %s; };
	listen-on-v6 { none; };
	recursion no;
	notify %s;
	dnssec-validation no;
	querylog %s;
%s};

// No rndc channel: the default one is 127.0.0.1#953, shared by every named.
// A signing named has one on a free port, for Server.Control.
%s

key %q {
	algorithm %s;
	secret %q;
};
`, q(""), q("named.pid"), q("named.lock"), q("session.key"), q(""), q("named_dump.db"),
		q("named.stats"), q("named.memstats"), q("named.secroots"), q("named.recursing"),
		port, s.host, notify, yesNo(s.queryLog), sources, controls, s.KeyName, s.KeyAlg, s.Secret)
	if s.sign {
		b.WriteString(s.bindPolicy())
	}
	for _, origin := range s.origins {
		alsoNotify := ""
		if s.notify {
			targets, err := s.notifyTargets(origin)
			if err != nil {
				return "", err
			}
			if len(targets) > 0 {
				alsoNotify = "\talso-notify {"
				for _, ip := range targets {
					alsoNotify += " " + ip + " port 53;"
				}
				alsoNotify += " };\n"
			}
		}
		fmt.Fprintf(&b, `
zone %q {
	type primary;
	file %q;
	update-policy { grant %s zonesub ANY; };
	allow-transfer { key %s; };
%s%s};
`, origin, s.zoneFile(origin), s.KeyName, s.KeyName, alsoNotify, s.bindZoneSigning())
	}
	return b.String(), nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
