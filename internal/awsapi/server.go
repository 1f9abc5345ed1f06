package awsapi

import (
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// Server answers ELBv2, STS and CloudWatch calls for a Scenario on 127.0.0.1.
type Server struct {
	// URL is the base endpoint to give the SDK clients.
	URL string

	sc    *Scenario
	srv   *http.Server
	ln    net.Listener
	mu    sync.Mutex
	calls map[string]int // by action
	ids   int            // request IDs handed out
}

// Start serves sc until Close. The scenario must not change while serving.
func Start(sc *Scenario) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String(), sc: sc, ln: ln, calls: map[string]int{}}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Calls returns how many times action was called (including failed calls).
func (s *Server) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[action]
}

// count records a call and returns its number (1 for the first).
func (s *Server) count(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[action]++
	return s.calls[action]
}

// scope is the region in the request's SigV4 credential scope:
// Credential=AKID/20261128/us-east-1/elasticloadbalancing/aws4_request.
var scope = regexp.MustCompile(`Credential=[^/]+/\d{8}/([a-z0-9-]+)/`)

func region(r *http.Request) string {
	if m := scope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return m[1]
	}
	return ""
}

// ServeHTTP dispatches on the protocol: CBOR for CloudWatch, Query otherwise.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if op, ok := strings.CutPrefix(r.URL.Path, "/service/GraniteServiceVersion20100801/operation/"); ok {
		s.cloudwatch(w, r, op)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if action := r.PostForm.Get("Action"); action == "DescribeInstances" {
		s.ec2(w, r)
	} else {
		s.query(w, r, action)
	}
}

// ec2 answers DescribeInstances in the EC2 Query protocol.
func (s *Server) ec2(w http.ResponseWriter, r *http.Request) {
	const ns = "http://ec2.amazonaws.com/doc/2016-11-15/"
	if code, status, msg := s.fault("DescribeInstances"); code != "" {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		var b strings.Builder
		xml.EscapeText(&b, []byte(msg))
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>
`, strings.Replace(code, "AccessDenied", "UnauthorizedOperation", 1), b.String(), s.requestID())
		return
	}
	var instances map[string]string
	if rg := s.sc.Regions[region(r)]; rg != nil {
		instances = rg.Instances
	}
	var items strings.Builder
	for i := 1; ; i++ {
		id := r.PostForm.Get(fmt.Sprintf("InstanceId.%d", i))
		if id == "" {
			break
		}
		ip, ok := instances[id]
		if !ok {
			continue
		}
		fmt.Fprintf(&items, `
    <item>
      <reservationId>r-1234567890abcdef0</reservationId>
      <ownerId>%s</ownerId>
      <instancesSet><item>
        <instanceId>%s</instanceId>
        <instanceState><code>16</code><name>running</name></instanceState>
        <privateIpAddress>%s</privateIpAddress>
        <instanceType>t3.medium</instanceType>
      </item></instancesSet>
    </item>`, s.sc.Account, id, ip)
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="%s">
  <requestId>%s</requestId>
  <reservationSet>%s
  </reservationSet>
</DescribeInstancesResponse>
`, ns, s.requestID(), items.String())
}

// fault returns the error a call should get, if any: code, HTTP status.
func (s *Server) fault(action string) (string, int, string) {
	n := s.count(action)
	f := s.sc.Faults
	switch {
	case f.ExpiredToken:
		return "ExpiredToken", http.StatusBadRequest, "The security token included in the request is expired"
	case f.Deny[action]:
		svc := "elasticloadbalancing"
		switch action {
		case "GetMetricData":
			svc = "cloudwatch"
		case "GetCallerIdentity":
			svc = "sts"
		case "DescribeInstances":
			svc = "ec2"
		}
		return "AccessDenied", http.StatusForbidden, fmt.Sprintf(
			"User: arn:aws:iam::%s:user/auditor is not authorized to perform: %s:%s because no identity-based policy allows the %s:%s action",
			s.sc.Account, svc, action, svc, action)
	case n <= f.Throttle[action]:
		return "Throttling", http.StatusBadRequest, "Rate exceeded"
	}
	return "", 0, ""
}

// ---- Query protocol (ELBv2, STS) ----

const (
	elbNS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
	stsNS = "https://sts.amazonaws.com/doc/2011-06-15/"
)

