package e2e

import (
	"testing"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/broker/brokertest"
	"github.com/unbind/unbind/controller/controllertest"
)

// startController starts a controller for a test, configured further by
// configure.
type startController func(t *testing.T, configure ...func(*controller.Config)) *controllertest.Controller

// mosquittoController is the controller's login on the test Mosquitto.
const mosquittoController, mosquittoControllerPassword = "unbind-controller", "controller-secret"

// startOnMosquitto runs a real Mosquitto that takes its logins and ACL
// from files, and a controller that writes them from its registry and has
// Mosquitto reload them: the deployment of docs/deploy/mosquitto.md.
func startOnMosquitto(t *testing.T, configure ...func(*controller.Config)) *controllertest.Controller {
	t.Helper()
	mq := brokertest.StartMosquittoWith(t, brokertest.MosquittoOptions{Logins: t.TempDir()})
	return controllertest.Start(t, append([]func(*controller.Config){func(cfg *controller.Config) {
		cfg.BrokerURL = mq.URL
		cfg.BrokerUsername, cfg.BrokerPassword = mosquittoController, mosquittoControllerPassword
		cfg.Mosquitto = controller.MosquittoFiles{PasswordFile: mq.PasswordFile, ACLFile: mq.ACLFile, PIDFile: mq.PIDFile}
	}}, configure...)...)
}

func startEmbedded(t *testing.T, configure ...func(*controller.Config)) *controllertest.Controller {
	t.Helper()
	return controllertest.Start(t, configure...)
}

// onEachBroker runs test on the embedded broker and on Mosquitto, in
// parallel; test calls t.Parallel itself.
func onEachBroker(t *testing.T, test func(*testing.T, startController)) {
	t.Parallel()
	t.Run("embedded", func(t *testing.T) { test(t, startEmbedded) })
	t.Run("mosquitto", func(t *testing.T) { test(t, startOnMosquitto) })
}
