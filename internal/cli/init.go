package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zonecast/zonecast/internal/config"
	"github.com/zonecast/zonecast/providers/all"
)

type initOptions struct {
	path  string
	force bool
	from  string // a provider to start the zones from
	dir   string // with from: the zone set's folder
}

// starter is the commented configuration `zonecast init` writes.
const starter = `# zonecast.yaml: one zone, served identically by several providers.
# Secrets are references only: env:NAME or file:PATH, never the value.

providers:
  # A self-run server taking TSIG-signed dynamic updates (BIND, Knot, PowerDNS).
  own:
    type: rfc2136
    servers: [192.0.2.53:53]              # tried in order until one answers
    tsig: {name: zonecast., algorithm: hmac-sha256, secret: env:TSIG_SECRET}
    nameservers: [ns1.example.net.]       # its NS names (for verify, failover, audit)

  # Cloudflare (an API token with Zone:DNS:Edit).
  # cloudflare:
  #   type: cloudflare
  #   api_token: env:CLOUDFLARE_API_TOKEN
  #   nameservers: [ada.ns.cloudflare.com., bob.ns.cloudflare.com.]

  # Amazon Route 53 (credentials from the AWS default chain).
  # aws:
  #   type: route53
  #   hosted_zone_id: Z0123456789
  #   nameservers: [ns-123.awsdns-15.com.]

  # Zone files in a directory, for servers fed by files.
  # files:
  #   type: zonefile
  #   directory: /var/lib/zones
  #   reload: [rndc, reload, "{zone}"]

zones:
  - origin: example.com.
    file: zones/example.com.zone          # relative to this file
    providers: [own]
    ignore:
      - {name: "_acme-challenge*", type: TXT}
    # parent: {provider: own, zone: com.} # only if you run the parent zone too

safety:
  max_change_percent: 30                  # apply refuses bigger changes without --force

state: .zonecast/state.json               # failover state; locks live beside it
`

func newInitCmd(ios *streams) *cobra.Command {
	opts := &initOptions{}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a commented starter zonecast.yaml, or its zones from what a provider hosts",
		Long: `Write a commented starter configuration; it never overwrites a file unless --force.

With --from PROVIDER, start the zones from what PROVIDER hosts instead: the
file at --config must exist with PROVIDER's block under providers: and no
zones: yet (write the providers block first, by hand or from the starter).
init asks PROVIDER for its zones (as 'zonecast providers zones' does), adds
to the file one zone set over --dir served by PROVIDER (a set whatever the
number: single zones would name files that do not exist yet, which the
configuration refuses), creates the folder, and tells you the next step:
'zonecast export --provider PROVIDER --all -o DIR', which writes every zone
PROVIDER hosts into the folder, one file each, named after its zone. Only
PROVIDER's secrets are read.` + exitStatus,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runInit(cmd.Context(), ios, opts) },
	}
	cmd.Flags().StringVar(&opts.path, "config", "zonecast.yaml", "where to write it (with --from: the file to add the zones to)")
	cmd.Flags().BoolVar(&opts.force, "force", false, "overwrite an existing file")
	cmd.Flags().StringVar(&opts.from, "from", "", "add the zones this provider of the file hosts, as a zone set")
	cmd.Flags().StringVar(&opts.dir, "dir", "zones", "with --from: the zone set's folder, relative to the configuration file")
	return cmd
}

func runInit(ctx context.Context, ios *streams, opts *initOptions) error {
	if opts.from != "" {
		return runInitFrom(ctx, ios, opts)
	}
	if _, err := os.Stat(opts.path); err == nil && !opts.force {
		return fmt.Errorf("%s exists; pass --force to overwrite it", opts.path)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.WriteFile(opts.path, []byte(starter), 0o644); err != nil {
		return err
	}
	ios.say(slog.LevelInfo, fmt.Sprintf("wrote %s; edit it, then run: zonecast plan --config %s", opts.path, opts.path), "file", opts.path)
	return nil
}

// topZones finds a top-level zones: key in a configuration's text.
var topZones = regexp.MustCompile(`(?m)^["']?zones["']?[ \t]*:`)

// runInitFrom is init --from: it appends a zone set of what the provider
// hosts to the configuration, which is checked again before init ends and
// left as it was when the result does not load.
func runInitFrom(ctx context.Context, ios *streams, opts *initOptions) error {
	if opts.force {
		return errors.New("--force: init --from adds to the file at --config, it never overwrites one")
	}
	data, err := os.ReadFile(opts.path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("init --from %s: %s does not exist; write it with %s's block under providers: first (zonecast init writes a starter)", opts.from, opts.path, opts.from)
	}
	if err != nil {
		return err
	}
	if topZones.Match(data) {
		return fmt.Errorf("init --from %s: %s already has zones:; remove them to start the zones from %s, or add a zone set (dir:) by hand", opts.from, opts.path, opts.from)
	}
	drivers := all.Drivers()
	cfg, err := config.LoadProviders(opts.path, drivers, []string{opts.from})
	if err != nil {
		return err
	}
	hosted, err := listZones(ctx, cfg, opts.from)
	if err != nil {
		return err
	}
	if len(hosted) == 0 {
		return fmt.Errorf("init --from %s: %s hosts no zones; nothing to start from", opts.from, opts.from)
	}
	if filepath.IsAbs(opts.dir) || strings.HasPrefix(filepath.Clean(opts.dir), "..") {
		return fmt.Errorf("--dir %s: give a folder below the configuration file's, such as zones", opts.dir)
	}
	folder := filepath.Join(cfg.Dir, opts.dir)
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return err
	}
	var b strings.Builder
	b.Write(data)
	if len(data) > 0 && !strings.HasSuffix(string(data), "\n") {
		b.WriteString("\n")
	}
	dir := filepath.ToSlash(filepath.Clean(opts.dir))
	fmt.Fprintf(&b, `
# Added by zonecast init --from %[1]s: the %[2]d zones %[1]s hosts, as one zone set.
# Every file in %[3]s/ is a zone, its origin from the file name (example.com.zone);
# hidden files and backups (~, .swp, .bak) are not, and subfolders are not read.
# Fill the folder with: zonecast export --provider %[1]s --all -o %[3]s
zones:
  - dir: %[3]s
    providers: [%[1]s]
    # ignore:
    #   - {name: "_acme-challenge*", type: TXT}
`, opts.from, len(hosted), dir)
	if err := os.WriteFile(opts.path, []byte(b.String()), 0o644); err != nil {
		return err
	}
	if _, err := config.LoadProviders(opts.path, drivers, []string{opts.from}); err != nil {
		if rerr := os.WriteFile(opts.path, data, 0o644); rerr != nil {
			return errors.Join(err, fmt.Errorf("restore %s: %w", opts.path, rerr))
		}
		return fmt.Errorf("init --from %s: the zones added do not load, %s is left as it was: %w", opts.from, opts.path, err)
	}
	out := filepath.Join(filepath.Dir(opts.path), opts.dir)
	ios.say(slog.LevelInfo, fmt.Sprintf("added to %s a zone set over %s for the %s %s hosts; fill it with: zonecast export --config %s --provider %s --all -o %s",
		opts.path, dir, nZones(len(hosted)), opts.from, opts.path, opts.from, out), "file", opts.path, "provider", opts.from, "zones", len(hosted))
	return nil
}