func (s *Server) query(w http.ResponseWriter, r *http.Request, action string) {
	ns := elbNS
	if action == "GetCallerIdentity" {
		ns = stsNS
	}
	if code, status, msg := s.fault(action); code != "" {
		s.queryError(w, ns, status, code, msg)
		return
	}
	reg := region(r)
	var lbs []*LB
	if rg := s.sc.Regions[reg]; rg != nil {
		lbs = rg.LBs
	}
	form := r.PostForm
	// The calls about one load balancer name it by ARN.
	var lb *LB
	if arn := form.Get("LoadBalancerArn"); arn != "" {
		if lb = s.findLB(lbs, reg, arn); lb == nil {
			s.queryError(w, ns, http.StatusBadRequest, "LoadBalancerNotFound", "One or more load balancers not found")
			return
		}
	}
	var result any
	switch action {
	case "GetCallerIdentity":
		result = &struct {
			Arn, UserId, Account string
		}{"arn:aws:iam::" + s.sc.Account + ":user/auditor", "AIDAEXAMPLEAUDITOR", s.sc.Account}
	case "DescribeLoadBalancers":
		var out []lbXML
		names, arns := members(form, "Names"), members(form, "LoadBalancerArns")
		for _, lb := range lbs {
			if (len(names) > 0 && !slices.Contains(names, lb.Name)) || (len(arns) > 0 && !slices.Contains(arns, lb.ARN(reg, s.sc.Account))) {
				continue
			}
			out = append(out, s.lbXML(reg, lb))
		}
		if len(out) < len(names)+len(arns) {
			s.queryError(w, ns, http.StatusBadRequest, "LoadBalancerNotFound", "One or more load balancers not found")
			return
		}
		page, next := paginate(s, out, form)
		result = &struct {
			LoadBalancers []lbXML `xml:"LoadBalancers>member"`
			NextMarker    string  `xml:",omitempty"`
		}{page, next}
	case "DescribeLoadBalancerAttributes":
		type kv struct{ Key, Value string }
		var attrs []kv
		for _, k := range slices.Sorted(maps.Keys(lb.Attributes)) {
			attrs = append(attrs, kv{k, lb.Attributes[k]})
		}
		result = &struct {
			Attributes []kv `xml:"Attributes>member"`
		}{attrs}
	case "DescribeListeners":
		type listener struct {
			ListenerArn, LoadBalancerArn, Protocol string
			Port                                   int
		}
		var out []listener
		for i, l := range lb.Listeners {
			arn := strings.Replace(lb.ARN(reg, s.sc.Account), ":loadbalancer/", ":listener/", 1) + fmt.Sprintf("/%016x", i+1)
			out = append(out, listener{arn, lb.ARN(reg, s.sc.Account), l.Protocol, l.Port})
		}
		page, next := paginate(s, out, form)
		result = &struct {
			Listeners  []listener `xml:"Listeners>member"`
			NextMarker string     `xml:",omitempty"`
		}{page, next}
	case "DescribeTargetGroups":
		var out []tgXML
		for _, g := range lb.Groups {
			out = append(out, tgXML{
				TargetGroupArn: g.ARN(reg, s.sc.Account), TargetGroupName: g.Name, Protocol: g.Protocol,
				ProtocolVersion: g.ProtocolVersion, Port: g.Port, TargetType: g.TargetType, VpcId: "vpc-3ac0fb5f",
				HealthCheckProtocol: g.Protocol, HealthCheckPort: "traffic-port", HealthCheckPath: "/health",
				LoadBalancerArns: []string{lb.ARN(reg, s.sc.Account)},
			})
		}
		page, next := paginate(s, out, form)
		result = &struct {
			TargetGroups []tgXML `xml:"TargetGroups>member"`
			NextMarker   string  `xml:",omitempty"`
		}{page, next}
	case "DescribeTags":
		type tag struct{ Key, Value string }
		type desc struct {
			ResourceArn string
			Tags        []tag `xml:"Tags>member"`
		}
		arns := members(form, "ResourceArns")
		if len(arns) == 0 || len(arns) > 20 {
			s.queryError(w, ns, http.StatusBadRequest, "ValidationError", "ResourceArns must hold 1 to 20 ARNs")
			return
		}
		var out []desc
		for _, arn := range arns {
			lb := s.findLB(lbs, reg, arn)
			if lb == nil {
				s.queryError(w, ns, http.StatusBadRequest, "LoadBalancerNotFound", "One or more load balancers not found")
				return
			}
			d := desc{ResourceArn: arn}
			for _, k := range slices.Sorted(maps.Keys(lb.Tags)) {
				d.Tags = append(d.Tags, tag{k, lb.Tags[k]})
			}
			out = append(out, d)
		}
		result = &struct {
			TagDescriptions []desc `xml:"TagDescriptions>member"`
		}{out}
	case "DescribeTargetHealth":
		g := s.findGroup(lbs, reg, form.Get("TargetGroupArn"))
		if g == nil {
			s.queryError(w, ns, http.StatusBadRequest, "TargetGroupNotFound", "One or more target groups not found")
			return
		}
		type target struct {
			Id   string
			Port int
		}
		type health struct {
			State       string
			Reason      string `xml:",omitempty"`
			Description string `xml:",omitempty"`
		}
		type desc struct {
			Target          target
			HealthCheckPort string
			TargetHealth    health
		}
		var out []desc
		for _, t := range g.Targets {
			out = append(out, desc{target{t.ID, t.Port}, strconv.Itoa(t.Port), health{t.State, t.Reason, t.Description}})
		}
		result = &struct {
			TargetHealthDescriptions []desc `xml:"TargetHealthDescriptions>member"`
		}{out}
	default:
		s.queryError(w, ns, http.StatusBadRequest, "InvalidAction", "The action "+action+" is not valid for this web service.")
		return
	}
	var body strings.Builder
	if err := xml.NewEncoder(&body).EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<%[1]sResponse xmlns="%[2]s">
  %[3]s
  <ResponseMetadata><RequestId>%[4]s</RequestId></ResponseMetadata>
</%[1]sResponse>
`, action, ns, body.String(), s.requestID())
}

type lbXML struct {
	LoadBalancerArn       string
	DNSName               string
	CanonicalHostedZoneId string
	CreatedTime           string
	LoadBalancerName      string
	Scheme                string
	VpcId                 string
	State                 struct{ Code string }
	Type                  string
	AvailabilityZones     []struct{ ZoneName, SubnetId string } `xml:"AvailabilityZones>member"`
	SecurityGroups        []string                              `xml:"SecurityGroups>member"`
	IpAddressType         string
}

func (s *Server) lbXML(reg string, lb *LB) lbXML {
	x := lbXML{
		LoadBalancerArn:       lb.ARN(reg, s.sc.Account),
		DNSName:               fmt.Sprintf("%s-424835706.%s.elb.amazonaws.com", lb.Name, reg),
		CanonicalHostedZoneId: "Z2P70J7EXAMPLE",
		CreatedTime:           "2025-03-25T21:26:12.920Z",
		LoadBalancerName:      lb.Name,
		Scheme:                lb.Scheme,
		VpcId:                 "vpc-3ac0fb5f",
		Type:                  lb.Type,
		SecurityGroups:        []string{"sg-5943793c"},
		IpAddressType:         "ipv4",
	}
	x.State.Code = "active"
	x.AvailabilityZones = append(x.AvailabilityZones,
		struct{ ZoneName, SubnetId string }{reg + "a", "subnet-8360a9e7"},
		struct{ ZoneName, SubnetId string }{reg + "b", "subnet-b7d581c0"})
	return x
}

type tgXML struct {
	TargetGroupArn      string
	TargetGroupName     string
	Protocol            string
	ProtocolVersion     string `xml:",omitempty"`
	Port                int
	VpcId               string
	HealthCheckProtocol string
	HealthCheckPort     string
	HealthCheckPath     string
	TargetType          string
	LoadBalancerArns    []string `xml:"LoadBalancerArns>member"`
}

// paginate cuts items at the request's Marker (an index) to PageSize items.
func paginate[T any](s *Server, items []T, form map[string][]string) ([]T, string) {
	start := 0
	if m := first(form, "Marker"); m != "" {
		start, _ = strconv.Atoi(m)
		start = min(max(start, 0), len(items))
	}
	size := 400
	if n, err := strconv.Atoi(first(form, "PageSize")); err == nil && n > 0 {
		size = n
	}
	if s.sc.Faults.PageSize > 0 {
		size = min(size, s.sc.Faults.PageSize)
	}
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next
}

func first(form map[string][]string, k string) string {
	if v := form[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// members reads a Query-protocol list: Names.member.1, Names.member.2, ...
func members(form map[string][]string, name string) []string {
	var out []string
	for i := 1; ; i++ {
		v := first(form, fmt.Sprintf("%s.member.%d", name, i))
		if v == "" {
			return out
		}
		out = append(out, v)
	}
}

func (s *Server) findLB(lbs []*LB, reg, arn string) *LB {
	for _, lb := range lbs {
		if lb.ARN(reg, s.sc.Account) == arn {
			return lb
		}
	}
	return nil
}

func (s *Server) findGroup(lbs []*LB, reg, arn string) *TargetGroup {
	for _, lb := range lbs {
		for _, g := range lb.Groups {
			if g.ARN(reg, s.sc.Account) == arn {
				return g
			}
		}
	}
	return nil
}

func (s *Server) queryError(w http.ResponseWriter, ns string, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	var b strings.Builder
	xml.EscapeText(&b, []byte(msg))
	fmt.Fprintf(w, `<ErrorResponse xmlns="%s">
  <Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>
  <RequestId>%s</RequestId>
</ErrorResponse>
`, ns, code, b.String(), s.requestID())
}

func (s *Server) requestID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids++
	return fmt.Sprintf("b9b5e4c1-0000-4000-8000-%012d", s.ids)
}

// ---- CloudWatch: Smithy RPC v2 CBOR ----

func (s *Server) cloudwatch(w http.ResponseWriter, r *http.Request, op string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		cborError(w, http.StatusBadRequest, "InvalidParameterValue", err.Error())
		return
	}
	if op != "GetMetricData" {
		s.count(op)
		cborError(w, http.StatusBadRequest, "InvalidAction", "operation "+op+" is not served here")
		return
	}
	if code, status, msg := s.fault(op); code != "" {
		cborError(w, status, code, msg)
		return
	}
	v, err := cbor.Decode(body)
	in, ok := v.(cbor.Map)
	if err != nil || !ok {
		cborError(w, http.StatusBadRequest, "InvalidParameterValue", "request body is not a CBOR map")
		return
	}
	start, end := cborTime(in["StartTime"]), cborTime(in["EndTime"])
	queries, _ := in["MetricDataQueries"].(cbor.List)
	if start.IsZero() || end.IsZero() || !end.After(start) || len(queries) == 0 || len(queries) > 500 {
		cborError(w, http.StatusBadRequest, "InvalidParameterValue", "StartTime, EndTime and 1-500 MetricDataQueries are required")
		return
	}
	lbs := []*LB(nil)
	if rg := s.sc.Regions[region(r)]; rg != nil {
		lbs = rg.LBs
	}
	// Flatten every (query, point) in order; a page is a slice of it.
	type result struct {
		id     string
		times  []time.Time
		values []float64
	}
	var all []result
	total := 0
	for _, q := range queries {
		qm, _ := q.(cbor.Map)
		id, _ := qm["Id"].(cbor.String)
		stat, _ := qm["MetricStat"].(cbor.Map)
		metric, _ := stat["Metric"].(cbor.Map)
		name, _ := metric["MetricName"].(cbor.String)
		nsp, _ := metric["Namespace"].(cbor.String)
		statName, _ := stat["Stat"].(cbor.String)
		period := cborInt(stat["Period"])
		if period <= 0 || period%60 != 0 {
			cborError(w, http.StatusBadRequest, "InvalidParameterValue", "The parameter Period must be a multiple of 60.")
			return
		}
		dims := map[string]string{}
		dl, _ := metric["Dimensions"].(cbor.List)
		for _, d := range dl {
			dm, _ := d.(cbor.Map)
			n, _ := dm["Name"].(cbor.String)
			val, _ := dm["Value"].(cbor.String)
			dims[string(n)] = string(val)
		}
		var points []Point
		if nsp == "AWS/ApplicationELB" || nsp == "AWS/NetworkELB" {
			points = s.series(lbs, dims, string(name))
		}
		times, values := aggregate(points, start, end, time.Duration(period)*time.Second, string(statName))
		all = append(all, result{string(id), times, values})
		total += len(times)
	}
	// Pagination: NextToken is the index of the first point of the page.
	offset := 0
	if t, ok := in["NextToken"].(cbor.String); ok {
		offset, _ = strconv.Atoi(string(t))
	}
	limit := 100800
	if s.sc.Faults.MaxDatapoints > 0 {
		limit = s.sc.Faults.MaxDatapoints
	}
	var results cbor.List
	pos := 0
	for _, res := range all {
		var ts, vs cbor.List
		for i := range res.times {
			if pos >= offset && pos < offset+limit {
				ts = append(ts, cbor.Tag{ID: 1, Value: cbor.Float64(float64(res.times[i].Unix()))})
				vs = append(vs, cbor.Float64(res.values[i]))
			}
			pos++
		}
		status := "Complete"
		if pos > offset+limit {
			status = "PartialData"
		}
		if pos <= offset && len(res.times) > 0 {
			continue // finished on an earlier page
		}
		results = append(results, cbor.Map{
			"Id": cbor.String(res.id), "Label": cbor.String(res.id),
			"Timestamps": ts, "Values": vs, "StatusCode": cbor.String(status),
		})
	}
	out := cbor.Map{"MetricDataResults": results, "Messages": cbor.List{}}
	if offset+limit < total {
		out["NextToken"] = cbor.String(strconv.Itoa(offset + limit))
	}
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Write(cbor.Encode(out))
}

// series finds the scenario's series for a metric and dimension set.
func (s *Server) series(lbs []*LB, dims map[string]string, name string) []Point {
	for _, lb := range lbs {
		if dims["LoadBalancer"] != lb.dimension() {
			continue
		}
		tg, ok := dims["TargetGroup"]
		if !ok && len(dims) == 1 {
			return lb.Metrics[name]
		}
		for _, g := range lb.Groups {
			if g.dimension() == tg && len(dims) == 2 {
				return g.Metrics[name]
			}
		}
	}
	return nil
}

// aggregate sums (or takes the maximum of) minute points into periods within
// [start, end), newest first as CloudWatch's default TimestampDescending.
// Periods without points have no data point, as in CloudWatch.
func aggregate(points []Point, start, end time.Time, period time.Duration, stat string) ([]time.Time, []float64) {
	type agg struct {
		sum, max float64
		n        int
	}
	byPeriod := map[int64]*agg{}
	for _, p := range points {
		if p.T.Before(start) || !p.T.Before(end) {
			continue
		}
		k := p.T.Unix() - p.T.Unix()%int64(period/time.Second)
		a := byPeriod[k]
		if a == nil {
			a = &agg{max: p.V}
			byPeriod[k] = a
		}
		a.sum += p.V
		a.max = max(a.max, p.V)
		a.n++
	}
	keys := make([]int64, 0, len(byPeriod))
	for k := range byPeriod {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] > keys[j] })
	times := make([]time.Time, len(keys))
	values := make([]float64, len(keys))
	for i, k := range keys {
		a := byPeriod[k]
		times[i] = time.Unix(k, 0).UTC()
		switch stat {
		case "Maximum":
			values[i] = a.max
		case "Average":
			values[i] = a.sum / float64(a.n)
		case "SampleCount":
			values[i] = float64(a.n)
		default:
			values[i] = a.sum
		}
	}
	return times, values
}

func cborTime(v cbor.Value) time.Time {
	t, ok := v.(cbor.Tag)
	if p, isPtr := v.(*cbor.Tag); isPtr { // the decoder returns tags by pointer
		t, ok = *p, true
	}
	if !ok || t.ID != 1 {
		return time.Time{}
	}
	switch x := t.Value.(type) {
	case cbor.Float64:
		return time.Unix(0, int64(float64(x)*1e9)).UTC()
	case cbor.Float32:
		return time.Unix(0, int64(float64(x)*1e9)).UTC()
	case cbor.Uint:
		return time.Unix(int64(x), 0).UTC()
	}
	return time.Time{}
}

func cborInt(v cbor.Value) int64 {
	switch x := v.(type) {
	case cbor.Uint:
		return int64(x)
	case cbor.Float64:
		return int64(x)
	}
	return 0
}

// cborError answers as a query-compatible RPC v2 CBOR service: the body names
// the error, and X-Amzn-Query-Error carries the Query protocol's code.
func cborError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("X-Amzn-Query-Error", code+";Sender")
	w.WriteHeader(status)
	w.Write(cbor.Encode(cbor.Map{
		"__type":  cbor.String("com.amazonaws.cloudwatch#" + code),
		"message": cbor.String(msg),
	}))
}
