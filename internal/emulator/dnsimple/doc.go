// Package dnsimple is a local emulator of DNSimple's API v2 (the zone
// record routes), for tests.
//
// It serves, over plain HTTP on 127.0.0.1, what providers/dnsimple uses:
// GET /v2/whoami, GET /v2/accounts, GET /v2/{account}/zones/{zone},
// GET and POST /v2/{account}/zones/{zone}/records, GET, PATCH and DELETE
// /v2/{account}/zones/{zone}/records/{id}, and POST
// /v2/{account}/zones/{zone}/batch. Sources, and what is taken from each:
//
//   - developer.dnsimple.com/v2/ (overview): bearer tokens; the
//     {"data": ..., "pagination": {current_page, per_page, total_entries,
//     total_pages}} envelope; page and per_page (default 30, at most 100);
//     the rate limit of authenticated requests per hour with
//     X-RateLimit-Limit, -Remaining and -Reset (epoch seconds) on every
//     answer, and 429 past it;
//   - developer.dnsimple.com/v2/zones/records/: the record object (id,
//     zone_id, parent_id, name relative with "" for the apex, content,
//     ttl, priority null but for MX and SRV, type, regions ["global"],
//     system_record, created_at, updated_at), the name and type filters,
//     the default sort by ID, the SOA and the apex NS records marked
//     system_record, 412 for a plan-gated feature;
//   - the API fixtures of github.com/dnsimple/dnsimple-go v7.0.0
//     (fixtures.http/api/): the error body {"message": ..., "errors":
//     {attribute: [reasons]}} with "Validation failed" on 400, the 404
//     bodies "Zone `x` not found" and "Record `x` not found", 201 on
//     create and 204 on delete, X-RateLimit-Limit 2400, the batch
//     request {"creates", "updates", "deletes"} and its 400 body with
//     per-operation index, message and errors (record_type
//     ["unsupported"], "Record not found ID=…");
//   - blog.dnsimple.com/2025/10/bulk-dns-updates/: the batch endpoint is
//     atomic, capped at 100 operations, for Enterprise accounts only;
//   - blog.dnsimple.com/2022/10/api-v2-client-validation-errors/: 400
//     "Validation failed" with the invalid attributes;
//   - support.dnsimple.com (supported record types; the 60-second lowest
//     TTL): Types and MinTTL.
//
// It refuses what the real API refuses as far as known: a CNAME beside
// other records at a name or at the apex, a TTL below 60, an unsupported
// type (SOA included), content that does not parse as the type's data, a
// record equal to one the name already holds, any change to a system
// record, a batch over the cap or on a plan without batches (412).
//
// Unverified without a live account, and so guessed here: the wording of
// every reason but record_type "unsupported", the message of the 401
// ("Authentication failed") and of the 429, the absence of Retry-After on
// the 429, the fixed hourly window starting at the token's first request,
// the answer to a request for another account (404), the order in which a
// batch's operations are validated (creates, updates, deletes), the 412
// message, whether MX and SRV without a priority default to 0, and whether
// DNSimple accepts "." as an MX target (a null MX).
//
// Tests drive it with Inject (faults: 429 with Retry-After, 5xx, latency,
// connection resets), the rate limiter (Options.RateLimit, with a clock),
// fixtures (AddZone with the system records, AddRecord without
// validation: ALIAS, URL, POOL, regional, system records), and the request
// log (Requests, Counts). All state is in memory and safe for concurrent
// use.
package dnsimple
