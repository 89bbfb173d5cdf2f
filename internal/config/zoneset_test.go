package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// setBase declares two providers; zone entries follow.
const setBase = `providers:
  own:
    type: bare
  other:
    type: bare
zones:
`

// A zone set expands in its place in the file into one zone per zone
// file, sorted by origin, each with the set's settings; hidden files,
// backups and subfolders are not members.
func TestZoneSetExpansion(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"zonecast.yaml": setBase + `  - origin: alone.example.
    file: alone.zone
    providers: [own]
  - dir: customers
    providers: [own, other]
    ignore:
      - {name: "_acme-challenge.*", type: txt}
    follow_symlinks: true
    idn: true
  - origin: last.example.
    file: alone.zone
    providers: [other]
`,
		"alone.zone":                      zoneText,
		"customers/b.example.zone":        zoneText,
		"customers/Upper.Example.db":      zoneText,
		"customers/db.a.example":          zoneText,
		"customers/.c.example.zone.12345": "a zonefile provider's temporary file",
		"customers/.hidden.zone":          "",
		"customers/d.example.zone~":       "",
		"customers/d.example.zone.swp":    "",
		"customers/d.example.zone.bak":    "",
		"customers/sub/e.example.zone":    zoneText, // not descended
	})
	c, err := Load(filepath.Join(dir, "zonecast.yaml"), testDrivers)
	if err != nil {
		t.Fatal(err)
	}
	ign := []Ignore{{Name: "_acme-challenge.*", Type: "TXT"}}
	member := func(origin, file string) Zone {
		return Zone{Origin: origin, File: filepath.Join(dir, "customers", file), Providers: []string{"own", "other"},
			Ignore: ign, FollowSymlinks: true, IDN: true, Set: "customers"}
	}
	want := []Zone{
		{Origin: "alone.example.", File: filepath.Join(dir, "alone.zone"), Providers: []string{"own"}},
		member("a.example.", "db.a.example"),
		member("b.example.", "b.example.zone"),
		member("upper.example.", "Upper.Example.db"),
		{Origin: "last.example.", File: filepath.Join(dir, "alone.zone"), Providers: []string{"other"}},
	}
	if diff := cmp.Diff(want, c.Zones); diff != "" {
		t.Errorf("zones (-want +got):\n%s", diff)
	}
	if len(c.Sets) != 1 || c.Sets[0].Members != 3 || c.Sets[0].Path != filepath.Join(dir, "customers") {
		t.Errorf("sets: %+v, want customers with 3 members", c.Sets)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %v", c.Warnings)
	}
	// Members do not share slices: changing one changes no other.
	c.Zones[1].Providers[0] = "changed"
	if c.Zones[2].Providers[0] != "own" {
		t.Errorf("members share their providers list")
	}
}

// match: narrows the members to the files it matches, so that other files
// in the folder (a README) are left alone.
func TestZoneSetMatch(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"zonecast.yaml":        setBase + "  - {dir: zones, match: \"*.zone\", providers: [own]}\n",
		"zones/a.example.zone": zoneText,
		"zones/db.b.example":   zoneText,
		"zones/README":         "not a zone",
	})
	c, err := Load(filepath.Join(dir, "zonecast.yaml"), testDrivers)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Zones) != 1 || c.Zones[0].Origin != "a.example." {
		t.Errorf("zones: %+v, want a.example. only", c.Zones)
	}
}

