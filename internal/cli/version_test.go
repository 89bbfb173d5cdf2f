package cli

import (
	"runtime/debug"
	"testing"
)

// The version: a release's module version, else -ldflags (make build),
// else what the go command stamped from the checkout, else "(devel)" and
// the commit.
func TestVersionOf(t *testing.T) {
	info := func(version string, settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/zonecast/zonecast", Version: version}}
		for i := 0; i+1 < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	const rev = "785a3e5f00d1a2b3c4d5e6f708192a3b4c5d6e7f"
	for _, tc := range []struct {
		name    string
		ldflags string
		bi      *debug.BuildInfo
		want    string
	}{
		{name: "go install @v1.4.0", bi: info("v1.4.0"), want: "v1.4.0"},
		{name: "go install @v1.4.0 with -ldflags", ldflags: "v1.3.9-2-gabc", bi: info("v1.4.0"), want: "v1.4.0"},
		{name: "go install of a prerelease", bi: info("v2.0.0-rc.1"), want: "v2.0.0-rc.1"},
		{name: "make build (git describe)", ldflags: "v1.4.0-3-g785a3e5-dirty",
			bi: info("v0.0.0-20261203103219-785a3e5f00d1+dirty", "vcs.revision", rev, "vcs.modified", "true"), want: "v1.4.0-3-g785a3e5-dirty"},
		{name: "make build on a dirty tag", ldflags: "v1.4.0-dirty", bi: info("v1.4.0+dirty"), want: "v1.4.0-dirty"},
		{name: "make build, pseudo-version after a tag", ldflags: "v1.4.0-1-g785a3e5",
			bi: info("v1.4.1-0.20261203103219-785a3e5f00d1"), want: "v1.4.0-1-g785a3e5"},
		{name: "go build, stamped pseudo-version", bi: info("v0.0.0-20261203103219-785a3e5f00d1"), want: "v0.0.0-20261203103219-785a3e5f00d1"},
		{name: "go build, no tag stamped", bi: info("(devel)", "vcs.revision", rev, "vcs.modified", "false"), want: "(devel) 785a3e5f00d1"},
		{name: "go build, dirty", bi: info("(devel)", "vcs.revision", rev, "vcs.modified", "true"), want: "(devel) 785a3e5f00d1-dirty"},
		{name: "go build -buildvcs=false", bi: info("(devel)"), want: "(devel)"},
		{name: "no build info", want: "(devel)"},
		{name: "-ldflags only", ldflags: "v9.9.9", want: "v9.9.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := versionOf(tc.ldflags, tc.bi); got != tc.want {
				t.Errorf("versionOf(%q, %v) = %q, want %q", tc.ldflags, tc.bi != nil, got, tc.want)
			}
		})
	}
}

func TestPseudo(t *testing.T) {
	for v, want := range map[string]bool{
		"v0.0.0-20261203103219-785a3e5f00d1":        true,
		"v1.4.1-0.20261203103219-785a3e5f00d1":      true,
		"v1.4.0-rc.1.0.20261203103219-785a3e5f00d1": true,
		"v0.0.0-20261203103219-785a3e5f00d1+dirty":  true,
		"v1.4.0":              false,
		"v1.4.0-rc.1":         false,
		"v1.4.0-3-g785a3e5":   false,
		"v1.4.0-785a3e5f00d1": false,
	} {
		if got := pseudo(v); got != want {
			t.Errorf("pseudo(%q) = %v, want %v", v, got, want)
		}
	}
}
