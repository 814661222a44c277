package main

import (
	"bufio"
	"bytes"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/controller/keys"
	"github.com/unbind/unbind/controller/registry"
)

// clusterDir holds the example of docs/deploy/cluster.md: PostgreSQL,
// Mosquitto and two controllers on separate hosts.
const clusterDir = "../../deploy/cluster"

// TestDeployClusterConfigs: both controllers' sample configs are accepted
// as they ship and describe one group: one registry on PostgreSQL over
// verified TLS, one broker, one share group, two instance names and two
// broker logins, and Mosquitto's files kept by a alone, at the paths the
// Mosquitto sample reads.
func TestDeployClusterConfigs(t *testing.T) {
	a, err := serveWith(t, "", "--config", filepath.Join(clusterDir, "unbind-a.toml"))
	require.NoError(t, err)
	b, err := serveWith(t, "", "--config", filepath.Join(clusterDir, "unbind-b.toml"))
	require.NoError(t, err)

	for _, o := range []*serveOptions{a, b} {
		require.True(t, registry.IsPostgresURL(o.Registry), "registry %q", o.Registry)
		u, err := url.Parse(o.Registry)
		require.NoError(t, err)
		_, hasPassword := u.User.Password()
		assert.False(t, hasPassword, "the registry's password belongs in PGPASSWORD, not in the config")
		assert.Empty(t, u.Query().Get("password"))
		assert.Equal(t, "verify-full", u.Query().Get("sslmode"), "the controllers check the database's certificate")
		assert.Empty(t, o.BrokerPass, "the broker password belongs in UNBIND_BROKER_PASSWORD, not in the config")
		assert.Empty(t, o.KeyPath, "the signing key comes from the unit (LoadCredential)")
		assert.NotEmpty(t, o.HTTPTLSCert, "the API reaches beyond loopback: it needs a certificate")
	}
	assert.Equal(t, a.Registry, b.Registry)
	assert.Equal(t, "unbind", a.ShareGroup)
	assert.Equal(t, a.ShareGroup, b.ShareGroup)
	assert.Equal(t, []string{"a", "b"}, []string{a.Instance, b.Instance})
	assert.NotEqual(t, a.BrokerUser, b.BrokerUser, "Mosquitto binds client IDs to usernames: one login per controller")
	assert.Equal(t, a.AdvertiseBroker, b.AdvertiseBroker)
	assert.Equal(t, a.MaxReportAge, b.MaxReportAge)
	assert.Equal(t, a.CommandTTL, b.CommandTTL)

	// b reaches the broker at the address phones are told; a runs beside it.
	assert.Equal(t, "tcp://127.0.0.1:1883", a.BrokerURL)
	assert.Equal(t, a.AdvertiseBroker, b.BrokerURL)

	// Exactly one controller writes Mosquitto's files: a, at the paths
	// deploy/mosquitto's Mosquitto configuration reads.
	mq, err := os.ReadFile("../../deploy/mosquitto/mosquitto-unbind.conf")
	require.NoError(t, err)
	assert.Contains(t, string(mq), "password_file "+a.MosquittoPasswordFile+"\n")
	assert.Contains(t, string(mq), "acl_file "+a.MosquittoACLFile+"\n")
	assert.Empty(t, b.MosquittoPasswordFile+b.MosquittoACLFile+b.MosquittoPIDFile, "b must not write Mosquitto's files")

	// On the broker host a runs with deploy/mosquitto's drop-in as well:
	// it may write the directory of those files, and both drop-ins read
	// the controller's broker password from one file.
	mqDropIn, err := os.ReadFile("../../deploy/mosquitto/unbind-mosquitto.conf")
	require.NoError(t, err)
	assert.Contains(t, string(mqDropIn), "ReadWritePaths="+filepath.Dir(a.MosquittoPasswordFile)+"\n")
	assert.Equal(t, filepath.Dir(a.MosquittoPasswordFile), filepath.Dir(a.MosquittoACLFile))
	clusterDropIn, err := os.ReadFile(filepath.Join(clusterDir, "unbind-cluster.conf"))
	require.NoError(t, err)
	assert.Contains(t, string(mqDropIn), "EnvironmentFile=/etc/unbind/broker.env\n")
	assert.Contains(t, string(clusterDropIn), "EnvironmentFile=/etc/unbind/broker.env\n")
}

