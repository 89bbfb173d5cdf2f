package syncd

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zonecast/zonecast/internal/engine"
)

// Pair is one zone × provider.
type Pair struct {
	Zone, Provider string
}

// Streak is a zone × provider's run of cycles in a row that could not read
// or write the provider, kept in memory by the Status from one cycle to
// the next (a restarted daemon, and every `sync --once`, starts from zero).
type Streak struct {
	Failed int    // cycles in a row
	Err    string // the last one's error
	// Refused: the automatic drop was refused during this run of failures
	// (its event is shown once, not every cycle).
	Refused bool
}

// EventKind is what the automatic failover did.
type EventKind string

const (
	// AutoDrop: a provider was dropped for a zone after
	// failover.auto_drop_after_failed_cycles failed cycles.
	AutoDrop EventKind = "auto_drop"
	// AutoRestore: a provider sync had dropped was restored, serving the
	// current zone on the wire.
	AutoRestore EventKind = "auto_restore"
	// RefusedMinProviders: a drop was due but would have left the zone
	// fewer than failover.min_providers providers in service (or none).
	RefusedMinProviders EventKind = "refused_min_providers"
	// AutoDropFailed: a drop was due but the engine refused it (the others
	// do not serve the zone on the wire) or could not do it (a lock held).
	AutoDropFailed EventKind = "auto_drop_failed"
)

// Event is one automatic failover step.
type Event struct {
	Time     time.Time `json:"time"`
	Zone     string    `json:"zone"`
	Provider string    `json:"provider"`
	Kind     EventKind `json:"kind"`
	Detail   string    `json:"detail"`
}

func (e Event) String() string {
	return fmt.Sprintf("%s: %s at %s: %s", e.Kind, e.Zone, e.Provider, e.Detail)
}

// AutoReasonPrefix starts the reason of every drop sync makes by itself;
// only such drops are restored automatically.
const AutoReasonPrefix = "auto:"

// countStreaks returns the streaks after a cycle's run of the zone ×
// provider pairs in service (targets): counted on from before, reset by
// a cycle that read and wrote the provider; the others forgotten.
func countStreaks(before map[Pair]Streak, targets []engine.TargetReport) map[Pair]Streak {
	after := map[Pair]Streak{}
	for i := range targets {
		tr := &targets[i]
		if !failed(tr) {
			continue
		}
		k := Pair{tr.Zone, tr.Provider}
		s := before[k]
		s.Failed++
		s.Err = tr.Problem()
		after[k] = s
	}
	return after
}

// failed reports whether the run could not read or write the target: its
// read, its write (a reload included) or its read back failed. Drift over
// the safety limit and verify mismatches are not such failures: the
// provider answered.
func failed(tr *engine.TargetReport) bool {
	return tr.Planned.Err != nil || tr.Result.Err != nil || (tr.Left != nil && tr.Left.Err != nil)
}

