package broker

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

// testPKI is a throwaway CA and a server certificate it signed for 127.0.0.1.
type testPKI struct {
	roots  *x509.CertPool
	server tls.Certificate
}

func newTestPKI(t testing.TB) testPKI {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "unbind test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "unbind test broker"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	require.NoError(t, err)

	roots := x509.NewCertPool()
	roots.AddCert(ca)
	return testPKI{roots: roots, server: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}}
}

// dialTLS is tryDial with a TLS client configuration.
func dialTLS(url, id string, cfg *tls.Config) (paho.Client, error) {
	c := paho.NewClient(paho.NewClientOptions().
		AddBroker(url).
		SetClientID(id).
		SetProtocolVersion(4).
		SetAutoReconnect(false).
		SetConnectTimeout(wait).
		SetTLSConfig(cfg))
	if err := waitToken(c.Connect()); err != nil {
		return nil, err
	}
	return c, nil
}

func TestTLSListener(t *testing.T) {
	t.Parallel()
	pki := newTestPKI(t)
	b := startBroker(t, Config{TLS: &tls.Config{Certificates: []tls.Certificate{pki.server}, MinVersion: tls.VersionTLS12}})
	url := b.URL()
	require.True(t, strings.HasPrefix(url, "ssl://127.0.0.1:"), "URL %s", url)

	c, err := dialTLS(url, "tls-client", &tls.Config{RootCAs: pki.roots, MinVersion: tls.VersionTLS12})
	require.NoError(t, err, "a client trusting the CA connects")
	defer c.Disconnect(0)
	topic, err := protocol.DeviceTopic("tls-dev", protocol.ChannelState)
	require.NoError(t, err)
	got := make(chan []byte, 1)
	require.NoError(t, waitToken(c.Subscribe(topic, 1, func(_ paho.Client, m paho.Message) { got <- m.Payload() })))
	require.NoError(t, waitToken(c.Publish(topic, 1, false, []byte("over tls"))))
	select {
	case p := <-got:
		assert.Equal(t, "over tls", string(p), "round trip through the TLS listener")
	case <-time.After(wait):
		require.FailNow(t, "no message came back over TLS")
	}

	tests := []struct {
		name string
		url  string
		tls  *tls.Config
		want string
	}{
		// An empty pool stands for the system roots, which never hold a
		// test CA, without depending on the machine's trust store.
		{"client without the CA", url, &tls.Config{RootCAs: x509.NewCertPool(), MinVersion: tls.VersionTLS12}, "certificate"},
		{"plain MQTT client", "tcp://" + strings.TrimPrefix(url, "ssl://"), nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := dialTLS(tc.url, "refused-"+strings.ReplaceAll(tc.name, " ", "-"), tc.tls)
			if c != nil {
				c.Disconnect(0)
			}
			require.Error(t, err, "the TLS listener refuses %s", tc.name)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestTLSConfigWithoutCertificate(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	_, err = Start(t.Context(), Config{Listener: ln, TLS: &tls.Config{MinVersion: tls.VersionTLS12}})
	require.Error(t, err)
	_, err = ln.Accept()
	assert.ErrorIs(t, err, net.ErrClosed, "Start owns and closes the listener")
}
