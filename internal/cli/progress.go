package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// progress reports long applies (over 1,000 changes at a provider) from
// what the drivers report applied: on a terminal, a bar per provider
// redrawn on one stderr line; elsewhere, a log line every 10 seconds. It
// only observes; it never changes how changes are sent. With --log-format
// json it logs, as elsewhere; with --quiet it shows nothing.
type progress struct {
	ios   *streams
	log   *slog.Logger
	tty   bool
	mu    sync.Mutex
	order []string
	done  map[string][2]int // "zone at provider" → done, total
	stopc chan struct{}
	wg    sync.WaitGroup
}

func newProgress(ctx context.Context, ios *streams) *progress {
	p := &progress{ios: ios, log: logger(ctx), done: map[string][2]int{}}
	// The bar is for a person at a terminal: JSON logs get log records,
	// --quiet nothing (they are at info).
	if f, ok := ios.raw.(*os.File); ok && !ios.json && !ios.quiet {
		p.tty = isTerminal(f)
	}
	return p
}

// update records what a driver reported; the first report of a long apply
// starts the display.
func (p *progress) update(zone, provider string, done, total int) {
	if total <= 1000 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	k := zone + " at " + provider
	if _, ok := p.done[k]; !ok {
		p.order = append(p.order, k)
	}
	p.done[k] = [2]int{done, total}
	if p.stopc == nil {
		p.stopc = make(chan struct{})
		every := 10 * time.Second
		if p.tty {
			every = 200 * time.Millisecond
		}
		p.wg.Go(func() { p.loop(every) })
	}
}

func (p *progress) loop(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			p.draw(false)
		case <-p.stopc:
			if p.tty {
				p.draw(true)
			}
			return
		}
	}
}

func (p *progress) draw(final bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var parts []string
	for _, k := range slices.Clone(p.order) {
		d := p.done[k]
		if p.tty {
			const width = 20
			filled := width * d[0] / d[1]
			parts = append(parts, fmt.Sprintf("%s [%s%s] %d/%d", k,
				strings.Repeat("#", filled), strings.Repeat(".", width-filled), d[0], d[1]))
		} else {
			zone, provider, _ := strings.Cut(k, " at ")
			p.log.Info("applying", "zone", zone, "provider", provider, "done", d[0], "total", d[1])
		}
	}
	if p.tty {
		end := ""
		if final {
			end = "\n"
		}
		fmt.Fprintf(p.ios.raw, "\r\x1b[K%s%s", strings.Join(parts, "  "), end)
	}
}

// stop ends the display.
func (p *progress) stop() {
	p.mu.Lock()
	c := p.stopc
	p.mu.Unlock()
	if c != nil {
		close(c)
		p.wg.Wait()
	}
}
