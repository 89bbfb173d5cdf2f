package dnstest

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestSignedFileServer is what the DNSSEC drill's zonecast-signed
// secondary rests on: keys made by KeyGen, a zone signed with them by
// SignZoneWithKeys with another signer's ZSK kept in its DNSKEY RRset, a
// Knot that signs nothing serving that file as it is, delv validating its
// answers from the KSK's DS (and not from another key's), and the file
// rewritten and loaded again by ReloadCommand.
func TestSignedFileServer(t *testing.T) {
	t.Parallel()
	const origin = "files.test."
	keyDir := t.TempDir()
	ksk := KeyGen(t, keyDir, origin, true, 5)
	zsk := KeyGen(t, keyDir, origin, false, 5)
	if ksk.DNSKEY.Flags != dns.ZONE|dns.SEP || zsk.DNSKEY.Flags != dns.ZONE || ksk.DNSKEY.Hdr.Ttl != 5 {
		t.Fatalf("KeyGen: KSK flags %d TTL %d, ZSK flags %d; want 257 with TTL 5, 256", ksk.DNSKEY.Flags, ksk.DNSKEY.Hdr.Ttl, zsk.DNSKEY.Flags)
	}
	if fi, err := os.Stat(ksk.Private); err != nil {
		t.Errorf("KeyGen: %v", err)
	} else if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("KeyGen: %s has mode %v; want readable by its owner only", ksk.Private, fi.Mode())
	}
	foreign, _ := NewKey(t, origin, dns.ZONE, 5)
	zone := func(serial string) string {
		return "$ORIGIN files.test.\n$TTL 3\n@ SOA ns hostmaster " + serial + " 3600 600 86400 2\n@ NS ns\nns A 127.0.0.1\nwww A 192.0.2.1\n" + foreign.String() + "\n"
	}
	signed := SignZoneWithKeys(t, origin, zone("7"), keyDir, 5)
	s := StartKnotWith(t, Options{}, map[string]string{origin: signed})

	keys := s.QuerySigned(t, origin, dns.TypeDNSKEY)
	served := DNSKEYs(keys.RRs)
	for _, k := range []*dns.DNSKEY{ksk.DNSKEY, zsk.DNSKEY, foreign} {
		if !slices.ContainsFunc(served, func(x *dns.DNSKEY) bool { return x.PublicKey == k.PublicKey }) {
			t.Errorf("DNSKEY RRset %v lacks key %d", keyTags(served), k.KeyTag())
		}
	}
	if len(keys.VerifiedBy([]*dns.DNSKEY{ksk.DNSKEY})) == 0 {
		t.Errorf("DNSKEY RRset not signed by the KSK %d", ksk.DNSKEY.KeyTag())
	}
	if len(s.QuerySigned(t, "www."+origin, dns.TypeA).VerifiedBy([]*dns.DNSKEY{zsk.DNSKEY})) == 0 {
		t.Errorf("www A not signed by the ZSK %d", zsk.DNSKEY.KeyTag())
	}
	if b, err := os.ReadFile(s.ZoneFile(origin)); err != nil || string(b) != signed {
		t.Errorf("ZoneFile %s does not hold the zone the server was given (err %v)", s.ZoneFile(origin), err)
	}

	for _, q := range []struct {
		name  string
		qtype uint16
	}{{"www." + origin, dns.TypeA}, {"nosuch." + origin, dns.TypeA}, {origin, dns.TypeDNSKEY}} {
		if ok, out := Delv(t, s.Addr, origin, []*dns.DS{ksk.DNSKEY.ToDS(dns.SHA256)}, q.name, q.qtype); !ok {
			t.Errorf("delv %s %s from the KSK's DS: not fully validated:\n%s", q.name, dns.TypeToString[q.qtype], out)
		}
	}
	other, _ := NewKey(t, origin, dns.ZONE|dns.SEP, 5)
	if ok, out := Delv(t, s.Addr, origin, []*dns.DS{other.ToDS(dns.SHA256)}, "www."+origin, dns.TypeA); ok {
		t.Errorf("delv validated from the DS of a key the zone does not hold:\n%s", out)
	}

	// The file changes; the reload command loads it before it returns.
	if err := os.WriteFile(s.ZoneFile(origin), []byte(SignZoneWithKeys(t, origin, zone("8"), keyDir, 5)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := s.ReloadCommand(t, strings.TrimSuffix(origin, "."))
	if out, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", strings.Join(cmd, " "), err, out)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		soa := s.QuerySigned(t, origin, dns.TypeSOA)
		if len(soa.RRs) == 1 && soa.RRs[0].(*dns.SOA).Serial == 8 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serial 8 not served 5 s after the reload command: %v", soa.RRs)
		}
	}
}
