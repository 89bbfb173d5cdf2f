package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/miekg/dns"
	"github.com/spf13/cobra"

	"github.com/zonecast/zonecast/internal/config"
	"github.com/zonecast/zonecast/internal/failover"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/all"
	"github.com/zonecast/zonecast/zones"
)

type exportOptions struct {
	config   string
	provider string
	zone     string
	out      string
}

func newExportCmd(ios *streams) *cobra.Command {
	opts := &exportOptions{}
	cmd := &cobra.Command{
		Use:   "export --provider P --zone Z [-o FILE]",
		Short: "Write what a provider serves as a BIND zone file",
		Long: `Read what PROVIDER serves for ZONE and write it as a zone file in canonical
form that 'zonecast validate' accepts: the way to move an existing zone into
git. Where the provider keeps the SOA and apex NS to itself (the clouds), an
SOA is made up and the apex NS set comes from the provider's nameservers:,
both marked in comments to review. Alias and read-only records are listed
as comments. DNSSEC records are left out.` + exitStatus,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runExport(cmd.Context(), ios, opts) },
	}
	cmd.Flags().StringVar(&opts.config, "config", config.DefaultPath, "the configuration file")
	cmd.Flags().StringVar(&opts.provider, "provider", "", "the provider to read (required)")
	cmd.Flags().StringVar(&opts.zone, "zone", "", "the zone to export (required)")
	cmd.Flags().StringVarP(&opts.out, "output", "o", "", "write to this file instead of stdout")
	cmd.MarkFlagRequired("provider")
	cmd.MarkFlagRequired("zone")
	return cmd
}

func runExport(ctx context.Context, ios *streams, opts *exportOptions) error {
	cfg, err := config.Load(opts.config, all.Drivers())
	if err != nil {
		return err
	}
	p, ok := cfg.Providers[opts.provider]
	if !ok {
		return fmt.Errorf("--provider %s: no such provider in %s", opts.provider, cfg.File)
	}
	origin := zones.CanonicalName(opts.zone)
	sets, err := providers.ReadWithin(ctx, p, origin, cfg.Limits.ReadTimeout, "limits.read_timeout")
	if err != nil {
		return fmt.Errorf("read %s at %s: %w", origin, opts.provider, err)
	}
	z := zones.NewZone(origin)
	var notes []string
	for i := range sets {
		s := sets[i]
		switch {
		case s.Protected != "":
			notes = append(notes, fmt.Sprintf("; %s %s is %s: not exported (%v)", s.Name, s.TypeString(), s.Protected, s.Data))
		case zones.IsDNSSEC(s.Type):
		case failover.IsStateName(s.Name, origin):
			notes = append(notes, "; "+s.Name+" TXT is zonecast's failover state: not exported (zonecast writes it itself)")
		default:
			z.Sets[s.Key()] = &s
		}
	}
	if z.Lookup(origin, dns.TypeSOA) == nil {
		mname := "ns." + origin
		if ns := p.Capabilities().Nameservers; len(ns) > 0 && ns[0].Name != "" {
			mname = ns[0].Name
		}
		z.Sets[zones.Key{Name: origin, Type: dns.TypeSOA}] = &zones.RRset{Name: origin, Type: dns.TypeSOA, TTL: 3600,
			Data: []string{fmt.Sprintf("%s hostmaster.%s 1 7200 900 1209600 300", mname, origin)}}
		notes = append(notes, "; REVIEW: "+opts.provider+" keeps its SOA to itself; this SOA is made up")
	}
	if z.Lookup(origin, dns.TypeNS) == nil {
		var names []string
		for _, ns := range p.Capabilities().Nameservers {
			if ns.Name != "" {
				names = append(names, ns.Name)
			}
		}
		if len(names) > 0 {
			z.Sets[zones.Key{Name: origin, Type: dns.TypeNS}] = &zones.RRset{Name: origin, Type: dns.TypeNS, TTL: 3600, Data: names}
			notes = append(notes, "; REVIEW: the apex NS set comes from the nameservers: of "+opts.provider+"; add every provider's")
		} else {
			notes = append(notes, "; REVIEW: "+opts.provider+" keeps its apex NS to itself: add the NS records of every provider")
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "; %s as %s served it, exported by zonecast %s\n", origin, opts.provider, version())
	for _, n := range notes {
		b.WriteString(n + "\n")
	}
	if err := zones.Write(&b, z); err != nil {
		return err
	}
	if opts.out == "" {
		_, err := ios.out.Write(b.Bytes())
		return err
	}
	if err := os.WriteFile(opts.out, b.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(ios.err, "%s: %d RRsets of %s at %s\n", opts.out, len(z.Sets), origin, opts.provider)
	return nil
}
