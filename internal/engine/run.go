package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/failover"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zonecast/zonecast/internal/apply"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/internal/verify"
	"github.com/zonecast/zonecast/providers"
)

// Policy says how Run applies a plan.
type Policy struct {
	// Force applies what the safety checks refuse.
	Force bool
	// SkipRefused applies the targets within the safety limits and leaves
	// the refused ones alone (the sync cycle); otherwise one refusal
	// refuses the whole run before anything is changed (apply).
	SkipRefused bool
	// DryRun plans, and changes nothing (not even pending work).
	DryRun bool
	// Saved is a reviewed plan (`apply FILE`): the run applies only if
	// the zone files, the configuration and every provider are as they
	// were when it was made (plan.ErrStale otherwise).
	Saved *plan.File
	// Review, when set, sees the plan before anything is changed (to show
	// it, to ask for confirmation); an error from it ends the run with
	// nothing changed.
	Review func(*plan.Plan) error
	// Progress, when set, observes what the drivers report applied. The
	// providers apply concurrently, so it is called from several goroutines
	// at once and must be safe for that.
	Progress func(zone, provider string, done, total int)
	// Verify: after applying, ask every provider's servers. With
	// VerifyWait, ask again until they serve the zone or the time is up.
	Verify     bool
	VerifyWait time.Duration
	// SlowReadWait, when set, is how long the run waits for the slowest
	// providers' reads before going ahead with those read: they are
	// checked and written as they are read (their reads bounded by
	// limits.read_timeout), so a hung provider holds no other. It is for
	// runs nobody confirms (apply --yes, a saved plan, sync): Review then
	// sees those still being read as targets with a *plan.SlowError. The
	// all-or-nothing refusal of apply holds among the targets read in time;
	// a late one over the limit is left alone and reported. Zero waits for
	// every read, as a dry run always does.
	SlowReadWait time.Duration
	// Late, when set, sees the plan of a target read after the run went
	// ahead, before it is written.
	Late func(*plan.Target)
	// Yield: a failover drop or restore that asks for a zone's lock
	// (apply.AcquireFirst) stops the run between messages, which then
	// ends with ErrPreempted (a sync cycle: the next one goes on).
	Yield bool
}

// Report is what a run did.
type Report struct {
	// Plan is what was planned (and, but for refusals, applied).
	Plan    *plan.Plan
	Targets []TargetReport
	// Pending is the work still pending after the run (see plan.Pending).
	Pending []plan.Pending
	// Finished is the pending work this run did.
	Finished []plan.Pending
	// Applied: the run got past planning, the safety checks and Review,
	// to applying. Before that nothing was changed.
	Applied bool
	// Interrupted: the context ended while applying.
	Interrupted bool
	// Verified holds the verify reports (Policy.Verify), one per target;
	// VerifyTook how long until every server served the zone.
	Verified   []verify.Provider
	VerifyTook time.Duration
}

// TargetReport is one zone × provider of a run.
type TargetReport struct {
	Zone, Provider string
	Planned        *plan.Target
	// Refused: over the safety limit and not forced: left alone.
	Refused bool
	// Result is what applying did (Unchanged when nothing was applied).
	Result apply.Result
	// Left is what a new plan still has after applying (nil when not
	// read again: a dry run, an interrupt, a refusal).
	Left *plan.Target
}

// OK reports whether the target ended in sync: applied (or nothing to do),
// read back with nothing left to change.
func (t *TargetReport) OK() bool {
	return !t.Refused && t.Planned.Err == nil && t.Result.Err == nil && t.Left != nil && t.Left.Err == nil && len(t.Left.Changes) == 0
}

// Problem says why the target is not OK ("" when it is).
func (t *TargetReport) Problem() string {
	switch {
	case t.Refused:
		return t.Planned.Refused.Error()
	case t.Planned.Err != nil:
		return t.Planned.Err.Error()
	case t.Result.Err != nil:
		return t.Result.Err.Error()
	case t.Left == nil:
		return "not read back (interrupted)"
	case t.Left.Err != nil:
		return "cannot read it back: " + t.Left.Err.Error()
	case len(t.Left.Changes) > 0:
		return fmt.Sprintf("NOT converged: a new plan still has %d changes", len(t.Left.Changes))
	}
	return ""
}

