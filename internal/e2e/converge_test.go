package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// limit is zonecast's default safety limit (plan.DefaultMaxChangePercent);
// the test's configuration sets no other.
const limit = 30

// defaultSeeds are the seeds of a plain `go test`: zones of about 19,500
// records (cut to each driver's maxRecords), 2,300, 43 and 37. At every
// driver each has a step at the safety limit and a later one over it, and
// some have steps of over 1,000 changes (TestDefaultSeeds checks it).
var defaultSeeds = []uint64{242, 277, 43, 1}

// tally counts what a driver ran.
type tally struct {
	seeds, steps, atLimit, refused, big int
	took                                time.Duration
}

// TestConverge runs every seed's edit sequence through the built binary
// against each driver: one subtest per driver and seed, in parallel. See
// the package documentation.
func TestConverge(t *testing.T) {
	seeds := seedList(t)
	soak := os.Getenv("ZONECAST_SOAK") == "1"
	var mu sync.Mutex
	tallies := map[string]*tally{}
	t.Cleanup(func() {
		total := 0
		for _, d := range drivers {
			if c := tallies[d.name]; c != nil {
				t.Logf("summary: %-10s %d seeds, %d steps (%d at the safety limit, %d over it, %d of over 1,000 changes), %v in its subtests",
					d.name, c.seeds, c.steps, c.atLimit, c.refused, c.big, c.took.Round(time.Second))
				total += c.steps
			}
		}
		t.Logf("summary: %d steps in all", total)
	})
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			for _, seed := range seeds {
				t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
					t.Parallel()
					records, growth := Size(seed), 0
					if !soak {
						records, growth = min(records, d.maxRecords), d.maxGrowth
					}
					start := time.Now()
					c := converge(t, d, seed, records, growth)
					mu.Lock()
					defer mu.Unlock()
					sum := tallies[d.name]
					if sum == nil {
						sum = &tally{}
						tallies[d.name] = sum
					}
					sum.seeds++
					sum.steps += c.steps
					sum.atLimit += c.atLimit
					sum.refused += c.refused
					sum.big += c.big
					sum.took += time.Since(start)
				})
			}
		})
	}
}

// seedList reads ZONECAST_SEEDS: unset, the default seeds (ZONECAST_SOAK=1:
// those and seeds 1..20); "N" up to 1000, seeds 1..N; a larger number or a
// comma list, those seeds; "random" or "random:N", N (default 5) random
// seeds.
func seedList(t *testing.T) []uint64 {
	env := strings.TrimSpace(os.Getenv("ZONECAST_SEEDS"))
	switch {
	case env == "" && os.Getenv("ZONECAST_SOAK") == "1":
		seeds := slices.Clone(defaultSeeds)
		for i := uint64(1); i <= 20; i++ {
			if !slices.Contains(seeds, i) {
				seeds = append(seeds, i)
			}
		}
		return seeds
	case env == "":
		return defaultSeeds
	}
	if n, ok := strings.CutPrefix(env, "random"); ok {
		count := 5
		if c, ok := strings.CutPrefix(n, ":"); ok {
			var err error
			if count, err = strconv.Atoi(c); err != nil || count < 1 {
				t.Fatalf("ZONECAST_SEEDS=%s: want random:N with N > 0", env)
			}
		}
		seeds := make([]uint64, count)
		for i := range seeds {
			seeds[i] = 1000 + rand.Uint64N(1<<40)
		}
		t.Logf("ZONECAST_SEEDS=%s: seeds %v", env, seeds)
		return seeds
	}
	var seeds []uint64
	for _, f := range strings.Split(env, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			t.Fatalf("ZONECAST_SEEDS=%s: %q is not a seed (want N, a,b,c or random:N)", env, f)
		}
		seeds = append(seeds, n)
	}
	if len(seeds) == 1 && seeds[0] <= 1000 && !strings.Contains(env, ",") {
		n := seeds[0]
		seeds = seeds[:0]
		for i := uint64(1); i <= n; i++ {
			seeds = append(seeds, i)
		}
	}
	return seeds
}

// counts is what one sequence ran.
type counts struct{ steps, atLimit, refused, big int }

// run is one sequence at one driver: its folder, configuration and what
// failure messages say.
type run struct {
	t      *testing.T
	d      driver
	seed   uint64
	dir    string
	tg     *target
	step   int
	kind   string
	serial uint32 // the last SOA serial the zone-file provider wrote
}

