package svcflow

import (
	"fmt"
	"strings"
)

// Priority is a work item's priority level, P1 (critical) to P5 (planning).
type Priority string

// The five priority levels.
const (
	P1 Priority = "P1" // critical
	P2 Priority = "P2" // high
	P3 Priority = "P3" // moderate
	P4 Priority = "P4" // low
	P5 Priority = "P5" // planning
)

// Rank returns 1 for P1 through 5 for P5, and 6 for an unknown priority so
// that it sorts last.
func (p Priority) Rank() int {
	if len(p) == 2 && p[0] == 'P' && p[1] >= '1' && p[1] <= '5' {
		return int(p[1] - '0')
	}
	return 6
}

// IsValid reports whether p is P1 to P5.
func (p Priority) IsValid() bool { return p.Rank() <= 5 }

// PriorityMatrix maps impact (row) and urgency (column), each 1 high, 2
// medium or 3 low, to a priority.
type PriorityMatrix [3][3]Priority

// DefaultPriorityMatrix is SPEC §5's matrix: P1 (1,1); P2 (1,2)(2,1); P3
// (1,3)(2,2)(3,1); P4 (2,3)(3,2); P5 (3,3).
var DefaultPriorityMatrix = PriorityMatrix{
	{P1, P2, P3},
	{P2, P3, P4},
	{P3, P4, P5},
}

// Priority returns the priority for an impact and an urgency.
func (m PriorityMatrix) Priority(impact, urgency int) (Priority, error) {
	if impact < 1 || impact > 3 {
		return "", FieldErrorf("impact", "impact %d; expected 1 (high), 2 (medium) or 3 (low)", impact)
	}
	if urgency < 1 || urgency > 3 {
		return "", FieldErrorf("urgency", "urgency %d; expected 1 (high), 2 (medium) or 3 (low)", urgency)
	}
	return m[impact-1][urgency-1], nil
}

// Validate checks every cell holds P1 to P5.
func (m PriorityMatrix) Validate() error {
	var bad []string
	for i, row := range m {
		for j, p := range row {
			if !p.IsValid() {
				bad = append(bad, fmt.Sprintf("(%d,%d)=%q", i+1, j+1, p))
			}
		}
	}
	if len(bad) > 0 {
		return Errorf(ErrInvalid, "priority matrix cells %s; expected P1 to P5", strings.Join(bad, ", "))
	}
	return nil
}
