package cloudflare

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	libcf "github.com/libdns/cloudflare"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// zonesPerPage is the most zones one GET /zones page holds: per_page
// defaults to 20 and is at most 50 there (Cloudflare API reference, List
// Zones, developers.cloudflare.com/api/resources/zones/methods/list; as
// quoted by API clients such as simstudioai/sim's Cloudflare integration
// docs), unlike dns_records (100 by default, up to 5,000,000).
const zonesPerPage = 50

// apiZone is a zone as GET /zones lists it.
type apiZone struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Status      string   `json:"status"`
	NameServers []string `json:"name_servers"`
	Account     struct {
		Name string `json:"name"`
	} `json:"account"`
}

func (z apiZone) info() providers.ZoneInfo {
	in := providers.ZoneInfo{ID: z.ID, Status: z.Status, Owner: z.Account.Name}
	for _, n := range z.NameServers {
		in.Nameservers = append(in.Nameservers, strings.ToLower(zones.CanonicalName(n)))
	}
	return in
}

// Account returns the account the provider shares with every provider of
// the same token and API in the process.
func (p *Provider) Account() *providers.Account { return p.account }

// zoneID returns the ID of origin's one active zone: from the provider's
// own map, else from the account's cache (filled by PrepareZones or by an
// earlier lookup in the process), else looked up by name (GET
// /zones?name=), the answer kept in the account when it names one active
// zone.
func (p *Provider) zoneID(ctx context.Context, origin string) (string, error) {
	p.mu.Lock()
	id, ok := p.zones[origin]
	p.mu.Unlock()
	if ok {
		return id, nil
	}
	e, fresh := p.account.Zone(origin)
	infos := e.Zones
	if fresh && len(infos) > 0 {
		if _, err := p.choose(origin, infos); err != nil && p.account.Since(e.At) >= providers.ZoneMissTTL {
			fresh = false // a listing's pending or ambiguous answer, old enough to ask again
		}
	}
	if !fresh {
		// The lookup goes with zone_token when there is one: in
		// libdns/cloudflare's two-token setup the API token may hold
		// only Zone.DNS for one zone, and Zone:Read is the zone token's
		// (libdns cloudflare provider.go, APIToken and ZoneToken;
		// client.go sends the zone token on GET /zones).
		var zs []apiZone
		q := url.Values{"name": {strings.TrimSuffix(origin, ".")}, "per_page": {strconv.Itoa(zonesPerPage)}}
		if err := p.callAs(ctx, p.zoneToken, http.MethodGet, "/zones?"+q.Encode(), nil, &zs); err != nil {
			return "", fmt.Errorf("find zone %s at %s: %w", origin, p.name, err)
		}
		infos = nil
		for _, z := range zs {
			infos = append(infos, z.info())
		}
	}
	z, err := p.choose(origin, infos)
	if err != nil {
		return "", err
	}
	if !fresh {
		p.account.PutZone(origin, infos)
	}
	p.mu.Lock()
	p.zones[origin] = z.ID
	p.assigned[z.ID] = z.Nameservers
	p.mu.Unlock()
	return z.ID, nil
}

// choose picks the one active zone among the zones of origin's name.
//
// A name can be added to Cloudflare more than once (another account, an
// earlier copy still pending): only an active zone serves, and writing to
// another would change nothing that answers queries.
func (p *Provider) choose(origin string, infos []providers.ZoneInfo) (providers.ZoneInfo, error) {
	if len(infos) == 0 {
		return providers.ZoneInfo{}, fmt.Errorf("%w: %s at %s", providers.ErrZoneNotFound, origin, p.name)
	}
	var active, others []string
	var found providers.ZoneInfo
	for _, z := range infos {
		desc := fmt.Sprintf("%s (%s, account %q)", z.ID, z.Status, z.Owner)
		if z.Status == "active" {
			active = append(active, desc)
			found = z
		} else {
			others = append(others, desc)
		}
	}
	switch {
	case len(active) == 0:
		return found, fmt.Errorf("zone %s at %s is not active (%s): finish its setup at Cloudflare (delegate it to Cloudflare's nameservers) first",
			origin, p.name, strings.Join(others, ", "))
	case len(active) > 1:
		return found, fmt.Errorf("zone %s at %s: %d active zones of that name (%s): restrict the token to the account that serves it",
			origin, p.name, len(active), strings.Join(active, ", "))
	}
	return found, nil
}

