package route53

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// defaultEndpoint names Route 53's own API in account keys.
const defaultEndpoint = "https://route53.amazonaws.com"

// acct returns the account the provider shares with every provider of the
// same credentials and endpoint in the process, binding it at the first
// call: the credentials of the AWS default chain are known only once the
// SDK has retrieved them (it caches them; the signing step, which runs
// before the pacing middleware, has done so already). The key holds a
// digest of the access key and secret, never the secret. Route 53's limits
// are per AWS account (docs.aws.amazon.com/Route53/latest/DeveloperGuide/
// throttling-api-requests); two IAM users of one AWS account, or a role's
// rotating session keys, are separate accounts here, as the API does not
// say whose keys they are without another request. A provider keeps the
// account it bound, so rotation does not split its budget.
func (p *Provider) acct(ctx context.Context) (*providers.Account, error) {
	p.mu.Lock()
	a := p.account
	p.mu.Unlock()
	if a != nil {
		return a, nil
	}
	if p.creds == nil {
		return nil, fmt.Errorf("AWS credentials for %s: none found (set access_key_id and secret_access_key, or the AWS default chain)", p.name)
	}
	creds, err := p.creds.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS credentials for %s: %w", p.name, err)
	}
	endpoint := p.endpoint
	if endpoint == "" {
		endpoint = defaultEndpoint
	}
	a = providers.AccountFor(providers.AccountKey{Driver: "route53", Endpoint: strings.TrimSuffix(endpoint, "/"),
		Credential: providers.CredentialDigest(creds.AccessKeyID, creds.SecretAccessKey)})
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.account == nil {
		a.Pace(p.name, p.rps, 5)
		p.account = a
	}
	return p.account, nil
}

// Account returns the provider's account (binding it: see acct).
func (p *Provider) Account(ctx context.Context) (*providers.Account, error) { return p.acct(ctx) }

// hostedZone returns the id of the public hosted zone for origin, or
// hosted_zone_id (hosted_zone_ids) when it is set. What a lookup finds is
// kept in the account for the process (see providers.Account), so each
// zone is looked up once, and not at all after PrepareZones has listed
// the account.
//
// An account may hold several hosted zones of one name (Route 53 allows it;
// only the one whose name servers the parent delegates to is live), and a
// private zone may share the name of a public one. ListHostedZonesByName
// lists zones "by name with the labels reversed", from the first whose name
// is at or after DNSName, up to 100 a page; NextDNSName and
// NextHostedZoneId start the next page (API reference,
// https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListHostedZonesByName.html).
// So every zone of that name comes first and the walk stops at the first
// other name. Private zones are never chosen; several public ones are an
// error that names them, because writing to the undelegated one succeeds
// and changes nothing anyone resolves.
func (p *Provider) hostedZone(ctx context.Context, origin string) (string, error) {
	if p.zoneID != "" {
		return p.zoneID, nil
	}
	if id, ok := p.configured[origin]; ok {
		return id, nil
	}
	p.mu.Lock()
	id, ok := p.zones[origin]
	p.mu.Unlock()
	if ok {
		return id, nil
	}
	a, err := p.acct(ctx)
	if err != nil {
		return "", err
	}
	e, fresh := a.Zone(origin)
	infos := e.Zones
	if fresh && len(infos) > 0 {
		if _, err := p.choose(origin, infos); err != nil && a.Since(e.At) >= providers.ZoneMissTTL {
			fresh = false // a listing's ambiguous answer, old enough to ask again
		}
	}
	if !fresh {
		if infos, err = p.byName(ctx, origin); err != nil {
			return "", err
		}
	}
	id, err = p.choose(origin, infos)
	if err != nil {
		return "", err
	}
	if !fresh {
		a.PutZone(origin, infos)
	}
	p.mu.Lock()
	p.zones[origin] = id
	p.mu.Unlock()
	return id, nil
}

// byName walks ListHostedZonesByName from origin over every zone of that
// name.
func (p *Provider) byName(ctx context.Context, origin string) ([]providers.ZoneInfo, error) {
	var infos []providers.ZoneInfo
	in := &r53.ListHostedZonesByNameInput{DNSName: aws.String(origin), MaxItems: aws.Int32(100)}
	for {
		out, err := p.client.ListHostedZonesByName(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("find zone %s at %s: %w", origin, p.name, err)
		}
		for _, z := range out.HostedZones {
			if !strings.EqualFold(aws.ToString(z.Name), origin) {
				return infos, nil
			}
			infos = append(infos, providers.ZoneInfo{ID: strings.TrimPrefix(aws.ToString(z.Id), "/hostedzone/"),
				Private: z.Config != nil && z.Config.PrivateZone})
		}
		if !out.IsTruncated || !strings.EqualFold(aws.ToString(out.NextDNSName), origin) {
			return infos, nil
		}
		if aws.ToString(out.NextHostedZoneId) == aws.ToString(in.HostedZoneId) {
			return nil, fmt.Errorf("find zone %s at %s: the listing does not advance past hosted zone %s", origin, p.name, aws.ToString(in.HostedZoneId))
		}
		in.DNSName, in.HostedZoneId = out.NextDNSName, out.NextHostedZoneId
	}
}

