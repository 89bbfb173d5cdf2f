package plan

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
	"time"
)

// Op is what a change does to an RRset.
type Op int

// The operations, in the order a plan lists them.
const (
	Create Op = iota
	Update
	Delete
)

func (o Op) String() string {
	switch o {
	case Create:
		return "create"
	case Update:
		return "update"
	default:
		return "delete"
	}
}

// MarshalText writes the operation's name.
func (o Op) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText reads an operation's name.
func (o *Op) UnmarshalText(b []byte) error {
	for _, op := range []Op{Create, Update, Delete} {
		if string(b) == op.String() {
			*o = op
			return nil
		}
	}
	return fmt.Errorf("unknown operation %q", b)
}

// Change is one RRset to create, update or delete. Before is what the
// provider serves (nil for Create), After what it will serve (nil for
// Delete).
type Change struct {
	Op     Op           `json:"op"`
	Before *zones.RRset `json:"before,omitempty"`
	After  *zones.RRset `json:"after,omitempty"`
}

// RRset returns the set the change is about: After, else Before.
func (c Change) RRset() *zones.RRset {
	if c.After != nil {
		return c.After
	}
	return c.Before
}

// Target is the plan for one zone at one provider.
type Target struct {
	Zone     string   `json:"zone"`
	Provider string   `json:"provider"`
	Changes  []Change `json:"changes"`
	// Notes say what was fitted to the provider or left out, naming the
	// provider and the record.
	Notes []string `json:"notes,omitempty"`
	// Current is how many RRsets the provider serves that zonecast manages.
	Current int `json:"current_rrsets"`
	// Missing: the provider does not serve the zone at all yet.
	Missing bool `json:"zone_missing,omitempty"`
	// Fingerprint is a hash of everything the provider served when
	// planned, so that a later apply can tell whether it has changed; for
	// a target not read (Unchanged), "marker:" and the provider's change
	// marker.
	Fingerprint string `json:"fingerprint"`
	// Unchanged, when set, says the provider was not read: its change
	// marker is the one it had when zonecast last found it in sync with
	// the same desired zone, so it has nothing to change (the engine's
	// marker cache, see providers.Marker). The target then has no changes.
	Unchanged string `json:"unchanged,omitempty"`
	// Refused is the safety verdict: set when applying this target would
	// change more than the limit allows (see Safety); apply refuses it
	// unless forced, and every rendering shows it.
	Refused *UnsafeError `json:"refused,omitempty"`
	// apexSets counts the current RRsets that are the apex SOA and NS.
	apexSets int
	// Err is why the provider could not be read; the target then has no
	// changes.
	Err error `json:"-"`
}

// Input is what Compute needs for one zone × provider.
type Input struct {
	Desired  *zones.Zone
	Provider string
	Caps     providers.Capabilities
	// Current is what the provider serves; nil with Missing when it does not
	// serve the zone.
	Current []zones.RRset
	Missing bool
	// Ignored reports records zonecast must neither change nor delete.
	Ignored func(name string, t uint16) bool
	// MaxChangePercent is the safety limit (safety.max_change_percent);
	// zero means the default, 30.
	MaxChangePercent int
	// Signed: the desired zone is signed for this provider (zonecast signs
	// it, the provider serves what it is given), so its DNSSEC RRsets
	// (DNSKEY, RRSIG, NSEC, CDS…) are planned like any other. Otherwise
	// they are left alone. They never count toward the safety limit: a key
	// rollover or a renewal of signatures changes many of them at once.
	Signed bool
}

// DefaultMaxChangePercent is the safety limit when none is configured.
const DefaultMaxChangePercent = 30

