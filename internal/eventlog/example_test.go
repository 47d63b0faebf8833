package eventlog_test

import (
	"fmt"
	"os"
	"time"

	svcflow "github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/eventlog"
)

func ExampleCSVWriter() {
	at := time.Date(2026, 3, 2, 10, 15, 0, 0, time.FixedZone("CET", 3600))
	w := eventlog.NewCSVWriter(os.Stdout)
	for _, e := range []svcflow.Event{
		{Seq: 41, Item: "INC-7", Version: 2, Time: at, Actor: svcflow.SystemActor, Type: svcflow.EventStepEntered,
			Step: "investigate", Activity: svcflow.DeliverSupport, Data: svcflow.EventData{Team: "service-desk"}},
		{Seq: 44, Item: "INC-7", Version: 3, Time: at.Add(90 * time.Second), Actor: "p-ana", Type: svcflow.EventCommented,
			Step: "investigate", Activity: svcflow.DeliverSupport, Data: svcflow.EventData{Comment: "c-9", Public: true}},
	} {
		if err := w.Write(e); err != nil {
			fmt.Println(err)
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// case,seq,version,time,actor,type,step,activity,lifecycle,team,person,outcome,reason,before,after,detail
	// INC-7,41,2,2026-03-02T09:15:00.000+00:00,system,step_entered,investigate,deliver_support,schedule,service-desk,,,,,,
	// INC-7,44,3,2026-03-02T09:16:30.000+00:00,p-ana,comment_added,investigate,deliver_support,,,,,,,,comment=c-9;public=true
}

func ExampleLifecycle() {
	for _, t := range []svcflow.EventType{svcflow.EventStepRequeued, svcflow.EventStepExited, svcflow.EventStatusChanged} {
		tr, ok := eventlog.Lifecycle(t)
		fmt.Printf("%s → %q %t\n", t, tr, ok)
	}
	// Output:
	// step_requeued → "reassign" true
	// step_exited → "ate_abort" true
	// status_changed → "" false
}
