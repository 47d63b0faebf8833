package flow

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/svcflow/svcflow/internal/eventlog"
)

// FuzzAnalyze runs every analysis on whatever log the CSV reader accepts:
// nothing may panic, and the report must encode as JSON (a NaN or an
// infinity would not).
func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{
		"case,activity,timestamp\na,x,2026-03-02T09:00:00\na,y,2026-03-02T09:05:00\nb,x,2026-03-02T09:01:00\n",
		"case,activity,timestamp,lifecycle,resource\na,x,2026-03-02 09:00,start,r\na,x,2026-03-02 09:05,complete,r\na,y,2026-03-02 09:05,suspend,s\n",
		"case,activity,timestamp,start_timestamp\na,x,2026-03-02T09:05:00,2026-03-02T09:00:00\na,x,2026-03-02T09:04:00,2026-03-02T09:06:00\n",
		"case,activity,timestamp\na,x,2026-03-02T09:00:00\na,x,2026-03-02T09:00:00\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		res, err := eventlog.ReadCSV(strings.NewReader(s), eventlog.ReadOptions{})
		if err != nil || res.Log.Events() == 0 {
			return
		}
		l := res.Log
		first := l.Str(l.Activity[0])
		for _, opt := range []Options{
			{},
			{ResolvedActivities: []string{first}, Window: WindowDay},
			{Timing: TimingCompletion, ResolvedActivities: []string{first}, SLATargets: map[string]time.Duration{"": time.Hour}},
			{Timing: TimingState, States: map[string]StateClass{first: StateActive}, ResolvedActivities: []string{"nothing"}, ResolvedOptional: true},
		} {
			if opt.Timing == TimingState {
				for _, a := range l.Activity {
					if _, ok := opt.States[l.Str(a)]; !ok {
						opt.States[l.Str(a)] = StateQueued
					}
				}
			}
			a, err := Analyze(l, AnalyzeOptions{Options: opt})
			if err != nil {
				continue
			}
			if _, err := json.Marshal(a); err != nil {
				t.Fatalf("options %+v: the report does not encode: %v", opt, err)
			}
		}
	})
}