// An empty folder is a set of no zones: allowed (init --from writes one
// for export to fill), with a warning at its line.
func TestZoneSetEmptyWarns(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"zonecast.yaml":    setBase + "  - {origin: a.example., file: a.example.zone, providers: [own]}\n  - dir: empty\n    providers: [own]\n",
		"a.example.zone":   zoneText,
		"empty/sub/x.zone": zoneText,
	})
	c, err := Load(filepath.Join(dir, "zonecast.yaml"), testDrivers)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Zones) != 1 {
		t.Errorf("zones: %+v, want a.example. only", c.Zones)
	}
	wantSets := []ZoneSet{{Dir: "empty", Path: filepath.Join(dir, "empty"), Match: "*", Providers: []string{"own"}, Line: 8}}
	if diff := cmp.Diff(wantSets, c.Sets); diff != "" {
		t.Errorf("sets (-want +got):\n%s", diff)
	}
	if len(c.Warnings) != 1 {
		t.Fatalf("warnings: %v, want one", c.Warnings)
	}
	w := c.Warnings[0]
	if w.Line != 8 || w.Key != "zones[1].dir" || !strings.Contains(w.Error(), "has no zone files") {
		t.Errorf("warning %q (line %d, key %s), want zones[1].dir at line 8 saying it has no zone files", w, w.Line, w.Key)
	}
}

// A parent: in a set is every member's, so every member must be below it.
func TestZoneSetParent(t *testing.T) {
	files := map[string]string{
		"zonecast.yaml":               setBase + "  - dir: subs\n    providers: [own]\n    parent: {provider: other, zone: Hosting.Example}\n",
		"subs/a.hosting.example.zone": zoneText,
		"subs/b.hosting.example.zone": zoneText,
	}
	c, err := Load(filepath.Join(writeFiles(t, files), "zonecast.yaml"), testDrivers)
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range c.Zones {
		if z.Parent == nil || *z.Parent != (Parent{Provider: "other", Zone: "hosting.example."}) {
			t.Errorf("%s: parent %+v, want other/hosting.example.", z.Origin, z.Parent)
		}
	}
	if len(c.Zones) != 2 || c.Zones[0].Parent == c.Zones[1].Parent {
		t.Errorf("want two members with a parent each, got %+v", c.Zones)
	}
}

