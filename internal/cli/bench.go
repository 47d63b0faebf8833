package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// runBench drives the HTTP API of a separate `svcflow serve` process on
// loopback, open-loop at a constant rate, and reports throughput and
// latency. It is a command, not a test: its figures go in release notes.
func runBench(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench", "bench [--rate N] [--duration D] [--items N] [--workers N] [--data DIR]")
	rate := fs.Int("rate", 1000, "requests per second to send, open-loop")
	duration := fs.Duration("duration", 20*time.Second, "how long to send transitions")
	items := fs.Int("items", 1000, "open work items to create first")
	workers := fs.Int("workers", 256, "most requests in flight; a request that finds none free counts as dropped")
	data := fs.String("data", "", "data directory for the server (default: a new temporary one)")
	syncFull := fs.Bool("sync-full", false, "run the server with synchronous=FULL")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("bench takes no arguments")
	}
	if *rate < 1 || *items < 1 || *workers < 1 || *duration <= 0 {
		return usagef("bench needs positive --rate, --items, --workers and --duration")
	}
	dir := *data
	if dir == "" {
		if dir, err = os.MkdirTemp("", "svcflow-bench-*"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	// The person and token the load uses, made with the ordinary commands.
	if err := runUser(ctx, &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: e.stderr, getenv: e.getenv},
		[]string{"add", "--data", dir, "--email", "bench@example.org", "--name", "Bench", "--role", "admin", "--teams", "service-desk"}); err != nil {
		return err
	}
	var tok bytes.Buffer
	if err := runToken(ctx, &env{stdout: &tok, stderr: io.Discard, getenv: e.getenv}, []string{"create", "--data", dir, "--person", "bench"}); err != nil {
		return err
	}
	token := strings.TrimSpace(tok.String())

	serveArgs := []string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--log-level", "error"}
	if *syncFull {
		serveArgs = append(serveArgs, "--sync-full")
	}
	cmd := exec.CommandContext(ctx, exe, serveArgs...)
	cmd.Env = os.Environ()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = e.stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return fmt.Errorf("server did not start: %w", err)
	}
	go io.Copy(io.Discard, stdout)
	i := strings.Index(line, "http://")
	if i < 0 {
		return fmt.Errorf("server start-up line without URL: %q", line)
	}
	base := strings.TrimSuffix(strings.Fields(line[i:])[0], "/")

	client := &http.Client{Transport: &http.Transport{MaxIdleConns: *workers, MaxIdleConnsPerHost: *workers, IdleConnTimeout: time.Minute}, Timeout: 10 * time.Second}
	call := func(path, body string) (int, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, "POST", base+path, strings.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return res.StatusCode, b, err
	}

	fmt.Fprintf(e.stdout, "svcflow bench: server %s, SQLite WAL, synchronous=%s, one-connection write pool\n", base, map[bool]string{false: "NORMAL", true: "FULL"}[*syncFull])
	cpu0 := cpuTimes(cmd.Process.Pid)

	// Phase 1: create the open items, as fast as the server answers them.
	ids := make([]string, *items)
	var next atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	var createErrs atomic.Int64
	for range min(32, *items) {
		wg.Go(func() {
			for {
				k := int(next.Add(1)) - 1
				if k >= *items {
					return
				}
				status, body, err := call("/api/v1/work-items", fmt.Sprintf(`{"kind":"incident","title":"bench item %d","entry":"monitoring"}`, k))
				if err != nil || status != 201 {
					createErrs.Add(1)
					continue
				}
				var v struct{ ID string }
				json.Unmarshal(body, &v)
				ids[k] = v.ID
			}
		})
	}
	wg.Wait()
	created := time.Since(start)
	ids = slices.DeleteFunc(ids, func(s string) bool { return s == "" })
	if len(ids) == 0 {
		return fmt.Errorf("no item could be created")
	}
	fmt.Fprintf(e.stdout, "created %d items in %v: %.0f creations/s (closed loop, 32 clients; %d errors)\n",
		len(ids), created.Round(time.Millisecond), float64(len(ids))/created.Seconds(), createErrs.Load())

	// Phase 2: open-loop transitions. Each item alternates start and
	// requeue, both visit transitions of SPEC §3.
	active := make([]atomic.Bool, len(ids))
	locks := make([]sync.Mutex, len(ids))
	sem := make(chan struct{}, *workers)
	var mu sync.Mutex
	var lat []time.Duration
	var ok, failed, dropped, conflicts atomic.Int64
	interval := time.Second / time.Duration(*rate)
	total := int(duration.Seconds() * float64(*rate))
	begin := time.Now()
	selfCPU0 := selfCPU()
	for n := range total {
		due := begin.Add(time.Duration(n) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		select {
		case sem <- struct{}{}:
		default:
			dropped.Add(1)
			continue
		}
		k := n % len(ids)
		wg.Go(func() {
			defer func() { <-sem }()
			locks[k].Lock() // one request per item at a time: transitions, not conflicts, are measured
			defer locks[k].Unlock()
			action := "start"
			if active[k].Load() {
				action = "requeue"
			}
			status, _, err := call("/api/v1/work-items/"+ids[k]+"/"+action, "{}")
			took := time.Since(due) // from the intended send time: no coordinated omission
			switch {
			case err != nil || status >= 500:
				failed.Add(1)
			case status == 409:
				conflicts.Add(1)
			case status == 200:
				ok.Add(1)
				active[k].Store(action == "start")
				mu.Lock()
				lat = append(lat, took)
				mu.Unlock()
			default:
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(begin)
	genCPU := selfCPU() - selfCPU0
	cpu1 := cpuTimes(cmd.Process.Pid)
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	srvCPU := cpu1 - cpu0
	fmt.Fprintf(e.stdout, "sent %d transitions at %d/s for %v over %d items: %.0f transitions/s acknowledged\n",
		total, *rate, elapsed.Round(time.Millisecond), len(ids), float64(ok.Load())/elapsed.Seconds())
	fmt.Fprintf(e.stdout, "latency from intended send: p50 %v  p90 %v  p99 %v  max %v\n", pct(.5).Round(10*time.Microsecond), pct(.9).Round(10*time.Microsecond), pct(.99).Round(10*time.Microsecond), pct(1).Round(10*time.Microsecond))
	fmt.Fprintf(e.stdout, "ok %d, failed %d, conflicts %d, dropped (no free worker) %d\n", ok.Load(), failed.Load(), conflicts.Load(), dropped.Load())
	if srvCPU > 0 {
		fmt.Fprintf(e.stdout, "CPU: server %.1fs, load generator %.1fs (%.0f%% of the total)\n", srvCPU.Seconds(), genCPU.Seconds(), 100*genCPU.Seconds()/(genCPU+srvCPU).Seconds())
	}
	return nil
}

// selfCPU is this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuTimes reads a process's user+system CPU time from /proc (Linux), or 0.
func cpuTimes(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name in parentheses: utime is the 14th and
	// stime the 15th field of the whole line.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	var ut, st int64
	fmt.Sscan(f[11], &ut)
	fmt.Sscan(f[12], &st)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ is 100 on Linux
}
