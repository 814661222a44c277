package controller

import (
	"context"
	"strings"

	"github.com/unbind/unbind/controller/broker"
	"github.com/unbind/unbind/controller/registry"
)

// MonitorCredential is a read-only MQTT login for observers such as
// dashboards or mosquitto_sub: they may follow every device's state,
// presence and events and publish nothing.
type MonitorCredential struct {
	Name      string `json:"name"`
	Username  string `json:"username"`
	Password  string `json:"password"`
	BrokerURL string `json:"broker_url"`
}

// NewMonitorCredential creates (or replaces) the monitor login called name.
// The password is shown once; only its hash is kept. Sessions of a replaced
// login are ended.
func (c *Controller) NewMonitorCredential(ctx context.Context, name, actor string) (MonitorCredential, error) {
	if err := ValidateAccountName("monitor name", name); err != nil {
		return MonitorCredential{}, err
	}
	password := randomSecret()
	brokerHash, err := broker.MosquittoHash(password)
	if err != nil {
		return MonitorCredential{}, err
	}
	m := MonitorCredential{Name: name, Username: "unbind/monitor/" + name, Password: password, BrokerURL: c.advertisedBrokerURL()}
	err = c.reg.AddMonitorCredential(ctx, name, registry.Credential{
		Username: m.Username, PasswordHash: hashSecret(password), BrokerHash: brokerHash, CreatedAt: c.cfg.Now().UTC(),
	}, actor)
	if err != nil {
		return MonitorCredential{}, err
	}
	// A replaced password ends the sessions logged in with the old one.
	c.endSessions(m.Username)
	if err := c.loginsChanged(ctx); err != nil {
		return MonitorCredential{}, err
	}
	return m, nil
}

func isMonitor(cred registry.Credential) bool {
	return strings.HasPrefix(cred.DeviceID, registry.MonitorPrefix)
}
