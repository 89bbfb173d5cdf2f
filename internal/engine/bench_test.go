package engine_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/internal/engine"
)

// BenchmarkPlanNoChange100k and BenchmarkPlanNoChange1M time a no-change
// `zonecast plan` of a generated zone (../shared/bench/genzone, in
// $ZONECAST_BENCH_DIR/<n>/base.zone) against one zonefile provider whose
// file zonecast itself wrote (an apply in the setup): engine.Load plus
// (*Engine).Plan. Each iteration also times the floor, in the same run and
// interleaved with the plan so that the machine's noise hits both alike: a
// bare miekg/dns ZoneParser over the source file and over the target file,
// keeping every RR. Reported per iteration:
//
//   - plan-ns: Load + Plan
//   - floor-ns: the two bare parses
//   - x-floor: plan-ns / floor-ns (the goal of issue 15 is ≤ 1.5)
//   - MiB-peak: the largest live heap seen during a plan (sampled every
//     millisecond; heap objects only, so below the process's RSS)
func BenchmarkPlanNoChange100k(b *testing.B) { benchPlanNoChange(b, 100_000) }

// BenchmarkPlanNoChange1M is BenchmarkPlanNoChange100k at 1,000,000 records.
func BenchmarkPlanNoChange1M(b *testing.B) { benchPlanNoChange(b, 1_000_000) }

func benchPlanNoChange(b *testing.B, n int) {
	dir := os.Getenv("ZONECAST_BENCH_DIR")
	if dir == "" {
		b.Skip("ZONECAST_BENCH_DIR is not set; run `make bench`")
	}
	src, err := filepath.Abs(filepath.Join(dir, strconv.Itoa(n), "base.zone"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(src); err != nil {
		b.Fatalf("no generated zone of %d records: %v", n, err)
	}
	cfgDir := b.TempDir()
	cfg := filepath.Join(cfgDir, "zonecast.yaml")
	if err := os.WriteFile(cfg, []byte(`providers:
  files:
    type: zonefile
    directory: out
zones:
  - origin: bench.example.
    file: `+strconv.Quote(src)+`
    providers: [files]
`), 0o644); err != nil {
		b.Fatal(err)
	}
	sel := engine.Selection{Config: cfg}
	e, err := engine.Load(sel)
	if err != nil {
		b.Fatal(err)
	}
	rep, err := e.Run(context.Background(), engine.Policy{})
	if err != nil {
		b.Fatal(err)
	}
	for _, t := range rep.Targets {
		if !t.OK() {
			b.Fatalf("setup apply of %s at %s: %s", t.Zone, t.Provider, t.Problem())
		}
	}
	target := filepath.Join(cfgDir, "out", "bench.example.zone")
	if _, err := os.Stat(target); err != nil {
		b.Fatal(err)
	}
	runtime.GC()

	var planTime, floorTime time.Duration
	var peak uint64
	for b.Loop() {
		start := time.Now()
		stop := sampleHeap()
		e, err := engine.Load(sel)
		if err != nil {
			b.Fatal(err)
		}
		p := e.Plan(context.Background())
		planTime += time.Since(start)
		peak = max(peak, stop())
		if p.Changes() != 0 || len(p.Failed()) != 0 {
			b.Fatalf("no-change plan has %d changes, %d failed targets", p.Changes(), len(p.Failed()))
		}
		runtime.GC()

		start = time.Now()
		if got := bareParse(b, src) + bareParse(b, target); got < 2*n {
			b.Fatalf("bare parses read %d records, want at least %d", got, 2*n)
		}
		floorTime += time.Since(start)
		runtime.GC()
	}
	planNs := float64(planTime.Nanoseconds()) / float64(b.N)
	floorNs := float64(floorTime.Nanoseconds()) / float64(b.N)
	b.ReportMetric(planNs, "plan-ns")
	b.ReportMetric(floorNs, "floor-ns")
	b.ReportMetric(planNs/floorNs, "x-floor")
	b.ReportMetric(float64(peak)/(1<<20), "MiB-peak")
}

// bareParse is the floor: miekg/dns's ZoneParser over path, keeping every
// RR (what a tool that diffs the zone must at least do). It returns the
// number of records.
func bareParse(b *testing.B, path string) int {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zp := dns.NewZoneParser(bufio.NewReaderSize(f, 64<<10), "bench.example.", path)
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		b.Fatal(err)
	}
	return len(rrs)
}

// sampleHeap samples the live heap every millisecond until the returned
// function is called, which returns the largest sample.
func sampleHeap() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	done := make(chan struct{})
	var wg sync.WaitGroup
	var peak uint64
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}
