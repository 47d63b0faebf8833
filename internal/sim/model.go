// Package sim is svcflow's discrete-event simulation of value streams:
// work classes arriving at random, flowing through the steps of their
// streams, queueing for the teams that share the work, so that a service
// owner can see what a change does to lead time before making it (003
// §4.1.4). It knows nothing of HTTP or SQL; the queue ranking and the
// counting of WIP are the work engine's own rules from the root package.
//
// Times inside a model are float64 seconds of simulated time (in textbook
// mode, abstract units); scenario files write them as durations ("2m",
// "2.5h") and rates per hour, and the scenario codec maps them.
package sim

// Model is one simulation: work classes flowing through their steps,
// sharing teams, observed over a horizon after a warm-up, replicated.
type Model struct {
	Name  string
	Note  string // what a person should know, e.g. how it was calibrated
	Teams []Team
	Work  []Class

	Horizon      float64 // seconds observed after the warm-up
	WarmUp       float64 // seconds simulated first and not observed
	Replications int
	Seed         uint64

	// SLA is the resolution target per priority ("P1"…"P5"; "" for every
	// priority without its own), in seconds; SLA attainment is reported
	// when it is set.
	SLA map[string]float64

	// DelayOnly says the step durations are lead times of a completion-only
	// log: every step is a pure delay, with no queue, so capacity what-ifs
	// (people, WIP limits, queue policies) are refused.
	DelayOnly bool
}

// Team is a group of interchangeable people with one queue.
type Team struct {
	ID     string
	People int
	// Policy orders the team's queue, in the text form of
	// svcflow.ParseQueuePolicy ("fifo", "priority+aging=4h"); "" is
	// svcflow.DefaultQueuePolicy, as in the engine.
	Policy string
	Shifts []Shift // none: always available
}

// Shift is when some of a team's people work, every week: on Days (0 is
// Sunday, as time.Weekday), from Start to End seconds after midnight of
// simulated time (day 0 of the simulation is a Monday).
type Shift struct {
	Days   []int
	Start  float64
	End    float64
	People int
}

// Class is one kind of work: how it arrives, in which priorities, and the
// steps of its stream.
type Class struct {
	ID       string
	Stream   string // the value stream it models, for people
	Arrivals Arrivals
	Priority []PriorityShare // none: all P3
	Entry    string          // the first step
	Steps    []Step
}

// PriorityShare is one priority of a class's mix.
type PriorityShare struct {
	Priority string
	Share    float64
}

// Arrival processes.
const (
	ArrivalPoisson   = "poisson"   // Rate per second
	ArrivalProfile   = "profile"   // Poisson with a rate per hour of the week (Profile, 168 rates, Monday 00:00 first)
	ArrivalGaussian  = "gaussian"  // inter-arrival times normal(Mean, SD), truncated at 0
	ArrivalPareto    = "pareto"    // inter-arrival times Pareto(Scale = minimum, Shape)
	ArrivalEmpirical = "empirical" // inter-arrival Samples, replayed in order (cycling) or Bootstrap-ped
)

// Arrivals is how a class's work arrives.
type Arrivals struct {
	Kind      string
	Rate      float64   // per second
	Profile   []float64 // per second, one per hour of the week
	Mean, SD  float64   // seconds
	Scale     float64   // seconds
	Shape     float64
	Samples   []float64 // seconds
	Bootstrap bool
}

// Duration distributions.
const (
	DistFixed       = "fixed"       // Mean
	DistExponential = "exponential" // Mean
	DistNormal      = "normal"      // Mean, SD, truncated to [Min, Max] (Max 0: no upper bound; Min below 0 is 0)
	DistLognormal   = "lognormal"   // Mean and SD of the duration itself (not of its logarithm)
	DistTriangular  = "triangular"  // Min, Mode, Max
	DistEmpirical   = "empirical"   // Samples, drawn uniformly
)

// Dist is a distribution of durations, in seconds.
type Dist struct {
	Kind                     string
	Mean, SD, Min, Mode, Max float64
	Samples                  []float64
}

// Step is one step of a class's stream.
type Step struct {
	ID string
	// Team works the step; "" makes the step a pure delay, time that uses
	// no team (an approver's response, a requester fixing a form).
	Team string
	// Duration is the service time with a team, the delay without one.
	Duration Dist
	// Automated steps take Duration without any team or queue.
	Automated bool
	// WIPLimit caps the step's visits in progress (SPEC §3: started and
	// not ended); queued work waits while the step is full. 0: no limit.
	WIPLimit int
	// AutoApprove is, for an approval step, the share of items approved
	// at once, skipping the step's duration.
	AutoApprove float64
	// Resolves marks the step whose completion resolves the item: its
	// time_to_resolve ends there.
	Resolves bool
	// Next are the transitions out of the step, chosen at random by
	// probability (they sum to 1); To is a step id or "value".
	Next []Route
}

// Route is one transition out of a step.
type Route struct {
	To          string
	Probability float64
	Outcome     string
}

// Value is the end of every stream.
const Value = "value"