// Run is one apply or sync cycle: lock every zone, plan, check a saved
// plan and the safety limits, let Review see it, apply every provider in
// parallel (one failing never stops another), do the work pending from
// earlier runs, read every provider back, and verify when asked.
//
// It returns the report and, when the run did not end in sync, a typed
// error: apply.ErrLocked, plan.ErrStale, a *plan.UnsafeError (or several,
// joined), ErrPartial, or Review's error. The report is nil only when
// nothing was planned.
func (e *Engine) Run(ctx context.Context, pol Policy) (*Report, error) {
	ctx = e.dialing(ctx)
	if pol.Saved != nil {
		if err := e.CheckSaved(pol.Saved); err != nil {
			return nil, err
		}
	}
	held, release, err := e.lock(e.Origins(), 0)
	if err != nil {
		return nil, err
	}
	defer release()
	if pol.Yield {
		var cancel context.CancelCauseFunc
		ctx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
		done := make(chan struct{})
		defer close(done)
		for _, l := range held {
			go func() {
				select {
				case <-l.Preempted(done):
					cancel(ErrPreempted)
				case <-done:
				}
			}()
		}
	}

	e.markersFor(pol.Saved) // change markers (marker.go)
	wait := pol.SlowReadWait
	if pol.DryRun {
		wait = 0
	}
	p, late, slow := e.planReady(ctx, wait)
	targets := e.all() // as p.Targets
	rep := &Report{Plan: p, Pending: p.Pending}
	if pol.Saved != nil {
		if err := pol.Saved.Check(p); err != nil {
			return rep, err
		}
	}
	for _, t := range p.Targets {
		rep.Targets = append(rep.Targets, TargetReport{Zone: t.Zone, Provider: t.Provider, Planned: t,
			Result: apply.Result{Zone: t.Zone, Provider: t.Provider, Total: len(t.Changes)}})
	}
	var refusals []error
	for i, t := range p.Targets {
		if t.Refused != nil && !pol.Force {
			rep.Targets[i].Refused = true
			refusals = append(refusals, t.Refused)
		}
	}
	if len(refusals) > 0 && !pol.SkipRefused {
		return rep, errors.Join(refusals...)
	}
	if pol.Review != nil {
		if err := pol.Review(p); err != nil {
			return rep, err
		}
	}
	if pol.DryRun {
		return rep, errors.Join(refusals...)
	}

	rep.Applied = true
	type done struct {
		i int
		r apply.Result
	}
	results := make(chan done, len(p.Targets))
	running := 0
	start := func(i int) {
		t := p.Targets[i]
		j := apply.Job{Target: t, Provider: targets[i].Provider, Timeout: e.writeTimeout()}
		if targets[i].Parent {
			j.Zone = targets[i].Zone.Parent.Zone
		}
		if pol.Progress != nil {
			j.Progress = func(done, total int) { pol.Progress(t.Zone, t.Provider, done, total) }
		}
		running++
		go func() { results <- done{i, apply.Run(ctx, []apply.Job{j})[0]} }()
	}
	for i := range p.Targets {
		if !rep.Targets[i].Refused && !isSlow(p.Targets[i]) {
			start(i)
		}
	}
	// Targets read late are checked alone, then written; the others are
	// being written meanwhile.
	for ; slow > 0; slow-- {
		lt := <-late
		t := lt.t
		p.Targets[lt.i] = t
		tr := &rep.Targets[lt.i]
		tr.Planned, tr.Result.Total = t, len(t.Changes)
		if pol.Saved != nil {
			if err := pol.Saved.CheckTarget(lt.i, t); err != nil {
				tr.Result.Status, tr.Result.Err = apply.Skipped, err
				refusals = append(refusals, err)
				continue
			}
		}
		if pol.Late != nil {
			pol.Late(t)
		}
		if t.Refused != nil && !pol.Force {
			tr.Refused = true
			refusals = append(refusals, t.Refused)
			continue
		}
		start(lt.i)
	}
	for ; running > 0; running-- {
		d := <-results
		rep.Targets[d.i].Result = d.r
	}
	stateErr := e.settlePending(ctx, rep)
	if ctx.Err() != nil {
		rep.Interrupted = true
		if errors.Is(context.Cause(ctx), ErrPreempted) {
			return rep, fmt.Errorf("%w: %w", ErrPartial, ErrPreempted)
		}
		return rep, fmt.Errorf("%w: interrupted", ErrPartial)
	}

	// Apply is done when a new plan is empty. A provider that could not be
	// read is not read again: a hung one would hold the run a second time;
	// nor is one that had nothing to change.
	var again []Target
	var againIdx []int
	for i, t := range rep.Targets {
		var timedOut *providers.TimeoutError
		if !t.Refused && t.Planned.Err == nil && len(t.Planned.Changes) == 0 && t.Result.Status == apply.Unchanged && t.Result.Err == nil {
			// Nothing to do, nothing written: the read just made is the
			// read back (a second one would double a no-change cycle).
			rep.Targets[i].Left = t.Planned
			continue
		}
		if !t.Refused && t.Planned.Err == nil && !errors.As(t.Result.Err, &timedOut) {
			again = append(again, targets[i])
			againIdx = append(againIdx, i)
		}
	}
	e.markersFor(nil) // change markers (marker.go): the saved plan is checked
	for k, t := range e.planTargets(ctx, again).Targets {
		rep.Targets[againIdx[k]].Left = t
	}
	failed := 0
	for i := range rep.Targets {
		if !rep.Targets[i].Refused && !rep.Targets[i].OK() {
			failed++
		}
	}
	if pol.Verify {
		var ok bool
		rep.Verified, rep.VerifyTook, ok = e.waitServed(ctx, pol.VerifyWait)
		if !ok {
			failed++
		}
	}
	if failed > 0 || len(rep.Pending) > 0 || stateErr != nil {
		return rep, errors.Join(append(refusals, stateErr, fmt.Errorf("%w: %d of %d zone × provider pairs", ErrPartial, failed, len(rep.Targets)))...)
	}
	return rep, errors.Join(refusals...)
}

