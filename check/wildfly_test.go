package check

import "testing"

// WildFly/JBoss EAP: an Undertow listener's no-request-timeout (60 s unless
// set) from standalone*.xml, a jboss-cli script, or the image as it ships
// (in a Dockerfile or a compose file, unless its configuration is mounted
// over).
func TestWildFly(t *testing.T) {
	const standalone = `<?xml version="1.0" ?>
<server xmlns="urn:jboss:domain:20.0">
    <profile>
        <subsystem xmlns="urn:jboss:domain:undertow:14.0">
            <server name="default-server">
                <http-listener name="default" socket-binding="http" no-request-timeout="${jboss.undertow.nrt:120000}"/>
                <https-listener name="https" socket-binding="https"/>
            </server>
        </subsystem>
        <subsystem xmlns="urn:jboss:domain:io:4.0">
            <http-listener name="not-undertow" no-request-timeout="1000"/>
        </subsystem>
    </profile>
</server>
`
	r, _ := checkFiles(t, map[string]string{
		"wf/standalone-full.xml": standalone,
		"cli/config.cli":         "batch\n/subsystem=undertow/server=default-server/http-listener=default:write-attribute(name=no-request-timeout, value=30000)\nrun-batch\n",
		"image/Dockerfile":       "FROM quay.io/wildfly/wildfly:30.0.0.Final-jdk17\nCOPY target/app.war /opt/jboss/wildfly/standalone/deployments/\n",
		"own/Dockerfile":         "FROM quay.io/wildfly/wildfly\nCOPY standalone.xml /opt/jboss/wildfly/standalone/configuration/\n",
		"scripted/Dockerfile":    "FROM jboss/wildfly:25.0.0.Final\nRUN /opt/jboss/wildfly/bin/jboss-cli.sh --file=/tmp/tune.cli\n",
		"other/pom.xml":          "<project><artifactId>no-request-timeout</artifactId></project>",
		"compose/compose.yaml":   "services:\n  app:\n    image: quay.io/wildfly/wildfly:30.0.0.Final-jdk17\n  tuned:\n    image: jboss/wildfly\n    volumes:\n      - ./standalone.xml:/opt/jboss/wildfly/standalone/configuration/standalone.xml\n",
	})
	wantHops(t, r, map[string]string{
		"wildfly wf/standalone-full.xml:6": `120s no-request-timeout="${jboss.undertow.nrt:120000}" (jboss.undertow.nrt's default`,
		"wildfly wf/standalone-full.xml:7": "60s no-request-timeout not set: Undertow's listener default (60000 ms)",
		"wildfly cli/config.cli:2":         `30s no-request-timeout="30000"`,
		"wildfly image/Dockerfile:1":       "60s FROM quay.io/wildfly/wildfly:30.0.0.Final-jdk17: the image's standalone.xml sets no no-request-timeout",
		"wildfly compose/compose.yaml:3":   "60s image: quay.io/wildfly/wildfly:30.0.0.Final-jdk17",
	})
}