// fatalf fails the sequence, naming seed, step and driver and how to run
// it again alone.
func (r *run) fatalf(format string, args ...any) {
	r.t.Helper()
	r.t.Fatalf("seed %d step %d (%s) at %s: %s\nrerun: %s", r.seed, r.step, r.kind, r.d.name, fmt.Sprintf(format, args...), rerun(r.d.name, r.seed))
}

// rerun is the command that runs seed's sequence at driver alone, with the
// environment that shapes it.
func rerun(driver string, seed uint64) string {
	env := fmt.Sprintf("ZONECAST_SEEDS=%d", seed)
	for _, v := range []string{"ZONECAST_SOAK", "ZONECAST_E2E_NO_QUIRKS"} {
		if os.Getenv(v) == "1" {
			env += " " + v + "=1"
		}
	}
	return fmt.Sprintf("%s go test ./internal/e2e -run '^TestConverge$/^%s$/^%d$' -v", env, driver, seed)
}

func (r *run) zonecast(args ...string) result {
	r.t.Helper()
	return zonecast(r.t, r.dir, r.tg.env, args...)
}

// expect runs zonecast and fails unless it exits with code.
func (r *run) expect(code int, args ...string) result {
	r.t.Helper()
	res := r.zonecast(args...)
	if res.code != code {
		r.fatalf("want exit %d:\n%s", code, res)
	}
	return res
}

