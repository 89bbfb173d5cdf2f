// Package e2e is a generative convergence test of the zonecast binary.
//
// TestMain builds cmd/zonecast once; every step then runs that binary with
// os/exec. TestConverge, for each seed and each driver (a zone-file
// directory, BIND, Knot and PowerDNS started by internal/dnstest, the
// Cloudflare and Route 53 emulators), generates a zone of 5 to 20,000
// records and a sequence of 3 to 6 edits to it (Generate), writes each
// state as a BIND zone file (WriteZone, in a style of its own each time) and
// runs validate --strict, plan --exit-code and apply --yes, with --force when
// the step is over the safety limit. After each step it checks the exit
// codes against the safety rule of internal/plan as the README states it
// (Judge), that apply applied exactly the changes expected, that a second
// plan is empty, and that what the provider serves (read by AXFR, from the
// file, or from the emulator's store) is the generated zone record for
// record, less what the provider owns. The zone-file provider must write its
// file once and run its reload command once per apply, and nothing at all
// when apply refuses.
//
// The generator and its zone model are this package's non-test files. They
// compare records through miekg/dns's own parser and printer, not through
// zonecast's packages, so that a canonicalisation bug in zonecast cannot hide
// itself. A sequence depends only on its Params: seed, size, and what the
// driver owns (the safety steps are cut to its count of RRsets).
//
// Environment:
//
//	ZONECAST_SEEDS=N          seeds 1..N (N up to 1000; a larger N is that one seed)
//	ZONECAST_SEEDS=a,b,c      those seeds
//	ZONECAST_SEEDS=random:N   N random seeds, logged
//	ZONECAST_SOAK=1           no per-driver size bounds; the default seeds and 1..20 unless ZONECAST_SEEDS says
//	ZONECAST_E2E_NO_QUIRKS=1  generate what known provider problems refuse (see drivers)
//
// A failure names seed, step and driver and the command that runs that
// sequence alone.
package e2e
