package cli

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/spf13/cobra"

	"github.com/zonecast/zonecast/internal/apply"
	"github.com/zonecast/zonecast/internal/failover"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/internal/verify"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

type failoverOptions struct {
	config string
	zones  []string
	reason string
	force  bool
}

func newFailoverCmd(io *streams) *cobra.Command {
	opts := &failoverOptions{}
	cmd := &cobra.Command{
		Use:   "failover",
		Short: "Take a provider out of service, or back in",
		Long: `Take a dead provider out of every zone's apex NS set (drop), bring it back
once it serves the zone again (restore), or show who is in and out (status).
A dropped provider is left out of plan, apply and sync until restored.`,
	}
	flags := func(c *cobra.Command) {
		c.Flags().StringVar(&opts.config, "config", "zonecast.yaml", "the configuration file")
		c.Flags().StringSliceVar(&opts.zones, "zone", nil, "only this zone (repeatable)")
	}
	drop := &cobra.Command{
		Use:   "drop PROVIDER",
		Short: "Take a provider out of the apex NS set everywhere else",
		Long: `Take PROVIDER out of service, without contacting it: check on the wire that
the other providers serve the whole current zone (refusing otherwise, unless
--force), set the apex NS set at the other providers to their nameservers only,
change the delegation at the zone's parent provider when one is configured,
record the drop in the state file, and print what to change at the registrar.

EXIT STATUS
  0  dropped
  1  an error
  4  refused: the other providers do not all serve the current zone`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runDrop(cmd.Context(), io, opts, args[0]) },
	}
	flags(drop)
	drop.Flags().StringVar(&opts.reason, "reason", "", "why, for the record")
	drop.Flags().BoolVar(&opts.force, "force", false, "drop even when the others do not serve the whole zone")
	restore := &cobra.Command{
		Use:   "restore PROVIDER",
		Short: "Bring a provider back once it serves the zone",
		Long: `Push the whole zone to PROVIDER, check on the wire that it serves it, and
only then add its nameservers back to the apex NS set everywhere (and at the
parent, when configured).

EXIT STATUS
  0  restored
  1  an error
  2  refused: the provider does not serve the current zone yet`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runRestore(cmd.Context(), io, opts, args[0]) },
	}
	flags(restore)
	status := &cobra.Command{
		Use:   "status",
		Short: "Show which providers are in and out of service",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runStatus(io, opts) },
	}
	flags(status)
	cmd.AddCommand(drop, restore, status)
	return cmd
}

func runDrop(ctx context.Context, io *streams, opts *failoverOptions, name string) error {
	start := time.Now()
	s, err := load(io, selection{config: opts.config, zones: opts.zones})
	if err != nil {
		return err
	}
	dead, ok := s.cfg.Providers[name]
	if !ok {
		return fmt.Errorf("no provider %s in %s", name, s.cfg.File)
	}
	zonesOf := s.zonesOf(name, false)
	if len(zonesOf) == 0 {
		return fmt.Errorf("%s serves none of the selected zones (or is already out of service)", name)
	}
	// The others must serve the whole current zone before they carry it
	// alone. The dead provider is never asked.
	refused := false
	for _, origin := range zonesOf {
		for _, t := range s.targetsOf(origin, name) {
			rep := verify.Run(ctx, s.desired[origin], t.provider.Name(), t.provider.Capabilities(), verify.Options{})
			switch {
			case len(rep.Servers) == 0 && rep.Err == "":
				// A provider without nameservers of its own (zone files
				// for secondaries, say) cannot be asked.
				fmt.Fprintf(io.err, "zonecast: warning: %s: %s cannot be verified (no nameservers configured)\n", origin, t.provider.Name())
			case !rep.OK():
				fmt.Fprintf(io.err, "zonecast: %s: %s does not serve the whole current zone:\n", origin, t.provider.Name())
				writeVerify(&streams{out: io.err, err: io.err}, []verify.Provider{rep})
				refused = true
			}
		}
	}
	if refused && !opts.force {
		fmt.Fprintf(io.err, "zonecast: not dropping %s: the others must serve the zone first (apply), or pass --force\n", name)
		return &exitCodeError{exitUnsafe}
	}

	lockDir := s.lockDir()
	for _, origin := range zonesOf {
		l, err := apply.Acquire(lockDir, origin)
		if err != nil {
			return err
		}
		defer l.Release()
	}
	for _, origin := range zonesOf {
		s.state.DropFor(name, origin, opts.reason, time.Now())
	}
	if err := s.state.Save(s.cfg.State); err != nil {
		return err
	}
	deadNS := dead.Capabilities().Nameservers
	failed := false
	for _, origin := range zonesOf {
		newZone, err := failover.Without(s.desired[origin], deadNS)
		if err != nil {
			return err
		}
		s.desired[origin] = newZone
		if !s.pushApexNS(ctx, io, origin, s.targetsOf(origin, name)) {
			failed = true
		}
		ok, parentTTL := s.pushDelegation(ctx, io, origin)
		failed = failed || !ok
		s.registrar(io, origin, name, parentTTL)
	}
	fmt.Fprintf(io.out, "%s is out of service for %s (%.1fs from drop to the NS change applied).\n",
		name, strings.Join(zonesOf, ", "), time.Since(start).Seconds())
	if failed {
		return &exitCodeError{exitPartial}
	}
	return nil
}

