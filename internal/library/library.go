// Package library holds svcflow's built-in value streams: the two model
// streams of 003 §4.2, the eight archetypes of 004 and the worked examples,
// embedded in the binary as YAML definitions.
package library

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/streamdef"
)

//go:embed streams/*.yaml
var streamFS embed.FS

// Files returns the built-in definitions keyed by their path ("streams/ID.yaml").
func Files() map[string][]byte {
	files := map[string][]byte{}
	entries, err := fs.ReadDir(streamFS, "streams")
	if err != nil {
		panic(fmt.Sprintf("library: embedded streams missing: %v", err)) // the build embeds them
	}
	for _, e := range entries {
		p := path.Join("streams", e.Name())
		b, err := streamFS.ReadFile(p)
		if err != nil {
			panic(fmt.Sprintf("library: read embedded %s: %v", p, err))
		}
		files[p] = b
	}
	return files
}

// Load parses and checks the built-in streams. It fails only if a built-in
// definition is broken, which the package's tests rule out.
func Load() ([]*svcflow.ValueStream, error) {
	streams, diags := streamdef.Load(Files())
	if streamdef.HasErrors(diags) {
		msgs := make([]string, 0, len(diags))
		for _, d := range diags {
			msgs = append(msgs, d.String())
		}
		return nil, fmt.Errorf("built-in value streams are invalid:\n%s", strings.Join(msgs, "\n"))
	}
	return streams, nil
}

// ByID returns the stream with the given id, or nil.
func ByID(streams []*svcflow.ValueStream, id string) *svcflow.ValueStream {
	for _, s := range streams {
		if s.ID == id {
			return s
		}
	}
	return nil
}
