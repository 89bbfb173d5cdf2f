package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/zonecast/zonecast/internal/config"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/apply"
	"github.com/zonecast/zonecast/internal/failover"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/internal/verify"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// Transition is what a failover drop or restore did.
type Transition struct {
	Provider string
	Zones    []string
	// Unverified are the providers that could not be asked whether they
	// serve the zone (no nameservers configured), as "zone at provider".
	Unverified []string
	// Notes are what the checks on the wire want said, such as a
	// nameserver reached at its last-known address because its name no
	// longer resolves ("zone at provider: note").
	Notes []string
	// Steps are the changes pushed, in order.
	Steps []Step
	// Registrar is, per zone, what the delegation must be now.
	Registrar []Delegation
	Took      time.Duration
}

// Step is one push of a transition: the apex NS set at a provider, the
// whole zone at a restored provider, or the delegation at the parent.
type Step struct {
	Zone, Provider string
	// What was done ("apex NS set to a. b.", "12 changes pushed",
	// "delegation at example. set to a. b."), or what was to be done when
	// Err is set.
	What string
	Err  error
}

// Delegation is what the parent of a zone must say.
type Delegation struct {
	Zone string
	NS   []string
	Glue []*zones.RRset
	// ParentTTL is the parent's NS TTL for the zone as read (0: unknown);
	// ZoneTTL the zone's own apex NS TTL.
	ParentTTL, ZoneTTL uint32
	// Dropped is the provider just dropped ("" for a restore).
	Dropped string
}

// Drop takes provider name out of service for the selected zones it
// serves: without asking it, it checks on the wire that the others serve
// the whole current zone (refusing otherwise, unless force), records the
// drop together with the parent delegations still to change, sets the apex
// NS set at the others to their nameservers only, and changes the
// delegation at the zone's parent provider when one is configured.
//
// It is all or nothing up to the record: a refusal (*RefusedError) changes
// no state. A push that fails leaves the drop recorded and the delegation
// pending (ErrPartial): running Drop again, or the next apply or sync,
// finishes it.
func (e *Engine) Drop(ctx context.Context, name, reason string, force bool) (*Transition, error) {
	start := time.Now()
	ctx = e.dialing(ctx)
	if _, ok := e.Config.Providers[name]; !ok {
		return nil, fmt.Errorf("no provider %s in %s", name, e.Config.File)
	}
	tr := &Transition{Provider: name}
	defer e.dialNotesTo(tr)
	e.discover(ctx, name)
	dropping := e.zonesOf(e.Targets, name)
	finishing := e.unfinished(name)
	if len(dropping)+len(finishing) == 0 {
		return nil, fmt.Errorf("%s serves none of the selected zones, or is already out of service (see `zonecast failover status`)", name)
	}
	// Decide everything before changing anything. Never the last
	// provider; never fewer than failover.min_providers without --force.
	for _, origin := range dropping {
		left := 0
		for _, p := range e.zoneConfig(origin).Providers {
			if p != name && !e.State.IsDropped(p, origin) {
				left++
			}
		}
		min := cmp.Or(e.Config.Failover.MinProviders, config.DefaultMinProviders)
		switch {
		case left == 0:
			return tr, &RefusedError{Reason: fmt.Sprintf("not dropping %s: it is the last provider serving %s in service; nothing would serve the zone", name, origin)}
		case left < min && !force:
			return tr, &RefusedError{Reason: fmt.Sprintf("not dropping %s: %s would be left with %d provider%s in service, fewer than failover.min_providers (%d): one more outage and it is gone; pass --force if this is meant",
				name, origin, left, map[bool]string{true: "", false: "s"}[left == 1], min)}
		}
	}
	for _, origin := range dropping {
		if _, err := e.without(origin, name); err != nil {
			return nil, &RefusedError{Reason: fmt.Sprintf("not dropping %s: %v: bring another provider back first (`zonecast failover restore`)", name, err)}
		}
	}
	var refusal *RefusedError
	for _, origin := range dropping {
		for _, t := range e.targetsOf(origin, name) {
			rep := verify.Run(ctx, e.Desired[origin], t.Provider.Name(), t.Provider.Capabilities(), verify.Options{Resolver: e.resolver()})
			for _, n := range rep.Notes {
				tr.Notes = append(tr.Notes, origin+" at "+t.Provider.Name()+": "+n)
			}
			switch {
			case len(rep.Servers) == 0 && rep.Err == "":
				tr.Unverified = append(tr.Unverified, origin+" at "+t.Provider.Name())
			case !rep.OK():
				if refusal == nil {
					refusal = &RefusedError{Reason: fmt.Sprintf("not dropping %s: the others must serve the zone first (apply), or pass --force", name)}
				}
				refusal.Reports = append(refusal.Reports, rep)
			}
		}
	}
	e.rememberAddresses()
	if refusal != nil && !force {
		return tr, refusal
	}

	all := append(slices.Clone(dropping), finishing...)
	_, release, err := e.lock(all, FailoverLockWait)
	if err != nil {
		return tr, err
	}
	defer release()
	now := time.Now()
	for _, origin := range dropping {
		e.State.DropFor(name, origin, reason, now)
		if zc := e.zoneConfig(origin); zc.Parent != nil {
			e.State.AddPending(plan.Pending{Kind: plan.PendingDelegation, Zone: origin, Provider: zc.Parent.Provider, Since: now.UTC(), Err: "not pushed yet"})
		}
	}
	if err := e.State.Save(e.Config.State); err != nil {
		return tr, fmt.Errorf("record the drop: %w; nothing was changed", err)
	}
	for _, origin := range dropping {
		// As decided above, now with the new state record.
		if e.Desired[origin], err = e.without(origin, ""); err != nil {
			return tr, err
		}
		e.Targets, e.Out = moveTargets(e.Targets, e.Out, origin, name)
	}
	slices.Sort(all)
	tr.Zones = all
	failed := e.pushTransition(ctx, tr, all, e.targetsOf, name)
	for _, origin := range dropping {
		if signedZone(e.zoneConfig(origin)) {
			tr.Steps = append(tr.Steps, Step{Zone: origin, Provider: name,
				What: "DNSSEC: its keys stay in the other signers' DNSKEY sets and its DS at the parent until cached answers it signed have expired; then the following apply or sync runs remove its DS, and after the DS TTL its keys (the plan shows each wait and its end)"})
		}
	}
	tr.Took = time.Since(start)
	if failed {
		return tr, fmt.Errorf("%w: %s is out of service, but not every change could be pushed; run `zonecast failover drop %s` again (or let sync finish it)", ErrPartial, name, name)
	}
	return tr, nil
}

