package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// StopGrace is how long zonecast may take to stop after SIGINT or SIGTERM
// before it exits anyway.
const StopGrace = 5 * time.Second

// SignalContext returns a context that SIGINT and SIGTERM cancel: the run
// stops between messages, reports what it did and exits 3. Work that does
// not notice within StopGrace (a parser, a library call that ignores its
// context), or a second signal, ends the process at once: SignalContext
// calls exit(3) (the caller's os.Exit: only a main ends the process). Every
// write zonecast does is whole or not done (UPDATE messages, file renames)
// and the apply lock goes with the process, so a re-run converges.
//
// The two lines it may write go to stderr, or, once Main has read
// --log-format json, as JSON log records.
func SignalContext(stderr io.Writer, exit func(code int)) (context.Context, func()) {
	notice := &stopNotice{say: func(msg string) { fmt.Fprintf(stderr, "zonecast: %s\n", msg) }}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), stopNoticeKey{}, notice))
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		var sig os.Signal
		select {
		case sig = <-sigs:
		case <-done:
			return
		}
		cancel()
		select {
		case again := <-sigs:
			notice.write(fmt.Sprintf("%v after %v: exiting now; run again to converge", again, sig))
		case <-time.After(StopGrace):
			notice.write(fmt.Sprintf("did not stop within %s of %v: exiting now; run again to converge", StopGrace, sig))
		case <-done:
			return
		}
		exit(3)
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

// stopNotice is how SignalContext says it ends the process: Main replaces
// say once it knows the log format.
type stopNotice struct {
	mu  sync.Mutex
	say func(msg string)
}

type stopNoticeKey struct{}

func (n *stopNotice) set(say func(msg string)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.say = say
}

func (n *stopNotice) write(msg string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.say(msg)
}
