package controller

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCheckAdvertise(t *testing.T) {
	tests := []struct {
		name      string
		cfg       Config
		wantError string
	}{
		{"loopback default", Config{MQTTListen: "127.0.0.1:1883"}, ""},
		{"every interface, nothing advertised", Config{MQTTListen: "0.0.0.0:1883"}, "phones would be told 127.0.0.1"},
		{"every interface (v6), nothing advertised", Config{MQTTListen: "[::]:1883"}, "phones would be told 127.0.0.1"},
		{"every interface, LAN address advertised", Config{MQTTListen: "0.0.0.0:1883", AdvertiseBroker: "tcp://192.0.2.10:1883"}, ""},
		{"every interface, loopback advertised", Config{MQTTListen: "0.0.0.0:1883", AdvertiseBroker: "tcp://127.0.0.1:1883"}, "a loopback address"},
		{"every interface, localhost advertised", Config{MQTTListen: "0.0.0.0:8883", AdvertiseBroker: "ssl://localhost:8883"}, "a loopback address"},
		{"one LAN address", Config{MQTTListen: "192.0.2.10:1883"}, ""},
		{"not a URL", Config{MQTTListen: "0.0.0.0:1883", AdvertiseBroker: "192.0.2.10"}, "want tcp://HOST:PORT"},
		{"not MQTT", Config{MQTTListen: "0.0.0.0:1883", AdvertiseBroker: "http://192.0.2.10:1883"}, "not an MQTT scheme"},
		{"external broker", Config{BrokerURL: "tcp://broker.example:1883"}, ""},
		{"loopback broker advertised loopback", Config{MQTTListen: "127.0.0.1:1883", AdvertiseBroker: "tcp://127.0.0.1:1883"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkAdvertise(tc.cfg)
			if tc.wantError == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, ErrAdvertise)
			assert.ErrorContains(t, err, tc.wantError)
		})
	}
}

func TestPlainMQTTRisk(t *testing.T) {
	for _, tc := range []struct {
		advertised string
		risky      bool
	}{
		{"tcp://127.0.0.1:1883", false},
		{"tcp://localhost:1883", false},
		{"tcp://[::1]:1883", false},
		{"tcp://192.0.2.10:1883", true},
		{"mqtt://bench.example:1883", true},
		{"ssl://192.0.2.10:8883", false},
		{"mqtts://bench.example:8883", false},
	} {
		risk := plainMQTTRisk(Config{}, tc.advertised)
		assert.Equal(t, tc.risky, risk != "", tc.advertised)
		if tc.risky {
			assert.Contains(t, risk, "--mqtt-tls-cert")
		}
	}
}
