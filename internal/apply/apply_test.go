package apply_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zonecast/zonecast/internal/apply"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

func set(name string, typ uint16) *zones.RRset {
	return &zones.RRset{Name: name, Type: typ, TTL: 300, Data: []string{"x"}}
}

func TestOrderKeepsEveryStateValid(t *testing.T) {
	const A, CNAME, MX, TXT = 1, 5, 15, 16
	cs := []plan.Change{
		{Op: plan.Create, After: set("alias.", CNAME)},      // replaces an A
		{Op: plan.Delete, Before: set("alias.", A)},         // freed for the CNAME
		{Op: plan.Create, After: set("mx.", MX)},            // points at new-mail
		{Op: plan.Create, After: set("new-mail.", A)},       // must exist first
		{Op: plan.Delete, Before: set("was-cname.", CNAME)}, // replaced by a TXT
		{Op: plan.Create, After: set("was-cname.", TXT)},    // after the CNAME goes
		{Op: plan.Update, Before: set("u.", A), After: set("u.", A)},
	}
	var got []string
	for _, c := range apply.Order(cs) {
		got = append(got, c.String())
	}
	want := []string{
		"delete was-cname. CNAME",
		"set new-mail. A", "set u. A",
		"set mx. MX", "set was-cname. TXT",
		"delete alias. A",
		"set alias. CNAME",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

// fake is a provider that fails or blocks on demand.
type fake struct {
	name  string
	err   error
	block chan struct{}
	mu    sync.Mutex
	got   int
}

func (f *fake) Name() string                         { return f.name }
func (f *fake) Capabilities() providers.Capabilities { return providers.Capabilities{} }
func (f *fake) Records(context.Context, string) ([]zones.RRset, error) {
	return nil, nil
}
func (f *fake) Apply(ctx context.Context, _ string, cs []providers.Change) (int, error) {
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	if f.err != nil {
		return 1, f.err
	}
	f.mu.Lock()
	f.got += len(cs)
	f.mu.Unlock()
	return len(cs), nil
}

func TestOneFailureDoesNotStopOthers(t *testing.T) {
	changes := []plan.Change{{Op: plan.Create, After: set("a.", 1)}, {Op: plan.Create, After: set("b.", 1)}}
	slow := &fake{name: "slow", block: make(chan struct{})}
	bad := &fake{name: "bad", err: errors.New("REFUSED")}
	good := &fake{name: "good"}
	jobs := []apply.Job{
		{Target: &plan.Target{Zone: "z.", Provider: "bad", Changes: changes}, Provider: bad},
		{Target: &plan.Target{Zone: "z.", Provider: "slow", Changes: changes}, Provider: slow},
		{Target: &plan.Target{Zone: "z.", Provider: "good", Changes: changes}, Provider: good},
		{Target: &plan.Target{Zone: "z.", Provider: "down", Err: errors.New("unreachable")}, Provider: &fake{name: "down"}},
		{Target: &plan.Target{Zone: "z.", Provider: "same"}, Provider: &fake{name: "same"}},
	}
	go func() { time.Sleep(10 * time.Millisecond); close(slow.block) }()
	res := apply.Run(t.Context(), jobs)
	var got []string
	for _, r := range res {
		s := r.Provider + " " + r.Status.String()
		if r.Err != nil {
			s += ": " + r.Err.Error()
		}
		got = append(got, s)
	}
	want := []string{"bad failed: REFUSED", "slow applied", "good applied", "down skipped: unreachable", "same unchanged"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if res[0].Applied != 1 || good.got != 2 || slow.got != 2 {
		t.Errorf("applied counts: bad %d, good %d, slow %d", res[0].Applied, good.got, slow.got)
	}
	if !strings.Contains(res[0].Err.Error(), "REFUSED") {
		t.Error("the provider's own error is lost")
	}
}

// batcher applies in batches of its own size and reports each, as a driver
// does through providers.Trace.
type batcher struct {
	fake
	size  int
	calls int
}

func (b *batcher) Apply(ctx context.Context, _ string, cs []providers.Change) (int, error) {
	b.calls++
	done := 0
	for done < len(cs) {
		done = min(done+b.size, len(cs))
		providers.ReportApplied(ctx, done)
	}
	b.got += done
	return done, nil
}

// TestProgress: progress only observes. The driver gets every change in one
// call (nothing above a driver regroups changes), and what it reports after
// each of its own batches is what the callback sees.
func TestProgress(t *testing.T) {
	var cs []plan.Change
	for i := range 2500 {
		cs = append(cs, plan.Change{Op: plan.Create, After: set(fmt.Sprintf("h%d.", i), 1)})
	}
	b := &batcher{fake: fake{name: "p"}, size: 700}
	var seen []int
	res := apply.Run(t.Context(), []apply.Job{{Target: &plan.Target{Zone: "z.", Provider: "p", Changes: cs}, Provider: b,
		Progress: func(done, total int) {
			if total != 2500 {
				t.Errorf("total %d", total)
			}
			seen = append(seen, done)
		}}})[0]
	if res.Err != nil || res.Applied != 2500 || b.got != 2500 {
		t.Fatalf("%+v, provider got %d", res, b.got)
	}
	if b.calls != 1 {
		t.Errorf("the driver was called %d times; want 1 (no re-cutting above the driver)", b.calls)
	}
	// The driver's batches (700, 1400, 2100, 2500), then the final count.
	if diff := cmp.Diff([]int{700, 1400, 2100, 2500, 2500}, seen); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
}
