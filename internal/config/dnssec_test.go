package config

import (
	"github.com/zonecast/zonecast/providers"

	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/dnssec"
)

// keyFiles writes a new key pair of zone as BIND names it under dir/sub
// and returns the .private's path relative to dir, and the key.
func keyFiles(t *testing.T, dir, sub, zone string, ksk bool) (string, *dnssec.Key) {
	t.Helper()
	k, err := dnssec.Generate(zone, dns.ECDSAP256SHA256, ksk, 0)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(sub, k.FileBase())
	if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, base+".key"), []byte(k.DNSKEY.String()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, base+".private"), []byte(k.PrivateText()), 0o600); err != nil {
		t.Fatal(err)
	}
	return base + ".private", k
}

const dnssecProviders = `providers:
  cloud: {type: bare}
  own: {type: bare}
  files: {type: bare}
`

func TestLoadDNSSEC(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"example.com.zone":     zoneText,
		"set/a.example.zone":   "$ORIGIN a.example.\n@ 3600 IN SOA ns1 host 1 7200 3600 1209600 3600\n",
		"set/b.example.zone":   "$ORIGIN b.example.\n@ 3600 IN SOA ns1 host 1 7200 3600 1209600 3600\n",
		"plain/c.example.zone": "$ORIGIN c.example.\n@ 3600 IN SOA ns1 host 1 7200 3600 1209600 3600\n",
	})
	kskPath, ksk := keyFiles(t, dir, "keys", "example.com.", true)
	zskPath, zsk := keyFiles(t, dir, "keys", "example.com.", false)
	_, aKey := keyFiles(t, dir, "setkeys", "a.example.", false)
	_, bKey := keyFiles(t, dir, "setkeys", "b.example.", true)
	keyFiles(t, dir, "setkeys", "other.example.", true) // not a member's: not loaded
	config := dnssecProviders + `zones:
  - origin: example.com.
    file: example.com.zone
    providers: [cloud, own, files]
    dnssec:
      mode: multi-signer
      signed_by_zonecast: [files, own]
      keys: [file:` + kskPath + `, file:` + zskPath + `]
      signature_validity: 720h
      refresh: 240h
      dnskey_ttl: 600
      denial: nsec
      cds: true
  - dir: set
    providers: [own, files]
    dnssec: {mode: signed-by-zonecast, key_dir: setkeys}
  - dir: plain
    providers: [cloud]
    dnssec: {mode: unsigned}
`
	os.WriteFile(filepath.Join(dir, "zonecast.yaml"), []byte(config), 0o600)
	c, err := Load(filepath.Join(dir, "zonecast.yaml"), testDrivers)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings %v, want none", c.Warnings)
	}
	type view struct {
		Origin  string
		Mode    string
		Signed  []string
		Files   []string
		Keys    []string
		Options dnssec.Options
	}
	var got []view
	for _, z := range c.Zones {
		v := view{Origin: z.Origin, Mode: z.DNSSEC.Mode.String(), Signed: z.DNSSEC.SignedByZonecast, Options: z.DNSSEC.Sign}
		for _, f := range z.DNSSEC.KeyFiles {
			rel, _ := filepath.Rel(dir, f)
			v.Files = append(v.Files, rel)
		}
		for _, k := range z.DNSSEC.Keys {
			v.Keys = append(v.Keys, k.Rdata())
		}
		got = append(got, v)
	}
	defaults := dnssec.Options{Validity: 14 * 24 * time.Hour, Refresh: 7 * 24 * time.Hour, DNSKEYTTL: 3600}
	want := []view{
		{"example.com.", "multi-signer", []string{"own", "files"}, []string{kskPath, zskPath}, []string{ksk.Rdata(), zsk.Rdata()},
			dnssec.Options{Validity: 720 * time.Hour, Refresh: 240 * time.Hour, DNSKEYTTL: 600, CDS: true}},
		{"a.example.", "signed-by-zonecast", []string{"own", "files"}, []string{"setkeys/" + aKey.FileBase() + ".private"}, []string{aKey.Rdata()}, defaults},
		{"b.example.", "signed-by-zonecast", []string{"own", "files"}, []string{"setkeys/" + bKey.FileBase() + ".private"}, []string{bKey.Rdata()}, defaults},
		{"c.example.", "unsigned", nil, nil, nil, dnssec.Options{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("zones' DNSSEC (-want +got):\n%s", diff)
	}
	z, _ := c.Zone("example.com.")
	if !z.DNSSEC.SignsFor("own") || z.DNSSEC.SignsFor("cloud") {
		t.Errorf("SignsFor: own %v, cloud %v; want true, false", z.DNSSEC.SignsFor("own"), z.DNSSEC.SignsFor("cloud"))
	}

	// A run that uses the cloud only reads no key: a machine without
	// them can plan for the clouds.
	os.Remove(filepath.Join(dir, zskPath))
	c, err = LoadSelected(filepath.Join(dir, "zonecast.yaml"), testDrivers, []string{"cloud"})
	if err != nil {
		t.Fatal(err)
	}
	if z, _ := c.Zone("example.com."); len(z.DNSSEC.Keys) != 0 || len(z.DNSSEC.KeyFiles) != 2 {
		t.Errorf("LoadSelected for cloud: %d keys loaded, %d files; want none loaded, both named", len(z.DNSSEC.Keys), len(z.DNSSEC.KeyFiles))
	}
	if _, err := LoadSelected(filepath.Join(dir, "zonecast.yaml"), testDrivers, []string{"own"}); err == nil || !strings.Contains(err.Error(), "zones[0].dnssec.keys[1]") {
		t.Errorf("LoadSelected for own without a key file: error %v, want one at zones[0].dnssec.keys[1]", err)
	}
}

func TestLoadDNSSECErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"example.com.zone":   zoneText,
		"set/a.example.zone": "$ORIGIN a.example.\n@ 3600 IN SOA ns1 host 1 7200 3600 1209600 3600\n",
	})
	for i := range 5 {
		os.MkdirAll(filepath.Join(dir, "many"), 0o700)
		os.WriteFile(filepath.Join(dir, "many", fmt.Sprintf("m%d.example.zone", i)), []byte("@ 3600 IN SOA ns1 host 1 7200 3600 1209600 3600\n"), 0o600)
	}
	kskPath, ksk := keyFiles(t, dir, "keys", "example.com.", true)
	otherPath, _ := keyFiles(t, dir, "keys", "example.org.", false)
	os.WriteFile(filepath.Join(dir, "keys/Kcopy.private"), []byte(ksk.PrivateText()), 0o644)
	os.WriteFile(filepath.Join(dir, "keys/Kcopy.key"), []byte(ksk.DNSKEY.String()), 0o644)
	secret := ksk.PrivateText()
	secret = strings.TrimSpace(secret[strings.Index(secret, "PrivateKey: ")+len("PrivateKey: "):])
	zone := func(block string) string {
		return dnssecProviders + "zones:\n  - origin: example.com.\n    file: example.com.zone\n    providers: [cloud, own]\n    dnssec:\n" + block
	}
	tests := []struct {
		name, config string
		want         []string
	}{
		{"no mode", zone("      cds: true\n"), []string{"zonecast.yaml:10: zones[0].dnssec.mode: missing; say who signs the zone: unsigned, multi-signer, signed-by-zonecast"}},
		{"unknown mode", zone("      mode: signed\n"), []string{`zonecast.yaml:10: zones[0].dnssec.mode: unknown mode "signed"`}},
		{"unknown key", zone("      mode: multi-signer\n      nsec3: true\n"), []string{"zonecast.yaml:11: zones[0].dnssec.nsec3: unknown key (known: cds, denial, dnskey_ttl, key_dir, keys, mode, parent_ds, parent_ds_ttl, refresh, signature_validity, signed_by_zonecast)"}},
		{"unsigned with keys", zone("      mode: unsigned\n      keys: [file:" + kskPath + "]\n"), []string{"zonecast.yaml:11: zones[0].dnssec.keys: an unsigned zone takes no keys"}},
		{"signed by zonecast without keys", zone("      mode: signed-by-zonecast\n"), []string{"zonecast.yaml:10: zones[0].dnssec.key_dir: missing; zonecast signs this zone"}},
		{"signed by zonecast for some", zone("      mode: signed-by-zonecast\n      signed_by_zonecast: [own]\n      keys: [file:" + kskPath + "]\n"),
			[]string{"zonecast.yaml:11: zones[0].dnssec.signed_by_zonecast: zonecast signs for every provider of a signed-by-zonecast zone (cloud, own); for zonecast to sign for some and the others to sign themselves, write mode: multi-signer"}},
		{"multi-signer, keys for nobody", zone("      mode: multi-signer\n      keys: [file:" + kskPath + "]\n"), []string{"zonecast.yaml:11: zones[0].dnssec.keys: zonecast signs for no provider"}},
		{"multi-signer, nobody's keys", zone("      mode: multi-signer\n      signed_by_zonecast: [own]\n"), []string{"zonecast.yaml:11: zones[0].dnssec.key_dir: missing; zonecast signs for own"}},
		{"signs for a provider not of the zone", zone("      mode: multi-signer\n      signed_by_zonecast: [files, own, own]\n      keys: [file:" + kskPath + "]\n"),
			[]string{`zonecast.yaml:11: zones[0].dnssec.signed_by_zonecast[0]: provider "files" does not serve this zone (its providers: cloud, own)`,
				"zonecast.yaml:11: zones[0].dnssec.signed_by_zonecast[2]: provider own is listed twice"}},
		{"key not a file reference", zone("      mode: signed-by-zonecast\n      keys: [env:KEY, file:keys/x.key]\n"),
			[]string{"zonecast.yaml:11: zones[0].dnssec.keys[0]: write a key as file:PATH", "zonecast.yaml:11: zones[0].dnssec.keys[1]: file:keys/x.key: name the key's .private file"}},
		{"missing key file", zone("      mode: signed-by-zonecast\n      keys:\n        - file:keys/Knone.private\n"), []string{"zonecast.yaml:12: zones[0].dnssec.keys[0]: public key of keys/Knone.private"}},
		{"key of another zone", zone("      mode: signed-by-zonecast\n      keys: [file:" + otherPath + "]\n"), []string{"zonecast.yaml:11: zones[0].dnssec.keys[0]: " + otherPath + " is a key of example.org., not of example.com."}},
		{"one key twice", zone("      mode: signed-by-zonecast\n      keys: [file:" + kskPath + ", file:keys/Kcopy.private]\n"), []string{"zonecast.yaml:11: zones[0].dnssec.keys[1]: keys/Kcopy.private holds the same key as"}},
		{"refresh not below validity", zone("      mode: multi-signer\n      signature_validity: 48h\n      refresh: 48h\n"), []string{"zonecast.yaml:12: zones[0].dnssec.refresh: 48h0m0s is not less than the signature validity 48h0m0s"}},
		{"bad durations and TTL", zone("      mode: multi-signer\n      signature_validity: -1h\n      refresh: soon\n      dnskey_ttl: 0\n"),
			[]string{"zonecast.yaml:11: zones[0].dnssec.signature_validity: -1h0m0s: want a positive duration", "zonecast.yaml:12: zones[0].dnssec.refresh: want a duration", "zonecast.yaml:13: zones[0].dnssec.dnskey_ttl: 0: want a TTL"}},
		{"nsec3", zone("      mode: multi-signer\n      denial: nsec3\n"), []string{"zonecast.yaml:11: zones[0].dnssec.denial: nsec3 is not supported yet"}},
		{"bad parent_ds", zone("      mode: multi-signer\n      parent_ds: [\"12345 13 2\"]\n"), []string{"zonecast.yaml:11: zones[0].dnssec.parent_ds[0]: \"12345 13 2\" is not a DS record's data"}},
		{"parent_ds_ttl 0", zone("      mode: multi-signer\n      parent_ds_ttl: 0\n"), []string{"zonecast.yaml:11: zones[0].dnssec.parent_ds_ttl: 0: want a TTL"}},
		{"parent_ds unsigned", zone("      mode: unsigned\n      parent_ds: [\"1 13 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE\"]\n"), []string{"zonecast.yaml:11: zones[0].dnssec.parent_ds: an unsigned zone takes no parent_ds"}},
		{"keys in a zone set", dnssecProviders + "zones:\n  - dir: set\n    providers: [own]\n    dnssec:\n      mode: signed-by-zonecast\n      keys: [file:" + kskPath + "]\n",
			[]string{"zonecast.yaml:10: zones[0].dnssec.keys: keys are per zone; a zone set takes key_dir:"}},
		{"zone set member without keys", dnssecProviders + "zones:\n  - dir: set\n    providers: [own]\n    dnssec: {mode: signed-by-zonecast, key_dir: keys}\n",
			[]string{"zonecast.yaml:8: zones[0].dnssec.key_dir: zone set file a.example.zone: no keys of a.example. in keys; make them with dnssec-keygen -K keys a.example"}},
		{"many zone set members without keys", dnssecProviders + "zones:\n  - dir: many\n    providers: [own]\n    dnssec: {mode: signed-by-zonecast, key_dir: keys}\n",
			[]string{"zonecast.yaml:8: zones[0].dnssec.key_dir: zone set file m0.example.zone: no keys of m0.example.",
				"zonecast.yaml:8: zones[0].dnssec.key_dir: zone set file m1.example.zone: no keys of m1.example.",
				"zonecast.yaml:8: zones[0].dnssec.key_dir: zone set file m2.example.zone: no keys of m2.example.",
				"zonecast.yaml:8: zones[0].dnssec: and 2 more zones of this set have problems with their DNSSEC keys"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.WriteFile(filepath.Join(dir, "zonecast.yaml"), []byte(tt.config), 0o600)
			t.Chdir(dir)
			_, err := Load("zonecast.yaml", testDrivers)
			if err == nil {
				t.Fatalf("Load succeeded, want errors:\n%s", strings.Join(tt.want, "\n"))
			}
			got := strings.Split(err.Error(), "\n")
			if len(got) != len(tt.want) {
				t.Fatalf("Load returned %d errors, want %d:\n%v", len(got), len(tt.want), err)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("error %d:\n got: %s\nwant: %s…", i, got[i], tt.want[i])
				}
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("an error shows a private key: %v", err)
			}
		})
	}
}

