package cli

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/svcflow/svcflow/internal/harness"
)

// runBench starts separate `svcflow serve` processes on loopback (one by
// default; several sharing one PostgreSQL database with --instances and
// --db) and runs the load and fault harness against them: an open-loop
// mixed workload, faults on a schedule, and at the end the event log
// checked against every acknowledgement. It is a command, not a test: its
// figures go in release notes.
func runBench(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench", "bench [--rate N] [--duration D] [--mix OP=W,...] [--instances N] [--data DIR | --db URL] [--fault KIND@T]...")
	rate := fs.Int("rate", 500, "requests per second to send, open-loop")
	duration := fs.Duration("duration", 20*time.Second, "how long to send the load")
	items := fs.Int("items", 1000, "open work items to move and comment on")
	pullItems := fs.Int("pull-items", 250, "work items in the queue that pulls take from")
	workers := fs.Int("workers", 256, "most requests in flight; a request that finds none free counts as dropped")
	instances := fs.Int("instances", 1, "server processes sharing the store (more than one needs --db)")
	data := fs.String("data", "", "data directory for the server (default: a new temporary one)")
	db := fs.String("db", "", "a PostgreSQL `URL` for the servers instead of a data directory")
	schema := fs.String("db-schema", "", "PostgreSQL schema (default: a new one, dropped afterwards)")
	syncFull := fs.Bool("sync-full", false, "run SQLite with synchronous=FULL")
	mixFlag := fs.String("mix", "create=10,pull=10,transition=35,comment=15,list=20,search=10", "operation weights; transition=1 measures transitions alone")
	slaTarget := fs.Duration("sla-target", time.Minute, "resolution target of the run's SLA policy (warnings at half); 0 leaves SLAs out")
	slaEvery := fs.Duration("sla-every", 2*time.Second, "how often each server's SLA ticker runs")
	restartAfter := fs.Duration("restart-after", 3*time.Second, "how long a killed instance stays down before it is started again")
	pgDown := fs.Duration("pg-down", 2*time.Second, "how long PostgreSQL stays stopped in the pg-restart fault")
	pgStop := fs.String("pg-stop", "pg_ctlcluster 15 main stop -m immediate", "shell command of the pg-restart fault that stops PostgreSQL")
	pgStart := fs.String("pg-start", "pg_ctlcluster 15 main start", "shell command that starts it again")
	seed := fs.Uint64("seed", 1, "seed of the operation sequence")
	var faults []string
	fs.Func("fault", "a fault at a time into the load: kill@20s (SIGKILL the first instance, start it again after --restart-after), pg-restart@30s (immediate stop, then start), terminate@40s (end every database connection); repeatable",
		func(v string) error { faults = append(faults, v); return nil })
	pos, err := parse(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("bench takes no arguments")
	}
	if *rate < 1 || *items < 1 || *pullItems < 1 || *workers < 1 || *duration <= 0 || *instances < 1 || *slaEvery <= 0 {
		return usagef("bench needs positive --rate, --items, --pull-items, --workers, --instances, --duration and --sla-every")
	}
	if *instances > 1 && *db == "" {
		return usagef("several instances share one PostgreSQL database: give --db")
	}
	mix, err := parseMix(*mixFlag)
	if err != nil {
		return err
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

	servers := &fleet{exe: exe, args: append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "error", "--sla-every", slaEvery.String()}, storeArgs...), stderr: e.stderr}
	defer servers.stopAll()
	var insts []*harness.Instance
	for i := range *instances {
		base, err := servers.start(ctx, i)
		if err != nil {
			return err
		}
		insts = append(insts, harness.NewInstance(base))
	}
	var plan []harness.Fault
	for _, f := range faults {
		kind, at, ok := strings.Cut(f, "@")
		d, err := time.ParseDuration(at)
		if !ok || err != nil || d < 0 {
			return usagef("--fault %q: expected KIND@DURATION, such as kill@20s", f)
		}
		var do func(context.Context) error
		switch kind {
		case "kill":
			if *instances < 2 {
				return usagef("--fault kill needs another instance to carry on: give --instances 2 or more")
			}
			do = func(ctx context.Context) error {
				if err := servers.kill(0); err != nil {
					return err
				}
				select {
				case <-time.After(*restartAfter):
				case <-ctx.Done():
					return ctx.Err()
				}
				base, err := servers.start(ctx, 0)
				if err != nil {
					return fmt.Errorf("start the killed instance again: %w", err)
				}
				insts[0].SetBase(base)
				return nil
			}
		case "pg-restart", "terminate":
			if *db == "" {
				return usagef("--fault %s needs PostgreSQL: give --db", kind)
			}
			if kind == "terminate" {
				do = func(ctx context.Context) error { return terminateBackends(ctx, *db) }
			} else {
				do = func(ctx context.Context) error { return restartPostgres(ctx, *pgStop, *pgStart, *pgDown) }
			}
		default:
			return usagef("--fault %q: unknown kind %q; expected kill, pg-restart or terminate", f, kind)
		}
		plan = append(plan, harness.Fault{Name: kind, At: d, Do: do})
	}
	slices.SortFunc(plan, func(a, b harness.Fault) int { return cmp.Compare(a.At, b.At) })

	where := "SQLite WAL, synchronous=" + map[bool]string{false: "NORMAL", true: "FULL"}[*syncFull] + ", group commit"
	if *db != "" {
		where = "PostgreSQL, synchronous_commit=on"
	}
	bases := make([]string, len(insts))
	for i, in := range insts {
		bases[i] = in.Base()
	}
	fmt.Fprintf(e.stdout, "svcflow bench: %d server(s) %s on %s; mix %s\n", len(insts), strings.Join(bases, " "), where, *mixFlag)
	cpu0, self0 := servers.cpu(), selfCPU()
	settle := time.Duration(0)
	if *slaTarget > 0 {
		settle = 2**slaEvery + time.Second
	}
	err = harness.Run(ctx, harness.Config{
		Instances: insts, Token: strings.TrimSpace(tok.String()), Rate: *rate, Duration: *duration,
		Items: *items, PullItems: *pullItems, Workers: *workers, Mix: mix, Faults: plan,
		SLATarget: *slaTarget, SLASettle: settle, Seed: *seed, Out: e.stdout,
	})
	if srv, gen := servers.cpu()-cpu0, selfCPU()-self0; srv > 0 {
		fmt.Fprintf(e.stdout, "CPU: servers %.1fs, harness %.1fs (%.0f%% of the two)\n", srv.Seconds(), gen.Seconds(), 100*gen.Seconds()/(gen+srv).Seconds())
	}
	return err
}

