package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestGenerator checks the generator itself: a sequence depends on its
// parameters alone, every state it writes passes `zonecast validate
// --strict` (no errors, no warnings), every style of writing a state is
// the same zone to `zonecast zone dump`, and the safety steps sit where
// they should (Generate checks that with Judge).
func TestGenerator(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4, 5, 6, 7, 8}
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			p := Params{Seed: seed, Origin: "example.com.", Records: min(Size(seed), 3000), Limit: 30}
			a, err := Generate(p)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Generate(p)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			for i := range a.Steps {
				la, err := a.Steps[i].Zone.Lines(Profile{})
				if err != nil {
					t.Fatal(err)
				}
				lb, _ := b.Steps[i].Zone.Lines(Profile{})
				if !slices.Equal(la, lb) {
					t.Fatalf("seed %d step %d: two runs of the generator differ", seed, i+1)
				}
				var dumps []string
				for style := range uint64(2) {
					file := filepath.Join(dir, fmt.Sprintf("step%d.%d.zone", i+1, style))
					if err := os.WriteFile(file, []byte(WriteZone(a.Steps[i].Zone, seed*100+uint64(i)*10+style)), 0o644); err != nil {
						t.Fatal(err)
					}
					if res := zonecast(t, dir, nil, "validate", "--strict", "--origin", "example.com.", file); res.code != 0 {
						t.Fatalf("seed %d step %d (%s): the generated zone does not validate:\n%s", seed, i+1, a.Steps[i].Kind, res)
					}
					res := zonecast(t, dir, nil, "zone", "dump", "--origin", "example.com.", file)
					if res.code != 0 {
						t.Fatalf("seed %d step %d: zone dump:\n%s", seed, i+1, res)
					}
					dumps = append(dumps, res.stdout)
				}
				if dumps[0] != dumps[1] {
					t.Fatalf("seed %d step %d: two styles of the same zone dump differently", seed, i+1)
				}
				// zonecast's reading of the file is the generator's zone.
				zp := dns.NewZoneParser(strings.NewReader(dumps[0]), "", "dump")
				var got []string
				for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
					got = append(got, Line(rr))
				}
				if err := zp.Err(); err != nil {
					t.Fatalf("seed %d step %d: zone dump output does not parse: %v", seed, i+1, err)
				}
				slices.Sort(got)
				if missing, extra := diffLines(la, slices.Compact(got)); len(missing)+len(extra) > 0 {
					t.Fatalf("seed %d step %d: zone dump reads the file as another zone:\nmissing %q\nextra %q", seed, i+1, missing[:min(5, len(missing))], extra[:min(5, len(extra))])
				}
			}
		})
	}
}

// TestDefaultSeeds checks that the default seeds still test what they were
// chosen for: at every driver, each seed has a step at the safety limit and
// a later one over it, and some seed a step of over 1,000 changes; the
// zone-file and BIND drivers get a zone of over 18,000 records. A change to
// the generator changes every sequence: pick seeds again when this fails.
func TestDefaultSeeds(t *testing.T) {
	for _, d := range drivers {
		big, large := false, false
		for _, seed := range defaultSeeds {
			seq, err := Generate(Params{Seed: seed, Origin: origin, Records: min(Size(seed), d.maxRecords), MaxRecords: d.maxGrowth, Profile: d.profile, Limit: limit, Quirks: d.quirks})
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, st := range seq.Steps {
				kinds = append(kinds, st.Kind)
			}
			at := slices.Index(kinds, "at the limit")
			if over := slices.Index(kinds, "over the limit"); at < 0 || over < at {
				t.Errorf("%s seed %d: steps %q: want one at the safety limit and a later one over it", d.name, seed, kinds)
			}
			big = big || slices.Contains(kinds, "big edit")
			large = large || seq.Steps[0].Zone.Records() > 18000
		}
		if !big {
			t.Errorf("%s: no default seed has a step of over 1,000 changes", d.name)
		}
		if !large && (d.name == "zonefile" || d.name == "bind") {
			t.Errorf("%s: no default seed has a zone of over 18,000 records", d.name)
		}
	}
}
