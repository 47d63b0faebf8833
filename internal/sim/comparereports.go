package sim

import (
	"math"
	"slices"
)

// CompareReports compares scenario B with baseline A metric by metric over
// their replications: the mean time to resolve in hours (overall and, with
// several work classes, per class), throughput per hour, and each team's
// utilization that both have.
func CompareReports(a, b *Report) []Comparison {
	per := func(r *Report, f func(*Replication) float64) []float64 {
		out := make([]float64, len(r.Runs))
		for i, run := range r.Runs {
			out[i] = f(run)
		}
		return out
	}
	meanHours := func(x []float64) float64 {
		if len(x) == 0 {
			return math.NaN()
		}
		sum := 0.0
		for _, v := range x {
			sum += v
		}
		return sum / float64(len(x)) / 3600
	}
	meanTTR := func(run *Replication) float64 { return meanHours(run.TimeToResolve) }
	out := []Comparison{
		CompareMetric("time_to_resolve_mean_hours", per(a, meanTTR), per(b, meanTTR)),
		CompareMetric("throughput_per_hour", per(a, func(r *Replication) float64 { return r.Throughput }), per(b, func(r *Replication) float64 { return r.Throughput })),
	}
	if len(a.Classes) > 1 {
		for i, c := range a.Classes {
			j := slices.IndexFunc(b.Classes, func(x ClassReport) bool { return x.Class == c.Class })
			if j < 0 {
				continue
			}
			out = append(out, CompareMetric("time_to_resolve_mean_hours_"+c.Class,
				per(a, func(r *Replication) float64 { return meanHours(r.ClassTimeToResolve[i]) }),
				per(b, func(r *Replication) float64 { return meanHours(r.ClassTimeToResolve[j]) })))
		}
	}
	for i, t := range a.Teams {
		j := -1
		for k, u := range b.Teams {
			if u.Team == t.Team {
				j = k
			}
		}
		if j < 0 {
			continue
		}
		out = append(out, CompareMetric("utilization_"+t.Team,
			per(a, func(r *Replication) float64 { return r.Utilization[i] }),
			per(b, func(r *Replication) float64 { return r.Utilization[j] })))
	}
	return out
}
