package demo

import (
	"context"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
)

// SLAs saves the demo's business calendar and SLA policies: office hours
// in London with the 2026 bank holidays, and the targets of a typical desk.
func SLAs(ctx context.Context, d *desk.Desk) error {
	cal := &svcflow.Calendar{
		ID: "office-hours", Name: "Office hours (London)", TimeZone: "Europe/London",
		Hours: []svcflow.WorkingHours{{Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, Start: "08:00", End: "18:00"}},
		Holidays: []string{"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28",
			"2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28"},
	}
	if err := d.SaveCalendar(ctx, nil, cal); err != nil {
		return err
	}
	target := func(p svcflow.Priority, resp, res string) svcflow.SLATarget {
		return svcflow.SLATarget{Priority: p, Response: svcflow.MustParseDuration(resp), Resolution: svcflow.MustParseDuration(res)}
	}
	policies := []*svcflow.SLAPolicy{
		{ID: "standard", Name: "Standard support", Calendar: cal.ID, Targets: []svcflow.SLATarget{
			target(svcflow.P1, "30m", "4h"), target(svcflow.P2, "1h", "8h"), target(svcflow.P3, "4h", "3bd"),
			target(svcflow.P4, "1bd", "5bd"), target(svcflow.P5, "2bd", "10bd")}},
		{ID: "head-office", Name: "Head office (tier 1)", Calendar: cal.ID, Tiers: []int{1}, Targets: []svcflow.SLATarget{
			target(svcflow.P1, "15m", "2h"), target(svcflow.P2, "30m", "6h"), target(svcflow.P3, "2h", "2bd"),
			target(svcflow.P4, "4h", "4bd"), target(svcflow.P5, "1bd", "8bd")}},
	}
	for _, p := range policies {
		if err := d.SaveSLAPolicy(ctx, nil, p); err != nil {
			return err
		}
	}
	return nil
}
