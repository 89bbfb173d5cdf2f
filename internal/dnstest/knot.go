package dnstest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// StartKnot starts knotd (Knot DNS) on a free port of 127.0.0.1, serving
// zones (origin -> zone file text) that accept updates and transfers signed
// with the Server's TSIG key. Everything knotd writes (zone files, journal
// and timer databases, its control socket and log) is in a temporary
// directory of t. Each update is written to the zone file at once
// (zonefile-sync: 0). The daemon is stopped when t ends; if t failed, the
// end of knotd's log is logged.
//
// StartKnot returns once knotd answers an authoritative SOA for every zone
// (it loads zones in the background after binding its port). It fails the
// test if knotd does not, and skips it when knotd is not installed and CI
// is not true (see Tool).
func StartKnot(t testing.TB, zones map[string]string) *Server {
	t.Helper()
	return StartKnotWith(t, Options{}, zones)
}

// StartKnotWith is StartKnot on the address opts.Addr (see Options).
// knotd binds any 127/8 address, configured on lo or not.
func StartKnotWith(t testing.TB, opts Options, zones map[string]string) *Server {
	t.Helper()
	prog := Tool(t, "knotd")
	if _, addr := fixedAddr(t, "knot", opts.Addr); addr != "" {
		requireFree(t, "knot", addr)
	}
	s := newServer(t, "knot", prog, zones)
	s.applyOptions(opts)
	conf := filepath.Join(s.dir, "knot.conf")
	s.args = []string{"-c", conf}
	s.writeConfig = func(port int) error {
		// knotd does not create its database directory: without it the
		// zones load, but every update fails with SERVFAIL ("DDNS,
		// processing failed (not exists)").
		if err := os.MkdirAll(filepath.Join(s.dir, "knot-db"), 0o755); err != nil {
			return err
		}
		text, err := s.knotConfig(port)
		if err != nil {
			return err
		}
		return os.WriteFile(conf, []byte(text), 0o644)
	}
	s.startFresh()
	return s
}

// knotConfig is knot.conf for port. No "user:" is set, so knotd runs as
// whoever runs the test (Debian's own knot.conf sets knot:knot, which
// could not write the test's directory).
func (s *Server) knotConfig(port int) (string, error) {
	var b strings.Builder
	// Knot notifies only remotes named in the zone's "notify" list.
	var remotes strings.Builder
	notify := map[string][]string{}
	if s.notify {
		ids := map[string]string{}
		for _, origin := range s.origins {
			targets, err := s.notifyTargets(origin)
			if err != nil {
				return "", err
			}
			for _, ip := range targets {
				if ids[ip] == "" {
					ids[ip] = fmt.Sprintf("notify-%d", len(ids)+1)
					if remotes.Len() == 0 {
						remotes.WriteString("remote:\n")
					}
					fmt.Fprintf(&remotes, "  - id: %s\n    address: %s@53\n    via: %s\n", ids[ip], ip, s.host)
				}
				notify[origin] = append(notify[origin], ids[ip])
			}
		}
	}
	fmt.Fprintf(&b, `server:
    rundir: %q
    pidfile: %q
    listen: %s@%d
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1

log:
  - target: stderr
    any: info

database:
    storage: %q

control:
    listen: %q

key:
  - id: %s
    algorithm: %s
    secret: %s

# A key and no address: any address with the key.
acl:
  - id: zonecast-test
    key: %s
    action: [update, transfer]
%s
template:
  - id: default
    storage: %q
    acl: zonecast-test
    zonefile-sync: 0
    zonefile-load: whole
    journal-content: changes
    semantic-checks: off
%s
%s
zone:
`, s.dir, filepath.Join(s.dir, "knot.pid"), s.host, port, filepath.Join(s.dir, "knot-db"),
		filepath.Join(s.dir, "knot.sock"), s.KeyName, s.KeyAlg, s.Secret, s.KeyName, s.knotSigning(), s.dir,
		s.knotTemplateSigning(), remotes.String())
	for _, origin := range s.origins {
		fmt.Fprintf(&b, "  - domain: %q\n    file: %q\n", origin, s.zoneFile(origin))
		if ids := notify[origin]; len(ids) > 0 {
			fmt.Fprintf(&b, "    notify: [%s]\n", strings.Join(ids, ", "))
		}
	}
	return b.String(), nil
}
