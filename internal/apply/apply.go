// Package apply carries out a plan: every provider at once, each in its own
// goroutine, so that one provider's failure or slowness never holds back or
// cancels another. Within a provider, changes go in an order that keeps
// every intermediate state valid.
package apply

import (
	"cmp"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/providers"
)

// Status is how applying one zone at one provider ended.
type Status int

// The statuses.
const (
	Unchanged Status = iota // nothing to do
	Applied                 // every change applied
	Failed                  // stopped at an error; some changes may be applied
	Skipped                 // not attempted: the provider could not be read
)

func (s Status) String() string {
	return [...]string{"unchanged", "applied", "failed", "skipped"}[s]
}

// MarshalText writes the status's name.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Job is one zone at one provider.
type Job struct {
	Target   *plan.Target
	Provider providers.Provider
	// Timeout, when set, bounds the provider's Apply (limits.write_timeout).
	Timeout time.Duration
	// Zone, when set, is the zone written at the provider, when not the
	// target's own (a delegation, written in the parent zone).
	Zone string
	// Progress, when set, is told how many of the changes are applied, as
	// the driver reports them (providers.Trace). It only observes: the
	// changes go to the driver in one call whatever it is. Run calls the
	// Progress of each job from that job's goroutine: one shared by several
	// jobs must be safe for concurrent use.
	Progress func(done, total int)
}

// Result is what happened to one Job.
type Result struct {
	Zone     string `json:"zone"`
	Provider string `json:"provider"`
	Status   Status `json:"status"`
	Applied  int    `json:"applied"`
	Total    int    `json:"total"`
	Err      error  `json:"-"`
}

// Run applies every job concurrently and returns one result per job, in
// job order. A failing provider does not cancel the others; ctx (an
// interrupt) stops every provider between messages or batches.
func Run(ctx context.Context, jobs []Job) []Result {
	results := make([]Result, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() { results[i] = runOne(ctx, j) })
	}
	wg.Wait()
	return results
}

func runOne(ctx context.Context, j Job) Result {
	t := j.Target
	r := Result{Zone: t.Zone, Provider: t.Provider, Total: len(t.Changes)}
	switch {
	case t.Err != nil:
		r.Status, r.Err = Skipped, t.Err
		return r
	case len(t.Changes) == 0:
		r.Status = Unchanged
		return r
	}
	changes := Order(t.Changes)
	if j.Progress != nil {
		ctx = providers.WithTrace(ctx, &providers.Trace{Applied: func(done int) { j.Progress(done, len(changes)) }})
	}
	actx := ctx
	if j.Timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, j.Timeout)
		defer cancel()
	}
	// One call: batching is the driver's business only (DESIGN.md).
	n, err := j.Provider.Apply(actx, cmp.Or(j.Zone, t.Zone), changes)
	if err != nil && ctx.Err() == nil && actx.Err() != nil {
		err = &providers.TimeoutError{What: "applying the plan", Limit: j.Timeout, Key: "limits.write_timeout", Err: err}
	}
	if j.Progress != nil {
		j.Progress(n, len(changes))
	}
	r.Applied = n
	if err != nil {
		r.Status, r.Err = Failed, err
		return r
	}
	if n != len(changes) {
		r.Status, r.Err = Failed, errors.New("provider stopped before the last change without an error")
		return r
	}
	r.Status = Applied
	return r
}

// Order turns plan changes into provider changes in an order that keeps
// every intermediate state valid:
//
//  1. delete CNAME and DNAME sets (freeing their names for other data);
//  2. create and update address records (A, AAAA), so that targets exist
//     before anything points at them (servers such as BIND refuse an MX or
//     NS whose in-zone target has no address);
//  3. create and update everything else but CNAME and DNAME;
//  4. delete the rest (after what pointed at them has moved);
//  5. create and update CNAME and DNAME sets (their names are free now).
//
// It is linear in the number of changes, and stable within each phase.
func Order(cs []plan.Change) []providers.Change {
	var phases [5][]providers.Change
	for _, c := range cs {
		s := c.RRset()
		alias := s.Type == dns.TypeCNAME || s.Type == dns.TypeDNAME
		addr := s.Type == dns.TypeA || s.Type == dns.TypeAAAA
		pc := providers.Change{Delete: c.Op == plan.Delete, Set: *s, Before: c.Before}
		switch {
		case c.Op == plan.Delete && alias:
			phases[0] = append(phases[0], pc)
		case c.Op != plan.Delete && addr:
			phases[1] = append(phases[1], pc)
		case c.Op != plan.Delete && !alias:
			phases[2] = append(phases[2], pc)
		case c.Op == plan.Delete:
			phases[3] = append(phases[3], pc)
		default:
			phases[4] = append(phases[4], pc)
		}
	}
	out := make([]providers.Change, 0, len(cs))
	for _, p := range phases {
		out = append(out, p...)
	}
	return out
}
