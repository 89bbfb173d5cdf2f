// Package dnsimple is the driver of DNSimple's API v2
// (developer.dnsimple.com/v2/): a zone is read page by page from
// GET /v2/{account}/zones/{zone}/records (100 records a page, the most the
// API gives) and changed one record at a time (POST to create, PATCH
// /records/{id} to update, DELETE /records/{id}), or, with `batch: true`
// on an Enterprise account, with POST /v2/{account}/zones/{zone}/batch of
// up to 100 operations, each batch atomic.
//
// It speaks plain net/http rather than github.com/dnsimple/dnsimple-go:
// that client's ZoneRecordAttributes sends the priority with `omitempty`
// on an int, so "MX 0 mail" and "SRV 0 …" would go out without their
// priority; and zonecast needs every response's X-RateLimit-* headers and
// the shared providers.Transport under its own request loop.
//
// What a naive driver gets wrong, and this one does not:
//   - the rate limit is per hour (2,400 requests for an authenticated
//     token; X-RateLimit-Limit, -Remaining and -Reset on every answer), so
//     a 10,000-record apply cannot be done in one hour one record at a
//     time: Apply counts the requests it needs and, when the hour's
//     remaining budget cannot cover them, refuses before the first write
//     with the count and the reset time (*BudgetError), instead of failing
//     half-way with a zone half changed. A 429 that comes anyway (another
//     client spent the budget) is not retried for an hour: it fails at
//     once with the reset time;
//   - DNSimple makes the SOA and the apex NS records itself
//     ("system_record": true) and refuses changes to them: OwnsSOA and
//     OwnsApexNS; a system record elsewhere is protected;
//   - ALIAS, URL and POOL are DNSimple's own types, served by synthesising
//     A/AAAA (ALIAS, URL) or CNAME (POOL) answers: the sets they stand for
//     are protected, so zonecast never writes an A beside an ALIAS it
//     cannot see; records served only in some regions are protected too;
//   - MX and SRV priority is a separate "priority" field, and target
//     names are stored without the final dot;
//   - TXT content is stored as given: the driver always writes it in
//     presentation form (each string quoted, escapes kept), which reads
//     back exactly; content written unquoted by others is one string when
//     it is plain and at most 255 characters, and protected otherwise
//     (how DNSimple would split it is not documented);
//   - names are relative, "" for the apex; the lowest TTL is 60;
//   - an RRset is several records: unchanged records are kept, a changed
//     value is a PATCH of a record in place (never delete then create), new
//     records are created before surplus ones are deleted, so a half-done
//     apply never leaves a name without the records it had, except where a
//     CNAME must replace other data (or the reverse): there the deletions
//     go first, since DNSimple refuses a CNAME beside other records;
//   - Apply reports as applied only the RRset changes all of whose record
//     writes are done.
package dnsimple
