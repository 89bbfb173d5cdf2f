package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/miekg/dns"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/zonecast/zonecast/internal/config"
	"github.com/zonecast/zonecast/internal/failover"
	"github.com/zonecast/zonecast/internal/resolve"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/all"
	"github.com/zonecast/zonecast/zones"
)

type exportOptions struct {
	config   string
	provider string
	zone     string
	all      bool
	out      string
}

func newExportCmd(ios *streams) *cobra.Command {
	opts := &exportOptions{}
	cmd := &cobra.Command{
		Use:   "export --provider P (--zone Z [-o FILE] | --all [-o DIR])",
		Short: "Write what a provider serves as a BIND zone file",
		Long: `Read what PROVIDER serves for ZONE and write it as a zone file in canonical
form that 'zonecast validate' accepts whatever the file is named: it starts
with $ORIGIN and $TTL. The way to move an existing zone into git. Where the
provider keeps the SOA and apex NS to itself (the clouds), an SOA is made up
and the apex NS set comes from the provider's nameservers:, both marked in
comments to review. Alias and read-only records are listed as comments.
DNSSEC records are left out.

With --all, every zone the configuration lists for PROVIDER is exported, in
the order of the configuration: with -o DIR, one file each, DIR/ORIGIN.zone
(example.com.zone; DIR is created, files in it overwritten); without -o, to
stdout one after another, each starting with its own comment line and
$ORIGIN. The members of a zone set are zones the configuration lists. When
DIR is the folder of a zone set served by PROVIDER (as 'zonecast init
--from' writes one), the zones PROVIDER hosts that no entry of the
configuration has are exported too: written there, named after their
zones, they are the set's members from the next run on. A zone that cannot be read is reported and the others are still
written; the exit status is then 1.` + exitStatus,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runExport(cmd.Context(), ios, opts) },
	}
	cmd.Flags().StringVar(&opts.config, "config", config.DefaultPath, "the configuration file")
	cmd.Flags().StringVar(&opts.provider, "provider", "", "the provider to read (required)")
	cmd.Flags().StringVar(&opts.zone, "zone", "", "the zone to export")
	cmd.Flags().BoolVar(&opts.all, "all", false, "export every zone the configuration lists for the provider")
	cmd.Flags().StringVarP(&opts.out, "output", "o", "", "write to this file (with --all: this directory) instead of stdout")
	cmd.MarkFlagRequired("provider")
	cmd.MarkFlagsMutuallyExclusive("zone", "all")
	cmd.MarkFlagsOneRequired("zone", "all")
	return cmd
}

// exported is one zone as export writes it, or why it could not be read.
type exported struct {
	origin string
	text   []byte
	sets   int
	err    error
}

// exportReads bounds how many zones export --all reads at once: a cloud's
// API rate limit is per account, not per zone.
const exportReads = 4

