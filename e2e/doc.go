// Package e2e holds end-to-end tests: the real controller, a real MQTT broker
// (embedded or Mosquitto), real SQLite files and the real agent over
// simulated phones, all talking over loopback.
package e2e
