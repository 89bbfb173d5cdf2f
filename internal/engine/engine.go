package engine

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/apply"
	"github.com/zonecast/zonecast/internal/audit"
	"github.com/zonecast/zonecast/internal/config"
	"github.com/zonecast/zonecast/internal/failover"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/internal/resolve"
	"github.com/zonecast/zonecast/internal/verify"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/all"
	"github.com/zonecast/zonecast/zones"
)

// Selection says what a run covers: the configuration file, and optionally
// some of its zones and providers (all when empty).
type Selection struct {
	Config    string
	Zones     []string
	Providers []string
}

// ForSaved is the selection a saved plan covers: its zones and providers,
// in the configuration s names. A saved plan says what it covers, so s
// must select no zone or provider of its own.
func (s Selection) ForSaved(f *plan.File) (Selection, error) {
	if len(s.Zones)+len(s.Providers) > 0 {
		return s, errors.New("--zone and --provider do not go with a plan file: the plan says what it covers")
	}
	for _, t := range f.Targets {
		if !slices.Contains(s.Zones, t.Zone) {
			s.Zones = append(s.Zones, t.Zone)
		}
		if !slices.Contains(s.Providers, t.Provider) {
			s.Providers = append(s.Providers, t.Provider)
		}
	}
	return s, nil
}

// Engine is one loaded configuration with the zones and providers a run
// works on. Load makes it; its methods plan, apply, verify and change the
// failover state. It prints nothing: what happened comes back as data.
type Engine struct {
	Config *config.Config
	// ConfigDigest is the hash of the configuration file, for saved plans.
	ConfigDigest string
	State        *failover.State
	// Files are the zones as their files say, by origin; Desired the same
	// less the apex nameservers of providers out of service.
	Files   map[string]*zones.Zone
	Desired map[string]*zones.Zone
	// Targets are the selected zone × provider pairs in service, in the
	// order of the configuration.
	Targets []Target
	// Out are the zone × provider pairs left out because the provider is
	// out of service (failover drop).
	Out []Target
	// Parents are the delegations of the selected zones that have a parent
	// provider: planned, applied and read back with the targets, so that a
	// delegation edited at the parent by hand is seen and corrected.
	Parents []Target
	// Diagnostics are the zone files' warnings (errors stop Load).
	Diagnostics zones.Diagnostics
	// DialNotes are the providers this run reached at a last-known
	// address because their server's or API's name did not resolve
	// (internal/resolve), for a plan's notes and a failover's.
	DialNotes []string
	// Adopted says what this run learnt of the failover state from the
	// providers (another machine's drop or restore), a line each.
	Adopted []string
	// selected are the --provider names (all when empty).
	selected []string
	// base is what the engine was made from (Base.Engine).
	base *Base
	// FullRead reads every target in full, whatever its change marker
	// says (markers are still kept for the next run); MarkerMaxAge is how
	// long a kept marker spares a read (DefaultMarkerMaxAge when zero).
	// See marker.go.
	FullRead     bool
	MarkerMaxAge time.Duration
	// Sweep, when set, reads a provider that has no change marker once
	// per Sweep, each zone at its own time in it, instead of every run
	// (the sync job's --sweep; see marker.go).
	Sweep   time.Duration
	markers markers
	// signing is the DNSSEC part of the plan of each signed zone, made
	// once its targets are read (dnssec.go).
	signing map[string]*signing
	// Now is the clock of the DNSSEC steps' waits and signatures
	// (time.Now when nil).
	Now func() time.Time
}

// Target is one zone at one provider; with Parent, the zone's delegation
// (its NS set and glue) in the parent zone at the parent's provider.
type Target struct {
	Zone     config.Zone
	Provider providers.Provider
	Parent   bool
}

// targetKey identifies a target: zone, provider, and whether it is the
// zone's delegation in its parent.
type targetKey struct {
	origin, provider string
	parent           bool
}

func (t Target) key() targetKey { return targetKey{t.Zone.Origin, t.Provider.Name(), t.Parent} }

// ErrInvalidZones says a zone file has errors (Engine.Diagnostics has
// them); nothing was planned or changed.
var ErrInvalidZones = errors.New("zone files have errors; nothing was planned or changed")