// Restore brings provider name back for the selected zones it is out of
// service for: it pushes the whole current zone to it, checks on the wire
// that it serves it (*NotServingError otherwise, with nothing recorded;
// force skips the check, for a provider with no nameservers to ask),
// records it back in service, and adds its nameservers to the apex NS set
// everywhere (and at the parent, when configured).
func (e *Engine) Restore(ctx context.Context, name string, force bool) (*Transition, error) {
	start := time.Now()
	ctx = e.dialing(ctx)
	e.discover(ctx, name)
	back := e.zonesOf(e.Out, name)
	if len(back) == 0 {
		return nil, fmt.Errorf("%s is not out of service for the selected zones", name)
	}
	_, release, err := e.lock(back, FailoverLockWait)
	if err != nil {
		return nil, err
	}
	defer release()
	tr := &Transition{Provider: name, Zones: back}
	defer e.dialNotesTo(tr)
	for _, origin := range back {
		i := slices.IndexFunc(e.Out, func(t Target) bool { return t.Zone.Origin == origin && t.Provider.Name() == name })
		t := e.Out[i]
		if signedZone(t.Zone) {
			// A signed zone: the provider's signer joins the group again in
			// the safe order (keys everywhere, then its DS, then its
			// nameservers), run by run, which apply and sync do; pushing
			// its nameservers now could send resolvers to a signer whose
			// keys the others no longer publish.
			e.State.RestoreFor(name, origin)
			if err := e.State.Save(e.Config.State); err != nil {
				return tr, fmt.Errorf("record the restore: %w", err)
			}
			if e.Desired[origin], err = e.without(origin, ""); err != nil {
				return tr, err
			}
			e.Out, e.Targets = moveTargets(e.Out, e.Targets, origin, name)
			tr.Steps = append(tr.Steps, Step{Zone: origin, Provider: name,
				What: "back in service; DNSSEC: it rejoins the signers in order (its keys published everywhere, its DS at the parent, then its nameservers): run `zonecast sync` or apply until the plan says it joined"})
			continue
		}
		// Push the whole zone, as the others serve it now.
		tg := e.planOne(ctx, t)
		if tg.Err != nil {
			return tr, tg.Err
		}
		res := apply.Run(ctx, []apply.Job{{Target: tg, Provider: t.Provider, Timeout: e.writeTimeout()}})[0]
		if res.Err != nil {
			return tr, fmt.Errorf("restore %s at %s: %w", origin, name, res.Err)
		}
		tr.Steps = append(tr.Steps, Step{Zone: origin, Provider: name, What: fmt.Sprintf("%d changes pushed", res.Applied)})
		rep := verify.Run(ctx, e.Desired[origin], name, t.Provider.Capabilities(), verify.Options{Resolver: e.resolver()})
		e.rememberAddresses()
		for _, n := range rep.Notes {
			tr.Notes = append(tr.Notes, origin+" at "+name+": "+n)
		}
		if !force && (!rep.OK() || len(rep.Servers) == 0) {
			return tr, &NotServingError{Zone: origin, Provider: name, Report: rep}
		} else if len(rep.Servers) == 0 {
			tr.Unverified = append(tr.Unverified, origin+" at "+name)
		}
		e.State.RestoreFor(name, origin)
		if zc := e.zoneConfig(origin); zc.Parent != nil {
			e.State.AddPending(plan.Pending{Kind: plan.PendingDelegation, Zone: origin, Provider: zc.Parent.Provider, Since: time.Now().UTC(), Err: "not pushed yet"})
		}
		if err := e.State.Save(e.Config.State); err != nil {
			return tr, fmt.Errorf("record the restore: %w", err)
		}
		if e.Desired[origin], err = e.without(origin, ""); err != nil {
			return tr, err
		}
		e.Out, e.Targets = moveTargets(e.Out, e.Targets, origin, name)
		if e.pushTransition(ctx, tr, []string{origin}, e.targetsOf, "") {
			tr.Took = time.Since(start)
			return tr, fmt.Errorf("%w: %s is back in service for %s, but not every change could be pushed; `zonecast apply` (or sync) finishes it", ErrPartial, name, origin)
		}
	}
	tr.Took = time.Since(start)
	return tr, nil
}

