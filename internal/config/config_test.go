package config

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// fakeConfig is a driver configuration with the shapes real drivers use:
// scalars, lists, a nested struct behind a pointer and secrets.
type fakeConfig struct {
	Server      string           `yaml:"server"`
	Port        int              `yaml:"port"`
	Nameservers []string         `yaml:"nameservers"`
	APIToken    providers.Secret `yaml:"api_token"`
	TSIG        *fakeTSIG        `yaml:"tsig"`
	Timeout     time.Duration    `yaml:"timeout"`
	Fail        bool             `yaml:"fail"` // makes New fail
}

type fakeTSIG struct {
	Name      string           `yaml:"name"`
	Algorithm string           `yaml:"algorithm"`
	Secret    providers.Secret `yaml:"secret"`
}

type fakeProvider struct {
	name string
	cfg  *fakeConfig
	dir  string
}

func (p *fakeProvider) Name() string                         { return p.name }
func (p *fakeProvider) Capabilities() providers.Capabilities { return providers.Capabilities{} }
func (p *fakeProvider) Records(context.Context, string) ([]zones.RRset, error) {
	return nil, nil
}
func (p *fakeProvider) Apply(context.Context, string, []providers.Change) (int, error) {
	return 0, nil
}

var testDrivers = []providers.Driver{
	{
		Type:      "fake",
		Summary:   "a provider for tests",
		NewConfig: func() any { return new(fakeConfig) },
		New: func(name string, cfg any, dir string) (providers.Provider, error) {
			c := cfg.(*fakeConfig)
			if c.Fail {
				return nil, errors.New("cannot reach the fake server")
			}
			return &fakeProvider{name: name, cfg: c, dir: dir}, nil
		},
	},
	{
		Type:    "bare", // no configuration beyond type
		Summary: "a provider without settings",
		New: func(name string, cfg any, dir string) (providers.Provider, error) {
			return &fakeProvider{name: name, dir: dir}, nil
		},
	},
}

// writeFiles writes files (path → content) under a new temporary folder
// and returns the folder.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const zoneText = "$ORIGIN example.com.\n@ 3600 IN SOA ns1 host 1 7200 3600 1209600 3600\n@ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.1\n"

const goodConfig = `# a complete configuration
providers:
  own:
    type: fake
    server: 192.0.2.53
    port: 53
    api_token: env:ZONECAST_TEST_TOKEN
    tsig: {name: zonecast., algorithm: hmac-sha256, secret: file:secrets/tsig}
    nameservers: [ns1.example.net., ns2.example.net.]
    timeout: 10s
  plain:
    type: bare
zones:
  - origin: Example.COM
    file: zones/example.com.zone
    providers: [own, plain]
    ignore:
      - {name: "_acme-challenge.*", type: txt}
      - name: "*.dev"
  - origin: example.org.
    file: /ABSOLUTE/example.org.zone
    providers: [plain]
    follow_symlinks: true
    idn: true
safety:
  max_change_percent: 20
limits:
  zone_records: 5000
  read_timeout: 30s
failover:
  auto_drop_after_failed_cycles: 3
state: run/state.json
`

const (
	tokenValue = "tok-3f9a1c-very-secret"
	tsigValue  = "c2VjcmV0LXRzaWcta2V5LXZhbHVl"
)

// A secret file other users can read loads, with a warning naming the
// file and the fix, never the value; a private one gives none.
func TestSecretFileModeWarning(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"zonecast.yaml":          strings.ReplaceAll(goodConfig, "/ABSOLUTE/", ""),
		"zones/example.com.zone": zoneText,
		"example.org.zone":       zoneText,
		"secrets/tsig":           tsigValue + "\n",
	})
	t.Setenv("ZONECAST_TEST_TOKEN", tokenValue)
	path := filepath.Join(dir, "zonecast.yaml")
	c, err := Load(path, testDrivers)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 0 {
		t.Fatalf("mode 0600: warnings %v", c.Warnings)
	}
	if err := os.Chmod(filepath.Join(dir, "secrets/tsig"), 0o644); err != nil {
		t.Fatal(err)
	}
	if c, err = Load(path, testDrivers); err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 1 {
		t.Fatalf("mode 0644: want one warning, got %v", c.Warnings)
	}
	w := c.Warnings[0].Error()
	for _, want := range []string{"providers.own.tsig.secret", "can be read by other users (mode 0644)", "chmod 600"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning %q lacks %q", w, want)
		}
	}
	if strings.Contains(w, tsigValue) {
		t.Errorf("warning shows the secret: %q", w)
	}
}

