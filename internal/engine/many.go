package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/zonecast/zonecast/internal/config"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// A run over many zones goes through them in batches of
// limits.zones_at_once (Base.Batches): each batch is one Engine, whose zone
// files are parsed, whose targets are read, planned, applied and read back,
// and which is then released before the next is loaded, so that memory
// holds one batch's records, never every zone's. Within a batch the
// targets are read eight at a time and applied all at once, as in a run
// over one batch; every batch shares the Base's providers (their pacing
// budgets, zone-id caches) and failover state. Runs over no more zones than
// one batch are what they always were.

// Batches cuts the selected zones into batches of limits.zones_at_once, in
// the order of the configuration. It is deterministic: the same
// configuration and selection give the same batches (a saved plan is
// applied batch by batch as it was made).
func (b *Base) Batches() [][]string {
	n := b.Config.Limits.ZonesAtOnce
	if n <= 0 {
		n = config.DefaultZonesAtOnce
	}
	var out [][]string
	for o := range slices.Chunk(b.Origins, n) {
		out = append(out, o)
	}
	return out
}

// Check parses every selected zone file, keeping nothing but what is
// wrong: a run over more than one batch checks them all before it asks any
// provider anything, so that a bad file in the last batch stops the run
// before the first is applied, as it does a run over one batch. The files
// are parsed on every CPU at once; the diagnostics (warnings and errors,
// in the order of the configuration) come back with ErrInvalidZones when
// any is an error. A file that cannot be read at all is the error.
func (b *Base) Check(ctx context.Context) (zones.Diagnostics, error) {
	type result struct {
		diags zones.Diagnostics
		err   error
	}
	results := make([]result, len(b.Origins))
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := range next {
				_, diags, err := b.parse(b.zoneConfig(b.Origins[i]))
				var keep zones.Diagnostics
				for _, d := range diags {
					if d.Severity >= zones.Warning {
						keep = append(keep, d)
					}
				}
				results[i] = result{keep, err}
			}
		})
	}
feed:
	for i := range b.Origins {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var all zones.Diagnostics
	for _, r := range results {
		if r.err != nil {
			return all, r.err
		}
		all = append(all, r.diags...)
	}
	if all.HasErrors() {
		return all, ErrInvalidZones
	}
	return all, nil
}

// Subset is the part of a saved plan that covers the zones of e, in the
// order e plans them (its targets, then its delegations), for Run's
// Policy.Saved when a saved plan over many zones is applied batch by batch.
// A zone × provider pair appears once as a target and, when the provider
// also serves the zone's parent, once more as the delegation: the k-th
// saved entry of a pair is matched to the k-th planned.
func (e *Engine) Subset(f *plan.File) *plan.File {
	sub := &plan.File{Format: f.Format, Zonecast: f.Zonecast, Config: f.Config, Zones: map[string]string{}}
	for origin := range e.Desired {
		if d, ok := f.Zones[origin]; ok {
			sub.Zones[origin] = d
		}
	}
	type pair struct{ zone, provider string }
	saved := map[pair][]plan.FileTarget{}
	for _, t := range f.Targets {
		if _, ok := e.Desired[t.Zone]; ok {
			k := pair{t.Zone, t.Provider}
			saved[k] = append(saved[k], t)
		}
	}
	for _, t := range e.all() {
		k := pair{t.Zone.Origin, t.Provider.Name()}
		if len(saved[k]) == 0 {
			// Not in the saved plan: FileTarget zero values make Check
			// name it as not planned.
			sub.Targets = append(sub.Targets, plan.FileTarget{})
			continue
		}
		sub.Targets = append(sub.Targets, saved[k][0])
		saved[k] = saved[k][1:]
	}
	for _, rest := range saved {
		// Saved targets this batch does not plan: the counts differ, and
		// Check says the configuration changed.
		sub.Targets = append(sub.Targets, rest...)
	}
	return sub
}

// Changed narrows the run to the zones whose source is among files (paths
// as the operating system names them, absolute or relative to the working
// folder): a zone's file, or a file it includes. A change to the
// configuration file selects every zone. A file that is no zone's own but
// lies in the folder of one (or below it) may be an $INCLUDE: then every
// zone under such a folder is parsed (nothing kept but the files its
// records came from) to find which include it. It returns how many zones
// are left.
func (b *Base) Changed(ctx context.Context, files []string) (int, error) {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			return filepath.Clean(p)
		}
		return a
	}
	changed := map[string]bool{}
	for _, f := range files {
		changed[abs(f)] = true
	}
	if changed[abs(b.Config.File)] {
		return len(b.Origins), nil
	}
	keep := map[string]bool{}
	own := map[string]bool{}
	dirs := map[string]bool{}
	for _, origin := range b.Origins {
		f := abs(b.zoneConfig(origin).File)
		own[f] = true
		dirs[filepath.Dir(f)] = true
		if changed[f] {
			keep[origin] = true
		}
	}
	var others []string
	for f := range changed {
		if own[f] {
			continue
		}
		for d := filepath.Dir(f); ; d = filepath.Dir(d) {
			if dirs[d] {
				others = append(others, f)
				break
			}
			if d == filepath.Dir(d) {
				break
			}
		}
	}
	if len(others) > 0 {
		for _, origin := range b.Origins {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			zc := b.zoneConfig(origin)
			if keep[origin] || !underAny(abs(zc.File), others) {
				continue
			}
			z, _, err := b.parse(zc)
			if err != nil {
				keep[origin] = true // let the run say what is wrong
				continue
			}
			for _, inc := range z.Includes {
				if changed[abs(inc)] {
					keep[origin] = true
					break
				}
			}
		}
	}
	b.Origins = slices.DeleteFunc(b.Origins, func(o string) bool { return !keep[o] })
	return len(b.Origins), nil
}

// underAny reports whether a changed file in others lies in zone file f's
// folder or below it: only such a file can be one f includes ($INCLUDE is
// confined to the zone's folder unless follow_symlinks).
func underAny(f string, others []string) bool {
	dir := filepath.Dir(f) + string(filepath.Separator)
	for _, o := range others {
		if strings.HasPrefix(o, dir) {
			return true
		}
	}
	return false
}

// prepare tells every provider that can use it (providers.ZonePreparer)
// which zones the run covers there, once per run, before its first read:
// a cloud lists the account's zones once instead of looking each up by
// name. A listing that fails costs nothing but the lookups by name; it is
// said in the notes returned (by the one call that prepared).
func (b *Base) prepare(ctx context.Context) (notes []string) {
	b.prepared.Do(func() {
		for _, name := range b.Config.ProviderOrder {
			if len(b.selected) > 0 && !slices.Contains(b.selected, name) {
				continue
			}
			zp, ok := b.Config.Providers[name].(providers.ZonePreparer)
			if !ok {
				continue
			}
			var origins []string
			parents := map[string]bool{}
			for _, o := range b.Origins {
				zc := b.zoneConfig(o)
				if slices.Contains(zc.Providers, name) {
					origins = append(origins, o)
				}
				if zc.Parent != nil && zc.Parent.Provider == name && !parents[zc.Parent.Zone] {
					parents[zc.Parent.Zone] = true
					origins = append(origins, zc.Parent.Zone)
				}
			}
			if len(origins) == 0 {
				continue
			}
			if err := zp.PrepareZones(ctx, origins); err != nil {
				notes = append(notes, fmt.Sprintf("%s: the account's zones could not be listed (%v); each zone is looked up by name", name, err))
			}
		}
	})
	return notes
}
