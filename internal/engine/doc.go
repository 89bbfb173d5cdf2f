// Package engine is one zonecast run, the same for every front end: it
// loads the configuration, the failover state and the zone files once;
// plans every zone × provider (each provider read in parallel, the safety
// verdict and the work pending from earlier runs included); applies
// (locks, a saved plan's staleness check, every provider in parallel, the
// pending work, the convergence re-read, verify); and makes the failover
// transitions (drop, restore, the parent delegation).
//
// It prints nothing and reads no flags: the CLI (internal/cli), the sync
// loop (internal/syncd) and any other front end pass a Policy, render the
// Report and map its typed errors to what they show. Only drivers group
// changes into messages or API calls; nothing here re-cuts them.
package engine