// lateTarget is a target's plan, made after the run went ahead.
type lateTarget struct {
	i int
	t *plan.Target
}

// planReady reads and plans every target, at most eight at a time, as
// Plan does, but waits at most wait (when set and once one is read) for
// the slowest: those still being read get a *plan.SlowError in the plan
// returned and arrive later on late; slow says how many. With wait zero it
// waits for every read.
//
// The failover state read with the zones (the newest state record, see
// internal/failover) is adopted as reads arrive: a provider another machine
// dropped leaves the targets, and the run stops waiting for it.
func (e *Engine) planReady(ctx context.Context, wait time.Duration) (p *plan.Plan, late <-chan lateTarget, slow int) {
	type indexed struct {
		i int
		r readResult
	}
	prepared := e.base.prepare(ctx)
	targets := make([]Target, 0, len(e.Targets)+len(e.Out)+len(e.Parents))
	byKey := make(map[targetKey]int, cap(targets))
	results := make(chan indexed, cap(targets))
	sem := make(chan struct{}, 8)
	launch := func(t Target) int {
		targets = append(targets, t)
		i := len(targets) - 1
		byKey[t.key()] = i
		go func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results <- indexed{i, e.readOne(ctx, t)}
		}()
		return i
	}
	e.snapshotDesired() // change markers (marker.go)
	for _, t := range e.all() {
		launch(t)
	}
	index := func(t Target) int {
		if j, ok := byKey[t.key()]; ok {
			return j
		}
		return -1
	}
	reads := map[int]readResult{}
	// wanted is what the run waits for: the targets (of e.all(), which
	// adopting a failover state changes) not read yet. It is counted again
	// only when the targets change, so that waiting costs O(1) per read.
	var wanted map[targetKey]bool
	count := func() {
		wanted = map[targetKey]bool{}
		for _, t := range e.all() {
			if j := index(t); j >= 0 {
				if _, ok := reads[j]; !ok {
					wanted[t.key()] = true
				}
			}
		}
	}
	count()
	states := stateReads{}
	var timer <-chan time.Time
	if wait > 0 {
		timer = time.After(wait)
	}
	expired := false
	for len(wanted) > 0 && !(expired && len(reads) > 0) {
		select {
		case r := <-results:
			reads[r.i] = r.r
			delete(wanted, targets[r.i].key())
			if states.add(targets, r.i, r.r) && e.adopt(targets[r.i].Zone.Origin, states) {
				count()
			}
		case <-timer:
			expired, timer = true, nil
		}
	}
	// Targets another machine restored were not read yet.
	for _, t := range e.all() {
		if index(t) < 0 {
			launch(t)
		}
	}
	now := e.all()
	// The last-known addresses the zones share, and those the reads
	// learnt, in the desired zones before they are planned.
	if e.learnAddresses(targets, reads) {
		// A provider whose server's name did not resolve may be
		// reachable now at an address another machine shared.
		var failed []int
		for j, r := range reads {
			if r.err != nil {
				failed = append(failed, j)
			}
		}
		again := make([]readResult, len(failed))
		var wg sync.WaitGroup
		for k, j := range failed {
			wg.Go(func() { again[k] = e.readOne(ctx, targets[j]) })
		}
		wg.Wait()
		for k, j := range failed {
			reads[j] = again[k]
		}
	}
	dialNotes := e.resolver().TakeNotes()
	e.DialNotes = append(e.DialNotes, dialNotes...)
	// Signed zones: the DNSSEC part of the plan, from every read of the
	// zone (dnssec.go).
	e.planSigning(now, func(t Target) (readResult, bool) {
		r, ok := reads[index(t)]
		return r, ok
	}, e.now())
	signNotes, waits := e.signingNotes(e.Origins())
	p = &plan.Plan{Targets: make([]*plan.Target, len(now)), Pending: e.State.PendingOf(e.Origins()), Notes: slices.Concat(prepared, e.Adopted, dialNotes, signNotes), Waits: waits}
	latePos := map[int]int{} // index in targets → position in the plan
	for pos, t := range now {
		j := index(t)
		if r, ok := reads[j]; ok {
			p.Targets[pos] = e.compute(t, r)
			continue
		}
		latePos[j] = pos
		p.Targets[pos] = &plan.Target{Zone: t.Zone.Origin, Provider: t.Provider.Name(), Err: &plan.SlowError{After: wait}}
	}
	unread := len(targets) - len(reads)
	out := make(chan lateTarget, len(latePos))
	forward := func() {
		for range unread {
			r := <-results
			if pos, ok := latePos[r.i]; ok {
				out <- lateTarget{pos, e.compute(targets[r.i], r.r)}
			}
		}
	}
	if wait == 0 {
		forward()
		for range latePos {
			lt := <-out
			p.Targets[lt.i] = lt.t
		}
		return p, out, 0
	}
	go forward()
	return p, out, len(latePos)
}

