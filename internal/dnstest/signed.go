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

// SignedZone is a zone signed by SignZone: its signed zone file text and
// the keys that signed it.
type SignedZone struct {
	Origin string      // FQDN, lower case
	Text   string      // the signed zone file (RRSIG, NSEC and DNSKEY included)
	KSK    *dns.DNSKEY // flags 257: signs the DNSKEY RRset
	ZSK    *dns.DNSKEY // flags 256: signs every other RRset
	// DS is the KSK's DS record (SHA-256) for the parent zone, or for a
	// resolver's trust anchor when the zone is the root.
	DS *dns.DS
}

// SignZone signs text, the zone file of origin, with a fresh KSK and ZSK
// (ECDSAP256SHA256, RFC 6605) made by BIND's dnssec-keygen and an NSEC chain
// made by dnssec-signzone (both from bind9-utils). The keys, private halves
// included, stay in a temporary directory of t. Signatures are valid from
// an hour ago for 30 days (dnssec-signzone's defaults). The SOA serial is
// kept as it is.
//
// SignZone fails the test if signing fails, and skips it when the tools
// are missing and CI is not true (see Tool).
func SignZone(t testing.TB, origin, text string) *SignedZone {
	t.Helper()
	keygen := Tool(t, "dnssec-keygen")
	signzone := Tool(t, "dnssec-signzone")
	origin = strings.ToLower(dns.Fqdn(origin))
	dir := t.TempDir()
	run := func(prog string, args ...string) string {
		t.Helper()
		cmd := exec.Command(prog, args...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			stderr := ""
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			t.Fatalf("sign %s: %s %s: %v: %s", origin, filepath.Base(prog), strings.Join(args, " "), err, strings.TrimSpace(stderr))
		}
		return strings.TrimSpace(string(out))
	}
	const alg = "ECDSAP256SHA256"
	kskName := run(keygen, "-q", "-K", dir, "-a", alg, "-f", "KSK", "-n", "ZONE", origin)
	zskName := run(keygen, "-q", "-K", dir, "-a", alg, "-n", "ZONE", origin)
	in := filepath.Join(dir, "zone")
	out := filepath.Join(dir, "zone.signed")
	if err := os.WriteFile(in, []byte(text), 0o644); err != nil {
		t.Fatalf("sign %s: %v", origin, err)
	}
	// -S: include the DNSKEYs of the keys in -K and sign with them.
	// -N keep: the serial is the test's to choose.
	run(signzone, "-S", "-K", dir, "-o", origin, "-f", out, "-N", "keep", "-d", dir, in)
	signed, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("sign %s: %v", origin, err)
	}
	z := &SignedZone{Origin: origin, Text: string(signed)}
	z.KSK = readKeyFile(t, filepath.Join(dir, kskName+".key"))
	z.ZSK = readKeyFile(t, filepath.Join(dir, zskName+".key"))
	z.DS = z.KSK.ToDS(dns.SHA256)
	return z
}

// readKeyFile reads the DNSKEY in a dnssec-keygen .key file.
func readKeyFile(t testing.TB, path string) *dns.DNSKEY {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read key %s: %v", path, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, ";") || strings.TrimSpace(line) == "" {
			continue
		}
		rr, err := dns.NewRR(line)
		if err != nil {
			t.Fatalf("read key %s: %v", path, err)
		}
		if k, ok := rr.(*dns.DNSKEY); ok {
			return k
		}
	}
	t.Fatalf("read key %s: no DNSKEY in it", path)
	return nil
}

// DSText returns the DS records of keys (SHA-256) as zone file lines for
// the parent zone, one per key whose SEP flag is set (KSKs), with ttl.
func DSText(keys []*dns.DNSKEY, ttl uint32) string {
	var b strings.Builder
	for _, k := range keys {
		if k.Flags&dns.SEP == 0 {
			continue
		}
		ds := k.ToDS(dns.SHA256)
		ds.Hdr.Ttl = ttl
		fmt.Fprintln(&b, ds.String())
	}
	return b.String()
}