// autoFailover applies the configuration's failover policy after a cycle's
// run, with the run's lock released: first it tries to restore every
// provider that sync dropped by itself (its drop reason starts with
// "auto:") and that is out of service, when failover.auto_restore is set;
// engine.Restore pushes the zone and restores only if the provider then
// serves it on the wire. Then it drops every provider that failed
// failover.auto_drop_after_failed_cycles cycles in a row, in the order of
// zone and provider name, never leaving a zone fewer than
// failover.min_providers providers in service, nor none; engine.Drop
// refuses too when the others do not serve the zone on the wire. Restores
// go first, so that a provider back counts for the drops after.
//
// Each drop and restore loads the configuration again for that one zone:
// a provider failing at one zone is dropped for that zone only. It
// returns the events and updates c's streaks (a dropped pair's is
// forgotten) and targets (a dropped provider's pending restore says why
// it is not back yet).
func autoFailover(ctx context.Context, cfgPath string, e *engine.Engine, c *Cycle) []Event {
	pol := e.Config.Failover
	var events []Event
	event := func(zone, provider string, kind EventKind, detail string) {
		events = append(events, Event{Time: time.Now().UTC(), Zone: zone, Provider: provider, Kind: kind, Detail: detail})
	}
	if pol.AutoRestore {
		for _, t := range e.Out {
			zone, name := t.Zone.Origin, t.Provider.Name()
			if !strings.HasPrefix(e.State.Dropped[name].Reason, AutoReasonPrefix) || ctx.Err() != nil {
				continue
			}
			err := restore(ctx, cfgPath, zone, name)
			if err == nil || errors.Is(err, engine.ErrPartial) {
				detail := "serves the current zone on the wire: back in service"
				if err != nil {
					detail += "; " + err.Error()
				}
				event(zone, name, AutoRestore, detail)
				continue
			}
			if i := slices.IndexFunc(c.Targets, func(x Target) bool { return x.Dropped && x.Zone == zone && x.Provider == name }); i >= 0 {
				c.Targets[i].Err = "not restored yet: " + err.Error()
			}
		}
	}
	if pol.AutoDropAfter <= 0 {
		return events
	}
	var due []Pair
	for k, st := range c.Streaks {
		if st.Failed >= pol.AutoDropAfter {
			due = append(due, k)
		}
	}
	slices.SortFunc(due, func(a, b Pair) int {
		return cmp.Or(strings.Compare(a.Zone, b.Zone), strings.Compare(a.Provider, b.Provider))
	})
	for _, k := range due {
		if ctx.Err() != nil {
			break
		}
		s := c.Streaks[k]
		failures := failedCycles(s.Failed) + ": " + s.Err
		kind, detail := drop(ctx, cfgPath, k, AutoReasonPrefix+" "+failures, failures, pol.MinProviders)
		switch {
		case kind == AutoDrop:
			delete(c.Streaks, k)
			event(k.Zone, k.Provider, kind, detail)
		case !s.Refused:
			s.Refused = true
			c.Streaks[k] = s
			event(k.Zone, k.Provider, kind, detail)
		}
	}
	return events
}

// restore restores provider name for zone alone.
func restore(ctx context.Context, cfgPath, zone, name string) error {
	e, err := engine.Load(engine.Selection{Config: cfgPath, Zones: []string{zone}})
	if err != nil {
		return err
	}
	// Never forced: only a provider seen serving the zone comes back.
	_, err = e.Restore(ctx, name, false)
	return err
}

// failedCycles is "1 failed cycle", "2 failed cycles".
func failedCycles(n int) string {
	if n == 1 {
		return "1 failed cycle"
	}
	return fmt.Sprintf("%d failed cycles", n)
}

// drop drops the pair's provider for its zone alone with reason, unless
// that would leave the zone fewer than minProviders providers in service,
// or none. It returns AutoDrop, or the kind of refusal, and the detail;
// failures says what failed, for a refusal's detail.
func drop(ctx context.Context, cfgPath string, k Pair, reason, failures string, minProviders int) (EventKind, string) {
	e, err := engine.Load(engine.Selection{Config: cfgPath, Zones: []string{k.Zone}})
	if err != nil {
		return AutoDropFailed, "not dropped: " + err.Error()
	}
	in := 0
	for _, t := range e.Targets {
		if t.Zone.Origin == k.Zone {
			in++
		}
	}
	if floor := max(minProviders, 1); in-1 < floor {
		return RefusedMinProviders, fmt.Sprintf("not dropped: %s would be left with %d in service, fewer than failover.min_providers (%d); it stays in until it works again or is dropped by hand (`zonecast failover drop --force`); %s",
			k.Zone, in-1, floor, failures)
	}
	// Never forced: the engine's refusals (the others do not serve the
	// zone on the wire, its own min_providers floor) stand.
	tr, err := e.Drop(ctx, k.Provider, reason, false)
	if err != nil && !errors.Is(err, engine.ErrPartial) {
		return AutoDropFailed, "not dropped: " + err.Error() + "; " + failures
	}
	detail := fmt.Sprintf("out of service (%s): %s", tr.Took.Round(time.Millisecond), reason)
	if err != nil {
		detail += "; " + err.Error()
	}
	return AutoDrop, detail
}
