package cli

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/zonecast/zonecast/internal/config"
	"github.com/zonecast/zonecast/internal/failover"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/all"
	"github.com/zonecast/zonecast/zones"
)

// Exit codes shared by plan and apply (DESIGN.md).
const (
	exitChanges = 2 // plan --exit-code found changes
	exitPartial = 3 // apply: some providers failed, the others were updated
	exitUnsafe  = 4 // apply: refused by a safety check; nothing changed
	exitStale   = 5 // apply PLANFILE: the providers or the zone files changed since the plan; nothing changed
)

// selection is the --config, --zone and --provider flags of plan and apply.
type selection struct {
	config    string
	zones     []string
	providers []string
}

// session is a loaded configuration with the zones and providers a command
// works on.
type session struct {
	cfg          *config.Config
	configDigest string
	state        *failover.State
	// files are the zones as their files say; desired the same less the
	// apex nameservers of providers out of service (failover drop).
	files   map[string]*zones.Zone // by origin
	desired map[string]*zones.Zone // by origin
	targets []targetRef
	// out are the zone × provider pairs left out because the provider is
	// out of service.
	out []targetRef
}

// targetRef is one zone × provider to plan.
type targetRef struct {
	zone     config.Zone
	provider providers.Provider
}

// load reads the configuration and every selected zone file. Any error
// stops here, before a provider is asked anything.
func load(io *streams, sel selection) (*session, error) {
	cfg, err := config.Load(sel.config, all.Drivers())
	if err != nil {
		return nil, err
	}
	for _, z := range sel.zones {
		if !slices.ContainsFunc(cfg.Zones, func(c config.Zone) bool { return c.Origin == zones.CanonicalName(z) }) {
			return nil, fmt.Errorf("--zone %s: no such zone in %s", z, cfg.File)
		}
	}
	for _, p := range sel.providers {
		if _, ok := cfg.Providers[p]; !ok {
			return nil, fmt.Errorf("--provider %s: no such provider in %s", p, cfg.File)
		}
	}
	raw, err := os.ReadFile(cfg.File)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	state, err := failover.Load(cfg.State)
	if err != nil {
		return nil, err
	}
	s := &session{cfg: cfg, configDigest: "sha256:" + hex.EncodeToString(sum[:]), state: state,
		files: map[string]*zones.Zone{}, desired: map[string]*zones.Zone{}}
	invalid := false
	for _, zc := range cfg.Zones {
		if len(sel.zones) > 0 && !slices.ContainsFunc(sel.zones, func(z string) bool { return zones.CanonicalName(z) == zc.Origin }) {
			continue
		}
		z, diags, err := zones.ParseFile(zc.File, zones.Options{Origin: zc.Origin})
		if err != nil {
			return nil, fmt.Errorf("zone %s: %w", zc.Origin, err)
		}
		for _, d := range diags {
			if d.Severity >= zones.Warning {
				fmt.Fprintln(io.err, d)
			}
		}
		if diags.HasErrors() {
			invalid = true
			continue
		}
		s.files[zc.Origin] = z
		var outNS []providers.Nameserver
		for _, name := range zc.Providers {
			t := targetRef{zone: zc, provider: cfg.Providers[name]}
			if state.IsDropped(name, zc.Origin) {
				outNS = append(outNS, t.provider.Capabilities().Nameservers...)
				s.out = append(s.out, t)
				continue
			}
			if len(sel.providers) > 0 && !slices.Contains(sel.providers, name) {
				continue
			}
			s.targets = append(s.targets, t)
		}
		if s.desired[zc.Origin], err = failover.Without(z, outNS); err != nil {
			return nil, fmt.Errorf("zone %s: %w", zc.Origin, err)
		}
	}
	for _, t := range s.out {
		d := state.Dropped[t.provider.Name()]
		fmt.Fprintf(io.err, "zonecast: %s is out of service for %s since %s (%s): left out; `zonecast failover restore %s` brings it back\n",
			t.provider.Name(), t.zone.Origin, d.Since.Format(time.RFC3339), cmp.Or(d.Reason, "no reason given"), t.provider.Name())
	}
	if invalid {
		return nil, errors.New("zone files have errors; nothing was planned or changed")
	}
	return s, nil
}

// plan reads every target's provider, at most eight at a time, and plans
// it. A provider that cannot be read gives a target with Err set.
func (s *session) plan(ctx context.Context) *plan.Plan {
	p := &plan.Plan{Targets: make([]*plan.Target, len(s.targets))}
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, t := range s.targets {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			p.Targets[i] = s.planOne(ctx, t)
		})
	}
	wg.Wait()
	return p
}

func (s *session) planOne(ctx context.Context, t targetRef) *plan.Target {
	desired := s.desired[t.zone.Origin]
	current, err := t.provider.Records(ctx, t.zone.Origin)
	missing := errors.Is(err, providers.ErrZoneNotFound)
	if err != nil && !missing {
		return &plan.Target{Zone: t.zone.Origin, Provider: t.provider.Name(),
			Err: fmt.Errorf("read %s at %s: %w", t.zone.Origin, t.provider.Name(), err)}
	}
	zc := t.zone
	target := plan.Compute(plan.Input{
		Desired:  desired,
		Provider: t.provider.Name(),
		Caps:     t.provider.Capabilities(),
		Current:  current,
		Missing:  missing,
		Ignored: func(name string, typ uint16) bool {
			return slices.ContainsFunc(zc.Ignore, func(i config.Ignore) bool { return i.Matches(name, zc.Origin, typ) })
		},
	})
	return &target
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
