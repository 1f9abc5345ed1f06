package alblog_test

import (
	"bytes"
	"testing"

	"github.com/lbdoctor/lbdoctor/alblog"
	"github.com/lbdoctor/lbdoctor/synth"
)

// BenchmarkParserCorpus parses the generator's lines, which vary in length,
// status and cause like a real log's, rather than one line again and again.
func BenchmarkParserCorpus(b *testing.B) { benchCorpus(b, (*alblog.Parser).Parse) }

// BenchmarkParseHeadCorpus is BenchmarkParserCorpus with ParseHead, which
// lbdoctor logs uses: the fields a success does not need are not located.
func BenchmarkParseHeadCorpus(b *testing.B) { benchCorpus(b, (*alblog.Parser).ParseHead) }

func benchCorpus(b *testing.B, parse func(*alblog.Parser, []byte, *alblog.Entry) error) {
	data := synth.Sample(20000)
	// Lines stay in their buffer, as lbdoctor logs hands them over: the fast
	// scan reads a line's last 64-byte chunk in place when the buffer goes on.
	var lines [][]byte
	for rest := data; len(rest) > 0; {
		n := bytes.IndexByte(rest, '\n')
		lines = append(lines, rest[:n])
		rest = rest[n+1:]
	}
	b.SetBytes(int64(len(data)) / int64(len(lines)))
	b.ReportAllocs()
	var p alblog.Parser
	var e alblog.Entry
	i := 0
	for b.Loop() {
		if err := parse(&p, lines[i], &e); err != nil {
			b.Fatal(err)
		}
		if i++; i == len(lines) {
			i = 0
		}
	}
}
