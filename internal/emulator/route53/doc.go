// Package route53 is a local emulator of the AWS Route 53 REST-XML API
// (version 2013-04-01) for tests. New starts an httptest server that the
// real AWS SDK route53 client, and so libdns/route53, can be pointed at
// (BaseEndpoint, or AWS_ENDPOINT_URL_ROUTE_53).
//
// It serves ListHostedZonesByName, ListHostedZones, GetHostedZone,
// ListResourceRecordSets, ChangeResourceRecordSets and GetChange with the
// real service's wire format, ordering, paging and validation rules: atomic
// change batches, exact-match DELETE, the per-request limits, CNAME and
// zone-membership rules, protected apex SOA and NS, TXT string lengths,
// names stored in lower case with `*` as `\052`, and the InvalidChangeBatch
// messages that real accounts are known to return. Tests seed state with
// AddZone, AddPrivateZone and AddRRSet, inspect it with RRSets, inject
// throttling, latency and connection resets with Inject, read a log of
// requests with Requests, and make GetChange report PENDING with SetPending
// (a number of polls) or SetPendingFor (a time).
//
// Ordering, as the API reference documents it for ListHostedZonesByName and
// ListResourceRecordSets: names with their labels reversed, escaped as
// stored (`\052`, `\344`) and joined by dots with the trailing dot,
// compared as ASCII ("com.example.www."), so '-' (before '.') sorts "a-b"
// before "a"; record sets of one name by type, then set identifier. Several
// hosted zones may have one name (public and private); they list together.
// Not confirmed without a live account: the order of zones of one name (the
// emulator uses their ids, which is what DNSName+HostedZoneId paging
// implies), the order of set identifiers within a name and type, and whether
// types sort by their names (assumed).
//
// It does not verify SigV4 signatures, regions or credentials (it only
// requires an Authorization header), keeps no state across servers, and does
// not implement health checks, traffic policies, DNSSEC, VPC associations of
// private zones, zone creation or deletion over the API, alias-target
// existence checks, or the per-zone record-set quota. Messages whose exact
// text is not known from real accounts are marked as such where they are
// produced.
package route53
