package zones_test

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestBINDRescueZones generates small zones of the forms zonecast reads
// itself because miekg/dns cannot (rescue.go), valid and not, and checks
// them against BIND's named-compilezone as TestBINDOddZones does: both
// accept a zone or both refuse it, both read the same RRsets, and BIND reads
// zones.Write's output as the same RRsets again. ZONECAST_RESCUE_SEED=n
// reruns one zone; ZONECAST_RESCUE_ZONES=n sets how many (150).
func TestBINDRescueZones(t *testing.T) {
	generatedAgainstBIND(t, "TestBINDRescueZones", "ZONECAST_RESCUE", 150, 0x5e5c, rescueZone)
}

// rescueZone writes a few records of the forms rescue.go reads; now and
// then one is malformed (pick's last choices), so that about half the zones
// are refused.
func rescueZone(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A 192.0.2.1\n")
	pick := func(good []string, bad ...string) string {
		if len(bad) > 0 && r.IntN(12) == 0 {
			return bad[r.IntN(len(bad))]
		}
		return good[r.IntN(len(good))]
	}
	hex := func(n int) string {
		var h strings.Builder
		for range n {
			fmt.Fprintf(&h, "%02x", r.IntN(256))
		}
		return h.String()
	}
	for i := range 2 + r.IntN(6) {
		owner := fmt.Sprintf("r%d", i)
		if r.IntN(4) == 0 {
			owner = " " // the previous owner
		}
		switch r.IntN(13) {
		case 0: // WKS
			var ports []string
			for range r.IntN(5) {
				ports = append(ports, pick([]string{strconv.Itoa(r.IntN(1024)), "smtp", "FTP", "domain", "telnet", "http", strconv.Itoa(r.IntN(65536))}, "nosuch", "65536"))
			}
			fmt.Fprintf(&b, "%s WKS 192.0.2.%d %s ( %s )\n", owner, r.IntN(256), pick([]string{"6", "17", "tcp", "udp", "TCP", "1", "icmp"}, "256", "nosuchproto"), strings.Join(ports, " "))
		case 1: // NSAP
			h := hex(1 + r.IntN(20))
			if r.IntN(2) == 0 && len(h) > 4 {
				h = h[:2] + "." + h[2:4] + "." + h[4:]
			}
			fmt.Fprintf(&b, "%s NSAP %s\n", owner, pick([]string{"0x" + h, "0X" + h}, "0x"+h+"1", h, "0x"))
		case 2: // GPOS
			f := func() string {
				return pick([]string{strconv.FormatFloat(r.Float64()*180-90, 'f', r.IntN(5), 64), `"` + strconv.Itoa(r.IntN(100)) + `"`, `""`, `"a b"`, "-0.5"})
			}
			fmt.Fprintf(&b, "%s GPOS %s %s %s\n", owner, f(), f(), pick([]string{f()}, ""))
		case 3: // LOC
			c := func(max int, hemi string) string {
				s := strconv.Itoa(r.IntN(max))
				if r.IntN(3) > 0 {
					s += " " + strconv.Itoa(r.IntN(60))
					if r.IntN(2) == 0 {
						s += " " + strconv.Itoa(r.IntN(60)) + pick([]string{"", ".5", ".123"})
					}
				}
				return s + " " + pick([]string{string(hemi[r.IntN(2)])}, strings.ToLower(hemi[:1]))
			}
			fmt.Fprintf(&b, "%s LOC %s %s %s%s %s\n", owner, c(90, "NS"), c(180, "EW"), strconv.Itoa(r.IntN(2000)-100),
				pick([]string{"m", "", ".5m"}), pick([]string{"", "1m", "10m 100m", "2m 3m 4m", "0.34m 5.68m 4.86m"}, "1m 2m 3m 4m"))
		case 4: // NAPTR
			q := func(s string) string {
				if r.IntN(2) == 0 {
					return `"` + s + `"`
				}
				return s
			}
			fmt.Fprintf(&b, "%s NAPTR %d %d %s %s %s %s\n", owner, r.IntN(100), r.IntN(100), q(pick([]string{"S", "u", "A"})),
				q(pick([]string{"SIP+D2U", "E2U+sip", "x"})), pick([]string{`""`, q("!^.*$!sip:i@example.com!")}), pick([]string{".", "_sip._udp"}, ""))
		case 5: // RFC 3597 generic form of a type miekg/dns knows
			switch r.IntN(4) {
			case 0:
				fmt.Fprintf(&b, "%s %s \\# 4 %s\n", owner, pick([]string{"A", "TYPE1"}), hex(4))
			case 1:
				fmt.Fprintf(&b, "%s TXT \\# %s\n", owner, pick([]string{"text", "", `"quoted" more`, "6 0568656c6c6f", "2 0100"}, "4", "2 0200"))
			case 2:
				fmt.Fprintf(&b, "%s MX \\# %s\n", owner, pick([]string{"6 000a01780000"[:0] + "5 000a017800", "3 000a00"}, "0", "6 000a01780000"))
			case 3:
				n := r.IntN(4)
				fmt.Fprintf(&b, "%s %s \\# %d %s\n", owner, pick([]string{"NULL", "TYPE65280", "TYPE262", "TYPE67", "GPOS"}), n, hex(n))
			}
		case 6: // IPSECKEY, then whatever comes next
			fmt.Fprintf(&b, "%s IPSECKEY 10 %s 2 %s\n", owner, pick([]string{"1 192.0.2.38", "0 .", "3 gw.example.net."}), "AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==")
		case 7: // DNSSEC mnemonics
			key := base64.StdEncoding.EncodeToString([]byte(hex(8)))
			alg := pick([]string{"RSASHA256", "ECDSAP256SHA256", "rsasha1", "NSEC3RSASHA1", "ED448", "8", "PRIVATEOID"}, "ECC", "DSA-NSEC3-SHA1")
			switch r.IntN(3) {
			case 0:
				fmt.Fprintf(&b, "%s %s %s %s %s %s\n", owner, pick([]string{"DNSKEY", "CDNSKEY", "KEY"}),
					pick([]string{"257", "ZONE|KSK", "ZONE", "KSK", "0x100", "NOCONF|HOST"}, "REVOKE"), pick([]string{"3", "DNSSEC", "dnssec", "IPSEC"}, "4x"), alg, key)
			case 1:
				// A DS stands at a delegation (BIND refuses it elsewhere).
				typ := pick([]string{"DS", "CDS"})
				if typ == "DS" {
					owner = fmt.Sprintf("ds%d", i)
					fmt.Fprintf(&b, "%s NS ns.example.net.\n", owner)
				}
				fmt.Fprintf(&b, "%s %s 12345 %s %s\n", owner, typ, alg,
					pick([]string{"SHA-256 " + hex(32), "2 " + hex(32), "SHA-1 " + hex(20), "SHA384 " + hex(48)}, "SHA-512 "+hex(64)))
			case 2:
				fmt.Fprintf(&b, "%s RRSIG %s %s 2 300 20300101000000 20200101000000 12345 example.com. %s\n", owner,
					pick([]string{"A", "WKS", "NSAP", "TYPE11"}), alg, key)
			}
		case 8: // bitmaps
			types := []string{"A", "NS", "SOA", "MX", "TXT", "AAAA", "RRSIG", "WKS", "NSAP", "TYPE1", "TYPE1234", "A6"}
			var bm []string
			for range 1 + r.IntN(5) {
				bm = append(bm, types[r.IntN(len(types))])
			}
			switch r.IntN(3) {
			case 0:
				fmt.Fprintf(&b, "%s NSEC next.example.com. %s\n", owner, strings.Join(bm, " "))
			case 1:
				fmt.Fprintf(&b, "%s NSEC3 1 1 12 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr %s\n", owner, strings.Join(bm, " "))
			case 2:
				fmt.Fprintf(&b, "%s NXT next.example.com. ( %s %d )\n", owner, strings.Join(bm[:1], " "), 1+r.IntN(127))
			}
		case 9: // DSYNC
			fmt.Fprintf(&b, "%s DSYNC %s %s %d %s\n", owner, pick([]string{"CDS", "CSYNC", "TYPE59", "59"}), pick([]string{"NOTIFY", "1", "notify", "3"}, "256"),
				r.IntN(65536), pick([]string{"ns.example.net.", "scanner", "."}))
		case 10: // HHIT, BRID, WALLET
			fmt.Fprintf(&b, "%s %s %s\n", owner, pick([]string{"HHIT", "BRID"}), pick([]string{base64.StdEncoding.EncodeToString([]byte(hex(1 + r.IntN(6))))}, `"AAE="`, "AAE= AAE="))
			fmt.Fprintf(&b, "  WALLET %s %s\n", pick([]string{"BTC", `"ETH"`, `""`}), pick([]string{"", `"1A1zP1"`, "0x00"}))
		case 11: // X25, NID, L64
			fmt.Fprintf(&b, "%s X25 %s\n", owner, pick([]string{`"311061700956"`, "1234"}, `"123"`, `"12a4"`))
			fmt.Fprintf(&b, "  %s 10 %x:%x:%x:%x\n", pick([]string{"NID", "L64"}), r.IntN(0x10000), r.IntN(16), r.IntN(0x100), r.IntN(0x1000))
		case 12: // A6, SINK, DOA in generic form
			fmt.Fprintf(&b, "%s %s\n", owner, pick([]string{"A6 \\# 3 7f0000", "A6 \\# 17 00" + hex(16), "SINK \\# 3 010203", "DOA \\# 10 00000001000000010000"}, "A6 \\# 2 7f00", "DOA \\# 9 000000010000000100"))
		}
	}
	return b.String()
}
