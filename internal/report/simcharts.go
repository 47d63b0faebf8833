package report

import "html/template"

// SimCharts draws the charts of SimHTML for a page of its own: the
// time-to-resolve distributions of the scenarios over each other and
// utilization per team and scenario, each an SVG document whose text
// draw.Chart escapes, so a page may embed them as they are.
func SimCharts(doc SimDocument) ([]template.HTML, error) { return simCharts(doc) }