// Base is a loaded configuration and failover state with the zones a run
// covers, before any zone file is read: what every batch of a run over many
// zones shares (the providers, so their pacing budgets and caches, and the
// state). Open makes it; Load is Open, then Engine over every selected zone.
type Base struct {
	Config *config.Config
	// ConfigDigest is the hash of the configuration file, for saved plans.
	ConfigDigest string
	State        *failover.State
	// Origins are the selected zones, in the order of the configuration.
	Origins []string
	// selected are the --provider names (all when empty).
	selected []string
	// rank is each zone's place in Config.Zones, the order of targets.
	rank map[string]int
	// prepared: the providers were told the run's zones (prepare).
	prepared sync.Once
	// FullRead, MarkerMaxAge and Sweep are given to every Engine made
	// (see Engine.FullRead).
	FullRead     bool
	MarkerMaxAge time.Duration
	Sweep        time.Duration
	// Now is given to every Engine made (see Engine.Now).
	Now func() time.Time
	// Resolver resolves the names of nameservers for verify and failover,
	// falling back on their last-known addresses (Config.Addresses).
	Resolver *resolve.Resolver
}

// Open reads the configuration and the failover state and checks the
// selection against them. No zone file is read, no provider asked.
func Open(sel Selection) (*Base, error) {
	// Only the selected providers' secrets are read: `plan --provider
	// P` needs no other provider's credentials.
	cfg, err := config.LoadSelected(sel.Config, all.Drivers(), sel.Providers)
	if err != nil {
		return nil, err
	}
	b := &Base{Config: cfg, selected: sel.Providers, rank: make(map[string]int, len(cfg.Zones))}
	for i, zc := range cfg.Zones {
		b.rank[zc.Origin] = i
	}
	want := map[string]bool{}
	for _, z := range sel.Zones {
		if _, ok := cfg.Zone(zones.CanonicalName(z)); !ok {
			return nil, fmt.Errorf("--zone %s: no such zone in %s", z, cfg.File)
		}
		want[zones.CanonicalName(z)] = true
	}
	for _, p := range sel.Providers {
		if _, ok := cfg.Providers[p]; !ok {
			return nil, fmt.Errorf("--provider %s: no such provider in %s", p, cfg.File)
		}
	}
	for _, zc := range cfg.Zones {
		if len(want) == 0 || want[zc.Origin] {
			b.Origins = append(b.Origins, zc.Origin)
		}
	}
	raw, err := os.ReadFile(cfg.File)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	b.ConfigDigest = "sha256:" + hex.EncodeToString(sum[:])
	if b.State, err = failover.Load(cfg.State); err != nil {
		return nil, err
	}
	known, err := resolve.Load(cfg.Addresses)
	if err != nil {
		return nil, err
	}
	b.Resolver = resolve.New(cfg.Resolvers, known)
	return b, nil
}

// Load reads the configuration, the failover state and every selected zone
// file. Any error stops here, before a provider is asked anything. With
// ErrInvalidZones the returned engine still carries the diagnostics.
func Load(sel Selection) (*Engine, error) {
	b, err := Open(sel)
	if err != nil {
		return nil, err
	}
	return b.Engine(b.Origins)
}

// zoneConfig returns the configuration of origin (a zero Zone when it is
// not configured).
func (b *Base) zoneConfig(origin string) config.Zone {
	zc, _ := b.Config.Zone(origin)
	return zc
}

// parse reads the zone file of zc within the configuration's limits.
func (b *Base) parse(zc config.Zone) (*zones.Zone, zones.Diagnostics, error) {
	cfg := b.Config
	z, diags, err := zones.ParseFile(zc.File, cfg.ParseOptions(zc))
	if err != nil {
		var fe *zones.FileError
		if errors.As(err, &fe) && fe.Symlink && !zc.FollowSymlinks {
			return nil, nil, fmt.Errorf("zone %s: %w (follow_symlinks: true in the zone's entry of %s)", zc.Origin, err, cfg.File)
		}
		return nil, nil, fmt.Errorf("zone %s: %w", zc.Origin, err)
	}
	return z, diags, nil
}