// TestDeployClusterPgHBA: the pg_hba lines let the registry URL's role
// into its database over TLS with a password, and nothing broader.
func TestDeployClusterPgHBA(t *testing.T) {
	a, err := serveWith(t, "", "--config", filepath.Join(clusterDir, "unbind-a.toml"))
	require.NoError(t, err)
	u, err := url.Parse(a.Registry)
	require.NoError(t, err)
	db, role := strings.TrimPrefix(u.Path, "/"), u.User.Username()

	hba, err := os.ReadFile(filepath.Join(clusterDir, "pg_hba-unbind.conf"))
	require.NoError(t, err)
	var rules int
	sc := bufio.NewScanner(bytes.NewReader(hba))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		rules++
		require.Len(t, f, 5, "line %q", sc.Text())
		assert.Equal(t, []string{"hostssl", db, role}, f[:3], "line %q", sc.Text())
		assert.True(t, strings.HasSuffix(f[3], "/32"), "one controller per line, not a network: %q", sc.Text())
		assert.Equal(t, "scram-sha-256", f[4])
	}
	assert.Equal(t, 2, rules, "one line per controller")
}

// TestDeployClusterUnitDropIn: the drop-in's command line names flags that
// exist and hands the controller its key and the API's key from systemd's
// credentials directory, and the service unit with the drop-ins of each
// host passes systemd-analyze verify.
func TestDeployClusterUnitDropIn(t *testing.T) {
	dropIn, err := os.ReadFile(filepath.Join(clusterDir, "unbind-cluster.conf"))
	require.NoError(t, err)
	var execLine string
	for _, line := range strings.Split(string(dropIn), "\n") {
		if v, ok := strings.CutPrefix(line, "ExecStart="); ok && v != "" {
			execLine = v
		}
	}
	require.NotEmpty(t, execLine, "the drop-in replaces ExecStart")
	args := strings.Fields(execLine)
	require.Equal(t, []string{"/usr/local/bin/unbind", "serve", "--config", "/etc/unbind/unbind.toml"}, args[:4])
	creds := t.TempDir()
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "%d", creds)
	}
	args[3] = filepath.Join(clusterDir, "unbind-b.toml")
	o, err := serveWith(t, "", args[2:]...)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(creds, "controller.key"), o.KeyPath)
	assert.Equal(t, filepath.Join(creds, "api-key.pem"), o.HTTPTLSKey)
	for _, want := range []string{"LoadCredential=controller.key:/etc/unbind/controller.key\n",
		"LoadCredential=api-key.pem:/etc/unbind/api-key.pem\n", "EnvironmentFile=/etc/unbind/registry.env\n",
		"EnvironmentFile=/etc/unbind/broker.env\n", "ExecStart=\n"} {
		assert.Contains(t, string(dropIn), want)
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (Debian package systemd); the unit with its drop-in is not verified")
	}
	unit, err := os.ReadFile(unitPath)
	require.NoError(t, err)
	mqDropIn, err := os.ReadFile("../../deploy/mosquitto/unbind-mosquitto.conf")
	require.NoError(t, err)
	// Host b runs the unit with the cluster drop-in; host a adds the
	// Mosquitto one. Each is verified as one file: the unit, then the
	// drop-ins' settings (a later ExecStart= resets the list within a file
	// as it does across drop-ins).
	for host, dropIns := range map[string][]string{"b": {string(dropIn)}, "a": {string(mqDropIn), string(dropIn)}} {
		ours, out, _ := verifyUnit(t, analyze, string(unit)+"\n"+strings.Join(dropIns, "\n"))
		assert.Empty(t, ours, "host %s, systemd-analyze verify:\n%s", host, out)
	}
}

// TestDeployClusterKeyFromOpenSSL: the group's signing key made as
// docs/deploy/cluster.md says (openssl genpkey -algorithm ed25519) is one
// the controller loads.
func TestDeployClusterKeyFromOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed; the documented way to make the group's key is not checked")
	}
	path := filepath.Join(t.TempDir(), "controller.key")
	out, err := exec.Command(openssl, "genpkey", "-algorithm", "ed25519", "-out", path).CombinedOutput()
	require.NoError(t, err, "%s", out)
	_, err = keys.LoadPrivate(path)
	require.NoError(t, err)
}
