package report

import "testing"

func TestSafe(t *testing.T) {
	tests := map[string]string{
		"plain 10.0.0.1:80":       "plain 10.0.0.1:80",
		"\x1b[31mred\x1b[0m":      `\x1b[31mred\x1b[0m`,
		"title\x1b]0;pwned\x07":   `title\x1b]0;pwned\x07`,
		"nl\nand\rcr\ttab":        `nl\x0aand\x0dcr\x09tab`,
		"bad utf8 \xff\xfe":       `bad utf8 \xff\xfe`,
		"unicode ok: é ü 日本":      "unicode ok: é ü 日本",
		"c1 control \u009b31m":    `c1 control \u009b31m`,
		"bidi override \u202eabc": `bidi override \u202eabc`,
	}
	for in, want := range tests {
		if got := Safe(in); got != want {
			t.Errorf("Safe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCommas(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := commas(n); got != want {
			t.Errorf("commas(%d) = %q, want %q", n, got, want)
		}
	}
}