func TestLoadGood(t *testing.T) {
	abs := t.TempDir()
	if err := os.WriteFile(filepath.Join(abs, "example.org.zone"), []byte(zoneText), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := writeFiles(t, map[string]string{
		"zonecast.yaml":          strings.ReplaceAll(goodConfig, "/ABSOLUTE", abs),
		"zones/example.com.zone": zoneText,
		"secrets/tsig":           tsigValue + "\n",
	})
	t.Setenv("ZONECAST_TEST_TOKEN", tokenValue)
	path := filepath.Join(dir, "zonecast.yaml")

	got, err := Load(path, testDrivers)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := &Config{
		File:          path,
		Dir:           dir,
		ProviderOrder: []string{"own", "plain"},
		Zones: []Zone{
			{
				Origin:    "example.com.",
				File:      filepath.Join(dir, "zones/example.com.zone"),
				Providers: []string{"own", "plain"},
				Ignore: []Ignore{
					{Name: "_acme-challenge.*", Type: "TXT"},
					{Name: "*.dev"},
				},
			},
			{
				Origin:         "example.org.",
				File:           filepath.Join(abs, "example.org.zone"),
				Providers:      []string{"plain"},
				FollowSymlinks: true,
				IDN:            true,
			},
		},
		Safety:    Safety{MaxChangePercent: 20},
		State:     filepath.Join(dir, "run/state.json"),
		Addresses: filepath.Join(dir, "run/addresses.json"),
		Limits:    Limits{ZoneRecords: 5000, ReadTimeout: 30 * time.Second, WriteTimeout: DefaultWriteTimeout, SlowReadWait: DefaultSlowReadWait, ZonesAtOnce: DefaultZonesAtOnce},
		Failover:  Failover{MinProviders: 2, AutoDropAfter: 3, AutoRestore: true},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Config{}, "Providers"), cmpopts.IgnoreUnexported(Config{})); diff != "" {
		t.Errorf("Load mismatch (-want +got):\n%s", diff)
	}

	if diff := cmp.Diff([]string{"own", "plain"}, slices.Sorted(maps.Keys(got.Providers))); diff != "" {
		t.Errorf("provider names mismatch (-want +got):\n%s", diff)
	}
	own := got.Providers["own"].(*fakeProvider)
	if own.name != "own" || own.dir != dir {
		t.Errorf("own built with name %q, dir %q; want own, %q", own.name, own.dir, dir)
	}
	wantCfg := fakeConfig{
		Server:      "192.0.2.53",
		Port:        53,
		Nameservers: []string{"ns1.example.net.", "ns2.example.net."},
		TSIG:        &fakeTSIG{Name: "zonecast.", Algorithm: "hmac-sha256"},
		Timeout:     10 * time.Second,
	}
	if diff := cmp.Diff(wantCfg, *own.cfg, cmpopts.IgnoreTypes(providers.Secret{})); diff != "" {
		t.Errorf("own's configuration mismatch (-want +got):\n%s", diff)
	}
	if v := own.cfg.APIToken.Value(); v != tokenValue {
		t.Errorf("api_token resolved to %q, want the environment's value", v)
	}
	if v := own.cfg.TSIG.Secret.Value(); v != tsigValue {
		t.Errorf("tsig.secret resolved to %q, want the file's value without newline", v)
	}
	if r := own.cfg.TSIG.Secret.Ref(); r != "file:secrets/tsig" {
		t.Errorf("tsig.secret ref = %q, want file:secrets/tsig", r)
	}

	for _, format := range []string{"%v", "%+v", "%#v"} {
		for _, v := range []any{got, *got, own, *own, *own.cfg} {
			s := fmt.Sprintf(format, v)
			if strings.Contains(s, tokenValue) || strings.Contains(s, tsigValue) {
				t.Errorf("fmt %s of %T shows a secret: %s", format, v, s)
			}
		}
	}
}

