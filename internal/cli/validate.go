package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/zonecast/zonecast/internal/config"
	"github.com/zonecast/zonecast/providers/all"
	"github.com/zonecast/zonecast/zones"
)

type validateOptions struct {
	files  []string
	origin string
	strict bool
	format string
	idn    bool
	// config is the configuration to check too: always with no FILE,
	// with FILEs only when --config is given.
	config    string
	useConfig bool
}

func newValidateCmd(ios *streams) *cobra.Command {
	opts := &validateOptions{}
	cmd := &cobra.Command{
		Use:   "validate [FILE...]",
		Short: "Check the configuration and parse and check zone files; no network",
		Long: `Parse and check zone files as BIND reads them, reporting every problem
in one pass as file:line:col: severity: message [code]. Besides what BIND
refuses it warns of likely mistakes: two SPF records at a name, SPF over 10
DNS lookups, an unregistered CAA tag, the origin written twice (a missing
trailing dot), raw UTF-8 labels.

With no FILE, the configuration (--config) is checked, with its warnings
(such as [self-dependency]: a provider's server or a nameserver named inside
a zone zonecast manages, unreachable when that zone goes dark), and every
zone's file is checked with the zone's origin. No secret is read and
nothing is asked of the network. With FILEs, the configuration is checked
too only when --config is given.

The origin of each file comes from --origin, else a $ORIGIN at its top,
else its name (example.com.zone, db.example.com).` + exitStatus + `
  With --strict, warnings (the configuration's too) count as errors.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.files = args
			opts.useConfig = len(args) == 0 || cmd.Flags().Changed("config")
			return runValidate(cmd.Context(), ios, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.config, "config", config.DefaultPath, "the configuration file, checked with its zones when no FILE is given")
	f.StringVar(&opts.origin, "origin", "", "the zone's origin (default: $ORIGIN in the file, else its name)")
	f.BoolVar(&opts.strict, "strict", false, "fail on warnings too")
	f.BoolVar(&opts.idn, "idn", false, "accept names in raw UTF-8 as their A-labels (as idn: true in the config)")
	f.StringVar(&opts.format, "format", "text", "output format: text or json")
	return cmd
}

// validateReport is the JSON output of validate; Version changes only when a
// field changes meaning or goes away.
type validateReport struct {
	Version int                  `json:"version"`
	OK      bool                 `json:"ok"`
	Config  *validateConfig      `json:"config,omitempty"`
	Files   []validateFileReport `json:"files"`
}

// validateConfig is the configuration's part of the report: its warnings
// (errors stop validate before any file is read).
type validateConfig struct {
	File     string          `json:"file"`
	Warnings []configWarning `json:"warnings"`
}

type configWarning struct {
	Line    int    `json:"line,omitempty"`
	Key     string `json:"key,omitempty"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

type validateFileReport struct {
	File        string            `json:"file"`
	Origin      string            `json:"origin,omitempty"`
	OriginFrom  string            `json:"origin_from,omitempty"`
	RRsets      int               `json:"rrsets"`
	Records     int               `json:"records"`
	Errors      int               `json:"errors"`
	Warnings    int               `json:"warnings"`
	Diagnostics zones.Diagnostics `json:"diagnostics"`
}

func runValidate(_ context.Context, ios *streams, opts *validateOptions) error {
	if opts.format != "text" && opts.format != "json" {
		return fmt.Errorf("--format %q: want text or json", opts.format)
	}
	report := validateReport{Version: 1, OK: true}
	type fileToCheck struct {
		path string
		opts zones.Options
		// fromConfig: a zone's file, its origin the configuration's.
		fromConfig bool
	}
	var files []fileToCheck
	for _, f := range opts.files {
		files = append(files, fileToCheck{path: f, opts: zones.Options{Origin: opts.origin, IDN: opts.idn}})
	}
	if opts.useConfig {
		cfg, err := config.Check(opts.config, all.Drivers())
		if err != nil {
			return err
		}
		report.Config = &validateConfig{File: cfg.File, Warnings: []configWarning{}}
		for _, w := range cfg.Warnings {
			report.Config.Warnings = append(report.Config.Warnings, configWarning{Line: w.Line, Key: w.Key, Code: w.Code, Message: w.Err.Error()})
		}
		if opts.strict && len(cfg.Warnings) > 0 {
			report.OK = false
		}
		if opts.format == "text" {
			showWarnings(ios, cfg)
		}
		if len(opts.files) == 0 {
			for _, zc := range cfg.Zones {
				files = append(files, fileToCheck{path: zc.File, opts: cfg.ParseOptions(zc), fromConfig: true})
			}
		}
	}
	for _, tf := range files {
		file := tf.path
		fr := validateFileReport{File: file, Diagnostics: zones.Diagnostics{}}
		z, diags, err := zones.ParseFile(file, tf.opts)
		if err != nil {
			code := zones.CodeOrigin
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
				code = zones.CodeFile
			}
			diags = zones.Diagnostics{{Pos: zones.Pos{File: file}, Severity: zones.Error, Code: code, Message: err.Error()}}
		} else {
			fr.Origin, fr.OriginFrom, fr.RRsets, fr.Records = z.Origin, z.OriginFrom, len(z.Sets), z.Records()
			if tf.fromConfig {
				fr.OriginFrom = opts.config
			}
		}
		if len(diags) > 0 {
			fr.Diagnostics = diags
		}
		fr.Errors, fr.Warnings = diags.Count(zones.Error), diags.Count(zones.Warning)
		if fr.Errors > 0 || (opts.strict && fr.Warnings > 0) {
			report.OK = false
		}
		report.Files = append(report.Files, fr)
	}
	if opts.format == "json" {
		enc := json.NewEncoder(ios.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return err
		}
	} else {
		for _, fr := range report.Files {
			for _, d := range fr.Diagnostics {
				fmt.Fprintln(ios.out, d)
			}
			if fr.Origin != "" {
				ios.say(slog.LevelInfo, fmt.Sprintf("%s: zone %s (origin from %s): %d RRsets, %d records, %d errors, %d warnings",
					fr.File, fr.Origin, fr.OriginFrom, fr.RRsets, fr.Records, fr.Errors, fr.Warnings),
					"file", fr.File, "zone", fr.Origin, "rrsets", fr.RRsets, "records", fr.Records, "errors", fr.Errors, "warnings", fr.Warnings)
			}
		}
	}
	if !report.OK {
		return reported{errors.New("validation failed")}
	}
	return nil
}
