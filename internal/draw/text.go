package draw

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// CharWidth is the advance of one ordinary character in em. It is the advance
// of common monospace fonts and, on running text, an upper bound for the
// sans-serif fonts browsers fall back to (their average is about 0.5 em), so
// text measured with it fits its box without a font being loaded to measure.
const CharWidth = 0.6

// WideCharWidth is the advance in em of a wide character: CJK ideographs and
// kana, Hangul, and symbols from U+2000 on (arrows, check marks, dingbats),
// which fallback fonts draw up to a full em wide.
const WideCharWidth = 1.0

// runeWidth returns the advance of r in em.
func runeWidth(r rune) float64 {
	if r >= 0x2000 || unicode.In(r, unicode.Han, unicode.Hangul, unicode.Hiragana, unicode.Katakana) {
		return WideCharWidth
	}
	return CharWidth
}

// TextWidth estimates the width of s set at fontSize pixels, counting each
// character as CharWidth em (WideCharWidth for wide characters).
func TextWidth(s string, fontSize float64) float64 {
	var em float64
	for _, r := range s {
		em += runeWidth(r)
	}
	return em * fontSize
}

// Wrap breaks s at spaces into lines no wider than width by TextWidth, in the
// order they are read. A word longer than a line is cut at the character that
// would overflow, so every line fits; a line always takes at least one
// character, even when width is too narrow for it. Runs of white space become
// one space. Wrap returns nil for a blank s.
func Wrap(s string, width, fontSize float64) []string {
	var lines []string
	var line strings.Builder
	lineW := 0.0
	space := TextWidth(" ", fontSize)
	flush := func() {
		if line.Len() > 0 {
			lines = append(lines, line.String())
			line.Reset()
			lineW = 0
		}
	}
	for _, word := range strings.Fields(s) {
		w := TextWidth(word, fontSize)
		if line.Len() > 0 && lineW+space+w <= width {
			line.WriteByte(' ')
			line.WriteString(word)
			lineW += space + w
			continue
		}
		flush()
		for w > width && utf8.RuneCountInString(word) > 1 {
			head, rest := cut(word, width, fontSize)
			lines = append(lines, head)
			word = rest
			w = TextWidth(word, fontSize)
		}
		line.WriteString(word)
		lineW = w
	}
	flush()
	return lines
}

// cut splits word into the longest head that fits width (at least one
// character) and the rest.
func cut(word string, width, fontSize float64) (head, rest string) {
	w := 0.0
	for i, r := range word {
		w += runeWidth(r) * fontSize
		if w > width && i > 0 {
			return word[:i], word[i:]
		}
	}
	return word, ""
}
