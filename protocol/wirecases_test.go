package protocol

import (
	"fmt"
	"strings"
)

// wireCase is one payload on the wire with the outcome every decoder of its
// kind must reach. The same table seeds the fuzz tests.
type wireCase struct {
	name    string
	decoder string // "state", "presence", "command", "event"
	payload string
	wantErr error // nil: decodes
}

const validState = `{"v":1,"device_id":"f1a2b3c4","seq":3,
 "device":{"serial":"f1a2b3c4","manufacturer":"Xiaomi","brand":"Redmi","model":"23021RAAEG","android_version":"13","sdk":33,"vendor_os":"MIUI V14"},
 "safe_to_reset":false,
 "risks":[{"kind":"mi_account","user":0,"check":"dumpsys account","evidence":"com.xiaomi account signed in","account":"28***58"},
          {"kind":"find_device","check":"content query isLastStatusOpen","evidence":"provider answered 1"}],
 "accounts":[{"user":0,"type":"com.xiaomi","name":"28***58"}],
 "find_device":"on","lost_mode":"off","rooted":false,"checked_at":"2026-11-23T10:00:00Z"}`

const validSafeState = `{"v":1,"device_id":"pixel-7","seq":1,"device":{"serial":"pixel-7"},"safe_to_reset":true,"risks":[],
 "find_device":"off","lost_mode":"off","rooted":false,"checked_at":"2026-11-23T10:00:00Z"}`

