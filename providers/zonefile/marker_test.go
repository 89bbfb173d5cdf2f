package zonefile_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/providers/zonefile"
)

// TestMarker: the marker is the file's digest: the same while the file is,
// new after zonecast's write and after a hand edit; a zone without a file
// is ErrZoneNotFound, a file with an $INCLUDE has none.
func TestMarker(t *testing.T) {
	ctx := context.Background()
	p := zonefile.New("files", t.TempDir(), nil)
	var _ providers.Marker = p
	if m, err := p.Marker(ctx, origin); !errors.Is(err, providers.ErrZoneNotFound) {
		t.Errorf("marker of a zone without a file: %q, %v; want ErrZoneNotFound", m, err)
	}
	providertest.Converge(t, p, origin, providertest.Head)
	m1, err := p.Marker(ctx, origin)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(p.Path(origin))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m1, "sha256:") || !strings.HasSuffix(m1, " size:"+itoa(info.Size())) {
		t.Errorf("marker %q, want sha256:… size:%d", m1, info.Size())
	}
	if m, err := p.Marker(ctx, origin); err != nil || m != m1 {
		t.Errorf("unchanged file: marker %q (%v), want %q", m, err, m1)
	}
	providertest.Converge(t, p, origin, providertest.Head+"www A 192.0.2.9\n")
	m2, err := p.Marker(ctx, origin)
	if err != nil || m2 == m1 {
		t.Errorf("after zonecast's write: marker %q (%v), want a new one", m2, err)
	}
	b, err := os.ReadFile(p.Path(origin))
	if err != nil {
		t.Fatal(err)
	}
	// An edit that keeps the size.
	edited := strings.Replace(string(b), "192.0.2.9", "192.0.2.8", 1)
	if err := os.WriteFile(p.Path(origin), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if m3, err := p.Marker(ctx, origin); err != nil || m3 == m2 {
		t.Errorf("after a hand edit: marker %q (%v), want a new one", m3, err)
	}
	if err := os.WriteFile(p.Path(origin), []byte(edited+"$INCLUDE more.zone\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if m, err := p.Marker(ctx, origin); err == nil {
		t.Errorf("marker of a file with an $INCLUDE: %q, want an error", m)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
