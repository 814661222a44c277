package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/agent"
	"github.com/unbind/unbind/controller"
)

func TestEnrollPrintsAUsableToken(t *testing.T) {
	c := startAuthed(t)
	ctx := context.Background()

	io, out, _ := testStreams()
	require.NoError(t, enrollRun(ctx, io, &enrollOptions{API: c.APIURL(), TTL: controller.DefaultEnrollmentTTL, Output: "json"}))
	var tok controller.EnrollmentToken
	require.NoError(t, json.Unmarshal(out.Bytes(), &tok))
	_, err := agent.Enroll(ctx, nil, c.APIURL(), tok.Token, "phone-1")
	assert.NoError(t, err)

	io, out, _ = testStreams()
	require.NoError(t, enrollRun(ctx, io, &enrollOptions{API: c.APIURL(), TTL: controller.DefaultEnrollmentTTL, Output: "table"}))
	assert.Contains(t, out.String(), "unbind-agent enroll --token ")
	assert.Contains(t, out.String(), "--controller "+c.APIURL())
}

func TestEnrollFlags(t *testing.T) {
	var got *enrollOptions
	cmd := newEnrollCmd(streams{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}, func(_ context.Context, o *enrollOptions) error {
		got = o
		return nil
	})
	cmd.SetArgs([]string{"--ttl", "1h", "--output", "json", "--api", "http://h:1"})
	require.NoError(t, cmd.Execute())
	assert.Equal(t, "1h0m0s", got.TTL.String())
	assert.Equal(t, "http://h:1", got.API)

	cmd = newEnrollCmd(streams{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}, func(_ context.Context, o *enrollOptions) error {
		got = o
		return nil
	})
	cmd.SetArgs([]string{"--qr"})
	require.NoError(t, cmd.Execute())
	assert.True(t, got.QR)
}

// TestWriteQR checks the terminal rendering's geometry: a square symbol of
// an allowed QR size plus the quiet zone, two module rows per text line.
func TestWriteQR(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, writeQR(&b, "unbind-agent enroll --token abc --controller http://127.0.0.1:8080"))
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	width := utf8.RuneCountInString(lines[0])
	modules := width - 2*quietZone
	assert.Zero(t, (modules-21)%4, "QR sizes are 21 + 4k modules, got %d", modules)
	assert.Equal(t, (width+1)/2, len(lines))
	for _, l := range lines {
		assert.Equal(t, width, utf8.RuneCountInString(l))
	}
	assert.Equal(t, strings.Repeat("█", width), lines[0], "the quiet zone is light")
	var again bytes.Buffer
	require.NoError(t, writeQR(&again, "unbind-agent enroll --token abc --controller http://127.0.0.1:8080"))
	assert.Equal(t, b.String(), again.String())
}