// Compute plans one zone at one provider. Changes come in canonical DNS
// order of their RRsets; the result is deterministic. in.Current holds each
// RRset once (a provider's Records); should a key come twice, the last
// counts, as before.
//
// The fingerprint of in.Current is computed on a second goroutine while the
// diff runs; Compute returns once both are done.
func Compute(in Input) Target {
	t := Target{Zone: in.Desired.Origin, Provider: in.Provider, Missing: in.Missing, Changes: []Change{}}
	fingerprint := make(chan string, 1)
	go func() { fingerprint <- Fingerprint(in.Current) }()
	origin := in.Desired.Origin

	// keep says whether zonecast manages the sets of a key at all. It
	// reads the key alone, which a map holds inline: no set is touched.
	keep := func(k zones.Key) bool {
		switch {
		case zones.IsDNSSEC(k.Type) && !in.Signed:
			return false
		case k.Type == dns.TypeSOA && in.Caps.OwnsSOA:
			return false
		case k.Type == dns.TypeNS && k.Name == origin && in.Caps.OwnsApexNS:
			return false
		case in.Ignored != nil && in.Ignored(k.Name, k.Type):
			return false
		}
		return true
	}
	// want is the set the provider should serve for the zone file's set s,
	// fitted to its TTL limits, or nil when none is planned for it; the
	// desired zone is never changed, and a set is copied only when fitted.
	want := func(s *zones.RRset) *zones.RRset {
		if !keep(s.Key()) || !in.Caps.Supports(s.Type) {
			return nil
		}
		if in.Caps.TXTJoined && (s.Type == dns.TypeTXT || s.Type == dns.TypeSPF) {
			if data := joinedTXT(s.Data); !slices.Equal(data, s.Data) {
				fit := *s
				fit.Data = data
				s = &fit
			}
		}
		switch {
		case in.Caps.MinTTL > 0 && s.TTL < in.Caps.MinTTL:
			fit := *s
			fit.TTL = in.Caps.MinTTL
			return &fit
		case in.Caps.MaxTTL > 0 && s.TTL > in.Caps.MaxTTL:
			fit := *s
			fit.TTL = in.Caps.MaxTTL
			return &fit
		}
		return s
	}

	// What the provider serves. In canonical order (as a zone file
	// provider reads it), each key comes once and each set is looked up
	// in the zone file's; otherwise they go into a map first, the last of
	// a key that comes twice counting. Sets the provider protects are
	// never changed nor deleted, and nothing is planned over them.
	unique := zones.InOrder(in.Current)
	var current map[zones.Key]*zones.RRset
	if !unique {
		current = make(map[zones.Key]*zones.RRset, len(in.Current))
	}
	var protected map[zones.Key]bool
	var protectedNotes []string
	matched := 0 // sets served and in the zone file, once each
	for i := range in.Current {
		s := &in.Current[i]
		k := s.Key()
		if s.Protected != "" {
			protectedNotes = append(protectedNotes, fmt.Sprintf("%s %s at %s is %s: left alone", s.Name, s.TypeString(), in.Provider, s.Protected))
			if protected == nil {
				protected = map[zones.Key]bool{}
			}
			protected[k] = true
			continue
		}
		if !keep(k) {
			continue
		}
		var w *zones.RRset
		if d := in.Desired.Sets[k]; d != nil && !protected[k] {
			w = want(d)
		}
		if in.Caps.AutoTTL && s.TTL == 1 && w != nil {
			// Automatic TTL: it matches what the zone file says.
			auto := *s
			auto.TTL = w.TTL
			s = &auto
		}
		if !zones.IsDNSSEC(k.Type) {
			t.Current++
		}
		if isApex(s.Name, s.Type, origin) {
			t.apexSets++
		}
		switch {
		case !unique:
			current[k] = s
		case w == nil:
			t.Changes = append(t.Changes, Change{Op: Delete, Before: s})
		case !same(s, w, in.Signed):
			matched++
			t.Changes = append(t.Changes, Change{Op: Update, Before: s, After: w})
		default:
			matched++
		}
	}

	skippedTypes := map[uint16]int{}
	ignored, records, wanted := 0, 0, 0
	// Desired.Sets is a map: the notes about fitting are gathered with
	// their sets and put in canonical order below, so that the plan (and
	// its golden files) does not depend on map iteration.
	type fitNote struct {
		set  *zones.RRset
		text string
	}
	var fitNotes, txtNotes []fitNote
	// The notes and counts below need a set's content only when the
	// provider has TTL, record or TXT limits: otherwise the loop reads the
	// keys alone, and (in canonical order) touches no set.
	fits := in.Caps.MinTTL > 0 || in.Caps.MaxTTL > 0 || in.Caps.TXTJoined
	txtLimited := in.Caps.MaxTXTRecord > 0 || in.Caps.MaxTXTName > 0
	for k, s := range in.Desired.Sets {
		switch {
		case zones.IsDNSSEC(k.Type) && !in.Signed:
			skippedTypes[k.Type]++
			continue
		case in.Ignored != nil && in.Ignored(k.Name, k.Type):
			ignored++
			continue
		case !keep(k):
			continue
		case !in.Caps.Supports(k.Type):
			fitNotes = append(fitNotes, fitNote{s, fmt.Sprintf("%s cannot hold %s records: %s %s is not replicated there", in.Provider, s.TypeString(), s.Name, s.TypeString())})
			continue
		}
		// Notes and counts are of the zone file's sets, planned or not.
		w := s
		if fits {
			w = want(s)
			switch {
			case w.TTL > s.TTL:
				fitNotes = append(fitNotes, fitNote{s, fmt.Sprintf("%s %s: TTL %d raised to %s's minimum %d", s.Name, s.TypeString(), s.TTL, in.Provider, in.Caps.MinTTL)})
			case w.TTL < s.TTL:
				fitNotes = append(fitNotes, fitNote{s, fmt.Sprintf("%s %s: TTL %d lowered to %s's maximum %d", s.Name, s.TypeString(), s.TTL, in.Provider, in.Caps.MaxTTL)})
			}
			if w != s && !slices.Equal(w.Data, s.Data) {
				fitNotes = append(fitNotes, fitNote{s, fmt.Sprintf("%s %s: strings joined and cut at 255 octets, as %s holds one text a record", s.Name, s.TypeString(), in.Provider)})
			}
		}
		if in.Caps.MaxRecords > 0 {
			records += len(w.Data)
		}
		if txtLimited && k.Type == dns.TypeTXT {
			if note := txtLimit(w, in.Provider, in.Caps); note != "" {
				txtNotes = append(txtNotes, fitNote{w, note})
			}
		}
		if protected[k] {
			continue
		}
		wanted++
		if unique {
			continue
		}
		have, ok := current[k]
		switch {
		case !ok:
			t.Changes = append(t.Changes, Change{Op: Create, After: w})
		case !same(have, w, in.Signed):
			matched++
			t.Changes = append(t.Changes, Change{Op: Update, Before: have, After: w})
		default:
			matched++
		}
	}
	switch {
	case unique && matched < wanted:
		// Some of the zone file is not served yet.
		served := make(map[zones.Key]bool, len(in.Current))
		for i := range in.Current {
			served[in.Current[i].Key()] = true
		}
		for k, s := range in.Desired.Sets {
			if !served[k] {
				if w := want(s); w != nil {
					t.Changes = append(t.Changes, Change{Op: Create, After: w})
				}
			}
		}
	case !unique && matched < len(current):
		// Some of what the provider serves is not in the zone file.
		for k, have := range current {
			if d := in.Desired.Sets[k]; d == nil || protected[k] || want(d) == nil {
				t.Changes = append(t.Changes, Change{Op: Delete, Before: have})
			}
		}
	}
	byOrder := func(a, b fitNote) int {
		return cmp.Or(strings.Compare(zones.OrderKey(a.set.Name), zones.OrderKey(b.set.Name)),
			cmp.Compare(a.set.Type, b.set.Type), cmp.Compare(a.set.Covers, b.set.Covers))
	}
	slices.SortFunc(fitNotes, byOrder)
	slices.SortFunc(txtNotes, byOrder)
	for _, n := range fitNotes {
		t.Notes = append(t.Notes, n.text)
	}
	for _, n := range txtNotes {
		t.Notes = append(t.Notes, n.text)
	}
	if in.Caps.MaxRecords > 0 && records > in.Caps.MaxRecords {
		t.Notes = append(t.Notes, fmt.Sprintf("the zone has %d records, over the %d a zone may hold at %s (its record quota as configured: plan:, max_records:): unless the zone's real quota is larger, the apply there is refused with nothing written; move to a plan with a larger quota, or leave records out (ignore rules)",
			records, in.Caps.MaxRecords, in.Provider))
	}
	for _, typ := range slices.Sorted(maps.Keys(skippedTypes)) {
		t.Notes = append(t.Notes, fmt.Sprintf("%d %s RRsets kept in the file, not replicated: providers sign for themselves", skippedTypes[typ], zones.TypeString(typ)))
	}
	if ignored > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("%d RRsets of the zone file match ignore rules and are left alone", ignored))
	}
	t.Notes = append(t.Notes, protectedNotes...)
	Sort(t.Changes)
	t.Notes = append(t.Notes, proxyNotes(t.Changes, in.Provider)...)
	t.Notes = append(t.Notes, refusedNotes(t.Changes, in.Provider)...)
	limit := in.MaxChangePercent
	if limit == 0 {
		limit = DefaultMaxChangePercent
	}
	t.Fingerprint = <-fingerprint
	var unsafe *UnsafeError
	if errors.As(t.Safety(limit), &unsafe) {
		t.Refused = unsafe
	}
	return t
}