// converge runs seed's sequence at d, its first step of about records
// records, growing to about maxRecords at most (0: no bound).
func converge(t *testing.T, d driver, seed uint64, records, maxRecords int) counts {
	r := &run{t: t, d: d, seed: seed, dir: t.TempDir()}
	r.tg = d.start(t, r.dir)
	cfg := "providers:\n" + r.tg.yaml + "zones:\n  - origin: " + origin + "\n    file: " + origin + "zone\n    providers: [p]\n"
	if err := os.WriteFile(filepath.Join(r.dir, "zonecast.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	quirks := d.quirks
	if noQuirks() {
		quirks = Quirks{}
	}
	seq, err := Generate(Params{Seed: seed, Origin: origin, Records: records, MaxRecords: maxRecords, Profile: d.profile, Limit: limit, Quirks: quirks})
	if err != nil {
		t.Fatalf("%v\nrerun: %s", err, rerun(d.name, seed))
	}
	prev := r.servedZone()
	if r.tg.writes != nil {
		r.tg.writes(t) // count from here on
	}
	var c counts
	for i, st := range seq.Steps {
		r.step, r.kind = i+1, st.Kind
		started := time.Now()
		v := r.apply(prev, st.Zone)
		t.Logf("%s seed %d step %d (%s): %d records, %d RRsets: %d creates, %d updates, %d deletes of %d; refused %v; %v",
			d.name, seed, r.step, r.kind, st.Zone.Records(), len(st.Zone.Sets), v.Creates, v.Updates, v.Deletes, v.Current, v.Refused, time.Since(started).Round(time.Millisecond))
		c.steps++
		if st.Kind == "at the limit" {
			c.atLimit++
		}
		if v.Refused {
			c.refused++
		}
		if v.Changes() > 1000 {
			c.big++
		}
		prev = st.Zone
	}
	return c
}

// servedZone reads what the provider serves into the zone model.
func (r *run) servedZone() *Zone {
	rrs := r.tg.served(r.t)
	if len(rrs) == 0 {
		return nil
	}
	z := &Zone{Origin: origin, Sets: map[Key]*RRset{}}
	for _, rr := range rrs {
		h := rr.Header()
		k := Key{NormName(h.Name), h.Rrtype}
		s := z.Sets[k]
		if s == nil {
			s = &RRset{Name: k.Name, Type: k.Type, TTL: h.Ttl}
			z.Sets[k] = s
		}
		data := strings.SplitN(rr.String(), "\t", 5)[4]
		if !slices.Contains(s.Data, data) {
			s.Data = append(s.Data, data)
		}
	}
	return z
}

// served is what a provider serves at one time.
type served struct {
	lines  []string // what zonecast manages there, normalised, sorted
	serial uint32   // its SOA serial, 0 if it serves no SOA
}

// read reads the provider.
func (r *run) read() served {
	var s served
	for _, rr := range r.tg.served(r.t) {
		h := rr.Header()
		if soa, ok := rr.(*dns.SOA); ok {
			s.serial = soa.Serial
		}
		if !r.d.profile.Managed(Key{NormName(h.Name), h.Rrtype}, origin) {
			continue
		}
		s.lines = append(s.lines, Line(rr))
	}
	slices.Sort(s.lines)
	s.lines = slices.Compact(s.lines)
	return s
}

var appliedLine = regexp.MustCompile(`(?m)^example\.com\. at p: applied \((\d+) of (\d+) changes\); converged$`)

// apply takes the provider from prev (what it serves) to next through the
// binary and checks every outcome; it returns the verdict it checked
// against.
func (r *run) apply(prev, next *Zone) Verdict {
	r.t.Helper()
	file := filepath.Join(r.dir, origin+"zone")
	if err := os.WriteFile(file, []byte(WriteZone(next, r.seed*1000+uint64(r.step))), 0o644); err != nil {
		r.t.Fatal(err)
	}
	v, err := Judge(prev, next, r.d.profile, limit)
	if err != nil {
		r.fatalf("%v", err)
	}
	want, err := next.Lines(r.d.profile)
	if err != nil {
		r.fatalf("%v", err)
	}
	before := r.read()

	r.expect(0, "validate", "--strict", file)
	planCode := 0
	switch {
	case v.Refused:
		planCode = 4
	case v.Changes() > 0:
		planCode = 2
	}
	r.expect(planCode, "plan", "--exit-code")
	var res result
	if v.Refused {
		// Over the limit: refused, nothing changed, then forced.
		res = r.expect(4, "apply", "--yes")
		if !strings.Contains(res.stderr, "refusing to") {
			r.fatalf("apply refused without saying why:\n%s", res)
		}
		after := r.read()
		r.same("after the refused apply the provider", before.lines, after.lines)
		if after.serial != before.serial {
			r.fatalf("the refused apply changed the SOA serial from %d to %d", before.serial, after.serial)
		}
		r.checkWrites(0, res, after)
		res = r.expect(0, "apply", "--yes", "--force")
	} else {
		res = r.expect(0, "apply", "--yes")
	}
	after := r.read()
	r.checkApplied(res, v, after)
	r.same("after apply the provider", want, after.lines)
	r.expect(0, "plan", "--exit-code")
	return v
}

// checkApplied checks apply's report and the zone-file provider's writes.
func (r *run) checkApplied(res result, v Verdict, after served) {
	r.t.Helper()
	if v.Changes() == 0 {
		r.checkWrites(0, res, after)
		return
	}
	m := appliedLine.FindStringSubmatch(res.stdout)
	if m == nil {
		r.fatalf("apply did not report \"applied (N of N changes); converged\":\n%s", res)
	}
	if m[1] != m[2] || m[2] != strconv.Itoa(v.Changes()) {
		r.fatalf("apply applied %s of %s changes, want %d of %d (%d creates, %d updates, %d deletes):\n%s",
			m[1], m[2], v.Changes(), v.Changes(), v.Creates, v.Updates, v.Deletes, res)
	}
	r.checkWrites(1, res, after)
}

// checkWrites checks that the zone-file provider wrote its file and ran
// the reload command n times each since the last check, and that the SOA
// serial went up with each write.
func (r *run) checkWrites(n int, res result, after served) {
	r.t.Helper()
	if r.tg.writes == nil {
		return
	}
	writes, reloads, err := r.tg.writes(r.t)
	if err != nil {
		r.fatalf("%v", err)
	}
	if writes >= 0 && writes != n || reloads != n {
		r.fatalf("the zone file was written %d times and reloaded %d times, want %d and %d:\n%s", writes, reloads, n, n, res)
	}
	if n == 0 {
		return
	}
	if after.serial <= r.serial {
		r.fatalf("the zone file's SOA serial is %d after a write, was %d", after.serial, r.serial)
	}
	r.serial = after.serial
}

// same fails unless got equals want, showing the first differences.
func (r *run) same(what string, want, got []string) {
	r.t.Helper()
	if slices.Equal(want, got) {
		return
	}
	missing, extra := diffLines(want, got)
	var b strings.Builder
	fmt.Fprintf(&b, "%s serves %d records, want %d: %d missing, %d not wanted", what, len(got), len(want), len(missing), len(extra))
	for _, l := range missing[:min(len(missing), 15)] {
		fmt.Fprintf(&b, "\n  - %s", l)
	}
	for _, l := range extra[:min(len(extra), 15)] {
		fmt.Fprintf(&b, "\n  + %s", l)
	}
	r.fatalf("%s\n(- wanted, not served; + served, not wanted)", b.String())
}

// diffLines returns the lines of want missing from got and those of got
// not in want; both are sorted.
func diffLines(want, got []string) (missing, extra []string) {
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		switch {
		case j == len(got) || i < len(want) && want[i] < got[j]:
			missing = append(missing, want[i])
			i++
		case i == len(want) || got[j] < want[i]:
			extra = append(extra, got[j])
			j++
		default:
			i++
			j++
		}
	}
	return missing, extra
}
