package dnstest

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// StartPowerDNS starts pdns_server (PowerDNS Authoritative, gsqlite3
// backend) on opts.Addr, or on a free port of 127.0.0.1 when it is empty,
// serving zones (origin -> zone file text) that accept updates and
// transfers signed with the Server's TSIG key, and nothing unsigned. The
// database, configuration, control socket and log are in a temporary
// directory of t; the zone data lives in the database, so updates survive
// Stop and Start. The daemon is stopped when t ends; if t failed, the end
// of its log is logged.
//
// Before the daemon starts, the schema is loaded with sqlite3 (the
// package does not create it), each zone with `pdnsutil load-zone`, the
// key with `pdnsutil import-tsig-key`, and per zone the metadata
// TSIG-ALLOW-DNSUPDATE, TSIG-ALLOW-AXFR and SOA-EDIT-DNSUPDATE INCREASE (so
// an update adds 1 to the serial, as BIND and Knot do, not YYYYMMDD01).
//
// StartPowerDNS returns once pdns_server answers an authoritative SOA for
// every zone. It fails the test if it does not, and skips it when a
// program or the backend is missing and CI is not true (see Tool).
func StartPowerDNS(t testing.TB, opts Options, zones map[string]string) *Server {
	t.Helper()
	prog := Tool(t, "pdns_server")
	pdnsutil := Tool(t, "pdnsutil")
	sqlite3 := Tool(t, "sqlite3")
	schema := pdnsSchema(t)
	if _, addr := fixedAddr(t, "pdns", opts.Addr); addr != "" {
		requireFree(t, "pdns", addr)
	}
	s := newServer(t, "pdns", prog, zones)
	s.applyOptions(opts)
	apiPort := 0
	if opts.API {
		port, err := freePort()
		if err != nil {
			t.Fatalf("start pdns: a port for the API: %v", err)
		}
		apiPort = port
		key := make([]byte, 18)
		rand.Read(key)
		s.APIKey = base64.RawURLEncoding.EncodeToString(key)
	}
	s.args = []string{"--config-dir=" + s.dir}
	conf := filepath.Join(s.dir, "pdns.conf")
	loaded := false
	s.writeConfig = func(port int) error {
		text := s.pdnsConfig(port)
		if apiPort != 0 {
			// The API on the server's address: the webserver takes
			// 127.0.0.1 when the DNS side does.
			s.APIURL = fmt.Sprintf("http://%s", net.JoinHostPort(s.host, strconv.Itoa(apiPort)))
			text = strings.Replace(text, "webserver=no\napi=no\n", fmt.Sprintf("webserver=yes\nwebserver-address=%s\nwebserver-port=%d\nwebserver-allow-from=127.0.0.0/8\napi=yes\napi-key=%s\n", s.host, apiPort, s.APIKey), 1)
		}
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			return err
		}
		if loaded {
			return nil
		}
		if err := s.pdnsLoad(sqlite3, pdnsutil, schema); err != nil {
			return err
		}
		loaded = true
		return nil
	}
	s.startFresh()
	return s
}

// pdnsSchema returns the path of the gsqlite3 schema, found with
// `dpkg -L pdns-backend-sqlite3` (Debian keeps it under /usr/share).
func pdnsSchema(t testing.TB) string {
	t.Helper()
	dpkg := Tool(t, "dpkg")
	out, err := exec.Command(dpkg, "-L", "pdns-backend-sqlite3").Output()
	if err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			// Not bind-dnssec.schema.sqlite3.sql, nor the upgrades.
			if filepath.Base(line) == "schema.sqlite3.sql" {
				if fi, err := os.Stat(line); err == nil && fi.Mode().IsRegular() {
					return line
				}
			}
		}
		err = fmt.Errorf("no schema.sqlite3.sql in its file list")
	}
	msg := fmt.Sprintf("PowerDNS's gsqlite3 backend (Debian package pdns-backend-sqlite3) is not installed: dpkg -L pdns-backend-sqlite3: %v", err)
	if InCI() {
		t.Fatalf("%s; run `make deps`", msg)
	}
	t.Skipf("%s; run `make deps` to install it", msg)
	return ""
}

