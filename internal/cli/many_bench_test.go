package cli_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zonecast/zonecast/internal/dnstest"
)

// BenchmarkManyZones runs the built zonecast over many generated zones (50
// to 500 records each, seeded) served by two zone-file providers and one
// real BIND loaded with all of them: a no-change `sync --once` cycle, `plan
// --changed-since` after editing 10 zones, and the `sync --once` cycle that
// applies that edit. Each is one run of the binary; it reports wall time,
// peak RSS and the SOA queries and zone transfers BIND answered (from its
// query log). ZONECAST_BENCH_ZONES sets the sizes (default "1000"; make
// bench: "1000 10000"); ZONECAST_BENCH_CPUPROFILE=PREFIX writes a CPU
// profile of each measured run to PREFIX.NAME. Not a test: it runs only
// under -bench.
func BenchmarkManyZones(b *testing.B) {
	sizes := strings.Fields(os.Getenv("ZONECAST_BENCH_ZONES"))
	if len(sizes) == 0 {
		sizes = []string{"1000"}
	}
	bin := buildZonecast(b)
	for _, s := range sizes {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("ZONECAST_BENCH_ZONES: %v", err)
		}
		b.Run(fmt.Sprintf("zones=%d", n), func(b *testing.B) { manyZones(b, bin, n) })
	}
}

func buildZonecast(b *testing.B) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		b.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	bin := filepath.Join(b.TempDir(), "zonecast")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/zonecast")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// genZones writes n zones of 50 to 500 records under dir/zones and returns
// their texts by origin.
func genZones(b *testing.B, dir string, n int, seed uint64) map[string]string {
	r := rand.New(rand.NewPCG(seed, seed))
	texts := make(map[string]string, n)
	if err := os.MkdirAll(filepath.Join(dir, "zones"), 0o755); err != nil {
		b.Fatal(err)
	}
	records := 0
	for i := range n {
		origin := fmt.Sprintf("c%05d.example.", i)
		var t strings.Builder
		fmt.Fprintf(&t, "$ORIGIN %s\n$TTL 3600\n@ SOA ns1.example.net. hostmaster 1 7200 900 1209600 300\n@ NS ns1.example.net.\n@ NS ns2.example.org.\n", origin)
		for j := range 50 + r.IntN(451) - 3 {
			switch j % 5 {
			case 0:
				fmt.Fprintf(&t, "h%d A 10.%d.%d.%d\n", j, i%250, j/250, j%250)
			case 1:
				fmt.Fprintf(&t, "h%d AAAA 2001:db8:%x::%x\n", j, i, j)
			case 2:
				fmt.Fprintf(&t, "m%d MX %d mail%d\n", j, j%50, j)
			case 3:
				fmt.Fprintf(&t, "t%d TXT \"v=spf1 -all %d\"\n", j, r.Uint32())
			default:
				fmt.Fprintf(&t, "w%d CNAME h%d\n", j, j-4)
			}
			records++
		}
		texts[origin] = t.String()
		if err := os.WriteFile(filepath.Join(dir, "zones", origin+"zone"), []byte(t.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d zones, %d records (seed %d)", n, records+3*n, seed)
	return texts
}

// run is one run of the binary: its wall time and peak RSS.
type run struct {
	wall time.Duration
	rss  int64 // KiB, peak (VmHWM, sampled every 10 ms)
	out  string
}

func runZonecast(b *testing.B, bin, dir string, env []string, args ...string) run {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	// The peak RSS is the process's VmHWM, polled: the rusage of a child
	// of this (large) benchmark process would report the benchmark's own
	// peak, which Linux carries across the exec.
	var peak atomic.Int64
	done := make(chan struct{})
	go func() {
		status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
		for {
			if b, err := os.ReadFile(status); err == nil {
				for _, line := range strings.Split(string(b), "\n") {
					if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
						if kib, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64); err == nil && kib > peak.Load() {
							peak.Store(kib)
						}
					}
				}
			}
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	r := run{wall: time.Since(start), out: out.String(), rss: peak.Load()}
	if err != nil {
		tail := r.out
		if len(tail) > 4000 {
			tail = tail[len(tail)-4000:]
		}
		b.Fatalf("zonecast %s: %v\n%s", strings.Join(args, " "), err, tail)
	}
	return r
}

func manyZones(b *testing.B, bin string, n int) {
	dir := b.TempDir()
	texts := genZones(b, dir, n, 1)
	srv := dnstest.StartBINDWith(b, dnstest.Options{ReadyTimeout: 10 * time.Minute, QueryLog: true}, texts)
	var cfg strings.Builder
	fmt.Fprintf(&cfg, `providers:
  a: {type: zonefile, directory: out/a}
  b: {type: zonefile, directory: out/b}
  bind:
    type: rfc2136
    server: %s
    tsig: {name: %s, algorithm: %s, secret: env:BENCH_TSIG}
zones:
  - {dir: zones, providers: [a, b, bind]}         # a zone set: a zone per file
`, srv.Addr, srv.KeyName, srv.KeyAlg)
	if err := os.WriteFile(filepath.Join(dir, "zonecast.yaml"), []byte(cfg.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	env := []string{"BENCH_TSIG=" + srv.Secret, "GIT_AUTHOR_NAME=b", "GIT_AUTHOR_EMAIL=b@example.net", "GIT_COMMITTER_NAME=b", "GIT_COMMITTER_EMAIL=b@example.net"}
	for _, g := range [][]string{{"init", "-q"}, {"add", "-A"}, {"commit", "-q", "-m", "zones"}} {
		cmd := exec.Command("git", g...)
		cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("git %s: %v\n%s", g[0], err, out)
		}
	}
	// Fill the zone-file providers (BIND loaded the zones itself), then
	// one cycle so that whatever a first run records is recorded.
	runZonecast(b, bin, dir, env, "apply", "--yes")
	runZonecast(b, bin, dir, env, "sync", "--once", "--audit-every", "0")

	measure := func(name string, args ...string) {
		if prof := os.Getenv("ZONECAST_BENCH_CPUPROFILE"); prof != "" {
			// A CPU profile of each measured run: PREFIX.NAME.
			args = append([]string{"--cpuprofile", prof + "." + name}, args...)
		}
		b.Run(name, func(b *testing.B) {
			before := len(srv.Log())
			var r run
			for range b.N {
				r = runZonecast(b, bin, dir, env, args...)
			}
			log := srv.Log()[before:]
			soa := strings.Count(log, " IN SOA ")
			axfr := strings.Count(log, ": AXFR started")
			b.ReportMetric(r.wall.Seconds(), "s-wall")
			b.ReportMetric(float64(r.rss)/1024, "MiB-rss")
			b.ReportMetric(float64(soa)/float64(b.N), "soa-queries")
			b.ReportMetric(float64(axfr)/float64(b.N), "axfrs")
			b.ReportMetric(float64(soa+axfr)/float64(b.N)/float64(n), "queries/zone")
		})
	}
	measure("sync-no-change", "sync", "--once", "--audit-every", "0")
	for i := 0; i < n; i += max(1, n/10) {
		origin := fmt.Sprintf("c%05d.example.", i)
		f, err := os.OpenFile(filepath.Join(dir, "zones", origin+"zone"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(f, "edited-%d A 192.0.2.1\n", time.Now().UnixNano())
		f.Close()
	}
	measure("plan-changed-since", "plan", "--changed-since", "HEAD")
	measure("sync-10-edited", "sync", "--once", "--audit-every", "0")
}