// same compares two RRsets as a provider serves them: an SOA's serial is
// the provider's to bump, so it is left out.
// proxyNotes say what the changes do to RRsets the provider proxies
// (zones.RRset.Proxied): records added to a proxied set are proxied too,
// records changed in place keep their status, and a proxied set replaced by
// another type at its name leaves the new one DNS-only, the origin's address
// in plain sight.
func proxyNotes(changes []Change, provider string) []string {
	var notes []string
	created := map[string][]string{}
	for _, c := range changes {
		if c.Op == Create {
			created[c.After.Name] = append(created[c.After.Name], c.After.TypeString())
		}
	}
	for _, c := range changes {
		if c.Before == nil || c.Before.Proxied == 0 {
			continue
		}
		b := c.Before
		switch c.Op {
		case Update:
			if added := len(c.After.Data) - len(b.Data); added > 0 {
				notes = append(notes, fmt.Sprintf("%s %s at %s is proxied (%d of %d records): the %d %s this change adds %s proxied too; turn the proxy off there if %s must not be",
					b.Name, b.TypeString(), provider, b.Proxied, len(b.Data), added, plural(added, "record", "records"), plural(added, "is", "are"), plural(added, "it", "they")))
			} else {
				notes = append(notes, fmt.Sprintf("%s %s at %s is proxied (%d of %d records): the records changed keep their proxy status, comment and tags",
					b.Name, b.TypeString(), provider, b.Proxied, len(b.Data)))
			}
		case Delete:
			if types := created[b.Name]; len(types) > 0 {
				notes = append(notes, fmt.Sprintf("%s %s at %s is proxied and is deleted; the %s created at that name is not proxied: it serves the origin's own data unless the proxy is turned on for it there",
					b.Name, b.TypeString(), provider, strings.Join(types, ", ")))
			} else {
				notes = append(notes, fmt.Sprintf("%s %s at %s is proxied and is deleted", b.Name, b.TypeString(), provider))
			}
		}
	}
	return notes
}

