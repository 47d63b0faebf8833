package svcflow

// Kind is the kind of a work item.
type Kind string

// The kinds of work item.
const (
	KindQuery          Kind = "query"
	KindIncident       Kind = "incident"
	KindServiceRequest Kind = "service_request"
	KindChange         Kind = "change"
	KindProblem        Kind = "problem"
	KindDemand         Kind = "demand" // a new or changed service, carrying a user story
	KindImprovement    Kind = "improvement"
)

var kinds = []Kind{KindQuery, KindIncident, KindServiceRequest, KindChange, KindProblem, KindDemand, KindImprovement}

// Kinds returns every work item kind.
func Kinds() []Kind { return append([]Kind(nil), kinds...) }

// IsValid reports whether k is a known kind.
func (k Kind) IsValid() bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

// KindIDs returns the kinds as strings, for messages and suggestions.
func KindIDs() []string {
	ids := make([]string, len(kinds))
	for i, k := range kinds {
		ids[i] = string(k)
	}
	return ids
}
