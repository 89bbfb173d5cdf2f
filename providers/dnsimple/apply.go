package dnsimple

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

type opKind int

const (
	opCreate opKind = iota
	opPatch
	opDelete
)

// op is one record write.
type op struct {
	kind   opKind
	change int // index in Apply's changes
	key    zones.Key
	id     int64 // the record patched or deleted
	rdata  string
	ttl    uint32
	attrs  writeAttrs
	// early: a deletion at a name where a CNAME comes or goes, sent
	// before any create or update.
	early bool
}

// Apply implements providers.Provider. Each RRset change becomes the
// fewest record writes (kept records untouched, changed values patched in
// place), ordered so that no name loses all its records half-way: first
// the deletions at names where a CNAME comes or goes (DNSimple refuses a
// CNAME beside other data), then every create and update, then the other
// deletions. Before the first write it checks that the hour's remaining
// request budget covers them all (*BudgetError otherwise). It returns how
// many changes are completely applied.
func (p *Provider) Apply(ctx context.Context, origin string, changes []providers.Change) (int, error) {
	if len(changes) == 0 {
		return 0, nil
	}
	origin = zones.CanonicalName(origin)
	for _, c := range changes {
		if c.Set.Type == dns.TypeSOA || c.Set.Type == dns.TypeNS && zones.CanonicalName(c.Set.Name) == origin {
			return 0, fmt.Errorf("%s: the SOA and apex NS are DNSimple's system records, which it does not let anyone change", c)
		}
	}
	p.mu.Lock()
	cache := p.cache[origin]
	p.mu.Unlock()
	if cache == nil {
		if _, err := p.Records(ctx, origin); err != nil {
			return 0, fmt.Errorf("apply to %s at %s: %w", origin, p.name, err)
		}
	}
	acct, err := p.accountID(ctx)
	if err != nil {
		return 0, err
	}
	ops, left := p.plan(origin, changes, p.batch)
	writes := len(ops)
	var batches [][]op
	if p.batch {
		batches = chunk(ops)
		writes = len(batches)
	}
	// The engine reads the zone back after an apply to check it
	// converged: its pages are part of the bill.
	p.mu.Lock()
	after := p.total[origin]
	p.mu.Unlock()
	for _, o := range ops {
		switch o.kind {
		case opCreate:
			after++
		case opDelete:
			after--
		}
	}
	if err := p.checkBudget(ctx, origin, len(changes), writes, after/100+1); err != nil {
		return 0, err
	}
	done := 0
	for i := range changes {
		if left[i] == 0 {
			done++
		}
	}
	finish := func(o op) {
		if left[o.change]--; left[o.change] == 0 {
			done++
			providers.ReportApplied(ctx, done)
		}
	}
	fail := func(err error, writes int) (int, error) {
		return done, fmt.Errorf("apply to %s at %s: %w (%d of %d changes applied, %d of %d record writes done)", origin, p.name, err, done, len(changes), writes, len(ops))
	}
	path := zonePath(acct, origin)
	if p.batch {
		writes := 0
		for _, b := range batches {
			if err := p.sendBatch(ctx, origin, path, b); err != nil {
				return fail(err, writes)
			}
			for _, o := range b {
				finish(o)
			}
			writes += len(b)
		}
		return done, nil
	}
	for i, o := range ops {
		if err := p.write(ctx, origin, path, o); err != nil {
			return fail(err, i)
		}
		finish(o)
	}
	return done, nil
}