// Engine reads the zone files of origins (selected zones, in the order of
// the configuration) and makes the engine of a run over them. Any error
// stops here, before a provider is asked anything. With ErrInvalidZones the
// returned engine still carries the diagnostics.
func (b *Base) Engine(origins []string) (*Engine, error) {
	cfg, state, sel := b.Config, b.State, b.selected
	e := &Engine{Config: cfg, ConfigDigest: b.ConfigDigest, State: state, base: b, FullRead: b.FullRead, MarkerMaxAge: b.MarkerMaxAge, Sweep: b.Sweep, Now: b.Now,
		Files: make(map[string]*zones.Zone, len(origins)), Desired: make(map[string]*zones.Zone, len(origins)), selected: sel}
	invalid := false
	for _, origin := range origins {
		zc := b.zoneConfig(origin)
		z, diags, err := b.parse(zc)
		if err != nil {
			return nil, err
		}
		for _, d := range diags {
			if d.Severity >= zones.Warning {
				e.Diagnostics = append(e.Diagnostics, d)
			}
		}
		if diags.HasErrors() {
			invalid = true
			continue
		}
		if z.Lookup(failover.StateName(zc.Origin), dns.TypeTXT) != nil {
			return nil, fmt.Errorf("zone %s: the zone file holds %s, the failover state record zonecast writes itself: remove it from %s",
				zc.Origin, failover.StateName(zc.Origin), zc.File)
		}
		if z.Lookup(failover.AddressesName(zc.Origin), dns.TypeTXT) != nil {
			return nil, fmt.Errorf("zone %s: the zone file holds %s, the last-known addresses record zonecast writes itself: remove it from %s",
				zc.Origin, failover.AddressesName(zc.Origin), zc.File)
		}
		e.Files[zc.Origin] = z
		for _, name := range zc.Providers {
			t := Target{Zone: zc, Provider: cfg.Providers[name]}
			if state.IsDropped(name, zc.Origin) {
				e.Out = append(e.Out, t)
				continue
			}
			if len(sel) > 0 && !slices.Contains(sel, name) {
				continue
			}
			e.Targets = append(e.Targets, t)
		}
		if e.Desired[zc.Origin], err = e.without(zc.Origin, ""); err != nil {
			return nil, fmt.Errorf("zone %s: %w", zc.Origin, err)
		}
		e.Diagnostics = append(e.Diagnostics, e.layout(zc)...)
		if zc.Parent != nil && (len(sel) == 0 || slices.Contains(sel, zc.Parent.Provider)) {
			e.Parents = append(e.Parents, Target{Zone: zc, Provider: cfg.Providers[zc.Parent.Provider], Parent: true})
		}
	}
	if invalid {
		return e, ErrInvalidZones
	}
	return e, nil
}

// without is the zone file of origin less the apex nameservers of every
// provider out of service for it, and of extra (a provider about to be
// dropped) when given.
func (e *Engine) without(origin, extra string) (*zones.Zone, error) {
	var out []providers.Nameserver
	for _, name := range e.zoneConfig(origin).Providers {
		if name == extra || e.State.IsDropped(name, origin) {
			out = append(out, e.Config.Providers[name].Capabilities().Nameservers...)
		}
	}
	z, err := failover.Without(e.Files[origin], out)
	if err != nil {
		return nil, err
	}
	z = e.State.WithState(z)
	z = e.withAddresses(origin, z)
	e.markers.derived(origin, z)
	return z, nil
}

// addressNames are the host names zonecast needs to resolve to reach or
// check the providers of origin (and its parent's): those whose
// last-known addresses the zone's addresses record shares.
func (e *Engine) addressNames(origin string) []string {
	zc := e.zoneConfig(origin)
	names := slices.Clone(zc.Providers)
	if zc.Parent != nil {
		names = append(names, zc.Parent.Provider)
	}
	var hosts []string
	for _, d := range e.Config.Dependencies(names...) {
		hosts = append(hosts, d.Host)
	}
	slices.Sort(hosts)
	return slices.Compact(hosts)
}

// withAddresses returns z with its addresses record (internal/failover)
// made what the run's resolver knows now; z itself when that is what z
// holds already.
func (e *Engine) withAddresses(origin string, z *zones.Zone) *zones.Zone {
	names := e.addressNames(origin)
	if len(names) == 0 {
		return z
	}
	known, _ := e.resolver().Known()
	rec := failover.AddressesRecord(origin, names, known)
	old := z.Lookup(failover.AddressesName(origin), dns.TypeTXT)
	if (rec == nil && old == nil) || (rec != nil && old != nil && rec.TTL == old.TTL && slices.Equal(rec.Data, old.Data)) {
		return z
	}
	c := *z
	c.Sets = maps.Clone(z.Sets)
	k := zones.Key{Name: failover.AddressesName(origin), Type: dns.TypeTXT}
	if rec == nil {
		delete(c.Sets, k)
	} else {
		c.Sets[k] = rec
	}
	return &c
}

