package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zonecast/zonecast/internal/engine"
	"github.com/zonecast/zonecast/internal/verify"
)

type failoverOptions struct {
	config string
	zones  []string
	reason string
	force  bool
}

func newFailoverCmd(ios *streams) *cobra.Command {
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

Run it again to finish a drop whose parent delegation could not be changed
(sync and apply finish it too). A refused drop changes nothing.

EXIT STATUS
  0  dropped
  1  an error
  3  dropped, but a push failed (the apex NS at another provider, or the parent
     delegation): recorded as pending; run drop again or let sync finish it
  4  refused, nothing changed: the other providers do not all serve the
     current zone, fewer than failover.min_providers (default 2) would be
     left in service (--force overrides both), or no nameserver or no
     provider would be left (never overridden)

Every machine running zonecast for the zone sees the drop: it is recorded in
the zone itself, as the TXT record _zonecast-state.ZONE at every provider left
in service, and any plan, apply or sync takes the newest such record it reads.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runDrop(cmd.Context(), ios, opts, args[0]) },
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
  1  an error (the provider cannot be read or written)
  3  restored, but a push failed (the apex NS elsewhere, the parent
     delegation): recorded; apply or sync finishes it
  4  refused: the provider does not serve the current zone yet (--force
     restores without that check)`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runRestore(cmd.Context(), ios, opts, args[0]) },
	}
	flags(restore)
	restore.Flags().BoolVar(&opts.force, "force", false, "restore without checking on the wire that it serves the zone (a provider with no nameservers configured)")
	status := &cobra.Command{
		Use:   "status",
		Short: "Show which providers are in and out of service",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runStatus(cmd.Context(), ios, opts) },
	}
	flags(status)
	cmd.AddCommand(drop, restore, status)
	return cmd
}

func runDrop(ctx context.Context, ios *streams, opts *failoverOptions, name string) error {
	e, err := load(ios, engine.Selection{Config: opts.config, Zones: opts.zones})
	if err != nil {
		return err
	}
	tr, err := e.Drop(ctx, name, opts.reason, opts.force)
	if tr != nil {
		for _, u := range tr.Unverified {
			ios.say(slog.LevelWarn, fmt.Sprintf("zonecast: warning: %s cannot be verified (no nameservers configured)", u))
		}
		for _, n := range tr.Notes {
			ios.say(slog.LevelWarn, "zonecast: note: "+n)
		}
	}
	var refused *engine.RefusedError
	if errors.As(err, &refused) {
		for _, rep := range refused.Reports {
			fmt.Fprintf(ios.err, "zonecast: %s: %s does not serve the whole current zone:\n", rep.Zone, rep.Provider)
			writeVerify(&streams{out: ios.err, err: ios.err}, []verify.Provider{rep})
		}
		ios.say(slog.LevelError, fmt.Sprintf("zonecast: %v; nothing was changed", err))
		return reported{err}
	}
	if tr == nil || tr.Zones == nil {
		return err
	}
	writeTransition(ios, tr)
	fmt.Fprintf(ios.out, "%s is out of service for %s (%.1fs from drop to the NS change applied).\n",
		name, strings.Join(tr.Zones, ", "), tr.Took.Seconds())
	return err
}

func runRestore(ctx context.Context, ios *streams, opts *failoverOptions, name string) error {
	e, err := load(ios, engine.Selection{Config: opts.config, Zones: opts.zones})
	if err != nil {
		return err
	}
	tr, err := e.Restore(ctx, name, opts.force)
	if tr != nil {
		for _, n := range tr.Notes {
			ios.say(slog.LevelWarn, "zonecast: note: "+n)
		}
		writeTransition(ios, tr)
	}
	var ns *engine.NotServingError
	if errors.As(err, &ns) {
		writeVerify(ios, []verify.Provider{ns.Report})
		ios.say(slog.LevelError, fmt.Sprintf("zonecast: %v", err))
		return reported{err}
	}
	if err != nil {
		return err
	}
	for _, z := range tr.Zones {
		fmt.Fprintf(ios.out, "%s is back in service for %s\n", name, z)
	}
	return nil
}

// writeTransition shows the steps of a drop or restore, and what the
// registrar must say now.
func writeTransition(ios *streams, tr *engine.Transition) {
	for _, st := range tr.Steps {
		if st.Err != nil {
			ios.say(slog.LevelError, fmt.Sprintf("zonecast: %s at %s: FAILED: %s: %v (recorded; run the command again or let sync finish it)", st.Zone, st.Provider, st.What, st.Err),
				"zone", st.Zone, "provider", st.Provider)
			continue
		}
		if strings.HasPrefix(st.What, "delegation") {
			fmt.Fprintf(ios.out, "%s: %s\n", st.Zone, st.What)
			continue
		}
		fmt.Fprintf(ios.out, "%s at %s: %s\n", st.Zone, st.Provider, st.What)
	}
	for _, d := range tr.Registrar {
		fmt.Fprintf(ios.out, "\nAt the registrar of %s, the delegation must be:\n", d.Zone)
		for _, n := range d.NS {
			fmt.Fprintf(ios.out, "  NS %s\n", n)
		}
		for _, g := range d.Glue {
			for _, v := range g.Data {
				fmt.Fprintf(ios.out, "  glue %s %s %s\n", g.Name, g.TypeString(), v)
			}
		}
		parentTTL := "unknown (look it up at the registrar)"
		if d.ParentTTL > 0 {
			parentTTL = fmt.Sprintf("%ds", d.ParentTTL)
		}
		if d.Dropped != "" {
			fmt.Fprintf(ios.out, "Resolvers may keep asking %s until the parent's NS TTL (%s) and the zone's own (%ds) run out.\n", d.Dropped, parentTTL, d.ZoneTTL)
		}
	}
}

func runStatus(ctx context.Context, ios *streams, opts *failoverOptions) error {
	e, err := load(&streams{out: ios.out, err: discard{}}, engine.Selection{Config: opts.config, Zones: opts.zones})
	if err != nil {
		return err
	}
	// The state as the providers hold it, which another machine may have
	// changed; this machine's file is only a cache of it.
	e.Discover(ctx)
	for _, n := range e.Adopted {
		ios.say(slog.LevelInfo, fmt.Sprintf("zonecast: note: %s", n))
	}
	for _, zc := range e.Config.Zones {
		if _, ok := e.Files[zc.Origin]; !ok {
			continue
		}
		fmt.Fprintf(ios.out, "%s\n", zc.Origin)
		for _, p := range zc.Providers {
			if e.State.IsDropped(p, zc.Origin) {
				d := e.State.Dropped[p]
				fmt.Fprintf(ios.out, "  %-12s OUT since %s: %s\n", p, d.Since.Format(time.RFC3339), cmp.Or(d.Reason, "no reason given"))
			} else {
				fmt.Fprintf(ios.out, "  %-12s in\n", p)
			}
		}
		for _, pd := range e.State.PendingOf([]string{zc.Origin}) {
			fmt.Fprintf(ios.out, "  PENDING: %s\n", pd)
		}
	}
	return nil
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
