package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/miekg/dns"
	"github.com/spf13/cobra"

	"github.com/zonecast/zonecast/internal/audit"
	"github.com/zonecast/zonecast/internal/config"
	"github.com/zonecast/zonecast/internal/failover"
	"github.com/zonecast/zonecast/providers/all"
)

type auditOptions struct {
	config    string
	rootHints string
	format    string
}

func newAuditCmd(ios *streams) *cobra.Command {
	opts := &auditOptions{}
	cmd := &cobra.Command{
		Use:   "audit ZONE",
		Short: "Find single points of failure in a zone's live delegation",
		Long: `Walk ZONE's delegation from the root: the parent's NS set and glue, how each
nameserver name itself resolves (its zone and that zone's nameservers), and
the providers behind them (the configured providers' nameservers, else the
names' registered domains). Report a zone that does not resolve, every
provider on all paths to it, fewer than two independent providers, the dark
domain (every nameserver name in domains one provider serves), nameservers
whose own domain has a single provider, in-domain glue that is missing or
wrong, sibling glue that is absent, right or wrong (and which resolvers use
it), parent/child NS mismatch, lame servers, SOA serials that differ among
one provider's own servers, all addresses in one /24 or /48, and the NS TTLs
that bound how fast a failover takes effect.

Providers out of service for ZONE (zonecast failover drop, in the state file
of --config) are expected to be absent from the NS sets: they are not asked
and not reported unreachable; the audit warns if the parent or the zone
still lists them.

EXIT STATUS
  0  the zone resolves and has no single point of failure
  1  an error (the delegation cannot be walked)
  2  a single point of failure was found, or the zone does not resolve`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runAudit(cmd.Context(), ios, opts, args[0]) },
	}
	cmd.Flags().StringVar(&opts.config, "config", config.DefaultPath, "the configuration file, to name providers (optional)")
	cmd.Flags().StringVar(&opts.rootHints, "root-hints", "", "root hints file (named.root format); default: the IANA root servers")
	cmd.Flags().StringVar(&opts.format, "format", "text", "text or json")
	return cmd
}

func runAudit(ctx context.Context, ios *streams, opts *auditOptions, zone string) error {
	if opts.format != "text" && opts.format != "json" {
		return fmt.Errorf("--format %q: want text or json", opts.format)
	}
	ao := audit.Options{Providers: map[string]string{}}
	if opts.rootHints != "" {
		roots, err := audit.ReadRootHints(opts.rootHints)
		if err != nil {
			return err
		}
		ao.Roots = roots
	}
	cfg, err := config.Load(opts.config, all.Drivers())
	switch {
	case err == nil:
		for _, name := range cfg.ProviderOrder {
			for _, ns := range cfg.Providers[name].Capabilities().Nameservers {
				if ns.Name != "" {
					ao.Providers[ns.Name] = name
				}
			}
		}
		st, err := failover.Load(cfg.State)
		if err != nil {
			return err
		}
		origin := dns.Fqdn(strings.ToLower(zone))
		for _, name := range cfg.ProviderOrder {
			if st.IsDropped(name, origin) {
				ao.Dropped = append(ao.Dropped, name)
			}
		}
	case errors.Is(err, fs.ErrNotExist):
		// No configuration: providers are named by registered domain.
	default:
		return err
	}
	r, err := audit.Run(ctx, zone, ao)
	if err != nil {
		return err
	}
	if cfg != nil {
		r.Zonecast = selfDependencies(cfg, dns.Fqdn(strings.ToLower(zone)))
	}
	if opts.format == "json" {
		if err := audit.WriteJSON(ios.out, r); err != nil {
			return err
		}
	} else if err := audit.WriteText(ios.out, r); err != nil {
		return err
	}
	if r.Failed() {
		return reported{errDiffers}
	}
	return nil
}

// selfDependencies are the names zonecast resolves to reach or check the
// providers of origin and of its parent: provider, from the configuration.
func selfDependencies(cfg *config.Config, origin string) []audit.SelfDependency {
	zc, ok := cfg.Zone(origin)
	if !ok {
		return nil
	}
	names := slices.Clone(zc.Providers)
	if zc.Parent != nil {
		names = append(names, zc.Parent.Provider)
	}
	var out []audit.SelfDependency
	for _, d := range cfg.Dependencies(names...) {
		sd := audit.SelfDependency{Provider: d.Provider, What: d.Key, Host: d.Host, DarkIf: d.DarkIf()}
		if d.Nameserver {
			sd.What = "nameserver"
			if len(sd.DarkIf) > 0 {
				sd.Fallback = "verify and failover use its last-known address"
			}
		} else if len(sd.DarkIf) > 0 {
			sd.Fallback = "zonecast cannot reach " + d.Provider + ": give its address instead"
		}
		out = append(out, sd)
	}
	return out
}
