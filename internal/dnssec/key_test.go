package dnssec

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/dnstest"
)

// writeKey writes k as BIND's pair of files in dir and returns the
// .private's path.
func writeKey(t *testing.T, dir string, k *Key) string {
	t.Helper()
	base := filepath.Join(dir, k.FileBase())
	if err := os.WriteFile(base+".key", []byte("; a comment, as dnssec-keygen writes\n"+k.DNSKEY.String()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(base+".private", []byte(k.PrivateText()), 0o600); err != nil {
		t.Fatal(err)
	}
	return base + ".private"
}

func TestLoadKeyRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, k := range []*Key{testKSK, testZSK} {
		path := writeKey(t, dir, k)
		got, err := LoadKey(path)
		if err != nil {
			t.Fatal(err)
		}
		if got.Rdata() != k.Rdata() || got.KSK() != k.KSK() || got.Zone() != "example.com." {
			t.Errorf("loaded %s, want %s", got, k)
		}
	}
}

// TestLoadKeyBIND loads keys made by BIND's dnssec-keygen, of each
// algorithm zonecast must sign with, and signs with them.
func TestLoadKeyBIND(t *testing.T) {
	keygen := dnstest.Tool(t, "dnssec-keygen")
	dir := t.TempDir()
	for _, tc := range []struct {
		alg  string
		ksk  bool
		want uint8
	}{
		{"RSASHA256", true, dns.RSASHA256},
		{"ECDSAP256SHA256", false, dns.ECDSAP256SHA256},
		{"ED25519", true, dns.ED25519},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			args := []string{"-K", dir, "-a", tc.alg, "-n", "ZONE"}
			if tc.ksk {
				args = append(args, "-f", "KSK")
			}
			if tc.want == dns.RSASHA256 {
				args = append(args, "-b", "2048")
			}
			out, err := exec.CommandContext(t.Context(), keygen, append(args, "example.com")...).CombinedOutput()
			if err != nil {
				t.Fatalf("dnssec-keygen: %v\n%s", err, out)
			}
			base := strings.TrimSpace(string(out))
			base = base[strings.LastIndex(base, "\n")+1:]
			k, err := LoadKey(filepath.Join(dir, base+".private"))
			if err != nil {
				t.Fatal(err)
			}
			if k.DNSKEY.Algorithm != tc.want || k.KSK() != tc.ksk {
				t.Errorf("loaded %s: want algorithm %d, KSK %v", k, tc.want, tc.ksk)
			}
			if k.FileBase() != base {
				t.Errorf("FileBase %s, dnssec-keygen named it %s", k.FileBase(), base)
			}
			signed, _ := sign(t, parse(t, testZone), []*Key{k}, nil, nil, now)
			verifyAll(t, signed, now, k)
		})
	}
}

func TestLoadKeyRefuses(t *testing.T) {
	dir := t.TempDir()
	ksk := writeKey(t, dir, testKSK)
	zsk := writeKey(t, dir, testZSK)
	// A .private whose .key is another key's.
	mixed := filepath.Join(dir, "Kmixed.private")
	b, _ := os.ReadFile(zsk)
	os.WriteFile(mixed, b, 0o600)
	kb, _ := os.ReadFile(strings.TrimSuffix(ksk, ".private") + ".key")
	os.WriteFile(filepath.Join(dir, "Kmixed.key"), kb, 0o644)
	// A DNSKEY of an algorithm zonecast does not sign with.
	old := *testZSK.DNSKEY
	old.Algorithm = dns.RSASHA1
	os.WriteFile(filepath.Join(dir, "Kold.key"), []byte(old.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "Kold.private"), b, 0o600)
	for _, tc := range []struct{ path, want string }{
		{strings.TrimSuffix(ksk, ".private") + ".key", "name the .private file"},
		{filepath.Join(dir, "Knone.private"), "public key of"},
		{mixed, "does not match the public key"},
		{filepath.Join(dir, "Kold.private"), "algorithm 5"},
	} {
		_, err := LoadKey(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadKey(%s): error %v, want one saying %q", tc.path, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "PrivateKey:") {
			t.Errorf("LoadKey(%s): the error shows the private key: %v", tc.path, err)
		}
	}
}

func TestKeyPrintsNoPrivatePart(t *testing.T) {
	secret := testKSK.PrivateText()
	secret = secret[strings.Index(secret, "PrivateKey: ")+len("PrivateKey: "):]
	secret = strings.TrimSpace(secret)
	for _, s := range []string{fmt.Sprint(testKSK), fmt.Sprintf("%v %+v %#v %s", testKSK, testKSK, testKSK, testKSK), fmt.Sprint([]*Key{testKSK})} {
		if strings.Contains(s, secret) {
			t.Errorf("printing a key shows its private part: %s", s)
		}
	}
	if want := fmt.Sprintf("example.com. KSK 13/%d", testKSK.Tag()); testKSK.String() != want {
		t.Errorf("String %q, want %q", testKSK.String(), want)
	}
}
