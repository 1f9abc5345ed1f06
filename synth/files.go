package synth

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/lbdoctor/lbdoctor/alblog"
	"github.com/lbdoctor/lbdoctor/classify"
)

// Interval is how often ALB starts a new log file per node.
const Interval = 5 * time.Minute

// FileName returns the S3 key, below the bucket and prefix, under which ALB
// delivers the log of one node for the interval ending at end.
func FileName(account, region, lbName, nodeIP, random string, end time.Time) string {
	end = end.UTC()
	lbID := strings.ReplaceAll(lbName, "/", ".")
	return filepath.Join("AWSLogs", account, "elasticloadbalancing", region,
		end.Format("2006"), end.Format("01"), end.Format("02"),
		fmt.Sprintf("%s_elasticloadbalancing_%s_%s_%s_%s_%s.log.gz", account, region, lbID, end.Format("20060102T1504Z"), nodeIP, random))
}

// WriteDir writes cfg's traffic below dir in ALB's layout, one gzip file per
// node per 5-minute interval (plain text when gz is false, with ".log"),
// using up to workers goroutines. The result does not depend on workers.
//
// With cfg.LBs above 1 the traffic (Rate) and the targets are split evenly
// between that many load balancers named after LBName with a -N suffix, each
// writing its own files, as ALB does.
func WriteDir(dir string, cfg Config, gz bool, workers int) (Truth, error) {
	type job struct {
		cfg   Config
		node  int
		start time.Time
	}
	lbs := []Config{cfg}
	if cfg.LBs > 1 {
		lbs = nil
		for i := 0; i < cfg.LBs; i++ {
			c := cfg
			c.LBs, c.Rate = 1, cfg.Rate/float64(cfg.LBs)
			c.Targets = max(1, cfg.Targets/cfg.LBs)
			c.TargetBase = cfg.TargetBase + i*c.Targets
			c.Seed = cfg.Seed + uint64(i)*7919
			parts := strings.Split(cfg.LBName, "/") // app/NAME/ID
			if len(parts) == 3 {
				c.LBName = fmt.Sprintf("%s/%s-%d/%016x", parts[0], parts[1], i+1, 0x50dc6c495c0c9188+uint64(i))
			} else {
				c.LBName = fmt.Sprintf("%s-%d", cfg.LBName, i+1)
			}
			lbs = append(lbs, c)
		}
	}
	jobs := make(chan job)
	var mu sync.Mutex
	total := Truth{Causes: map[classify.Cause]int64{}, Status: map[int]int64{}}
	var firstErr error
	var wg sync.WaitGroup
	for w := 0; w < max(workers, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				t, err := writeFile(dir, j.cfg, j.node, j.start, gz)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				total.Lines += t.Lines
				total.Bytes += t.Bytes
				for k, v := range t.Causes {
					total.Causes[k] += v
				}
				for k, v := range t.Status {
					total.Status[k] += v
				}
				mu.Unlock()
			}
		}()
	}
	for start := cfg.Start; start.Before(cfg.Start.Add(cfg.Duration)); start = start.Add(Interval) {
		for _, c := range lbs {
			for node := 0; node < cfg.Nodes; node++ {
				jobs <- job{c, node, start}
			}
		}
	}
	close(jobs)
	wg.Wait()
	return total, firstErr
}

func writeFile(dir string, cfg Config, node int, start time.Time, gz bool) (Truth, error) {
	c := cfg
	// Each file has its own stream of randomness so files can be made in any order.
	c.Seed = cfg.Seed*1_000_003 + uint64(start.Unix())*31 + uint64(node)
	g := New(c)
	// The outage and the traffic shape are properties of the whole run.
	g.outFrom, g.outUntil = outage(cfg)

	nodeIP := fmt.Sprintf("172.160.%03d.%03d", node/250, 1+node%250)
	name := FileName(cfg.Account, cfg.Region, cfg.LBName, nodeIP, fmt.Sprintf("%08x", c.Seed&0xffffffff), start.Add(Interval))
	if !gz {
		name = strings.TrimSuffix(name, ".gz")
	}
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return Truth{}, err
	}
	f, err := os.Create(path)
	if err != nil {
		return Truth{}, err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 256<<10)
	var zw *gzip.Writer
	out := bw
	if gz {
		zw = gzip.NewWriter(bw)
		out = bufio.NewWriterSize(zw, 256<<10)
	}
	end := start.Add(Interval)
	if limit := cfg.Start.Add(cfg.Duration); end.After(limit) {
		end = limit
	}
	n := int64(cfg.Rate * end.Sub(start).Seconds())
	step := end.Sub(start).Microseconds() / max(n, 1)
	var line []byte
	var bytes int64
	for i := int64(0); i < n; i++ {
		t := start.UnixMicro() + i*step + g.rng.Int64N(max(step, 1))
		e, _ := g.Next(node, t)
		line = alblog.AppendEntry(line[:0], e)
		bytes += int64(len(line))
		if _, err := out.Write(line); err != nil {
			return Truth{}, err
		}
	}
	if err := out.Flush(); err != nil {
		return Truth{}, err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return Truth{}, err
		}
	}
	if err := bw.Flush(); err != nil {
		return Truth{}, err
	}
	t := g.Truth()
	t.Bytes = bytes
	return t, f.Close()
}

func outage(cfg Config) (from, until int64) {
	if cfg.Outage <= 0 {
		return 0, 0
	}
	from = cfg.Start.Add(cfg.Duration/3 + 25*time.Second).UnixMicro()
	return from, from + cfg.Outage.Microseconds()
}
