package analysis

import (
	"fmt"
	"strconv"
	"strings"
)

// StatusSet is a set of status codes given as a comma-separated list of codes
// and classes, e.g. "502,504" or "5xx" or "460,5xx".
type StatusSet struct {
	codes   map[int]bool
	classes [10]bool
}

// ParseStatusSet parses a list such as "502,5xx".
func ParseStatusSet(s string) (*StatusSet, error) {
	set := &StatusSet{codes: map[int]bool{}}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(strings.ToLower(part))
		if len(part) == 3 && part[1:] == "xx" && part[0] >= '1' && part[0] <= '9' {
			set.classes[part[0]-'0'] = true
			continue
		}
		n, err := strconv.Atoi(part)
		if err != nil || n < 100 || n > 999 {
			return nil, fmt.Errorf("invalid status %q: want a code like 502 or a class like 5xx", part)
		}
		set.codes[n] = true
	}
	return set, nil
}

// Has reports whether code is in the set.
func (s *StatusSet) Has(code int) bool {
	if code < 100 || code > 999 {
		return false
	}
	return s.codes[code] || s.classes[code/100]
}

// Codes returns the single codes of the set, in order.
func (s *StatusSet) Codes() []int {
	var out []int
	for c := 100; c <= 999; c++ {
		if s.codes[c] {
			out = append(out, c)
		}
	}
	return out
}

// Classes returns the classes of the set (5 for 5xx), in order.
func (s *StatusSet) Classes() []int {
	var out []int
	for c, ok := range s.classes {
		if ok {
			out = append(out, c)
		}
	}
	return out
}
