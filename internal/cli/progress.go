package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/zonecast/zonecast/internal/apply"
)

// showProgress reports the progress of long applies (over 1,000 changes at
// a provider): on a terminal, a bar per provider redrawn on one stderr
// line; elsewhere, a log line every 10 seconds. It returns a function that
// ends the reporting.
func showProgress(ctx context.Context, io *streams, jobs []apply.Job) func() {
	long := false
	for _, j := range jobs {
		long = long || len(j.Target.Changes) > 1000
	}
	if !long {
		return func() {}
	}
	var mu sync.Mutex
	done := make([]int, len(jobs))
	for i := range jobs {
		jobs[i].Progress = func(n, total int) {
			mu.Lock()
			done[i] = n
			mu.Unlock()
		}
	}
	tty := false
	if f, ok := io.err.(*os.File); ok {
		tty = isTerminal(f)
	}
	every := 10 * time.Second
	if tty {
		every = 200 * time.Millisecond
	}
	log := logger(ctx)
	stopc := make(chan struct{})
	var wg sync.WaitGroup
	draw := func(final bool) {
		mu.Lock()
		defer mu.Unlock()
		var parts []string
		for i, j := range jobs {
			total := len(j.Target.Changes)
			if total == 0 {
				continue
			}
			if tty {
				const width = 20
				filled := width * done[i] / total
				parts = append(parts, fmt.Sprintf("%s [%s%s] %d/%d", j.Target.Provider,
					strings.Repeat("#", filled), strings.Repeat(".", width-filled), done[i], total))
			} else {
				log.Info("applying", "zone", j.Target.Zone, "provider", j.Target.Provider, "done", done[i], "total", total)
			}
		}
		if tty {
			end := ""
			if final {
				end = "\n"
			}
			fmt.Fprintf(io.err, "\r\x1b[K%s%s", strings.Join(parts, "  "), end)
		}
	}
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				draw(false)
			case <-stopc:
				if tty {
					draw(true)
				}
				return
			}
		}
	})
	return func() { close(stopc); wg.Wait() }
}
