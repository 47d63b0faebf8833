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

// runBench drives the HTTP API of separate `svcflow serve` processes on
// loopback (one by default; several sharing one PostgreSQL database with
// --instances and --db), open-loop at a constant rate, and reports
// throughput and latency. Every POST carries an Idempotency-Key and is
// retried on another instance when it gets no answer; at the end every
// acknowledged transition is checked against the event log: none lost,
// none twice. It is a command, not a test: its figures go in release notes.
func runBench(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench", "bench [--rate N] [--duration D] [--items N] [--workers N] [--instances N] [--data DIR | --db URL]")
	rate := fs.Int("rate", 1000, "requests per second to send, open-loop")
	duration := fs.Duration("duration", 20*time.Second, "how long to send transitions")
	items := fs.Int("items", 1000, "open work items to create first")
	workers := fs.Int("workers", 256, "most requests in flight; a request that finds none free counts as dropped")
	instances := fs.Int("instances", 1, "server processes sharing the store (more than one needs --db)")
	data := fs.String("data", "", "data directory for the server (default: a new temporary one)")
	db := fs.String("db", "", "a PostgreSQL `URL` for the servers instead of a data directory")
	schema := fs.String("db-schema", "", "PostgreSQL schema (default: a new one, dropped afterwards)")
	syncFull := fs.Bool("sync-full", false, "run SQLite with synchronous=FULL")
	killAfter := fs.Duration("kill-after", 0, "SIGKILL the first instance this long into the transitions (needs --instances > 1)")
	keys := fs.Bool("idempotency-keys", false, "send an Idempotency-Key with every POST, so retries are safe (on with --instances > 1)")
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("bench takes no arguments")
	}
	if *rate < 1 || *items < 1 || *workers < 1 || *duration <= 0 || *instances < 1 {
		return usagef("bench needs positive --rate, --items, --workers, --instances and --duration")
	}
	if *instances > 1 && *db == "" {
		return usagef("several instances share one PostgreSQL database: give --db")
	}
	if *instances > 1 {
		*keys = true
	}
	if *killAfter > 0 && *instances < 2 {
		return usagef("--kill-after needs another instance to carry on: give --instances 2 or more")
	}
	storeArgs := []string{}
	if *db != "" {
		if *schema == "" {
			*schema = fmt.Sprintf("svcflow_bench_%d", time.Now().UnixNano())
			defer dropSchema(*db, *schema)
		}
		storeArgs = []string{"--db", *db, "--db-schema", *schema}
	} else {
		dir := *data
		if dir == "" {
			if dir, err = os.MkdirTemp("", "svcflow-bench-*"); err != nil {
				return err
			}
			defer os.RemoveAll(dir)
		}
		storeArgs = []string{"--data", dir}
		if *syncFull {
			storeArgs = append(storeArgs, "--sync-full")
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	// The person and token the load uses, made with the ordinary commands.
	quiet := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: e.stderr, getenv: e.getenv}
	if err := runUser(ctx, quiet, append([]string{"add", "--email", "bench@example.org", "--name", "Bench", "--role", "admin", "--teams", "service-desk"}, storeArgs...)); err != nil {
		return err
	}
	var tok bytes.Buffer
	if err := runToken(ctx, &env{stdout: &tok, stderr: io.Discard, getenv: e.getenv}, append([]string{"create", "--person", "bench"}, storeArgs...)); err != nil {
		return err
	}
	token := strings.TrimSpace(tok.String())

	var bases []string
	var pids []int
	for range *instances {
		cmd := exec.CommandContext(ctx, exe, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "error"}, storeArgs...)...)
		cmd.Stderr = e.stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
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
		bases = append(bases, strings.TrimSuffix(strings.Fields(line[i:])[0], "/"))
		pids = append(pids, cmd.Process.Pid)
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConns: *workers, MaxIdleConnsPerHost: *workers, IdleConnTimeout: time.Minute}, Timeout: 10 * time.Second}
	var next atomic.Uint64
	var dead atomic.Int64 // index+1 of a killed instance, skipped from then on
	var windowMu sync.Mutex
	var firstFail, lastFail time.Time
	noteFail := func() {
		windowMu.Lock()
		now := time.Now()
		if firstFail.IsZero() {
			firstFail = now
		}
		lastFail = now
		windowMu.Unlock()
	}
	// call sends a request to the next instance; a POST that gets no
	// answer, or a 5xx, is sent again with the same Idempotency-Key to the
	// following instance, a few times.
	call := func(method, path, body, key string) (int, []byte, error) {
		var lastErr error
		for try := 0; try < 4; try++ {
			i := int(next.Add(1) % uint64(len(bases)))
			if int(dead.Load()) == i+1 && try == 0 {
				i = (i + 1) % len(bases) // clients learn the instance is gone
			}
			base := bases[i]
			req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
			if err != nil {
				return 0, nil, err
			}
			req.Header.Set("Authorization", "Bearer "+token)
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if key != "" && *keys {
				req.Header.Set("Idempotency-Key", key)
			} else if key != "" && try > 0 {
				return 0, nil, lastErr // without a key a retry could apply twice
			}
			res, err := client.Do(req)
			if err != nil {
				lastErr = err
				noteFail()
				continue
			}
			b, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil || res.StatusCode >= 500 {
				lastErr = fmt.Errorf("status %d", res.StatusCode)
				continue
			}
			return res.StatusCode, b, nil
		}
		return 0, nil, lastErr
	}

	where := "SQLite WAL, synchronous=" + map[bool]string{false: "NORMAL", true: "FULL"}[*syncFull] + ", group commit"
	if *db != "" {
		where = "PostgreSQL, synchronous_commit=on"
	}
	fmt.Fprintf(e.stdout, "svcflow bench: %d server(s) %s on %s\n", len(bases), strings.Join(bases, " "), where)
	cpu0 := cpuOf(pids)

	// Phase 1: create the open items, as fast as the servers answer them.
	ids := make([]string, *items)
	var created atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	var createErrs atomic.Int64
	for w := range min(32, *items) {
		wg.Go(func() {
			for k := w; k < *items; k += min(32, *items) {
				status, body, err := call("POST", "/api/v1/work-items", fmt.Sprintf(`{"kind":"incident","title":"bench item %d","entry":"monitoring"}`, k), fmt.Sprintf("create-%d", k))
				if err != nil || status != 201 {
					createErrs.Add(1)
					continue
				}
				var v struct{ ID string }
				json.Unmarshal(body, &v)
				ids[k] = v.ID
				created.Add(1)
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	ids = slices.DeleteFunc(ids, func(s string) bool { return s == "" })
	if len(ids) == 0 {
		return fmt.Errorf("no item could be created")
	}
	fmt.Fprintf(e.stdout, "created %d items in %v: %.0f creations/s (closed loop, 32 clients; %d errors)\n",
		len(ids), took.Round(time.Millisecond), float64(len(ids))/took.Seconds(), createErrs.Load())

	// Phase 2: open-loop transitions. Each item alternates start and
	// requeue, both visit transitions of SPEC §3.
	active := make([]bool, len(ids))
	acked := make([]int, len(ids)) // acknowledged transitions per item
	locks := make([]sync.Mutex, len(ids))
	sem := make(chan struct{}, *workers)
	var mu sync.Mutex
	var lat []time.Duration
	var ok, failed, dropped, conflicts atomic.Int64
	interval := time.Second / time.Duration(*rate)
	total := int(duration.Seconds() * float64(*rate))
	begin := time.Now()
	selfCPU0 := selfCPU()
	var killedAt time.Time
	killed := make(chan struct{})
	if *killAfter > 0 {
		go func() {
			defer close(killed)
			select {
			case <-time.After(*killAfter):
			case <-ctx.Done():
				return
			}
			windowMu.Lock()
			killedAt = time.Now()
			windowMu.Unlock()
			syscall.Kill(pids[0], syscall.SIGKILL)
			dead.Store(1)
		}()
	} else {
		close(killed)
	}
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
			if active[k] {
				action = "requeue"
			}
			status, _, err := call("POST", "/api/v1/work-items/"+ids[k]+"/"+action, "{}", fmt.Sprintf("t-%d", n))
			since := time.Since(due) // from the intended send time: no coordinated omission
			switch {
			case err != nil:
				failed.Add(1)
			case status == 409:
				conflicts.Add(1)
			case status == 200:
				ok.Add(1)
				active[k] = action == "start"
				acked[k]++
				mu.Lock()
				lat = append(lat, since)
				mu.Unlock()
			default:
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(begin)
	genCPU := selfCPU() - selfCPU0
	<-killed // a kill planned after the end still happens before the report
	windowMu.Lock()
	kAt, fFail, lFail := killedAt, firstFail, lastFail
	windowMu.Unlock()
	srvCPU := cpuOf(pids) - cpu0
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))].Round(10 * time.Microsecond)
	}
	fmt.Fprintf(e.stdout, "sent %d transitions at %d/s for %v over %d items: %.0f transitions/s acknowledged\n",
		total, *rate, elapsed.Round(time.Millisecond), len(ids), float64(ok.Load())/elapsed.Seconds())
	fmt.Fprintf(e.stdout, "latency from intended send: p50 %v  p90 %v  p99 %v  max %v\n", pct(.5), pct(.9), pct(.99), pct(1))
	fmt.Fprintf(e.stdout, "ok %d, failed %d, conflicts %d, dropped (no free worker) %d\n", ok.Load(), failed.Load(), conflicts.Load(), dropped.Load())
	if !kAt.IsZero() {
		window := "no failed attempt"
		if !fFail.IsZero() {
			window = fmt.Sprintf("failed attempts from %v to %v after the kill, retried on the other instance(s)",
				fFail.Sub(kAt).Round(time.Millisecond), lFail.Sub(kAt).Round(time.Millisecond))
		}
		fmt.Fprintf(e.stdout, "fault: instance 1 SIGKILLed %v into the run; %s\n", killAfter.Round(time.Millisecond), window)
	}
	if srvCPU > 0 {
		fmt.Fprintf(e.stdout, "CPU: servers %.1fs, load generator %.1fs (%.0f%% of the total)\n", srvCPU.Seconds(), genCPU.Seconds(), 100*genCPU.Seconds()/(genCPU+srvCPU).Seconds())
	}

	// Every acknowledged transition is in the log exactly once.
	lost, extra := 0, 0
	for k, id := range ids {
		status, body, err := call("GET", "/api/v1/work-items/"+id+"/events", "", "")
		if err != nil || status != 200 {
			return fmt.Errorf("check %s: %d %v", id, status, err)
		}
		var evs struct {
			Events []struct{ Type string }
		}
		json.Unmarshal(body, &evs)
		n := 0
		for _, ev := range evs.Events {
			if ev.Type == "step_started" || ev.Type == "step_requeued" {
				n++
			}
		}
		if n < acked[k] {
			lost += acked[k] - n
		}
		if n > acked[k] {
			extra += n - acked[k] // answered too late for the client: written, not acknowledged
		}
	}
	fmt.Fprintf(e.stdout, "check: %d acknowledged transitions; %d lost, %d written without an acknowledgement\n", ok.Load(), lost, extra)
	if lost > 0 {
		return fmt.Errorf("%d acknowledged transitions are missing from the event log", lost)
	}
	return nil
}

// dropSchema removes a schema the bench created.
func dropSchema(url, schema string) {
	ctx := context.Background()
	s, err := openPostgres(ctx, url)
	if err != nil {
		return
	}
	defer s.Close()
	s.Pool().Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
}

func cpuOf(pids []int) time.Duration {
	var t time.Duration
	for _, p := range pids {
		t += cpuTimes(p)
	}
	return t
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