// forget drops a zone ID that Cloudflare answered 404 for, from the
// provider and from the account, and makes the library's own per-instance
// zone map anew so that it asks again too.
func (p *Provider) forget(origin, zid string) {
	p.account.DropZone(origin, zid)
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.zones, origin)
	delete(p.gone, zid)
	p.lib = &libcf.Provider{APIToken: p.libCfg.APIToken, ZoneToken: p.libCfg.ZoneToken, HTTPClient: p.libCfg.HTTPClient}
}

// PrepareZones implements providers.ZonePreparer: when three or more of
// origins are not in the account's cache, it lists every zone the token
// can see, 50 a request (GET /zones?per_page=50&page=N, ordered by name),
// and fills the cache, so that each zone's lookup then costs nothing. With
// fewer it does nothing: each is looked up by name when read.
func (p *Provider) PrepareZones(ctx context.Context, origins []string) error {
	return p.account.Prepare(ctx, origins, p.listAll)
}

// listAll lists every zone the zone token (else the API token) can see,
// whatever its status, grouped by canonical name. Paging is by offset
// (page and per_page), so a zone added or deleted during the walk shifts
// the pages: the walk then lists a zone twice (kept once, by ID) or skips
// one. It reports the listing complete only when the total_count stayed
// the same on every page and matches the zones it got; otherwise an origin
// it lacks is looked up by name rather than taken as missing.
func (p *Provider) listAll(ctx context.Context) (map[string][]providers.ZoneInfo, bool, error) {
	by := map[string][]providers.ZoneInfo{}
	seen := map[string]bool{}
	total, complete := -1, true
	for page := 1; ; page++ {
		q := url.Values{"per_page": {strconv.Itoa(zonesPerPage)}, "page": {strconv.Itoa(page)}, "order": {"name"}, "direction": {"asc"}}
		var zs []apiZone
		info, err := p.callPage(ctx, "/zones?"+q.Encode(), &zs)
		if err != nil {
			return nil, false, fmt.Errorf("list zones at %s (page %d): %w", p.name, page, err)
		}
		for _, z := range zs {
			if seen[z.ID] {
				continue
			}
			seen[z.ID] = true
			o := strings.ToLower(zones.CanonicalName(z.Name))
			by[o] = append(by[o], z.info())
		}
		if info == nil {
			// No result_info (never seen at Cloudflare): a short page
			// is the last.
			complete = false
			if len(zs) < zonesPerPage {
				break
			}
			continue
		}
		if total >= 0 && info.TotalCount != total {
			complete = false
		}
		total = info.TotalCount
		// The server's per_page and total_pages decide, not what was
		// asked: a per_page over the maximum is capped.
		last := info.TotalPages
		if last == 0 && info.PerPage > 0 {
			last = (info.TotalCount + info.PerPage - 1) / info.PerPage
		}
		if page >= last || len(zs) == 0 {
			break
		}
	}
	if total >= 0 && len(seen) != total {
		complete = false
	}
	return by, complete, nil
}

// resultInfo is the paging part of a list answer.
type resultInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
	TotalPages int `json:"total_pages"`
}

// callPage is a GET with the zone token that decodes the result and
// returns the result_info (nil when the answer has none).
func (p *Provider) callPage(ctx context.Context, path string, result any) (*resultInfo, error) {
	var info *resultInfo
	if err := p.callInfo(ctx, p.zoneToken, http.MethodGet, path, nil, result, &info); err != nil {
		return nil, err
	}
	return info, nil
}

// Zones implements providers.ZoneLister: the active zones the token can
// see, canonical and sorted, from the account's listing when it is fresh,
// else from a new one (which also fills the cache). Pending, moved or
// other zones that do not serve are left out: a zone file for one of them
// fails at Records with what to do.
func (p *Provider) Zones(ctx context.Context) ([]string, error) {
	by, ok := p.account.Listing()
	if !ok {
		var complete bool
		var err error
		if by, complete, err = p.listAll(ctx); err != nil {
			return nil, err
		}
		p.account.Keep(by, complete)
	}
	var out []string
	for o, zs := range by {
		if slices.ContainsFunc(zs, func(z providers.ZoneInfo) bool { return z.Status == "active" }) {
			out = append(out, zones.CanonicalName(o))
		}
	}
	slices.Sort(out)
	return out, nil
}
