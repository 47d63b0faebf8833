package svcflow

// Suggest returns the option closest to word by edit distance, or "" when
// none is close enough to be a plausible typo (at most a third of the
// word's length, and at least one edit allowed).
func Suggest(word string, options []string) string {
	best, bestDist := "", -1
	for _, o := range options {
		d := editDistance(word, o)
		if bestDist < 0 || d < bestDist {
			best, bestDist = o, d
		}
	}
	limit := max(len([]rune(word))/3, 2)
	if bestDist < 0 || bestDist > limit || bestDist == 0 {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, counted in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
