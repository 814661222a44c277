// Package webhooks sends the registry's webhook deliveries and signs them.
// The decisions (signature, backoff, what an answer means) are pure
// functions; Worker is the thin loop that claims due deliveries, posts them
// and records the outcome.
//
// A receiver checks a delivery with Verify:
//
//	err := webhooks.Verify(secret, r.Header.Get(webhooks.SignatureHeader), body, time.Now(), webhooks.DefaultTolerance)
package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers of a delivery.
const (
	// SignatureHeader carries "t=UNIX,v1=HEX": HEX is the HMAC-SHA256, keyed
	// with the webhook's secret, of the timestamp, a '.', and the raw body.
	SignatureHeader = "Unbind-Signature"
	// EventIDHeader carries the event's ID, the same on every attempt:
	// receivers drop an ID they have already handled.
	EventIDHeader = "Unbind-Event-Id"
)

// DefaultTolerance is how far a signature's timestamp may be from the
// receiver's clock.
const DefaultTolerance = 5 * time.Minute

// Errors Verify wraps.
var (
	ErrMalformedSignature = errors.New("malformed signature header")
	ErrBadSignature       = errors.New("signature does not match")
	ErrStaleSignature     = errors.New("signature timestamp outside tolerance")
)

// maxHeader bounds the header a receiver parses.
const maxHeader = 1024

// Sign is the SignatureHeader value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Signature is a parsed SignatureHeader: its timestamp and every v1 value
// (a sender may list several while it rolls a secret over).
type Signature struct {
	Timestamp int64
	V1        [][]byte
}

// ParseSignature reads a SignatureHeader value. Unknown keys are ignored;
// exactly one t and at least one well-formed v1 are required.
func ParseSignature(header string) (Signature, error) {
	var (
		sig  Signature
		hasT bool
	)
	if len(header) > maxHeader {
		return sig, fmt.Errorf("%w: longer than %d bytes", ErrMalformedSignature, maxHeader)
	}
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return Signature{}, fmt.Errorf("%w: %q is not key=value", ErrMalformedSignature, part)
		}
		switch k {
		case "t":
			if hasT {
				return Signature{}, fmt.Errorf("%w: two timestamps", ErrMalformedSignature)
			}
			ts, err := strconv.ParseInt(v, 10, 64)
			if err != nil || ts <= 0 {
				return Signature{}, fmt.Errorf("%w: timestamp %q", ErrMalformedSignature, v)
			}
			sig.Timestamp, hasT = ts, true
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return Signature{}, fmt.Errorf("%w: v1 is not %d hex bytes", ErrMalformedSignature, sha256.Size)
			}
			sig.V1 = append(sig.V1, b)
		}
	}
	if !hasT || len(sig.V1) == 0 {
		return Signature{}, fmt.Errorf("%w: t and v1 are required", ErrMalformedSignature)
	}
	return sig, nil
}

// Verify checks that header signs body with secret and that its timestamp
// is within tolerance of now (either side; 0 means DefaultTolerance). It
// wraps ErrMalformedSignature, ErrStaleSignature or ErrBadSignature.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	sig, err := ParseSignature(header)
	if err != nil {
		return err
	}
	age := now.Sub(time.Unix(sig.Timestamp, 0))
	if age > tolerance || age < -tolerance {
		return fmt.Errorf("%w: signed %s from now", ErrStaleSignature, age.Round(time.Second))
	}
	want := mac(secret, strconv.FormatInt(sig.Timestamp, 10), body)
	for _, v := range sig.V1 {
		if hmac.Equal(v, want) {
			return nil
		}
	}
	return ErrBadSignature
}