func TestZoneSetErrors(t *testing.T) {
	tests := []struct {
		name   string
		config string
		files  []string
		want   []string // error lines, in order, each a prefix
	}{
		{
			name:   "file name gives no origin",
			config: "  - dir: zones\n    providers: [own]\n",
			files:  []string{"zones/a.example.zone", "zones/README", "zones/notes.txt"},
			want:   []string{"zonecast.yaml:7: zones[0].dir: README, notes.txt: the file names give no zone origin; name each after its zone"},
		},
		{
			name:   "origin not a host name",
			config: "  - dir: zones\n    providers: [own]\n",
			files:  []string{"zones/a b.zone", "zones/x@y.zone"},
			want:   []string{"zonecast.yaml:7: zones[0].dir: a b.zone, x@y.zone: the file names give no zone origin"},
		},
		{
			name:   "set and single zone",
			config: "  - {origin: a.example., file: one.zone, providers: [own]}\n  - dir: zones\n    providers: [other]\n",
			files:  []string{"one.zone", "zones/A.example.zone", "zones/b.example.zone"},
			want:   []string{"zonecast.yaml:8: zones[1].dir: zone a.example. (zone set file A.example.zone) is already configured at line 7; configure each zone once"},
		},
		{
			name:   "single zone after a set",
			config: "  - dir: zones\n    providers: [other]\n  - {origin: b.example., file: one.zone, providers: [own]}\n",
			files:  []string{"one.zone", "zones/b.example.zone"},
			want:   []string{"zonecast.yaml:9: zones[1].origin: zone b.example. is already configured at line 7 (zone set file b.example.zone); configure each zone once"},
		},
		{
			name:   "two sets",
			config: "  - {dir: zones, providers: [own]}\n  - {dir: more, providers: [other]}\n",
			files:  []string{"zones/a.example.zone", "more/db.a.example", "more/c.example.zone"},
			want:   []string{"zonecast.yaml:8: zones[1].dir: zone a.example. (zone set file db.a.example) is already configured at line 7 (zone set file a.example.zone)"},
		},
		{
			name:   "two sets over one folder",
			config: "  - {dir: zones, providers: [own]}\n  - {dir: ./zones/, providers: [other]}\n",
			files:  []string{"zones/a.example.zone", "zones/b.example.zone", "zones/c.example.zone", "zones/d.example.zone", "zones/e.example.zone"},
			want: []string{
				"zonecast.yaml:8: zones[1].dir: zone a.example. (zone set file a.example.zone) is already configured at line 7 (zone set file a.example.zone)",
				"zonecast.yaml:8: zones[1].dir: zone b.example. (zone set file b.example.zone) is already configured at line 7",
				"zonecast.yaml:8: zones[1].dir: zone c.example. (zone set file c.example.zone) is already configured at line 7",
				"zonecast.yaml:8: zones[1].dir: and 2 more zones of this set are already configured elsewhere",
			},
		},
		{
			name:   "two files in one set",
			config: "  - {dir: zones, providers: [own]}\n",
			files:  []string{"zones/a.example.zone", "zones/db.a.example"},
			want:   []string{"zonecast.yaml:7: zones[0].dir: zone a.example. (zone set file db.a.example) is already configured at line 7 (zone set file a.example.zone)"},
		},
		{
			name:   "origin and file in a set",
			config: "  - dir: zones\n    origin: a.example.\n    file: zones/a.example.zone\n    providers: [own]\n",
			files:  []string{"zones/a.example.zone"},
			want: []string{
				"zonecast.yaml:8: zones[0].origin: a zone set (dir:) takes each zone's origin from its file's name",
				"zonecast.yaml:9: zones[0].file: a zone set (dir:) is every zone file in its folder",
			},
		},
		{
			name:   "missing folder",
			config: "  - {dir: nowhere, providers: [own]}\n",
			want:   []string{"zonecast.yaml:7: zones[0].dir: zone set folder nowhere does not exist"},
		},
		{
			name:   "folder is a file",
			config: "  - {dir: one.zone, providers: [own]}\n",
			files:  []string{"one.zone"},
			want:   []string{"zonecast.yaml:7: zones[0].dir: zone set folder one.zone is not a folder"},
		},
		{
			name:   "bad match",
			config: "  - {dir: zones, match: \"[\", providers: [own]}\n",
			files:  []string{"zones/a.example.zone"},
			want:   []string{"zonecast.yaml:7: zones[0].match: \"[\" is not a file name pattern"},
		},
		{
			name:   "match with a slash",
			config: "  - {dir: zones, match: \"*/*.zone\", providers: [own]}\n",
			files:  []string{"zones/a.example.zone"},
			want:   []string{"zonecast.yaml:7: zones[0].match: \"*/*.zone\": a pattern matches file names in the folder"},
		},
		{
			name:   "match on a single zone",
			config: "  - {origin: a.example., file: one.zone, match: \"*\", providers: [own]}\n",
			files:  []string{"one.zone"},
			want:   []string{"zonecast.yaml:7: zones[0].match: match: narrows a zone set (dir:)"},
		},
		{
			name:   "no providers, unknown provider",
			config: "  - {dir: zones}\n  - {dir: more, providers: [nobody]}\n",
			files:  []string{"zones/a.example.zone", "more/b.example.zone"},
			want: []string{
				"zonecast.yaml:7: zones[0].providers: no providers; list the providers that serve the zones of zones",
				"zonecast.yaml:8: zones[1].providers[0]: unknown provider \"nobody\"",
			},
		},
		{
			name:   "member not below the parent",
			config: "  - dir: zones\n    providers: [own]\n    parent: {provider: other, zone: hosting.example.}\n",
			files:  []string{"zones/a.hosting.example.zone", "zones/b.elsewhere.zone", "zones/hosting.example.zone"},
			want:   []string{"zonecast.yaml:9: zones[0].parent.zone: hosting.example. is not a parent of the zones of b.elsewhere.zone, hosting.example.zone; a parent: in a zone set is every member's"},
		},
		{
			name:   "bad ignore rule",
			config: "  - dir: zones\n    providers: [own]\n    ignore: [{type: TXT}]\n",
			files:  []string{"zones/a.example.zone"},
			want:   []string{"zonecast.yaml:9: zones[0].ignore[0].name: missing"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"zonecast.yaml": setBase + tt.config}
			for _, f := range tt.files {
				files[f] = zoneText
			}
			t.Chdir(writeFiles(t, files))
			cfg, err := Load("zonecast.yaml", testDrivers)
			if err == nil {
				t.Fatalf("Load succeeded with zones %+v, want errors:\n%s", cfg.Zones, strings.Join(tt.want, "\n"))
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
		})
	}
}