// learnAddresses takes, from the reads of a run (targets[i] read as
// reads[i]), the last-known addresses the zones' records share
// (internal/failover) into the run's resolver, with what its own lookups
// learnt meanwhile (a provider's server reached by name), keeps them
// (Config.Addresses), and makes each zone's desired record say what is
// known now. A record another machine wrote is how a machine that never
// resolved the names (a fresh CI runner) can reach them when they no
// longer resolve. It reports whether a record taught the resolver
// anything.
func (e *Engine) learnAddresses(targets []Target, reads map[int]readResult) bool {
	if e.base == nil || e.base.Resolver == nil {
		return false
	}
	learnt := false
	for i, r := range reads {
		t := targets[i]
		if t.Parent || r.err != nil {
			continue
		}
		origin := t.Zone.Origin
		for k := range r.current {
			s := &r.current[k]
			if s.Type != dns.TypeTXT || !failover.IsAddressesName(s.Name, origin) {
				continue
			}
			shared, _ := failover.ParseAddresses(s)
			want := e.addressNames(origin)
			maps.DeleteFunc(shared, func(name string, _ resolve.Entry) bool { return !slices.Contains(want, name) })
			if e.base.Resolver.Learn(shared) {
				learnt = true
			}
		}
	}
	for _, origin := range e.Origins() {
		z, ok := e.Desired[origin]
		if !ok {
			continue
		}
		if nz := e.withAddresses(origin, z); nz != z {
			e.Desired[origin] = nz
			e.markers.rederived(origin, z, nz)
		}
	}
	e.rememberAddresses()
	return learnt
}

// layout checks, with no network, that the zone's nameservers do not all
// hang on one provider or one domain (audit.Layout), as warnings at the
// zone file's apex NS set. A nameserver belongs to the configured provider
// that lists it; a domain zonecast manages is served by its providers in
// service.
func (e *Engine) layout(zc config.Zone) zones.Diagnostics {
	ns := e.Desired[zc.Origin].Lookup(zc.Origin, dns.TypeNS)
	if ns == nil {
		return nil
	}
	providerOf := func(name string) string {
		for _, p := range e.Config.ProviderOrder {
			for _, n := range e.Config.Providers[p].Capabilities().Nameservers {
				if zones.CanonicalName(n.Name) == zones.CanonicalName(name) {
					return p
				}
			}
		}
		return ""
	}
	servedBy := func(domain string) []string {
		if other := e.zoneConfig(zones.CanonicalName(domain)); other.Origin != "" {
			var in []string
			for _, p := range other.Providers {
				if !e.State.IsDropped(p, other.Origin) {
					in = append(in, p)
				}
			}
			return in
		}
		return nil
	}
	var out zones.Diagnostics
	for _, f := range audit.Layout(zc.Origin, ns.Data, providerOf, servedBy) {
		out = append(out, zones.Diagnostic{Pos: ns.Pos, Severity: zones.Warning, Code: f.Code, Message: f.Message, Hint: f.Hint})
	}
	return out
}

// zoneConfig returns the configuration of origin (a zero Zone when it is
// not configured).
func (e *Engine) zoneConfig(origin string) config.Zone { return e.base.zoneConfig(origin) }

// Origins returns the loaded zones' origins, sorted: the order locks are
// taken in.
func (e *Engine) Origins() []string {
	out := make([]string, 0, len(e.Desired))
	for o := range e.Desired {
		out = append(out, o)
	}
	slices.Sort(out)
	return out
}

// Lock takes the apply lock of every given zone, in sorted order so that
// two runs cannot deadlock, or fails at once (apply.ErrLocked) holding
// none. The returned function releases them.
func (e *Engine) Lock(origins []string) (release func(), err error) {
	_, release, err = e.lock(origins, 0)
	return release, err
}

// FailoverLockWait is how long a failover drop or restore waits for a sync
// cycle holding a zone to yield it (see apply.AcquireFirst).
const FailoverLockWait = time.Minute

