package uitest

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/svcflow/svcflow/internal/cli"
	"github.com/svcflow/svcflow/internal/demo"
)

// axeSource is axe-core, vendored with its licence in testdata/axe.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// The demo server and the browser are started once for the package: the
// demo history takes seconds to write and the browser to start.
var (
	setupOnce sync.Once
	setupErr  error
	baseURL   string // "http://127.0.0.1:PORT", no trailing slash
	browser   context.Context
	stopAll   func()
)

func TestMain(m *testing.M) {
	code := m.Run()
	if stopAll != nil {
		stopAll()
	}
	os.Exit(code)
}

// chromiumPath finds Debian's chromium; without it the browser tests skip,
// or fail when SVCFLOW_REQUIRE_ALL=1.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no chromium on PATH (Debian: apt-get install chromium); the browser tests need it"
	if os.Getenv("SVCFLOW_REQUIRE_ALL") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// start runs `svcflow demo` on a loopback port over a temporary store, as a
// newcomer would, and a headless Chromium.
func start(t *testing.T) {
	t.Helper()
	chromium := chromiumPath(t)
	setupOnce.Do(func() { setupErr = startAll(chromium) })
	if setupErr != nil {
		t.Fatal(setupErr)
	}
}

func startAll(chromium string) error {
	dir, err := os.MkdirTemp("", "svcflow-uitest-")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	exited := make(chan int, 1)
	go func() {
		exited <- cli.Run(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--days", "14", "--seed", "3"},
			strings.NewReader(""), pw, io.Discard, func(string) string { return "" })
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		return fmt.Errorf("the demo server printed no start-up line: %w", err)
	}
	go io.Copy(io.Discard, pr)
	i := strings.Index(line, "http://")
	if i < 0 {
		cancel()
		return fmt.Errorf("start-up line has no URL: %q", line)
	}
	baseURL = strings.TrimSuffix(strings.Fields(line[i:])[0], "/")

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Headless, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(filepath.Join(dir, "chromium")),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 900))
	b, cancelBrowser := chromedp.NewContext(alloc)
	if err := chromedp.Do(b); err != nil { // starts the browser
		cancelBrowser()
		cancelAlloc()
		cancel()
		return fmt.Errorf("start chromium: %w", err)
	}
	browser = b
	stopAll = func() {
		cancelBrowser()
		cancelAlloc()
		cancel()
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
		}
		os.RemoveAll(dir)
	}
	return nil
}

// person is one signed-in browser: its own browser context, so its own
// cookies.
type person struct {
	t   *testing.T
	ctx context.Context
}

// newPerson opens a fresh browser context and signs in with a demo login
// of the role.
func newPerson(t *testing.T, email string) *person {
	t.Helper()
	password := ""
	for _, c := range demo.Credentials() {
		if c.Email == email {
			password = c.Password
		}
	}
	return signedIn(t, email, password)
}

// signedIn opens a fresh browser context and signs in; an empty email
// leaves it anonymous.
func signedIn(t *testing.T, email, password string) *person {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first run opens the tab, which lives as long as the context it
	// runs on: this one, not a shorter one of a later action.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	p := &person{t: t, ctx: ctx}
	if email == "" {
		return p
	}
	p.open("/login")
	p.fill("#email", email)
	p.fill("#password", password)
	p.click(`form[action="/login"] button[type=submit]`)
	p.waitFor("nav[aria-label=Main]")
	return p
}

// do runs actions with a time limit, failing the test on an error.
func (p *person) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v (at %s)", what, err, p.location())
	}
}

func (p *person) location() string {
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	return loc
}

// open loads a page of the server and waits for it.
func (p *person) open(path string) {
	p.t.Helper()
	p.do("open "+path, chromedp.Navigate(baseURL+path), chromedp.WaitReady("body"))
}

// inlineScriptBlocked tells whether the page's policy stops a script
// written into it, as an injected one would be.
func (p *person) inlineScriptBlocked() bool {
	p.t.Helper()
	return eval[bool](p, `(() => { const s = document.createElement("script"); s.textContent = "window.__inlineRan = true"; document.body.append(s); s.remove(); return window.__inlineRan !== true })()`)
}

func (p *person) fill(sel, value string) {
	p.t.Helper()
	p.do("fill "+sel, chromedp.SetValue(chromedp.CSS(sel), value))
}

// click clicks and waits for the page it leads to.
func (p *person) click(sel string) {
	p.t.Helper()
	p.do("click "+sel, chromedp.Click(chromedp.CSS(sel)), chromedp.Sleep(50*time.Millisecond), chromedp.WaitReady("body"))
}

func (p *person) waitFor(sel string) {
	p.t.Helper()
	p.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// text is the visible text of the first element matching sel.
func (p *person) text(sel string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("text of %s: %v (at %s)", sel, err, p.location())
	}
	return s
}

// eval evaluates a script in the page and decodes its value.
func eval[T any](p *person, script string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](script, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("evaluate %.60q: %v (at %s)", script, err, p.location())
	}
	return v
}

// status is the HTTP status of the page shown now, from the navigation
// timing of the document.
func (p *person) status() int {
	p.t.Helper()
	return eval[int](p, `performance.getEntriesByType("navigation")[0].responseStatus`)
}

// screenshotDir is where the tests save their screenshots:
// $SVCFLOW_SCREENSHOTS, else a directory in the system's temporary one.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("SVCFLOW_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "svcflow-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shot saves a full-page screenshot of what the person sees.
func (p *person) shot(name string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(screenshotDir(p.t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// axeViolation is one rule axe-core found broken on a page.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            []struct {
		Target []any `json:"target"`
		HTML   string
	}
}

// accessible runs axe-core on the page and fails the test for every
// serious or critical violation.
func (p *person) accessible(page string) {
	p.t.Helper()
	for _, v := range p.violations(page) {
		var where []string
		for i, n := range v.Nodes {
			if i == 3 {
				where = append(where, fmt.Sprintf("… %d more", len(v.Nodes)-3))
				break
			}
			where = append(where, fmt.Sprint(n.Target)+" "+n.HTML)
		}
		p.t.Errorf("axe on %s: %s (%s): %s\n  %s", page, v.ID, v.Impact, v.Help, strings.Join(where, "\n  "))
	}
}

// violations are the serious and critical violations axe-core finds on
// the page.
func (p *person) violations(page string) []axeViolation {
	p.t.Helper()
	if !eval[bool](p, `typeof axe !== "undefined"`) {
		eval[bool](p, axeSource+"\n;true")
	}
	raw := eval[string](p, `axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`)
	var all, out []axeViolation
	if err := json.Unmarshal([]byte(raw), &all); err != nil {
		p.t.Fatalf("axe on %s: %v", page, err)
	}
	for _, v := range all {
		if v.Impact == "serious" || v.Impact == "critical" {
			out = append(out, v)
		}
	}
	return out
}

// cookies are the browser's cookies for the server.
func (p *person) cookies() []*network.Cookie {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	cs, err := chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{baseURL + "/"}})
		return res.Cookies, err
	})
	if err != nil {
		p.t.Fatal(err)
	}
	return cs
}

// darkPhone makes the person's tab a phone-sized screen in the dark
// colour scheme, for the rest of its life.
func (p *person) darkPhone() {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, t, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
			Width: 390, Height: 844, DeviceScaleFactor: 1, Mobile: true})
		return chromedp.Void{}, err
	})
	if err != nil {
		p.t.Fatalf("emulate a dark phone: %v", err)
	}
}
