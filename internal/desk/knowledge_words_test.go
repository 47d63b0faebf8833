package desk

import "testing"

func TestSignificantWords(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"The VPN disconnects all the time", "VPN disconnects"},
		{"my printer is slow.", "printer slow."},
		{"What? It does not work!", "work!"},
		{"the a an of", ""},
		{"", ""},
		{"Outlook (again) asks for the password", "Outlook asks password"},
	} {
		if got := significantWords(tc.in); got != tc.want {
			t.Errorf("significantWords(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
