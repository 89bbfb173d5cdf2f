package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/zonecast/zonecast/internal/plan"
)

// lab writes a configuration of zonefile providers a, b and c (a reloads
// with a script that fails while dir/broken exists; their servers are at
// 127.0.0.1:1, which answers nothing) and a parent "tld" for com., and
// returns its directory.
func lab(t *testing.T, zone string) string {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, "reload.sh", `if [ -d broken ]; then echo "rndc: connection refused" >&2; exit 1; fi
echo "$1" >> reloads`)
	write(t, dir, "zonecast.yaml", `providers:
  a:
    type: zonefile
    directory: out/a
    reload: [sh, -c, 'cd `+dir+` && sh reload.sh "$0"', "{zone}"]
    nameservers: ["ns-a.example.com.@127.0.0.1:1"]
  b:
    type: zonefile
    directory: out/b
    nameservers: ["ns-b.example.com.@127.0.0.1:1"]
  c:
    type: zonefile
    directory: out/c
    nameservers: ["ns-c.example.com.@127.0.0.1:1"]
  tld:
    type: zonefile
    directory: parent
zones:
  - origin: example.com.
    file: example.com.zone
    providers: [a, b, c]
    parent: {provider: tld, zone: com.}
`)
	write(t, dir, "example.com.zone", zone)
	write(t, dir, "parent/com.zone", `com. 3600 IN SOA a.gtld-servers.net. hostmaster.com. 1 7200 900 1209600 300
com. 3600 IN NS a.gtld-servers.net.
example.com. 300 IN NS ns-a.example.com.
example.com. 300 IN NS ns-b.example.com.
example.com. 300 IN NS ns-c.example.com.
ns-a.example.com. 300 IN A 192.0.2.1
ns-b.example.com. 300 IN A 192.0.2.2
ns-c.example.com. 300 IN A 192.0.2.3
`)
	return dir
}

const base = `$TTL 300
@ SOA ns-a hostmaster 1 7200 900 1209600 300
@ NS ns-a
@ NS ns-b
@ NS ns-c
ns-a A 192.0.2.1
ns-b A 192.0.2.2
ns-c A 192.0.2.3
$GENERATE 1-16 h$ A 192.0.2.$
`

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return string(b)
}

