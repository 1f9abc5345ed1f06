package check

import "testing"

// A Liberty server.xml (root <server>, not Tomcat's <Server>) gives a hop
// per httpEndpoint: persistTimeout of its nested httpOptions, of the ones
// its httpOptionsRef names, else of defaultHttpOptions, else 30 s.
func TestLibertyServerXML(t *testing.T) {
	const head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<server description=\"app\">\n"
	cases := []struct {
		name, body string
		want       map[string]string
	}{
		{"the default", `<httpEndpoint id="defaultHttpEndpoint" host="*" httpPort="9080"/>` + "\n",
			map[string]string{"liberty server.xml:3": "30s persistTimeout not set: Liberty's default (30 s)"}},
		{"nested httpOptions", "<httpEndpoint id=\"ep\" httpPort=\"9080\">\n  <httpOptions persistTimeout=\"1m30s\"/>\n</httpEndpoint>\n",
			map[string]string{"liberty server.xml:4": `90s persistTimeout="1m30s" (its nested httpOptions)`}},
		{"httpOptionsRef and defaultHttpOptions", "<httpOptions id=\"long\" persistTimeout=\"120\"/>\n<httpOptions id=\"defaultHttpOptions\" persistTimeout=\"45s\"/>\n<httpEndpoint id=\"a\" httpPort=\"9080\" httpOptionsRef=\"long\"/>\n<httpEndpoint id=\"b\" httpPort=\"9081\"/>\n",
			map[string]string{"liberty server.xml:3": `120s persistTimeout="120" (httpOptions "long")`, "liberty server.xml:4": `45s persistTimeout="45s" (httpOptions "defaultHttpOptions")`}},
		{"keep-alive off", "<httpOptions id=\"defaultHttpOptions\" keepAliveEnabled=\"false\"/>\n<httpEndpoint id=\"a\" httpPort=\"9080\"/>\n",
			map[string]string{"liberty server.xml:3": `no keep-alive keepAliveEnabled="false"`}},
		{"a variable's value and default", "<variable name=\"ka\" defaultValue=\"70s\"/>\n<httpEndpoint id=\"a\" httpPort=\"9080\"><httpOptions persistTimeout=\"${ka}\"/></httpEndpoint>\n",
			map[string]string{"liberty server.xml:4": `70s persistTimeout="${ka}" (ka's defaultValue 70s, unless the server's environment sets it)`}},
		{"a variable set elsewhere", "<httpEndpoint id=\"a\" httpPort=\"9080\"><httpOptions persistTimeout=\"${env.KA}\"/></httpEndpoint>\n",
			map[string]string{"liberty server.xml:3": `0s persistTimeout="${env.KA}" (its nested httpOptions): a variable`}},
		{"a reference to options in another file", "<include location=\"http.xml\"/>\n<httpEndpoint id=\"a\" httpPort=\"9080\" httpOptionsRef=\"tuned\"/>\n",
			map[string]string{"liberty server.xml:4": `0s httpOptionsRef="tuned" names httpOptions that are not in this file`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, map[string]string{"server.xml": head + c.body + "</server>\n"})
			wantHops(t, r, c.want)
		})
	}
	// Tomcat's server.xml is still Tomcat's.
	r, _ := checkFiles(t, map[string]string{"server.xml": `<Server port="-1"><Service name="Catalina"><Connector port="8080" connectionTimeout="20000"/></Service></Server>`})
	wantHops(t, r, map[string]string{"tomcat server.xml:1": "20s connectionTimeout"})
}
