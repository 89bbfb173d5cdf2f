package audit

import (
	"fmt"
	"io"
	"strings"
)

// Verdict is the report's first line after the zone's name: "DOES NOT
// RESOLVE", "SINGLE POINT OF FAILURE" or "no single point of failure
// found".
func (r *Report) Verdict() string {
	switch {
	case !r.Resolves():
		return "DOES NOT RESOLVE"
	case r.Failed():
		return "SINGLE POINT OF FAILURE"
	}
	return "no single point of failure found"
}

// WriteText writes r for people: the verdict, the delegation, one line per
// nameserver (provider, addresses, the zone its name lives in and who
// serves it, the parent's glue, what it depends on), then the findings as
// `severity: message; hint [code]`.
func WriteText(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", r.Zone, r.Verdict())
	if len(r.ParentNS) > 0 {
		fmt.Fprintf(&b, "  delegated by %s: NS %s (TTL %ds)\n", r.Parent, strings.Join(r.ParentNS, " "), r.ParentTTL)
	}
	for _, h := range r.Hosts {
		if h.OutOfService {
			fmt.Fprintf(&b, "  %s [%s] out of service, not asked\n", h.Name, h.Provider)
			continue
		}
		fmt.Fprintf(&b, "  %s [%s] %s", h.Name, h.Provider, strings.Join(h.Addresses, " "))
		if h.Zone != "" && h.Zone != r.Zone {
			fmt.Fprintf(&b, " — %s name in %s, served by %s", h.Bailiwick, h.Zone, strings.Join(h.ZoneProviders, ", "))
		}
		if h.GlueState != "" {
			fmt.Fprintf(&b, " — glue %s", h.GlueState)
			if len(h.Glue) > 0 {
				fmt.Fprintf(&b, " (%s)", strings.Join(h.Glue, " "))
			}
		}
		fmt.Fprintf(&b, " — depends on %s\n", strings.Join(h.DependsOn, ", "))
	}
	if len(r.OutOfService) > 0 {
		fmt.Fprintf(&b, "  out of service: %s\n", strings.Join(r.OutOfService, ", "))
	}
	if len(r.SinglePointsOfFailure) > 0 {
		fmt.Fprintf(&b, "  single points of failure: %s\n", strings.Join(r.SinglePointsOfFailure, ", "))
	}
	for _, f := range r.Findings {
		msg := f.Message
		if f.Hint != "" {
			msg += "; " + f.Hint
		}
		fmt.Fprintf(&b, "  %s: %s [%s]\n", f.Severity, msg, f.Code)
	}
	if len(r.Zonecast) > 0 {
		b.WriteString("  zonecast's own dependencies (names it resolves to reach or check the providers):\n")
		for _, d := range r.Zonecast {
			fmt.Fprintf(&b, "    %s %s %s: ", d.Provider, d.What, d.Host)
			if len(d.DarkIf) == 0 {
				b.WriteString("outside the zones zonecast manages")
			} else {
				fmt.Fprintf(&b, "unresolvable if %s goes dark", strings.Join(d.DarkIf, " or "))
				if d.Fallback != "" {
					fmt.Fprintf(&b, "; then %s", d.Fallback)
				}
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