// plan turns changes into record writes in the order they must go out,
// and counts the writes of each change. together keeps each change's
// deletions next to its other writes (for batches, each atomic) instead
// of after every create and update.
func (p *Provider) plan(origin string, changes []providers.Change, together bool) ([]op, []int) {
	p.mu.Lock()
	cache := p.cache[origin]
	p.mu.Unlock()
	cnameAt := map[string]bool{}
	for _, c := range changes {
		if c.Set.Type == dns.TypeCNAME {
			cnameAt[zones.CanonicalName(c.Set.Name)] = true
		}
	}
	var first, middle, last []op
	left := make([]int, len(changes))
	for i, c := range changes {
		k := zones.Key{Name: zones.CanonicalName(c.Set.Name), Type: c.Set.Type}
		have := cache[k]
		var dels []op
		if c.Delete {
			for _, r := range have {
				dels = append(dels, op{kind: opDelete, change: i, key: k, id: r.id, rdata: r.rdata})
			}
		} else {
			want := slices.Clone(c.Set.Data)
			var surplus []record
			for _, r := range have {
				j := slices.Index(want, r.rdata)
				if j < 0 {
					surplus = append(surplus, r)
					continue
				}
				want = slices.Delete(want, j, j+1)
				if r.ttl != c.Set.TTL {
					middle = append(middle, op{kind: opPatch, change: i, key: k, id: r.id, rdata: r.rdata, ttl: c.Set.TTL, attrs: writeAttrs{TTL: c.Set.TTL}})
				}
			}
			for j, d := range want {
				cont, prio, err := content(k.Name, k.Type, d)
				if err != nil {
					cont = d
				}
				a := writeAttrs{Content: cont, TTL: c.Set.TTL, Priority: prio}
				if j < len(surplus) {
					middle = append(middle, op{kind: opPatch, change: i, key: k, id: surplus[j].id, rdata: d, ttl: c.Set.TTL, attrs: a})
					continue
				}
				name := relName(k.Name, origin)
				a.Name, a.Type = &name, dns.TypeToString[k.Type]
				middle = append(middle, op{kind: opCreate, change: i, key: k, rdata: d, ttl: c.Set.TTL, attrs: a})
			}
			for _, r := range surplus[min(len(want), len(surplus)):] {
				dels = append(dels, op{kind: opDelete, change: i, key: k, id: r.id, rdata: r.rdata})
			}
		}
		switch {
		case cnameAt[k.Name]:
			for j := range dels {
				dels[j].early = true
			}
			first = append(first, dels...)
		case together:
			middle = append(middle, dels...)
		default:
			last = append(last, dels...)
		}
	}
	ops := slices.Concat(first, middle, last)
	for _, o := range ops {
		left[o.change]++
	}
	return ops, left
}

