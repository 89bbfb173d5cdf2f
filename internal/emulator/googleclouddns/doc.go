// Package googleclouddns is a local emulator of the Google Cloud DNS v1 REST
// API (dns.googleapis.com/dns/v1) and of Google's OAuth 2.0 token endpoint,
// for tests.
//
// It serves, over plain HTTP on 127.0.0.1, what the googleclouddns driver
// calls through google.golang.org/api/dns/v1:
//
//   - managedZones.list (dnsName filter, maxResults, pageToken) and
//     managedZones.get;
//   - resourceRecordSets.list (name and type filters, maxResults,
//     pageToken; nextPageToken while more remain);
//   - changes.create, changes.get and changes.list (sortOrder, maxResults,
//     pageToken): one change is atomic, deletions
//     first, then additions; it stays "pending" for Options.PendingFor and
//     is "done" afterwards;
//   - POST /token: the JWT-bearer grant (RFC 7523) a service-account key
//     file's token_uri names; the assertion must be signed (RS256) by a key
//     AddServiceAccount made, name the token URI as its audience and be
//     current. API calls without a bearer token, or with one it did not
//     issue (or expired), get 401.
//
// Errors are Google's JSON error bodies,
// {"error":{"code":412,"message":…,"errors":[{"domain":"global","reason":"conditionNotMet",…}],"status":…}}.
// What it refuses, as the documentation says Cloud DNS does:
//
//   - a deletion that does not match the RRset served exactly (TTL and
//     rrdatas): 412 conditionNotMet; a deletion of an RRset that is not
//     there: 404 notFound;
//   - an addition of an RRset that exists (after the change's deletions):
//     409 alreadyExists;
//   - rrdata that does not parse for its type, a relative name, a name
//     outside the zone, a type Cloud DNS does not hold, a wildcard NS, a
//     negative TTL, an RRset twice in one change: 400 invalid;
//   - a change that leaves the zone without its SOA or apex NS (they can be
//     replaced, never deleted): 400 invalid;
//   - a CNAME beside other data at one name: 400 invalid;
//   - the per-change and per-zone limits (Options): more than 1,000
//     additions or 1,000 deletions, more than 100,000 bytes of rrdata, more
//     than 100 rrdatas in an RRset, more than 8 name servers in a
//     delegation, more than 10,000 RRsets in a zone: 403
//     quotaExceeded, with the messages Cloud DNS gives ("The change would
//     exceed quota for additions per change.").
//
// Sources: cloud.google.com/dns/quotas (limits: 1,000 additions and 1,000
// deletions per change, 100,000 bytes of resource record data per change,
// 100 records per RRset, 8 name servers per delegation, 10,000 RRsets per
// managed zone);
// cloud.google.com/dns/docs/records-overview (the record types: A, AAAA,
// ALIAS, CAA, CNAME, DNSKEY, DS, HTTPS, IPSECKEY, MX, NAPTR, NS, PTR, SOA,
// SPF, SRV, SSHFP, SVCB, TLSA, TXT; no wildcard NS);
// cloud.google.com/dns/docs/reference/v1/changes (status pending/done,
// deletions must match exactly); kubernetes-sigs/external-dns#1028 (the 403
// quotaExceeded messages); DNSControl/dnscontrol#2480 (the per-change
// limits hit by a naive driver); developers.google.com/identity/protocols/oauth2/service-account
// (the JWT claims iss, scope, aud, exp, iat; one hour at most).
//
// Fault injection (Inject): 429 rateLimitExceeded with Retry-After, 5xx
// backendError, latency, and a lost reply (the request is carried out, the
// answer is a 5xx), which is what makes a retried changes.create meet its
// own change. Counts and Requests tell how many calls an
// operation cost.
//
// Guessed, unverified without a live project: the HTTP status and reason
// of the refusals of a delegation of more than 8 name servers (the quota's
// 403 here), of a CNAME beside other data, of an SOA or apex NS
// deletion and of an unknown project (404 notFound here); the default and
// largest page of resourceRecordSets.list (1,000 here); whether Cloud DNS
// moves the SOA serial on each change (the emulator adds one); the order of
// a listing (by name, then type, here). It does not emulate routing
// policies beyond storing and listing them (SetRRset), DNSSEC, private
// zones' networks, response policies, or the DNS side.
package googleclouddns
