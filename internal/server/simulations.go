package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/report"
	"github.com/svcflow/svcflow/internal/sim"
)

// simulationRequest runs scenarios given as scenario files (YAML text, as
// `svcflow sim run` reads them). With several, each is compared with the
// first. A file may not name a baseline: it must hold its model.
type simulationRequest struct {
	Scenarios    []string `json:"scenarios"`
	Replications int      `json:"replications,omitempty"` // 0: each scenario's own
	Seed         uint64   `json:"seed,omitempty"`         // 0: the first scenario's; every scenario runs on it
}

// Bounds of one simulation request, so that one request cannot hold an
// instance for long: scenarios, replications, simulated items, events and
// wall time.
const (
	maxSimScenarios    = 5
	maxSimReplications = 30
	maxSimItems        = 2_000_000 // expected arrivals over all replications of a scenario
	maxSimEvents       = 50_000_000
	maxSimTime         = 30 * time.Second
)

func (s *Server) simulate(w http.ResponseWriter, r *http.Request) error {
	if p := personOf(r); p == nil || !p.Role.AtLeast(svcflow.RoleManager) {
		return newProblem("forbidden", "simulations are for managers and admins")
	}
	var req simulationRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	switch {
	case len(req.Scenarios) == 0:
		return newProblem("invalid", "scenarios: give at least one scenario file", fieldError{"scenarios", "expected at least one scenario file"})
	case len(req.Scenarios) > maxSimScenarios:
		return newProblem("invalid", fmt.Sprintf("scenarios: at most %d per request", maxSimScenarios), fieldError{"scenarios", fmt.Sprintf("at most %d", maxSimScenarios)})
	case req.Replications < 0 || req.Replications > maxSimReplications:
		return newProblem("invalid", fmt.Sprintf("replications: expected 1 to %d", maxSimReplications), fieldError{"replications", fmt.Sprintf("expected 1 to %d", maxSimReplications)})
	}
	models := make([]*sim.Model, len(req.Scenarios))
	for i, text := range req.Scenarios {
		field := fmt.Sprintf("scenarios[%d]", i)
		sc, ds := sim.ParseScenario(field, []byte(text))
		if sc == nil {
			fields := make([]fieldError, len(ds))
			for j, d := range ds {
				fields[j] = fieldError{field, d.String()}
			}
			return newProblem("invalid", field+": the scenario has problems", fields...)
		}
		if sc.Model == nil {
			return newProblem("invalid", field+": names a baseline file; send a scenario that holds its model",
				fieldError{field, "a baseline file cannot be read here; send the whole model"})
		}
		m, err := sc.Resolve()
		if err != nil {
			return newProblem("invalid", field+": "+err.Error(), fieldError{field, err.Error()})
		}
		if req.Replications > 0 {
			m.Replications = req.Replications
		}
		if m.Replications > maxSimReplications {
			return newProblem("invalid", fmt.Sprintf("%s: %d replications; at most %d", field, m.Replications, maxSimReplications),
				fieldError{field, fmt.Sprintf("at most %d replications", maxSimReplications)})
		}
		if items := expectedArrivals(m); items > maxSimItems {
			return newProblem("invalid", fmt.Sprintf("%s: about %.0f items to simulate; at most %d per request: shorten the horizon or run it with svcflow sim run", field, items, maxSimItems),
				fieldError{field, "too large for the API"})
		}
		models[i] = m
	}
	seed := req.Seed
	if seed == 0 {
		seed = models[0].Seed
	}
	ctx, cancel := context.WithTimeout(r.Context(), maxSimTime)
	defer cancel()
	var doc report.SimDocument
	for i, m := range models {
		m.Seed = seed
		rep, err := sim.Run(ctx, m, sim.RunOptions{MaxEvents: maxSimEvents, SkipItems: true})
		if err != nil {
			if ctx.Err() != nil {
				return newProblem("invalid", fmt.Sprintf("scenarios[%d]: the simulation took longer than %s; run it with svcflow sim run", i, maxSimTime))
			}
			return newProblem("invalid", fmt.Sprintf("scenarios[%d]: %v", i, err), fieldError{fmt.Sprintf("scenarios[%d]", i), err.Error()})
		}
		name := m.Name
		if name == "" {
			name = fmt.Sprintf("scenario %d", i+1)
		}
		doc.Scenarios = append(doc.Scenarios, report.SimRun{Name: name, Report: rep})
		if i > 0 {
			doc.Comparisons = append(doc.Comparisons, report.SimComparison{Baseline: doc.Scenarios[0].Name, Scenario: name,
				Metrics: sim.CompareReports(doc.Scenarios[0].Report, rep)})
		}
	}
	return writeJSON(w, http.StatusOK, doc)
}

// expectedArrivals estimates how many items a model's replications bring.
func expectedArrivals(m *sim.Model) float64 {
	span := m.Horizon + m.WarmUp
	total := 0.0
	for _, c := range m.Work {
		a := c.Arrivals
		var rate float64 // per second
		switch a.Kind {
		case sim.ArrivalPoisson:
			rate = a.Rate
		case sim.ArrivalProfile:
			for _, p := range a.Profile {
				rate = max(rate, p)
			}
		case sim.ArrivalGaussian:
			rate = 1 / max(a.Mean, 1e-9)
		case sim.ArrivalPareto:
			rate = 1 / max(a.Scale, 1e-9)
		case sim.ArrivalEmpirical:
			sum := 0.0
			for _, x := range a.Samples {
				sum += x
			}
			rate = float64(len(a.Samples)) / max(sum, 1e-9)
		}
		total += rate * span
	}
	return total * float64(max(m.Replications, 1))
}
