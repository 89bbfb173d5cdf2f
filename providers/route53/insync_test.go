package route53_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	emu "github.com/zonecast/zonecast/internal/emulator/route53"
	"github.com/zonecast/zonecast/providers/route53"
)

func getChanges(s *emu.Server) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Op == "GetChange" {
			n++
		}
	}
	return n
}

// TestApplyWaitsForInsync: Apply returns only once GetChange reports the
// change INSYNC, so that a verify right after it asks name servers that
// have the change.
func TestApplyWaitsForInsync(t *testing.T) {
	hermetic(t)
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	s.AddZone(origin)
	p := newProvider(t, s, route53.Config{})
	changes := planned(t, p, hosts(3))
	const pending = 1500 * time.Millisecond
	s.SetPendingFor(pending)
	start := time.Now()
	if n, err := p.Apply(t.Context(), origin, changes); err != nil || n != len(changes) {
		t.Fatalf("apply: %d of %d, err %v", n, len(changes), err)
	}
	if d := time.Since(start); d < pending {
		t.Errorf("Apply returned after %v, before the change was INSYNC (%v)", d, pending)
	}
	if n := getChanges(s); n < 2 {
		t.Errorf("%d GetChange calls, want polling (at least 2)", n)
	}
}

// TestWaitInsyncBound: a change still PENDING after wait_insync is an
// error that says it was accepted; the batch counts as applied.
func TestWaitInsyncBound(t *testing.T) {
	hermetic(t)
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	s.AddZone(origin)
	p := newProvider(t, s, route53.Config{WaitInsync: 300 * time.Millisecond})
	changes := planned(t, p, hosts(3))
	s.SetPendingFor(time.Minute)
	start := time.Now()
	n, err := p.Apply(t.Context(), origin, changes)
	if err == nil || !strings.Contains(err.Error(), "still PENDING") || n != len(changes) {
		t.Errorf("apply: %d of %d, err %v; want all counted and a still-PENDING error", n, len(changes), err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Apply waited %v, over wait_insync", d)
	}

	// Negative: no wait at all.
	p = newProvider(t, s, route53.Config{WaitInsync: -1})
	s.ResetRequests()
	if _, err := p.Apply(t.Context(), origin, planned(t, p, hosts(4))); err != nil {
		t.Fatal(err)
	}
	if n := getChanges(s); n != 0 {
		t.Errorf("wait_insync < 0 made %d GetChange calls", n)
	}
}

// TestWaitInsyncStopsWithContext: a context done during the wait ends it
// with the context's error; the committed batch counts as applied.
func TestWaitInsyncStopsWithContext(t *testing.T) {
	hermetic(t)
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	s.AddZone(origin)
	p := newProvider(t, s, route53.Config{})
	changes := planned(t, p, hosts(3))
	s.SetPendingFor(time.Minute)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	n, err := p.Apply(ctx, origin, changes)
	if !errors.Is(err, context.DeadlineExceeded) || n != len(changes) {
		t.Errorf("apply: %d of %d, err %v; want all counted and context.DeadlineExceeded", n, len(changes), err)
	}
}
