package config

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zonecast/zonecast/providers"
)

// endpointProvider is a fake provider reached at its server, with its
// configured nameservers.
type endpointProvider struct {
	fakeProvider
	ns []providers.Nameserver
}

func (p *endpointProvider) Capabilities() providers.Capabilities {
	return providers.Capabilities{Nameservers: p.ns}
}

func (p *endpointProvider) Endpoints() []providers.Endpoint {
	if e, ok := providers.HostEndpoint("server", p.cfg.Server); ok {
		return []providers.Endpoint{e}
	}
	return nil
}

var endpointDriver = providers.Driver{
	Type:      "endpoint",
	NewConfig: func() any { return new(fakeConfig) },
	New: func(name string, cfg any, dir string) (providers.Provider, error) {
		c := cfg.(*fakeConfig)
		ns, err := providers.ParseNameservers(c.Nameservers)
		if err != nil {
			return nil, err
		}
		return &endpointProvider{fakeProvider{name: name, cfg: c, dir: dir}, ns}, nil
	},
}

func TestSelfDependencyWarnings(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"zonecast.yaml": `providers:
  a: {type: endpoint, server: "ns.example.com:53", nameservers: ["ns1.example.com.", "ns2.example.net.@192.0.2.2:53"]}
  b: {type: endpoint, server: "192.0.2.3:53", nameservers: ["ns.b-dns.example.", "ns.elsewhere.example."]}
  c: {type: endpoint, server: "dns.provider.example:53"}
zones:
  - {origin: example.com., file: example.com.zone, providers: [a, b]}
  - {origin: b-dns.example., file: example.com.zone, providers: [b]}
`,
		"example.com.zone": zoneText,
	})
	c, err := Load(filepath.Join(dir, "zonecast.yaml"), append(slices.Clone(testDrivers), endpointDriver))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range c.Warnings {
		if w.Code != CodeSelfDependency {
			t.Errorf("unexpected warning: %v", w)
			continue
		}
		got = append(got, w.Key)
		if !strings.HasSuffix(w.Error(), "["+CodeSelfDependency+"]") {
			t.Errorf("warning without its code: %v", w)
		}
	}
	// a's server and a's nameserver by name sit in example.com.; b's
	// nameserver ns.b-dns.example. sits in a zone b alone serves. An
	// address, a name with its address, names outside every managed zone:
	// none.
	want := []string{"providers.a.server", "providers.a.nameservers", "providers.b.nameservers"}
	if !slices.Equal(got, want) {
		t.Fatalf("warnings at %q, want %q:\n%v", got, want, c.Warnings)
	}
	for i, wantText := range []string{
		"zonecast reaches a at ns.example.com, a name inside example.com., which zonecast manages (served by a, b)",
		`write its address too ("ns1.example.com.@192.0.2.1:53")`,
		"inside b-dns.example., which zonecast manages (served by b itself alone)",
	} {
		if !strings.Contains(c.Warnings[i].Error(), wantText) {
			t.Errorf("warning %d: %v\nlacks %q", i, c.Warnings[i], wantText)
		}
	}
	if l := c.Warnings[0].Line; l != 2 {
		t.Errorf("a's warning at line %d, want 2 (its block)", l)
	}
}

func TestResolvers(t *testing.T) {
	for _, tc := range []struct {
		yaml, err string
		want      []string
	}{
		{yaml: `resolvers: ["127.0.0.1", "[::1]:5353", "192.0.2.53:53"]`, want: []string{"127.0.0.1:53", "[::1]:5353", "192.0.2.53:53"}},
		{yaml: `resolvers: ["dns.example.net"]`, err: "resolvers[0]: \"dns.example.net\": want an IP address"},
		{yaml: `resolvers: ["127.0.0.1:0"]`, err: "bad port"},
	} {
		dir := writeFiles(t, map[string]string{
			"zonecast.yaml":    "providers:\n  a: {type: bare}\nzones:\n  - {origin: example.com., file: example.com.zone, providers: [a]}\n" + tc.yaml + "\n",
			"example.com.zone": zoneText,
		})
		c, err := Load(filepath.Join(dir, "zonecast.yaml"), testDrivers)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.yaml, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.yaml, err)
		}
		if !slices.Equal(c.Resolvers, tc.want) {
			t.Errorf("%s: resolvers %q, want %q", tc.yaml, c.Resolvers, tc.want)
		}
		if c.Addresses != filepath.Join(dir, ".zonecast", "addresses.json") {
			t.Errorf("addresses file %q", c.Addresses)
		}
	}
}
