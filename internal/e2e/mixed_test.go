package e2e

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// mixed are the drivers TestMixed serves one zone from at once: every
// kind of provider zonecast has but the zone-file directory (BIND for
// RFC 2136; PowerDNS through its API; deSEC through the libdns driver).
var mixed = []string{"bind", "pdns-api", "cloudflare", "route53", "googleclouddns", "ns1", "dnsimple", "desec"}

// TestMixed applies one generated zone of about 1,000 records to every
// provider of mixed at once, through the built binary: one apply converges
// them all. Then, round after round, one provider is dead (its API answers
// 503 to everything, or its server's port is closed) while the zone flips
// between two generated states: apply exits 3, names the dead provider,
// leaves what it serves untouched and converges every other provider
// exactly; the next round's apply converges the one that was dead.
//
//	ZONECAST_MIXED_SEED=N     the seed of the zone and its edit (default 7)
//	ZONECAST_MIXED_RECORDS=N  the zone's size (default 1000)
func TestMixed(t *testing.T) {
	seed, records := uint64(7), 1000
	if v := os.Getenv("ZONECAST_MIXED_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("ZONECAST_MIXED_SEED=%q: %v", v, err)
		}
		seed = n
	}
	if v := os.Getenv("ZONECAST_MIXED_RECORDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 5 {
			t.Fatalf("ZONECAST_MIXED_RECORDS=%q: want a number of at least 5", v)
		}
		records = n
	}
	rerun := fmt.Sprintf("ZONECAST_MIXED_SEED=%d ZONECAST_MIXED_RECORDS=%d go test ./internal/e2e -run '^TestMixed$' -v", seed, records)
	dir := t.TempDir()

	// What every provider can take: the union of the quirks.
	var quirks Quirks
	var ds []driver
	for _, name := range mixed {
		i := slices.IndexFunc(drivers, func(d driver) bool { return d.name == name })
		if i < 0 {
			t.Fatalf("no driver %q in drivers", name)
		}
		d := drivers[i]
		ds = append(ds, d)
		quirks.MXNeedsAddress = quirks.MXNeedsAddress || d.quirks.MXNeedsAddress
		quirks.TXTUTF8 = quirks.TXTUTF8 || d.quirks.TXTUTF8
		if d.quirks.ApexNSTTL != 0 {
			quirks.ApexNSTTL = d.quirks.ApexNSTTL
		}
	}
	if noQuirks() {
		quirks = Quirks{}
	}
	seq, err := Generate(Params{Seed: seed, Origin: origin, Records: records, MaxRecords: records + records/5, Limit: limit, Quirks: quirks})
	if err != nil {
		t.Fatalf("%v\nrerun: %s", err, rerun)
	}
	// The zone flips between the two states of the sequence's first plain
	// edit (under the safety limit either way).
	var states []*Zone
	for i, st := range seq.Steps[1:] {
		if st.Kind == "edit" {
			states = []*Zone{seq.Steps[i].Zone, st.Zone}
			break
		}
	}
	if states == nil {
		t.Fatalf("seed %d has no plain edit step; pick another seed\nrerun: %s", seed, rerun)
	}

	// Start every provider; its block is named after its driver.
	m := &mixedRun{t: t, dir: dir, rerun: rerun, seed: seed}
	envs := map[string]string{}
	for _, d := range ds {
		tg := d.start(t, dir)
		block, ok := strings.CutPrefix(tg.yaml, "  p:\n")
		if !ok {
			t.Fatalf("%s's block does not start with \"  p:\": %q", d.name, tg.yaml)
		}
		for _, kv := range tg.env {
			k, v, _ := strings.Cut(kv, "=")
			if old, ok := envs[k]; ok && old != v {
				t.Fatalf("%s and another provider both set %s, to other values", d.name, k)
			}
			envs[k] = v
			m.env = append(m.env, kv)
		}
		// A dead provider is given up on after two tries, not after
		// the drivers' default backoff (Route 53's: 8 tries, 80 s).
		if !strings.Contains(block, "    max_attempts:") {
			block += "    max_attempts: 2\n"
		}
		m.ps = append(m.ps, &mixedProvider{d: d, tg: tg, block: "  " + d.name + ":\n" + block})
	}
	down := deadEndpoints(t)

	// One apply converges every provider from what dnstest or the
	// emulator starts with.
	m.write(states[0], -1, down)
	res := m.zonecast("apply", "--yes", "--force")
	if res.code != 0 {
		m.fatalf("the first apply: want exit 0:\n%s", res)
	}
	m.check(states[0], -1, nil, res)
	m.t.Logf("the first apply took %v", res.took)
	if res := m.zonecast("plan", "--exit-code"); res.code != 0 {
		m.fatalf("the plan after the first apply: want exit 0 (no changes):\n%s", res)
	}

	// Each provider dead in turn, the zone edited meanwhile.
	cur := 0
	for k, p := range m.ps {
		next := 1 - cur
		m.write(states[next], k, down)
		res := m.zonecast("apply", "--yes")
		if res.code != 3 {
			m.fatalf("round %d, %s dead: want exit 3:\n%s", k+1, p.d.name, res)
		}
		m.check(states[next], k, states[cur], res)
		m.t.Logf("round %d, %s dead: apply took %v", k+1, p.d.name, res.took)
		cur = next
	}
	m.write(states[cur], -1, down)
	res = m.zonecast("apply", "--yes")
	if res.code != 0 {
		m.fatalf("the last apply, every provider up: want exit 0:\n%s", res)
	}
	m.check(states[cur], -1, nil, res)
	if res := m.zonecast("plan", "--exit-code"); res.code != 0 {
		m.fatalf("the plan after the last apply: want exit 0 (no changes):\n%s", res)
	}
	t.Logf("seed %d: %d records, %d RRsets, at %d providers; each dead once", seed, states[0].Records(), len(states[0].Sets), len(m.ps))
}