func load(t *testing.T, dir string) *Engine {
	t.Helper()
	e, err := Load(Selection{Config: filepath.Join(dir, "zonecast.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func run(t *testing.T, dir string, pol Policy) (*Report, error) {
	t.Helper()
	return load(t, dir).Run(context.Background(), pol)
}

// converged fails t unless a new plan of dir has nothing to change,
// nothing failed and nothing pending.
func converged(t *testing.T, dir string) {
	t.Helper()
	p := load(t, dir).Plan(context.Background())
	if p.Changes() != 0 || len(p.Failed()) != 0 || len(p.Pending) != 0 {
		t.Fatalf("not converged: %d changes, %d failed, pending %v", p.Changes(), len(p.Failed()), p.Pending)
	}
}

func TestRunRefusesWhatThePlanRefuses(t *testing.T) {
	dir := lab(t, base)
	if _, err := run(t, dir, Policy{}); err != nil {
		t.Fatal(err)
	}
	converged(t, dir)
	// 8 of 21 RRsets changed: over the 30% limit.
	write(t, dir, "example.com.zone", strings.Replace(base, "$GENERATE 1-16 h$ A 192.0.2.$", "$GENERATE 1-8 h$ A 198.51.100.$\n$GENERATE 9-16 h$ A 192.0.2.$", 1))
	e := load(t, dir)
	p := e.Plan(context.Background())
	if got := len(p.Refusals()); got != 3 {
		t.Fatalf("plan: %d refusals, want 3 (one per provider)", got)
	}
	before := read(t, dir, "out/a/example.com.zone")
	rep, err := e.Run(context.Background(), Policy{})
	var ue *plan.UnsafeError
	if !errors.As(err, &ue) || ue.Updates != 8 || ue.Existing != 21 {
		t.Fatalf("Run: %v, want an UnsafeError for 8 updates of 21", err)
	}
	if rep.Applied || read(t, dir, "out/a/example.com.zone") != before {
		t.Fatal("a refused run changed something")
	}
	// Review never sees a plan that is refused.
	reviewed := false
	if _, err := run(t, dir, Policy{Review: func(*plan.Plan) error { reviewed = true; return nil }}); !errors.As(err, &ue) || reviewed {
		t.Fatalf("Run: %v, reviewed %v", err, reviewed)
	}
	// SkipRefused applies nothing it refuses, and says which.
	rep, err = run(t, dir, Policy{SkipRefused: true})
	if !errors.As(err, &ue) {
		t.Fatalf("SkipRefused: %v", err)
	}
	for _, tr := range rep.Targets {
		if tr.Provider == "tld" {
			continue // the delegation: nothing to change
		}
		if !tr.Refused || tr.Result.Applied != 0 {
			t.Fatalf("%s at %s: refused %v, applied %d", tr.Zone, tr.Provider, tr.Refused, tr.Result.Applied)
		}
	}
	if _, err := run(t, dir, Policy{Force: true}); err != nil {
		t.Fatal(err)
	}
	converged(t, dir)
}

func TestPendingReloadRetried(t *testing.T) {
	dir := lab(t, base)
	write(t, dir, "broken/x", "")
	rep, err := run(t, dir, Policy{})
	if !errors.Is(err, ErrPartial) {
		t.Fatalf("Run: %v, want ErrPartial", err)
	}
	if len(rep.Pending) != 1 || rep.Pending[0].Kind != plan.PendingReload || rep.Pending[0].Provider != "a" {
		t.Fatalf("pending %v, want a reload at a", rep.Pending)
	}
	// The record survives the process: a new engine plans it.
	p := load(t, dir).Plan(context.Background())
	if p.Changes() != 0 || len(p.Pending) != 1 {
		t.Fatalf("plan: %d changes, pending %v", p.Changes(), p.Pending)
	}
	// Still broken: retried, still pending, nothing reloaded.
	if _, err := run(t, dir, Policy{}); !errors.Is(err, ErrPartial) {
		t.Fatalf("Run: %v, want ErrPartial", err)
	}
	if got := read(t, dir, "reloads"); got != "" {
		t.Fatalf("reloaded while broken: %q", got)
	}
	os.RemoveAll(filepath.Join(dir, "broken"))
	rep, err = run(t, dir, Policy{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Finished) != 1 || rep.Finished[0].Kind != plan.PendingReload || len(rep.Pending) != 0 {
		t.Fatalf("finished %v, pending %v", rep.Finished, rep.Pending)
	}
	if got := read(t, dir, "reloads"); got != "example.com\n" {
		t.Fatalf("reloads %q, want one", got)
	}
	converged(t, dir)
}

func TestDropLastProviderChangesNothing(t *testing.T) {
	dir := lab(t, base)
	if _, err := run(t, dir, Policy{}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Unforced: the others' servers do not answer, so no drop.
	_, err := load(t, dir).Drop(ctx, "b", "test", false)
	var re *RefusedError
	if !errors.As(err, &re) || len(re.Reports) != 2 {
		t.Fatalf("Drop b: %v, want a refusal with the two others' reports", err)
	}
	if got := read(t, dir, ".zonecast/state.json"); got != "" {
		t.Fatalf("a refused drop wrote the state: %s", got)
	}
	for _, name := range []string{"b", "c"} {
		if _, err := load(t, dir).Drop(ctx, name, "down", true); err != nil {
			t.Fatalf("Drop %s: %v", name, err)
		}
	}
	state, zoneA, parent := read(t, dir, ".zonecast/state.json"), read(t, dir, "out/a/example.com.zone"), read(t, dir, "parent/com.zone")
	_, err = load(t, dir).Drop(ctx, "a", "down", true)
	if !errors.As(err, &re) {
		t.Fatalf("Drop a: %v, want a refusal", err)
	}
	if read(t, dir, ".zonecast/state.json") != state || read(t, dir, "out/a/example.com.zone") != zoneA || read(t, dir, "parent/com.zone") != parent {
		t.Fatal("a refused drop changed the state, a provider or the parent")
	}
	_, err = load(t, dir).Restore(ctx, "c", false)
	var ns *NotServingError
	if !errors.As(err, &ns) || ns.Provider != "c" {
		t.Fatalf("Restore c: %v, want NotServingError", err)
	}
	if !load(t, dir).State.IsDropped("c", "example.com.") {
		t.Fatal("a failed restore put c back in service")
	}
}

func TestDropWithParentDownFinishedBySync(t *testing.T) {
	dir := lab(t, base)
	if _, err := run(t, dir, Policy{}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := os.Rename(filepath.Join(dir, "parent"), filepath.Join(dir, "parent.away")); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "parent", "not a directory")
	tr, err := load(t, dir).Drop(ctx, "b", "down", true)
	if !errors.Is(err, ErrPartial) {
		t.Fatalf("Drop: %v, want ErrPartial", err)
	}
	if n := len(tr.Steps); n != 3 || tr.Steps[2].Err == nil || tr.Steps[0].Err != nil || tr.Steps[1].Err != nil {
		t.Fatalf("steps %+v, want two apex NS pushes and a failed delegation", tr.Steps)
	}
	e := load(t, dir)
	if !e.State.IsDropped("b", "example.com.") {
		t.Fatal("drop not recorded")
	}
	if pd := e.State.PendingOf([]string{"example.com."}); len(pd) != 1 || pd[0].Kind != plan.PendingDelegation {
		t.Fatalf("pending %v, want the delegation", pd)
	}
	// Dropping again retries; still down: ErrPartial, not "already out".
	if _, err := load(t, dir).Drop(ctx, "b", "down", true); !errors.Is(err, ErrPartial) {
		t.Fatalf("second Drop: %v, want ErrPartial", err)
	}
	os.Remove(filepath.Join(dir, "parent"))
	if err := os.Rename(filepath.Join(dir, "parent.away"), filepath.Join(dir, "parent")); err != nil {
		t.Fatal(err)
	}
	// A sync cycle (no verify: the servers do not answer) finishes it.
	rep, err := run(t, dir, Policy{SkipRefused: true})
	if err != nil {
		for _, tr := range rep.Targets {
			t.Logf("%s at %s: %s", tr.Zone, tr.Provider, tr.Problem())
		}
		t.Fatal(err)
	}
	if len(rep.Finished) != 1 || rep.Finished[0].Kind != plan.PendingDelegation {
		t.Fatalf("finished %v", rep.Finished)
	}
	if p := read(t, dir, "parent/com.zone"); strings.Contains(p, "ns-b") || !strings.Contains(p, "ns-c") {
		t.Fatalf("parent after sync:\n%s", p)
	}
	converged(t, dir)
}

func TestProgressOnlyObserves(t *testing.T) {
	dir := lab(t, base)
	// Progress is called from every provider's apply at once.
	var mu sync.Mutex
	seen := map[string]int{}
	rep, err := run(t, dir, Policy{Progress: func(zone, provider string, done, total int) {
		if done > total {
			t.Errorf("%s at %s: %d of %d", zone, provider, done, total)
		}
		mu.Lock()
		defer mu.Unlock()
		seen[provider] = done
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range rep.Targets {
		if seen[tr.Provider] != tr.Result.Total || tr.Result.Applied != tr.Result.Total {
			t.Fatalf("%s: progress ended at %d, applied %d of %d", tr.Provider, seen[tr.Provider], tr.Result.Applied, tr.Result.Total)
		}
	}
	if got := read(t, dir, "reloads"); got != "example.com\n" {
		t.Fatalf("reloads %q: want one write and one reload", got)
	}
}

// The delegation is data: an NS record removed at the parent by hand, or
// wrong glue, shows in the plan as a change of the parent target, and a
// sync cycle puts it back; the parent's other records are left alone.
func TestDelegationDriftCorrected(t *testing.T) {
	dir := lab(t, base)
	if _, err := run(t, dir, Policy{}); err != nil {
		t.Fatal(err)
	}
	converged(t, dir)
	parent := read(t, dir, "parent/com.zone")
	edited := strings.Replace(parent, "example.com. 300 IN NS ns-b.example.com.\n", "", 1)
	edited = strings.Replace(edited, "ns-c.example.com. 300 IN A 192.0.2.3", "ns-c.example.com. 300 IN A 198.51.100.3", 1)
	edited += "other.com. 300 IN NS ns.other.net.\n"
	if edited == parent {
		t.Fatalf("the edit did not apply to:\n%s", parent)
	}
	write(t, dir, "parent/com.zone", edited)

	p := load(t, dir).Plan(context.Background())
	var del *plan.Target
	for _, tg := range p.Targets {
		if tg.Provider == "tld" {
			del = tg
		}
	}
	if del == nil || del.Err != nil || len(del.Changes) != 2 {
		t.Fatalf("the delegation's plan: %+v, want 2 changes (the NS set, the glue of ns-c)", del)
	}
	for _, c := range del.Changes {
		if n := c.RRset().Name; n != "example.com." && n != "ns-c.example.com." {
			t.Errorf("a change outside the delegation: %s", n)
		}
	}
	if _, err := run(t, dir, Policy{SkipRefused: true}); err != nil {
		t.Fatal(err)
	}
	converged(t, dir)
	got := read(t, dir, "parent/com.zone")
	for _, want := range []string{"ns-b.example.com.", "192.0.2.3", "other.com."} {
		if !strings.Contains(got, want) {
			t.Errorf("parent after sync lacks %q:\n%s", want, got)
		}
	}
}
