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
// AddZone and AddRRSet, inspect it with RRSets, inject throttling, latency
// and connection resets with Inject, read a log of requests with Requests,
// and make GetChange report PENDING with SetPending.
//
// It does not verify SigV4 signatures, regions or credentials (it only
// requires an Authorization header), keeps no state across servers, and does
// not implement health checks, traffic policies, DNSSEC, private zones, zone
// creation or deletion over the API, alias-target existence checks, or the
// per-zone record-set quota. Messages whose exact text is not known from
// real accounts are marked as such where they are produced.
package route53