// A private key other users can read loads, with a warning naming the
// file and the fix.
func TestDNSSECKeyModeWarning(t *testing.T) {
	dir := writeFiles(t, map[string]string{"example.com.zone": zoneText})
	path, _ := keyFiles(t, dir, "keys", "example.com.", true)
	os.Chmod(filepath.Join(dir, path), 0o644)
	config := dnssecProviders + "zones:\n  - origin: example.com.\n    file: example.com.zone\n    providers: [own]\n    dnssec:\n      mode: signed-by-zonecast\n      keys: [file:" + path + "]\n"
	os.WriteFile(filepath.Join(dir, "zonecast.yaml"), []byte(config), 0o600)
	c, err := Load(filepath.Join(dir, "zonecast.yaml"), testDrivers)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Error(), "zones[0].dnssec.keys[0]: private key file") ||
		!strings.Contains(c.Warnings[0].Error(), "chmod 600") {
		t.Errorf("warnings %v, want one about the key file's mode", c.Warnings)
	}
	if z, _ := c.Zone("example.com."); len(z.DNSSEC.Keys) != 1 || !slices.Equal(z.DNSSEC.SignedByZonecast, []string{"own"}) {
		t.Errorf("DNSSEC %+v: want one key, signed for own", z.DNSSEC)
	}
}

func TestDNSSECModeGroup(t *testing.T) {
	for m, want := range map[DNSSECMode]providers.DNSSECMode{Unsigned: providers.Unsigned, MultiSigner: providers.MultiSigner, SignedByZonecast: providers.SignedByZonecast} {
		if got := m.Group(); got != want {
			t.Errorf("%q.Group() = %q, want %q", m, got, want)
		}
	}
}
