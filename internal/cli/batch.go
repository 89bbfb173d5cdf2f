package cli

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/zonecast/zonecast/internal/engine"
	"github.com/zonecast/zonecast/zones"
)

// eachBatch gives fn the engine of each batch of
// its zones in turn (engine.Base.Batches; one batch unless the run covers
// more than limits.zones_at_once zones), showing the configuration's and
// the zone files' warnings and the providers out of service on stderr, as
// load does. Over more than one batch every zone file is checked first
// (engine.Base.Check): a bad one stops the run before any provider is
// asked anything. Between batches, on a run of many, progress goes to
// stderr. fn's error stops the run. With strict, a zone-file warning is an
// error before any provider is read (plan --strict).
func eachBatch(ctx context.Context, ios *streams, b *engine.Base, strict bool, fn func(e *engine.Engine) error) error {
	for _, w := range b.Config.Warnings {
		ios.say(slog.LevelWarn, fmt.Sprintf("zonecast: warning: %v", w))
	}
	batches := b.Batches()
	if len(batches) > 1 {
		diags, err := b.Check(ctx)
		if err != nil {
			sayDiagnostics(ios, diags)
			return err
		}
		if strict {
			if err := strictError(diags); err != nil {
				sayDiagnostics(ios, diags)
				return err
			}
		}
	}
	prog := newZoneProgress(ctx, ios, len(b.Origins), len(batches) > 1)
	defer prog.stop()
	done := 0
	for _, origins := range batches {
		if err := ctx.Err(); err != nil {
			return err
		}
		e, err := b.Engine(origins)
		if e != nil {
			sayDiagnostics(ios, e.Diagnostics)
		}
		if err != nil {
			return err
		}
		if strict {
			if err := strictError(e.Diagnostics); err != nil {
				return err
			}
		}
		sayOut(ios, e)
		if err := fn(e); err != nil {
			return err
		}
		done += len(origins)
		prog.update(done)
	}
	return nil
}

// strictError is the error of --strict when diags hold warnings.
func strictError(diags zones.Diagnostics) error {
	n := diags.Count(zones.Warning)
	if n == 0 {
		return nil
	}
	noun := "warnings"
	if n == 1 {
		noun = "warning"
	}
	return fmt.Errorf("--strict: the zone files have %d %s; nothing was planned", n, noun)
}

func sayDiagnostics(ios *streams, diags zones.Diagnostics) {
	for _, d := range diags {
		level := slog.LevelWarn
		if d.Severity >= zones.Error {
			level = slog.LevelError
		}
		ios.say(level, d.String(), "file", d.Pos.File, "line", d.Pos.Line, "code", d.Code)
	}
}

// sayOut names the providers out of service for the engine's zones.
func sayOut(ios *streams, e *engine.Engine) {
	for _, t := range e.Out {
		name := t.Provider.Name()
		d := e.State.Dropped[name]
		ios.say(slog.LevelWarn, fmt.Sprintf("zonecast: %s is out of service for %s since %s (%s): left out; `zonecast failover restore %s` brings it back",
			name, t.Zone.Origin, d.Since.Format(time.RFC3339), cmp.Or(d.Reason, "no reason given"), name),
			"zone", t.Zone.Origin, "provider", name)
	}
}

// zoneProgress shows how far a run over many zones has gone: on a
// terminal, "zones: N of M" redrawn on one stderr line after every batch;
// elsewhere (and with --log-format json) a log line at most every 10
// seconds. With --quiet, or a run of one batch, nothing.
type zoneProgress struct {
	ios   *streams
	log   *slog.Logger
	on    bool
	tty   bool
	total int
	last  time.Time
	drawn bool
}

func newZoneProgress(ctx context.Context, ios *streams, total int, many bool) *zoneProgress {
	p := &zoneProgress{ios: ios, log: logger(ctx), total: total, on: many && !ios.quiet, last: time.Now()}
	if f, ok := ios.raw.(*os.File); ok && !ios.json {
		p.tty = isTerminal(f)
	}
	return p
}

func (p *zoneProgress) update(done int) {
	if !p.on {
		return
	}
	if p.tty {
		fmt.Fprintf(p.ios.raw, "\rzones: %d of %d", done, p.total)
		p.drawn = true
		return
	}
	if time.Since(p.last) >= 10*time.Second || done == p.total {
		p.last = time.Now()
		p.log.Info(fmt.Sprintf("zones: %d of %d", done, p.total), "done", done, "total", p.total)
	}
}

func (p *zoneProgress) stop() {
	if p.drawn {
		fmt.Fprintln(p.ios.raw)
	}
}

// nZones is "1 zone" or "N zones".
func nZones(n int) string {
	if n == 1 {
		return "1 zone"
	}
	return fmt.Sprintf("%d zones", n)
}