// choose picks the one public hosted zone among the zones of origin's name.
func (p *Provider) choose(origin string, infos []providers.ZoneInfo) (string, error) {
	var public, private []string
	for _, z := range infos {
		if z.Private {
			private = append(private, z.ID)
		} else {
			public = append(public, z.ID)
		}
	}
	switch len(public) {
	case 0:
		if len(private) > 0 {
			return "", fmt.Errorf("%w: %s at %s has only private hosted zones (%s), which zonecast never writes to",
				providers.ErrZoneNotFound, origin, p.name, strings.Join(private, ", "))
		}
		return "", fmt.Errorf("%w: %s at %s", providers.ErrZoneNotFound, origin, p.name)
	case 1:
		return public[0], nil
	}
	return "", fmt.Errorf("%s at %s: %d public hosted zones have this name (%s); only the one the parent delegates to is live: "+
		"set hosted_zone_ids: {%s: ID} in the provider's configuration to that zone (compare each zone's name servers, `aws route53 get-hosted-zone --id ID`, with `dig NS %s`)",
		origin, p.name, len(public), strings.Join(public, ", "), origin, origin)
}

// forget drops a looked-up zone ID that Route 53 answered NoSuchHostedZone
// for; it reports false for a configured ID, which is never looked up.
func (p *Provider) forget(origin, zid string) bool {
	if p.zoneID != "" || p.configured[origin] != "" {
		return false
	}
	p.mu.Lock()
	delete(p.zones, origin)
	a := p.account
	p.mu.Unlock()
	if a != nil {
		a.DropZone(origin, zid)
	}
	return true
}

// PrepareZones implements providers.ZonePreparer: when three or more of
// origins (less those with hosted_zone_ids; nothing with hosted_zone_id)
// are not in the account's cache, it lists every hosted zone of the
// account with ListHostedZones, 100 a request, and fills the cache, so
// that each zone's lookup then costs nothing; with fewer, each is looked
// up by name when read (ListHostedZonesByName, one request).
func (p *Provider) PrepareZones(ctx context.Context, origins []string) error {
	if p.zoneID != "" {
		return nil
	}
	var rest []string
	for _, o := range origins {
		if _, ok := p.configured[zones.CanonicalName(o)]; !ok {
			rest = append(rest, o)
		}
	}
	a, err := p.acct(ctx)
	if err != nil {
		return err
	}
	return a.Prepare(ctx, rest, p.listAll)
}

// listAll lists every hosted zone of the account, public and private
// (ListHostedZones has no filter for public zones only), grouped by
// canonical name: 100 a page, the next page starting at NextMarker, the
// ID of its first zone (API reference, ListHostedZones,
// https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListHostedZones.html).
// Names come as Route 53 writes them, octal escapes and all (`\052`).
func (p *Provider) listAll(ctx context.Context) (map[string][]providers.ZoneInfo, bool, error) {
	by := map[string][]providers.ZoneInfo{}
	seen := map[string]bool{}
	in := &r53.ListHostedZonesInput{MaxItems: aws.Int32(100)}
	for {
		out, err := p.client.ListHostedZones(ctx, in)
		if err != nil {
			return nil, false, fmt.Errorf("list hosted zones at %s: %w", p.name, err)
		}
		for _, z := range out.HostedZones {
			id := strings.TrimPrefix(aws.ToString(z.Id), "/hostedzone/")
			if seen[id] {
				continue
			}
			seen[id] = true
			o := strings.ToLower(zones.CanonicalName(decodeName(aws.ToString(z.Name))))
			by[o] = append(by[o], providers.ZoneInfo{ID: id, Private: z.Config != nil && z.Config.PrivateZone})
		}
		if !out.IsTruncated {
			return by, true, nil
		}
		if out.NextMarker == nil || aws.ToString(out.NextMarker) == aws.ToString(in.Marker) {
			return nil, false, fmt.Errorf("list hosted zones at %s: the listing does not advance past marker %q", p.name, aws.ToString(in.Marker))
		}
		in.Marker = out.NextMarker
	}
}

// Zones implements providers.ZoneLister: the names of the account's public
// hosted zones, canonical and sorted, each once (several public zones of a
// name are one origin; Records says which to choose), from the account's
// listing when fresh, else from a new one, which also fills the cache.
// Private zones are left out: zonecast never writes to them.
func (p *Provider) Zones(ctx context.Context) ([]string, error) {
	a, err := p.acct(ctx)
	if err != nil {
		return nil, err
	}
	by, ok := a.Listing()
	if !ok {
		var complete bool
		if by, complete, err = p.listAll(ctx); err != nil {
			return nil, err
		}
		a.Keep(by, complete)
	}
	var out []string
	for o, zs := range by {
		if slices.ContainsFunc(zs, func(z providers.ZoneInfo) bool { return !z.Private }) {
			out = append(out, zones.CanonicalName(o))
		}
	}
	slices.Sort(out)
	return out, nil
}

// delegations are the hosted zones' delegation sets, kept in the account:
// GetHostedZone once per zone and process.
type delegations struct {
	mu sync.Mutex
	m  map[string][]string // zone ID → name servers
}

// delegation returns the hosted zone's four Route 53 name servers
// (GetHostedZone's DelegationSet; ListHostedZones does not give them), once
// per zone and process.
func (p *Provider) delegation(ctx context.Context, origin, zid string) ([]string, error) {
	a, err := p.acct(ctx)
	if err != nil {
		return nil, err
	}
	d := a.Extra("route53.delegations", func() any { return &delegations{m: map[string][]string{}} }).(*delegations)
	d.mu.Lock()
	ns, ok := d.m[zid]
	d.mu.Unlock()
	if ok {
		return ns, nil
	}
	out, err := p.client.GetHostedZone(ctx, &r53.GetHostedZoneInput{Id: aws.String(zid)})
	if err != nil {
		return nil, fmt.Errorf("get name servers of %s at %s: %w", origin, p.name, err)
	}
	if out.DelegationSet != nil {
		ns = out.DelegationSet.NameServers
	}
	d.mu.Lock()
	d.m[zid] = ns
	d.mu.Unlock()
	return ns, nil
}
