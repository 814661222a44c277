package webhooks

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVerify(t *testing.T) {
	const secret = "whsec_test"
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"e1","type":"device.safe"}`)
	good := Sign(secret, now, body)
	tests := []struct {
		name   string
		secret string
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"valid", secret, good, body, now, nil},
		{"valid within tolerance", secret, good, body, now.Add(4 * time.Minute), nil},
		{"body changed", secret, good, []byte(`{"id":"e1","type":"device.at_risk"}`), now, ErrBadSignature},
		{"other secret", "whsec_other", good, body, now, ErrBadSignature},
		{"forged with other secret", secret, Sign("guess", now, body), body, now, ErrBadSignature},
		{"timestamp swapped", secret, strings.Replace(good, "t=1800000000", "t=1800000001", 1), body, now, ErrBadSignature},
		{"stale", secret, good, body, now.Add(6 * time.Minute), ErrStaleSignature},
		{"from the future", secret, good, body, now.Add(-6 * time.Minute), ErrStaleSignature},
		{"replayed a day later", secret, good, body, now.Add(24 * time.Hour), ErrStaleSignature},
		{"second v1 matches", secret, "t=1800000000,v1=" + strings.Repeat("00", 32) + "," + strings.Split(good, ",")[1], body, now, nil},
		{"unknown key ignored", secret, good + ",v0=abc", body, now, nil},
		{"empty", secret, "", body, now, ErrMalformedSignature},
		{"no timestamp", secret, strings.Split(good, ",")[1], body, now, ErrMalformedSignature},
		{"no v1", secret, "t=1800000000", body, now, ErrMalformedSignature},
		{"two timestamps", secret, "t=1800000000," + good, body, now, ErrMalformedSignature},
		{"short v1", secret, "t=1800000000,v1=abcd", body, now, ErrMalformedSignature},
		{"not hex", secret, "t=1800000000,v1=" + strings.Repeat("zz", 32), body, now, ErrMalformedSignature},
		{"negative time", secret, "t=-5,v1=" + strings.Repeat("00", 32), body, now, ErrMalformedSignature},
		{"no equals", secret, "t1800000000", body, now, ErrMalformedSignature},
		{"huge", secret, good + strings.Repeat(",x=y", 400), body, now, ErrMalformedSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.secret, tc.header, tc.body, tc.now, DefaultTolerance)
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

func TestSignFormat(t *testing.T) {
	h := Sign("k", time.Unix(1700000000, 0), []byte("{}"))
	assert.Regexp(t, `^t=1700000000,v1=[0-9a-f]{64}$`, h)
}

func FuzzParseSignature(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	f.Add(Sign("s", now, []byte("{}")))
	f.Add("t=1,v1=")
	f.Add("t=,v1=00")
	f.Add(",,,=")
	f.Add("t=9223372036854775807,v1=" + strings.Repeat("ab", 32))
	f.Fuzz(func(t *testing.T, header string) {
		sig, err := ParseSignature(header)
		if err != nil {
			require.ErrorIs(t, err, ErrMalformedSignature)
			return
		}
		require.Positive(t, sig.Timestamp)
		require.NotEmpty(t, sig.V1)
		for _, v := range sig.V1 {
			require.Len(t, v, 32)
		}
		// Verify never panics on what parses, whatever its time.
		_ = Verify("s", header, []byte("{}"), now, DefaultTolerance)
	})
}