var wireCases = []wireCase{
	{"state valid", "state", validState, nil},
	{"state valid safe", "state", validSafeState, nil},
	{"state unknown version", "state", strings.Replace(validState, `"v":1`, `"v":2`, 1), ErrUnknownVersion},
	{"state version zero", "state", strings.Replace(validState, `"v":1`, `"v":0`, 1), ErrUnknownVersion},
	{"state version missing", "state", strings.Replace(validState, `"v":1,`, ``, 1), ErrInvalid},
	{"state version is a string", "state", strings.Replace(validState, `"v":1`, `"v":"1"`, 1), ErrMalformed},
	{"state not json", "state", `risk=none`, ErrMalformed},
	{"state json array", "state", `[1,2]`, ErrMalformed},
	{"state empty", "state", ``, ErrMalformed},
	{"state null", "state", `null`, ErrInvalid},
	{"state truncated", "state", validState[:len(validState)/2], ErrMalformed},
	{"state safe with risks", "state", strings.Replace(validState, `"safe_to_reset":false`, `"safe_to_reset":true`, 1), ErrInvalid},
	{"state not safe without risks", "state", strings.Replace(validSafeState, `"safe_to_reset":true`, `"safe_to_reset":false`, 1), ErrInvalid},
	{"state safe_to_reset missing", "state", strings.Replace(validSafeState, `"safe_to_reset":true,`, ``, 1), ErrInvalid},
	{"state risk kind unknown", "state", strings.Replace(validState, `"kind":"mi_account"`, `"kind":"vibes"`, 1), ErrInvalid},
	{"state risks wrong type", "state", strings.Replace(validState, `"risks":[`, `"risks":"none","x":[`, 1), ErrMalformed},
	{"state checked_at missing", "state", strings.Replace(validSafeState, `,"checked_at":"2026-11-23T10:00:00Z"`, ``, 1), ErrInvalid},
	{"state device id with wildcard", "state", strings.Replace(validState, `"device_id":"f1a2b3c4"`, `"device_id":"a/+/#"`, 1), ErrInvalid},
	{"state find_device bogus", "state", strings.Replace(validState, `"find_device":"on"`, `"find_device":"maybe"`, 1), ErrInvalid},
	{"state with boot id", "state", strings.Replace(validSafeState, `"rooted":false`, `"rooted":false,"boot_id":"0f6e2c8a-1b2c-4d5e-8f90-a1b2c3d4e5f6"`, 1), nil},
	{"state boot id too long", "state", strings.Replace(validSafeState, `"rooted":false`, `"rooted":false,"boot_id":"`+strings.Repeat("b", 65)+`"`, 1), ErrInvalid},
	{"state boot id wrong type", "state", strings.Replace(validSafeState, `"rooted":false`, `"rooted":false,"boot_id":7`, 1), ErrMalformed},
	{"state of an agent before the lock catalogue (no catalogue field)", "state", validSafeState, nil},
	{"state with the catalogue revision", "state", strings.Replace(validSafeState, `"rooted":false`, `"rooted":false,"catalogue":1`, 1), nil},
	{"state catalogue negative", "state", strings.Replace(validSafeState, `"rooted":false`, `"rooted":false,"catalogue":-1`, 1), ErrInvalid},
	{"state catalogue wrong type", "state", strings.Replace(validSafeState, `"rooted":false`, `"rooted":false,"catalogue":"1"`, 1), ErrMalformed},
	{"state with a catalogue risk kind", "state", strings.Replace(validState, `"kind":"mi_account"`, `"kind":"knox_guard"`, 1), nil},
	{"state of a bench station", "state", strings.Replace(validSafeState, `"seq":1,`, `"seq":1,"station":{"name":"bench-3"},`, 1), nil},
	{"state of a bench station set to a lot", "state", strings.Replace(validSafeState, `"seq":1,`, `"seq":1,"station":{"name":"bench-3.local","lot":"L-2026_0042"},`, 1), nil},
	{"state station null (an agent on the phone)", "state", strings.Replace(validSafeState, `"seq":1,`, `"seq":1,"station":null,`, 1), nil},
	{"state station without a name", "state", strings.Replace(validSafeState, `"seq":1,`, `"seq":1,"station":{"lot":"L-1"},`, 1), ErrInvalid},
	{"state station name with a slash", "state", strings.Replace(validSafeState, `"seq":1,`, `"seq":1,"station":{"name":"a/+/#"},`, 1), ErrInvalid},
	{"state station name too long", "state", strings.Replace(validSafeState, `"seq":1,`, `"seq":1,"station":{"name":"`+strings.Repeat("s", 65)+`"},`, 1), ErrInvalid},
	{"state station lot with a space", "state", strings.Replace(validSafeState, `"seq":1,`, `"seq":1,"station":{"name":"bench-3","lot":"PO 4711"},`, 1), ErrInvalid},
	{"state station lot too long", "state", strings.Replace(validSafeState, `"seq":1,`, `"seq":1,"station":{"name":"bench-3","lot":"`+strings.Repeat("l", 41)+`"},`, 1), ErrInvalid},
	{"state station is a string", "state", strings.Replace(validSafeState, `"seq":1,`, `"seq":1,"station":"bench-3",`, 1), ErrMalformed},
	{"state oversized", "state", `{"v":1,"pad":"` + strings.Repeat("x", MaxPayload) + `"}`, ErrTooLarge},

	{"presence online", "presence", `{"v":1,"device_id":"f1a2b3c4","status":"online","at":"2026-11-23T10:00:00Z","agent_version":"0.1.0"}`, nil},
	{"presence offline", "presence", `{"v":1,"device_id":"f1a2b3c4","status":"offline","at":"2026-11-23T10:00:00Z"}`, nil},
	{"presence bad status", "presence", `{"v":1,"device_id":"f1a2b3c4","status":"asleep","at":"2026-11-23T10:00:00Z"}`, ErrInvalid},
	{"presence future version", "presence", `{"v":7,"device_id":"f1a2b3c4","status":"online"}`, ErrUnknownVersion},
	{"presence bad time", "presence", `{"v":1,"device_id":"f1a2b3c4","status":"online","at":"yesterday"}`, ErrMalformed},

	{"command refresh", "command", `{"v":1,"id":"c-1","device_id":"f1a2b3c4","kind":"refresh","issued_at":"2026-11-23T10:00:00Z","expires_at":"2026-11-23T10:05:00Z"}`, nil},
	{"command cancel", "command", `{"v":1,"id":"c-2","device_id":"f1a2b3c4","kind":"cancel","target":"c-1","issued_at":"2026-11-23T10:00:00Z","expires_at":"2026-11-23T10:05:00Z"}`, nil},
	{"command cancel without target", "command", `{"v":1,"id":"c-2","device_id":"f1a2b3c4","kind":"cancel","issued_at":"2026-11-23T10:00:00Z","expires_at":"2026-11-23T10:05:00Z"}`, ErrInvalid},
	{"command unknown kind", "command", `{"v":1,"id":"c-1","device_id":"f1a2b3c4","kind":"wipe_everything","issued_at":"2026-11-23T10:00:00Z","expires_at":"2026-11-23T10:05:00Z"}`, ErrInvalid},
	{"command expiry before issue", "command", `{"v":1,"id":"c-1","device_id":"f1a2b3c4","kind":"refresh","issued_at":"2026-11-23T10:00:00Z","expires_at":"2026-11-23T09:05:00Z"}`, ErrInvalid},
	{"command without id", "command", `{"v":1,"device_id":"f1a2b3c4","kind":"refresh","issued_at":"2026-11-23T10:00:00Z","expires_at":"2026-11-23T10:05:00Z"}`, ErrInvalid},
	{"command with sig", "command", `{"v":1,"id":"c-1","device_id":"f1a2b3c4","kind":"refresh","issued_at":"2026-11-23T10:00:00Z","expires_at":"2026-11-23T10:05:00Z","sig":"AAAA"}`, nil},
	{"command sig too long", "command", `{"v":1,"id":"c-1","device_id":"f1a2b3c4","kind":"refresh","issued_at":"2026-11-23T10:00:00Z","expires_at":"2026-11-23T10:05:00Z","sig":"` + strings.Repeat("A", 200) + `"}`, ErrInvalid},
	{"command sig wrong type", "command", `{"v":1,"id":"c-1","device_id":"f1a2b3c4","kind":"refresh","issued_at":"2026-11-23T10:00:00Z","expires_at":"2026-11-23T10:05:00Z","sig":7}`, ErrMalformed},
	{"command kind wrong type", "command", `{"v":1,"id":"c-1","device_id":"f1a2b3c4","kind":5,"issued_at":"2026-11-23T10:00:00Z","expires_at":"2026-11-23T10:05:00Z"}`, ErrMalformed},

	{"event succeeded", "event", `{"v":1,"device_id":"f1a2b3c4","command_id":"c-1","state":"succeeded","at":"2026-11-23T10:00:01Z"}`, nil},
	{"event in progress", "event", `{"v":1,"device_id":"f1a2b3c4","command_id":"c-1","state":"in_progress","at":"2026-11-23T10:00:01Z","detail":"waiting for the person to sign out"}`, nil},
	{"event with boot id", "event", `{"v":1,"device_id":"f1a2b3c4","command_id":"c-1","state":"in_progress","at":"2026-11-23T10:00:01Z","detail":"reset_screen_opened: settings_screen","boot_id":"0f6e2c8a-1b2c-4d5e-8f90-a1b2c3d4e5f6"}`, nil},
	{"event boot id too long", "event", `{"v":1,"device_id":"f1a2b3c4","command_id":"c-1","state":"in_progress","at":"2026-11-23T10:00:01Z","boot_id":"` + strings.Repeat("b", 65) + `"}`, ErrInvalid},
	{"event unknown state", "event", `{"v":1,"device_id":"f1a2b3c4","command_id":"c-1","state":"exploded","at":"2026-11-23T10:00:01Z"}`, ErrInvalid},
	{"event controller's queued", "event", `{"v":1,"device_id":"f1a2b3c4","command_id":"c-1","state":"queued","at":"2026-11-23T10:00:01Z"}`, ErrInvalid},
	{"event controller's sent", "event", `{"v":1,"device_id":"f1a2b3c4","command_id":"c-1","state":"sent","at":"2026-11-23T10:00:01Z"}`, ErrInvalid},
	{"event missing time", "event", `{"v":1,"device_id":"f1a2b3c4","command_id":"c-1","state":"failed"}`, ErrInvalid},
}

func decodeBy(decoder string, b []byte) (Message, error) {
	switch decoder {
	case "state":
		return DecodeState(b)
	case "presence":
		return DecodePresence(b)
	case "command":
		return DecodeCommand(b)
	case "event":
		return DecodeEvent(b)
	}
	panic(fmt.Sprintf("test table names unknown decoder %q", decoder))
}