func runRestore(ctx context.Context, io *streams, opts *failoverOptions, name string) error {
	s, err := load(io, selection{config: opts.config, zones: opts.zones})
	if err != nil {
		return err
	}
	zonesOf := s.zonesOf(name, true)
	if len(zonesOf) == 0 {
		return fmt.Errorf("%s is not out of service for the selected zones", name)
	}
	lockDir := s.lockDir()
	for _, origin := range zonesOf {
		l, err := apply.Acquire(lockDir, origin)
		if err != nil {
			return err
		}
		defer l.Release()
	}
	for _, origin := range zonesOf {
		var back targetRef
		for _, t := range s.out {
			if t.zone.Origin == origin && t.provider.Name() == name {
				back = t
			}
		}
		// Push the whole zone, as the others serve it now.
		tg := s.planOne(ctx, back)
		if tg.Err != nil {
			return tg.Err
		}
		res := apply.Run(ctx, []apply.Job{{Target: tg, Provider: back.provider}})[0]
		if res.Err != nil {
			return fmt.Errorf("restore %s at %s: %w", origin, name, res.Err)
		}
		fmt.Fprintf(io.out, "%s at %s: %d changes pushed\n", origin, name, res.Applied)
		rep := verify.Run(ctx, s.desired[origin], name, back.provider.Capabilities(), verify.Options{})
		if !rep.OK() || len(rep.Servers) == 0 {
			writeVerify(io, []verify.Provider{rep})
			fmt.Fprintf(io.err, "zonecast: not restoring %s for %s: it does not serve the current zone yet; try again once it does\n", name, origin)
			return &exitCodeError{exitChanges}
		}
		s.state.RestoreFor(name, origin)
		if err := s.state.Save(s.cfg.State); err != nil {
			return err
		}
		// Its nameservers go back into the apex NS set everywhere.
		var outNS []providers.Nameserver
		for _, t := range s.out {
			if t.zone.Origin == origin && t.provider.Name() != name {
				outNS = append(outNS, t.provider.Capabilities().Nameservers...)
			}
		}
		if s.desired[origin], err = failover.Without(s.files[origin], outNS); err != nil {
			return err
		}
		targets := append(s.targetsOf(origin, ""), back)
		ok := s.pushApexNS(ctx, io, origin, targets)
		delegated, parentTTL := s.pushDelegation(ctx, io, origin)
		ok = ok && delegated
		s.registrar(io, origin, "", parentTTL)
		if !ok {
			return &exitCodeError{exitPartial}
		}
		fmt.Fprintf(io.out, "%s is back in service for %s\n", name, origin)
	}
	return nil
}