// mixedRun is one TestMixed.
type mixedRun struct {
	t     *testing.T
	dir   string
	rerun string
	seed  uint64
	env   []string
	ps    []*mixedProvider
}

// mixedProvider is one started provider of TestMixed.
type mixedProvider struct {
	d     driver
	tg    *target
	block string // its configuration block, named after the driver
}

func (m *mixedRun) fatalf(format string, args ...any) {
	m.t.Helper()
	m.t.Fatalf("seed %d: %s\nrerun: %s", m.seed, fmt.Sprintf(format, args...), m.rerun)
}

func (m *mixedRun) zonecast(args ...string) result {
	m.t.Helper()
	return zonecast(m.t, m.dir, m.env, args...)
}

// write writes z as the zone file and the configuration with every
// provider, the one of index dead (none when -1) pointed at down.
func (m *mixedRun) write(z *Zone, dead int, down deadAddrs) {
	m.t.Helper()
	var b strings.Builder
	b.WriteString("providers:\n")
	var names []string
	for i, p := range m.ps {
		block := p.block
		if i == dead {
			block = down.replace(block)
			if block == p.block {
				m.t.Fatalf("%s's block names no 127.0.0.1 address to take down: %q", p.d.name, p.block)
			}
		}
		b.WriteString(block)
		names = append(names, p.d.name)
	}
	fmt.Fprintf(&b, "zones:\n  - origin: %s\n    file: %szone\n    providers: [%s]\n", origin, origin, strings.Join(names, ", "))
	if err := os.WriteFile(filepath.Join(m.dir, "zonecast.yaml"), []byte(b.String()), 0o644); err != nil {
		m.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(m.dir, origin+"zone"), []byte(WriteZone(z, m.seed)), 0o644); err != nil {
		m.t.Fatal(err)
	}
}

var convergedLine = regexp.MustCompile(`(?m)^example\.com\. at ([a-z0-9-]+): (applied \(\d+ of \d+ changes\)|unchanged); converged$`)

// check checks that every provider but the dead one (none when -1) serves
// want exactly and said so, and that the dead one still serves before.
func (m *mixedRun) check(want *Zone, dead int, before *Zone, res result) {
	m.t.Helper()
	converged := map[string]bool{}
	for _, l := range convergedLine.FindAllStringSubmatch(res.stdout, -1) {
		converged[l[1]] = true
	}
	for i, p := range m.ps {
		z := want
		if i == dead {
			z = before
			if converged[p.d.name] {
				m.fatalf("%s was dead, yet apply says it converged:\n%s", p.d.name, res)
			}
			if !strings.Contains(res.stdout, "example.com. at "+p.d.name+": ") {
				m.fatalf("apply does not say what became of the dead %s:\n%s", p.d.name, res)
			}
		} else if !converged[p.d.name] {
			m.fatalf("apply does not say that %s converged:\n%s", p.d.name, res)
		}
		wantLines, err := z.Lines(p.d.profile)
		if err != nil {
			m.fatalf("%v", err)
		}
		var got []string
		for _, rr := range p.tg.served(m.t) {
			h := rr.Header()
			if p.d.profile.Managed(Key{NormName(h.Name), h.Rrtype}, origin) {
				got = append(got, Line(rr))
			}
		}
		slices.Sort(got)
		got = slices.Compact(got)
		if !slices.Equal(wantLines, got) {
			missing, extra := diffLines(wantLines, got)
			what := "after apply"
			if i == dead {
				what = "while dead (it must be untouched)"
			}
			m.fatalf("%s %s serves %d records, want %d: missing %q, not wanted %q\n%s",
				p.d.name, what, len(got), len(wantLines), missing[:min(len(missing), 10)], extra[:min(len(extra), 10)], res)
		}
	}
}

// deadAddrs are where a dead provider's endpoints go: an HTTP server that
// answers 503 to everything and a loopback port where nothing listens.
type deadAddrs struct {
	url    string // http://127.0.0.1:PORT
	closed string // 127.0.0.1:PORT
}

func deadEndpoints(t *testing.T) deadAddrs {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "service unavailable (the test took this provider down)", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	return deadAddrs{url: down.URL, closed: closed}
}

var (
	httpEndpoint = regexp.MustCompile(`https?://127\.0\.0\.1:\d+`)
	addrEndpoint = regexp.MustCompile(`127\.0\.0\.1:\d+`)
)

// replace points every 127.0.0.1 endpoint of a configuration block at the
// dead ones: URLs at the 503 server, bare addresses at the closed port.
func (d deadAddrs) replace(block string) string {
	block = httpEndpoint.ReplaceAllString(block, "\x00")
	block = addrEndpoint.ReplaceAllString(block, d.closed)
	return strings.ReplaceAll(block, "\x00", d.url)
}
