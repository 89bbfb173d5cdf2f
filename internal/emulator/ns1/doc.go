// Package ns1 is a local emulator of the parts of NS1's REST API (IBM NS1
// Connect, api.nsone.net/v1) that zonecast's ns1 driver uses, for tests:
//
//	GET    /v1/zones/{zone}                  the zone and its records, short answers
//	GET    /v1/zones/{zone}/{domain}/{type}  one record in full (answers, meta, filters, regions)
//	PUT    /v1/zones/{zone}/{domain}/{type}  create a record (400 "record already exists")
//	POST   /v1/zones/{zone}/{domain}/{type}  update a record (404 "record not found")
//	DELETE /v1/zones/{zone}/{domain}/{type}  delete a record (404 "record not found")
//
// An NS1 "record" is a whole RRset: one owner name and type, a TTL and a list
// of answers, each answer an array of rdata fields ("10", "mail.example.com")
// with optional meta. Names go without a final dot, in the URL and in the
// body. What it follows, and where from:
//
//   - the API key in X-NSONE-Key; a missing or unknown key is 401 with
//     {"message": "Unauthorized"} (ns1.com/api "Authentication"; the NS1
//     Go client's rest.Error carries only that message);
//   - errors are JSON {"message": "..."}; an unknown zone is 404 "zone not
//     found" (octodns-ns1's ZONE_NOT_FOUND_MESSAGE "server error: zone not
//     found", the Python client prefixing "server error: "), an unknown
//     record 404 "record not found", a PUT over an existing record 400
//     "record already exists" (ns1-go rest/record.go matches exactly these
//     messages);
//   - the zone listing gives each record's domain, type, ttl, tier, link and
//     short_answers (ns1-go rest/model/dns/zone.go ZoneRecord): the answers'
//     rdata fields joined by spaces, so they carry no answer meta, no filters
//     and no regions; reading those takes the record's own GET (octodns-ns1
//     populate: "geo information isn't returned from the main endpoint");
//   - tier is 1 for a plain record, 2 for one with record or answer meta, 3
//     for one with a filter chain (octodns-ns1 reads the full record when
//     tier > 1); a linked record ("link": "other.example.com") answers with
//     its target's answers;
//   - names in answers are stored without the final dot (octodns-ns1 adds it
//     back for ALIAS, CNAME, MX, NS, PTR, SRV on read); TXT answers hold one
//     text, unquoted and unescaped (octodns-ns1: "NS1 seems to be the only
//     provider that doesn't want things escaped"), served in strings of 255
//     octets however they were written (octodns/octodns#127: a long DKIM key
//     "no escaping, no breaking up, no quoting", dig showing the same as
//     Dyn's split record);
//   - a new zone gets NS1's four nameservers as an ordinary, editable apex NS
//     record (dnsN.p0X.nsone.net; ns1-js test fixtures), and its SOA lives in
//     the zone object (hostmaster, serial, refresh, retry, expiry, nx_ttl),
//     not as a record; every change to a record moves the serial;
//   - the zone listing is paged for large zones (octodns-ns1: "paginated at
//     around ~2.5k records", follow_pagination): here PageSize records a
//     page, the next page named by a Link header with rel="next";
//   - rate limits are token buckets per key and per kind of request (GETs
//     900 a 300 s period, writes "closer to 300 requests per 300 seconds":
//     help.ns1.com "About API rate limiting", ibm.com/docs/en/ns1-connect
//     "API rate limiting"), every answer saying X-RateLimit-Limit, -Remaining, -Period
//     and X-RateLimit-By: customer (ns1-js test fixtures); an empty bucket is
//     429 {"message": "rate limit exceeded"} without Retry-After;
//   - DNSSEC records (DNSKEY, RRSIG...) are NS1's: any write of them is 405
//     "Operation on DNSSEC record is not allowed" (DNSControl's NS1 driver).
//
// Guessed, because no document or client says and no live account checked
// it: the exact messages of the validation refusals (bad rdata, a domain
// outside the zone, an unsupported type: 400 with the messages here), the
// query and header form of the listing's pages, whether 429 ever carries
// Retry-After (Options.RetryAfter turns it on), the tier numbers of meta
// without filters, and the buckets' real sizes per route (the defaults are
// the documents' examples).
//
// It does not emulate: zone creation and deletion over the API, DNSSEC
// signing, data feeds, monitors and what filters do to answers (meta and
// filters are stored and returned as sent), ALIAS flattening, the DNS side.
// Tests drive it with Inject (faults: 429 with or without Retry-After, 5xx,
// latency, connection resets), fixtures (AddZone, AddRecord with meta,
// filters, regions or a link), Requests and Counts. All state is in memory
// and safe for concurrent use.
package ns1