// chunk cuts ops into batches of at most BatchSize: the early deletions
// (CNAME swaps) in batches of their own, before the others, and each
// change's writes in one batch where they fit.
func chunk(ops []op) [][]op {
	var out [][]op
	var cur []op
	for i := 0; i < len(ops); {
		j := i + 1
		for j < len(ops) && ops[j].change == ops[i].change && ops[j].early == ops[i].early {
			j++
		}
		group := ops[i:j]
		if len(cur) > 0 && (len(cur)+len(group) > BatchSize || cur[len(cur)-1].early != group[0].early) {
			out, cur = append(out, cur), nil
		}
		for len(group) > BatchSize {
			out, group = append(out, group[:BatchSize]), group[BatchSize:]
		}
		cur = append(cur, group...)
		i = j
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// write sends one record write and keeps the cache in step.
func (p *Provider) write(ctx context.Context, origin, path string, o op) error {
	switch o.kind {
	case opCreate:
		var resp struct {
			Data apiRecord `json:"data"`
		}
		if err := p.call(ctx, http.MethodPost, path+"/records", o.attrs, &resp); err != nil {
			return fmt.Errorf("create %s %s %s: %w", o.key.Name, dns.TypeToString[o.key.Type], o.rdata, err)
		}
		o.id = resp.Data.ID
	case opPatch:
		if err := p.call(ctx, http.MethodPatch, path+"/records/"+strconv.FormatInt(o.id, 10), o.attrs, nil); err != nil {
			return fmt.Errorf("update %s %s to %s: %w", o.key.Name, dns.TypeToString[o.key.Type], o.rdata, err)
		}
	case opDelete:
		if err := p.call(ctx, http.MethodDelete, path+"/records/"+strconv.FormatInt(o.id, 10), nil, nil); err != nil {
			return fmt.Errorf("delete %s %s %s: %w", o.key.Name, dns.TypeToString[o.key.Type], o.rdata, err)
		}
	}
	p.remember(origin, o)
	return nil
}

// sendBatch sends ops as one batch request; DNSimple applies all of them
// or none.
func (p *Provider) sendBatch(ctx context.Context, origin, path string, ops []op) error {
	var req struct {
		Creates []writeAttrs `json:"creates,omitempty"`
		Updates []writeAttrs `json:"updates,omitempty"`
		Deletes []writeAttrs `json:"deletes,omitempty"`
	}
	var creates []int
	for i, o := range ops {
		switch o.kind {
		case opCreate:
			req.Creates = append(req.Creates, o.attrs)
			creates = append(creates, i)
		case opPatch:
			a := o.attrs
			a.ID = o.id
			req.Updates = append(req.Updates, a)
		case opDelete:
			req.Deletes = append(req.Deletes, writeAttrs{ID: o.id})
		}
	}
	var resp struct {
		Data struct {
			Creates []apiRecord `json:"creates"`
		} `json:"data"`
	}
	if err := p.call(ctx, http.MethodPost, path+"/batch", req, &resp); err != nil {
		if errors.Is(err, ErrPlanFeature) {
			return fmt.Errorf("batch: true needs DNSimple's Enterprise plan (remove it to write one record a request): %w", err)
		}
		return fmt.Errorf("batch of %d record writes: %w", len(ops), err)
	}
	if len(resp.Data.Creates) != len(creates) {
		return fmt.Errorf("batch of %d record writes: %d records created, %d asked for", len(ops), len(resp.Data.Creates), len(creates))
	}
	for j, i := range creates {
		ops[i].id = resp.Data.Creates[j].ID
	}
	for _, o := range ops {
		p.remember(origin, o)
	}
	return nil
}

// remember applies a done write to the cache.
func (p *Provider) remember(origin string, o op) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.cache[origin]
	if c == nil {
		c = map[zones.Key][]record{}
		p.cache[origin] = c
	}
	recs := c[o.key]
	switch o.kind {
	case opCreate:
		recs = append(recs, record{id: o.id, rdata: o.rdata, ttl: o.ttl})
	case opPatch:
		for i := range recs {
			if recs[i].id == o.id {
				recs[i].rdata, recs[i].ttl = o.rdata, o.ttl
			}
		}
	case opDelete:
		recs = slices.DeleteFunc(recs, func(r record) bool { return r.id == o.id })
	}
	if len(recs) == 0 {
		delete(c, o.key)
	} else {
		c[o.key] = recs
	}
}

// checkBudget refuses an apply of writes requests, and readBack to read
// the zone after it, that the hour's remaining budget cannot cover. The budget is the one the last answer told (the
// read of the plan, normally); before any answer it asks GET /v2/whoami.
// An answer without X-RateLimit headers means there is nothing to check.
func (p *Provider) checkBudget(ctx context.Context, origin string, changes, writes, readBack int) error {
	needed := writes + readBack
	p.mu.Lock()
	b, answered := p.budget, p.answered
	p.mu.Unlock()
	if b.Reset.IsZero() {
		if answered {
			return nil // answers without X-RateLimit headers: no budget to keep
		}
		if err := p.call(ctx, http.MethodGet, "/whoami", nil, nil); err != nil {
			return fmt.Errorf("read the request budget at %s: %w", p.name, err)
		}
		if b = p.Budget(); b.Reset.IsZero() {
			return nil
		}
	}
	if now := p.now(); !now.Before(b.Reset) {
		// The window has turned since: a full hour's budget, and the
		// next reset an hour away at the latest.
		b.Remaining, b.Reset = b.Limit, now.Add(time.Hour)
	}
	if needed > b.Remaining {
		return &BudgetError{Provider: p.name, Zone: origin, Changes: changes, Needed: needed, Writes: writes, ReadBack: readBack, Budget: b}
	}
	return nil
}
