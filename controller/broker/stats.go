package broker

import "sync/atomic"

// ClientsConnected is how many MQTT clients are connected now; the
// controller's in-process subscription is not one.
func (b *Broker) ClientsConnected() int64 {
	return atomic.LoadInt64(&b.srv.Info.ClientsConnected)
}
