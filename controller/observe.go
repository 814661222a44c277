package controller

// IngestPending is how many decoded messages wait for the registry writer:
// the ingest queue's depth.
func (c *Controller) IngestPending() int {
	if c.ingest == nil {
		return 0
	}
	c.ingest.mu.Lock()
	defer c.ingest.mu.Unlock()
	return len(c.ingest.queue) + len(c.ingest.states)
}

// BrokerClients is how many MQTT clients the embedded broker holds now; ok
// is false with an external broker.
func (c *Controller) BrokerClients() (n int64, ok bool) {
	if c.broker == nil {
		return 0, false
	}
	return c.broker.ClientsConnected(), true
}
