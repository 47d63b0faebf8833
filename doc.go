// Package svcflow holds the vocabulary of svcflow and its pure rules: the six
// value chain activities, the 34 management practices, value streams with
// their steps and transitions, work item kinds, and the validation of a
// stream definition. It depends on the standard library only; storage,
// transports and file formats live in internal packages that import it.
package svcflow
