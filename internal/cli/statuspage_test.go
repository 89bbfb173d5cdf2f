package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/internal/failover"
)

// TestStatusPageInChromium opens the sync status page in a real headless
// Chromium and checks what a person sees: the zone × provider matrix, in
// service or dropped, last sync, drift, errors, the apex NS set.
func TestStatusPageInChromium(t *testing.T) {
	browser := dnstest.Tool(t, "chromium")
	dir := t.TempDir()
	write(t, filepath.Join(dir, "zonecast.yaml"), `providers:
  one: {type: zonefile, directory: out/one}
  two: {type: zonefile, directory: out/two}
  gone: {type: zonefile, directory: out/gone}
zones:
  - origin: example.com.
    file: example.com.zone
    providers: [one, two, gone]
`)
	write(t, filepath.Join(dir, "example.com.zone"), "$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ NS ns\nns A 192.0.2.1\nwww A 192.0.2.2\n")
	st := &failover.State{Version: failover.StateVersion, Dropped: map[string]failover.Drop{}}
	st.DropFor("gone", "example.com.", "provider outage", time.Now())
	if err := st.Save(filepath.Join(dir, ".zonecast", "state.json")); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var errb bytes.Buffer
	var wg sync.WaitGroup
	wg.Go(func() {
		Main(ctx, []string{"sync", "--interval", "1h", "--audit-every", "0", "--listen", addr, "--config", filepath.Join(dir, "zonecast.yaml")}, &bytes.Buffer{}, &errb)
	})
	defer func() { cancel(); wg.Wait() }()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.UserDataDir(t.TempDir()))
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	bctx, tcancel := context.WithTimeout(bctx, 60*time.Second)
	defer tcancel()

	var health, rowOne, rowGone, nsOne string
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := chromedp.Do(bctx, chromedp.Navigate("http://"+addr+"/"))
		if err == nil {
			health, err = chromedp.Run(bctx, chromedp.Text("#health"))
		}
		if err == nil {
			rowOne, err = chromedp.Run(bctx, chromedp.Text(`tr[data-provider="one"] .state`))
		}
		if err == nil {
			rowGone, err = chromedp.Run(bctx, chromedp.Text(`tr[data-provider="gone"] .state`))
		}
		if err == nil {
			nsOne, err = chromedp.Run(bctx, chromedp.Text(`tr[data-provider="one"] .ns`))
		}
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the status page never showed the matrix: %v\nsync log:\n%s", err, errb.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if health != "healthy" {
		t.Errorf("health shows %q", health)
	}
	if !strings.HasPrefix(rowOne, "in sync") {
		t.Errorf("provider one shows %q, want in sync", rowOne)
	}
	if rowGone != "dropped: provider outage" {
		t.Errorf("the dropped provider shows %q", rowGone)
	}
	if nsOne != "ns.example.com." {
		t.Errorf("apex NS shows %q", nsOne)
	}
}
