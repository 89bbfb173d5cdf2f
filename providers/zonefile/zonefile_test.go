package zonefile_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zonecast/zonecast/internal/apply"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/providers/zonefile"
	"github.com/zonecast/zonecast/zones"
)

const origin = "example.com."

func TestConformance(t *testing.T) {
	providertest.Run(t, zonefile.New("files", t.TempDir(), nil), "example.com.")
}

func TestSerialAndReload(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "reloaded")
	p := zonefile.New("files", dir, []string{"sh", "-c", "echo {zone} >> " + marker})
	providertest.Converge(t, p, "example.com.", providertest.Head)
	first := serial(t, p.Path("example.com."))
	if want := time.Now().UTC().Format("20060102") + "00"; first != want {
		t.Errorf("first serial %s, want the date-based %s", first, want)
	}
	providertest.Converge(t, p, "example.com.", providertest.Head+"www A 192.0.2.9\n")
	if second := serial(t, p.Path("example.com.")); second <= first {
		t.Errorf("serial did not go up: %s then %s", first, second)
	}
	b, err := os.ReadFile(marker)
	if err != nil || string(b) != "example.com\nexample.com\n" {
		t.Errorf("reload command ran with %q (%v), want the zone name once per apply", b, err)
	}

	failing := zonefile.New("files", dir, []string{"sh", "-c", "echo cannot reload >&2; exit 3"})
	z, _, _ := zones.Parse(strings.NewReader(providertest.Head+"x A 192.0.2.8\n"), "x", zones.Options{Origin: "example.com."})
	target := providertest.PlanOf(t.Context(), t, failing, z)
	_, err = failing.Apply(t.Context(), "example.com.", nil)
	var re *providers.ReloadError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "cannot reload") {
		t.Errorf("a failing reload command gave %v, want a *providers.ReloadError with its output", err)
	}
	_ = target
}

func serial(t *testing.T, path string) string {
	t.Helper()
	z, _, err := zones.ParseFile(path, zones.Options{Origin: "example.com."})
	if err != nil {
		t.Fatal(err)
	}
	soa := z.Lookup("example.com.", 6)
	if soa == nil {
		t.Fatalf("%s has no SOA", path)
	}
	return strings.Fields(soa.Data[0])[2]
}

// newZone is a zone of SOA, apex NS, the nameserver's address and n
// address records h0…h(n-1).
func newZone(n int) string {
	var b strings.Builder
	b.WriteString(providertest.Head)
	for i := range n {
		fmt.Fprintf(&b, "h%d A 192.0.2.%d\n", i, i%250+1)
	}
	return b.String()
}

// reloadScript writes a shell script that appends its first argument to a
// counter file, or fails when fail is set, and returns the reload command
// running it (through sh, so rewriting the script never meets ETXTBSY) with
// a key-like argument that must never appear in an error.
func reloadScript(t *testing.T, dir string, fail bool) (cmd []string, counter string) {
	t.Helper()
	script, counter := filepath.Join(dir, "reload.sh"), filepath.Join(dir, "reloads")
	text := "echo \"$1\" >> " + counter + "\n"
	if fail {
		text = "echo cannot reload: server unreachable >&2\nexit 3\n"
	}
	if err := os.WriteFile(script, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"sh", script, "{zone}", "k3y-s3cret"}, counter
}

