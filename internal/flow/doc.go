// Package flow analyses event logs: it measures flow as SPEC §3 defines it
// (visits, wait, cycle and blocked time, WIP, throughput, Little's Law,
// handoffs, rework, utilization, bottlenecks and outcome metrics), and
// compares what happened with the designed value stream (directly-follows
// maps, variants, conformance).
//
// Measure reads a compact log (eventlog.Log) in one of three timing kinds
// and never invents a number: what the timing cannot give is null in the
// JSON. Visits are held column by column, and the per-step and per-window
// figures come from single passes and sweep lines, so a log of millions of
// events is measured in a fraction of a second.
//
// Units and methods, once for every figure:
//   - durations are seconds (float64), times RFC 3339;
//   - percentiles interpolate linearly between order statistics (type 7,
//     numpy's default);
//   - floats are rounded to 9 significant digits, so output is stable;
//   - lists are sorted (steps by name, rankings by score then name).
package flow
