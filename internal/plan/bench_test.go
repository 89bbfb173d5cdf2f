package plan_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/zonefile"
	"github.com/zonecast/zonecast/zones"
)

// BenchmarkPlan measures a whole plan against a zone-file target: parse the
// desired zone, read the provider's file, diff. Zones come from
// ../shared/bench/genzone via `make bench` ($ZONECAST_BENCH_DIR/<n>/).
//
//   - nochange: the target holds base.zone, the desired zone is base.zone
//   - changed: the target holds base.zone, the desired zone is changed.zone (~1%)
//   - empty: the target holds nothing, every RRset is a create
func BenchmarkPlan(b *testing.B) {
	dir := os.Getenv("ZONECAST_BENCH_DIR")
	if dir == "" {
		b.Skip("ZONECAST_BENCH_DIR is not set; run `make bench`")
	}
	src := filepath.Join(dir, "100000")
	target := b.TempDir()
	data, err := os.ReadFile(filepath.Join(src, "base.zone"))
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "bench.example.zone"), data, 0o644); err != nil {
		b.Fatal(err)
	}
	full := zonefile.New("files", target, nil)
	empty := zonefile.New("empty", b.TempDir(), nil)
	for _, c := range []struct {
		name, desired string
		p             providers.Provider
	}{
		{"nochange/100000", "base.zone", full},
		{"changed/100000", "changed.zone", full},
		{"empty/100000", "base.zone", empty},
	} {
		b.Run(c.name, func(b *testing.B) {
			var changes int
			for b.Loop() {
				z, diags, err := zones.ParseFile(filepath.Join(src, c.desired), zones.Options{})
				if err != nil || diags.HasErrors() {
					b.Fatal(err, diags.Err())
				}
				current, err := c.p.Records(context.Background(), z.Origin)
				missing := errors.Is(err, providers.ErrZoneNotFound)
				if err != nil && !missing {
					b.Fatal(err)
				}
				t := plan.Compute(plan.Input{Desired: z, Provider: c.p.Name(), Caps: c.p.Capabilities(), Current: current, Missing: missing})
				changes = len(t.Changes)
			}
			b.ReportMetric(float64(changes), "changes")
		})
	}
}
