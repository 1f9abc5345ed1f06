package awsaudit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// CloudWatch's limits on one GetMetricData call.
const (
	maxQueries    = 500
	maxDatapoints = 100800
)

// metric is one series to fetch and where to put it.
type metric struct {
	name, stat string
	dims       []cwtypes.Dimension
	into       Series
}

// metrics fetches the load balancer's and its target groups' series in as
// few GetMetricData calls as CloudWatch's limits allow, and fills the totals.
func (a *auditor) metrics(ctx context.Context, lb *LoadBalancer) (*Metrics, error) {
	dim := lbDimension(lb.ARN)
	lbDims := []cwtypes.Dimension{{Name: aws.String("LoadBalancer"), Value: aws.String(dim)}}
	m := &Metrics{
		Since: a.report.Since, Until: a.report.Until, Period: a.period,
		Requests: Series{}, ELB502: Series{}, ELB504: Series{}, ELB5XX: Series{},
		Target5XX: Series{}, ConnErrors: Series{}, Unhealthy: Series{},
	}
	qs := []metric{
		{"RequestCount", "Sum", lbDims, m.Requests},
		{"HTTPCode_ELB_502_Count", "Sum", lbDims, m.ELB502},
		{"HTTPCode_ELB_504_Count", "Sum", lbDims, m.ELB504},
		{"HTTPCode_ELB_5XX_Count", "Sum", lbDims, m.ELB5XX},
		{"HTTPCode_Target_5XX_Count", "Sum", lbDims, m.Target5XX},
		{"TargetConnectionErrorCount", "Sum", lbDims, m.ConnErrors},
	}
	type groupSeries struct{ req, t5, conn, unhealthy Series }
	groups := make([]groupSeries, len(lb.TargetGroups))
	for i, g := range lb.TargetGroups {
		dims := []cwtypes.Dimension{
			{Name: aws.String("TargetGroup"), Value: aws.String(groupDimension(g.ARN))},
			{Name: aws.String("LoadBalancer"), Value: aws.String(dim)},
		}
		gs := groupSeries{Series{}, Series{}, Series{}, Series{}}
		groups[i] = gs
		qs = append(qs,
			metric{"RequestCount", "Sum", dims, gs.req},
			metric{"HTTPCode_Target_5XX_Count", "Sum", dims, gs.t5},
			metric{"TargetConnectionErrorCount", "Sum", dims, gs.conn},
			metric{"UnHealthyHostCount", "Maximum", dims, gs.unhealthy},
		)
	}
	if err := a.fetch(ctx, qs); err != nil {
		return nil, err
	}
	// Unhealthy hosts in any target group count at that minute.
	for i := range lb.TargetGroups {
		for t, v := range groups[i].unhealthy {
			m.Unhealthy[t] += v
		}
		lb.TargetGroups[i].Metrics = &Totals{
			Requests: int64(groups[i].req.Sum()), Target5XX: int64(groups[i].t5.Sum()),
			ConnectionErrors: int64(groups[i].conn.Sum()), UnhealthyMax: int64(groups[i].unhealthy.Max()),
		}
	}
	lb.Metrics = &Totals{
		Requests: int64(m.Requests.Sum()), ELB502: int64(m.ELB502.Sum()), ELB504: int64(m.ELB504.Sum()),
		ELB5XX: int64(m.ELB5XX.Sum()), Target5XX: int64(m.Target5XX.Sum()),
		ConnectionErrors: int64(m.ConnErrors.Sum()), UnhealthyMax: int64(m.Unhealthy.Max()),
	}
	return m, nil
}

// fetch runs the queries in batches under CloudWatch's per-call limits,
// following NextToken, and fills each metric's series.
func (a *auditor) fetch(ctx context.Context, qs []metric) error {
	points := int(a.report.Until.Sub(a.report.Since)/a.period) + 1
	batch := min(maxQueries, max(1, maxDatapoints/points))
	for start := 0; start < len(qs); start += batch {
		part := qs[start:min(start+batch, len(qs))]
		in := &cloudwatch.GetMetricDataInput{
			StartTime: aws.Time(a.report.Since), EndTime: aws.Time(a.report.Until),
			ScanBy: cwtypes.ScanByTimestampAscending,
		}
		byID := map[string]Series{}
		for i, q := range part {
			id := fmt.Sprintf("q%d", start+i)
			byID[id] = q.into
			in.MetricDataQueries = append(in.MetricDataQueries, cwtypes.MetricDataQuery{
				Id: aws.String(id),
				MetricStat: &cwtypes.MetricStat{
					Metric: &cwtypes.Metric{Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String(q.name), Dimensions: q.dims},
					Period: aws.Int32(int32(a.period / time.Second)),
					Stat:   aws.String(q.stat),
				},
				ReturnData: aws.Bool(true),
			})
		}
		p := cloudwatch.NewGetMetricDataPaginator(a.cw, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, res := range page.MetricDataResults {
				s := byID[aws.ToString(res.Id)]
				if s == nil {
					continue
				}
				for i, t := range res.Timestamps {
					if i < len(res.Values) {
						s[t.Unix()] += res.Values[i]
					}
				}
			}
		}
	}
	return nil
}

// lbDimension is the LoadBalancer dimension: the ARN after "loadbalancer/",
// e.g. app/my-alb/50dc6c495c0c9188.
func lbDimension(arn string) string {
	if _, rest, ok := strings.Cut(arn, ":loadbalancer/"); ok {
		return rest
	}
	return arn
}

// groupDimension is the TargetGroup dimension: targetgroup/name/id.
func groupDimension(arn string) string {
	if i := strings.Index(arn, ":targetgroup/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}