func TestLoadDefaults(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"zonecast.yaml": "providers:\n  p: {type: bare}\nzones:\n  - {origin: example.com., file: z, providers: [p]}\n",
		"z":             zoneText,
	})
	got, err := Load(filepath.Join(dir, "zonecast.yaml"), testDrivers)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if diff := cmp.Diff(Safety{MaxChangePercent: DefaultMaxChangePercent}, got.Safety); diff != "" {
		t.Errorf("Safety mismatch (-want +got):\n%s", diff)
	}
	if want := filepath.Join(dir, DefaultState); got.State != want {
		t.Errorf("State = %q, want %q", got.State, want)
	}
}

// TestLoadRelativePath loads a configuration named relative to the working
// folder, as --config's default is, and gets relative zone paths back.
func TestLoadRelativePath(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"conf/zonecast.yaml": "providers:\n  p: {type: bare}\nzones:\n  - {origin: example.com., file: zones/z, providers: [p]}\n",
		"conf/zones/z":       zoneText,
	})
	t.Chdir(dir)
	got, err := Load("conf/zonecast.yaml", testDrivers)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got.Dir != "conf" || got.Zones[0].File != filepath.Join("conf", "zones", "z") {
		t.Errorf("Dir, zone file = %q, %q; want conf, conf/zones/z", got.Dir, got.Zones[0].File)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "zonecast.yaml"), testDrivers)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing file: %v, want fs.ErrNotExist", err)
	}
}

// A base configuration for the error cases: line 2 is the provider, line 7
// the zone entry.
const base = `providers:
  own:
    type: fake
    server: 192.0.2.53
    api_token: env:ZONECAST_TEST_TOKEN
zones:
  - origin: example.com.
    file: example.com.zone
    providers: [own]
`

