package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zonecast/zonecast/internal/audit"
	"github.com/zonecast/zonecast/internal/config"
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
names' registered domains). Report every path through one provider, fewer
than two independent providers, nameservers whose own domain has a single
provider, missing or wrong glue, parent/child NS mismatch, lame servers,
SOA serial divergence, all addresses in one /24 or /48, and the NS TTLs that
bound how fast a failover takes effect.

EXIT STATUS
  0  no single point of failure
  1  an error (the delegation cannot be walked)
  2  a single point of failure was found`,
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
	case errors.Is(err, fs.ErrNotExist):
		// No configuration: providers are named by registered domain.
	default:
		return err
	}
	r, err := audit.Run(ctx, zone, ao)
	if err != nil {
		return err
	}
	if opts.format == "json" {
		if err := audit.WriteJSON(ios.out, r); err != nil {
			return err
		}
	} else {
		verdict := "no single point of failure found"
		if r.Failed() {
			verdict = "SINGLE POINT OF FAILURE"
		}
		fmt.Fprintf(ios.out, "%s: %s\n", r.Zone, verdict)
		fmt.Fprintf(ios.out, "  delegated by %s: NS %s (TTL %ds)\n", r.Parent, strings.Join(r.ParentNS, " "), r.ParentTTL)
		for _, h := range r.Hosts {
			fmt.Fprintf(ios.out, "  %s [%s] %s", h.Name, h.Provider, strings.Join(h.Addresses, " "))
			if h.Zone != "" && h.Zone != r.Zone {
				fmt.Fprintf(ios.out, " — name in %s, served by %s", h.Zone, strings.Join(h.ZoneProviders, ", "))
			}
			fmt.Fprintf(ios.out, " — depends on %s\n", strings.Join(h.DependsOn, ", "))
		}
		for _, f := range r.Findings {
			fmt.Fprintf(ios.out, "  %s: %s [%s]\n", f.Severity, f.Message, f.Code)
		}
	}
	if r.Failed() {
		return reported{errDiffers}
	}
	return nil
}
