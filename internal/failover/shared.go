package failover

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/zones"
)

// The failover state is shared through the zone itself: every provider in
// service for a zone serves a TXT record at StateName(origin) that says
// which providers are out of service for it, with a serial. Whoever runs
// zonecast with the zone's configuration (a CI runner, a colleague's
// checkout, a second sync replica) reads it with the zone and takes the
// newest record it sees, so a drop holds everywhere without a file copied
// by hand, and survives the loss of the machine that ran it and of any one
// provider (every provider left in service holds it). The local state file
// is a cache of it and keeps the work pending on this machine.
//
// The record's character-strings:
//
//	"zonecast-failover=1" "serial=N" "out=PROVIDER;SINCE;REASON" ...
//
// N is the time of the change in nanoseconds since 1970, made larger than
// the last serial seen, so the newest change wins (the clocks of machines
// that sign TSIG agree within 300 s anyway); SINCE is RFC 3339; REASON is
// free text, cut to 200 octets.

// StateLabel is the owner label of the state record, below the apex.
const StateLabel = "_zonecast-state"

// stateTTL is the state record's TTL: it is read by zonecast through the
// providers' APIs, not by resolvers.
const stateTTL = 300

// StateName returns the owner of the state record of the zone origin.
func StateName(origin string) string { return StateLabel + "." + origin }

// IsStateName reports whether name is the state record's owner in origin.
func IsStateName(name, origin string) bool { return name == StateName(origin) }

// Shared is what one state record says.
type Shared struct {
	Serial int64
	Out    map[string]Drop // provider → since and reason (Zones unset)
}

// Record returns the state record of origin, or nil when the state has
// never changed for it (no drop or restore was ever recorded).
func (s *State) Record(origin string) *zones.RRset {
	serial, ok := s.Serials[origin]
	if !ok {
		return nil
	}
	parts := []string{txtString("zonecast-failover=1"), txtString("serial=" + strconv.FormatInt(serial, 10))}
	var names []string
	for name, d := range s.Dropped {
		if slices.Contains(d.Zones, origin) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		d := s.Dropped[name]
		reason := d.Reason
		if len(reason) > 200 {
			reason = reason[:200]
		}
		parts = append(parts, txtString(fmt.Sprintf("out=%s;%s;%s", name, d.Since.UTC().Format(time.RFC3339), reason)))
	}
	return &zones.RRset{Name: StateName(origin), Type: dns.TypeTXT, TTL: stateTTL, Data: []string{strings.Join(parts, " ")}}
}

// txtString quotes s as a TXT character-string in presentation form.
func txtString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ParseRecord reads a state record as a provider serves it.
func ParseRecord(set *zones.RRset) (Shared, error) {
	sh := Shared{Out: map[string]Drop{}}
	if set == nil || set.Type != dns.TypeTXT || len(set.Data) != 1 {
		return sh, fmt.Errorf("want one TXT record")
	}
	rr, err := dns.NewRR(set.Name + " 300 IN TXT " + set.Data[0])
	if err != nil {
		return sh, err
	}
	txt := rr.(*dns.TXT).Txt
	if len(txt) < 2 || txt[0] != "zonecast-failover=1" {
		return sh, fmt.Errorf("not a zonecast-failover=1 record")
	}
	for _, t := range txt[1:] {
		k, v, _ := strings.Cut(unescape(t), "=")
		switch k {
		case "serial":
			if sh.Serial, err = strconv.ParseInt(v, 10, 64); err != nil || sh.Serial <= 0 {
				return sh, fmt.Errorf("bad serial %q", v)
			}
		case "out":
			name, rest, _ := strings.Cut(v, ";")
			since, reason, _ := strings.Cut(rest, ";")
			at, err := time.Parse(time.RFC3339, since)
			if name == "" || err != nil {
				return sh, fmt.Errorf("bad out entry %q", v)
			}
			sh.Out[name] = Drop{Since: at, Reason: reason}
		}
	}
	if sh.Serial == 0 {
		return sh, fmt.Errorf("no serial")
	}
	return sh, nil
}

// unescape resolves the \X and \DDD escapes miekg/dns keeps in TXT
// strings.
func unescape(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
				n, _ := strconv.Atoi(s[i+1 : i+4])
				b.WriteByte(byte(n))
				i += 3
				continue
			}
			i++
			c = s[i]
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Adopt makes the state of origin what sh says, when sh is newer than what
// s holds for it; it reports whether s changed. Only the providers of the
// zone (providers) are touched.
func (s *State) Adopt(origin string, providers []string, sh Shared) bool {
	if sh.Serial <= s.Serials[origin] {
		return false
	}
	for _, name := range providers {
		if d, out := sh.Out[name]; out {
			s.DropFor(name, origin, d.Reason, d.Since)
		} else {
			s.RestoreFor(name, origin)
		}
	}
	if s.Serials == nil {
		s.Serials = map[string]int64{}
	}
	s.Serials[origin] = sh.Serial
	return true
}

// bump gives origin a new serial, later than any seen.
func (s *State) bump(origin string, now time.Time) {
	if s.Serials == nil {
		s.Serials = map[string]int64{}
	}
	s.Serials[origin] = max(now.UnixNano(), s.Serials[origin]+1)
}

// WithState returns z with the state record of its origin added (z itself
// when there is none to add).
func (s *State) WithState(z *zones.Zone) *zones.Zone {
	rec := s.Record(z.Origin)
	if rec == nil {
		return z
	}
	c := *z
	c.Sets = make(map[zones.Key]*zones.RRset, len(z.Sets)+1)
	for k, v := range z.Sets {
		c.Sets[k] = v
	}
	c.Sets[rec.Key()] = rec
	return &c
}
