package cli

import (
	"fmt"
	"log/slog"
	"os"

	"golang.org/x/term"

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
	b, err := engine.Open(sel)
	if err != nil {
		return nil, err
	}
	return loadFrom(ios, b)
}

// loadFrom loads the engine of every zone b selects, as load does.
func loadFrom(ios *streams, b *engine.Base) (*engine.Engine, error) {
	for _, w := range b.Config.Warnings {
		ios.say(slog.LevelWarn, fmt.Sprintf("zonecast: warning: %v", w))
	}
	e, err := b.Engine(b.Origins)
	if e != nil {
		sayDiagnostics(ios, e.Diagnostics)
	}
	if err != nil {
		return nil, err
	}
	sayOut(ios, e)
	return e, nil
}

// isTerminal reports whether f is a terminal: not /dev/null (a character
// device too), a file or a pipe.
func isTerminal(f *os.File) bool {
	return f != nil && term.IsTerminal(int(f.Fd()))
}
