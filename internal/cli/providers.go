package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/miekg/dns"
	"log/slog"
	"slices"
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
	cmd.AddCommand(newProvidersZonesCmd(ios))
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
		if d.Details != nil {
			for _, line := range d.Details() {
				fmt.Fprintf(ios.out, "  %-10s   %s\n", "", line)
			}
		}
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
	fmt.Fprintf(ios.out, "  DNSSEC: %s\n", signerCaps(c.DNSSEC))
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

type providersZonesOptions struct {
	config   string
	provider string
	format   string
}

func newProvidersZonesCmd(ios *streams) *cobra.Command {
	opts := &providersZonesOptions{}
	cmd := &cobra.Command{
		Use:   "zones PROVIDER",
		Short: "List the zones a provider hosts, and which of them the configuration has",
		Long: `List the zones PROVIDER hosts, one origin per line, sorted, each with where it
stands in the configuration:

  managed         hosted, and the configuration lists it for PROVIDER
  unmanaged       hosted, and in no entry of the configuration
  other providers hosted, configured, but not for PROVIDER: zonecast leaves it there
  not hosted      the configuration lists it for PROVIDER, which does not host it

A zone set's members say which set (its dir:). With --format json: an array
of {"zone", "status", "hosted", "configured", "set"}. Only PROVIDER's
secrets are read; the configuration may have no zones yet. A provider whose protocol has no listing (rfc2136: DNS
UPDATE has none; catalog zones are future work) is an error.` + exitStatus,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.provider = args[0]
			return runProvidersZones(cmd.Context(), ios, opts)
		},
	}
	cmd.Flags().StringVar(&opts.config, "config", config.DefaultPath, "the configuration file")
	cmd.Flags().StringVar(&opts.format, "format", "text", "output format: text or json")
	return cmd
}

// Where a zone stands, as `providers zones` shows it.
const (
	zoneManaged   = "managed"
	zoneUnmanaged = "unmanaged"
	zoneOthers    = "other providers"
	zoneNotHosted = "not hosted"
)

// hostedZone is one line of `providers zones`.
type hostedZone struct {
	Zone       string `json:"zone"`
	Status     string `json:"status"`
	Hosted     bool   `json:"hosted"`
	Configured bool   `json:"configured"`
	Set        string `json:"set,omitempty"`
}

func runProvidersZones(ctx context.Context, ios *streams, opts *providersZonesOptions) error {
	if opts.format != "text" && opts.format != "json" {
		return fmt.Errorf("--format %s: want text or json", opts.format)
	}
	// A file with providers only (no zones yet) is enough: what a
	// provider hosts is worth seeing before `init --from` writes zones.
	cfg, err := config.LoadProviders(opts.config, all.Drivers(), []string{opts.provider})
	if err != nil {
		return err
	}
	showWarnings(ios, cfg)
	hosted, err := listZones(ctx, cfg, opts.provider)
	if err != nil {
		return err
	}
	list := classify(cfg, opts.provider, hosted)
	if opts.format == "json" {
		enc := json.NewEncoder(ios.out)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	width := 0
	for _, z := range list {
		width = max(width, len(z.Zone))
	}
	count := map[string]int{}
	for _, z := range list {
		count[z.Status]++
		line := fmt.Sprintf("%-*s  %s", width, zones.EscapeText(z.Zone), z.Status)
		if z.Set != "" {
			line += " (zone set " + zones.EscapeText(z.Set) + ")"
		}
		fmt.Fprintln(ios.out, strings.TrimRight(line, " "))
	}
	fmt.Fprintf(ios.err, "%s hosts %s: %d managed, %d unmanaged, %d for other providers; %d configured for it are not hosted\n",
		opts.provider, nZones(len(hosted)), count[zoneManaged], count[zoneUnmanaged], count[zoneOthers], count[zoneNotHosted])
	return nil
}

// listZones asks the provider called name in cfg for the zones it hosts,
// within the configuration's read timeout.
func listZones(ctx context.Context, cfg *config.Config, name string) ([]string, error) {
	p, ok := cfg.Providers[name]
	if !ok {
		return nil, fmt.Errorf("no provider %s in %s (configured: %s)", name, cfg.File, strings.Join(cfg.ProviderOrder, ", "))
	}
	l, ok := p.(providers.ZoneLister)
	if !ok {
		return nil, fmt.Errorf("%s cannot list the zones it hosts: its protocol has no listing "+
			"(an RFC 2136 server takes updates but says nothing of its zones; catalog zones are future work); "+
			"list them in %s by hand, or as a zone set (dir:)", name, cfg.File)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Limits.ReadTimeout)
	defer cancel()
	hosted, err := l.Zones(ctx)
	if err != nil {
		return nil, fmt.Errorf("list the zones of %s: %w", name, err)
	}
	return hosted, nil
}

// classify merges what the provider hosts with what the configuration
// lists, sorted by origin.
func classify(cfg *config.Config, provider string, hosted []string) []hostedZone {
	out := []hostedZone{}
	isHosted := make(map[string]bool, len(hosted))
	for _, origin := range hosted {
		isHosted[origin] = true
		z := hostedZone{Zone: origin, Status: zoneUnmanaged, Hosted: true}
		if c, ok := cfg.Zone(origin); ok {
			z.Configured, z.Set, z.Status = true, c.Set, zoneOthers
			if slices.Contains(c.Providers, provider) {
				z.Status = zoneManaged
			}
		}
		out = append(out, z)
	}
	for _, c := range cfg.Zones {
		if !isHosted[c.Origin] && slices.Contains(c.Providers, provider) {
			out = append(out, hostedZone{Zone: c.Origin, Status: zoneNotHosted, Configured: true, Set: c.Set})
		}
	}
	slices.SortFunc(out, func(a, b hostedZone) int { return strings.Compare(a.Zone, b.Zone) })
	return out
}

// showWarnings shows the configuration's warnings on stderr.
func showWarnings(ios *streams, cfg *config.Config) {
	for _, w := range cfg.Warnings {
		ios.say(slog.LevelWarn, fmt.Sprintf("zonecast: warning: %v", w))
	}
}

// signerCaps says in a line how a provider can take part in a signed zone
// (providers.SignerCaps).
func signerCaps(d providers.SignerCaps) string {
	var parts []string
	switch {
	case d.Signs && d.ForeignKeys:
		parts = append(parts, "signs itself, takes other signers' keys (multi-signer)")
	case d.Signs:
		parts = append(parts, "signs itself, takes no other signer's keys (no multi-signer)")
	case d.ServesGiven:
		parts = append(parts, "serves what it is given (zonecast can sign for it)")
	default:
		parts = append(parts, "takes no part")
	}
	if len(d.Algorithms) > 0 {
		var algs []string
		for _, a := range d.Algorithms {
			algs = append(algs, dns.AlgorithmToString[a])
		}
		parts = append(parts, "algorithms "+strings.Join(algs, " "))
	}
	if d.Enable != "" {
		parts = append(parts, d.Enable)
	}
	return strings.Join(parts, "; ")
}
