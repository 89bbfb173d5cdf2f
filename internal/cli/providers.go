package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/zonecast/zonecast/internal/config"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/all"
	"github.com/zonecast/zonecast/zones"
)

type providersOptions struct {
	config string
}

func newProvidersCmd(ios *streams) *cobra.Command {
	opts := &providersOptions{}
	cmd := &cobra.Command{
		Use:   "providers",
		Short: "List the configured providers and what they can hold",
		Long: `List the providers of the configuration with their type and capabilities,
then every provider type zonecast knows.` + exitStatus,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runProviders(cmd.Context(), ios, opts) },
	}
	cmd.Flags().StringVar(&opts.config, "config", config.DefaultPath, "the configuration file")
	return cmd
}

func runProviders(_ context.Context, ios *streams, opts *providersOptions) error {
	cfg, err := config.Load(opts.config, all.Drivers())
	if err != nil {
		return err
	}
	for _, name := range cfg.ProviderOrder {
		p := cfg.Providers[name]
		fmt.Fprintf(ios.out, "%s\n", name)
		describe(ios, p.Capabilities())
	}
	fmt.Fprintln(ios.out, "\nprovider types:")
	for _, d := range all.Drivers() {
		fmt.Fprintf(ios.out, "  %-10s %s\n", d.Type, d.Summary)
	}
	return nil
}

func describe(ios *streams, c providers.Capabilities) {
	types := "every type"
	if c.Types != nil {
		names := make([]string, len(c.Types))
		for i, t := range c.Types {
			names[i] = zones.TypeString(t)
		}
		types = strings.Join(names, " ")
	}
	fmt.Fprintf(ios.out, "  types: %s\n", types)
	if c.MinTTL > 0 || c.MaxTTL > 0 {
		fmt.Fprintf(ios.out, "  TTL: %d to %d\n", c.MinTTL, c.MaxTTL)
	}
	fmt.Fprintf(ios.out, "  SOA: %s; apex NS: %s\n", owner(c.OwnsSOA), owner(c.OwnsApexNS))
	for _, n := range c.Notes {
		fmt.Fprintf(ios.out, "  %s\n", n)
	}
}

func owner(provider bool) string {
	if provider {
		return "the provider's own"
	}
	return "managed by zonecast"
}
