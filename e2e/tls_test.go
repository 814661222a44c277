package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/android/androidsim"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/controllertest"
)

// brokerPKI writes a throwaway CA and a broker certificate it signed for
// 127.0.0.1 into dir, as PEM files like an operator would have.
type brokerPKI struct {
	caFile, certFile, keyFile string
	roots                     *x509.CertPool
}

func newBrokerPKI(t *testing.T) brokerPKI {
	t.Helper()
	dir := t.TempDir()
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "unbind e2e CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "unbind e2e broker"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)

	p := brokerPKI{
		caFile: filepath.Join(dir, "ca.pem"), certFile: filepath.Join(dir, "broker.pem"),
		keyFile: filepath.Join(dir, "broker-key.pem"), roots: x509.NewCertPool(),
	}
	p.roots.AddCert(ca)
	for file, block := range map[string]*pem.Block{
		p.caFile:   {Type: "CERTIFICATE", Bytes: caDER},
		p.certFile: {Type: "CERTIFICATE", Bytes: der},
		p.keyFile:  {Type: "PRIVATE KEY", Bytes: keyDER},
	} {
		require.NoError(t, os.WriteFile(file, pem.EncodeToMemory(block), 0o600))
	}
	return p
}

// TestTLSBroker runs the embedded broker with --mqtt-tls-cert/--mqtt-tls-key:
// an agent trusting the CA reports over ssl://, and neither a client without
// the CA nor a plain MQTT client gets in.
func TestTLSBroker(t *testing.T) {
	t.Parallel()
	pki := newBrokerPKI(t)
	c := controllertest.Start(t, func(cfg *controller.Config) {
		cfg.MQTTTLSCert, cfg.MQTTTLSKey = pki.certFile, pki.keyFile
	})
	require.True(t, strings.HasPrefix(c.BrokerURL(), "ssl://127.0.0.1:"), "broker URL %s", c.BrokerURL())

	ctx := context.Background()
	phone := androidsim.Fleet(1, 31)[0]
	e, err := enrollVia(c)(ctx, phone.Serial())
	require.NoError(t, err)
	assert.Equal(t, c.BrokerURL(), e.BrokerURL, "enrollment hands out the TLS URL")

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("agent: %v", err)
		}
	})
	device := android.NewDevice(phone, android.DeviceConfig{CommandTimeout: 2 * time.Second, Logger: controllertest.Logger(t)})
	a := agent.New(device, agent.Config{
		BrokerURL: e.BrokerURL, TLS: &tls.Config{RootCAs: pki.roots, MinVersion: tls.VersionTLS12},
		Username: e.Username, Password: e.Password, ControllerKey: e.ControllerKey, DeviceID: e.DeviceID,
		Interval: 30 * time.Second, Logger: controllertest.Logger(t), StateDir: t.TempDir(),
	})
	go func() { done <- a.Run(runCtx) }()

	eventually(t, func() bool {
		d, err := c.Registry().Device(ctx, phone.Serial())
		return err == nil && d.Online && d.State != nil
	}, "agent online over TLS with its state in the registry")
	d, err := c.Registry().Device(ctx, phone.Serial())
	require.NoError(t, err)
	assert.Equal(t, phone.Serial(), d.Identity.Serial)

	// Valid credentials, so only the transport can be what refuses them.
	other, err := enrollVia(c)(ctx, "tls-refused")
	require.NoError(t, err)
	tests := []struct {
		name string
		url  string
		tls  *tls.Config
		want string
	}{
		// No TLS config means the system roots, which lack the test CA.
		{"client without the CA", c.BrokerURL(), nil, "certificate"},
		{"plain MQTT client", "tcp://" + strings.TrimPrefix(c.BrokerURL(), "ssl://"), nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// One attempt, not mqttconn's retry loop, so that the error seen
			// is the refusal itself and never a deadline cutting a retry.
			client := paho.NewClient(paho.NewClientOptions().
				AddBroker(tc.url).SetClientID("unbind-agent-tls-refused").
				SetUsername(other.Username).SetPassword(other.Password).
				SetTLSConfig(tc.tls).SetAutoReconnect(false).SetConnectTimeout(time.Minute))
			tok := client.Connect()
			require.True(t, tok.WaitTimeout(2*time.Minute), "no answer from the broker")
			if tok.Error() == nil {
				client.Disconnect(0)
			}
			require.Error(t, tok.Error(), "%s connected to the TLS broker", tc.name)
			assert.Contains(t, tok.Error().Error(), tc.want)
		})
	}
}
