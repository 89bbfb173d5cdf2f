// Package verify asks each provider's authoritative servers directly
// whether they serve the zone: every RRset the provider should hold, with
// the AA bit set, and the SOA serial the same on all of one provider's
// servers (Run). It also compares what the providers will answer after
// their quirks (Compare, for verify --compare), and the zone's delegation
// as the parent's servers serve it with the NS set and glue the zone wants
// (CheckParent, for zones whose parent zonecast does not manage).
//
// With Options.DNSSEC, Run also checks the signed answers of each server
// (Server.DNSSEC): the DNSKEY set, every RRset's signatures, and the NSEC
// or NSEC3 proofs for a name and an apex type that do not exist.
// CheckSigners then checks every provider of a zone against the union of
// their keys (RFC 8901 model 2: every DNSKEY set holds every signer's
// ZSKs), and CheckDS the parent's DS set against the providers' KSKs.
//
// It changes nothing and prints nothing; WriteJSON writes what it found.
// The delegation is walked from the root by internal/audit: this package
// only compares what that walk saw.
package verify
