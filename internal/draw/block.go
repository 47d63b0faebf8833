package draw

// LineSpacing is line height as a multiple of the font size in the maps.
const LineSpacing = 1.3

// BoldFactor is how much wider than the fixed-width estimate bold text is
// measured, because bold faces are.
const BoldFactor = 1.1

// TextBlock is a run of wrapped lines in one font, the unit the maps stack
// inside boxes and titles.
type TextBlock struct {
	Class string
	Lines []string
	Size  float64
	Bold  bool
}

// Height is the height of the block's line boxes.
func (b TextBlock) Height() float64 { return float64(len(b.Lines)) * b.Size * LineSpacing }

// Width is the width of the block's widest line.
func (b TextBlock) Width() float64 {
	w := 0.0
	for _, line := range b.Lines {
		lw := TextWidth(line, b.Size)
		if b.Bold {
			lw *= BoldFactor
		}
		w = max(w, lw)
	}
	return w
}

// BlocksHeight is the height of blocks stacked gap apart inside a box
// padded by pad above and below.
func BlocksHeight(bs []TextBlock, pad, gap float64) float64 {
	h := 2 * pad
	for i, b := range bs {
		if i > 0 {
			h += gap
		}
		h += b.Height()
	}
	return h
}

// WriteBlock writes the lines of b as one text element whose first line
// box starts at top. Each baseline sits half the leading plus an ascent
// (0.8 em, as in common sans-serif faces) below the top of its line box.
func WriteBlock(w *Writer, b TextBlock, x, top float64, anchor, fill string) {
	attrs := []Attr{A("class", b.Class), N("x", x), N("font-size", b.Size), A("fill", fill)}
	if anchor != "start" {
		attrs = append(attrs, A("text-anchor", anchor))
	}
	if b.Bold {
		attrs = append(attrs, A("font-weight", "bold"))
	}
	w.Open("text", attrs...)
	for i, line := range b.Lines {
		w.Text("tspan", line, N("x", x), N("y", top+float64(i)*b.Size*LineSpacing+b.Size*((LineSpacing-1)/2+0.8)))
	}
	w.End()
}

// TitledLayout lays g out below a title that wraps to the drawing's width:
// it measures the width first, wraps the title (at least minTitleWidth
// wide), widens the drawing to hold it, then lays out again below it. It
// returns the layout, the title blocks and the drawing's width.
func TitledLayout(g Graph, opt Options, title func(width float64) []TextBlock, minTitleWidth float64) (*Layout, []TextBlock, float64, error) {
	first, err := Layered(g, opt)
	if err != nil {
		return nil, nil, 0, err
	}
	margin := opt.withDefaults().Margin
	blocks := title(max(first.Width-2*margin, minTitleWidth))
	width := first.Width
	top := 16.0
	for _, b := range blocks {
		width = max(width, b.Width()+2*margin)
		top += b.Height()
	}
	opt.Top = top + 8
	l, err := Layered(g, opt)
	if err != nil {
		return nil, nil, 0, err
	}
	return l, blocks, width, nil
}
