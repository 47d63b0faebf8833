// Package improve measures improvements of the continual improvement
// register (SPEC §2): each improvement has one success criterion (a metric
// from the analytics, its scope, a baseline, a target and an evaluation
// window), and at the end of the window the metric is measured again and
// the improvement is validated only when the estimate meets the target and
// a one-sided test in the intended direction is significant at Alpha.
//
// The test runs on one aggregate per calendar day (UTC), not on individual
// waits: the waits of items queueing behind one another are correlated, and
// a test that took them as independent would find effects that are not
// there. Days are close enough to independent when queues empty overnight
// or at least turn over within a day; the A/A test in this package checks
// that a change that does nothing validates no more often than it should.
package improve