// parseMix reads operation weights such as "transition=3,list=1".
func parseMix(s string) (harness.Mix, error) {
	var m harness.Mix
	fields := map[string]*int{"create": &m.Create, "pull": &m.Pull, "transition": &m.Transition, "comment": &m.Comment, "list": &m.List, "search": &m.Search}
	for _, part := range strings.Split(s, ",") {
		name, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		p := fields[name]
		n, err := strconv.Atoi(w)
		if !ok || p == nil || err != nil || n < 0 {
			return m, usagef("--mix %q: expected OP=WEIGHT pairs with OP one of create, pull, transition, comment, list, search, at %q", s, part)
		}
		*p = n
	}
	if m == (harness.Mix{}) {
		return m, usagef("--mix %q gives every operation weight 0", s)
	}
	return m, nil
}

// fleet is the server processes of a bench run.
type fleet struct {
	exe    string
	args   []string
	stderr io.Writer
	mu     sync.Mutex
	procs  map[int]*exec.Cmd
	spent  time.Duration // CPU of processes that have ended
}

// start starts instance i and returns its base URL once it listens.
func (f *fleet) start(ctx context.Context, i int) (string, error) {
	cmd := exec.CommandContext(ctx, f.exe, f.args...)
	cmd.Stderr = f.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start server: %w", err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return "", fmt.Errorf("server did not start: %w", err)
	}
	go io.Copy(io.Discard, stdout)
	k := strings.Index(line, "http://")
	if k < 0 {
		cmd.Process.Kill()
		cmd.Wait()
		return "", fmt.Errorf("server start-up line without URL: %q", line)
	}
	f.mu.Lock()
	if f.procs == nil {
		f.procs = map[int]*exec.Cmd{}
	}
	f.procs[i] = cmd
	f.mu.Unlock()
	return strings.TrimSuffix(strings.Fields(line[k:])[0], "/"), nil
}

// kill SIGKILLs instance i.
func (f *fleet) kill(i int) error {
	f.mu.Lock()
	cmd := f.procs[i]
	delete(f.procs, i)
	f.mu.Unlock()
	if cmd == nil {
		return fmt.Errorf("instance %d is not running", i+1)
	}
	t := cpuTimes(cmd.Process.Pid)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	cmd.Wait()
	f.mu.Lock()
	f.spent += t
	f.mu.Unlock()
	return nil
}

// cpu is the CPU time the servers have used.
func (f *fleet) cpu() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.spent
	for _, cmd := range f.procs {
		t += cpuTimes(cmd.Process.Pid)
	}
	return t
}

func (f *fleet) stopAll() {
	f.mu.Lock()
	procs := f.procs
	f.procs = nil
	f.mu.Unlock()
	for _, cmd := range procs {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}
}

// terminateBackends ends every other connection to the database, as a
// failover or an administrator's pg_terminate_backend would.
func terminateBackends(ctx context.Context, url string) error {
	s, err := openPostgres(ctx, url)
	if err != nil {
		return err
	}
	defer s.Close()
	_, err = s.Pool().Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`)
	return err
}

// restartPostgres stops PostgreSQL with the given command, waits, and
// starts it again.
func restartPostgres(ctx context.Context, stop, start string, down time.Duration) error {
	if out, err := exec.CommandContext(ctx, "sh", "-c", stop).CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w: %s", stop, err, out)
	}
	select {
	case <-time.After(down):
	case <-ctx.Done():
		return ctx.Err()
	}
	if out, err := exec.CommandContext(ctx, "sh", "-c", start).CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w: %s", start, err, out)
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