// lock takes the locks as Lock does; with first set, ahead of a sync cycle
// (apply.AcquireFirst), waiting up to first.
func (e *Engine) lock(origins []string, first time.Duration) (held []*apply.Lock, release func(), err error) {
	origins = slices.Sorted(slices.Values(origins))
	release = func() {
		for _, l := range slices.Backward(held) {
			l.Release()
		}
	}
	for _, o := range origins {
		var l *apply.Lock
		if first > 0 {
			l, err = apply.AcquireFirst(e.lockDir(), o, first)
		} else {
			l, err = apply.Acquire(e.lockDir(), o)
		}
		if err != nil {
			release()
			return nil, nil, err
		}
		held = append(held, l)
	}
	return held, release, nil
}

// lockDir is where the per-zone apply locks live: beside the state file.
func (e *Engine) lockDir() string {
	return filepath.Join(filepath.Dir(e.Config.State), "locks")
}

// Plan reads every target's provider, at most eight at a time, and plans
// it, with the safety verdict of each target and the work pending from
// earlier runs. A provider that cannot be read gives a target with Err set.
func (e *Engine) Plan(ctx context.Context) *plan.Plan {
	p, _, _ := e.planReady(e.dialing(ctx), 0)
	return p
}

func (e *Engine) planTargets(ctx context.Context, targets []Target) *plan.Plan {
	p := &plan.Plan{Targets: make([]*plan.Target, len(targets)), Pending: e.State.PendingOf(e.Origins())}
	e.snapshotDesired() // change markers (marker.go)
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			p.Targets[i] = e.planOne(ctx, t)
		})
	}
	wg.Wait()
	return p
}

func (e *Engine) planOne(ctx context.Context, t Target) *plan.Target {
	return e.compute(t, e.readOne(ctx, t))
}

// readResult is what reading one target gave.
type readResult struct {
	current []zones.RRset
	missing bool // the provider does not serve the zone
	err     error
	mark    markRead // the change marker asked before the read (marker.go)
	// signer is what a provider that signs the zone itself says of its
	// keys (providers.Signer), for a signed zone; signerErr why it could
	// not be read (dnssec.go).
	signer    *providers.SignerState
	signerErr error
}

func (e *Engine) readOne(ctx context.Context, t Target) readResult {
	if t.Parent {
		current, err := e.readZone(ctx, t.Provider, t.Zone.Parent.Zone)
		return readResult{current: current, err: err}
	}
	mark := e.markerBefore(ctx, t) // change markers (marker.go)
	if mark.hit {
		return readResult{mark: mark}
	}
	current, err := e.read(ctx, t)
	missing := errors.Is(err, providers.ErrZoneNotFound)
	if missing {
		err = nil
	}
	r := readResult{current: current, missing: missing, err: err, mark: mark}
	if err == nil && !missing {
		e.readSigner(ctx, t, &r) // a signed zone's keys at a cloud (dnssec.go)
	}
	return r
}

// compute plans t from what was read of it.
func (e *Engine) compute(t Target, r readResult) *plan.Target {
	if r.err != nil {
		what := t.Zone.Origin
		if t.Parent {
			what = "the parent zone " + t.Zone.Parent.Zone
		}
		return &plan.Target{Zone: t.Zone.Origin, Provider: t.Provider.Name(),
			Err: fmt.Errorf("read %s at %s: %w", what, t.Provider.Name(), r.err)}
	}
	if t.Parent {
		return e.computeDelegation(t, r.current)
	}
	if r.mark.hit { // change markers (marker.go)
		return e.unchangedTarget(t, r)
	}
	if sg := e.signing[t.Zone.Origin]; sg != nil { // a signed zone (dnssec.go)
		return e.computeSigned(t, r, sg)
	}
	target := plan.Compute(e.planInput(t, r, e.Desired[t.Zone.Origin]))
	e.markerAfter(t, r, &target) // change markers (marker.go)
	return &target
}

// planInput is what plan.Compute needs for target t, read as r, against
// desired.
func (e *Engine) planInput(t Target, r readResult, desired *zones.Zone) plan.Input {
	zc := t.Zone
	return plan.Input{
		Desired:  desired,
		Provider: t.Provider.Name(),
		Caps:     t.Provider.Capabilities(),
		Current:  r.current,
		Missing:  r.missing,
		Ignored: func(name string, typ uint16) bool {
			return slices.ContainsFunc(zc.Ignore, func(i config.Ignore) bool { return i.Matches(name, zc.Origin, typ) })
		},
		MaxChangePercent: e.Config.Safety.MaxChangePercent,
	}
}

