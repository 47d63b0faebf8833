package flow

import (
	"reflect"
	"testing"
	"time"
)

func TestHistogram(t *testing.T) {
	min := int64(time.Minute)
	for _, tc := range []struct {
		name string
		ns   []int64
		want []Bin
	}{
		{"empty", nil, []Bin{}},
		// p95 of 20 values is the 19th (index 18): 18 min; 18 min / 20 bins
		// = 54 s, rounded up to 1 min. Bins run [0,1) … [18,19) minutes; the
		// 60-minute value overflows into a last bin that ends at it.
		{"tail", append(minutes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18), 60*min), nil},
		// Every value the same: one bin.
		{"flat", minutes(5, 5, 5), nil},
	} {
		h := newHistogram(tc.ns)
		total := 0
		for _, b := range h.Bins {
			total += b.Count
		}
		if total != len(tc.ns) {
			t.Errorf("%s: %d values binned of %d", tc.name, total, len(tc.ns))
		}
		switch tc.name {
		case "empty":
			if !reflect.DeepEqual(h.Bins, tc.want) {
				t.Errorf("empty: %+v", h.Bins)
			}
		case "tail":
			if len(h.Bins) != 20 || h.Bins[0].To != 60 || h.Bins[18].Count != 1 {
				t.Fatalf("tail: %d bins: %+v", len(h.Bins), h.Bins)
			}
			if last := h.Bins[19]; !last.Overflow || last.From != 19*60 || last.To != 3600 || last.Count != 1 {
				t.Errorf("overflow bin %+v", last)
			}
		case "flat":
			// 5 min / 20 = 15 s bins; 5 min falls in [300, 315).
			if len(h.Bins) != 21 || h.Bins[20].Count != 3 || h.Bins[20].From != 300 || h.Bins[20].Overflow {
				t.Errorf("flat: %d bins, last %+v", len(h.Bins), h.Bins[len(h.Bins)-1])
			}
		}
	}
}

func minutes(m ...int64) []int64 {
	out := make([]int64, len(m))
	for i, v := range m {
		out[i] = v * int64(time.Minute)
	}
	return out
}

func TestNiceWidth(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{
		{0.3, 0.5}, {0.05, 0.05}, {7, 10}, {54, 60}, {61, 120}, {210, 300}, {3000, 3600}, {4000, 7200}, {90000, 172800}, {3e6, 2 * 2592000}, {2e7, 10 * 2592000},
	} {
		if got := niceWidth(tc.in); got != tc.want {
			t.Errorf("niceWidth(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
