package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"
	"github.com/zonecast/zonecast/zones"
)

func newZoneCmd(ios *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "zone",
		Short: "Work with zone files",
	}
	cmd.AddCommand(newZoneDumpCmd(ios))
	return cmd
}

type zoneDumpOptions struct {
	file   string
	origin string
}

func newZoneDumpCmd(ios *streams) *cobra.Command {
	opts := &zoneDumpOptions{}
	cmd := &cobra.Command{
		Use:   "dump FILE",
		Short: "Print a zone file in canonical form",
		Long: `Print a zone file in zonecast's canonical form, one record a line
(owner TTL IN TYPE rdata): lower-case absolute names, canonical rdata,
duplicates collapsed, one TTL per RRset, canonical DNS order. BIND and
zonecast read the output back as the same zone.

Diagnostics go to stderr; a file with errors prints nothing on stdout.` + exitStatus,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.file = args[0]
			return runZoneDump(cmd.Context(), ios, opts)
		},
	}
	cmd.Flags().StringVar(&opts.origin, "origin", "", "the zone's origin (default: $ORIGIN in the file, else its name)")
	return cmd
}

func runZoneDump(_ context.Context, ios *streams, opts *zoneDumpOptions) error {
	z, diags, err := zones.ParseFile(opts.file, zones.Options{Origin: opts.origin})
	if err != nil {
		return fmt.Errorf("%s: %w", opts.file, err)
	}
	for _, d := range diags {
		switch {
		case d.Severity >= zones.Error:
			ios.say(slog.LevelError, d.String(), "file", d.Pos.File, "line", d.Pos.Line, "code", d.Code)
		case d.Severity > zones.Info:
			ios.say(slog.LevelWarn, d.String(), "file", d.Pos.File, "line", d.Pos.Line, "code", d.Code)
		}
	}
	if diags.HasErrors() {
		return reported{errors.New("zone file has errors")}
	}
	return zones.Write(ios.out, z)
}