// pdnsConfig is pdns.conf for port.
func (s *Server) pdnsConfig(port int) string {
	primary := "no"
	if s.notify {
		primary = "yes"
	}
	return fmt.Sprintf(`# Written by dnstest for one test.
launch=gsqlite3
gsqlite3-database=%s
# TSIG keys and metadata do not need the DNSSEC tables in 4.7; signing
# (Options.Sign) does.
gsqlite3-dnssec=%s
# Serve the DNSKEY, CDS and CDNSKEY records of the zone's data (another
# signer's, RFC 8901) besides the keys it signs with.
direct-dnskey=%s
%slocal-address=%s
local-port=%d
query-local-address=%s
socket-dir=%s
daemon=no
guardian=no
write-pid=yes
disable-syslog=yes
loglevel=4
webserver=no
api=no
receiver-threads=1
distributor-threads=1
reuseport=no
# Updates are ignored unless enabled. The address must match and then
# TSIG-ALLOW-DNSUPDATE requires the key. Sources on lo are the address
# asked (127.0.0.21 asks itself from 127.0.0.21), hence all of 127/8.
dnsupdate=yes
allow-dnsupdate-from=127.0.0.0/8
# Empty: otherwise any loopback client may transfer without the key,
# TSIG-ALLOW-AXFR notwithstanding.
allow-axfr-ips=
# No "security status" query to secpoll.powerdns.com at start-up.
security-poll-suffix=
# Notify: primary zones notify their NS addresses and ALSO-NOTIFY.
primary=%s
`, filepath.Join(s.dir, "pdns.sqlite3"), yesNo(s.sign), yesNo(s.sign), s.pdnsSigningConfig(), s.host, port, s.host, s.dir, primary)
}

// pdnsLoad creates the database and loads zones, key and metadata into it
// before the daemon first starts, so its caches never have to catch up.
func (s *Server) pdnsLoad(sqlite3, pdnsutil, schema string) error {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	run := func(stdin string, prog string, args ...string) error {
		fmt.Fprintf(logf, "=== dnstest: %s %s\n", filepath.Base(prog), strings.Join(args, " "))
		cmd := exec.Command(prog, args...)
		cmd.Dir = s.dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if stdin != "" {
			f, err := os.Open(stdin)
			if err != nil {
				return err
			}
			defer f.Close()
			cmd.Stdin = f
		}
		err := cmd.Run()
		logf.Write(out.Bytes())
		if err != nil {
			return fmt.Errorf("%s %s: %v: %s", filepath.Base(prog), strings.Join(args, " "), err, strings.TrimSpace(out.String()))
		}
		return nil
	}
	if err := run(schema, sqlite3, filepath.Join(s.dir, "pdns.sqlite3")); err != nil {
		return err
	}
	util := func(args ...string) error {
		return run("", pdnsutil, append([]string{"--config-dir=" + s.dir}, args...)...)
	}
	if err := util("import-tsig-key", s.KeyName, "hmac-sha256", s.Secret); err != nil {
		return err
	}
	for _, origin := range s.origins {
		steps := [][]string{
			{"load-zone", origin, s.zoneFile(origin)},
			{"set-meta", origin, "TSIG-ALLOW-DNSUPDATE", s.KeyName},
			{"set-meta", origin, "TSIG-ALLOW-AXFR", s.KeyName},
			{"set-meta", origin, "SOA-EDIT-DNSUPDATE", "INCREASE"},
		}
		steps = append(steps, s.pdnsSigningSteps(origin)...)
		if s.notify {
			// Only primary zones notify. ALSO-NOTIFY makes the targets
			// the same as BIND's and Knot's; pdns_server would also look
			// up the NS names itself.
			steps = append(steps, []string{"set-kind", origin, "primary"})
			targets, err := s.notifyTargets(origin)
			if err != nil {
				return err
			}
			if len(targets) > 0 {
				step := []string{"set-meta", origin, "ALSO-NOTIFY"}
				for _, ip := range targets {
					step = append(step, ip+":53")
				}
				steps = append(steps, step)
			}
		}
		for _, step := range steps {
			if err := util(step...); err != nil {
				return err
			}
		}
	}
	return nil
}