// stateReads holds, per zone, the newest failover state record each read
// target serves (see internal/failover), found once per read.
type stateReads map[string][]stateRead

type stateRead struct {
	provider string
	shared   failover.Shared
}

// add scans the read of targets[i] for failover state records and reports
// whether it holds one another machine may have written.
func (s stateReads) add(targets []Target, i int, r readResult) bool {
	t := targets[i]
	if t.Parent || r.err != nil {
		return false
	}
	origin := t.Zone.Origin
	var best failover.Shared
	for k := range r.current {
		set := &r.current[k]
		if set.Type != dns.TypeTXT || !failover.IsStateName(set.Name, origin) {
			continue
		}
		sh, err := failover.ParseRecord(set)
		if _, self := sh.Out[t.Provider.Name()]; err == nil && !self && sh.Serial > best.Serial {
			best = sh
		}
	}
	if best.Serial == 0 {
		return false
	}
	s[origin] = append(s[origin], stateRead{t.Provider.Name(), best})
	return true
}

// adopt takes, for the zone origin, the newest failover state record among
// the reads so far when it is newer than the local state: the providers it
// names leave the targets, those it no longer names come back, the desired
// zone follows, and the local state file is updated. A record that names
// its own provider as out of service is not believed (a provider that came
// back with what it held before its drop). It reports whether the targets
// changed.
func (e *Engine) adopt(origin string, states stateReads) bool {
	zc := e.zoneConfig(origin)
	if _, ok := e.Desired[origin]; !ok || zc.Origin == "" {
		return false
	}
	var best failover.Shared
	from := ""
	for _, sr := range states[origin] {
		if sr.shared.Serial > best.Serial {
			best, from = sr.shared, sr.provider
		}
	}
	if best.Serial == 0 {
		return false
	}
	before := e.State.Record(origin)
	if !e.State.Adopt(origin, zc.Providers, best) {
		return false
	}
	desired, err := e.without(origin, "")
	if err != nil {
		// A state that leaves the zone no nameservers is not taken.
		e.Adopted = append(e.Adopted, fmt.Sprintf("%s: the failover state at %s is not taken: %v", origin, from, err))
		if before == nil {
			delete(e.State.Serials, origin)
		}
		return false
	}
	e.Desired[origin] = desired
	var out []string
	for _, name := range zc.Providers {
		if e.State.IsDropped(name, origin) {
			d := e.State.Dropped[name]
			out = append(out, fmt.Sprintf("%s (since %s: %s)", name, d.Since.Format(time.RFC3339), cmp.Or(d.Reason, "no reason given")))
			e.Targets, e.Out = moveTargets(e.Targets, e.Out, origin, name)
		} else if len(e.selected) == 0 || slices.Contains(e.selected, name) {
			e.Out, e.Targets = moveTargets(e.Out, e.Targets, origin, name)
		}
	}
	what := "no provider is out of service"
	if len(out) > 0 {
		what = "out of service: " + strings.Join(out, ", ") + "; left out"
	}
	e.Adopted = append(e.Adopted, fmt.Sprintf("%s: failover state from %s (newer than this machine's): %s", origin, from, what))
	e.sortTargets()
	if err := e.State.Save(e.Config.State); err != nil {
		e.Adopted = append(e.Adopted, fmt.Sprintf("cannot keep the failover state in %s: %v", e.Config.State, err))
	}
	return true
}

