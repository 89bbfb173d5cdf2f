package zonefile

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zonecast/zonecast/zones"
)

// Zones implements providers.ZoneLister: the zones whose files are in the
// directory, named as Path names them (example.com.zone), sorted. Other
// files (a temporary file of a write under way, which starts with '.', a
// README, db.example.com) are not zones this provider serves and are left
// out, as are subfolders. A directory that does not exist yet hosts no zone.
func (p *Provider) Zones(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(p.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []string{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".zone") {
			continue
		}
		origin := zones.CanonicalName(strings.TrimSuffix(name, "zone"))
		// Only a file Path gives back for its origin is that zone's:
		// Example.COM.zone is not where example.com. is written.
		if filepath.Base(p.Path(origin)) == name {
			out = append(out, origin)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