// Config.Zone finds zones by origin, members of sets included, through the
// index Load builds, and scans a Config built by hand.
func TestConfigZone(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"zonecast.yaml":        setBase + "  - {origin: alone.example., file: a.zone, providers: [own]}\n  - {dir: zones, providers: [other]}\n",
		"a.zone":               zoneText,
		"zones/b.example.zone": zoneText,
		"zones/c.example.zone": zoneText,
	})
	c, err := Load(filepath.Join(dir, "zonecast.yaml"), testDrivers)
	if err != nil {
		t.Fatal(err)
	}
	for _, origin := range []string{"alone.example.", "b.example.", "c.example."} {
		z, ok := c.Zone(origin)
		if !ok || z.Origin != origin {
			t.Errorf("Zone(%q) = %q, %v", origin, z.Origin, ok)
		}
	}
	if z, ok := c.Zone("c.example."); !ok || z.Set != "zones" || z.Providers[0] != "other" {
		t.Errorf("Zone(c.example.) = %+v, want the member of zones", z)
	}
	for _, origin := range []string{"d.example.", "C.example.", ""} {
		if z, ok := c.Zone(origin); ok {
			t.Errorf("Zone(%q) = %+v, want none", origin, z)
		}
	}
	byHand := &Config{Zones: []Zone{{Origin: "x.example."}, {Origin: "y.example."}}}
	if z, ok := byHand.Zone("y.example."); !ok || z.Origin != "y.example." {
		t.Errorf("hand-built Zone(y.example.) = %+v, %v", z, ok)
	}
	c.Zones = append(c.Zones, Zone{Origin: "added.example."})
	if _, ok := c.Zone("added.example."); !ok {
		t.Errorf("Zone misses a zone appended after Load")
	}
}

// LoadProviders reads a file that has no zones yet; Load refuses it.
func TestLoadProvidersWithoutZones(t *testing.T) {
	dir := writeFiles(t, map[string]string{"zonecast.yaml": "providers:\n  own: {type: bare}\n"})
	path := filepath.Join(dir, "zonecast.yaml")
	c, err := LoadProviders(path, testDrivers, []string{"own"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Zones) != 0 || c.Providers["own"] == nil {
		t.Errorf("LoadProviders: zones %v, providers %v", c.Zones, c.Providers)
	}
	if _, err := Load(path, testDrivers); err == nil || !strings.Contains(err.Error(), "zones: no zones") {
		t.Errorf("Load: %v, want no zones", err)
	}
}

// BenchmarkLoadZoneSet10k loads a configuration whose one zone set holds
// ten thousand zone files: one ReadDir, no file opened.
func BenchmarkLoadZoneSet10k(b *testing.B) {
	dir := b.TempDir()
	zdir := filepath.Join(dir, "customers")
	if err := os.Mkdir(zdir, 0o755); err != nil {
		b.Fatal(err)
	}
	for i := range 10000 {
		if err := os.WriteFile(filepath.Join(zdir, fmt.Sprintf("customer%05d.example.zone", i)), []byte(zoneText), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	path := filepath.Join(dir, "zonecast.yaml")
	if err := os.WriteFile(path, []byte(setBase+"  - dir: customers\n    providers: [own, other]\n    ignore: [{name: \"_acme-challenge.*\", type: TXT}]\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c, err := Load(path, testDrivers)
		if err != nil {
			b.Fatal(err)
		}
		if len(c.Zones) != 10000 {
			b.Fatalf("%d zones", len(c.Zones))
		}
	}
}
