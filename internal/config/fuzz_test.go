package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zonecast/zonecast/providers/all"
)

// FuzzLoad feeds arbitrary YAML to the configuration loader, with the test
// drivers and the real ones: it must never panic, and an error must never
// carry the value of a secret.
func FuzzLoad(f *testing.F) {
	f.Add("providers:\n  a:\n    type: fake\n    server: x\nzones:\n  - origin: example.com.\n    file: z.zone\n    providers: [a]\n")
	f.Add("providers: {a: {type: rfc2136, server: '1.2.3.4:53', tsig: {name: k, algorithm: hmac-sha256, secret: env:ZC_FUZZ_SECRET}}}\nzones: [{origin: example.com., file: z.zone, providers: [a]}]\n")
	f.Add("providers: {c: {type: cloudflare, api_token: s3cr3t-literal}}\nzones: []\nsafety: {max_change_percent: 101}\n")
	f.Add("providers: {a: {type: bare}}\nzones:\n  - {dir: ., match: \"*.zone\", providers: [a], ignore: [{name: x}]}\n  - {origin: z., file: z.zone, providers: [a]}\n")
	f.Add("providers: {a: {type: bare}}\nzones:\n  - dir: .\n    origin: x.\n    parent: {provider: a, zone: com.}\n    providers: [a, a]\n  - {dir: nowhere, match: '[', providers: [b]}\n")
	f.Add("providers: {a: {type: bare}, b: {type: bare}}\nzones:\n  - origin: example.com.\n    file: z.zone\n    providers: [a, b]\n    dnssec:\n      mode: multi-signer\n      signed_by_zonecast: [b, c, b]\n      keys: [file:K.private, env:ZC_FUZZ_SECRET, file:x.key]\n      refresh: 400h\n      dnskey_ttl: -1\n      denial: nsec3\n")
	f.Add("providers: {a: {type: bare}}\nzones:\n  - {dir: ., providers: [a], dnssec: {mode: signed-by-zonecast, key_dir: ., keys: [x]}}\n  - {origin: z., file: z.zone, providers: [a], dnssec: {mode: unsigned, cds: true}}\n")
	f.Add("a: &x [*x]\n")
	f.Add("providers:\n  - 1\n")
	drivers := append(slices.Clone(testDrivers), all.Drivers()...)
	f.Fuzz(func(t *testing.T, text string) {
		t.Setenv("ZC_FUZZ_SECRET", "fuzz-secret-value")
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "z.zone"), []byte("$TTL 1\n"), 0o644)
		path := filepath.Join(dir, "zonecast.yaml")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path, drivers)
		if err != nil && strings.Contains(err.Error(), "fuzz-secret-value") {
			t.Fatalf("an error shows a secret: %v", err)
		}
	})
}