// pushTransition sets the apex NS set of each zone at its providers in
// service (but for except) to what e.Desired says, changing nothing else,
// then the delegation at the parent; it records the steps and registrar
// instructions in tr, clears the pending delegations it pushed, and
// reports whether anything failed.
func (e *Engine) pushTransition(ctx context.Context, tr *Transition, origins []string, targets func(string, string) []Target, except string) (failed bool) {
	for _, origin := range origins {
		nsText := strings.Join(e.Desired[origin].Lookup(origin, dns.TypeNS).Data, " ")
		for _, t := range targets(origin, except) {
			err := e.pushApexNS(ctx, t)
			if errors.Is(err, errUnchanged) {
				continue
			}
			failed = failed || err != nil
			tr.Steps = append(tr.Steps, Step{Zone: origin, Provider: t.Provider.Name(), What: "apex NS set to " + nsText, Err: err})
		}
		d := Delegation{Zone: origin, NS: e.Desired[origin].Lookup(origin, dns.TypeNS).Data, ZoneTTL: e.Desired[origin].Lookup(origin, dns.TypeNS).TTL, Dropped: except}
		d.Glue = failover.Glue(e.Desired[origin], d.NS)
		if zc := e.zoneConfig(origin); zc.Parent != nil {
			step := Step{Zone: origin, Provider: zc.Parent.Provider, What: fmt.Sprintf("delegation at %s (%s) set to %s", zc.Parent.Provider, zc.Parent.Zone, nsText)}
			var err error
			d.ParentTTL, err = e.delegate(ctx, origin)
			if err != nil {
				step.Err = err
				failed = true
				e.State.AddPending(plan.Pending{Kind: plan.PendingDelegation, Zone: origin, Provider: zc.Parent.Provider, Err: err.Error()})
			} else {
				e.State.Done(plan.PendingDelegation, origin, zc.Parent.Provider)
			}
			tr.Steps = append(tr.Steps, step)
		}
		tr.Registrar = append(tr.Registrar, d)
	}
	if err := e.State.Save(e.Config.State); err != nil {
		tr.Steps = append(tr.Steps, Step{What: "record the pending work", Err: err})
		failed = true
	}
	return failed
}

