package broker

// The access table's decisions, for the tests in package broker_test that
// compare them with a real Mosquitto (brokertest imports this package).
var (
	DeviceMay      = deviceMay
	MonitorMayRead = monitorMayRead
	ControllerMay  = func(topic string, write bool) bool { return allowedBy(roleController, "", topic, write) }
)