// all returns the targets a run plans: the zones at their providers, then
// the delegations at the parents.
func (e *Engine) all() []Target {
	return append(slices.Clone(e.Targets), e.Parents...)
}

// read reads what t's provider serves within limits.read_timeout.
func (e *Engine) read(ctx context.Context, t Target) ([]zones.RRset, error) {
	return e.readZone(ctx, t.Provider, t.Zone.Origin)
}

// readZone reads origin at p within limits.read_timeout.
func (e *Engine) readZone(ctx context.Context, p providers.Provider, origin string) ([]zones.RRset, error) {
	return providers.ReadWithin(ctx, p, origin, cmp.Or(e.Config.Limits.ReadTimeout, config.DefaultReadTimeout), "limits.read_timeout")
}

// writeTimeout is limits.write_timeout, for apply.Job.Timeout.
func (e *Engine) writeTimeout() time.Duration {
	return cmp.Or(e.Config.Limits.WriteTimeout, config.DefaultWriteTimeout)
}

// Verify asks every target's servers, all providers at once.
func (e *Engine) Verify(ctx context.Context, opts verify.Options) []verify.Provider {
	return e.verifyTargets(e.dialing(ctx), e.Targets, opts)
}

func (e *Engine) verifyTargets(ctx context.Context, targets []Target, opts verify.Options) []verify.Provider {
	if opts.Resolver == nil {
		opts.Resolver = e.resolver()
	}
	reports := make([]verify.Provider, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Go(func() {
			zc := t.Zone
			o := opts
			o.Ignored = func(name string, typ uint16) bool {
				return slices.ContainsFunc(zc.Ignore, func(i config.Ignore) bool { return i.Matches(name, zc.Origin, typ) })
			}
			reports[i] = verify.Run(ctx, e.desiredOf(zc.Origin), t.Provider.Name(), t.Provider.Capabilities(), o)
		})
	}
	wg.Wait()
	e.rememberAddresses()
	if opts.DNSSEC {
		// Every provider of a zone against the keys of all of them
		// (RFC 8901: every DNSKEY set holds every signer's ZSKs).
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		verify.CheckSigners(reports, now())
	}
	return reports
}

// resolver is the run's resolver of nameserver names (one with nothing
// remembered for an engine made without Open).
func (e *Engine) resolver() *resolve.Resolver {
	if e.base == nil || e.base.Resolver == nil {
		return resolve.New(e.Config.Resolvers, nil)
	}
	return e.base.Resolver
}

// dialing returns ctx whose connections to providers resolve host names
// through the run's resolver: an RFC 2136 server or an API given by name
// is still reached at its last-known address when the name no longer
// resolves (providers.Dial).
func (e *Engine) dialing(ctx context.Context) context.Context {
	return providers.WithHostResolver(ctx, e.resolver())
}

// rememberAddresses keeps the addresses the run's lookups gave as the
// last-known ones (Config.Addresses). Failing to write them costs only
// the fallback of a later run, so it is not an error of this one.
func (e *Engine) rememberAddresses() {
	if e.base == nil || e.base.Resolver == nil || e.Config.Addresses == "" {
		return
	}
	_ = e.base.Resolver.Save(e.Config.Addresses)
}

// CheckSaved reports whether the configuration and zone files are what the
// saved plan was made from (plan.ErrStale otherwise).
func (e *Engine) CheckSaved(f *plan.File) error {
	if e.ConfigDigest != f.Config {
		return fmt.Errorf("%w: %s changed since the plan was made; run `zonecast plan --out` again", plan.ErrStale, e.Config.File)
	}
	for origin, d := range f.Zones {
		z, ok := e.Desired[origin]
		if !ok || plan.ZoneDigest(z) != d {
			return fmt.Errorf("%w: the zone file of %s changed since the plan was made; run `zonecast plan --out` again", plan.ErrStale, origin)
		}
	}
	return nil
}

// SavedPlan makes the saved form of p, for `zonecast apply FILE`.
func (e *Engine) SavedPlan(p *plan.Plan, version string) (*plan.File, error) {
	return plan.NewFile(p, version, e.ConfigDigest, e.Desired)
}
