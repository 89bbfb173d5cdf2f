// Package dnssec makes zonecast a DNSSEC signer: it loads the zone owner's
// keys (BIND's K<zone>+<alg>+<id>.key/.private pairs) and signs a zone, for
// the providers that serve what they are given (RFC 2136 secondaries,
// zone-file targets), alone (signed-by-zonecast) or as one signer among
// independent ones (RFC 8901 model 2, multi-signer).
//
// Sign is pure: no I/O, no clock (the caller passes now), no output but the
// signed zone. Its output is in zonecast's canonical form, so the plan
// compares RRSIG, NSEC and DNSKEY sets like any other. Because ECDSA
// signatures differ at every signing (and every signature's inception and
// expiration move with the clock), Sign reuses a signature
// the provider already serves when it still covers exactly the same data
// and is far enough from expiry, so that a plan with no change in the zone
// shows no change in the signatures either.
//
// The package does not talk to providers, decide which providers are signed
// by zonecast (internal/config does), synchronise signers' keys or put DS
// records at the parent (the multi-signer steps of the engine do). NSEC3 is
// not implemented: the denial of existence is NSEC.
package dnssec
