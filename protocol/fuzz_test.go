package protocol

import (
	"testing"
)

// FuzzDecode feeds arbitrary bytes to every decoder: none may panic, and
// whatever one accepts must survive an encode/decode round trip and be
// internally consistent (never "safe" with a risk).
func FuzzDecode(f *testing.F) {
	for _, tc := range wireCases {
		f.Add(tc.decoder, []byte(tc.payload))
	}
	f.Fuzz(func(t *testing.T, decoder string, b []byte) {
		switch decoder {
		case "state", "presence", "command", "event":
		default:
			decoder = "state"
		}
		m, err := decodeBy(decoder, b)
		if err != nil {
			return
		}
		if s, ok := m.(DeviceState); ok && s.SafeToReset && len(s.Risks) > 0 {
			t.Fatalf("decoded a safe state with risks: %+v", s)
		}
		enc, err := Encode(m)
		if err != nil {
			t.Fatalf("decoded message does not encode: %v", err)
		}
		if _, err := decodeBy(decoder, enc); err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
	})
}

func FuzzParseTopic(f *testing.F) {
	f.Add("unbind/v1/devices/abc/state")
	f.Add("unbind/v1/devices/+/commands")
	f.Fuzz(func(t *testing.T, topic string) {
		id, ch, err := ParseTopic(topic)
		if err != nil {
			return
		}
		back, err := DeviceTopic(id, ch)
		if err != nil || back != topic {
			t.Fatalf("ParseTopic(%q) = %q,%q but DeviceTopic gives %q, %v", topic, id, ch, back, err)
		}
	})
}
