// Package cloudflare is a local emulator of Cloudflare's DNS records HTTP API
// (the /client/v4 zone and dns_records routes), for tests.
//
// It serves, over plain HTTP on 127.0.0.1, every request that
// github.com/libdns/cloudflare v0.2.2 makes (zone lookup, paged listing,
// filtered lookups, POST, PATCH, DELETE), plus GET and PUT of single records
// and the batch endpoint POST /zones/{zid}/dns_records/batch. Responses use
// Cloudflare's JSON envelope, error codes and validation rules as far as they
// are known (see /work/shared/research/provider-apis.md §1); where the real
// code or message is not known, the doc comment of the emitting function says
// so.
//
// Tests drive it with Inject (faults: 429 with Retry-After, 5xx with an HTML
// body, latency, connection resets), an optional per-token rate limiter,
// fixtures (AddZone, AddZoneStatus for pending and duplicate zones,
// AddRecord, including proxied and read-only records), token scopes
// (Tokens, ZoneTokens, RecordTokens), a per-zone RecordQuota (81045), and
// the request log (Requests), which lets a test check how many API calls an
// operation cost.
//
// Multi-provider apex NS: every zone object carries the same two assigned
// name_servers (NameServers); GET and PATCH /zones/{zid}/dns_settings keep
// multi_provider (default false; SetMultiProvider for fixtures). Apex NS
// records are stored and listed either way, as Cloudflare's docs say it
// ignores them while the setting is off rather than refusing them;
// ServedApexNS returns what the zone would answer: Cloudflare's names, plus
// the apex NS records when multi_provider is on. An apex NS record naming
// one of the zone's own nameservers is refused (octodns-cloudflare#11).
//
// DNS: ServeDNS (dns.go) answers DNS queries over UDP and TCP for every
// active zone, from the records the API holds, as Cloudflare's
// authoritative servers do, signing online with the zone's keys while its
// DNSSEC is on (compact denial of existence); dns.go says what is guessed.
//
// It does not emulate: Punycode conversion of Unicode names, the per-IP limit
// of 200 requests per second, the checks Cloudflare makes on record comments,
// tags and settings (they are stored and returned as sent), zone settings
// other than dns_settings multi_provider, NSEC3, the 4096-byte wire
// size and the TXT limits (2,048 characters a record, 8,192 a name), and edge
// propagation delays. All state is in memory and safe for concurrent use.
//
// Unverified without a live account, and so guessed here: the HTTP status of
// 81045 (400); the answer to a token without Zone:Read on GET /zones (403
// with 9109); whether a PUT clears comment, tags and settings (as the API
// reference's "overwrite" suggests); the quota counting records other
// Cloudflare products create; whether apex NS records are refused or only
// ignored while multi_provider is off, and the code and message of the
// refusal of an apex NS naming Cloudflare's own nameservers (81058 here).
package cloudflare