// errUnchanged: the apex NS set was already right.
var errUnchanged = errors.New("unchanged")

// pushApexNS makes the apex NS set and the failover state record at t
// what e.Desired says: the plan of t restricted to those two RRsets,
// applied. It returns errUnchanged when
// there was nothing to do.
func (e *Engine) pushApexNS(ctx context.Context, t Target) error {
	origin := t.Zone.Origin
	tg := e.planOne(ctx, t)
	if tg.Err != nil {
		return tg.Err
	}
	tg.Changes = slices.DeleteFunc(tg.Changes, func(c plan.Change) bool {
		r := c.RRset()
		apexNS := r.Type == dns.TypeNS && r.Name == origin
		state := r.Type == dns.TypeTXT && failover.IsStateName(r.Name, origin)
		return !apexNS && !state
	})
	if len(tg.Changes) == 0 {
		return errUnchanged
	}
	res := apply.Run(ctx, []apply.Job{{Target: tg, Provider: t.Provider, Timeout: e.writeTimeout()}})[0]
	if res.Err != nil {
		return fmt.Errorf("apex NS of %s at %s: %w", origin, t.Provider.Name(), res.Err)
	}
	return nil
}

// delegate makes the zone's delegation (NS and in-bailiwick glue) at its
// parent provider what e.Desired says, when a parent is configured. The
// parent's zone as read, with the delegation replaced, is planned like any
// other zone (plan.Compute, the safety limit) and applied. It returns the
// parent's NS TTL for the zone (0 when unknown).
func (e *Engine) delegate(ctx context.Context, origin string) (uint32, error) {
	zc := e.zoneConfig(origin)
	if zc.Parent == nil {
		return 0, nil
	}
	parent := e.Config.Providers[zc.Parent.Provider]
	current, err := e.readZone(ctx, parent, zc.Parent.Zone)
	if err != nil {
		return 0, fmt.Errorf("read the parent %s at %s: %w", zc.Parent.Zone, zc.Parent.Provider, err)
	}
	t, ttls := e.delegationPlan(origin, parent, current)
	want := e.desiredOf(origin).Lookup(origin, dns.TypeNS)
	ttl := ttls[want.Key()]
	if t.Refused != nil {
		return ttl, fmt.Errorf("delegation of %s at %s: %w", origin, zc.Parent.Provider, t.Refused)
	}
	if len(t.Changes) == 0 {
		return ttl, nil
	}
	res := apply.Run(ctx, []apply.Job{{Target: &t, Provider: parent, Timeout: e.writeTimeout()}})[0]
	if res.Err != nil {
		return ttl, fmt.Errorf("delegation of %s at %s: %w", origin, zc.Parent.Provider, res.Err)
	}
	return ttl, nil
}

// dialNotesTo gives tr the notes of the providers reached at a last-known
// address during the transition.
func (e *Engine) dialNotesTo(tr *Transition) {
	e.DialNotes = append(e.DialNotes, e.resolver().TakeNotes()...)
	tr.Notes = append(tr.Notes, e.DialNotes...)
}

// Discover adopts the failover state the providers hold (see discover),
// for `failover status`.
func (e *Engine) Discover(ctx context.Context) { e.discover(e.dialing(ctx), "") }

// discover reads every target but except's for the failover state that
// other machines recorded in the zone (see internal/failover), and adopts
// it, waiting at most limits.slow_read_wait for the slowest: a drop or
// restore starts from the newest state, never undoes another machine's.
func (e *Engine) discover(ctx context.Context, except string) {
	var skipped []Target
	e.Targets = slices.DeleteFunc(e.Targets, func(t Target) bool {
		if t.Provider.Name() == except {
			skipped = append(skipped, t)
			return true
		}
		return false
	})
	e.planReady(ctx, cmp.Or(e.Config.Limits.SlowReadWait, config.DefaultSlowReadWait))
	for _, t := range skipped {
		switch {
		case !e.State.IsDropped(except, t.Zone.Origin):
			e.Targets = append(e.Targets, t)
		case !slices.ContainsFunc(e.Out, func(u Target) bool { return u.Zone.Origin == t.Zone.Origin && u.Provider.Name() == except }):
			e.Out = append(e.Out, t)
		}
	}
	e.sortTargets()
}

