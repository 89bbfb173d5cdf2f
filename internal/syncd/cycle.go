package syncd

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/config"
	"github.com/zonecast/zonecast/internal/engine"
)

// Options configure a cycle.
type Options struct {
	// Config is the configuration file, read again every cycle.
	Config string
	// DryRun reports drift and applies nothing (nor drops or restores).
	DryRun bool
	// Streaks are the failed cycles in a row before this one
	// (Status.Streaks); nil when there were none.
	Streaks map[Pair]Streak
	// Loaded, when set, is told the configuration's limits as soon as
	// the cycle has read them (Status.SetLimits), before any provider is
	// asked anything.
	Loaded func(config.Limits)
	// FullRead reads every zone in full, ignoring change markers
	// (engine.Engine.FullRead).
	FullRead bool
	// Sweep reads providers with no change marker once per Sweep, each
	// zone at its own time in it, not every cycle (engine.Engine.Sweep).
	Sweep time.Duration
}

// RunCycle runs one cycle over every zone × provider: one engine.Run that
// plans (leaving out providers dropped by failover), corrects drift within
// the safety limits (a provider that lost the zone is restored; drift over
// the limit is reported and left alone), does the work pending from
// earlier cycles, reads every provider back and verifies on the wire; then
// it counts each zone × provider's failed cycles in a row and applies the
// automatic failover policy of the configuration (autoFailover; never in a
// dry run). A cycle that could not run (configuration, zone files, a lock
// held), or that stopped for a failover drop or restore (which goes
// first), leaves the streaks as they were. The delegations at parent
// providers are shown as targets (Target.Parent) but never dropped.
//
// A cycle over more zones than limits.zones_at_once goes through them batch
// by batch (engine.Base.Batches), each batch run, counted and failed over
// as a cycle over those zones alone would be, and released before the next;
// every zone file is checked before the first batch.
func RunCycle(ctx context.Context, opts Options) *Cycle {
	c := &Cycle{Start: time.Now(), DryRun: opts.DryRun, Streaks: opts.Streaks}
	defer func() { c.End = time.Now() }()
	b, err := engine.Open(engine.Selection{Config: opts.Config})
	if err != nil {
		c.Err = err.Error()
		return c
	}
	b.FullRead, b.Sweep = opts.FullRead, opts.Sweep
	c.Limits, c.Failover = b.Config.Limits, b.Config.Failover
	if opts.Loaded != nil {
		opts.Loaded(b.Config.Limits)
	}
	if opts.Sweep > 0 {
		// Zones whose files changed are read at once: first.
		b.EditedFirst()
	}
	batches := b.Batches()
	if len(batches) > 1 {
		diags, err := b.Check(ctx)
		for _, d := range diags {
			c.Warnings = append(c.Warnings, d.String())
		}
		if err != nil {
			c.Err = err.Error()
			return c
		}
		// The batches' own diagnostics say the files' warnings again.
		c.Warnings = nil
	}
	streaks := map[Pair]Streak{}
	for _, origins := range batches {
		if ctx.Err() != nil {
			break
		}
		bc := runBatch(ctx, opts, b, origins)
		c.Warnings = append(c.Warnings, bc.Warnings...)
		c.Targets = append(c.Targets, bc.Targets...)
		c.Pending = append(c.Pending, bc.Pending...)
		c.Finished = append(c.Finished, bc.Finished...)
		c.Events = append(c.Events, bc.Events...)
		if bc.Err != "" {
			c.Err = bc.Err
			return c
		}
		if bc.Preempted {
			// Stopped for a drop or restore: the streaks stay as they were.
			c.Preempted = true
			return c
		}
		maps.Copy(streaks, bc.Streaks)
	}
	c.Streaks = streaks
	return c
}

// runBatch is a cycle over origins alone.
func runBatch(ctx context.Context, opts Options, b *engine.Base, origins []string) *Cycle {
	c := &Cycle{Streaks: opts.Streaks}
	e, err := b.Engine(origins)
	if e != nil {
		for _, d := range e.Diagnostics {
			c.Warnings = append(c.Warnings, d.String())
		}
	}
	if err != nil {
		c.Err = err.Error()
		return c
	}
	// Yield: a failover drop or restore goes first (the cycle stops
	// between messages; the next one goes on).
	rep, err := e.Run(ctx, engine.Policy{SkipRefused: true, DryRun: opts.DryRun, Verify: !opts.DryRun,
		SlowReadWait: e.Config.Limits.SlowReadWait, Yield: true})
	if rep == nil {
		c.Err = err.Error()
		return c
	}
	c.Preempted = errors.Is(err, engine.ErrPreempted)
	// After the run: it may have learnt of drops and restores made
	// elsewhere, from the state record the providers serve.
	for _, t := range e.Out {
		d := e.State.Dropped[t.Provider.Name()]
		c.Targets = append(c.Targets, Target{Zone: t.Zone.Origin, Provider: t.Provider.Name(), Dropped: true, Reason: d.Reason, Mismatches: -1})
	}
	c.Pending, c.Finished = rep.Pending, rep.Finished
	// rep.Targets are e.Targets, then e.Parents (the delegations).
	for i, tr := range rep.Targets {
		pt := tr.Planned
		t := Target{Zone: tr.Zone, Provider: tr.Provider, Parent: i >= len(e.Targets), Reachable: pt.Err == nil, Drift: len(pt.Changes),
			Refused: tr.Refused, Applied: tr.Result.Applied, Mismatches: -1}
		t.Restore = pt.Err == nil && t.Drift > 0 && pt.Restore()
		t.Drifted = drifted(pt.Changes)
		if ns := e.Desired[tr.Zone].Lookup(tr.Zone, dns.TypeNS); ns != nil {
			t.ApexNS = ns.Data
		}
		if !opts.DryRun || tr.Refused || pt.Err != nil {
			t.Err = tr.Problem()
		}
		if i < len(rep.Verified) && len(rep.Verified[i].Servers) > 0 {
			n := 0
			for _, sv := range rep.Verified[i].Servers {
				n += len(sv.Mismatches)
				if sv.Err != "" && t.Err == "" {
					t.Err = sv.Err
				}
			}
			t.Mismatches = n
		}
		c.Targets = append(c.Targets, t)
	}
	if c.Preempted {
		// Stopped for a drop or restore: not a failure of any provider.
		return c
	}
	c.Streaks = countStreaks(opts.Streaks, rep.Targets[:min(len(e.Targets), len(rep.Targets))])
	for i := range c.Targets {
		t := &c.Targets[i]
		if !t.Dropped && !t.Parent {
			t.FailedCycles = c.Streaks[Pair{t.Zone, t.Provider}].Failed
		}
	}
	if !opts.DryRun {
		c.Events = autoFailover(ctx, opts.Config, e, c)
	}
	return c
}
