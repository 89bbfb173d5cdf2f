// Package dnstest gives tests the real DNS software they run against: it
// finds the programs (BIND, Knot, PowerDNS, Unbound tools) and, as later
// tests need them, starts servers on loopback addresses and free ports.
//
// A missing program skips the test on a developer's machine and fails it
// when CI=true: CI must never pass by skipping what the README promises.
package dnstest