// refusedNotes say, before any API call, which changes the provider will
// refuse as it told the read (zones.RRset.Required and Refuse), and what to
// write instead.
func refusedNotes(changes []Change, provider string) []string {
	var notes []string
	for _, c := range changes {
		b := c.Before
		if b == nil || c.Op == Create {
			continue
		}
		if b.Refuse != "" {
			notes = append(notes, fmt.Sprintf("%s %s at %s: this change will be refused there with nothing written: %s", b.Name, b.TypeString(), provider, b.Refuse))
		}
		if len(b.Required) == 0 {
			continue
		}
		if c.Op == Delete {
			notes = append(notes, fmt.Sprintf("%s %s at %s: the deletion will be refused there: %s always serves %s; list them in the zone file",
				b.Name, b.TypeString(), provider, provider, strings.Join(b.Required, ", ")))
			continue
		}
		var missing []string
		for _, r := range b.Required {
			if !slices.ContainsFunc(c.After.Data, func(d string) bool { return strings.EqualFold(zones.CanonicalName(d), zones.CanonicalName(r)) }) {
				missing = append(missing, r)
			}
		}
		if len(missing) > 0 {
			notes = append(notes, fmt.Sprintf("%s %s at %s: this change will be refused there with nothing written: the set must keep %s, which %s serves whatever the records say; add %s to the zone file",
				b.Name, b.TypeString(), provider, strings.Join(b.Required, ", "), provider, strings.Join(missing, ", ")))
		}
	}
	return notes
}

