package svcflow

// Activity is one of the six activities of the service value chain.
type Activity string

// The six value chain activities, in the order the value chain is usually drawn.
const (
	Plan             Activity = "plan"
	Improve          Activity = "improve"
	Engage           Activity = "engage"
	DesignTransition Activity = "design_transition"
	ObtainBuild      Activity = "obtain_build"
	DeliverSupport   Activity = "deliver_support"
)

// ActivityInfo describes an activity for people: its display name and what it
// is for, in our own words.
type ActivityInfo struct {
	ID      Activity `json:"id"`
	Name    string   `json:"name"`
	Purpose string   `json:"purpose"`
}

var activities = []ActivityInfo{
	{Plan, "Plan", "Set direction: decide priorities, policies and where the organisation's services are heading."},
	{Improve, "Improve", "Find and make improvements to services, practices and the value chain itself, again and again."},
	{Engage, "Engage", "Talk with customers, users and suppliers: learn what they need and keep the relationship healthy."},
	{DesignTransition, "Design and transition", "Shape new and changed services and move them into use without surprises."},
	{ObtainBuild, "Obtain/build", "Get the parts a service is made of, built, bought or configured, ready in time."},
	{DeliverSupport, "Deliver and support", "Run the live service day to day and help the people who use it."},
}

// Activities returns the six value chain activities in their canonical order.
func Activities() []ActivityInfo {
	return append([]ActivityInfo(nil), activities...)
}

// IsValid reports whether a is one of the six activities.
func (a Activity) IsValid() bool {
	for _, x := range activities {
		if x.ID == a {
			return true
		}
	}
	return false
}

// Name returns the display name of a, or the raw id for an unknown activity.
func (a Activity) Name() string {
	for _, x := range activities {
		if x.ID == a {
			return x.Name
		}
	}
	return string(a)
}

// ActivityIDs returns the ids of the six activities as strings, for messages and suggestions.
func ActivityIDs() []string {
	ids := make([]string, len(activities))
	for i, a := range activities {
		ids[i] = string(a.ID)
	}
	return ids
}