// reloads returns how many times the reload script ran.
func reloads(t *testing.T, counter string) int {
	t.Helper()
	b, err := os.ReadFile(counter)
	if errors.Is(err, fs.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

// plan plans text at p and returns the ordered changes.
func plan(t *testing.T, p *zonefile.Provider, text string) []providers.Change {
	t.Helper()
	z, diags, err := zones.Parse(strings.NewReader(text), "desired.zone", zones.Options{Origin: origin})
	if err != nil || diags.HasErrors() {
		t.Fatalf("bad zone: %v %v", err, diags.Err())
	}
	target := providertest.PlanOf(t.Context(), t, p, z)
	return apply.Order(target.Changes)
}

// TestNewZoneOneWriteOneReload: a new zone of 1,003 RRsets (more than the
// 1,000 apply once cut plans into) is written from a missing file in one
// write, the serial bumped once, the reload command run once and progress
// reported once, all changes at a time.
func TestNewZoneOneWriteOneReload(t *testing.T) {
	dir := t.TempDir()
	cmd, counter := reloadScript(t, dir, false)
	p := zonefile.New("files", filepath.Join(dir, "zones"), cmd)
	text := newZone(1000)
	changes := plan(t, p, text)
	if len(changes) != 1003 {
		t.Fatalf("planned %d changes for a new zone of 1,003 RRsets", len(changes))
	}
	var reports []int
	ctx := providers.WithTrace(t.Context(), &providers.Trace{Applied: func(done int) { reports = append(reports, done) }})
	today := time.Now().UTC().Format("20060102") + "00"
	n, err := p.Apply(ctx, origin, changes)
	if err != nil || n != len(changes) {
		t.Fatalf("apply: %d of %d applied, err %v", n, len(changes), err)
	}
	if got := serial(t, p.Path(origin)); got != today {
		t.Errorf("serial %s, want %s: a new zone written once has the date-based serial", got, today)
	}
	if got := reloads(t, counter); got != 1 {
		t.Errorf("the reload command ran %d times, want once", got)
	}
	if diff := cmp.Diff([]int{len(changes)}, reports); diff != "" {
		t.Errorf("progress reports (-want +got):\n%s", diff)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "zones"))
	if err != nil || len(entries) != 1 {
		t.Errorf("the zone folder holds %d entries (%v), want the zone file alone", len(entries), err)
	}
	if again := plan(t, p, text); len(again) != 0 {
		t.Errorf("a plan after apply has %d changes", len(again))
	}
}

// TestReloadFailure: a failing reload command leaves the write done and is
// a *providers.ReloadError that says what the command said, never its
// arguments; once the command is fixed, Reload loads the zone.
func TestReloadFailure(t *testing.T) {
	dir := t.TempDir()
	cmd, counter := reloadScript(t, dir, true)
	p := zonefile.New("files", filepath.Join(dir, "zones"), cmd)
	text := providertest.Head + "www A 192.0.2.9\n"
	changes := plan(t, p, text)
	n, err := p.Apply(t.Context(), origin, changes)
	if n != len(changes) {
		t.Errorf("apply with a failing reload: %d of %d applied, want all: the file is written", n, len(changes))
	}
	var re *providers.ReloadError
	if !errors.As(err, &re) {
		t.Fatalf("a failing reload command gave %v, want a *providers.ReloadError", err)
	}
	if re.Zone != origin {
		t.Errorf("ReloadError.Zone = %q, want %q", re.Zone, origin)
	}
	if msg := err.Error(); !strings.Contains(msg, "cannot reload: server unreachable") || !strings.Contains(msg, "exit status 3") || strings.Contains(msg, "k3y-s3cret") {
		t.Errorf("error %q: want the command's output and exit status, never its arguments", msg)
	}
	if again := plan(t, p, text); len(again) != 0 {
		t.Errorf("the file does not hold the changes: a new plan has %d", len(again))
	}

	reloadScript(t, dir, false)
	if err := p.Reload(t.Context(), origin); err != nil {
		t.Fatalf("reload with the command fixed: %v", err)
	}
	if got := reloads(t, counter); got != 1 {
		t.Errorf("the fixed reload command ran %d times, want once", got)
	}
	if err := zonefile.New("files", dir, nil).Reload(t.Context(), origin); err != nil {
		t.Errorf("reload without a reload command: %v, want nil", err)
	}
}

// TestCancelledApplyWritesNothing: an interrupted apply leaves the file
// (or its absence) as it was, runs no reload and reports no progress.
func TestCancelledApplyWritesNothing(t *testing.T) {
	for _, existing := range []bool{false, true} {
		t.Run(fmt.Sprintf("existing=%v", existing), func(t *testing.T) {
			dir := t.TempDir()
			cmd, counter := reloadScript(t, dir, false)
			p := zonefile.New("files", filepath.Join(dir, "zones"), cmd)
			if existing {
				providertest.Converge(t, p, origin, providertest.Head)
			}
			before, beforeErr := os.ReadFile(p.Path(origin))
			ranBefore := reloads(t, counter)
			changes := plan(t, p, newZone(10))

			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			reported := false
			ctx = providers.WithTrace(ctx, &providers.Trace{Applied: func(int) { reported = true }})
			n, err := p.Apply(ctx, origin, changes)
			if n != 0 || !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled apply: %d applied, err %v; want 0, context.Canceled", n, err)
			}
			after, afterErr := os.ReadFile(p.Path(origin))
			if !bytes.Equal(before, after) || (beforeErr == nil) != (afterErr == nil) {
				t.Errorf("a cancelled apply changed the zone file (before: %d bytes, %v; after: %d bytes, %v)", len(before), beforeErr, len(after), afterErr)
			}
			if reloads(t, counter) != ranBefore || reported {
				t.Errorf("a cancelled apply ran the reload command or reported progress")
			}
		})
	}
}

// TestSealedFileEditedByHand: the provider writes its file sealed and reads
// it back as written; a hand edit breaks the seal and the file is parsed
// again: the edit is seen, and an edit that breaks the zone is an error
// naming the file and line.
func TestSealedFileEditedByHand(t *testing.T) {
	dir := t.TempDir()
	p := zonefile.New("files", dir, nil)
	text := providertest.Head + "www A 192.0.2.9\n"
	providertest.Converge(t, p, origin, text)
	b, err := os.ReadFile(p.Path(origin))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "; zonecast sealed sha256:") {
		t.Fatalf("the file ends with %q, want its seal", last)
	}
	sets, err := p.Records(t.Context(), origin)
	if err != nil {
		t.Fatal(err)
	}
	if !zones.InOrder(sets) {
		t.Error("a sealed file is not read back in canonical order")
	}

	edited := strings.Replace(string(b), "192.0.2.9", "192.0.2.10", 1)
	if err := os.WriteFile(p.Path(origin), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if changes := plan(t, p, text); len(changes) != 1 || changes[0].Set.Name != "www."+origin {
		t.Errorf("after a hand edit, a plan has %d changes (%v), want the one edited set back", len(changes), changes)
	}

	broken := strings.Replace(string(b), "192.0.2.9", "192.0.2.300", 1)
	if err := os.WriteFile(p.Path(origin), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = p.Records(t.Context(), origin)
	if err == nil || !strings.Contains(err.Error(), p.Path(origin)+":") {
		t.Errorf("a hand edit that breaks the zone: %v, want an error at a line of %s", err, p.Path(origin))
	}
}
