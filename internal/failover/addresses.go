package failover

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/internal/resolve"
	"github.com/zonecast/zonecast/zones"
)

// The last-known addresses are shared through the zone too, beside the
// failover state: every provider of a zone serves a TXT RRset at
// AddressesName(origin) with the addresses zonecast last resolved for the
// host names it needs to reach or check that zone's providers (their
// servers, their nameservers given by name), each with the time the name
// took those addresses. A machine that never resolved them (a fresh CI
// runner, a colleague's checkout) learns them with its first read of the
// zone, so that `failover drop` works there when the names no longer
// resolve. One record per name, one character-string each:
//
//	"zonecast-addresses=1 NAME SINCE ADDR ..."
//
// SINCE is RFC 3339, the time the name took these addresses: it changes
// only when they do, so the record is not rewritten by every run. Records
// from two machines merge name by name, the newer change winning
// (resolve.Resolver.Learn): nothing is undone by a machine that knows less.

// AddressesLabel is the owner label of the addresses record, below the
// apex.
const AddressesLabel = plan.AddressesLabel

const addressesPrefix = "zonecast-addresses=1"

// AddressesName returns the owner of the addresses record of origin.
func AddressesName(origin string) string { return AddressesLabel + "." + origin }

// IsAddressesName reports whether name is the addresses record's owner in
// origin.
func IsAddressesName(name, origin string) bool { return name == AddressesName(origin) }

// AddressesRecord returns the addresses record of origin for the host
// names given, from known; nil when known holds none of them. A record
// is at most 255 octets: addresses that do not fit are left out.
func AddressesRecord(origin string, names []string, known resolve.Known) *zones.RRset {
	set := &zones.RRset{Name: AddressesName(origin), Type: dns.TypeTXT, TTL: stateTTL}
	for _, name := range names {
		e, ok := known[name]
		if !ok || len(e.Addrs) == 0 {
			continue
		}
		since := e.Since
		if since.IsZero() {
			since = e.At
		}
		s := fmt.Sprintf("%s %s %s", addressesPrefix, name, since.UTC().Format(time.RFC3339))
		n := 0
		for _, a := range e.Addrs {
			if len(s)+1+len(a) > 255 {
				break
			}
			s += " " + a
			n++
		}
		if n > 0 {
			set.Data = append(set.Data, `"`+s+`"`)
		}
	}
	if len(set.Data) == 0 {
		return nil
	}
	slices.Sort(set.Data)
	set.Data = slices.Compact(set.Data)
	return set
}

// ParseAddresses reads an addresses record as a provider serves it. A
// record that is not well formed is left out (and counted in bad): one
// provider's damaged copy must not stop a drop.
func ParseAddresses(set *zones.RRset) (known resolve.Known, bad int) {
	known = resolve.Known{}
	if set == nil || set.Type != dns.TypeTXT {
		return known, 0
	}
	for _, data := range set.Data {
		rr, err := dns.NewRR(set.Name + " 300 IN TXT " + data)
		if err != nil {
			bad++
			continue
		}
		// A provider that joins a record's strings (NS1) serves them as
		// one: the record is one string anyway.
		f := strings.Fields(strings.Join(rr.(*dns.TXT).Txt, ""))
		if len(f) < 4 || f[0] != addressesPrefix {
			bad++
			continue
		}
		since, err := time.Parse(time.RFC3339, f[2])
		name := strings.ToLower(strings.TrimSuffix(f[1], "."))
		if err != nil || name == "" || !validHost(name) {
			bad++
			continue
		}
		var addrs []string
		for _, a := range f[3:] {
			if ip := net.ParseIP(a); ip != nil {
				addrs = append(addrs, ip.String())
			}
		}
		if len(addrs) == 0 {
			bad++
			continue
		}
		slices.Sort(addrs)
		if old, ok := known[name]; ok && !old.Since.Before(since) {
			continue
		}
		known[name] = resolve.Entry{Addrs: slices.Compact(addrs), At: since.UTC(), Since: since.UTC()}
	}
	return known, bad
}

// validHost reports whether name is a host name zonecast could have
// resolved.
func validHost(name string) bool {
	_, ok := dns.IsDomainName(name)
	return ok && net.ParseIP(name) == nil
}
