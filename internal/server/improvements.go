package server

import (
	"net/http"
	"time"

	"github.com/svcflow/svcflow"
	"github.com/svcflow/svcflow/internal/desk"
	"github.com/svcflow/svcflow/internal/improve"
)

// improvement is the wire form of a register entry: the work item, its
// entry (with the baseline and the evaluation: baseline, post value, effect
// and its 95 % interval, days a side and p), and its final outcome.
type improvement struct {
	Item     workItem            `json:"item"`
	Register svcflow.Improvement `json:"register"`
	Outcome  string              `json:"outcome,omitempty"`
}

// improvementList is the register.
type improvementList struct {
	Items []improvement `json:"items"`
}

// raiseImprovement is the body of POST /api/v1/improvements. With
// from_bottleneck naming a stream, what is left out is drafted from the
// step its flow analytics rank first: title, problem observed, stream and
// step, and a criterion to cut that step's median wait by a fifth.
type raiseImprovement struct {
	Title           string             `json:"title"`
	Description     string             `json:"description,omitempty"`
	Service         string             `json:"service,omitempty"`
	CostOfDelay     int                `json:"cost_of_delay,omitempty"`
	Size            svcflow.Duration   `json:"size,omitzero"`
	ProblemObserved string             `json:"problem_observed"`
	ProposedAction  string             `json:"proposed_action"`
	ExpectedOutcome string             `json:"expected_outcome,omitempty"`
	Stream          string             `json:"stream,omitempty"`
	Step            string             `json:"step,omitempty"`
	Owner           string             `json:"owner,omitempty"`
	TargetDate      *time.Time         `json:"target_date,omitempty"`
	Criterion       *svcflow.Criterion `json:"criterion,omitempty"`
	Sources         []svcflow.Source   `json:"sources,omitempty"`
	FromBottleneck  string             `json:"from_bottleneck,omitempty"`
}

// patchImprovement is the body of PATCH /api/v1/improvements/{id}.
type patchImprovement struct {
	ProblemObserved *string            `json:"problem_observed,omitempty"`
	ProposedAction  *string            `json:"proposed_action,omitempty"`
	ExpectedOutcome *string            `json:"expected_outcome,omitempty"`
	Owner           *string            `json:"owner,omitempty"`
	TargetDate      *time.Time         `json:"target_date,omitempty"`
	Criterion       *svcflow.Criterion `json:"criterion,omitempty"`
}

// defaultWindow is the evaluation window of a drafted criterion.
const defaultWindow = 14 * 24 * time.Hour

func (s *Server) wireImprovement(r *http.Request, v *desk.ImprovementView) improvement {
	return improvement{Item: s.wireItem(r.Context(), &v.View), Register: *v.Register, Outcome: v.Outcome}
}

func (s *Server) listImprovements(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.desk.Register(r.Context(), personOf(r))
	if err != nil {
		return err
	}
	stream := r.URL.Query().Get("stream")
	out := improvementList{Items: []improvement{}}
	for _, v := range reg {
		if stream == "" || v.Register.Stream == stream {
			out.Items = append(out.Items, s.wireImprovement(r, v))
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) getImprovement(w http.ResponseWriter, r *http.Request) error {
	v, err := s.desk.Improvement(r.Context(), personOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(v.Item.Version))
	return writeJSON(w, http.StatusOK, s.wireImprovement(r, v))
}

func (s *Server) createImprovement(w http.ResponseWriter, r *http.Request) error {
	var b raiseImprovement
	if err := s.decode(w, r, &b); err != nil {
		return err
	}
	in := desk.RaiseInput{Title: b.Title, Description: b.Description, Service: b.Service, CostOfDelay: b.CostOfDelay, Size: b.Size,
		Register: svcflow.Improvement{ProblemObserved: b.ProblemObserved, ProposedAction: b.ProposedAction, ExpectedOutcome: b.ExpectedOutcome,
			Stream: b.Stream, Step: b.Step, Owner: b.Owner, Sources: b.Sources}}
	if b.TargetDate != nil {
		in.Register.TargetDate = *b.TargetDate
	}
	if b.Criterion != nil {
		in.Register.Criterion = *b.Criterion
	}
	if b.FromBottleneck != "" {
		if !personOf(r).Role.AtLeast(svcflow.RoleManager) {
			return newProblem("forbidden", "drafting from the flow analytics is for managers and admins, who may read them")
		}
		if err := s.draftFromBottleneck(r, b, &in); err != nil {
			return err
		}
	}
	v, err := s.desk.RaiseImprovement(r.Context(), personOf(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(v.Item.Version))
	w.Header().Set("Location", "/api/v1/improvements/"+v.Item.ID)
	return writeJSON(w, http.StatusCreated, s.wireImprovement(r, v))
}

// draftFromBottleneck fills what the body left out from the top
// bottleneck of the stream it names.
func (s *Server) draftFromBottleneck(r *http.Request, b raiseImprovement, in *desk.RaiseInput) error {
	l, err := s.storeLog(r)
	if err != nil {
		return err
	}
	window := defaultWindow
	if b.Criterion != nil && !b.Criterion.Window.IsZero() {
		window = b.Criterion.Window.Calendar
	}
	draft, err := improve.FromBottleneck(l, b.FromBottleneck, s.desk.Now(), window)
	if err != nil {
		e := err.(*svcflow.Error)
		return newProblem("invalid", "from_bottleneck: "+e.Message, fieldError{"from_bottleneck", e.Message})
	}
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&in.Title, draft.Title)
	fill(&in.Register.ProblemObserved, draft.Register.ProblemObserved)
	fill(&in.Register.Stream, draft.Register.Stream)
	fill(&in.Register.Step, draft.Register.Step)
	if b.Criterion == nil {
		in.Register.Criterion = draft.Register.Criterion
	}
	in.Register.Sources = append(in.Register.Sources, draft.Register.Sources...)
	return nil
}

func (s *Server) patchImprovement(w http.ResponseWriter, r *http.Request) error {
	if r.Header.Get("If-Match") == "" {
		return newProblem("precondition-required", "PATCH needs If-Match with the improvement's ETag, so it cannot overwrite a change made meanwhile")
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var b patchImprovement
	if err := s.decode(w, r, &b); err != nil {
		return err
	}
	v, err := s.desk.UpdateImprovement(r.Context(), personOf(r), r.PathValue("id"), version, desk.RegisterPatch{
		ProblemObserved: b.ProblemObserved, ProposedAction: b.ProposedAction, ExpectedOutcome: b.ExpectedOutcome,
		Owner: b.Owner, TargetDate: b.TargetDate, Criterion: b.Criterion})
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(v.Item.Version))
	return writeJSON(w, http.StatusOK, s.wireImprovement(r, v))
}

// evaluateImprovements runs the register's job now: what a server also
// does on its own every few minutes.
func (s *Server) evaluateImprovements(w http.ResponseWriter, r *http.Request) error {
	if !personOf(r).Role.AtLeast(svcflow.RoleManager) {
		return newProblem("forbidden", "running the register's measurements is for managers and admins")
	}
	p, err := improve.Run(r.Context(), s.desk)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}