func TestLoadErrors(t *testing.T) {
	t.Setenv("ZONECAST_TEST_TOKEN", tokenValue)
	t.Setenv("ZONECAST_TEST_EMPTY", "")
	tests := []struct {
		name   string
		config string
		// want are the error lines, in order, each a prefix of one line
		// of the joined error.
		want []string
	}{
		{
			name:   "unknown top-level key",
			config: base + "zonez: []\n",
			want:   []string{"zonecast.yaml:10: zonez: unknown key (known: failover, limits, providers, resolvers, safety, state, zones)"},
		},
		{
			name:   "unknown zone key",
			config: base + "    ignores: []\n",
			want:   []string{"zonecast.yaml:10: zones[0].ignores: unknown key (known: dir, dnssec, file, follow_symlinks, idn, ignore, match, origin, parent, providers)"},
		},
		{
			name:   "unknown ignore key",
			config: base + "    ignore:\n      - {name: x, typ: TXT}\n",
			want:   []string{"zonecast.yaml:11: zones[0].ignore[0].typ: unknown key (known: name, type)"},
		},
		{
			name:   "unknown safety key",
			config: base + "safety:\n  max_change: 10\n",
			want:   []string{"zonecast.yaml:11: safety.max_change: unknown key (known: max_change_percent)"},
		},
		{
			name:   "unknown provider key",
			config: strings.Replace(base, "    server:", "    sever:", 1),
			want:   []string{"zonecast.yaml:4: providers.own.sever: unknown key (known: api_token, fail, nameservers, port, server, timeout, tsig, type)"},
		},
		{
			name:   "unknown nested provider key",
			config: strings.Replace(base, "    server: 192.0.2.53\n", "    server: 192.0.2.53\n    tsig:\n      name: k.\n      secrt: env:X\n", 1),
			want:   []string{"zonecast.yaml:7: providers.own.tsig.secrt: unknown key (known: algorithm, name, secret)"},
		},
		{
			name:   "keys of a provider without settings",
			config: strings.Replace(base, "zones:", "  plain:\n    type: bare\n    server: x\nzones:", 1),
			want:   []string{"zonecast.yaml:8: providers.plain.server: unknown key (known: type)"},
		},
		{
			name:   "wrong type in provider",
			config: strings.Replace(base, "    server: 192.0.2.53\n", "    port: fifty-three\n", 1),
			want:   []string{"zonecast.yaml:4: providers.own.port: want an integer, got a string"},
		},
		{
			name:   "number where a string belongs",
			config: strings.Replace(base, "    server: 192.0.2.53\n", "    server: 53\n", 1),
			want:   []string{"zonecast.yaml:4: providers.own.server: want a string, got an integer (quote it to make it one)"},
		},
		{
			name:   "list where a mapping belongs",
			config: strings.Replace(base, "    server: 192.0.2.53\n", "    tsig: [a, b]\n", 1),
			want:   []string{"zonecast.yaml:4: providers.own.tsig: want a mapping, got a list"},
		},
		{
			name:   "bad duration",
			config: strings.Replace(base, "    server: 192.0.2.53\n", "    timeout: soon\n", 1),
			want:   []string{"zonecast.yaml:4: providers.own.timeout: want a duration such as 30s or 5m"},
		},
		{
			name:   "zones not a list",
			config: "providers:\n  own: {type: bare}\nzones:\n  origin: example.com.\n",
			want:   []string{"zonecast.yaml:4: zones: want a list, got a mapping"},
		},
		{
			name:   "safety wrong type",
			config: base + "safety:\n  max_change_percent: lots\n",
			want:   []string{"zonecast.yaml:11: safety.max_change_percent: want an integer, got a string"},
		},
		{
			name:   "safety out of range",
			config: base + "safety:\n  max_change_percent: 0\n",
			want:   []string{"zonecast.yaml:11: safety.max_change_percent: 0 is not between 1 and 100"},
		},
		{
			name:   "empty file",
			config: "# nothing yet\n",
			want:   []string{"zonecast.yaml: providers: no providers; add at least one (known types: bare, fake)", "zonecast.yaml: zones: no zones"},
		},
		{
			name:   "empty providers and zones",
			config: "providers: {}\nzones: []\n",
			want:   []string{"zonecast.yaml:1: providers: no providers", "zonecast.yaml:2: zones: no zones"},
		},
		{
			name:   "provider without type",
			config: strings.Replace(base, "    type: fake\n", "", 1),
			want:   []string{"zonecast.yaml:2: providers.own: no type; say which kind of provider this is (known types: bare, fake)"},
		},
		{
			name:   "unknown provider type",
			config: strings.Replace(base, "type: fake", "type: cloudflair", 1),
			want:   []string{`zonecast.yaml:3: providers.own.type: unknown provider type "cloudflair" (known types: bare, fake)`},
		},
		{
			name:   "provider type not a string",
			config: strings.Replace(base, "type: fake", "type: [fake]", 1),
			want:   []string{"zonecast.yaml:3: providers.own.type: want a string, got a list"},
		},
		{
			name:   "provider name",
			config: strings.Replace(base, "zones:", "  own.er: {type: bare}\nzones:", 1),
			want:   []string{"zonecast.yaml:6: providers.own.er: a provider name is letters, digits, '-' and '_'"},
		},
		{
			name:   "zone file missing",
			config: strings.Replace(base, "file: example.com.zone", "file: missing.zone", 1),
			want:   []string{"zonecast.yaml:8: zones[0].file: zone file missing.zone does not exist"},
		},
		{
			name:   "zone file key missing",
			config: strings.Replace(base, "    file: example.com.zone\n", "", 1),
			want:   []string{"zonecast.yaml:7: zones[0].file: missing"},
		},
		{
			name:   "zone with unknown provider",
			config: strings.Replace(base, "providers: [own]", "providers: [own, aws]", 1),
			want:   []string{`zonecast.yaml:9: zones[0].providers[1]: unknown provider "aws" (configured: own)`},
		},
		{
			name:   "zone with provider twice",
			config: strings.Replace(base, "providers: [own]", "providers: [own, own]", 1),
			want:   []string{"zonecast.yaml:9: zones[0].providers[1]: provider own is listed twice"},
		},
		{
			name:   "zone without providers",
			config: strings.Replace(base, "    providers: [own]\n", "", 1),
			want:   []string{"zonecast.yaml:7: zones[0].providers: no providers; list the providers that serve example.com."},
		},
		{
			name:   "a broken provider is reported once",
			config: strings.Replace(base, "type: fake", "type: nope", 1),
			want:   []string{`zonecast.yaml:3: providers.own.type: unknown provider type "nope"`},
		},
		{
			name:   "duplicate origin",
			config: base + "  - origin: EXAMPLE.com\n    file: example.com.zone\n    providers: [own]\n",
			want:   []string{"zonecast.yaml:10: zones[1].origin: zone example.com. is already configured at line 7"},
		},
		{
			name:   "origin not a domain name",
			config: strings.Replace(base, "origin: example.com.", "origin: exa..mple.com", 1),
			want:   []string{"zonecast.yaml:7: zones[0].origin: not a domain name"},
		},
		{
			name:   "origin with a space",
			config: strings.Replace(base, "origin: example.com.", `origin: "exa mple.com"`, 1),
			want:   []string{"zonecast.yaml:7: zones[0].origin: not a domain name"},
		},
		{
			name:   "origin missing",
			config: strings.Replace(base, "  - origin: example.com.\n    file:", "  - file:", 1),
			want:   []string{"zonecast.yaml:7: zones[0].origin: missing"},
		},
		{
			name:   "ignore without name, bad type, bad pattern",
			config: base + "    ignore:\n      - {type: TXT}\n      - {name: x, type: TXTT}\n      - {name: \"[a\"}\n",
			want: []string{
				"zonecast.yaml:11: zones[0].ignore[0].name: missing",
				`zonecast.yaml:12: zones[0].ignore[1].type: unknown record type "TXTT"`,
				"zonecast.yaml:13: zones[0].ignore[2].name: malformed pattern",
			},
		},
		{
			name:   "secret written as a value",
			config: strings.Replace(base, "env:ZONECAST_TEST_TOKEN", tokenValue, 1),
			want:   []string{"zonecast.yaml:5: providers.own.api_token: a secret is written here as a value; write a reference, env:NAME or file:PATH"},
		},
		{
			name:   "secret written as a value with a colon",
			config: strings.Replace(base, "env:ZONECAST_TEST_TOKEN", "\"pass:"+tokenValue+"\"", 1),
			want:   []string{"zonecast.yaml:5: providers.own.api_token: a secret is written here as a value"},
		},
		{
			name:   "secret written as a number",
			config: strings.Replace(base, "env:ZONECAST_TEST_TOKEN", "918273645", 1),
			want:   []string{"zonecast.yaml:5: providers.own.api_token: a secret is written here as a value"},
		},
		{
			name:   "secret from an unset variable",
			config: strings.Replace(base, "env:ZONECAST_TEST_TOKEN", "env:ZONECAST_TEST_UNSET", 1),
			want:   []string{"zonecast.yaml:5: providers.own.api_token: env:ZONECAST_TEST_UNSET: environment variable ZONECAST_TEST_UNSET is not set"},
		},
		{
			name:   "secret from an empty variable",
			config: strings.Replace(base, "env:ZONECAST_TEST_TOKEN", "env:ZONECAST_TEST_EMPTY", 1),
			want:   []string{"zonecast.yaml:5: providers.own.api_token: env:ZONECAST_TEST_EMPTY: environment variable ZONECAST_TEST_EMPTY is not set"},
		},
		{
			name:   "nested secret from a missing file",
			config: strings.Replace(base, "    server: 192.0.2.53\n", "    tsig:\n      name: k.\n      secret: file:nosuch\n", 1),
			want:   []string{"zonecast.yaml:6: providers.own.tsig.secret: file:nosuch: read secret file"},
		},
		{
			name:   "driver fails to build",
			config: strings.Replace(base, "zones:", "  second:\n    type: fake\n    fail: true\nzones:", 1),
			want:   []string{"zonecast.yaml:6: providers.second: cannot reach the fake server"},
		},
		{
			name:   "syntax error",
			config: "providers:\n  own: {type: fake\nzones: []\n",
			want:   []string{"zonecast.yaml:"},
		},
		{
			name:   "duplicate key",
			config: strings.Replace(base, "zones:", "  own:\n    type: bare\nzones:", 1),
			want:   []string{`zonecast.yaml:6: mapping key "own" already defined at [2:3]`},
		},
		{
			name:   "not a mapping",
			config: "- providers\n- zones\n",
			want:   []string{"zonecast.yaml:1: want a mapping with providers: and zones:, got a list"},
		},
		{
			name:   "no follow-on errors",
			config: strings.Replace(base, "providers: [own]", "providers: own", 1),
			want:   []string{"zonecast.yaml:9: zones[0].providers: want a list, got a string"},
		},
		{
			name:   "two documents",
			config: base + "---\nproviders: {}\n",
			want:   []string{"zonecast.yaml:11: a configuration is one YAML document"},
		},
		{
			name: "every problem at once, by line",
			config: `zones:
  - origin: example.com.
    file: nosuch.zone
    providers: [own, aws]
    extra: 1
providers:
  own:
    type: fake
    port: x
    api_token: env:ZONECAST_TEST_UNSET
state: [a]
`,
			want: []string{
				"zonecast.yaml:3: zones[0].file: zone file nosuch.zone does not exist",
				`zonecast.yaml:4: zones[0].providers[1]: unknown provider "aws"`,
				"zonecast.yaml:5: zones[0].extra: unknown key",
				"zonecast.yaml:9: providers.own.port: want an integer",
				"zonecast.yaml:10: providers.own.api_token: env:ZONECAST_TEST_UNSET",
				"zonecast.yaml:11: state: want a string, got a list",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{
				"zonecast.yaml":    tt.config,
				"example.com.zone": zoneText,
			})
			t.Chdir(dir) // so that messages name zonecast.yaml as the CLI's default does
			cfg, err := Load("zonecast.yaml", testDrivers)
			if err == nil {
				t.Fatalf("Load succeeded with %+v, want errors:\n%s", cfg, strings.Join(tt.want, "\n"))
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
			if strings.Contains(err.Error(), tokenValue) || strings.Contains(err.Error(), "918273645") {
				t.Errorf("error shows a secret's value: %v", err)
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.File != "zonecast.yaml" {
				t.Errorf("error is not a *config.Error naming zonecast.yaml: %#v", err)
			}
		})
	}
}

func TestIgnoreMatches(t *testing.T) {
	tests := []struct {
		name   string
		rule   Ignore
		owner  string
		origin string
		rrtype uint16
		want   bool
	}{
		{"relative, one level", Ignore{Name: "_acme-challenge.*", Type: "TXT"}, "_acme-challenge.www.example.com.", "example.com.", dns.TypeTXT, true},
		{"star crosses dots", Ignore{Name: "_acme-challenge.*"}, "_acme-challenge.a.b.example.com.", "example.com.", dns.TypeTXT, true},
		{"not the apex's own", Ignore{Name: "_acme-challenge.*"}, "_acme-challenge.example.com.", "example.com.", dns.TypeTXT, false},
		{"star without dot covers the apex's own", Ignore{Name: "_acme-challenge*"}, "_acme-challenge.example.com.", "example.com.", dns.TypeTXT, true},
		{"other type", Ignore{Name: "_acme-challenge.*", Type: "TXT"}, "_acme-challenge.www.example.com.", "example.com.", dns.TypeCNAME, false},
		{"any type", Ignore{Name: "_acme-challenge.*"}, "_acme-challenge.www.example.com.", "example.com.", dns.TypeCNAME, true},
		{"case and missing dots", Ignore{Name: "www"}, "WWW.Example.COM", "example.com", dns.TypeA, true},
		{"exact relative name only", Ignore{Name: "www"}, "www.sub.example.com.", "example.com.", dns.TypeA, false},
		{"apex", Ignore{Name: "@", Type: "MX"}, "example.com.", "example.com.", dns.TypeMX, true},
		{"apex is not www", Ignore{Name: "@"}, "www.example.com.", "example.com.", dns.TypeA, false},
		{"suffix pattern", Ignore{Name: "*._domainkey"}, "s1._domainkey.example.com.", "example.com.", dns.TypeTXT, true},
		{"relative pattern outside the zone", Ignore{Name: "*"}, "www.example.net.", "example.com.", dns.TypeA, false},
		{"relative pattern is not absolute", Ignore{Name: "www.example.com"}, "www.example.com.", "example.com.", dns.TypeA, false},
		{"absolute pattern", Ignore{Name: "*.dev.example.com."}, "a.dev.example.com.", "example.com.", dns.TypeA, true},
		{"absolute pattern, other name", Ignore{Name: "*.dev.example.com."}, "dev.example.com.", "example.com.", dns.TypeA, false},
		{"character class", Ignore{Name: "host[0-9]"}, "host7.example.com.", "example.com.", dns.TypeAAAA, true},
		{"generic type", Ignore{Name: "x", Type: "TYPE65534"}, "x.example.com.", "example.com.", 65534, true},
		{"root origin", Ignore{Name: "www.example"}, "www.example.", ".", dns.TypeA, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.rule.Matches(tt.owner, tt.origin, tt.rrtype); got != tt.want {
				t.Errorf("%+v.Matches(%q, %q, %s) = %v, want %v", tt.rule, tt.owner, tt.origin, dns.TypeToString[tt.rrtype], got, tt.want)
			}
		})
	}
}