func runExport(ctx context.Context, ios *streams, opts *exportOptions) error {
	// Only the exported provider's secrets are read: exporting from one
	// provider needs no other's credentials.
	cfg, err := config.LoadSelected(opts.config, all.Drivers(), []string{opts.provider})
	if err != nil {
		return err
	}
	showWarnings(ios, cfg)
	// The provider's server or API is reached at its last-known address
	// when its name no longer resolves, as plan and apply reach it.
	known, err := resolve.Load(cfg.Addresses)
	if err != nil {
		return err
	}
	ctx = providers.WithHostResolver(ctx, resolve.New(cfg.Resolvers, known))
	p, ok := cfg.Providers[opts.provider]
	if !ok {
		return fmt.Errorf("--provider %s: no such provider in %s", opts.provider, cfg.File)
	}
	origins := []string{zones.CanonicalName(opts.zone)}
	if opts.all {
		origins = nil
		for _, z := range cfg.Zones {
			if slices.Contains(z.Providers, opts.provider) {
				origins = append(origins, z.Origin)
			}
		}
		if opts.out != "" {
			more, err := setToFill(ctx, ios, cfg, opts.provider, opts.out)
			if err != nil {
				return err
			}
			origins = append(origins, more...)
		}
		if len(origins) == 0 {
			return fmt.Errorf("--all: no zone in %s lists provider %s", cfg.File, opts.provider)
		}
	}

	// Results go into index slots and are written in the configuration's
	// order; one zone that cannot be read does not stop the others.
	results := make([]exported, len(origins))
	var g errgroup.Group
	g.SetLimit(exportReads)
	for i, origin := range origins {
		g.Go(func() error {
			results[i] = exportZone(ctx, p, cfg, opts.provider, origin)
			return nil
		})
	}
	g.Wait()

	var errs []error
	for i, r := range results {
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		switch {
		case !opts.all && opts.out == "":
			if _, err := ios.out.Write(r.text); err != nil {
				return err
			}
		case !opts.all:
			if err := os.WriteFile(opts.out, r.text, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(ios.err, "%s: %d RRsets of %s at %s\n", opts.out, r.sets, r.origin, opts.provider)
		case opts.out == "":
			if i > 0 {
				fmt.Fprintln(ios.out)
			}
			if _, err := ios.out.Write(r.text); err != nil {
				return err
			}
		default:
			if err := os.MkdirAll(opts.out, 0o755); err != nil {
				return err
			}
			file := filepath.Join(opts.out, zoneFileName(r.origin))
			if err := os.WriteFile(file, r.text, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(ios.err, "%s: %d RRsets of %s at %s\n", file, r.sets, r.origin, opts.provider)
		}
	}
	if len(errs) > 0 {
		for _, err := range errs {
			fmt.Fprintf(ios.err, "zonecast: %v\n", err)
		}
		return reported{errors.Join(errs...)}
	}
	return nil
}

// zoneFileName is the file export --all writes a zone to: the origin
// without its trailing dot, then ".zone", which validate reads as that
// zone's file even without the $ORIGIN; the root zone is "root.zone".
// Names are escaped (zones.EscapeText) and never hold a slash.
func zoneFileName(origin string) string {
	name := strings.TrimSuffix(zones.EscapeText(origin), ".")
	if name == "" {
		name = "root"
	}
	return strings.ReplaceAll(name, "/", "\\047") + ".zone"
}

// exportZone reads origin at p and writes it as a zone file: a comment
// line, $ORIGIN and $TTL, the notes, then the RRsets (zones.Write).
func exportZone(ctx context.Context, p providers.Provider, cfg *config.Config, provider, origin string) exported {
	sets, err := providers.ReadWithin(ctx, p, origin, cfg.Limits.ReadTimeout, "limits.read_timeout")
	if err != nil {
		return exported{origin: origin, err: fmt.Errorf("read %s at %s: %w", origin, provider, err)}
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
		case failover.IsAddressesName(s.Name, origin) && s.Type == dns.TypeTXT:
			notes = append(notes, "; "+s.Name+" TXT is zonecast's last-known addresses: not exported (zonecast writes it itself)")
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
		notes = append(notes, "; REVIEW: "+provider+" keeps its SOA to itself; this SOA is made up")
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
			notes = append(notes, "; REVIEW: the apex NS set comes from the nameservers: of "+provider+"; add every provider's")
		} else {
			notes = append(notes, "; REVIEW: "+provider+" keeps its apex NS to itself: add the NS records of every provider")
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "; %s as %s served it, exported by zonecast %s\n", zones.EscapeText(origin), provider, version())
	// $ORIGIN makes the file this zone's whatever it is named (validate
	// otherwise takes the origin from the file name); $TTL, the TTL most
	// RRsets have, is the default for records added by hand (RFC 2308).
	// Every record below keeps its own TTL.
	fmt.Fprintf(&b, "$ORIGIN %s\n$TTL %d\n", zones.EscapeText(origin), commonTTL(z))
	for _, n := range notes {
		b.WriteString(n + "\n")
	}
	if err := zones.Write(&b, z); err != nil {
		return exported{origin: origin, err: fmt.Errorf("write %s: %w", origin, err)}
	}
	return exported{origin: origin, text: b.Bytes(), sets: len(z.Sets)}
}

// commonTTL is the TTL most RRsets of z have, the smallest on a tie.
func commonTTL(z *zones.Zone) uint32 {
	count := map[uint32]int{}
	for _, s := range z.Sets {
		count[s.TTL]++
	}
	ttls := slices.Sorted(maps.Keys(count))
	best := ttls[0]
	for _, ttl := range ttls {
		if count[ttl] > count[best] {
			best = ttl
		}
	}
	return best
}

// setToFill returns, when dir is the folder of a zone set that provider
// serves and the provider can list its zones, the zones it hosts that the
// configuration does not have and that the set would take as members once
// written to dir (export's file name matches the set's match:). A provider
// that cannot list its zones adds none.
func setToFill(ctx context.Context, ios *streams, cfg *config.Config, provider, dir string) ([]string, error) {
	var set *config.ZoneSet
	for i, s := range cfg.Sets {
		if slices.Contains(s.Providers, provider) && sameFolder(s.Path, dir) {
			set = &cfg.Sets[i]
			break
		}
	}
	if set == nil {
		return nil, nil
	}
	if _, ok := cfg.Providers[provider].(providers.ZoneLister); !ok {
		return nil, nil
	}
	hosted, err := listZones(ctx, cfg, provider)
	if err != nil {
		return nil, err
	}
	var more, unmatched []string
	for _, origin := range hosted {
		if _, ok := cfg.Zone(origin); ok || origin == "." {
			continue
		}
		if ok, _ := filepath.Match(set.Match, zoneFileName(origin)); !ok {
			unmatched = append(unmatched, origin)
			continue
		}
		more = append(more, origin)
	}
	if len(more) > 0 {
		fmt.Fprintf(ios.err, "%s %s hosts are in no entry of %s: exported too, into the folder of zone set %s (line %d), whose members they become\n",
			nZones(len(more)), provider, cfg.File, set.Dir, set.Line)
	}
	if len(unmatched) > 0 {
		fmt.Fprintf(ios.err, "%s %s hosts are in no entry of %s and their files would not match %q of zone set %s: not exported (%s)\n",
			nZones(len(unmatched)), provider, cfg.File, set.Match, set.Dir, strings.Join(unmatched[:min(len(unmatched), 5)], ", "))
	}
	return more, nil
}

// sameFolder reports whether paths a and b name one folder.
func sameFolder(a, b string) bool {
	if x, err := filepath.Abs(a); err == nil {
		if y, err := filepath.Abs(b); err == nil && x == y {
			return true
		}
	}
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}
