package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
)

type initOptions struct {
	path  string
	force bool
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
		Short: "Write a commented starter zonecast.yaml",
		Long:  "Write a commented starter configuration; it never overwrites a file unless --force." + exitStatus,
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runInit(cmd.Context(), ios, opts) },
	}
	cmd.Flags().StringVar(&opts.path, "config", "zonecast.yaml", "where to write it")
	cmd.Flags().BoolVar(&opts.force, "force", false, "overwrite an existing file")
	return cmd
}

func runInit(_ context.Context, ios *streams, opts *initOptions) error {
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
