package postgres

import "testing"

func TestTSQuery(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"vpn", `'vpn':*`},
		{"Client UPD", `'Client':* & 'UPD':*`},
		{`"unbalanced (quote`, `'unbalanced':* & 'quote':*`},
		{"555-0100", `('555' <-> '0100':*)`},
		{`a&b | !c:* <-> 'd'`, `('a' <-> 'b':*) & 'c':* & 'd':*`},
		{`" ( ) & |`, ``},
		{"Überweisung", `'Überweisung':*`},
		{`O'Brien\x`, `('O' <-> 'Brien' <-> 'x':*)`},
	} {
		if got := tsQuery(tt.text); got != tt.want {
			t.Errorf("tsQuery(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