// In a zone zonecast signs (signed), the serial counts: the SOA's
// signature covers it.
// joinedTXT returns TXT rdata as a provider that holds one text a record
// serves it: each record's strings joined, then cut at 255 octets; sorted,
// without duplicates. Rdata it cannot read is kept as it is.
func joinedTXT(data []string) []string {
	out := make([]string, 0, len(data))
	for _, d := range data {
		text, err := providers.TXTText(d)
		if err != nil {
			out = append(out, d)
			continue
		}
		out = append(out, providers.TXTData(text))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func same(a, b *zones.RRset, signed bool) bool {
	if a.Type != dns.TypeSOA || signed {
		return a.Equal(b)
	}
	return a.TTL == b.TTL && slices.Equal(soaSansSerial(a.Data), soaSansSerial(b.Data))
}

func soaSansSerial(data []string) []string {
	out := make([]string, len(data))
	for i, d := range data {
		f := strings.Fields(d)
		if len(f) == 7 {
			f[2] = "-"
		}
		out[i] = strings.Join(f, " ")
	}
	return out
}

// Sort orders changes by their RRsets in canonical DNS order, then type
// (SOA first).
func Sort(cs []Change) {
	type keyed struct {
		key string
		c   Change
	}
	ks := make([]keyed, len(cs))
	for i, c := range cs {
		ks[i] = keyed{zones.OrderKey(c.RRset().Name), c}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		ra, rb := a.c.RRset(), b.c.RRset()
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		if (ra.Type == dns.TypeSOA) != (rb.Type == dns.TypeSOA) {
			if ra.Type == dns.TypeSOA {
				return -1
			}
			return 1
		}
		if ra.Type != rb.Type {
			return int(ra.Type) - int(rb.Type)
		}
		return int(ra.Covers) - int(rb.Covers)
	})
	for i, k := range ks {
		cs[i] = k.c
	}
}

// Fingerprint hashes RRsets in canonical form, whatever their order: the
// SHA-256 of each set, added up modulo 2^256 (a multiset hash, so that no
// sort is needed), then hashed with the number of sets.
func Fingerprint(sets []zones.RRset) string {
	var sum [4]uint64
	h := sha256.New()
	buf := make([]byte, 0, 512)
	var digest [sha256.Size]byte
	for i := range sets {
		s := &sets[i]
		buf = append(buf[:0], s.Name...)
		buf = append(buf, 0)
		buf = binary.BigEndian.AppendUint16(buf, s.Type)
		buf = binary.BigEndian.AppendUint16(buf, s.Covers)
		buf = binary.BigEndian.AppendUint32(buf, s.TTL)
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(s.Data)))
		for _, d := range s.Data {
			buf = binary.BigEndian.AppendUint32(buf, uint32(len(d)))
			buf = append(buf, d...)
		}
		h.Reset()
		h.Write(buf)
		h.Sum(digest[:0])
		var carry uint64
		for w := 3; w >= 0; w-- {
			sum[w], carry = bits.Add64(sum[w], binary.BigEndian.Uint64(digest[8*w:]), carry)
		}
	}
	h.Reset()
	for _, w := range sum {
		h.Write(binary.BigEndian.AppendUint64(nil, w))
	}
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(sets))))
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Counts returns how many changes of each operation t holds.
func (t *Target) Counts() (create, update, del int) {
	return t.count(func(Change) bool { return true })
}

