// Package draw is the SVG toolkit that stream maps, observed process maps and
// charts share: a writer that refuses what a strict Content-Security-Policy
// would block, a fixed-width text estimate with word wrapping, a layered
// layout for directed graphs with cycles, and the activity palette.
//
// The layout returns geometry only (boxes, edge paths, label boxes, lane
// bands) so each renderer chooses its own classes and colours. All sizes are
// in CSS pixels of the SVG user space.
package draw