// LoadSelected reads the secrets of the selected providers only: a
// missing variable of another provider fails nothing and that provider's
// secret keeps its reference, unread; Load and a selection naming that
// provider fail on the variable.
func TestLoadSelectedSecrets(t *testing.T) {
	const cfg = `providers:
  mine:
    type: fake
    api_token: env:ZONECAST_TEST_MINE
  theirs:
    type: fake
    api_token: env:ZONECAST_TEST_THEIRS
    tsig: {name: k., algorithm: hmac-sha256, secret: file:secrets/absent}
zones:
  - origin: example.com.
    file: example.com.zone
    providers: [mine, theirs]
`
	dir := writeFiles(t, map[string]string{"zonecast.yaml": cfg, "example.com.zone": zoneText})
	path := filepath.Join(dir, "zonecast.yaml")
	t.Setenv("ZONECAST_TEST_MINE", tokenValue)
	t.Setenv("ZONECAST_TEST_THEIRS", "") // restored after the test
	os.Unsetenv("ZONECAST_TEST_THEIRS")

	c, err := LoadSelected(path, testDrivers, []string{"mine"})
	if err != nil {
		t.Fatalf("LoadSelected(mine): %v", err)
	}
	mine := c.Providers["mine"].(*fakeProvider).cfg.APIToken
	if !mine.Resolved() || mine.Value() != tokenValue {
		t.Errorf("mine's token: resolved %v, value %q; want resolved %q", mine.Resolved(), mine.Value(), tokenValue)
	}
	theirs := c.Providers["theirs"].(*fakeProvider).cfg
	for _, s := range []providers.Secret{theirs.APIToken, theirs.TSIG.Secret} {
		if s.Resolved() || s.IsZero() || s.Value() != "" {
			t.Errorf("theirs' secret %s: resolved %v, zero %v, value %q; want an unread reference", s.Ref(), s.Resolved(), s.IsZero(), s.Value())
		}
	}
	if got, want := theirs.APIToken.Ref(), "env:ZONECAST_TEST_THEIRS"; got != want {
		t.Errorf("theirs' token reference %q, want %q", got, want)
	}

	for _, only := range [][]string{nil, {"mine", "theirs"}, {"theirs"}} {
		_, err := LoadSelected(path, testDrivers, only)
		if err == nil {
			t.Errorf("LoadSelected(%v): no error for the missing secrets of theirs", only)
			continue
		}
		for _, want := range []string{"providers.theirs.api_token", "environment variable ZONECAST_TEST_THEIRS is not set", "providers.theirs.tsig.secret"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("LoadSelected(%v): error %q lacks %q", only, err, want)
			}
		}
	}
	if _, err := Load(path, testDrivers); err == nil || !strings.Contains(err.Error(), "ZONECAST_TEST_THEIRS") {
		t.Errorf("Load: error %v, want the missing ZONECAST_TEST_THEIRS", err)
	}
}