// count is Counts of the changes keep says to count.
func (t *Target) count(keep func(Change) bool) (create, update, del int) {
	for _, c := range t.Changes {
		if !keep(c) {
			continue
		}
		switch c.Op {
		case Create:
			create++
		case Update:
			update++
		case Delete:
			del++
		}
	}
	return
}

// Plan is the plan for every zone × provider of a run.
type Plan struct {
	Targets []*Target
	// Pending is work earlier runs could not finish (a reload, a parent
	// delegation): the next apply or sync cycle does it.
	Pending []Pending
	// Notes say what the run learnt on the way that changes the plan: the
	// failover state another machine recorded in the zone.
	Notes []string
	// Waits are the steps of a zone's DNSSEC signers that wait for a TTL
	// to pass (a signer joining or leaving, see internal/multisigner):
	// nothing sleeps; a later apply or sync cycle takes them up once the
	// time has come.
	Waits []Wait
}

// Wait is one DNSSEC step waiting until a time.
type Wait struct {
	Zone   string    `json:"zone"`
	Signer string    `json:"signer"`
	Until  time.Time `json:"until"`
	Why    string    `json:"why"`
}

func (w Wait) String() string {
	return fmt.Sprintf("%s: %s waits until %s: %s", w.Zone, w.Signer, w.Until.UTC().Format(time.RFC3339), w.Why)
}

// Refusals returns the safety verdicts of the targets apply would refuse.
func (p *Plan) Refusals() []*UnsafeError {
	var out []*UnsafeError
	for _, t := range p.Targets {
		if t.Refused != nil {
			out = append(out, t.Refused)
		}
	}
	return out
}

// Changes returns the number of changes over all targets.
func (p *Plan) Changes() int {
	n := 0
	for _, t := range p.Targets {
		n += len(t.Changes)
	}
	return n
}

// Failed returns the targets whose provider could not be read.
func (p *Plan) Failed() []*Target {
	var out []*Target
	for _, t := range p.Targets {
		if t.Err != nil {
			out = append(out, t)
		}
	}
	return out
}

// txtLimit says, when the TXT RRset s is over the provider's TXT limits,
// that the apply there will be refused, and what to do; "" when it is not.
func txtLimit(s *zones.RRset, provider string, caps providers.Capabilities) string {
	if caps.MaxTXTRecord == 0 && caps.MaxTXTName == 0 {
		return ""
	}
	total, longest := 0, 0
	for _, d := range s.Data {
		n := utf8.RuneCountInString(d)
		total += n
		longest = max(longest, n)
	}
	switch {
	case caps.MaxTXTRecord > 0 && longest > caps.MaxTXTRecord:
		return fmt.Sprintf("%s TXT has a record of %d characters, over the %d %s takes: the apply there is refused with nothing written; split it into several records",
			s.Name, longest, caps.MaxTXTRecord, provider)
	case caps.MaxTXTName > 0 && total > caps.MaxTXTName:
		return fmt.Sprintf("%s TXT holds %d characters in all, over the %d %s takes for one name: the apply there is refused with nothing written; move some to another name",
			s.Name, total, caps.MaxTXTName, provider)
	}
	return ""
}
