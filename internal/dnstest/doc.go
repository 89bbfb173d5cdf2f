// Package dnstest gives tests the real DNS software they run against: it
// finds the programs (BIND, Knot, PowerDNS, Unbound tools) and, as later
// tests need them, starts servers on loopback addresses and free ports.
//
// It also builds a signed lab (DNSSEC): SignZone signs a zone's text with
// fresh keys, so a test can run a signed root and TLD; StartUnboundWith
// with trust anchors runs a validating resolver, and Resolver.Ask returns
// its answers with the AD bit; Options.Sign makes BIND, Knot and PowerDNS
// sign the zones they serve with keys of their own (see
// docs/dnssec-signers.md for what each does as one of several signers).
//
// A missing program skips the test on a developer's machine and fails it
// when CI=true: CI must never pass by skipping what the README promises.
package dnstest
