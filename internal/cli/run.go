package cli

import (
	"cmp"
	"fmt"
	"log/slog"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/zonecast/zonecast/internal/engine"
	"github.com/zonecast/zonecast/zones"
)

// selection is the --config, --zone and --provider flags of plan and apply.
type selection struct {
	config    string
	zones     []string
	providers []string
}

func (s selection) engine() engine.Selection {
	return engine.Selection{Config: s.config, Zones: s.zones, Providers: s.providers}
}

// load loads the engine for a command, showing the zone files' warnings
// and the providers out of service on stderr.
func load(ios *streams, sel engine.Selection) (*engine.Engine, error) {
	e, err := engine.Load(sel)
	if e != nil && e.Config != nil {
		for _, w := range e.Config.Warnings {
			ios.say(slog.LevelWarn, fmt.Sprintf("zonecast: warning: %v", w))
		}
	}
	if e != nil {
		for _, d := range e.Diagnostics {
			level := slog.LevelWarn
			if d.Severity >= zones.Error {
				level = slog.LevelError
			}
			ios.say(level, d.String(), "file", d.Pos.File, "line", d.Pos.Line, "code", d.Code)
		}
	}
	if err != nil {
		return nil, err
	}
	for _, t := range e.Out {
		name := t.Provider.Name()
		d := e.State.Dropped[name]
		ios.say(slog.LevelWarn, fmt.Sprintf("zonecast: %s is out of service for %s since %s (%s): left out; `zonecast failover restore %s` brings it back",
			name, t.Zone.Origin, d.Since.Format(time.RFC3339), cmp.Or(d.Reason, "no reason given"), name),
			"zone", t.Zone.Origin, "provider", name)
	}
	return e, nil
}

// isTerminal reports whether f is a terminal: not /dev/null (a character
// device too), a file or a pipe.
func isTerminal(f *os.File) bool {
	return f != nil && term.IsTerminal(int(f.Fd()))
}
