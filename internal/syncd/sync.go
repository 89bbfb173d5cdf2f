// Package syncd runs zonecast as a scheduled job: a cycle (plan every zone ×
// provider, correct drift within the safety limits, apply, verify) at a
// jittered interval, with Prometheus metrics, a health endpoint and a
// status page. A cycle is one engine.Run (RunCycle); this package turns its
// report into what the metrics and the status page show, schedules cycles,
// keeps their results and serves them.
package syncd

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/zonecast/zonecast/internal/plan"
)

// Target is one zone × provider in a cycle.
type Target struct {
	Zone     string `json:"zone"`
	Provider string `json:"provider"`
	// Dropped: out of service (failover); not planned.
	Dropped bool   `json:"dropped,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// Reachable: the provider could be read.
	Reachable bool `json:"reachable"`
	// Drift is how many RRsets differed from the zone file; Restore says
	// the provider had lost the zone.
	Drift   int  `json:"drift"`
	Restore bool `json:"restore,omitempty"`
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
}

// OK reports whether the target ended the cycle in sync (or is dropped).
func (t *Target) OK() bool {
	return t.Dropped || (t.Reachable && t.Err == "" && !t.Refused && t.Mismatches <= 0)
}

// Cycle is one run over every target.
type Cycle struct {
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	DryRun  bool      `json:"dry_run,omitempty"`
	Err     string    `json:"error,omitempty"` // the cycle could not run (configuration, zone file, lock)
	Targets []Target  `json:"targets"`
	// Pending is work still to do after the cycle (a reload, a parent
	// delegation), carried over to the next one.
	Pending []plan.Pending `json:"pending,omitempty"`
	// Finished is the work pending from earlier runs that this cycle did.
	Finished []plan.Pending `json:"finished,omitempty"`
	// Warnings are the zone files' warnings.
	Warnings []string `json:"warnings,omitempty"`
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
// recording each in s. A cycle in flight when ctx ends is let finish what
// it was sending (its context ends too; drivers stop between messages).
func Loop(ctx context.Context, s *Status, interval time.Duration, run RunFunc) {
	for {
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

// Status keeps the last cycle and what the metrics and pages show.
type Status struct {
	mu       sync.Mutex
	interval time.Duration
	started  time.Time
	last     *Cycle
	success  map[string]time.Time // zone|provider → last success
	lastOK   time.Time            // end of the last cycle that ran without a cycle error
	metrics  *Metrics
}

// NewStatus returns an empty status for a loop of the given interval.
func NewStatus(interval time.Duration, m *Metrics) *Status {
	return &Status{interval: interval, started: time.Now(), success: map[string]time.Time{}, metrics: m}
}

// Record keeps a cycle's results.
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
	if c.Err == "" && c.OK() {
		s.lastOK = c.End
	}
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

// Healthy reports whether a cycle succeeded within three intervals (or
// the loop is younger than that).
func (s *Status) Healthy(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := 3 * s.interval
	if s.lastOK.IsZero() {
		return now.Sub(s.started) < limit
	}
	return now.Sub(s.lastOK) < limit
}
