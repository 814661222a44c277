package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Errors returned by the decoders; callers count and log them by kind.
var (
	// ErrTooLarge: the payload is over MaxPayload and was not parsed.
	ErrTooLarge = errors.New("payload too large")
	// ErrUnknownVersion: the message carries a major version this build does not speak.
	ErrUnknownVersion = errors.New("unknown protocol version")
	// ErrMalformed: the payload is not a JSON object of the expected shape.
	ErrMalformed = errors.New("malformed payload")
	// ErrInvalid: the JSON parsed but a field is missing or out of range.
	ErrInvalid = errors.New("invalid message")
)

// Message is any of the wire types.
type Message interface {
	Validate() error
	// version is the message's "v" as decoded.
	version() int
}

// Encode validates m and marshals it, refusing anything a peer would reject.
func Encode(m Message) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("encode %T: %w", m, err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", m, err)
	}
	if len(b) > MaxPayload {
		return nil, fmt.Errorf("encode %T: %w: %d bytes, limit %d", m, ErrTooLarge, len(b), MaxPayload)
	}
	return b, nil
}

// DecodeState decodes and validates a DeviceState.
func DecodeState(b []byte) (DeviceState, error) { return decode[DeviceState](b) }

// DecodePresence decodes and validates a Presence.
func DecodePresence(b []byte) (Presence, error) { return decode[Presence](b) }

// DecodeCommand decodes and validates a Command.
func DecodeCommand(b []byte) (Command, error) { return decode[Command](b) }

// DecodeEvent decodes and validates a CommandEvent.
func DecodeEvent(b []byte) (CommandEvent, error) { return decode[CommandEvent](b) }

func decode[T Message](b []byte) (T, error) {
	var m T
	if len(b) > MaxPayload {
		return m, fmt.Errorf("decode %T: %w: %d bytes, limit %d", m, ErrTooLarge, len(b), MaxPayload)
	}
	// One pass in the common case: the whole message decodes and speaks
	// this version. Anything else is classified by the slower path below.
	err := json.Unmarshal(b, &m)
	if err != nil || m.version() != Version {
		var zero T
		if cerr := classify(zero, b); cerr != nil {
			return zero, cerr
		}
		if err == nil { // not reached: classify read the same "v"
			err = fmt.Errorf("v=%d", m.version())
		}
		return zero, fmt.Errorf("decode %T: %w: %w", zero, ErrMalformed, err)
	}
	if err := m.Validate(); err != nil {
		var zero T
		return zero, fmt.Errorf("decode %T: %w", m, err)
	}
	return m, nil
}

// classify says why b is not a message of this version: the version is
// checked before the body, so that a future version with a different shape
// reports ErrUnknownVersion, not a confusing field error. It returns nil
// when b carries this version (so the body itself is at fault).
func classify[T Message](m T, b []byte) error {
	var header struct {
		V json.RawMessage `json:"v"`
	}
	if err := json.Unmarshal(b, &header); err != nil {
		return fmt.Errorf("decode %T: %w: %w", m, ErrMalformed, err)
	}
	if len(header.V) == 0 || bytes.Equal(header.V, []byte("null")) {
		return fmt.Errorf("decode %T: %w: v is missing", m, ErrInvalid)
	}
	var v int
	if err := json.Unmarshal(header.V, &v); err != nil {
		return fmt.Errorf("decode %T: %w: v is %s, want an integer", m, ErrMalformed, header.V)
	}
	if v != Version {
		return fmt.Errorf("decode %T: %w: v=%d, this build speaks v=%d", m, ErrUnknownVersion, v, Version)
	}
	return nil
}

func (s DeviceState) version() int  { return s.V }
func (p Presence) version() int     { return p.V }
func (c Command) version() int      { return c.V }
func (e CommandEvent) version() int { return e.V }
