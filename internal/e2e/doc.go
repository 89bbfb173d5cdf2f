// Package e2e is a generative convergence test of the zonecast binary.
//
// TestConverge builds cmd/zonecast once, then for each seed generates a
// random zone (1 to 20,000 records of the types every driver holds) and a
// sequence of edits to it, writes each state as a BIND zone file and runs the
// binary (validate, plan --exit-code, apply --yes, apply --yes --force) against
// one provider at a time: a zone-file directory, BIND, Knot and PowerDNS
// (started by internal/dnstest), and the Cloudflare and Route 53 emulators.
// After every step it checks the exit codes against the safety rule of
// internal/plan, that a second plan is empty, and that what the provider
// serves (read with AXFR, from the file, or from the emulator's store) is the
// generated zone, RRset for RRset, less what the provider owns.
//
// The generator (Generate) and its zone model live in this package's
// non-test files; they compare records through miekg/dns's own parser and
// printer, not through zonecast's packages, so a canonicalisation bug in
// zonecast cannot hide itself.
//
// Seeds: a fixed list by default; ZONECAST_SEEDS=N runs seeds 1..N,
// ZONECAST_SEEDS=a,b,c those seeds, ZONECAST_SEEDS=random:N N random seeds
// (printed). ZONECAST_SOAK=1 lifts the per-driver size caps.
package e2e
