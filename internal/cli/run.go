package cli

import (
	"cmp"
	"fmt"
	"os"
	"time"

	"github.com/zonecast/zonecast/internal/engine"
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
			fmt.Fprintf(ios.err, "zonecast: warning: %v\n", w)
		}
	}
	if e != nil {
		for _, d := range e.Diagnostics {
			fmt.Fprintln(ios.err, d)
		}
	}
	if err != nil {
		return nil, err
	}
	for _, t := range e.Out {
		name := t.Provider.Name()
		d := e.State.Dropped[name]
		fmt.Fprintf(ios.err, "zonecast: %s is out of service for %s since %s (%s): left out; `zonecast failover restore %s` brings it back\n",
			name, t.Zone.Origin, d.Since.Format(time.RFC3339), cmp.Or(d.Reason, "no reason given"), name)
	}
	return e, nil
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