// delegationPlan plans the parent zone as read (current) with origin's
// delegation (NS and in-bailiwick glue) made what e.Desired says, keeping
// the parent's own TTLs; ttls are those TTLs by key.
func (e *Engine) delegationPlan(origin string, parent providers.Provider, current []zones.RRset) (plan.Target, map[zones.Key]uint32) {
	zc := e.zoneConfig(origin)
	want := e.desiredOf(origin).Lookup(origin, dns.TypeNS)
	desired := zones.NewZone(zc.Parent.Zone)
	ttls := map[zones.Key]uint32{}
	for i := range current {
		s := current[i]
		ttls[s.Key()] = s.TTL
		// The old delegation and all glue below the zone go; what the
		// delegation needs now comes back below.
		if s.Name == origin && s.Type == dns.TypeNS {
			continue
		}
		if (s.Type == dns.TypeA || s.Type == dns.TypeAAAA) && dns.IsSubDomain(origin, s.Name) {
			continue
		}
		desired.Sets[s.Key()] = &s
	}
	add := func(s *zones.RRset) {
		c := *s
		c.Data = slices.Clone(s.Data)
		if ttl, ok := ttls[c.Key()]; ok {
			c.TTL = ttl // the parent's own TTL
		}
		desired.Sets[c.Key()] = &c
	}
	add(want)
	for _, g := range failover.Glue(e.desiredOf(origin), want.Data) {
		add(g)
	}
	return plan.Compute(plan.Input{Desired: desired, Provider: parent.Name(), Caps: parent.Capabilities(), Current: current,
		MaxChangePercent: e.Config.Safety.MaxChangePercent}), ttls
}

// computeDelegation is the plan of a parent target: the delegation's
// changes only (what else the parent zone holds is not this zone's), named
// after the zone.
func (e *Engine) computeDelegation(t Target, current []zones.RRset) *plan.Target {
	tg, _ := e.delegationPlan(t.Zone.Origin, t.Provider, current)
	tg.Changes = slices.DeleteFunc(tg.Changes, func(c plan.Change) bool {
		return !dns.IsSubDomain(t.Zone.Origin, c.RRset().Name)
	})
	if c := e.delegationDS(t.Zone.Origin, current); c != nil { // a signed zone's DS (dnssec.go)
		tg.Changes = append(tg.Changes, *c)
		plan.Sort(tg.Changes)
	}
	tg.Zone = t.Zone.Origin
	tg.Notes = append(tg.Notes, fmt.Sprintf("the delegation of %s in the parent zone %s (NS and glue)", t.Zone.Origin, t.Zone.Parent.Zone))
	return &tg
}

// zonesOf lists the zones of refs that provider name serves.
func (e *Engine) zonesOf(refs []Target, name string) []string {
	var list []string
	for _, t := range refs {
		if t.Provider.Name() == name && !slices.Contains(list, t.Zone.Origin) {
			list = append(list, t.Zone.Origin)
		}
	}
	return list
}

// unfinished lists the selected zones provider name is out of service for
// whose drop is not finished (a delegation still pending).
func (e *Engine) unfinished(name string) []string {
	var list []string
	for _, origin := range e.zonesOf(e.Out, name) {
		zc := e.zoneConfig(origin)
		if zc.Parent != nil && slices.ContainsFunc(e.State.Pending, func(p plan.Pending) bool {
			return p.Kind == plan.PendingDelegation && p.Zone == origin
		}) {
			list = append(list, origin)
		}
	}
	return list
}

// targetsOf lists the zone's providers in service, but for except.
func (e *Engine) targetsOf(origin, except string) []Target {
	var out []Target
	for _, t := range e.Targets {
		if t.Zone.Origin == origin && t.Provider.Name() != except {
			out = append(out, t)
		}
	}
	return out
}

// moveTargets moves the zone × provider pair from one list to the other.
func moveTargets(from, to []Target, origin, name string) ([]Target, []Target) {
	i := slices.IndexFunc(from, func(t Target) bool { return t.Zone.Origin == origin && t.Provider.Name() == name })
	if i < 0 {
		return from, to
	}
	to = append(to, from[i])
	return slices.Delete(from, i, i+1), to
}
