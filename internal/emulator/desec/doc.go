// Package desec is a local emulator of deSEC's DNS REST API (desec.io), for
// tests: the /api/v1/domains/ and /api/v1/domains/{name}/rrsets/ routes as
// github.com/libdns/desec v1.1.0 and zonecast's libdns adapter use them.
//
// What it does as deSEC documents it (desec-io/desec-stack docs/dns/rrsets.rst,
// docs/dns/domains.rst, docs/rate-limits.rst, published at
// https://desec.readthedocs.io/en/latest/dns/rrsets.html, .../dns/domains.html
// and .../rate-limits.html; messages and codes from desec-stack's
// api/desecapi: pagination.py, serializers, models/records.py):
//   - Token authentication (Authorization: Token <token>): 401 with
//     {"detail":"Authentication credentials were not provided."} or
//     {"detail":"Invalid token."}; a domain the token does not own is
//     404 {"detail":"Not found."}.
//   - GET rrsets/ returns at most PageSize (500) RRsets, newest first. More
//     than that without a cursor parameter is 400 with "Pagination required.
//     You can query up to 500 items at a time (N total). Please use the
//     `first` page link (see Link header)." and a Link header; with cursor=
//     pages are linked by Link rel="first", "prev", "next". The subname and
//     type filters work with pagination.
//   - One RRset: GET/PUT/PATCH/DELETE rrsets/{subname}/{type}/ ("@" or
//     "{subname}.../" at the apex). A URL without its final slash is
//     redirected (301), as Django's APPEND_SLASH does; Go's client follows it
//     for GET, which is how libdns/desec's getRRSet (no final slash) works.
//   - Bulk POST/PUT/PATCH of an array of RRsets, atomic: all or none. An
//     empty records list deletes the RRset. Stage-1 errors (fields, TTL,
//     duplicates in the request) come back as a list in request order with
//     {} for the good items; content errors (stage 2) are not tied to an
//     item, as deSEC's docs say.
//   - Refusals: TTL below the domain's minimum_ttl (3600 unless set;
//     "Ensure this value is greater than or equal to 3600.") or above 604800;
//     types deSEC manages itself (SOA, RRSIG, NSEC, NSEC3, NSEC3PARAM, OPT,
//     KEY, and, as the documentation says, DNSKEY, CDS and CDNSKEY unless
//     Options.AllowDNSKEY): "You cannot tinker with the T RR set. It is
//     managed automatically."; DNAME and ALIAS ("The T RR set type is
//     currently unsupported."); TYPEnnn ("Generic type format is not
//     supported."); a CNAME beside any other RRset at its name ("RRset with
//     conflicting type present: database (A). (No other RRsets are allowed
//     alongside CNAME.)"), at the apex, or with more than one record; names
//     in content without the final dot; TXT content not in quotes; more than
//     4091 records in one RRset.
//   - Content canonicalisation: records are stored in canonical presentation
//     form (deSEC round-trips them through wire format): TXT strings longer
//     than 255 octets come back split into 255-octet strings, octets outside
//     printable ASCII as \DDD.
//   - Throttling (Options.Rates, DefaultRates for deSEC's table): 429 with
//     Retry-After and {"detail":"Request was throttled. Expected available
//     in N seconds."}; reads count against dns_api_cheap (per account), RRset
//     writes against dns_api_per_domain_expensive (per domain).
//   - New domains hold deSEC's apex NS set (ns1.desec.io., ns2.desec.org.,
//     TTL 3600) and a signing key (the domain object's "keys"): deSEC signs
//     every zone itself.
//
// Tests drive it with Inject (faults: 429 with or without Retry-After, 5xx
// with an HTML body, latency, connection resets), fixtures (AddDomain,
// Put for raw stored content, bypassing validation), and the request log
// (Requests, Counts).
//
// Not emulated, or guessed: whether deSEC restricts changes to the apex NS
// set (here it is an RRset like any other); the redirect of URLs without
// their final slash (inferred: libdns/desec sends such URLs, and its live
// tests pass); the exact text of content errors (deSEC passes
// dnspython's messages through; here they are miekg/dns's); the answer to a
// non-array body on a bulk route (400 non_field_errors here); domain
// creation and deletion, account and token routes; the 64,000-octet limits;
// DNS service itself (deSEC's answers are signed; the emulator serves no
// DNS). All state is in memory and safe for concurrent use.
package desec