// sortTargets puts the targets in the order of the configuration.
func (e *Engine) sortTargets() {
	rank := func(t Target) (int, int) {
		if zi, ok := e.base.rank[t.Zone.Origin]; ok {
			return zi, slices.Index(e.Config.Zones[zi].Providers, t.Provider.Name())
		}
		return len(e.Config.Zones), 0
	}
	slices.SortStableFunc(e.Targets, func(a, b Target) int {
		az, ap := rank(a)
		bz, bp := rank(b)
		return cmp.Or(cmp.Compare(az, bz), cmp.Compare(ap, bp))
	})
}

func isSlow(t *plan.Target) bool {
	var s *plan.SlowError
	return errors.As(t.Err, &s)
}

// settlePending records the reloads this run could not do, and does the
// work earlier runs left: a reload is retried (unless this run's write
// reloaded), a delegation pushed again. The state file is written when
// anything changed; its error is returned.
func (e *Engine) settlePending(ctx context.Context, rep *Report) error {
	changed := false
	for _, t := range rep.Targets {
		var re *providers.ReloadError
		switch {
		case errors.As(t.Result.Err, &re):
			e.State.AddPending(plan.Pending{Kind: plan.PendingReload, Zone: t.Zone, Provider: t.Provider, Since: time.Now().UTC(), Err: re.Err.Error()})
			changed = true
		case t.Result.Status == apply.Applied:
			// The write reloaded: nothing of an earlier reload is left.
			if e.State.Done(plan.PendingReload, t.Zone, t.Provider) {
				rep.Finished = append(rep.Finished, plan.Pending{Kind: plan.PendingReload, Zone: t.Zone, Provider: t.Provider})
				changed = true
			}
		}
	}
	for _, pd := range slices.Clone(e.State.PendingOf(e.Origins())) {
		if ctx.Err() != nil {
			break
		}
		var err error
		switch pd.Kind {
		case plan.PendingReload:
			if slices.ContainsFunc(rep.Targets, func(t TargetReport) bool {
				return t.Zone == pd.Zone && t.Provider == pd.Provider && t.Result.Err != nil
			}) {
				continue // just recorded, or its write failed: nothing to reload
			}
			if !slices.ContainsFunc(e.Targets, func(t Target) bool { return t.Zone.Origin == pd.Zone && t.Provider.Name() == pd.Provider }) {
				continue // not selected in this run
			}
			rl, ok := e.Config.Providers[pd.Provider].(providers.Reloader)
			if !ok {
				err = fmt.Errorf("%s cannot reload", pd.Provider)
				break
			}
			err = rl.Reload(ctx, pd.Zone)
		case plan.PendingDelegation:
			if zc := e.zoneConfig(pd.Zone); zc.Parent != nil && len(e.selected) > 0 && !slices.Contains(e.selected, zc.Parent.Provider) {
				continue // its parent provider is not selected: its secrets were not read
			}
			_, err = e.delegate(ctx, pd.Zone)
		}
		if err != nil {
			e.State.AddPending(plan.Pending{Kind: pd.Kind, Zone: pd.Zone, Provider: pd.Provider, Err: err.Error()})
		} else {
			e.State.Done(pd.Kind, pd.Zone, pd.Provider)
			rep.Finished = append(rep.Finished, pd)
		}
		changed = true
	}
	rep.Pending = e.State.PendingOf(e.Origins())
	if !changed {
		return nil
	}
	if err := e.State.Save(e.Config.State); err != nil {
		// What was done is done; only its record is stale, and redoing
		// the work is harmless.
		return fmt.Errorf("record pending work: %w", err)
	}
	return nil
}

// waitServed asks every target's servers, again and again within wait,
// until all serve the zone (secondaries may take a while). It returns the
// last reports, how long it took and whether every server served the zone.
func (e *Engine) waitServed(ctx context.Context, wait time.Duration) ([]verify.Provider, time.Duration, bool) {
	start := time.Now()
	deadline := start.Add(wait)
	for {
		reports := e.Verify(ctx, verify.Options{})
		ok := true
		for _, r := range reports {
			ok = ok && r.OK()
		}
		if ok || time.Now().After(deadline) || ctx.Err() != nil {
			return reports, time.Since(start), ok
		}
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
		}
	}
}
