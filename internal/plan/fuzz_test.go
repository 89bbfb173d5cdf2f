package plan_test

import (
	"strings"
	"testing"

	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/zones"
)

// FuzzDecode feeds arbitrary bytes to the saved-plan reader: it must never
// panic, and whatever it accepts must be a whole plan whose digest holds.
func FuzzDecode(f *testing.F) {
	z, _, _ := zones.Parse(strings.NewReader(head+"www A 192.0.2.2\n"), "example.com.zone", zones.Options{})
	target := plan.Compute(plan.Input{Desired: z, Provider: "p"})
	file, err := plan.NewFile(&plan.Plan{Targets: []*plan.Target{&target}}, "test", "sha256:x", map[string]*zones.Zone{z.Origin: z})
	if err != nil {
		f.Fatal(err)
	}
	path := f.TempDir() + "/plan.json"
	if err := file.Write(path); err != nil {
		f.Fatal(err)
	}
	good, _ := plan.Read(path)
	if good == nil {
		f.Fatal("a fresh plan file does not read back")
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"format":1,"targets":[{"changes":[{"op":"create"}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := plan.Decode(b, "fuzz.json")
		if err != nil {
			return
		}
		for _, tg := range p.Targets {
			for _, c := range tg.Changes {
				if c.RRset() == nil {
					t.Fatalf("accepted a change without an RRset: %q", b)
				}
			}
		}
	})
}
