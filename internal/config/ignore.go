package config

import (
	"errors"
	"path"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// Ignore is a rule for records that zonecast neither changes nor deletes,
// such as ACME challenges another tool writes.
//
// Name is a pattern in path.Match syntax, lower-case, matched against the
// owner name relative to the zone's origin: "www" for www.example.com. in
// example.com., "@" for the apex itself. A pattern that ends in a dot is
// matched against the absolute owner name instead ("*.example.com.").
// Since owner names hold no '/', '*' matches any run of characters, dots
// included: "_acme-challenge.*" covers _acme-challenge.www and
// _acme-challenge.a.b, but not the apex's own _acme-challenge; write
// "_acme-challenge*" to cover all three.
//
// Type, when not empty, is an upper-case record type mnemonic (TXT, or
// TYPE65534 for a type without one); the rule then holds for that type
// only.
type Ignore struct {
	Name string
	Type string
}

// Matches reports whether the rule holds for the RRset of type rrtype at
// owner in the zone origin. Names are compared case-insensitively and may
// be written with or without the trailing dot. A relative pattern never
// matches an owner outside origin.
func (i Ignore) Matches(owner, origin string, rrtype uint16) bool {
	if i.Type != "" {
		if t, ok := typeCode(i.Type); !ok || t != rrtype {
			return false
		}
	}
	pattern := strings.ToLower(i.Name)
	name := strings.ToLower(dns.Fqdn(owner))
	if !strings.HasSuffix(pattern, ".") {
		var ok bool
		if name, ok = relative(name, strings.ToLower(dns.Fqdn(origin))); !ok {
			return false
		}
	}
	ok, err := path.Match(pattern, name)
	return err == nil && ok
}

// relative returns fqdn relative to origin, both absolute and lower-case:
// "@" for origin itself, false for a name outside it.
func relative(fqdn, origin string) (string, bool) {
	switch {
	case fqdn == origin:
		return "@", true
	case origin == ".":
		return strings.TrimSuffix(fqdn, "."), true
	case strings.HasSuffix(fqdn, "."+origin):
		return strings.TrimSuffix(fqdn, "."+origin), true
	}
	return "", false
}

// checkPattern reports a malformed pattern, which path.Match would only
// report when it got as far as the bad part.
func checkPattern(p string) error {
	if _, err := path.Match(p, ""); err != nil {
		return errors.New("malformed pattern: check its [ ] and \\ (see Go's path.Match)")
	}
	if strings.Contains(p, "/") {
		return errors.New("an owner name pattern holds no '/'")
	}
	return nil
}

// typeCode returns the type code of an upper-case mnemonic or TYPEnnn.
func typeCode(s string) (uint16, bool) {
	if t, ok := dns.StringToType[s]; ok {
		return t, true
	}
	if n, ok := strings.CutPrefix(s, "TYPE"); ok {
		if t, err := strconv.ParseUint(n, 10, 16); err == nil {
			return uint16(t), true
		}
	}
	return 0, false
}
