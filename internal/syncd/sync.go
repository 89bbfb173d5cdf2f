// Package syncd runs zonecast as a scheduled job: a cycle (plan every zone ×
// provider, correct drift within the safety limits, apply, verify) at a
// jittered interval, with Prometheus metrics, liveness and readiness
// endpoints and a status page; beside the cycles, never inside one, it
// audits every zone's live delegation on a schedule of its own (RunAudit,
// AuditLoop). A cycle is one engine.Run (RunCycle),
// followed by the automatic failover policy when the configuration asks
// for it (autoFailover); this package turns the report into what the
// metrics and the status page show, schedules cycles, keeps their results
// (and, in memory only, each zone × provider's run of failed cycles) and
// serves them. It does not decide what a drop or a restore does: the
// engine does.
package syncd

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zonecast/zonecast/internal/config"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/zones"
)

// Target is one zone × provider in a cycle.
type Target struct {
	Zone     string `json:"zone"`
	Provider string `json:"provider"`
	// Parent: the zone's delegation at its parent provider (its NS set and
	// glue there), not the zone.
	Parent bool `json:"parent,omitempty"`
	// Dropped: out of service (failover); not planned.
	Dropped bool   `json:"dropped,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// Reachable: the provider could be read.
	Reachable bool `json:"reachable"`
	// Drift is how many RRsets differed from the zone file; Restore says
	// the provider had lost the zone.
	Drift   int  `json:"drift"`
	Restore bool `json:"restore,omitempty"`
	// Drifted names the first MaxDrifted of the Drift RRsets, in the
	// plan's order, as "+ NAME TYPE" (missing at the provider), "~ NAME
	// TYPE" (different there) or "- NAME TYPE" (there, not in the zone
	// file).
	Drifted []string `json:"drifted,omitempty"`
	// Refused: the drift is over the safety limit: reported, not applied.
	Refused bool   `json:"refused,omitempty"`
	Applied int    `json:"applied"`
	Err     string `json:"error,omitempty"`
	// Mismatches is what verify found on the wire after applying (-1: not
	// verified).
	Mismatches int      `json:"verify_mismatches"`
	ApexNS     []string `json:"apex_ns,omitempty"`
	// LastSuccess is the end of the last cycle that left this target in
	// sync.
	LastSuccess time.Time `json:"last_success"`
	// FailedCycles is how many cycles in a row, this one included, could
	// not read or write the provider (0 when this one could).
	FailedCycles int `json:"failed_cycles,omitempty"`
}

// MaxDrifted bounds Target.Drifted: a provider that lost a zone of a
// million records is named by its count, not by a million lines.
const MaxDrifted = 100

// drifted names the first MaxDrifted RRsets changes would change.
func drifted(changes []plan.Change) []string {
	var out []string
	for _, ch := range changes[:min(len(changes), MaxDrifted)] {
		mark := map[plan.Op]string{plan.Create: "+", plan.Update: "~", plan.Delete: "-"}[ch.Op]
		s := ch.RRset()
		// A deleted name comes from the provider: escaped for a terminal.
		out = append(out, fmt.Sprintf("%s %s %s", mark, zones.EscapeText(s.Name), s.TypeString()))
	}
	return out
}

// OK reports whether the target ended the cycle in sync (or is dropped).
func (t *Target) OK() bool {
	return t.Dropped || (t.Reachable && t.Err == "" && !t.Refused && t.Mismatches <= 0)
}

// Cycle is one run over every target.
type Cycle struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	DryRun bool      `json:"dry_run,omitempty"`
	Err    string    `json:"error,omitempty"` // the cycle could not run (configuration, zone file, lock)
	// Preempted: the cycle stopped between messages for a failover drop
	// or restore, which goes first; the next cycle goes on.
	Preempted bool     `json:"preempted,omitempty"`
	Targets   []Target `json:"targets"`
	// Pending is work still to do after the cycle (a reload, a parent
	// delegation), carried over to the next one.
	Pending []plan.Pending `json:"pending,omitempty"`
	// Finished is the work pending from earlier runs that this cycle did.
	Finished []plan.Pending `json:"finished,omitempty"`
	// Warnings are the zone files' warnings.
	Warnings []string `json:"warnings,omitempty"`
	// Events are the automatic failover's drops, restores and refusals
	// in this cycle.
	Events []Event `json:"events,omitempty"`
	// Streaks are every zone × provider's failed cycles in a row after
	// this cycle, for the next one (Options.Streaks).
	Streaks map[Pair]Streak `json:"-"`
	// Limits are the configuration's limits as this cycle read them (zero
	// when it could not), which bound how long a cycle may take.
	Limits config.Limits `json:"-"`
	// Failover is the configuration's failover block as this cycle read
	// it.
	Failover config.Failover `json:"-"`
}

// OK reports whether every target ended in sync.
func (c *Cycle) OK() bool {
	if c.Err != "" || len(c.Pending) > 0 {
		return false
	}
	for i := range c.Targets {
		if !c.Targets[i].OK() {
			return false
		}
	}
	return true
}

// RunFunc runs one cycle.
type RunFunc func(ctx context.Context) *Cycle

// Loop runs cycles until ctx ends, one every interval with ±10% jitter,
// recording the start of each and then its result in s. A cycle in flight
// when ctx ends is let finish what it was sending (its context ends too;
// drivers stop between messages).
func Loop(ctx context.Context, s *Status, interval time.Duration, run RunFunc) {
	for {
		s.Begin(time.Now())
		s.Record(run(ctx))
		if ctx.Err() != nil {
			return
		}
		jitter := time.Duration((rand.Float64()*0.2 - 0.1) * float64(interval))
		select {
		case <-time.After(interval + jitter):
		case <-ctx.Done():
			return
		}
	}
}

// Status keeps the last cycle and what the metrics and pages show. Its
// methods are safe for concurrent use (the loop records, HTTP handlers
// read).
type Status struct {
	mu       sync.Mutex
	interval time.Duration
	started  time.Time     // when the status was made: the loop's start
	running  time.Time     // start of the cycle in flight; zero between cycles
	limits   config.Limits // of the last cycle that read the configuration
	last     *Cycle
	lastEnd  time.Time            // end of the last cycle, whatever its result
	success  map[string]time.Time // zone|provider → last success
	streaks  map[Pair]Streak
	events   []Event // the latest automatic failover events, oldest first
	audits   *Audits // the latest scheduled audit (AuditLoop)
	metrics  *Metrics
}

// maxEvents is how many automatic failover events the status page keeps.
const maxEvents = 50

// NewStatus returns an empty status for a loop of the given interval.
func NewStatus(interval time.Duration, m *Metrics) *Status {
	return &Status{interval: interval, started: time.Now(), success: map[string]time.Time{}, streaks: map[Pair]Streak{}, metrics: m}
}

// Begin records that a cycle started at now.
func (s *Status) Begin(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running = now
}

// SetLimits records the limits of the configuration a cycle just read,
// which bound how long it may take (see Live).
func (s *Status) SetLimits(l config.Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = l
}

// Record keeps a cycle's results: it ends the cycle in flight.
func (s *Status) Record(c *Cycle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range c.Targets {
		t := &c.Targets[i]
		k := t.Zone + "|" + t.Provider
		if t.OK() && !t.Dropped {
			s.success[k] = c.End
		}
		t.LastSuccess = s.success[k]
	}
	if c.Streaks != nil {
		s.streaks = c.Streaks
	}
	if c.Limits != (config.Limits{}) {
		s.limits = c.Limits
	}
	s.events = append(s.events, c.Events...)
	if n := len(s.events) - maxEvents; n > 0 {
		s.events = slices.Delete(s.events, 0, n)
	}
	s.running, s.lastEnd = time.Time{}, c.End
	s.last = c
	if s.metrics != nil {
		s.metrics.record(c)
	}
}

// Last returns the last cycle (nil before the first).
func (s *Status) Last() *Cycle {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		return nil
	}
	c := *s.last
	c.Targets = slices.Clone(c.Targets)
	return &c
}

// Streaks returns every zone × provider's failed cycles in a row after the
// last cycle, for the next one.
func (s *Status) Streaks() map[Pair]Streak {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.streaks)
}

// Events returns the latest automatic failover events, newest first.
func (s *Status) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.events)
	slices.Reverse(out)
	return out
}

// CycleLimit is the longest a cycle may legitimately take under limits:
// reading every provider (limits.read_timeout; they are read in
// parallel), writing (limits.write_timeout, in parallel too), reading
// back (limits.read_timeout again), and five minutes for the rest
// (verify's queries, reloads, a parent delegation, the automatic
// failover's checks). The limits' defaults stand in for those not set.
func CycleLimit(limits config.Limits) time.Duration {
	read := cmp.Or(limits.ReadTimeout, config.DefaultReadTimeout)
	write := cmp.Or(limits.WriteTimeout, config.DefaultWriteTimeout)
	return 2*read + write + 5*time.Minute
}

// Live reports whether the loop runs: between cycles, whether one ended
// (or the loop started) within three intervals; during one, whether it
// started within three intervals plus CycleLimit, the longest the last
// configuration read lets a cycle take. Only a loop that hangs fails: a
// cycle that fails, or a provider that is down, does not (see Ready).
// When it is not live, why says so.
func (s *Status) Live(now time.Time) (ok bool, why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	grace := 3 * s.interval
	if !s.running.IsZero() {
		limit := grace + CycleLimit(s.limits)
		if d := now.Sub(s.running); d > limit {
			return false, fmt.Sprintf("the cycle that started %s ago has not ended; a cycle takes at most %s under the limits (2 × limits.read_timeout + limits.write_timeout + 5m, plus three intervals)",
				d.Round(time.Second), limit)
		}
		return true, ""
	}
	since, what := s.lastEnd, "the last one ended"
	if since.IsZero() {
		since, what = s.started, "the loop started"
	}
	if d := now.Sub(since); d > grace {
		return false, fmt.Sprintf("no cycle has started in the %s since %s (three intervals: %s)", d.Round(time.Second), what, grace)
	}
	return true, ""
}

// Ready reports whether the last cycle left every zone in sync at every
// provider in service; when not, why says what is not, one line each.
func (s *Status) Ready() (ok bool, why string) {
	c := s.Last()
	if c == nil {
		return false, "no cycle has finished yet"
	}
	if c.Err != "" {
		return false, "the last cycle could not run: " + c.Err
	}
	var lines []string
	if c.Preempted {
		lines = append(lines, "the last cycle stopped for a failover drop or restore, which goes first; the next one goes on")
	}
	for _, t := range c.Targets {
		var what string
		switch {
		case t.Dropped:
			continue
		case !t.Reachable:
			what = "unreachable: " + t.Err
		case t.Refused:
			what = "drift over the safety limit left alone: " + t.Err
		case t.Err != "":
			what = "failing: " + t.Err
		case t.Mismatches > 0:
			what = fmt.Sprintf("%d verify mismatches", t.Mismatches)
		case c.DryRun && t.Drift > 0:
			what = fmt.Sprintf("%d RRsets drifted (dry run: nothing applied)", t.Drift)
		default:
			continue
		}
		if t.FailedCycles > 1 {
			what += fmt.Sprintf(" (%d cycles in a row)", t.FailedCycles)
		}
		at := "at"
		if t.Parent {
			at = "delegation at"
		}
		lines = append(lines, fmt.Sprintf("%s %s %s: %s", t.Zone, at, t.Provider, what))
	}
	for _, p := range c.Pending {
		lines = append(lines, "pending: "+p.String())
	}
	if len(lines) > 0 {
		return false, strings.Join(lines, "\n")
	}
	return true, ""
}
