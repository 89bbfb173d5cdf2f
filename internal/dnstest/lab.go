package dnstest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// This file holds what a lab run through the zonecast binary needs of a
// Server beyond the tests of this package: where a server keeps the zone
// files it loads (so that zonecast's zonefile provider can write them),
// the command that reloads them, zonecast's own keys made by BIND's
// dnssec-keygen, signing a zone file with them, and delv's check of a
// chain of trust against one server.

// Dir returns the server's temporary directory, which holds its
// configuration, its zone files (ZoneFile), its keys and its log.
func (s *Server) Dir() string { return s.dir }

// ZoneFile returns the path of the zone file the server loads for origin
// ("dir/example.test.zone"; the root's is "dir/root.zone"). It is the path
// zonecast's zonefile provider writes for origin when its directory is
// Dir.
func (s *Server) ZoneFile(origin string) string {
	return s.zoneFile(strings.ToLower(dns.Fqdn(origin)))
}

// ReloadCommand returns the command that makes a Knot server load zone's
// file again after it changed, and returns once it has (knotc -b
// zone-reload ZONE): the program's full path first. zone is passed as it
// is, so a caller may give a placeholder such as zonecast's "{zone}".
// Only Knot has one (a BIND started without Options.Sign has no control
// channel): for another kind it fails the test.
func (s *Server) ReloadCommand(t testing.TB, zone string) []string {
	t.Helper()
	if s.Kind != "knot" {
		t.Fatalf("reload command of %s: only a Knot server has one", s.Kind)
	}
	return []string{Tool(t, "knotc"), "-c", filepath.Join(s.dir, "knot.conf"), "-b", "zone-reload", zone}
}

// Key is a DNSSEC key pair made by KeyGen: BIND's Kzone+alg+tag.key and
// .private files, and the public key.
type Key struct {
	DNSKEY  *dns.DNSKEY
	Private string // path of the .private file (the .key is beside it)
}

// KeyGen makes a key for origin with BIND's dnssec-keygen (bind9-utils)
// in dir: ECDSAP256SHA256, a KSK (flags 257) if ksk, else a ZSK (256), its
// DNSKEY TTL ttl. The .private file is readable by its owner only, as
// dnssec-keygen writes it. It fails the test if dnssec-keygen does, and
// skips it when the tool is missing and CI is not true (see Tool).
func KeyGen(t testing.TB, dir, origin string, ksk bool, ttl uint32) Key {
	t.Helper()
	keygen := Tool(t, "dnssec-keygen")
	origin = strings.ToLower(dns.Fqdn(origin))
	args := []string{"-q", "-K", dir, "-a", "ECDSAP256SHA256", "-L", fmt.Sprint(ttl), "-n", "ZONE"}
	if ksk {
		args = append(args, "-f", "KSK")
	}
	args = append(args, origin)
	out, err := exec.Command(keygen, args...).Output()
	if err != nil {
		t.Fatalf("dnssec-keygen %s: %v: %s", strings.Join(args, " "), err, stderrOf(err))
	}
	base := filepath.Join(dir, strings.TrimSpace(string(out)))
	return Key{DNSKEY: readKeyFile(t, base+".key"), Private: base + ".private"}
}

// SignZoneWithKeys signs text, the zone file of origin, with the keys in
// keyDir (KeyGen's files; every key of origin there is used: KSKs sign the
// DNSKEY RRset, ZSKs the rest) by dnssec-signzone, NSEC, and returns the
// signed zone file. DNSKEY records already in text (other signers' keys,
// RFC 8901) are kept in the DNSKEY RRset and signed with it; they must
// have the TTL dnskeyTTL, which is also the TTL of the keys added from
// keyDir. The SOA serial is kept as text has it. Signatures are valid from
// an hour ago for 30 days.
func SignZoneWithKeys(t testing.TB, origin, text, keyDir string, dnskeyTTL uint32) string {
	t.Helper()
	signzone := Tool(t, "dnssec-signzone")
	origin = strings.ToLower(dns.Fqdn(origin))
	dir := t.TempDir()
	in, out := filepath.Join(dir, "zone"), filepath.Join(dir, "zone.signed")
	if err := os.WriteFile(in, []byte(text), 0o644); err != nil {
		t.Fatalf("sign %s: %v", origin, err)
	}
	// -S: add the keys of -K and sign with them. -T: their DNSKEY TTL.
	// -N keep: the serial is the caller's. -d: the dsset file goes to dir.
	args := []string{"-S", "-K", keyDir, "-T", fmt.Sprint(dnskeyTTL), "-o", origin, "-f", out, "-N", "keep", "-d", dir, in}
	cmd := exec.Command(signzone, args...)
	cmd.Dir = dir
	if _, err := cmd.Output(); err != nil {
		t.Fatalf("sign %s: dnssec-signzone %s: %v: %s", origin, strings.Join(args, " "), err, stderrOf(err))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("sign %s: %v", origin, err)
	}
	return string(b)
}

// Delv asks the server at addr ("IP:PORT") for name's qtype records with
// BIND's delv, which validates the answer itself from the trust anchors
// ds (DS records of zone, as the parent serves them) down: zone's DNSKEY
// RRset must be signed by a key one of ds names, and the answer by a key
// of that RRset. It returns whether delv says "fully validated" (a
// negative answer counts: "negative response, fully validated") and what
// it printed. It does not fail the test on a failed validation, only when
// delv cannot be run.
func Delv(t testing.TB, addr, zone string, ds []*dns.DS, name string, qtype uint16) (bool, string) {
	t.Helper()
	delv := Tool(t, "delv")
	zone = strings.ToLower(dns.Fqdn(zone))
	var b strings.Builder
	b.WriteString("trust-anchors {\n")
	for _, d := range ds {
		fmt.Fprintf(&b, "\t%s static-ds %d %d %d \"%s\";\n", zone, d.KeyTag, d.Algorithm, d.DigestType, strings.ToUpper(d.Digest))
	}
	b.WriteString("};\n")
	anchors := filepath.Join(t.TempDir(), "anchors.conf")
	if err := os.WriteFile(anchors, []byte(b.String()), 0o644); err != nil {
		t.Fatalf("delv: %v", err)
	}
	host, port, ok := strings.Cut(addr, ":")
	if !ok {
		port = "53"
	}
	cmd := exec.Command(delv, "@"+host, "-p", port, "-a", anchors, "+root="+zone, "+tcp", dns.Fqdn(name), dns.TypeToString[qtype])
	out, err := cmd.CombinedOutput()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		t.Fatalf("delv: %v", err)
	}
	return strings.Contains(string(out), "fully validated"), string(out)
}

// stderrOf returns the standard error an *exec.ExitError of Output
// carries, trimmed.
func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return strings.TrimSpace(string(ee.Stderr))
	}
	return ""
}
