package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/internal/verify/verifytest"
)

const dnssecZone = `$TTL 300
@     SOA  ns1 hostmaster 1 7200 900 1209600 300
@     NS   ns1
@     NS   ns2
ns1   A    127.0.0.1
ns2   A    127.0.0.1
www   A    192.0.2.80
`

// TestVerifyDNSSEC runs `zonecast verify --dnssec` on zones served by two
// BIND servers, each signing with its own keys, with the DS set asked of
// the parent: provider (a third zone on the first server). ok.test.: each
// DNSKEY set holds both ZSKs and the parent has a DS for both KSKs (exit
// 0). lack.test.: b's DNSKEY set lacks a's ZSK, the parent has a DS for
// a's KSK and for a key nobody publishes, none for b's (exit 2), in text
// and in JSON.
func TestVerifyDNSSEC(t *testing.T) {
	type zoneKeys struct{ a, b verifytest.Signer }
	gone := verifytest.NewSigner(t, "lack.test.")
	keys := map[string]zoneKeys{}
	textA, textB := map[string]string{}, map[string]string{}
	parent := "$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A 127.0.0.1\n"
	for _, origin := range []string{"ok.test.", "lack.test."} {
		k := zoneKeys{verifytest.NewSigner(t, origin), verifytest.NewSigner(t, origin)}
		keys[origin] = k
		pubB := []*dns.DNSKEY{k.b.KSK.Key, k.b.ZSK.Key, k.a.ZSK.Key}
		ds := []*dns.DNSKEY{k.a.KSK.Key, k.b.KSK.Key}
		if origin == "lack.test." {
			pubB = pubB[:2]
			ds = []*dns.DNSKEY{k.a.KSK.Key, gone.KSK.Key}
		}
		textA[origin] = verifytest.SignZone(t, origin, dnssecZone, verifytest.Signing{By: k.a, Publish: []*dns.DNSKEY{k.a.KSK.Key, k.a.ZSK.Key, k.b.ZSK.Key}})
		textB[origin] = verifytest.SignZone(t, origin, dnssecZone, verifytest.Signing{By: k.b, Publish: pubB})
		parent += fmt.Sprintf("%s NS ns1.%s\nns1.%s A 127.0.0.1\n", origin, origin, origin)
		for _, key := range ds {
			parent += key.ToDS(dns.SHA256).String() + "\n"
		}
	}
	textA["test."] = parent
	a := dnstest.StartBIND(t, textA)
	b := dnstest.StartBIND(t, textB)

	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	verifyZone := func(t *testing.T, origin string, args ...string) (int, string, string) {
		t.Helper()
		write(origin+"zone", dnssecZone)
		write("zonecast.yaml", fmt.Sprintf(`providers:
  a: {type: zonefile, directory: a, nameservers: ["ns1.%[1]s@%[2]s"]}
  b: {type: zonefile, directory: b, nameservers: ["ns2.%[1]s@%[3]s"]}
  lab: {type: zonefile, directory: lab, nameservers: ["ns.test.@%[2]s"]}
zones:
  - origin: %[1]s
    file: %[1]szone
    providers: [a, b]
    parent: {provider: lab, zone: test.}
`, origin, a.Addr, b.Addr))
		var out, errOut bytes.Buffer
		code := Main(t.Context(), append([]string{"verify", "--dnssec", "--config", filepath.Join(dir, "zonecast.yaml")}, args...), &out, &errOut)
		t.Logf("zonecast verify --dnssec %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
		return code, out.String(), errOut.String()
	}
	lines := func(s string) []string { return strings.Split(s, "\n") }
	has := func(t *testing.T, out, prefix string, parts ...string) {
		t.Helper()
		if !slices.ContainsFunc(lines(out), func(l string) bool {
			if !strings.HasPrefix(l, prefix) {
				return false
			}
			for _, p := range parts {
				if !strings.Contains(l, p) {
					return false
				}
			}
			return true
		}) {
			t.Errorf("no line starting %q with %q in:\n%s", prefix, parts, out)
		}
	}

	t.Run("multi-signer ok", func(t *testing.T) {
		code, out, _ := verifyZone(t, "ok.test.")
		if code != 0 {
			t.Errorf("exit %d, want 0", code)
		}
		has(t, out, "ok.test. at a: ok")
		has(t, out, "ok.test. at b: ok")
		has(t, out, "    dnssec: ok: ", "DNSKEY set: ", fmt.Sprintf("ZSK %d", keys["ok.test."].a.ZSK.Key.KeyTag()), fmt.Sprintf("ZSK %d", keys["ok.test."].b.ZSK.Key.KeyTag()))
		has(t, out, "ok.test. DS at test. (parent provider lab): ok (2 DS")
	})

	t.Run("a ZSK missing, a DS left, a DS missing", func(t *testing.T) {
		k := keys["lack.test."]
		code, out, _ := verifyZone(t, "lack.test.")
		if code != 2 {
			t.Errorf("exit %d, want 2", code)
		}
		has(t, out, "lack.test. at a: ok")
		has(t, out, "lack.test. at b: MISMATCH")
		has(t, out, "    dnssec: ERRORS: ")
		has(t, out, "      error missing-zsk: lack.test. DNSKEY: ", fmt.Sprintf("lacks ZSK %d (ECDSAP256SHA256), which signs at a", k.a.ZSK.Key.KeyTag()))
		has(t, out, "lack.test. DS at test. (parent provider lab): MISMATCH")
		has(t, out, "  warning ds-without-key: ", fmt.Sprintf("key %d ", gone.KSK.Key.KeyTag()), "a signer has left")
		has(t, out, "  error dnskey-not-anchored: ", "at b signs its DNSKEY set with "+fmt.Sprintf("KSK %d", k.b.KSK.Key.KeyTag()))
		has(t, out, "    "+strings.Join(strings.Fields(k.b.KSK.Key.ToDS(dns.SHA256).String()), " "))

		code, out, _ = verifyZone(t, "lack.test.", "--format", "json")
		if code != 2 {
			t.Errorf("--format json: exit %d, want 2", code)
		}
		var got struct {
			Providers []struct {
				Provider string
				Servers  []struct {
					DNSSEC *struct {
						Keys    []struct{ Tag uint16 }
						Missing []struct {
							Tag       uint16
							Algorithm string
							Role      string
						} `json:"missing_keys"`
						Problems []struct{ Severity, Code string }
					} `json:"dnssec"`
				}
			}
			DS []struct {
				Parent, Source string
				DS             []string
				Problems       []struct{ Severity, Code string }
				Add            []string
			}
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v in %s", err, out)
		}
		if len(got.Providers) != 2 || len(got.Providers[1].Servers) != 1 || got.Providers[1].Servers[0].DNSSEC == nil {
			t.Fatalf("want two providers, b with one server with a dnssec report: %s", out)
		}
		d := got.Providers[1].Servers[0].DNSSEC
		if len(d.Missing) != 1 || d.Missing[0].Tag != k.a.ZSK.Key.KeyTag() || d.Missing[0].Role != "ZSK" || d.Missing[0].Algorithm != "ECDSAP256SHA256" {
			t.Errorf("b's missing keys %+v, want a's ZSK %d", d.Missing, k.a.ZSK.Key.KeyTag())
		}
		if len(got.DS) != 1 || got.DS[0].Parent != "test." || len(got.DS[0].DS) != 2 || len(got.DS[0].Problems) != 2 || len(got.DS[0].Add) != 1 {
			t.Errorf("ds %+v: want test.'s 2 DS, 2 problems, 1 to add", got.DS)
		}
	})
}
