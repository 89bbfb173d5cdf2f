// Package plan computes what must change at each provider so that it serves
// the desired zone, as plain data, and renders it as text, markdown or JSON.
//
// Planning is a fixed pipeline per zone × provider: take what the provider
// serves now, fit the desired zone to the provider's capabilities (types it
// cannot hold, TTL limits: each a note), leave out what zonecast never
// manages (SOA where the provider owns it, DNSSEC records, ignore rules) on
// both sides, then diff RRset by RRset. The package does no I/O of its own.
package plan
