package zonefile_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/providers/zonefile"
)

var _ providers.ZoneLister = (*zonefile.Provider)(nil)

// Zones lists the zones the directory holds files for, as the provider
// names them, sorted, and nothing else that lies in the directory.
func TestZones(t *testing.T) {
	dir := t.TempDir()
	p := zonefile.New("files", dir, nil)
	providertest.Converge(t, p, "example.com.", providertest.Head)
	for _, name := range []string{
		"b.example.zone", "a.example.zone",
		".example.net.zone.123", // a write under way
		"Upper.example.zone",    // not where upper.example. is written
		"README", "db.example.org", "example.net.db",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.example.zone"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := p.Zones(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.example.", "b.example.", "example.com."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Zones (-want +got):\n%s", diff)
	}
	for _, origin := range got {
		if _, err := os.Stat(p.Path(origin)); err != nil {
			t.Errorf("%s listed, but Path gives %s: %v", origin, p.Path(origin), err)
		}
	}
}

// A directory that does not exist yet hosts no zone; a cancelled context
// lists nothing.
func TestZonesEmpty(t *testing.T) {
	p := zonefile.New("files", filepath.Join(t.TempDir(), "not-yet"), nil)
	got, err := p.Zones(t.Context())
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("Zones of a missing directory = %#v, %v; want an empty list", got, err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if got, err := p.Zones(ctx); err == nil {
		t.Errorf("Zones with a cancelled context = %v, want an error", got)
	}
}
