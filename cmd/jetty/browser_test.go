package main

import (
	"context"
	"flag"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var screenshot = flag.String("screenshot", "", "also write the HTML report's screenshot to this `file` (e.g. ../../docs/report.png)")

// chromium returns the path of a Chromium or Chrome binary, or skips t
// with how to install one.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium on PATH: install it to run the browser test (Debian/Ubuntu: apt-get update && apt-get install -y chromium; .ci/run does this)")
	return ""
}

// The HTML report rendered by a real headless browser: the matrix has one
// row per feature, a latency plot draws, a failure message is visible.
func TestHTMLReportInABrowser(t *testing.T) {
	exe := chromium(t)
	dir := t.TempDir()
	report := filepath.Join(dir, "report.html")
	r := runCmd(t, split(t, "green", "red", "gated", "waived", "partial", "plainfail", "load"), "status", "--html", report)
	require.Equal(t, 1, r.code, r.stderr)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1200, 900),
		// Chromium's singleton socket lives in TMPDIR and its path must fit
		// in 107 bytes: a long TMPDIR stops it from starting.
		chromedp.Env("TMPDIR="+shortTempDir()))
	actx, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// A bound on a hung browser, not a measurement.
	ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	u := url.URL{Scheme: "file", Path: report}
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(u.String()), chromedp.WaitVisible(chromedp.CSS("#matrix"))))
	verdict, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#verdict")))
	require.NoError(t, err)
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#matrix tbody tr.feature-row").length`))
	require.NoError(t, err)
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg.latency-plot rect").length`))
	require.NoError(t, err)
	barWidth, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(() => { const r = document.querySelector("svg.latency-plot rect"); return r ? r.getBoundingClientRect().width : 0 })()`))
	require.NoError(t, err)
	failure, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const m = [...document.querySelectorAll(".failure pre.message")].find(e => e.innerText.includes("cart has 0 items")); return m && m.offsetParent !== null ? m.innerText : "" })()`))
	require.NoError(t, err)
	noLoad, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("no-load") ? "absent" : "present"`))
	require.NoError(t, err)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	require.NoError(t, err)
	assert.Equal(t, "RED", verdict)
	assert.Equal(t, 6, rows, "one matrix row per feature: Greeter, Cart, Checkout, Search, Login, Catalog")
	assert.GreaterOrEqual(t, bars, 5, "the load scenario's latency percentiles are drawn")
	assert.Greater(t, barWidth, 0.0, "a drawn bar has a width")
	assert.Equal(t, "present", noLoad)
	assert.Contains(t, failure, "red_test.go:15: [jetty] Cart › speed › adds an item: Then the cart holds it: cart has 0 items, want 1")

	art := t.ArtifactDir()
	shot := filepath.Join(art, "report.png")
	require.NoError(t, os.WriteFile(shot, png, 0o644))
	t.Logf("screenshot: %s", shot)
	if *screenshot != "" {
		// For the README: the first screen only, to keep the file small.
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1000, 820)))
		small, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(*screenshot, small, 0o644))
	}
	assert.True(t, strings.HasPrefix(string(png), "\x89PNG"), "a PNG screenshot")
}

// shortTempDir is /tmp when it is a directory, else os.TempDir.
func shortTempDir() string {
	if fi, err := os.Stat("/tmp"); err == nil && fi.IsDir() {
		return "/tmp"
	}
	return os.TempDir()
}
