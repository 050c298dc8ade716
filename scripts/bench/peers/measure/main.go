// Command measure builds the four peers' test binaries and runs each on the
// same feature of n scenarios, printing its wall time and peak memory (the
// process's maximum resident set, from getrusage) and their ratios to plain
// t.Run. Each peer runs -runs times, interleaved, and the median is kept.
//
//	go run ./measure -n 10000,100000 -runs 5
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// peer is one way of writing the feature: a test package of this module.
type peer struct {
	name, pkg, what string
}

var peersList = []peer{
	{"plain t.Run", "./trun", "two levels, one t.Log each"},
	{"Jetty", "./jetty", "Feature, one Given each"},
	{"ginkgo v2", "./ginkgo", "It + By + Expect"},
	{"godog", "./godog", "one Given each, progress formatter"},
}

// sample is one run of a test binary.
type sample struct {
	wall time.Duration
	rss  int64 // bytes
}

func main() {
	ns := flag.String("n", "10000,100000", "comma-separated scenario `counts`")
	runs := flag.Int("runs", 5, "runs of each binary per count; the median is reported")
	flag.Parse()
	dir, err := os.MkdirTemp("", "jetty-peers")
	check(err)
	defer os.RemoveAll(dir)

	bins := make([]string, len(peersList))
	for i, p := range peersList {
		bins[i] = filepath.Join(dir, filepath.Base(p.pkg)+".test")
		out, err := exec.Command("go", "test", "-c", "-o", bins[i], p.pkg).CombinedOutput()
		if err != nil {
			fail("building %s: %v\n%s", p.pkg, err, out)
		}
	}
	fmt.Printf("peers, same machine, whole test processes, median of %d (%s, %d CPUs, %s)\n",
		*runs, runtime.Version(), runtime.NumCPU(), time.Now().UTC().Format(time.DateOnly))
	for _, f := range strings.Split(*ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			fail("-n: %q is not a positive count", f)
		}
		samples := make([][]sample, len(peersList))
		for range *runs {
			for i := range peersList { // interleaved: load on the machine hits every peer alike
				samples[i] = append(samples[i], runOnce(bins[i], n))
			}
		}
		fmt.Printf("\n%d scenarios\n", n)
		fmt.Printf("| runner | wall | peak memory | wall vs plain t.Run | wall vs Jetty |\n| --- | --- | --- | --- | --- |\n")
		med := make([]sample, len(peersList))
		for i := range peersList {
			med[i] = median(samples[i])
		}
		for i, p := range peersList {
			fmt.Printf("| %s (%s) | %.2f s | %.1f MiB | %.2f× | %.2f× |\n", p.name, p.what,
				med[i].wall.Seconds(), float64(med[i].rss)/(1<<20),
				float64(med[i].wall)/float64(med[0].wall), float64(med[i].wall)/float64(med[1].wall))
		}
		fmt.Printf("DSL ratio (Jetty / plain t.Run) at %d scenarios: %.2f×; ginkgo/Jetty %.2f×, godog/Jetty %.2f×\n", n,
			float64(med[1].wall)/float64(med[0].wall), float64(med[2].wall)/float64(med[1].wall), float64(med[3].wall)/float64(med[1].wall))
	}
}

// runOnce runs a test binary on n scenarios, its output discarded.
func runOnce(bin string, n int) sample {
	cmd := exec.Command(bin, "-test.run=^TestBench$", "-test.count=1")
	cmd.Env = append(os.Environ(), "PEERS_N="+strconv.Itoa(n))
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		tail := out[max(0, len(out)-2000):]
		fail("%s with %d scenarios: %v\n%s", filepath.Base(bin), n, err, tail)
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = int64(ru.Maxrss)
		if runtime.GOOS != "darwin" {
			rss *= 1024 // kilobytes on Linux and the BSDs, bytes on macOS
		}
	}
	return sample{wall, rss}
}

func median(s []sample) sample {
	w := make([]time.Duration, len(s))
	r := make([]int64, len(s))
	for i, x := range s {
		w[i], r[i] = x.wall, x.rss
	}
	slices.Sort(w)
	slices.Sort(r)
	return sample{w[len(w)/2], r[len(r)/2]}
}

func check(err error) {
	if err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "measure: "+format+"\n", args...)
	os.Exit(1)
}
