// Package zones reads BIND zone files into a canonical model of RRsets and
// checks them.
//
// A zone file is parsed with miekg/dns's ZoneParser ($ORIGIN, $TTL, $INCLUDE
// confined to the zone file's folder, RFC 3597 generic syntax, every type
// miekg/dns knows), corrected where it reads differently from BIND 9.18:
// $GENERATE is expanded here (generate.go), a $TTL set in an $INCLUDE file
// stays in force after it (include.go), and TTLs and SVCB parameters BIND
// refuses are refused (ttl.go, svcb.go). An entry the ZoneParser refuses is
// read again as BIND 9.18 reads it (rescue.go) when BIND loads it: types
// miekg/dns lacks, kept as RFC 3597 generic data, and forms of known types
// it does not read; what the ZoneParser reads but BIND refuses is refused
// (bindcheck.go, bindchecks.go). Each record is reduced to its canonical
// form: an absolute lower-case owner name and canonical presentation rdata.
// Records are
// grouped into RRsets keyed by (owner, type); duplicates are collapsed and an
// RRset has a single TTL (the first one seen, as BIND does).
//
// Names are canonical on their wire form: every spelling of one name (a raw
// octet, its \DDD escape) is one key. Reading is bounded by [Limits] (bytes,
// records after $GENERATE, $INCLUDE nesting and count) and reads regular
// files only, the main file confined to its folder as $INCLUDE is.
//
// Every problem in a file is collected in one pass as a [Diagnostic] with a
// file:line:col position, a severity, a stable code and a hint. A zone with
// any error-severity diagnostic must not be pushed anywhere. Besides what BIND
// refuses, lints warn of data that loads but is most likely a mistake (two
// SPF policies at a name, SPF over 10 lookups, an unregistered CAA tag, the
// origin written twice, raw UTF-8 labels); [Options].IDN stores UTF-8 names
// as their A-labels instead.
//
// WriteSealed ends what Write writes with a seal, a comment holding the
// SHA-256 of the file, so that ReadSets (ReadSealed) reads a file zonecast
// wrote and nobody changed since without parsing its rdata again; any
// other file, or any edit of a sealed one, is parsed.
//
// The package does no network I/O and prints nothing; its output is
// deterministic. What it writes (Write, diagnostics) holds no raw control
// characters ([EscapeText]), and a diagnostic quotes nothing of a file that
// yielded no record, so a secret a zone file points at is never printed. It does not know about providers or plans.
package zones
