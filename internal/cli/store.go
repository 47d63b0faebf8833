package cli

import (
	"cmp"
	"context"
	"flag"
	"fmt"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/postgres"
	"github.com/svcflow/svcflow/internal/sqlite"
)

// defaultDataDir is where the embedded store lives when neither --data nor
// SVCFLOW_DATA says otherwise: beside the command, visible and easy to find.
const defaultDataDir = "svcflow-data"

// storeFlags are the flags of every command that opens the store.
type storeFlags struct {
	data     string
	db       string
	schema   string
	syncFull bool
}

func (f *storeFlags) register(e *env, fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", cmp.Or(e.getenv("SVCFLOW_DATA"), defaultDataDir), "data `DIR` of the embedded store, created if missing (env SVCFLOW_DATA)")
	fs.StringVar(&f.db, "db", e.getenv("SVCFLOW_DB"), "a PostgreSQL `URL` to use instead of the embedded store (env SVCFLOW_DB)")
	fs.StringVar(&f.schema, "db-schema", e.getenv("SVCFLOW_DB_SCHEMA"), "PostgreSQL schema for svcflow's tables (default: public) (env SVCFLOW_DB_SCHEMA)")
	fs.BoolVar(&f.syncFull, "sync-full", false, "SQLite synchronous=FULL: commits survive power loss, not only crashes")
}

// open opens the store. Only the cli knows which engine is in use.
func (f *storeFlags) open(ctx context.Context) (desk.Store, error) {
	if f.db != "" {
		s, err := postgres.Open(ctx, f.db, postgres.Options{Schema: f.schema})
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL store: %w", err)
		}
		return s, nil
	}
	s, err := sqlite.Open(ctx, f.data, sqlite.Options{SyncFull: f.syncFull})
	if err != nil {
		return nil, fmt.Errorf("open store in %s: %w", f.data, err)
	}
	return s, nil
}

// registerStreams loads the library plus a directory and registers every
// stream by revision with the desk.
func registerStreams(ctx context.Context, e *env, d *desk.Desk, dir string) ([]*svcflow.ValueStream, error) {
	streams, err := loadStreams(e, dir)
	if err != nil {
		return nil, err
	}
	if err := d.RegisterStreams(ctx, svcflow.SystemActor, streams); err != nil {
		return nil, err
	}
	return streams, nil
}

func openPostgres(ctx context.Context, url string) (*postgres.Store, error) {
	return postgres.Open(ctx, url, postgres.Options{})
}