func runStatus(io *streams, opts *failoverOptions) error {
	s, err := load(&streams{out: io.out, err: discard{}}, selection{config: opts.config, zones: opts.zones})
	if err != nil {
		return err
	}
	for _, zc := range s.cfg.Zones {
		if _, ok := s.files[zc.Origin]; !ok {
			continue
		}
		fmt.Fprintf(io.out, "%s\n", zc.Origin)
		for _, p := range zc.Providers {
			if s.state.IsDropped(p, zc.Origin) {
				d := s.state.Dropped[p]
				fmt.Fprintf(io.out, "  %-12s OUT since %s: %s\n", p, d.Since.Format(time.RFC3339), cmp.Or(d.Reason, "no reason given"))
			} else {
				fmt.Fprintf(io.out, "  %-12s in\n", p)
			}
		}
	}
	return nil
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

// zonesOf lists the selected zones the provider serves: those it is in
// service for, or (out) those it is out of service for.
func (s *session) zonesOf(name string, out bool) []string {
	var list []string
	refs := s.targets
	if out {
		refs = s.out
	}
	for _, t := range refs {
		if t.provider.Name() == name && !slices.Contains(list, t.zone.Origin) {
			list = append(list, t.zone.Origin)
		}
	}
	return list
}

// targetsOf lists the zone's providers in service, but for except.
func (s *session) targetsOf(origin, except string) []targetRef {
	var out []targetRef
	for _, t := range s.targets {
		if t.zone.Origin == origin && t.provider.Name() != except {
			out = append(out, t)
		}
	}
	return out
}

// lockDir is where the per-zone apply locks live: beside the state file.
func (s *session) lockDir() string {
	return filepath.Join(filepath.Dir(s.cfg.State), "locks")
}

// pushApexNS makes the apex NS set at each target what s.desired says,
// changing nothing else.
func (s *session) pushApexNS(ctx context.Context, io *streams, origin string, targets []targetRef) bool {
	ok := true
	for _, t := range targets {
		tg := s.planOne(ctx, t)
		if tg.Err != nil {
			fmt.Fprintf(io.err, "zonecast: %v\n", tg.Err)
			ok = false
			continue
		}
		tg.Changes = slices.DeleteFunc(tg.Changes, func(c plan.Change) bool {
			r := c.RRset()
			return !(r.Type == dns.TypeNS && r.Name == origin)
		})
		if len(tg.Changes) == 0 {
			continue
		}
		res := apply.Run(ctx, []apply.Job{{Target: tg, Provider: t.provider}})[0]
		if res.Err != nil {
			fmt.Fprintf(io.err, "zonecast: apex NS of %s at %s: %v\n", origin, t.provider.Name(), res.Err)
			ok = false
			continue
		}
		fmt.Fprintf(io.out, "%s at %s: apex NS set to %s\n", origin, t.provider.Name(), strings.Join(s.desired[origin].Lookup(origin, dns.TypeNS).Data, " "))
	}
	return ok
}

// pushDelegation changes the zone's delegation (NS and in-bailiwick glue)
// at its parent provider, when one is configured.
//
// It returns whether it succeeded and the parent's NS TTL for the zone, as
// it read it (0 when no parent is configured or it cannot be read).
func (s *session) pushDelegation(ctx context.Context, io *streams, origin string) (bool, uint32) {
	var zc *struct{ provider, zone string }
	for _, c := range s.cfg.Zones {
		if c.Origin == origin && c.Parent != nil {
			zc = &struct{ provider, zone string }{c.Parent.Provider, c.Parent.Zone}
		}
	}
	if zc == nil {
		return true, 0
	}
	parent := s.cfg.Providers[zc.provider]
	current, err := parent.Records(ctx, zc.zone)
	if err != nil {
		fmt.Fprintf(io.err, "zonecast: read the parent %s at %s: %v\n", zc.zone, zc.provider, err)
		return false, 0
	}
	want := s.desired[origin].Lookup(origin, dns.TypeNS)
	have := map[zones.Key]*zones.RRset{}
	for i := range current {
		have[current[i].Key()] = &current[i]
	}
	var ttl uint32
	if h := have[want.Key()]; h != nil {
		ttl = h.TTL
	}
	var changes []plan.Change
	set := func(w *zones.RRset) {
		w = &zones.RRset{Name: w.Name, Type: w.Type, TTL: w.TTL, Data: w.Data}
		if h := have[w.Key()]; h != nil {
			w.TTL = h.TTL // the parent's own TTL
			if !h.Equal(w) {
				changes = append(changes, plan.Change{Op: plan.Update, Before: h, After: w})
			}
			return
		}
		changes = append(changes, plan.Change{Op: plan.Create, After: w})
	}
	set(want)
	glue := failover.Glue(s.desired[origin], want.Data)
	for _, g := range glue {
		set(g)
	}
	// Glue of nameservers no longer in the set goes.
	for _, h := range current {
		if (h.Type == dns.TypeA || h.Type == dns.TypeAAAA) && dns.IsSubDomain(origin, h.Name) && !slices.Contains(want.Data, h.Name) {
			changes = append(changes, plan.Change{Op: plan.Delete, Before: &h})
		}
	}
	if len(changes) == 0 {
		return true, ttl
	}
	if _, err := parent.Apply(ctx, zc.zone, apply.Order(changes)); err != nil {
		fmt.Fprintf(io.err, "zonecast: delegation of %s at %s: %v\n", origin, zc.provider, err)
		return false, ttl
	}
	fmt.Fprintf(io.out, "%s: delegation at %s (%s) set to %s\n", origin, zc.provider, zc.zone, strings.Join(want.Data, " "))
	return true, ttl
}

// registrar prints what the registrar (the parent zone) must say now.
// parentNSTTL is the parent's NS TTL for the zone as pushDelegation read it
// (0: unknown).
func (s *session) registrar(io *streams, origin, dropped string, parentNSTTL uint32) {
	z := s.desired[origin]
	ns := z.Lookup(origin, dns.TypeNS)
	fmt.Fprintf(io.out, "\nAt the registrar of %s, the delegation must be:\n", origin)
	for _, n := range ns.Data {
		fmt.Fprintf(io.out, "  NS %s\n", n)
	}
	for _, g := range failover.Glue(z, ns.Data) {
		for _, d := range g.Data {
			fmt.Fprintf(io.out, "  glue %s %s %s\n", g.Name, g.TypeString(), d)
		}
	}
	parentTTL := "unknown (look it up at the registrar)"
	if parentNSTTL > 0 {
		parentTTL = fmt.Sprintf("%ds", parentNSTTL)
	}
	if dropped != "" {
		fmt.Fprintf(io.out, "Resolvers may keep asking %s until the parent's NS TTL (%s) and the zone's own (%ds) run out.\n", dropped, parentTTL, ns.TTL)
	}
}
